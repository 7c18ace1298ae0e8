//! The per-sequence objective (6.1) and its gradient estimators (MATH.md §6; derivation in
//! `docs/derivations/estimators.md`).
//!
//! * **path-wise** (the ∂SNN estimator): the hidden spikes are a soft ∂PP sample of `q`
//!   (temperature `τ`); with the noise fixed the loss `−log p(O, H; θ) + β log q(H; φ)` is a
//!   differentiable function of the parameters through the sample, and its exact total
//!   derivative is computed by diffpp's reverse sweep fed with the adjoint of the soft spikes
//!   from the observed neurons' log-likelihood;
//! * **score function** (REINFORCE, the reference's baseline): a hard sample of the hidden
//!   neurons by thinning from `q`, `f = −log p(O, H; θ) + β log q(H; φ)` with the ordinary
//!   (hard-spike) SNN densities, and the gradient `(f − b) ∇_φ log q + ∇_{θ,φ} f` (`b` an
//!   optional baseline);
//! * the **relaxed score function**: the score-function estimator of the path-wise estimator's
//!   own (relaxed) objective — soft samples, `log q` from (5.2) — used to check the path-wise
//!   estimator's unbiasedness ([`relaxed_score_gradient_in`]).
//!
//! Each step of training draws its own randomness from the generator it is given: the ∂PP
//! noise (candidate times, Gumbel vectors) or the thinning draws, then the seed of the Monte
//! Carlo compensator's points when that compensator is chosen. A generator in the same state
//! therefore gives the same noise at any parameters (the noise does not depend on them), which
//! is what the finite-difference tests use.

use diffpp::snn::{SnnHidden, SnnHiddenState};
use diffpp::{
    DiffPP, Mode, Noise, ReverseWorkspace, SoftHiddenIntensity, Trace, gradient_fixed_sample,
    gradient_through_sample, weight_adjoint_to_mark_adjoint,
};
use pp_core::{EventSequence, Window};
use rand::Rng;
use snn_model::{
    CompensatorMethod, LikelihoodOptions, LikelihoodWorkspace, QuadratureOptions, Snn,
};

use crate::error::{Result, ViError};
use crate::vi::hidden::{HiddenSampleWorkspace, sample_hidden};
use crate::vi::model::{VariationalModel, add_regulariser};
use snn_model::soft::{SoftEvents, SoftWorkspace};

/// How the compensators `∫ λ_i dt` of the log-likelihoods are computed.
///
/// ```
/// use vi_train::vi::Compensator;
/// use rand::SeedableRng;
/// assert_eq!(Compensator::default(), Compensator::Quadrature);
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let m = Compensator::MonteCarlo { n_points: 100 }.draw(&mut rng);
/// assert!(matches!(m, snn_model::CompensatorMethod::MonteCarlo { n_points: 100, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compensator {
    /// snn-model's quadrature between breakpoints (near exact; the default): Gauss–Legendre
    /// of an a priori order for the Epanechnikov basis, adaptive Gauss–Kronrod otherwise.
    #[default]
    Quadrature,
    /// `n_points` uniform points drawn afresh for every estimate (part of the noise); the
    /// reference uses 100 (its `n_neg`). Unbiased and noisy.
    MonteCarlo {
        /// Number of uniform points (≥ 1).
        n_points: usize,
    },
}

impl Compensator {
    /// The compensator of one estimate: Monte Carlo draws the seed of its points from `rng`
    /// (one `u64`); quadrature draws nothing.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    /// assert!(matches!(vi_train::vi::Compensator::Quadrature.draw(&mut rng),
    ///     snn_model::CompensatorMethod::Quadrature(_)));
    /// ```
    pub fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> CompensatorMethod {
        match *self {
            Compensator::Quadrature => CompensatorMethod::Quadrature(QuadratureOptions::default()),
            Compensator::MonteCarlo { n_points } => CompensatorMethod::MonteCarlo {
                n_points,
                seed: rng.next_u64(),
            },
        }
    }
}

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
    /// The compensator.
    pub compensator: Compensator,
    /// `ε` of the ∂PP's candidate rate `λ̄ = a·H + ε` (keeps the 'none' category possible).
    pub epsilon: f64,
}

impl Default for ObjectiveOptions {
    fn default() -> Self {
        Self {
            beta: 1.0,
            regularisation: 0.1,
            compensator: Compensator::Quadrature,
            epsilon: 1e-6,
        }
    }
}

impl ObjectiveOptions {
    /// Validates the options: `β` finite, `λ_reg` finite and `≥ 0`, `ε` finite and `> 0`,
    /// at least one Monte Carlo point.
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
        if let Compensator::MonteCarlo { n_points: 0 } = self.compensator {
            return Err(ViError::argument(
                "Monte Carlo points",
                "need at least one point",
            ));
        }
        Ok(())
    }
}

/// The gradient estimator.
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

