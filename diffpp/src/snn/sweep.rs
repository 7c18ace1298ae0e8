//! The reverse sweep of the ∂PP specialised to the SNN's hidden neurons ([`SnnHidden`]), in
//! `O(M·K·H²)` for `M` candidates instead of `O(M · events in the kernel window)`.
//!
//! It computes exactly what the generic sweep computes ([`generic_reverse_sweep`](crate::generic_reverse_sweep);
//! derivation in `docs/derivations/reverse_sweep.md`), with two changes that make it cheap:
//!
//! * each candidate's VJP through `log ψ(u)` uses the potentials `u_k` recorded by
//!   [`SnnHidden`] during the forward pass (no recomputation);
//! * everything that flows from a candidate's potential adjoint `ū_k` (length `H`) back to the
//!   earlier events is a convolution *backwards in time*: with
//!   `G_e[b][i] = Σ_{candidates k with s_k > t_e} φ_b(s_k − t_e) ū_k[i]`, the adjoint of the
//!   soft spike `d_e` is `d̄_e[h'] = Σ_b Σ_i G_e[b][i] (M ⊙ W)[b][O+i][O+h']` and the weights
//!   get `∂/∂W[b][O+i][j] += Σ_e m_{e,j} G_e[b][i]` over every earlier event `e` (observed
//!   spikes and soft spikes alike). In reversed time `τ = −s` every later candidate is an
//!   earlier event with the soft mark `ū_k`, so one incremental snn-model [`BasisTracker`]
//!   (running sums over `H` pseudo-neurons) delivers `G_e` when event `e` is reached, in
//!   `O(K·H)` whatever the number of candidates in the window.
//!
//! The derivation of the reversed-time sums is in `docs/derivations/reverse_sweep.md`
//! ("SNN-specialised passes"). As in the generic sweep, `β` weighs only the log terms of the
//! scored candidates `k >= trace.scored_from()` ([`Trace::score_from`]).

use snn_model::{Basis, BasisTracker};

use super::SnnHidden;
use crate::error::{DiffppError, Result};
use crate::expconcrete::{log_density_grad_unchecked, sample_vjp_unchecked};
use crate::numeric::complete_vjp_unchecked;
use crate::reverse::SweepRequest;
use crate::sampler::{Mode, Trace};

/// Buffers of the specialised sweep, kept in the [`SnnHiddenState`](super::SnnHiddenState) and
/// reused across sequences.
///
/// ```
/// let _buffers = diffpp::snn::SweepBuffers::default();
/// ```
#[derive(Debug, Clone, Default)]
pub struct SweepBuffers {
    /// Reversed-time running sums of the later candidates' `ū` (`H` pseudo-neurons).
    reverse: Option<BasisTracker>,
    /// The basis the tracker was made for.
    basis: Option<Basis>,
    /// `G_e[b][i]` of the current event.
    act: Vec<f64>,
    dbar: Vec<f64>,
    y_bar: Vec<f64>,
    grad_y: Vec<f64>,
    grad_alpha: Vec<f64>,
    alpha_bar: Vec<f64>,
    ell_bar: Vec<f64>,
    ubar: Vec<f64>,
}

