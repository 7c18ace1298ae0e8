//! The per-sequence objective (6.1) and its gradient estimators (docs/math.md §6; derivation in
//! `docs/derivations/estimators.md`), behind one entry point, [`GradientStep::estimate`].
//!
//! * **path-wise** (the ∂SNN estimator): the hidden spikes are a soft ∂PP sample of `q`
//!   (temperature `τ`); with the noise fixed the loss `−log p(O, H; θ) + β log q(H; φ)` is a
//!   differentiable function of the parameters through the sample, and its exact total
//!   derivative is computed by diffpp's reverse sweep fed with the adjoint of the soft spikes
//!   from the observed neurons' log-likelihood ([`soft`]);
//! * **score function** (REINFORCE, the reference's baseline): a hard sample of the hidden
//!   neurons by thinning from `q`, `f = −log p(O, H; θ) + β log q(H; φ)` with the ordinary
//!   (hard-spike) SNN densities, and the gradient `(f − b) ∇_φ log q + ∇_{θ,φ} f` (`b` an
//!   optional baseline) ([`hard`]);
//! * the **relaxed score function**: the score-function estimator of the path-wise estimator's
//!   own (relaxed) objective — soft samples, `log q` from (5.2) — used to check the path-wise
//!   estimator's unbiasedness.
//!
//! Every estimate shares one prologue (checks, the sample, the observed neurons' part) and one
//! epilogue (the regulariser of the parameters the step updates, the finiteness check).
//!
//! Each estimate draws its own randomness from the generator it is given: the ∂PP noise
//! (candidate times, Gumbel vectors) or the thinning draws, then the seed of the Monte Carlo
//! compensator's points when that compensator is chosen. A generator in the same state
//! therefore gives the same noise at any parameters (the noise does not depend on them), which
//! is what the finite-difference tests use.

mod hard;
mod soft;
#[cfg(test)]
mod tests;

pub(crate) use hard::hard_neg_elbo_draw;
pub use hard::{HardDensities, hard_densities};

use diffpp::snn::SnnHiddenState;
use diffpp::{Noise, ReverseWorkspace, Trace};
use pp_core::{CompensatorMethod, EventSequence, Window};
use rand::Rng;
use snn_model::LikelihoodWorkspace;
use snn_model::soft::SoftWorkspace;

use crate::error::{Result, ViError};
use crate::vi::hidden::HiddenSampleWorkspace;
use crate::vi::model::{VariationalModel, add_regulariser};

/// The per-sequence objective: `ℓ = −log p(O, H; θ) + β log q(H; φ) + λ_reg (‖M ⊙ W_p‖_F +
/// ‖M ⊙ W_q‖_F)` (the second norm only when `q` has its own parameters).
///
/// ```
/// let o = vi_train::vi::ObjectiveOptions::default();
/// assert_eq!((o.beta, o.regularisation, o.epsilon), (1.0, 0.1, 1e-6));
/// assert!(o.check().is_ok());
/// assert!(vi_train::vi::ObjectiveOptions { beta: f64::NAN, ..o }.check().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectiveOptions {
    /// The weight `β` of `log q` in (6.1) (1 gives the negative ELBO).
    pub beta: f64,
    /// The weight `λ_reg ≥ 0` of the regulariser (the reference's 0.1; 0 switches it off).
    pub regularisation: f64,
    /// The compensator. A Monte Carlo compensator's points are part of each estimate's noise:
    /// every estimate draws a fresh seed ([`CompensatorMethod::redrawn`]), so the seed given
    /// here plays no part.
    pub compensator: CompensatorMethod,
    /// `ε` of the ∂PP's candidate rate `λ̄ = a·H + ε` (keeps the 'none' category possible).
    pub epsilon: f64,
    /// A warm-up of this many seconds at the start of every sequence (0: none): the hidden
    /// neurons are sampled over the whole sequence, but only the stretch `[T0 + lead_in, T1]`
    /// is scored, given everything before it as history (its observed spikes and the sample's
    /// soft or hard spikes). A window of a long recording cut with a lead-in of one kernel
    /// support before it is then trained on conditioned on the spikes before it (docs/math.md,
    /// "Windows of a long recording"). The path-wise and score-function estimators (the score
    /// function's score is then that of the whole sample, lead-in included, since its hidden
    /// spikes are drawn from `q` too); the relaxed score function refuses it.
    pub lead_in: f64,
}