/// Adds the regulariser of the parameters a step updates to `grad` and returns its value
/// (`p`'s block and, when separate, `q`'s).
fn regulariser(model: &VariationalModel, weight: f64, grad: &mut [f64], p: bool, q: bool) -> f64 {
    let mut value = 0.0;
    if p || (q && model.is_shared()) {
        value += add_regulariser(model.p(), weight, &mut grad[model.p_range()]);
    }
    if q && !model.is_shared() {
        value += add_regulariser(model.q(), weight, &mut grad[model.q_range()]);
    }
    value
}

/// The value of the regulariser on every network (the loss reports all of it).
fn regulariser_value(model: &VariationalModel, weight: f64) -> f64 {
    let mut v = weight * model.p().masked_weight_norm();
    if !model.is_shared() {
        v += weight * model.q().masked_weight_norm();
    }
    v
}

/// Draws the ∂PP noise for `q` on the sequence's window, then the compensator, and samples
/// `q` softly into `ws.trace_q`.
fn soft_sample<R: Rng + ?Sized>(
    q_hidden: &SnnHidden<'_>,
    window: Window,
    n_hidden: usize,
    tau: f64,
    options: &ObjectiveOptions,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
) -> Result<(DiffPP, CompensatorMethod)> {
    let dpp = DiffPP::new(window, Mode::soft(tau)?);
    ws.noise
        .redraw(rng, window, q_hidden.candidate_rate(), n_hidden + 1)?;
    let comp = options.compensator.draw(rng);
    dpp.sample_with_noise_into(q_hidden, &ws.noise, &mut ws.trace_q)?;
    Ok((dpp, comp))
}

/// `log p_hidden(H; θ)` of `q`'s soft sample (in `ws.trace_q`) under `p` (into `ws.trace_p`),
/// with the gradient of `−log p_hidden` in `θ` written into `ws.g_a[..n_params(p)]`. With
/// `through_marks`, the loss also has the mark adjoint `ws.dl_dy`, and the total adjoint of the
/// marks is written into `ws.ybar` (to be swept through `q`); otherwise the marks are fixed.
fn p_hidden_on_sample(
    p: &Snn,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    dpp: &DiffPP,
    through_marks: bool,
    ws: &mut EstimatorWorkspace,
) -> Result<f64> {
    let np = pp_core::Parametric::n_params(p);
    let p_hidden = SnnHidden::with_state(p, seq, options.epsilon, std::mem::take(&mut ws.state_p))?;
    dpp.evaluate_into(
        &p_hidden,
        ws.trace_q.times(),
        ws.trace_q.y(),
        &mut ws.trace_p,
    )?;
    let log_p_hidden = ws.trace_p.log_q();
    gradient_fixed_sample(
        &p_hidden,
        &ws.trace_p,
        -1.0,
        through_marks.then_some(&ws.dl_dy[..]),
        &mut ws.g_a[..np],
        through_marks.then_some(&mut ws.ybar[..]),
        &mut ws.reverse,
    )?;
    ws.state_p = p_hidden.into_state();
    Ok(log_p_hidden)
}

/// `log p_obs(O | d; θ)` of the observed neurons with the soft hidden spikes of `ws.trace_q`;
/// writes `∂/∂θ` into `ws.g_obs` and `∂/∂d` into `ws.g_w`.
fn observed_part(
    p: &Snn,
    seq: &EventSequence,
    comp: &CompensatorMethod,
    ws: &mut EstimatorWorkspace,
) -> Result<f64> {
    let h = p.n_hidden();
    let m = ws.trace_q.len();
    ws.g_w.clear();
    ws.g_w.resize(m * h, 0.0);
    ws.g_obs.fill(0.0);
    let events = SoftEvents::new(ws.trace_q.times(), ws.trace_q.weights(), h)?;
    let ll = p.observed_log_likelihood_grad(
        seq,
        events,
        comp,
        &mut ws.soft,
        &mut ws.g_obs,
        &mut ws.g_w,
    )?;
    Ok(ll)
}

fn resize_marks(ws: &mut EstimatorWorkspace, h: usize) {
    let len = ws.trace_q.len() * (h + 1);
    ws.dl_dy.clear();
    ws.dl_dy.resize(len, 0.0);
    ws.ybar.clear();
    ws.ybar.resize(len, 0.0);
}

