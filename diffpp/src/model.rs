//! The trait a model implements to be sampled as a ∂PP: hidden log-intensities from a soft
//! history, and their vector–Jacobian product.

use pp_core::SoftEvents;

use crate::error::Result;
use crate::reverse::{ReverseWorkspace, SweepRequest};
use crate::sampler::Trace;

/// A model whose hidden dimensions can be sampled as a differentiable point process
/// (docs/math.md §5): it gives the hidden log-intensities `log λ_h(s)` at a candidate time `s` from
/// the soft history of earlier candidates (plus whatever fixed, observed history it holds
/// itself), and their vector–Jacobian product with respect to its parameters and to the soft
/// weights of the history.
///
/// Contract:
/// * `log λ_h(s)` may depend on the soft history only through events with
///   `s − support() < s_k < s`, and must be differentiable in the parameters and the weights;
/// * `candidate_rate()` (`λ̄`) is a constant (not a differentiated parameter) with
///   `Σ_h λ_h(s) < λ̄` everywhere; the sampler reports a violation as an error;
/// * buffers have the documented lengths; implementations may panic on a wrong length
///   (a programming error, not bad data). Results must be finite for finite inputs.
///
/// An SRM (docs/math.md §3) implements it with
/// `u_h(s) = b_h + Σ_{observed spikes} f_{h,o}(s − t) + Σ_k Σ_j d_k[j] f_{h,j}(s − s_k)`,
/// `log λ_h = log a + log σ(u_h)`, `λ̄ = a·H + ε`, `support = c_K + scale`.
/// [`LinearSigmoidModel`](crate::LinearSigmoidModel) is a reference implementation of exactly
/// this shape.
///
/// ```
/// use diffpp::{SoftHiddenIntensity, SoftEvents};
/// /// Two constant hidden rates, no dependence on the history.
/// struct Const([f64; 2]);
/// impl SoftHiddenIntensity for Const {
///     fn n_hidden(&self) -> usize { 2 }
///     fn n_params(&self) -> usize { 2 }
///     fn candidate_rate(&self) -> f64 { 10.0 }
///     fn support(&self) -> f64 { 0.0 }
///     fn hidden_log_intensities(&self, _s: f64, _h: SoftEvents<'_>, out: &mut [f64]) {
///         out.copy_from_slice(&self.0); // parameters are the log-rates
///     }
///     fn hidden_log_intensities_vjp(&self, _s: f64, _h: SoftEvents<'_>, adjoint: &[f64],
///         grad_params: &mut [f64], _grad_weights: &mut [f64]) {
///         for (g, a) in grad_params.iter_mut().zip(adjoint) { *g += a; }
///     }
/// }
/// let m = Const([0.0, 1.0]);
/// let mut out = [0.0; 2];
/// m.hidden_log_intensities(0.5, SoftEvents::empty(2), &mut out);
/// assert_eq!(out, [0.0, 1.0]);
/// ```
pub trait SoftHiddenIntensity {
    /// Number of hidden dimensions `H >= 1`.
    fn n_hidden(&self) -> usize;

    /// Number of (differentiated) parameters.
    fn n_params(&self) -> usize;

    /// The constant candidate rate `λ̄ > 0`, strictly above `Σ_h λ_h(s)` for every `s` and
    /// history (for a scaled sigmoid: `a·H + ε`).
    fn candidate_rate(&self) -> f64;

    /// How far back a soft event influences the intensities: only candidates with
    /// `s − support < s_k < s` are passed. `f64::INFINITY` passes the whole past; `0` none.
    fn support(&self) -> f64;