impl Default for ObjectiveOptions {
    fn default() -> Self {
        Self {
            beta: 1.0,
            regularisation: 0.1,
            compensator: CompensatorMethod::default(),
            epsilon: 1e-6,
            lead_in: 0.0,
        }
    }
}

impl ObjectiveOptions {
    /// Validates the options: `β` finite, `λ_reg` finite and `≥ 0`, `ε` finite and `> 0`.
    ///
    /// ```
    /// let o = vi_train::vi::ObjectiveOptions { epsilon: 0.0, ..Default::default() };
    /// assert!(o.check().unwrap_err().to_string().contains("epsilon"));
    /// ```
    pub fn check(&self) -> Result<()> {
        if !self.beta.is_finite() {
            return Err(ViError::argument(
                "beta",
                format!("must be finite, got {}", self.beta),
            ));
        }
        if !(self.regularisation.is_finite() && self.regularisation >= 0.0) {
            return Err(ViError::argument(
                "regularisation",
                format!(
                    "must be finite and non-negative, got {}",
                    self.regularisation
                ),
            ));
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0) {
            return Err(ViError::argument(
                "epsilon",
                format!("must be finite and positive, got {}", self.epsilon),
            ));
        }
        crate::lead_in::check(self.lead_in)
    }

    /// Where the scored stretch of `seq` starts, `T0 + lead_in`: an error naming the sequence's
    /// window when the lead-in leaves nothing to score.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let seq = EventSequence::empty(Window::new(10.0, 20.0)?, 1)?;
    /// let o = vi_train::vi::ObjectiveOptions { lead_in: 4.0, ..Default::default() };
    /// assert_eq!(o.scored_from(&seq)?, 14.0);
    /// let long = vi_train::vi::ObjectiveOptions { lead_in: 10.0, ..o };
    /// assert!(long.scored_from(&seq).unwrap_err().to_string().contains("lead-in"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scored_from(&self, seq: &EventSequence) -> Result<f64> {
        crate::lead_in::scored_from(seq, self.lead_in)
    }
}

/// The gradient estimator family of a training run.
///
/// ```
/// assert_eq!(vi_train::vi::Estimator::Pathwise.name(), "pathwise");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// The path-wise (reparameterisation) estimator through soft ∂PP samples (the ∂SNN).
    Pathwise,
    /// The score-function (REINFORCE) estimator with hard samples (the reference's baseline).
    Score,
}

impl Estimator {
    /// The name used on the command line (`pathwise`, `score`).
    ///
    /// ```
    /// assert_eq!(vi_train::vi::Estimator::Score.name(), "score");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Estimator::Pathwise => "pathwise",
            Estimator::Score => "score",
        }
    }
}

/// The step of the reference's alternation (docs/math.md §6): the E step updates `φ` with the
/// gradient of (6.1) (through the sample for the path-wise estimator); the M step updates `θ`
/// with a fresh sample held fixed.
///
/// ```
/// assert_ne!(vi_train::vi::Phase::E, vi_train::vi::Phase::M);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// The E step (also the joint step).
    E,
    /// The M step.
    M,
}

/// One draw of a per-sequence gradient: which estimate, with its settings. The one entry point
/// is [`estimate`](Self::estimate).
///
/// ```
/// use vi_train::vi::{Estimator, GradientStep, Phase};
/// let step = GradientStep::for_phase(Estimator::Pathwise, Phase::M, 0.3, 0.0);
/// assert_eq!(step, GradientStep::PathwiseM { tau: 0.3 });
/// assert!(!step.updates_q());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GradientStep {
    /// The path-wise E step (and joint step) at temperature `tau`: the total derivative of
    /// `ℓ` through a soft ∂PP sample of `q`, with respect to every parameter.
    ///
    /// With `q = p` the hidden part of `log p` and `β log q` contribute nothing (the ∂PP's
    /// `log q` at its own reparameterised sample does not depend on the parameters), and only
    /// `−log p_obs(O | d(θ); θ)` is differentiated: the same result as the general
    /// composition (a test checks it against `q` a separate copy of `p`) at half the cost.
    PathwiseE {
        /// The ∂PP temperature.
        tau: f64,
    },
    /// The path-wise M step: a fresh soft sample of `q` held fixed, the gradient of
    /// `−log p + log q + regulariser` with respect to `θ` only (with `q = p` also through
    /// `q`'s direct dependence, which cancels the hidden part of `log p` exactly).
    PathwiseM {
        /// The ∂PP temperature.
        tau: f64,
    },
    /// The score-function E step (and joint step): a hard sample of `q` by thinning,
    /// `f = −log p + β log q`, and `(f − baseline) ∇_φ log q + ∇_{θ,φ} f`.
    ScoreE {
        /// A control variate from earlier sequences (0: the reference's, none).
        baseline: f64,
    },
    /// The score-function M step: a fresh hard sample held fixed, the gradient of
    /// `−log p + log q + regulariser` with respect to `θ` only.
    ScoreM,
    /// The relaxed score function at temperature `tau`: the path-wise estimator's sample and
    /// `f`, the gradient `f ∇_φ log q + ∇_{θ,φ} f` with the sample held fixed. Its mean equals
    /// the path-wise estimator's mean (same objective): the unbiasedness check of
    /// docs/math.md §6. Far noisier; it exists for that check.
    RelaxedScore {
        /// The ∂PP temperature.
        tau: f64,
    },
}