/// One draw of the path-wise estimator of the E step (and of the joint step): the total
/// derivative of `ℓ = −log p(O, H; θ) + β log q(H; φ) + regulariser` with respect to every
/// parameter (`θ` and `φ`), `H` a soft ∂PP sample of `q` at temperature `tau` drawn from `rng`.
/// Writes the gradient into `grad` (length [`VariationalModel::n_params`], overwritten) and
/// returns the values at the sample.
///
/// With `q = p` this is the total derivative through the sample and through both densities;
/// since `log q` of a ∂PP at its own reparameterised sample does not depend on the parameters
/// (diffpp's README), the hidden part of `log p` and `β log q` contribute nothing to it, and
/// only `−log p_obs(O | d(θ); θ)` is differentiated (exactly the same result as the general
/// composition, which a unit test checks, at half the cost).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// use vi_train::vi::{EstimatorWorkspace, ObjectiveOptions, VariationalModel, pathwise_gradient_in};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 2.5], vec![0, 0])?;
/// let mut ws = EstimatorWorkspace::new(&model)?;
/// let mut grad = vec![0.0; model.n_params()];
/// let v = pathwise_gradient_in(&model, &seq, &ObjectiveOptions::default(), 0.3, &mut rng, &mut ws, &mut grad)?;
/// assert!(v.loss.is_finite() && grad.iter().all(|g| g.is_finite()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn pathwise_gradient_in<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    tau: f64,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
    grad: &mut [f64],
) -> Result<StepValue> {
    pathwise_e(model, seq, options, tau, rng, ws, grad, false)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn pathwise_e<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    tau: f64,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
    grad: &mut [f64],
    general: bool,
) -> Result<StepValue> {
    check_sequence(model, seq)?;
    check_grad_len(model, grad)?;
    let (p, q) = (model.p(), model.q());
    let h = p.n_hidden();
    let q_hidden = SnnHidden::with_state(q, seq, options.epsilon, std::mem::take(&mut ws.state_q))?;
    let (dpp, comp) = soft_sample(&q_hidden, seq.window(), h, tau, options, rng, ws)?;
    let log_q = ws.trace_q.log_q();
    let ll_obs = observed_part(p, seq, &comp, ws)?;
    // L = −log p_obs as a loss in the marks
    for g in ws.g_w.iter_mut() {
        *g = -*g;
    }
    resize_marks(ws, h);
    weight_adjoint_to_mark_adjoint(&ws.trace_q, &ws.g_w, &mut ws.dl_dy)?;
    grad.fill(0.0);
    let np = pp_core::Parametric::n_params(p);
    let nq = pp_core::Parametric::n_params(q);
    let log_p_hidden;
    if model.is_shared() && !general {
        log_p_hidden = log_q;
        gradient_through_sample(
            &q_hidden,
            &ws.trace_q,
            0.0,
            Some(&ws.dl_dy),
            &mut ws.g_a[..np],
            &mut ws.reverse,
        )?;
        for i in 0..np {
            grad[i] = ws.g_a[i] - ws.g_obs[i];
        }
    } else {
        log_p_hidden = p_hidden_on_sample(p, seq, options, &dpp, true, ws)?;
        gradient_through_sample(
            &q_hidden,
            &ws.trace_q,
            options.beta,
            Some(&ws.ybar),
            &mut ws.g_b[..nq],
            &mut ws.reverse,
        )?;
        let (pr, qr) = (model.p_range(), model.q_range());
        for (i, gi) in pr.enumerate() {
            grad[gi] += ws.g_a[i] - ws.g_obs[i];
        }
        for (i, gi) in qr.enumerate() {
            grad[gi] += ws.g_b[i];
        }
    }
    ws.state_q = q_hidden.into_state();
    regulariser(model, options.regularisation, grad, true, true);
    let f = -ll_obs - log_p_hidden + options.beta * log_q;
    let loss = f + regulariser_value(model, options.regularisation);
    check_finite("path-wise gradient", loss, grad)?;
    Ok(StepValue { loss, f })
}

/// One draw of the path-wise M step: a fresh soft sample of `q` held fixed, the gradient of
/// `−log p(O, H; θ) + log q(H; φ) + regulariser` with respect to `θ` only (the `q` block of
/// `grad` is zero when `q` is separate). With `q = p` the derivative also goes through `q`'s
/// direct dependence, which cancels the hidden part of `log p` exactly: the gradient is
/// `−∂_θ log p_obs(O | d; θ)` plus the regulariser.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// use vi_train::vi::{EstimatorWorkspace, ObjectiveOptions, VariationalModel, pathwise_m_gradient_in};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 2.5], vec![0, 0])?;
/// let mut ws = EstimatorWorkspace::new(&model)?;
/// let mut grad = vec![0.0; model.n_params()];
/// let v = pathwise_m_gradient_in(&model, &seq, &ObjectiveOptions::default(), 0.3, &mut rng, &mut ws, &mut grad)?;
/// assert!(v.loss.is_finite());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn pathwise_m_gradient_in<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    tau: f64,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
    grad: &mut [f64],
) -> Result<StepValue> {
    check_sequence(model, seq)?;
    check_grad_len(model, grad)?;
    let (p, q) = (model.p(), model.q());
    let h = p.n_hidden();
    let q_hidden = SnnHidden::with_state(q, seq, options.epsilon, std::mem::take(&mut ws.state_q))?;
    let (dpp, comp) = soft_sample(&q_hidden, seq.window(), h, tau, options, rng, ws)?;
    let log_q = ws.trace_q.log_q();
    let ll_obs = observed_part(p, seq, &comp, ws)?;
    grad.fill(0.0);
    let np = pp_core::Parametric::n_params(p);
    let log_p_hidden;
    if model.is_shared() {
        log_p_hidden = log_q;
        for i in 0..np {
            grad[i] = -ws.g_obs[i];
        }
    } else {
        log_p_hidden = p_hidden_on_sample(p, seq, options, &dpp, false, ws)?;
        for i in 0..np {
            grad[i] = ws.g_a[i] - ws.g_obs[i];
        }
    }
    ws.state_q = q_hidden.into_state();
    regulariser(model, options.regularisation, grad, true, false);
    let f = -ll_obs - log_p_hidden + log_q;
    let loss = f + regulariser_value(model, options.regularisation);
    check_finite("path-wise M step", loss, grad)?;
    Ok(StepValue { loss, f })
}

