//! The reverse sweep: exact gradients through a ∂PP realisation (derivation in
//! `docs/derivations/reverse_sweep.md`).
//!
//! Forward, for `k = 1..M`: `ℓ_k = log λ(s_k; θ, d_{<k})`, `α_k = complete(ℓ_k − log λ̄)`
//! (5.1), `y_k = log_softmax((α_k + g_k)/τ)`, `d_k = exp(y_k)[0..H]`;
//! `F = β log q + L(y_1, …, y_M)` with `log q` the trace's scored log-density (5.2), or the
//! conditional one of the candidates `k >= k0` after [`Trace::score_from`]. Backwards in `k`,
//! the adjoint of `y_k` collects `∂L/∂y_k`, `β_k ∂ log p_k/∂y_k` and the adjoint `d̄_k ⊙ d_k`
//! of its soft spike from every later candidate; it flows to `α_k` through the sample's
//! Jacobian; `α_k`'s adjoint (plus `β_k ∂ log p_k/∂α_k`) flows through (5.1) to `ℓ̄_k`, which
//! the model's VJP turns into parameter gradients and adjoints of earlier soft spikes `d̄_{k'}`.
//! Here `β_k = β` for a scored candidate and `0` for one of the lead-in (`k < k0`), whose
//! log-density term is not in `F` but which is still a function of `θ` and the history of the
//! scored ones.
//!
//! The sweep is a method of the model ([`SoftHiddenIntensity::reverse_sweep`]): the generic
//! one ([`generic_reverse_sweep`], through the model's VJP) by default, a specialised one where
//! a model provides it (the SNN's [`SnnHidden`](crate::snn::SnnHidden)), so the caller never
//! chooses. Two entry points:
//! * [`gradient_through_sample`]: the path-wise (reparameterisation) gradient, the marks being
//!   functions of the parameters with the noise fixed. Note that the `log q` part alone is
//!   *identically zero* in soft mode (the ExpConcrete density at its own reparameterised
//!   sample does not depend on the logits; see the derivation) — only the loss contributes.
//! * [`gradient_fixed_sample`]: the marks held fixed (free inputs): `∂F/∂θ` (the score
//!   `∇_θ log q(y; θ)` for `L = 0`) and optionally `∂F/∂y_k` (total, through the later `α`'s),
//!   e.g. to feed `∂(−log p(H; θ))/∂y` of a model `p` into the path-wise sweep of `q`.

use crate::error::{DiffppError, Result};
use crate::expconcrete::{log_density_grad_unchecked, sample_vjp_unchecked};
use crate::model::SoftHiddenIntensity;
use crate::numeric::complete_vjp_unchecked;
use crate::sampler::{Mode, Trace, check_model};
use pp_core::SoftEvents;

/// Reusable buffers of the reverse sweep (no allocation once large enough).
///
/// ```
/// let ws = diffpp::ReverseWorkspace::new();
/// # let _ = ws;
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReverseWorkspace {
    d_bar: Vec<f64>,
    y_bar: Vec<f64>,
    grad_y: Vec<f64>,
    grad_alpha: Vec<f64>,
    alpha_bar: Vec<f64>,
    ell_bar: Vec<f64>,
}

impl ReverseWorkspace {
    /// Empty buffers.
    ///
    /// ```
    /// let _ws = diffpp::ReverseWorkspace::new();
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    fn prepare(&mut self, m: usize, h: usize) {
        self.d_bar.clear();
        self.d_bar.resize(m * h, 0.0);
        for b in [
            &mut self.y_bar,
            &mut self.grad_y,
            &mut self.grad_alpha,
            &mut self.alpha_bar,
        ] {
            b.clear();
            b.resize(h + 1, 0.0);
        }
        self.ell_bar.clear();
        self.ell_bar.resize(h, 0.0);
    }
}