impl GradientStep {
    /// The step a training run takes: `estimator` in `phase` (`tau` for the path-wise
    /// estimator, `baseline` for the score function's E step).
    ///
    /// ```
    /// use vi_train::vi::{Estimator, GradientStep, Phase};
    /// let e = GradientStep::for_phase(Estimator::Score, Phase::E, 0.3, 2.0);
    /// assert_eq!(e, GradientStep::ScoreE { baseline: 2.0 });
    /// ```
    pub fn for_phase(estimator: Estimator, phase: Phase, tau: f64, baseline: f64) -> Self {
        match (estimator, phase) {
            (Estimator::Pathwise, Phase::E) => GradientStep::PathwiseE { tau },
            (Estimator::Pathwise, Phase::M) => GradientStep::PathwiseM { tau },
            (Estimator::Score, Phase::E) => GradientStep::ScoreE { baseline },
            (Estimator::Score, Phase::M) => GradientStep::ScoreM,
        }
    }

    /// Whether the step's gradient (and its regulariser) covers `φ`: the E steps do, the M
    /// steps update `θ` only.
    ///
    /// ```
    /// assert!(vi_train::vi::GradientStep::ScoreE { baseline: 0.0 }.updates_q());
    /// ```
    pub fn updates_q(&self) -> bool {
        !matches!(self, GradientStep::PathwiseM { .. } | GradientStep::ScoreM)
    }

    /// A short name for messages.
    ///
    /// ```
    /// assert_eq!(vi_train::vi::GradientStep::ScoreM.name(), "score-function M step");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            GradientStep::PathwiseE { .. } => "path-wise gradient",
            GradientStep::PathwiseM { .. } => "path-wise M step",
            GradientStep::ScoreE { .. } => "score-function gradient",
            GradientStep::ScoreM => "score-function M step",
            GradientStep::RelaxedScore { .. } => "relaxed score-function gradient",
        }
    }

    /// One draw of the step's gradient for the observed sequence `seq` (dimension `n_obs`),
    /// its noise drawn from `rng`: writes the gradient into `grad` (length
    /// [`VariationalModel::n_params`], overwritten) and returns the values at the sample.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use rand::SeedableRng;
    /// use vi_train::vi::{EstimatorWorkspace, GradientStep, ObjectiveOptions, VariationalModel};
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 2.5], vec![0, 0])?;
    /// let mut ws = EstimatorWorkspace::new(&model)?;
    /// let mut grad = vec![0.0; model.n_params()];
    /// for step in [GradientStep::PathwiseE { tau: 0.3 }, GradientStep::ScoreM] {
    ///     let v = step.estimate(&model, &seq, &ObjectiveOptions::default(), &mut rng, &mut ws, &mut grad)?;
    ///     assert!(v.loss.is_finite() && grad.iter().all(|g| g.is_finite()));
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn estimate<R: Rng + ?Sized>(
        &self,
        model: &VariationalModel,
        seq: &EventSequence,
        options: &ObjectiveOptions,
        rng: &mut R,
        ws: &mut EstimatorWorkspace,
        grad: &mut [f64],
    ) -> Result<StepValue> {
        check_sequence(model, seq)?;
        check_grad_len(model, grad)?;
        grad.fill(0.0);
        let f = match *self {
            GradientStep::PathwiseE { tau } => {
                let draw = soft::SoftDraw::new(model, seq, options, tau, rng, ws)?;
                let f = draw.pathwise_e(ws, grad);
                draw.finish(ws);
                f
            }
            GradientStep::PathwiseM { tau } => {
                let draw = soft::SoftDraw::new(model, seq, options, tau, rng, ws)?;
                let f = draw.pathwise_m(ws, grad);
                draw.finish(ws);
                f
            }
            GradientStep::RelaxedScore { tau } => {
                let draw = soft::SoftDraw::new(model, seq, options, tau, rng, ws)?;
                let f = draw.relaxed_score(ws, grad);
                draw.finish(ws);
                f
            }
            GradientStep::ScoreE { baseline } => {
                if !baseline.is_finite() {
                    return Err(ViError::argument(
                        "baseline",
                        format!("must be finite, got {baseline}"),
                    ));
                }
                hard::score_e(model, seq, options, baseline, rng, ws, grad)
            }
            GradientStep::ScoreM => hard::score_m(model, seq, options, rng, ws, grad),
        }?;
        regulariser(model, options.regularisation, grad, self.updates_q());
        let loss = f + regulariser_value(model, options.regularisation);
        check_finite(self.name(), loss, grad)?;
        Ok(StepValue { loss, f })
    }
}