/// One draw of the relaxed score-function estimator of the path-wise estimator's objective:
/// the same soft ∂PP sample and the same `f = −log p(O, H; θ) + β log q(H; φ)` (with `log q`
/// from (5.2)), but the gradient `f ∇_φ log q + ∇_{θ,φ} f` with the sample held fixed (the
/// score is diffpp's `gradient_fixed_sample`). Its mean equals the path-wise estimator's mean
/// (same objective, same temperature): the unbiasedness check of MATH.md §6. It is far
/// noisier; it exists for that check.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// use vi_train::vi::{EstimatorWorkspace, ObjectiveOptions, VariationalModel, relaxed_score_gradient_in};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 2.5], vec![0, 0])?;
/// let mut ws = EstimatorWorkspace::new(&model)?;
/// let mut grad = vec![0.0; model.n_params()];
/// relaxed_score_gradient_in(&model, &seq, &ObjectiveOptions::default(), 0.3, &mut rng, &mut ws, &mut grad)?;
/// assert!(grad.iter().all(|g| g.is_finite()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn relaxed_score_gradient_in<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    tau: f64,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
    grad: &mut [f64],
) -> Result<StepValue> {
    check_sequence(model, seq)?;
    check_grad_len(model, grad)?;
    let (p, q) = (model.p(), model.q());
    let h = p.n_hidden();
    let q_hidden = SnnHidden::with_state(q, seq, options.epsilon, std::mem::take(&mut ws.state_q))?;
    let (dpp, comp) = soft_sample(&q_hidden, seq.window(), h, tau, options, rng, ws)?;
    let log_q = ws.trace_q.log_q();
    let ll_obs = observed_part(p, seq, &comp, ws)?;
    let np = pp_core::Parametric::n_params(p);
    let nq = pp_core::Parametric::n_params(q);
    // the score ∇_φ log q(y; φ) with the marks fixed
    gradient_fixed_sample(
        &q_hidden,
        &ws.trace_q,
        1.0,
        None,
        &mut ws.g_b[..nq],
        None,
        &mut ws.reverse,
    )?;
    grad.fill(0.0);
    let beta = options.beta;
    let f;
    if model.is_shared() {
        // log p_hidden = log q: ∂_θ(−log p_hidden) = −score
        f = -ll_obs - log_q + beta * log_q;
        for i in 0..np {
            grad[i] = f * ws.g_b[i] - ws.g_obs[i] + (beta - 1.0) * ws.g_b[i];
        }
    } else {
        let log_p_hidden = p_hidden_on_sample(p, seq, options, &dpp, false, ws)?;
        f = -ll_obs - log_p_hidden + beta * log_q;
        for i in 0..np {
            grad[i] = ws.g_a[i] - ws.g_obs[i];
        }
        for (i, gi) in model.q_range().enumerate() {
            grad[gi] = (f + beta) * ws.g_b[i];
        }
    }
    ws.state_q = q_hidden.into_state();
    regulariser(model, options.regularisation, grad, true, true);
    let loss = f + regulariser_value(model, options.regularisation);
    check_finite("relaxed score-function gradient", loss, grad)?;
    Ok(StepValue { loss, f })
}

/// The hard-spike densities at a complete sequence (observed and hidden spikes): `log p(O, H; θ)`
/// (the fully observed log-likelihood (1.1) of every neuron under `p`) and `log q(H; φ)` (the
/// hidden neurons' part of (1.1) under `q`: the density of `q`'s thinning sample).
///
/// ```
/// let d = vi_train::vi::HardDensities { log_p: -10.0, log_q: -4.0 };
/// assert_eq!(d.neg_elbo(), 6.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HardDensities {
    /// `log p(O, H; θ)`.
    pub log_p: f64,
    /// `log q(H; φ)`.
    pub log_q: f64,
}

impl HardDensities {
    /// `−log p + log q`, one sample of the negative ELBO (β = 1).
    pub fn neg_elbo(&self) -> f64 {
        -self.log_p + self.log_q
    }
}

/// [`HardDensities`] of the complete sequence `full` (dimension `N`) and, if asked, their
/// gradients: `grad_p` (`p`'s layout) receives `∂ log p/∂θ`, `grad_q` (`q`'s layout) receives
/// `∂ log q/∂φ` (both overwritten).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use vi_train::vi::{EstimatorWorkspace, VariationalModel, hard_densities};
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).check()?)?;
/// let full = EventSequence::new(Window::new(0.0, 2.0)?, 2, vec![0.5, 1.0], vec![0, 1])?;
/// let mut ws = EstimatorWorkspace::new(&model)?;
/// let d = hard_densities(&model, &full, &snn_model::CompensatorMethod::default(), &mut ws, None, None)?;
/// // zero parameters: every λ = 2.5; log q is neuron 1's part
/// assert!((d.log_p - (2.0 * 2.5f64.ln() - 2.0 * 2.5 * 2.0)).abs() < 1e-9);
/// assert!((d.log_q - (2.5f64.ln() - 2.5 * 2.0)).abs() < 1e-9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn hard_densities(
    model: &VariationalModel,
    full: &EventSequence,
    compensator: &CompensatorMethod,
    ws: &mut EstimatorWorkspace,
    grad_p: Option<&mut [f64]>,
    grad_q: Option<&mut [f64]>,
) -> Result<HardDensities> {
    densities(model, full, compensator, &mut ws.dens, grad_p, grad_q)
}

