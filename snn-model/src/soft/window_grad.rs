//! The gradient of the soft log-likelihood with respect to the soft weights.
//!
//! Every contribution to the value that depends on the potentials of the target neurons — the
//! event terms `log λ_i(t_e)` and the quadrature nodes of `−∫ λ_i` — is an *item* carrying, per
//! target neuron `t`, the adjoint `c_t` of its potential (for a quadrature sub-interval: the
//! moments `Σ_nodes c_t (x − μ)^q`, `q = 0, 1, 2`). The soft weight `d_e[h]` enters the
//! potential at `x` through `Σ_k wm[i][k][n_obs + h] φ_k(x − s_e)`, so
//!
//! `∂/∂d_e[h] = Σ_k Σ_t wm[i0 + t][k][n_obs + h] Σ_{items x in the k-window of e} c_t(x) φ_k(x − s_e)`.
//!
//! For the Epanechnikov basis `φ_k` is a quadratic on its window `(s_e + lo_k, s_e + hi_k)`,
//! whose ends are breakpoints, so the inner sum is a combination of the windowed moments of the
//! items; windows slide backwards in time over the items (running sums about a reference that
//! follows the window, rebuilt when it drifts: no cancellation), `O(items + events)` per basis
//! function. The same pass, over every source event (spikes too), gives the gradient in the
//! weights `W`: `∂u_i(x)/∂wm[i][k][j] = Σ_e m_{e,j} φ_k(x − t_e)`. Other bases use the direct
//! double sum for the soft weights (`O(events × items in the support)`) and per-piece
//! accumulation for `W`.

use super::SoftEvents;
use super::engine::{Item, SoftWorkspace};
use crate::basis::Basis;
use crate::model::Snn;

/// How far (in window widths) the reference may drift before the sums are rebuilt.
const RECENTRE_WIDTHS: f64 = 4.0;

#[inline]
fn enters(item: &Item, lower: f64) -> bool {
    if item.point {
        item.a > lower
    } else {
        item.a >= lower
    }
}

#[inline]
fn leaves(item: &Item, upper: f64) -> bool {
    if item.point {
        item.b >= upper
    } else {
        item.b > upper
    }
}

/// Adds (`sign = 1`) or removes (`sign = −1`) item `idx`'s moments, shifted to `reference`.
#[inline]
fn shift_into(sums: &mut [f64], g: &[f64], mu: f64, reference: f64, sign: f64) {
    let delta = mu - reference;
    for (s, g) in sums.chunks_exact_mut(3).zip(g.chunks_exact(3)) {
        s[0] += sign * g[0];
        s[1] += sign * (g[1] + delta * g[0]);
        s[2] += sign * (g[2] + delta * (2.0 * g[1] + delta * g[0]));
    }
}