/// Reusable buffers for the estimators (one per thread; no allocation per estimate once the
/// buffers have grown to the longest sequence).
///
/// ```
/// let p = snn_model::SnnBuilder::new(1, 1).check()?;
/// let m = vi_train::vi::VariationalModel::shared(p)?;
/// let _ws = vi_train::vi::EstimatorWorkspace::new(&m)?;
/// # Ok::<(), vi_train::ViError>(())
/// ```
#[derive(Debug, Clone)]
pub struct EstimatorWorkspace {
    soft: SoftWorkspace,
    /// The hard-spike densities' buffers.
    dens: DensityBuffers,
    reverse: ReverseWorkspace,
    state_q: SnnHiddenState,
    state_p: SnnHiddenState,
    hidden: HiddenSampleWorkspace,
    noise: Noise,
    trace_q: Trace,
    trace_p: Trace,
    full: EventSequence,
    /// `∂ log p_obs/∂θ` (p's layout).
    g_obs: Vec<f64>,
    /// `∂ log p_obs/∂d_k` (`[M][H]`).
    g_w: Vec<f64>,
    /// A loss adjoint in the marks `[M][H + 1]`.
    dl_dy: Vec<f64>,
    /// The total adjoint of the marks `[M][H + 1]`.
    ybar: Vec<f64>,
    g_a: Vec<f64>,
    g_b: Vec<f64>,
    /// The score of a whole hard sample after a lead-in (`q`'s layout).
    g_s: Vec<f64>,
}

/// Buffers of the hard-spike densities (see [`hard_densities`]).
#[derive(Debug, Clone)]
struct DensityBuffers {
    lik: LikelihoodWorkspace,
    soft: SoftWorkspace,
    /// Per-neuron hard log-likelihood terms (`[N]`).
    per_neuron: Vec<f64>,
}

impl EstimatorWorkspace {
    /// Buffers for `model`'s shape.
    ///
    /// ```
    /// let p = snn_model::SnnBuilder::new(2, 1).check()?;
    /// let m = vi_train::vi::VariationalModel::shared(p)?;
    /// let ws = vi_train::vi::EstimatorWorkspace::new(&m)?;
    /// assert!(ws.last_full_sequence().is_empty());
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn new(model: &VariationalModel) -> Result<Self> {
        let p = model.p();
        let np = pp_core::Parametric::n_params(p);
        let nq = pp_core::Parametric::n_params(model.q());
        Ok(Self {
            soft: SoftWorkspace::new(p),
            dens: DensityBuffers {
                lik: LikelihoodWorkspace::new(p)?,
                soft: SoftWorkspace::new(p),
                per_neuron: vec![0.0; p.n_neurons()],
            },
            reverse: ReverseWorkspace::new(),
            state_q: SnnHiddenState::default(),
            state_p: SnnHiddenState::default(),
            hidden: HiddenSampleWorkspace::new(p)?,
            noise: Noise::default(),
            trace_q: Trace::empty(),
            trace_p: Trace::empty(),
            full: EventSequence::empty(Window::new(0.0, 1.0)?, p.n_neurons())?,
            g_obs: vec![0.0; np],
            g_w: Vec::new(),
            dl_dy: Vec::new(),
            ybar: Vec::new(),
            g_a: vec![0.0; np.max(nq)],
            g_b: vec![0.0; np.max(nq)],
            g_s: vec![0.0; nq],
        })
    }