fn densities(
    model: &VariationalModel,
    full: &EventSequence,
    compensator: &CompensatorMethod,
    buffers: &mut DensityBuffers,
    grad_p: Option<&mut [f64]>,
    grad_q: Option<&mut [f64]>,
) -> Result<HardDensities> {
    if model.is_shared() {
        return shared_densities(
            model.p(),
            full,
            compensator,
            &mut buffers.soft,
            &mut buffers.per_neuron,
            grad_p,
            grad_q,
        );
    }
    let options = LikelihoodOptions {
        compensator: *compensator,
        regularisation: 0.0,
    };
    let log_p = buffers
        .lik
        .evaluate(model.p(), full, &options, grad_p)?
        .log_likelihood();
    let mut grad_q = grad_q;
    if let Some(g) = grad_q.as_deref_mut() {
        g.fill(0.0);
    }
    let log_q = model
        .q()
        .hidden_log_likelihood(full, compensator, &mut buffers.soft, grad_q)?;
    Ok(HardDensities { log_p, log_q })
}

/// [`densities`] when `q = p`: one pass of the per-neuron log-likelihood gives both, since
/// `log q(H)` is the hidden neurons' part of `log p(O, H)` and neuron `i`'s term depends only
/// on its own row of parameters (`b_i`, `W[k][i][·]`), so `∂ log q` is `∂ log p` with the
/// observed rows zeroed.
fn shared_densities(
    p: &Snn,
    full: &EventSequence,
    compensator: &CompensatorMethod,
    soft: &mut SoftWorkspace,
    per: &mut Vec<f64>,
    grad_p: Option<&mut [f64]>,
    grad_q: Option<&mut [f64]>,
) -> Result<HardDensities> {
    let (n, n_obs) = (p.n_neurons(), p.n_obs());
    per.resize(n, 0.0);
    let (mut grad_p, mut grad_q) = (grad_p, grad_q);
    let target = match (grad_p.as_deref_mut(), grad_q.as_deref_mut()) {
        (Some(g), _) | (None, Some(g)) => {
            g.fill(0.0);
            Some(g)
        }
        (None, None) => None,
    };
    p.log_likelihood_per_neuron(full, compensator, soft, per, target)?;
    if let Some(gq) = grad_q {
        if let Some(gp) = grad_p.as_deref() {
            gq.copy_from_slice(gp);
        }
        let k = p.n_basis();
        gq[..n_obs].fill(0.0);
        for kk in 0..k {
            for i in 0..n_obs {
                gq[n + (kk * n + i) * n..n + (kk * n + i + 1) * n].fill(0.0);
            }
        }
    }
    Ok(HardDensities {
        log_p: per.iter().sum(),
        log_q: per[n_obs..].iter().sum(),
    })
}

/// One sample of the hard-spike negative ELBO (β = 1) for evaluation: a thinning sample of
/// `q`'s hidden neurons, then `−log p(O, H) + log q(H)`.
pub(crate) fn hard_neg_elbo_draw<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    compensator: &Compensator,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
) -> Result<f64> {
    let comp = hard_sample(model, seq, compensator, rng, ws)?;
    if model.is_shared() {
        return Ok(-observed_log_likelihood(
            model.p(),
            &ws.full,
            &comp,
            &mut ws.dens,
            None,
        )?);
    }
    let d = densities(model, &ws.full, &comp, &mut ws.dens, None, None)?;
    Ok(d.neg_elbo())
}

/// With `q = p`, `−log p(O, H) + log q(H)` is minus the observed neurons' part of the hard
/// log-likelihood (`log q(H)` is exactly the hidden neurons' part of `log p(O, H)`), so the
/// hidden neurons' compensators need not be computed: this returns that part, with its
/// gradient (observed rows only) added into `grad`.
fn observed_log_likelihood(
    p: &Snn,
    full: &EventSequence,
    compensator: &CompensatorMethod,
    buffers: &mut DensityBuffers,
    grad: Option<&mut [f64]>,
) -> Result<f64> {
    let n_obs = p.n_obs();
    buffers.per_neuron.resize(p.n_neurons(), 0.0);
    p.log_likelihood_of_neurons(
        full,
        0..n_obs,
        compensator,
        &mut buffers.soft,
        &mut buffers.per_neuron,
        grad,
    )?;
    Ok(buffers.per_neuron[..n_obs].iter().sum())
}