/// Sliding-window moments (Epanechnikov basis), backwards over every source event `e` (spikes
/// and soft events): `v_k[t](e) = Σ_{items x in the k-window of e} c_t(x) φ_k(x − t_e)`, then
/// `∂/∂wm[i_t][k][j] += Σ_e m_{e,j} v_k[t](e)` into `ws.g_wm` and
/// `∂/∂d_b[h] += Σ_t wm[i_t][k][n_obs + h] v_k[t](b)` into `ws.gd` (`[event][h]`, zeroed by
/// the caller when soft weights are differentiated, empty otherwise).
pub(super) fn backward_windows(
    ws: &mut SoftWorkspace,
    model: &Snn,
    i0: usize,
    i1: usize,
    hidden: SoftEvents<'_>,
) {
    let Basis::Epanechnikov { centers, scale } = model.basis() else {
        unreachable!("the window pass is for the Epanechnikov basis");
    };
    let (n, kk, n_obs, hh) = (
        model.n_neurons(),
        model.n_basis(),
        model.n_obs(),
        model.n_hidden(),
    );
    let nt = i1 - i0;
    let stride = 3 * nt;
    let inv_s2 = 1.0 / (scale * scale);
    let width = 2.0 * scale;
    let wm = model.masked_weights_ikj();
    let want_gd = !ws.gd.is_empty();
    let times = &ws.src_times;
    let kinds = &ws.src_kind;
    let items = &ws.items;
    let item_g = &ws.item_g;
    let sums = &mut ws.wsum[..stride];
    let v = &mut ws.v[..nt];
    let g_wm = &mut ws.g_wm;
    let gd = &mut ws.gd;
    for k in 0..kk {
        let (lo, hi) = model.basis().lag_interval(k);
        let c = centers[k];
        let mut first_in = items.len();
        let mut first_out = items.len();
        let mut reference = 0.0;
        sums.fill(0.0);
        for e in (0..times.len()).rev() {
            let s = times[e];
            let (lower, upper) = (s + lo, s + hi);
            let target = s + c;
            while first_out > 0 && leaves(&items[first_out - 1], upper) {
                let idx = first_out - 1;
                if idx >= first_in {
                    let g = &item_g[idx * stride..(idx + 1) * stride];
                    shift_into(sums, g, items[idx].mu, reference, -1.0);
                }
                first_out -= 1;
            }
            if first_in >= first_out {
                first_in = first_out;
                sums.fill(0.0);
                reference = target;
            }
            while first_in > 0 && enters(&items[first_in - 1], lower) {
                first_in -= 1;
                let g = &item_g[first_in * stride..(first_in + 1) * stride];
                shift_into(sums, g, items[first_in].mu, reference, 1.0);
            }
            if first_in == first_out {
                continue;
            }
            if (target - reference).abs() > RECENTRE_WIDTHS * width {
                reference = target;
                sums.fill(0.0);
                for idx in first_in..first_out {
                    let g = &item_g[idx * stride..(idx + 1) * stride];
                    shift_into(sums, g, items[idx].mu, reference, 1.0);
                }
            }
            // Σ c φ_k(x − s) = 0.75 (S0 − (S2 − 2 w S1 + w² S0)/s²), w = s + c_k − reference
            let w = target - reference;
            for t in 0..nt {
                let (s0, s1, s2) = (sums[3 * t], sums[3 * t + 1], sums[3 * t + 2]);
                v[t] = 0.75 * (s0 - (s2 - 2.0 * w * s1 + w * w * s0) * inv_s2);
            }
            let kind = kinds[e] as usize;
            for t in 0..nt {
                let base = ((i0 + t) * kk + k) * n;
                if kind < n {
                    g_wm[base + kind] += v[t];
                } else {
                    let b = kind - n;
                    let d = hidden.weights_of(b);
                    let grow = &mut g_wm[base + n_obs..base + n_obs + hh];
                    for (g, &dh) in grow.iter_mut().zip(d) {
                        *g += dh * v[t];
                    }
                    if want_gd {
                        let row = &wm[base + n_obs..base + n_obs + hh];
                        for (g, &wv) in gd[b * hh..(b + 1) * hh].iter_mut().zip(row) {
                            *g += wv * v[t];
                        }
                    }
                }
            }
        }
    }
}

/// The direct double sum for any basis (items are points): `O(events × items in the
/// support)`.
pub(super) fn soft_gradient_direct(
    ws: &mut SoftWorkspace,
    model: &Snn,
    i0: usize,
    i1: usize,
    hidden: SoftEvents<'_>,
) {
    let (n, kk, n_obs, hh) = (
        model.n_neurons(),
        model.n_basis(),
        model.n_obs(),
        model.n_hidden(),
    );
    let nt = i1 - i0;
    let stride = 3 * nt;
    let basis = model.basis();
    let support = basis.support();
    let wm = model.masked_weights_ikj();
    let items = &ws.items;
    let v = &mut ws.v[..kk * nt];
    for (e, &s) in hidden.times().iter().enumerate() {
        v.fill(0.0);
        let start = items.partition_point(|it| it.a <= s);
        for (idx, it) in items.iter().enumerate().skip(start) {
            let lag = it.a - s;
            if lag >= support {
                break;
            }
            let g = &ws.item_g[idx * stride..(idx + 1) * stride];
            for k in 0..kk {
                let phi = basis.value(k, lag);
                if phi != 0.0 {
                    for t in 0..nt {
                        v[k * nt + t] += phi * g[3 * t];
                    }
                }
            }
        }
        let gd = &mut ws.gd[e * hh..(e + 1) * hh];
        for k in 0..kk {
            for t in 0..nt {
                let i = i0 + t;
                let row = &wm[(i * kk + k) * n + n_obs..(i * kk + k) * n + n_obs + hh];
                for (g, &wv) in gd.iter_mut().zip(row) {
                    *g += wv * v[k * nt + t];
                }
            }
        }
    }
}