    /// The last complete sequence (observed and hidden spikes) drawn by a score-function
    /// estimate or by evaluation.
    pub fn last_full_sequence(&self) -> &EventSequence {
        &self.full
    }
}

/// The values behind one estimate.
///
/// ```
/// let v = vi_train::vi::StepValue { loss: 3.0, f: 2.5 };
/// assert_eq!(v.loss - v.f, 0.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepValue {
    /// The loss of the step at the sample: `−log p + β log q + regulariser` (E step) or
    /// `−log p + log q + regulariser` (M step).
    pub loss: f64,
    /// `f = −log p + β log q` at the sample (without the regulariser): the weight of the score
    /// in the score-function estimator.
    pub f: f64,
}

fn check_sequence(model: &VariationalModel, seq: &EventSequence) -> Result<()> {
    let n_obs = model.p().n_obs();
    if seq.dim() != n_obs {
        return Err(ViError::Mismatch {
            reason: format!(
                "the observed sequence has {} neurons; the model has {n_obs} observed neurons",
                seq.dim()
            ),
        });
    }
    Ok(())
}

fn check_grad_len(model: &VariationalModel, grad: &[f64]) -> Result<()> {
    if grad.len() != model.n_params() {
        return Err(ViError::Pp(pp_core::PpError::LengthMismatch {
            what: "gradient buffer (the model's parameters [θ, φ])",
            expected: model.n_params(),
            found: grad.len(),
        }));
    }
    Ok(())
}

fn check_finite(what: &'static str, loss: f64, grad: &[f64]) -> Result<()> {
    if !loss.is_finite() {
        return Err(ViError::Numerical {
            what,
            detail: format!("the loss is {loss}"),
        });
    }
    if let Some(i) = grad.iter().position(|g| !g.is_finite()) {
        return Err(ViError::Numerical {
            what,
            detail: format!("gradient coordinate {i} is {}", grad[i]),
        });
    }
    Ok(())
}

/// Adds the regulariser's gradient for the parameters a step updates to `grad`: `θ` always,
/// `φ` when `with_q` (with `q = p` they are one block).
fn regulariser(model: &VariationalModel, weight: f64, grad: &mut [f64], with_q: bool) {
    add_regulariser(model.p(), weight, &mut grad[model.p_range()]);
    if with_q && !model.is_shared() {
        add_regulariser(model.q(), weight, &mut grad[model.q_range()]);
    }
}

/// The value of the regulariser on every network (the loss reports all of it).
fn regulariser_value(model: &VariationalModel, weight: f64) -> f64 {
    let mut v = weight * model.p().masked_weight_norm();
    if !model.is_shared() {
        v += weight * model.q().masked_weight_norm();
    }
    v
}

/// One draw of the E step's gradient at the model's current parameters (what the reference's
/// experiment 1 repeats to measure each coordinate's spread): the path-wise estimator at
/// temperature `tau`, or the score-function estimator without baseline (`tau` unused).
/// Allocates a workspace; use [`GradientStep::estimate`] in loops.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// use vi_train::vi::{Estimator, ObjectiveOptions, VariationalModel, gradient_estimate};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(2, 1).random(&mut rng)?)?;
/// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 2, vec![1.0, 4.0], vec![0, 1])?;
/// let opts = ObjectiveOptions::default();
/// let g = gradient_estimate(&model, &seq, Estimator::Pathwise, &opts, 0.3, &mut rng)?;
/// assert_eq!(g.len(), model.n_params());
/// let s = gradient_estimate(&model, &seq, Estimator::Score, &opts, 0.3, &mut rng)?;
/// assert_eq!(s.len(), model.n_params());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn gradient_estimate<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    estimator: Estimator,
    options: &ObjectiveOptions,
    tau: f64,
    rng: &mut R,
) -> Result<Vec<f64>> {
    options.check()?;
    let mut ws = EstimatorWorkspace::new(model)?;
    let mut grad = vec![0.0; model.n_params()];
    GradientStep::for_phase(estimator, Phase::E, tau, 0.0)
        .estimate(model, seq, options, rng, &mut ws, &mut grad)?;
    Ok(grad)
}