/// A hard sample of `q`'s hidden neurons by thinning into `ws.full`, then the compensator's
/// draw (this order of the draws is what makes a seed reproduce a step).
fn hard_sample<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    compensator: &Compensator,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
) -> Result<CompensatorMethod> {
    sample_hidden(model.q(), seq, rng, &mut ws.hidden, &mut ws.full)?;
    Ok(compensator.draw(rng))
}

/// Hard sample + densities with gradients into `ws.g_a` (θ) and `ws.g_b` (φ).
fn hard_draw<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
) -> Result<HardDensities> {
    let comp = hard_sample(model, seq, &options.compensator, rng, ws)?;
    let np = pp_core::Parametric::n_params(model.p());
    let nq = pp_core::Parametric::n_params(model.q());
    densities(
        model,
        &ws.full,
        &comp,
        &mut ws.dens,
        Some(&mut ws.g_a[..np]),
        Some(&mut ws.g_b[..nq]),
    )
}

/// One draw of the score-function estimator of the E step (and of the joint step): a hard
/// sample `H` of `q`'s hidden neurons by thinning given the observed spikes,
/// `f = −log p(O, H; θ) + β log q(H; φ)`, and the gradient
/// `(f − baseline) ∇_φ log q + ∇_{θ,φ} f` plus the regulariser's, written into `grad`.
/// The reference uses no baseline (`baseline = 0`).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// use vi_train::vi::{EstimatorWorkspace, ObjectiveOptions, VariationalModel, score_gradient_in};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 2.5], vec![0, 0])?;
/// let mut ws = EstimatorWorkspace::new(&model)?;
/// let mut grad = vec![0.0; model.n_params()];
/// let v = score_gradient_in(&model, &seq, &ObjectiveOptions::default(), 0.0, &mut rng, &mut ws, &mut grad)?;
/// assert!(v.f.is_finite());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn score_gradient_in<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    baseline: f64,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
    grad: &mut [f64],
) -> Result<StepValue> {
    check_sequence(model, seq)?;
    check_grad_len(model, grad)?;
    if !baseline.is_finite() {
        return Err(ViError::argument(
            "baseline",
            format!("must be finite, got {baseline}"),
        ));
    }
    let d = hard_draw(model, seq, options, rng, ws)?;
    let beta = options.beta;
    let f = -d.log_p + beta * d.log_q;
    grad.fill(0.0);
    let np = pp_core::Parametric::n_params(model.p());
    if model.is_shared() {
        for i in 0..np {
            grad[i] = (f - baseline + beta) * ws.g_b[i] - ws.g_a[i];
        }
    } else {
        for i in 0..np {
            grad[i] = -ws.g_a[i];
        }
        for (i, gi) in model.q_range().enumerate() {
            grad[gi] = (f - baseline + beta) * ws.g_b[i];
        }
    }
    regulariser(model, options.regularisation, grad, true, true);
    let loss = f + regulariser_value(model, options.regularisation);
    check_finite("score-function gradient", loss, grad)?;
    Ok(StepValue { loss, f })
}

/// One draw of the score-function M step: a fresh hard sample held fixed, the gradient of
/// `−log p(O, H; θ) + log q(H; φ) + regulariser` with respect to `θ` only (with `q = p` also
/// through `q`'s dependence, which cancels the hidden neurons' part of `log p`).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// use vi_train::vi::{EstimatorWorkspace, ObjectiveOptions, VariationalModel, score_m_gradient_in};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 2.5], vec![0, 0])?;
/// let mut ws = EstimatorWorkspace::new(&model)?;
/// let mut grad = vec![0.0; model.n_params()];
/// let v = score_m_gradient_in(&model, &seq, &ObjectiveOptions::default(), &mut rng, &mut ws, &mut grad)?;
/// assert!(v.loss.is_finite());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn score_m_gradient_in<R: Rng + ?Sized>(
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
    let np = pp_core::Parametric::n_params(model.p());
    let f = if model.is_shared() {
        // −∇log p + ∇log q is minus the observed rows of ∇log p (see observed_log_likelihood)
        let comp = hard_sample(model, seq, &options.compensator, rng, ws)?;
        let ll_obs = observed_log_likelihood(
            model.p(),
            &ws.full,
            &comp,
            &mut ws.dens,
            Some(&mut grad[..np]),
        )?;
        for g in &mut grad[..np] {
            *g = -*g;
        }
        -ll_obs
    } else {
        let d = hard_draw(model, seq, options, rng, ws)?;
        for i in 0..np {
            grad[i] = -ws.g_a[i];
        }
        d.neg_elbo()
    };
    regulariser(model, options.regularisation, grad, true, false);
    let loss = f + regulariser_value(model, options.regularisation);
    check_finite("score-function M step", loss, grad)?;
    Ok(StepValue { loss, f })
}