/// What a reverse sweep computes, for `F = β log q(y; θ) + L(y)` on a trace, `log q` being the
/// trace's scored log-density ([`Trace::score_from`]: only the candidates
/// `k >= trace.scored_from()` have their log terms weighted by `β`; the loss and the soft
/// spikes reach every candidate).
///
/// ```
/// let r = diffpp::SweepRequest { beta: 1.0, loss_adjoint: None, through_sample: false, mark_adjoint: None };
/// assert!(!r.through_sample);
/// ```
#[derive(Debug)]
pub struct SweepRequest<'a> {
    /// The weight `β` of the scored `log q` (that of the candidates
    /// `k >= trace.scored_from()`).
    pub beta: f64,
    /// `∂L/∂y_k`, row-major `[M][H + 1]`; `None` for `L = 0`.
    pub loss_adjoint: Option<&'a [f64]>,
    /// `true`: the path-wise derivative (every mark a function of `θ`, the noise fixed);
    /// `false`: the marks held fixed.
    pub through_sample: bool,
    /// Marks held fixed only: receives the total `dF/dy_k` of every mark (`[M][H + 1]`,
    /// overwritten).
    pub mark_adjoint: Option<&'a mut [f64]>,
}

fn check_inputs<M: SoftHiddenIntensity + ?Sized>(
    model: &M,
    trace: &Trace,
    beta: f64,
    dl_dy: Option<&[f64]>,
    grad_params: &[f64],
) -> Result<()> {
    check_model(model)?;
    if model.n_hidden() != trace.n_hidden() {
        return Err(DiffppError::LengthMismatch {
            what: "hidden dimensions of model vs trace",
            expected: model.n_hidden(),
            found: trace.n_hidden(),
        });
    }
    if grad_params.len() != model.n_params() {
        return Err(DiffppError::LengthMismatch {
            what: "parameter gradient",
            expected: model.n_params(),
            found: grad_params.len(),
        });
    }
    if !beta.is_finite() {
        return Err(DiffppError::NonFinite {
            what: "beta",
            index: 0,
            value: beta,
        });
    }
    if let Some(dl) = dl_dy {
        let expected = trace.len() * (trace.n_hidden() + 1);
        if dl.len() != expected {
            return Err(DiffppError::LengthMismatch {
                what: "loss adjoint dL/dy (candidates × (H + 1))",
                expected,
                found: dl.len(),
            });
        }
        for (index, &value) in dl.iter().enumerate() {
            if !value.is_finite() {
                return Err(DiffppError::NonFinite {
                    what: "loss adjoint dL/dy",
                    index,
                    value,
                });
            }
        }
        if trace.mode() == Mode::Hard {
            return Err(DiffppError::ModeMismatch {
                reason: "a hard trace's marks are piecewise constant: a loss in y has no gradient",
            });
        }
    }
    Ok(())
}

fn check_mark_adjoint(trace: &Trace, grad_y: Option<&[f64]>) -> Result<()> {
    if let Some(gy) = grad_y {
        if trace.mode() == Mode::Hard {
            return Err(DiffppError::ModeMismatch {
                reason: "a hard trace has no gradient with respect to its (one-hot) marks",
            });
        }
        let expected = trace.len() * (trace.n_hidden() + 1);
        if gy.len() != expected {
            return Err(DiffppError::LengthMismatch {
                what: "mark gradient grad_y (candidates × (H + 1))",
                expected,
                found: gy.len(),
            });
        }
    }
    Ok(())
}

fn check_output(grad_params: &[f64]) -> Result<()> {
    for (index, &value) in grad_params.iter().enumerate() {
        if !value.is_finite() {
            return Err(DiffppError::NonFinite {
                what: "parameter gradient",
                index,
                value,
            });
        }
    }
    Ok(())
}