impl SnnHidden<'_> {
    /// Whether `trace` is a soft trace of this model's last forward run (whose potentials are
    /// recorded), so that [`specialised_sweep`](Self::specialised_sweep) applies.
    pub(super) fn has_record_of(&self, trace: &Trace) -> bool {
        matches!(trace.mode(), Mode::Soft { .. })
            && self.state.borrow().times.as_slice() == trace.times()
    }

    /// The specialised sweep of a trace for which [`has_record_of`](Self::has_record_of)
    /// holds (inputs checked by the callers, `gradient_*`).
    pub(super) fn specialised_sweep(
        &self,
        trace: &Trace,
        request: SweepRequest<'_>,
        grad_params: &mut [f64],
    ) -> Result<()> {
        let Mode::Soft { tau } = trace.mode() else {
            unreachable!("has_record_of checks the mode");
        };
        let mut guard = self.state.borrow_mut();
        let state = &mut *guard;
        let SweepRequest {
            beta,
            loss_adjoint: dl_dy,
            through_sample,
            mark_adjoint: mut grad_y,
        } = request;
        let (record_us, ws) = (&state.us, &mut state.sweep);
        let model = self.model;
        let (n, n_obs, h, kk) = (
            model.n_neurons(),
            model.n_obs(),
            model.n_hidden(),
            model.n_basis(),
        );
        let m = trace.len();
        let k0 = trace.scored_from();
        let nc = h + 1;
        let fresh = ws.basis.as_ref() != Some(model.basis())
            || ws.reverse.as_ref().is_none_or(|t| t.n_neurons() != h);
        if fresh {
            ws.reverse = Some(BasisTracker::new(model.basis(), h)?);
            ws.basis = Some(model.basis().clone());
        }
        let reverse = ws.reverse.as_mut().expect("made above");
        reverse.clear();
        ws.act.clear();
        ws.act.resize(kk * h, 0.0);
        ws.dbar.clear();
        ws.dbar.resize(h, 0.0);
        for b in [
            &mut ws.y_bar,
            &mut ws.grad_y,
            &mut ws.grad_alpha,
            &mut ws.alpha_bar,
        ] {
            b.clear();
            b.resize(nc, 0.0);
        }
        ws.ell_bar.clear();
        ws.ell_bar.resize(h, 0.0);
        ws.ubar.clear();
        ws.ubar.resize(h, 0.0);
        grad_params.fill(0.0);
        let act = model.activation();
        let wm = model.masked_weights_ikj();
        let weights = trace.weights();
        let (obs_times, obs_marks) = self.observed();
        // observed spikes not yet visited: `..next_obs`
        let mut next_obs = obs_times.len();
        let mut pushed = false;
        for k in (0..m).rev() {
            let s = trace.times()[k];
            // observed spikes at or after s_k see the candidates after s_k (not s_k itself)
            while next_obs > 0 && obs_times[next_obs - 1] >= s {
                next_obs -= 1;
                if pushed {
                    let j = obs_marks[next_obs] as usize;
                    reverse.activations_at(-obs_times[next_obs], &mut ws.act)?;
                    add_spike_gradient(grad_params, &ws.act, n, n_obs, j);
                }
            }
            let alpha_k = trace.alpha_of(k);
            let y_k = trace.y_of(k);
            // adjoint of the soft spike d_k from every later candidate, and its weight gradient
            ws.dbar.fill(0.0);
            if pushed {
                reverse.activations_at(-s, &mut ws.act)?;
                let d_k = &weights[k * h..(k + 1) * h];
                for b in 0..kk {
                    for i in 0..h {
                        let g = ws.act[b * h + i];
                        if g == 0.0 {
                            continue;
                        }
                        let row = &wm[((n_obs + i) * kk + b) * n + n_obs..][..h];
                        let grow = &mut grad_params[n + (b * n + n_obs + i) * n + n_obs..][..h];
                        for hp in 0..h {
                            ws.dbar[hp] += g * row[hp];
                            grow[hp] += g * d_k[hp];
                        }
                    }
                }
            }
            // a lead-in candidate's log term is not in F (β = 0 on it); everything else flows
            let beta_k = if k >= k0 { beta } else { 0.0 };
            if beta_k != 0.0 {
                log_density_grad_unchecked(tau, alpha_k, y_k, &mut ws.grad_y, &mut ws.grad_alpha);
            }
            for i in 0..nc {
                let mut v = if beta_k != 0.0 {
                    beta_k * ws.grad_y[i]
                } else {
                    0.0
                };
                if let Some(dl) = dl_dy {
                    v += dl[k * nc + i];
                }
                if i < h {
                    v += ws.dbar[i] * weights[k * h + i];
                }
                ws.y_bar[i] = v;
            }
            if through_sample {
                sample_vjp_unchecked(tau, y_k, &ws.y_bar, &mut ws.alpha_bar);
            } else {
                ws.alpha_bar.fill(0.0);
                if let Some(gy) = grad_y.as_deref_mut() {
                    gy[k * nc..(k + 1) * nc].copy_from_slice(&ws.y_bar);
                }
            }
            if beta_k != 0.0 {
                for i in 0..nc {
                    ws.alpha_bar[i] += beta_k * ws.grad_alpha[i];
                }
            }
            complete_vjp_unchecked(alpha_k, &ws.alpha_bar, &mut ws.ell_bar);
            // through log ψ(u): the biases now, the weights and the earlier soft spikes through
            // the reversed-time sums
            let mut any = false;
            for hh in 0..h {
                let ub = ws.ell_bar[hh] * act.log_derivative(record_us[k * h + hh]);
                ws.ubar[hh] = ub;
                grad_params[n_obs + hh] += ub;
                any |= ub != 0.0;
            }
            if let Some(hh) = ws.ubar.iter().position(|v| !v.is_finite()) {
                // the adjoint overflowed along a chain of soft spikes: stop here, at the first
                // candidate (in reverse time) where it did, with a numerical error
                return Err(DiffppError::NonFinite {
                    what: "sample adjoint (reverse sweep, candidate × hidden neuron)",
                    index: k * h + hh,
                    value: ws.ubar[hh],
                });
            }
            if any {
                reverse.push_soft(-s, 0, &ws.ubar)?;
                pushed = true;
                // the later candidates that no longer reach back this far (memory: a support)
                reverse.forget_passed();
            }
        }
        // observed spikes before the first candidate
        while pushed && next_obs > 0 {
            next_obs -= 1;
            let j = obs_marks[next_obs] as usize;
            reverse.activations_at(-obs_times[next_obs], &mut ws.act)?;
            add_spike_gradient(grad_params, &ws.act, n, n_obs, j);
        }
        // masked connections have no weight (their entries are not parameters of the model)
        let mask = model.connection();
        for b in 0..kk {
            for i in n_obs..n {
                for j in 0..n {
                    if !mask[i * n + j] {
                        grad_params[n + (b * n + i) * n + j] = 0.0;
                    }
                }
            }
        }
        Ok(())
    }
}

/// `∂/∂W[b][O+i][j] += G[b][i]` for an observed spike of neuron `j` (`G` is `[K][H]`).
fn add_spike_gradient(grad_params: &mut [f64], g: &[f64], n: usize, n_obs: usize, j: usize) {
    let h = n - n_obs;
    for (b, row) in g.chunks_exact(h).enumerate() {
        for (i, &gi) in row.iter().enumerate() {
            grad_params[n + (b * n + n_obs + i) * n + j] += gi;
        }
    }
}