/// One draw of the per-sequence gradient of the E step at the model's current parameters
/// (what the reference's experiment 1 repeats to measure each coordinate's spread): the
/// path-wise estimator at temperature `tau`, or the score-function estimator without baseline
/// (`tau` unused). Allocates a workspace; use the `*_in` functions in loops.
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
    match estimator {
        Estimator::Pathwise => {
            pathwise_gradient_in(model, seq, options, tau, rng, &mut ws, &mut grad)?
        }
        Estimator::Score => score_gradient_in(model, seq, options, 0.0, rng, &mut ws, &mut grad)?,
    };
    Ok(grad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pp_core::Parametric;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;
    use snn_model::SnnBuilder;

    fn snn(seed: u64) -> Snn {
        SnnBuilder::new(2, 2)
            .random(&mut pp_thinning::sequence_rng(seed, 1))
            .unwrap()
    }

    fn data(seed: u64) -> EventSequence {
        let truth = snn(seed + 50);
        let full = truth
            .simulate(
                Window::new(0.0, 12.0).unwrap(),
                &mut pp_thinning::sequence_rng(seed, 2),
            )
            .unwrap();
        full.split_dimensions(2).unwrap().0
    }

    fn mc() -> ObjectiveOptions {
        ObjectiveOptions {
            compensator: Compensator::MonteCarlo { n_points: 150 },
            ..ObjectiveOptions::default()
        }
    }

    /// With q = p, the fast path (only −log p_obs differentiated through the sample) equals the
    /// general composition (p's fixed-sample sweep feeding q's path-wise sweep).
    #[test]
    fn shared_fast_path_equals_general_composition() {
        for seed in 0..4 {
            let model = VariationalModel::shared(snn(seed)).unwrap();
            let obs = data(seed);
            let mut ws = EstimatorWorkspace::new(&model).unwrap();
            let n = model.n_params();
            let (mut fast, mut general) = (vec![0.0; n], vec![0.0; n]);
            let rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            for beta in [1.0, 0.3] {
                let o = ObjectiveOptions { beta, ..mc() };
                let a = pathwise_e(
                    &model,
                    &obs,
                    &o,
                    0.3,
                    &mut rng.clone(),
                    &mut ws,
                    &mut fast,
                    false,
                )
                .unwrap();
                let b = pathwise_e(
                    &model,
                    &obs,
                    &o,
                    0.3,
                    &mut rng.clone(),
                    &mut ws,
                    &mut general,
                    true,
                )
                .unwrap();
                assert!((a.loss - b.loss).abs() <= 1e-9 * a.loss.abs().max(1.0));
                for i in 0..n {
                    let tol = 1e-8 * fast[i].abs().max(general[i].abs()).max(1.0);
                    assert!(
                        (fast[i] - general[i]).abs() <= tol,
                        "coordinate {i}: {} vs {}",
                        fast[i],
                        general[i]
                    );
                }
            }
        }
    }

    /// With q = p, the one-pass hard densities equal the general two-pass composition (q a
    /// separate copy of p): values to 1e-10, gradients to 1e-8, quadrature and Monte Carlo.
    /// With q = p, the score-function M step and the hard −ELBO draw take only the observed
    /// neurons' part; the same draw through the full densities (−∇log p + ∇log q,
    /// −log p + log q) gives the same numbers.
    #[test]
    fn shared_m_step_and_neg_elbo_equal_the_full_densities() {
        for seed in 0..4 {
            let p = snn(seed);
            let shared = VariationalModel::shared(p.clone()).unwrap();
            let obs = data(seed);
            let n = p.n_params();
            let mut ws = EstimatorWorkspace::new(&shared).unwrap();
            for options in [ObjectiveOptions::default(), mc()] {
                let mut fast = vec![0.0; n];
                let v = score_m_gradient_in(
                    &shared,
                    &obs,
                    &options,
                    &mut Xoshiro256PlusPlus::seed_from_u64(seed),
                    &mut ws,
                    &mut fast,
                )
                .unwrap();
                // the same draws: the hidden sample, then the compensator
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
                sample_hidden(&p, &obs, &mut rng, &mut ws.hidden, &mut ws.full).unwrap();
                let comp = options.compensator.draw(&mut rng);
                let full = ws.full.clone();
                let (mut gp, mut gq) = (vec![0.0; n], vec![0.0; n]);
                let d =
                    hard_densities(&shared, &full, &comp, &mut ws, Some(&mut gp), Some(&mut gq))
                        .unwrap();
                assert!((v.f - d.neg_elbo()).abs() <= 1e-10 * d.neg_elbo().abs().max(1.0));
                let reg = options.regularisation;
                let mut want: Vec<f64> = (0..n).map(|i| gq[i] - gp[i]).collect();
                regulariser(&shared, reg, &mut want, true, false);
                for i in 0..n {
                    assert!(
                        (fast[i] - want[i]).abs() <= 1e-8 * want[i].abs().max(1.0),
                        "{i}: {} vs {}",
                        fast[i],
                        want[i]
                    );
                }
                let e = hard_neg_elbo_draw(
                    &shared,
                    &obs,
                    &options.compensator,
                    &mut Xoshiro256PlusPlus::seed_from_u64(seed),
                    &mut ws,
                )
                .unwrap();
                assert!((e - d.neg_elbo()).abs() <= 1e-10 * d.neg_elbo().abs().max(1.0));
            }
        }
    }

    #[test]
    fn shared_hard_densities_equal_the_general_composition() {
        for seed in 0..4 {
            let p = snn(seed);
            let shared = VariationalModel::shared(p.clone()).unwrap();
            let separate = VariationalModel::separate(p.clone(), p.clone()).unwrap();
            let obs = data(seed);
            let mut ws = EstimatorWorkspace::new(&shared).unwrap();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            sample_hidden(&p, &obs, &mut rng, &mut ws.hidden, &mut ws.full).unwrap();
            let full = ws.full.clone();
            let n = p.n_params();
            for comp in [
                CompensatorMethod::default(),
                CompensatorMethod::MonteCarlo {
                    n_points: 200,
                    seed: 5,
                },
            ] {
                let (mut gp1, mut gq1) = (vec![0.0; n], vec![0.0; n]);
                let (mut gp2, mut gq2) = (vec![0.0; n], vec![0.0; n]);
                let a = hard_densities(
                    &shared,
                    &full,
                    &comp,
                    &mut ws,
                    Some(&mut gp1),
                    Some(&mut gq1),
                )
                .unwrap();
                let b = hard_densities(
                    &separate,
                    &full,
                    &comp,
                    &mut ws,
                    Some(&mut gp2),
                    Some(&mut gq2),
                )
                .unwrap();
                assert!((a.log_p - b.log_p).abs() <= 1e-10 * b.log_p.abs().max(1.0));
                assert!((a.log_q - b.log_q).abs() <= 1e-10 * b.log_q.abs().max(1.0));
                for i in 0..n {
                    for (x, y) in [(gp1[i], gp2[i]), (gq1[i], gq2[i])] {
                        assert!((x - y).abs() <= 1e-8 * y.abs().max(1.0), "{i}: {x} vs {y}");
                    }
                }
                // value only, and only one gradient, give the same numbers
                let c =
                    hard_densities(&shared, &full, &comp, &mut ws, None, Some(&mut gp1)).unwrap();
                assert_eq!((c.log_p, c.log_q), (a.log_p, a.log_q));
                assert_eq!(gp1, gq1);
            }
        }
    }

    /// The M step's gradient is the derivative of `−log p(O, H; θ) + log q(H; φ)` (+ the
    /// regulariser) in θ with the soft sample held fixed (q's direct dependence included when
    /// q = p), against central differences.
    #[test]
    fn m_step_gradient_matches_finite_differences_with_the_sample_fixed() {
        for (seed, separate) in [(1u64, false), (2, true)] {
            let model = if separate {
                VariationalModel::separate(snn(seed), snn(seed + 10)).unwrap()
            } else {
                VariationalModel::shared(snn(seed)).unwrap()
            };
            let obs = data(seed);
            let o = mc();
            let mut ws = EstimatorWorkspace::new(&model).unwrap();
            let n = model.n_params();
            let mut grad = vec![0.0; n];
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            pathwise_m_gradient_in(&model, &obs, &o, 0.3, &mut rng.clone(), &mut ws, &mut grad)
                .unwrap();
            // replay the draws to get the same Monte Carlo points
            let rate = SnnHidden::new(model.q(), &obs, o.epsilon)
                .unwrap()
                .candidate_rate();
            ws.noise.redraw(&mut rng, obs.window(), rate, 3).unwrap();
            let comp = o.compensator.draw(&mut rng);
            let times = ws.trace_q.times().to_vec();
            let y = ws.trace_q.y().to_vec();
            let weights = ws.trace_q.weights().to_vec();
            let tau = 0.3;
            let value = |params: &[f64]| -> f64 {
                let mut m = model.clone();
                m.set_params(params).unwrap();
                let dpp = DiffPP::new(obs.window(), Mode::soft(tau).unwrap());
                let p_hidden = SnnHidden::new(m.p(), &obs, o.epsilon).unwrap();
                let q_hidden = SnnHidden::new(m.q(), &obs, o.epsilon).unwrap();
                let lp = dpp.evaluate(&p_hidden, &times, &y).unwrap().log_q();
                let lq = dpp.evaluate(&q_hidden, &times, &y).unwrap().log_q();
                let mut soft = SoftWorkspace::new(m.p());
                let events = SoftEvents::new(&times, &weights, 2).unwrap();
                let lo = m
                    .p()
                    .observed_log_likelihood(&obs, events, &comp, &mut soft)
                    .unwrap();
                -lo - lp + lq + regulariser_value(&m, o.regularisation)
            };
            let x = model.params();
            let np = model.p().n_params();
            for i in 0..n {
                let h = 1e-6 * x[i].abs().max(1.0);
                let (mut up, mut down) = (x.clone(), x.clone());
                up[i] += h;
                down[i] -= h;
                let fd = if i < np {
                    (value(&up) - value(&down)) / (2.0 * h)
                } else {
                    0.0
                };
                let tol = 2e-5 * fd.abs().max(grad[i].abs()).max(1.0);
                assert!(
                    (fd - grad[i]).abs() <= tol,
                    "separate = {separate}, coordinate {i}: analytic {} vs fd {fd}",
                    grad[i]
                );
            }
        }
    }
}