/// The path-wise gradient with the noise held fixed: writes
/// `d/dθ [β log q + L(y_1, …, y_M)]` (total derivative: every `y_k` is a function of `θ`
/// through `α_k`, which depends on `θ` directly and on every earlier soft spike inside the
/// model's support) into `grad_params` (overwritten, length `n_params`). `log q` is the
/// trace's scored log-density ([`Trace::score_from`]): the candidates of a lead-in carry the
/// loss and their soft spikes, not `β`. (In soft mode each candidate's term is constant
/// path-wise, so this only matters in hard mode.)
///
/// `dl_dy`: `∂L/∂y_k` for every candidate, row-major `[M][H + 1]` (`None` for `L = 0`); use
/// [`weight_adjoint_to_mark_adjoint`] for a loss given in the soft spikes `d_k`. A loss that also
/// depends on `θ` directly: add its partial derivative to the result. The trace must come from
/// [`DiffPP::sample_with_noise`](crate::DiffPP::sample_with_noise) (or `evaluate`) with this
/// very model and parameters. In hard mode the marks are piecewise constant, so the result is
/// the score `β ∂ log q/∂θ` and `dl_dy` must be `None`.
///
/// ```
/// use diffpp::{DiffPP, LinearSigmoidModel, Mode, ReverseWorkspace, gradient_through_sample};
/// use rand::SeedableRng;
/// let model = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 1.0], 1.0)?;
/// let dpp = DiffPP::new(pp_core::Window::new(0.0, 3.0)?, Mode::soft(0.5)?);
/// let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2))?;
/// // L = sum of the soft spikes of hidden neuron 0, as a loss in y: dL/dy_k0 = d_k0
/// let mut dl_dy = vec![0.0; trace.y().len()];
/// for k in 0..trace.len() { dl_dy[k * 3] = trace.weights_of(k)[0]; }
/// let mut grad = vec![0.0; model.n_params()];
/// gradient_through_sample(&model, &trace, 0.0, Some(&dl_dy), &mut grad, &mut ReverseWorkspace::new())?;
/// assert!(grad.iter().all(|g| g.is_finite()));
/// # use diffpp::SoftHiddenIntensity;
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
pub fn gradient_through_sample<M: SoftHiddenIntensity + ?Sized>(
    model: &M,
    trace: &Trace,
    beta: f64,
    dl_dy: Option<&[f64]>,
    grad_params: &mut [f64],
    ws: &mut ReverseWorkspace,
) -> Result<()> {
    check_inputs(model, trace, beta, dl_dy, grad_params)?;
    let request = SweepRequest {
        beta,
        loss_adjoint: dl_dy,
        through_sample: true,
        mark_adjoint: None,
    };
    model.reverse_sweep(trace, request, grad_params, ws)?;
    check_output(grad_params)
}

/// Gradients with the marks held fixed (as free inputs): writes `∂F/∂θ` into `grad_params`
/// (overwritten) for `F = β log q(y; θ) + L(y)`, and, if `grad_y` is given (length
/// `[M][H + 1]`, overwritten), the total `dF/dy_k` of each mark as an input — it includes the
/// effect of `d_k = exp(y_k)[0..H]` on every later `α_{k'}`. `log q` is the trace's scored
/// log-density ([`Trace::score_from`]): a lead-in's candidates have no `β` term (no score) but
/// still act through their soft spikes on the scored ones.
///
/// With `β = 1`, `L = 0` this is the score `∇_θ log q(y; θ)` (the REINFORCE / "M step" term);
/// on an [`evaluate`](crate::DiffPP::evaluate)d trace of model `p` at a sample of `q`, `grad_y`
/// is the adjoint to feed to `q`'s [`gradient_through_sample`]. In hard mode only
/// `dl_dy = None`, `grad_y = None` are allowed (the score of the hard `log q`).
///
/// ```
/// use diffpp::{DiffPP, LinearSigmoidModel, Mode, ReverseWorkspace, gradient_fixed_sample};
/// use rand::SeedableRng;
/// let model = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 1.0], 1.0)?;
/// let dpp = DiffPP::new(pp_core::Window::new(0.0, 3.0)?, Mode::soft(0.5)?);
/// let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2))?;
/// let mut grad = vec![0.0; model.n_params()];
/// let mut grad_y = vec![0.0; trace.y().len()];
/// gradient_fixed_sample(&model, &trace, 1.0, None, &mut grad, Some(&mut grad_y), &mut ReverseWorkspace::new())?;
/// assert!(grad.iter().any(|g| *g != 0.0));
/// # use diffpp::SoftHiddenIntensity;
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
pub fn gradient_fixed_sample<M: SoftHiddenIntensity + ?Sized>(
    model: &M,
    trace: &Trace,
    beta: f64,
    dl_dy: Option<&[f64]>,
    grad_params: &mut [f64],
    grad_y: Option<&mut [f64]>,
    ws: &mut ReverseWorkspace,
) -> Result<()> {
    check_inputs(model, trace, beta, dl_dy, grad_params)?;
    check_mark_adjoint(trace, grad_y.as_deref())?;
    let request = SweepRequest {
        beta,
        loss_adjoint: dl_dy,
        through_sample: false,
        mark_adjoint: grad_y,
    };
    model.reverse_sweep(trace, request, grad_params, ws)?;
    check_output(grad_params)
}