    /// Writes `log λ_h(s | history)` for `h = 0..H` into `out` (length `H`).
    fn hidden_log_intensities(&self, s: f64, history: SoftEvents<'_>, out: &mut [f64]);

    /// [`hidden_log_intensities`](Self::hidden_log_intensities), and `log(λ̄ − Σ_h λ_h(s))`
    /// (the 'none' category's log-rate) when the model has it without cancellation (for a
    /// scaled sigmoid `λ̄ − Σ_h a σ(u_h) = a Σ_h σ(−u_h) + ε`); `None` (the default) lets the
    /// sampler take it from the log-intensities as `log λ̄ + log(1 − Σ_h λ_h/λ̄)`. Both are
    /// the same number up to rounding, and the sampler's checks (finite log-intensities, the
    /// bound `Σ_h λ_h < λ̄`) apply either way.
    ///
    /// ```
    /// use diffpp::{LinearSigmoidModel, SoftHiddenIntensity, SoftEvents};
    /// let m = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 0.0], 1.0)?;
    /// let mut out = [0.0; 2];
    /// assert_eq!(m.hidden_log_intensities_and_slack(0.5, SoftEvents::empty(2), &mut out), None);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    fn hidden_log_intensities_and_slack(
        &self,
        s: f64,
        history: SoftEvents<'_>,
        out: &mut [f64],
    ) -> Option<f64> {
        self.hidden_log_intensities(s, history, out);
        None
    }

    /// Vector–Jacobian product of [`hidden_log_intensities`](Self::hidden_log_intensities):
    /// given `adjoint[h] = ∂L/∂log λ_h(s)` (length `H`), **adds**
    /// `Σ_h adjoint[h] ∂log λ_h(s)/∂θ` to `grad_params` (length `n_params`) and
    /// `Σ_h adjoint[h] ∂log λ_h(s)/∂d_e[j]` to `grad_weights[e * H + j]`
    /// (length `history.len() * H`, the same layout as the history's weights).
    fn hidden_log_intensities_vjp(
        &self,
        s: f64,
        history: SoftEvents<'_>,
        adjoint: &[f64],
        grad_params: &mut [f64],
        grad_weights: &mut [f64],
    );

    /// The reverse sweep through a trace of this model (what
    /// [`gradient_through_sample`](crate::gradient_through_sample) and
    /// [`gradient_fixed_sample`](crate::gradient_fixed_sample) run after checking their
    /// inputs): writes `dF/dθ` into `grad_params` (overwritten) as `request` asks. The default
    /// is the generic sweep through [`hidden_log_intensities_vjp`](Self::hidden_log_intensities_vjp);
    /// a model with a faster exact sweep overrides it (and must agree with
    /// [`generic_reverse_sweep`](crate::generic_reverse_sweep), including its weight `β` on
    /// the log terms of the scored candidates `k >= trace.scored_from()` only, see
    /// [`Trace::score_from`]). Implementations may assume checked inputs: the trace made by
    /// this model, buffers of the documented lengths.
    fn reverse_sweep(
        &self,
        trace: &Trace,
        request: SweepRequest<'_>,
        grad_params: &mut [f64],
        ws: &mut ReverseWorkspace,
    ) -> Result<()> {
        crate::reverse::sweep(self, trace, request, grad_params, ws);
        Ok(())
    }
}

impl<T: SoftHiddenIntensity + ?Sized> SoftHiddenIntensity for &T {
    fn n_hidden(&self) -> usize {
        (**self).n_hidden()
    }
    fn n_params(&self) -> usize {
        (**self).n_params()
    }
    fn candidate_rate(&self) -> f64 {
        (**self).candidate_rate()
    }
    fn support(&self) -> f64 {
        (**self).support()
    }
    fn hidden_log_intensities(&self, s: f64, history: SoftEvents<'_>, out: &mut [f64]) {
        (**self).hidden_log_intensities(s, history, out)
    }
    fn hidden_log_intensities_and_slack(
        &self,
        s: f64,
        history: SoftEvents<'_>,
        out: &mut [f64],
    ) -> Option<f64> {
        (**self).hidden_log_intensities_and_slack(s, history, out)
    }
    fn hidden_log_intensities_vjp(
        &self,
        s: f64,
        history: SoftEvents<'_>,
        adjoint: &[f64],
        grad_params: &mut [f64],
        grad_weights: &mut [f64],
    ) {
        (**self).hidden_log_intensities_vjp(s, history, adjoint, grad_params, grad_weights)
    }
    fn reverse_sweep(
        &self,
        trace: &Trace,
        request: SweepRequest<'_>,
        grad_params: &mut [f64],
        ws: &mut ReverseWorkspace,
    ) -> Result<()> {
        (**self).reverse_sweep(trace, request, grad_params, ws)
    }
}
