//! The gradient of the soft log-likelihood with respect to the soft weights for the bases
//! other than Epanechnikov (whose pass, `window_adjoint`, accumulates it forward in bounded
//! memory).
//!
//! Every contribution to the value that depends on the potentials of the target neurons — the
//! event terms `log λ_i(t_e)` and the quadrature nodes of `−∫ λ_i` — is an *item* (a point)
//! carrying, per target neuron `t`, the adjoint `c_t` of its potential. The soft weight
//! `d_e[h]` enters the potential at `x` through `Σ_k wm[i][k][n_obs + h] φ_k(x − s_e)`, so
//!
//! `∂/∂d_e[h] = Σ_k Σ_t wm[i0 + t][k][n_obs + h] Σ_{items x after s_e} c_t(x) φ_k(x − s_e)`,
//!
//! the direct double sum (`O(events × items in the support)`); the gradient in `W` is
//! accumulated per piece by the engine.

use super::SoftEvents;
use super::engine::SoftWorkspace;
use crate::model::Snn;

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
    let stride = nt;
    let basis = model.basis();
    let support = basis.support();
    let wm = model.masked_weights_ikj();
    let items = &ws.items;
    let v = &mut ws.v[..kk * nt];
    for (e, &s) in hidden.times().iter().enumerate() {
        v.fill(0.0);
        let start = items.partition_point(|&x| x <= s);
        for (idx, &x) in items.iter().enumerate().skip(start) {
            let lag = x - s;
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