/// The generic reverse sweep through the model's VJP
/// ([`SoftHiddenIntensity::hidden_log_intensities_vjp`]), whatever the model's own
/// [`reverse_sweep`](SoftHiddenIntensity::reverse_sweep): the oracle a specialised sweep is
/// tested against. Writes `dF/dθ` into `grad_params` (overwritten), with `β` on the trace's
/// scored `log q` ([`Trace::score_from`]); inputs checked as in [`gradient_through_sample`] /
/// [`gradient_fixed_sample`].
///
/// ```
/// use diffpp::{DiffPP, LinearSigmoidModel, Mode, ReverseWorkspace, SweepRequest};
/// use rand::SeedableRng;
/// let model = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 1.0], 1.0)?;
/// let dpp = DiffPP::new(pp_core::Window::new(0.0, 3.0)?, Mode::soft(0.5)?);
/// let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2))?;
/// let mut a = vec![0.0; 2 + 2 * 2 * 2];
/// let mut b = a.clone();
/// let request = SweepRequest { beta: 1.0, loss_adjoint: None, through_sample: false, mark_adjoint: None };
/// diffpp::generic_reverse_sweep(&model, &trace, request, &mut a, &mut ReverseWorkspace::new())?;
/// diffpp::gradient_fixed_sample(&model, &trace, 1.0, None, &mut b, None, &mut ReverseWorkspace::new())?;
/// assert_eq!(a, b);
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
pub fn generic_reverse_sweep<M: SoftHiddenIntensity + ?Sized>(
    model: &M,
    trace: &Trace,
    request: SweepRequest<'_>,
    grad_params: &mut [f64],
    ws: &mut ReverseWorkspace,
) -> Result<()> {
    check_inputs(
        model,
        trace,
        request.beta,
        request.loss_adjoint,
        grad_params,
    )?;
    check_mark_adjoint(trace, request.mark_adjoint.as_deref())?;
    if request.through_sample && request.mark_adjoint.is_some() {
        return Err(DiffppError::ModeMismatch {
            reason: "the marks' adjoint is an output of the fixed-sample sweep only",
        });
    }
    sweep(model, trace, request, grad_params, ws);
    check_output(grad_params)
}

