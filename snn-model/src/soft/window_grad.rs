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
#[cfg(target_arch = "x86_64")]
use super::simd;
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

/// Adds (`sign = 1`) or removes (`sign = −1`) an item's moments `g` (three planes over the
/// targets), shifted to `reference`, into the sums (the same planes).
#[inline(always)]
fn shift_into(sums: &mut [f64], g: &[f64], mu: f64, reference: f64, sign: f64) {
    let delta = mu - reference;
    let nt = sums.len() / 3;
    let (s0, rest) = sums.split_at_mut(nt);
    let (s1, s2) = rest.split_at_mut(nt);
    let (g0, g1, g2) = (&g[..nt], &g[nt..2 * nt], &g[2 * nt..3 * nt]);
    let s2 = &mut s2[..nt];
    for t in 0..nt {
        s0[t] += sign * g0[t];
        s1[t] += sign * (g1[t] + delta * g0[t]);
        s2[t] += sign * (g2[t] + delta * (2.0 * g1[t] + delta * g0[t]));
    }
}

/// Sliding-window moments (Epanechnikov basis), backwards over every source event `e` (spikes
/// and soft events): `v_k[t](e) = Σ_{items x in the k-window of e} c_t(x) φ_k(x − t_e)`, then
/// `∂/∂wm[i_t][k][j] += Σ_e m_{e,j} v_k[t](e)` into `ws.g_wm` and
/// `∂/∂d_b[h] += Σ_t wm[i_t][k][n_obs + h] v_k[t](b)` into `ws.gd` (`[event][h]`, zeroed by
/// the caller when soft weights are differentiated, empty otherwise). Takes the AVX2 twin when
/// the processor has it (the same bits, see `simd.rs`).
pub(super) fn backward_windows(
    ws: &mut SoftWorkspace,
    model: &Snn,
    i0: usize,
    i1: usize,
    hidden: SoftEvents<'_>,
) {
    #[cfg(target_arch = "x86_64")]
    if simd::use_avx2() {
        // SAFETY: the processor supports AVX2 (checked by `use_avx2`).
        unsafe { backward_windows_avx2(ws, model, i0, i1, hidden) };
        return;
    }
    backward_windows_pass(ws, model, i0, i1, hidden);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn backward_windows_avx2(
    ws: &mut SoftWorkspace,
    model: &Snn,
    i0: usize,
    i1: usize,
    hidden: SoftEvents<'_>,
) {
    backward_windows_pass(ws, model, i0, i1, hidden);
}

/// The pass of [`backward_windows`]. The weight gradient is accumulated transposed,
/// `[k][j][target]` (contiguous over the targets), and added to `g_wm` at the end: every
/// element receives the same terms in the same order as a direct accumulation.
#[inline(always)]
fn backward_windows_pass(
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
    ws.g_wm_t.clear();
    ws.g_wm_t.resize(kk * n * nt, 0.0);
    let g_wm_t = &mut ws.g_wm_t;
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
            let (s0, s1, s2) = (&sums[..nt], &sums[nt..2 * nt], &sums[2 * nt..3 * nt]);
            for t in 0..nt {
                v[t] = 0.75 * (s0[t] - (s2[t] - 2.0 * w * s1[t] + w * w * s0[t]) * inv_s2);
            }
            let kind = kinds[e] as usize;
            let plane = |j: usize| (k * n + j) * nt;
            if kind < n {
                let g = &mut g_wm_t[plane(kind)..plane(kind) + nt];
                for (g, &vt) in g.iter_mut().zip(v.iter()) {
                    *g += vt;
                }
            } else {
                let b = kind - n;
                let d = hidden.weights_of(b);
                for (h, &dh) in d.iter().enumerate() {
                    let g = &mut g_wm_t[plane(n_obs + h)..plane(n_obs + h) + nt];
                    for (g, &vt) in g.iter_mut().zip(v.iter()) {
                        *g += dh * vt;
                    }
                }
                if want_gd {
                    for t in 0..nt {
                        let base = ((i0 + t) * kk + k) * n;
                        let row = &wm[base + n_obs..base + n_obs + hh];
                        for (g, &wv) in gd[b * hh..(b + 1) * hh].iter_mut().zip(row) {
                            *g += wv * v[t];
                        }
                    }
                }
            }
        }
    }
    for t in 0..nt {
        for k in 0..kk {
            let row = &mut ws.g_wm[((i0 + t) * kk + k) * n..((i0 + t) * kk + k + 1) * n];
            for (j, g) in row.iter_mut().enumerate() {
                *g += ws.g_wm_t[(k * n + j) * nt + t];
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
                        v[k * nt + t] += phi * g[t];
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