/// Converts an adjoint with respect to the soft spikes, `∂L/∂d_k[h]` (`[M][H]`), into the
/// adjoint with respect to the marks, `∂L/∂y_k` (`[M][H + 1]`, overwritten): since
/// `d_k[h] = exp(y_k[h])`, `∂L/∂y_k[h] = d_k[h] ∂L/∂d_k[h]` and `∂L/∂y_k[H] = 0`.
///
/// ```
/// use rand::SeedableRng;
/// let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
/// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 3.0)?, diffpp::Mode::soft(0.5)?);
/// let t = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2))?;
/// let dl_dd = vec![1.0; t.weights().len()];
/// let mut dl_dy = vec![0.0; t.y().len()];
/// diffpp::weight_adjoint_to_mark_adjoint(&t, &dl_dd, &mut dl_dy)?;
/// if !t.is_empty() { assert_eq!(dl_dy[0], t.weights()[0]); assert_eq!(dl_dy[2], 0.0); }
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
pub fn weight_adjoint_to_mark_adjoint(
    trace: &Trace,
    dl_dd: &[f64],
    dl_dy: &mut [f64],
) -> Result<()> {
    let h = trace.n_hidden();
    let m = trace.len();
    if dl_dd.len() != m * h {
        return Err(DiffppError::LengthMismatch {
            what: "soft-spike adjoint dL/dd (candidates × H)",
            expected: m * h,
            found: dl_dd.len(),
        });
    }
    if dl_dy.len() != m * (h + 1) {
        return Err(DiffppError::LengthMismatch {
            what: "mark adjoint dL/dy (candidates × (H + 1))",
            expected: m * (h + 1),
            found: dl_dy.len(),
        });
    }
    for k in 0..m {
        for j in 0..h {
            dl_dy[k * (h + 1) + j] = trace.weights()[k * h + j] * dl_dd[k * h + j];
        }
        dl_dy[k * (h + 1) + h] = 0.0;
    }
    Ok(())
}

/// The generic sweep itself (inputs checked by the callers).
pub(crate) fn sweep<M: SoftHiddenIntensity + ?Sized>(
    model: &M,
    trace: &Trace,
    request: SweepRequest<'_>,
    grad_params: &mut [f64],
    ws: &mut ReverseWorkspace,
) {
    let SweepRequest {
        beta,
        loss_adjoint: dl_dy,
        through_sample,
        mark_adjoint: mut grad_y,
    } = request;
    let h = trace.n_hidden();
    let n = h + 1;
    let m = trace.len();
    let k0 = trace.scored_from();
    ws.prepare(m, h);
    grad_params.fill(0.0);
    for k in (0..m).rev() {
        // a lead-in candidate's log term is not in F (β = 0 on it); everything else flows
        let beta_k = if k >= k0 { beta } else { 0.0 };
        let alpha_k = trace.alpha_of(k);
        let y_k = trace.y_of(k);
        match trace.mode() {
            Mode::Soft { tau } => {
                log_density_grad_unchecked(tau, alpha_k, y_k, &mut ws.grad_y, &mut ws.grad_alpha);
                // total adjoint of y_k as a variable: direct terms + later candidates via d_k
                for i in 0..n {
                    let mut v = beta_k * ws.grad_y[i];
                    if let Some(dl) = dl_dy {
                        v += dl[k * n + i];
                    }
                    if i < h {
                        v += ws.d_bar[k * h + i] * trace.weights()[k * h + i];
                    }
                    ws.y_bar[i] = v;
                }
                if through_sample {
                    sample_vjp_unchecked(tau, y_k, &ws.y_bar, &mut ws.alpha_bar);
                    for i in 0..n {
                        ws.alpha_bar[i] += beta_k * ws.grad_alpha[i];
                    }
                } else {
                    if let Some(gy) = grad_y.as_deref_mut() {
                        gy[k * n..(k + 1) * n].copy_from_slice(&ws.y_bar);
                    }
                    for i in 0..n {
                        ws.alpha_bar[i] = beta_k * ws.grad_alpha[i];
                    }
                }
            }
            Mode::Hard => {
                ws.alpha_bar.fill(0.0);
                ws.alpha_bar[trace.categories()[k]] = beta_k;
            }
        }
        complete_vjp_unchecked(alpha_k, &ws.alpha_bar, &mut ws.ell_bar);
        let start = trace.history_start(k);
        let hist = SoftEvents::from_sorted_unchecked(
            &trace.times()[start..k],
            &trace.weights()[start * h..k * h],
            h,
        );
        model.hidden_log_intensities_vjp(
            trace.times()[k],
            hist,
            &ws.ell_bar,
            grad_params,
            &mut ws.d_bar[start * h..k * h],
        );
    }
}
