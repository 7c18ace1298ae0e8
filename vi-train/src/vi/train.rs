//! The training loop (docs/math.md §6): per sequence (or mini-batch) an E step and an M step,
//! each with its own fresh sample, as the reference, or one joint step; Adagrad/Adam/SGD; the
//! temperature schedule; the refractory projection after every step; mini-batches evaluated
//! in parallel with results independent of the number of threads; early stopping and a typed
//! error when training diverges. Progress, loss curves and checkpoints are the business of
//! whoever runs the loop: it reports to a [`TrainObserver`] (as argmin's observers), which
//! can also stop it.

use std::ops::ControlFlow;
use std::time::Instant;

use pp_core::EventSequence;
use pp_thinning::sequence_rng;
use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use snn_model::optim::{Optimizer, OptimizerState};

use crate::error::{Result, ViError};
use crate::vi::estimate::{
    Estimator, EstimatorWorkspace, GradientStep, ObjectiveOptions, Phase, StepValue,
};
use crate::vi::model::VariationalModel;
use snn_model::optim::OptimizerKind;

/// How the parameters are updated for each sequence (or mini-batch).
///
/// ```
/// assert_eq!(vi_train::vi::StepScheme::default(), vi_train::vi::StepScheme::ExpectationMaximisation);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StepScheme {
    /// The reference's: an E step (the gradient of (6.1) through the sample for the path-wise
    /// estimator, the score-function surrogate otherwise; updates `φ`) then an M step (a fresh
    /// sample held fixed, the gradient of `−log p + log q`; updates `θ`). With `q = p` both
    /// steps update the same parameters with the same optimiser.
    #[default]
    ExpectationMaximisation,
    /// One step per sequence with the E step's gradient in every parameter (`θ` and `φ`).
    Joint,
}

/// The temperature of the ∂PP at epoch `e`: `initial · decay^e`.
///
/// ```
/// let t = vi_train::vi::TemperatureSchedule::default();
/// assert_eq!(t.at(0), 0.3);
/// assert!((t.at(2) - 0.3 * 0.95 * 0.95).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TemperatureSchedule {
    /// The temperature of epoch 0 (the reference's 0.3).
    pub initial: f64,
    /// The factor applied after each epoch (the reference's 0.95).
    pub decay: f64,
}

impl Default for TemperatureSchedule {
    fn default() -> Self {
        Self {
            initial: 0.3,
            decay: 0.95,
        }
    }
}

impl TemperatureSchedule {
    /// The temperature of epoch `epoch` (0-based).
    pub fn at(&self, epoch: usize) -> f64 {
        self.initial * self.decay.powi(epoch.min(i32::MAX as usize) as i32)
    }
}

/// A control variate for the score-function estimator's E step.
///
/// ```
/// let b = vi_train::vi::Baseline::RunningMean { decay: 0.9 };
/// assert_ne!(b, vi_train::vi::Baseline::None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Baseline {
    /// No baseline (the reference).
    #[default]
    None,
    /// `b ← decay · b + (1 − decay) · f` after each E step (starting from the first `f`);
    /// the E step uses `(f − b) ∇ log q` with `b` from earlier sequences only, so it stays
    /// unbiased.
    RunningMean {
        /// The factor in `[0, 1)`.
        decay: f64,
    },
}

/// Stop when the epoch loss has not improved by more than `min_delta` for `patience` epochs.
///
/// ```
/// let e = vi_train::vi::EarlyStop { patience: 3, min_delta: 0.0 };
/// assert_eq!(e.patience, 3);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarlyStop {
    /// Number of epochs without improvement tolerated.
    pub patience: usize,
    /// The improvement that counts.
    pub min_delta: f64,
}

/// Everything about a training run.
///
/// ```
/// let c = vi_train::vi::TrainConfig::default();
/// assert_eq!((c.epochs, c.learning_rate, c.batch_size), (10, 5e-2, 1));
/// assert_eq!(c.optimizer, vi_train::vi::OptimizerKind::Adagrad);
/// assert!(c.check().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
    /// Number of passes over the data: the total of the run ([`Trainer::fit`] runs the epochs
    /// that remain, so a resumed run ends at the same epoch).
    pub epochs: usize,
    /// The gradient estimator.
    pub estimator: Estimator,
    /// E/M steps (the reference) or one joint step.
    pub scheme: StepScheme,
    /// The optimiser (Adagrad, as the reference).
    pub optimizer: OptimizerKind,
    /// Its learning rate (the reference's 5e-2).
    pub learning_rate: f64,
    /// The ∂PP temperature per epoch (path-wise only).
    pub temperature: TemperatureSchedule,
    /// Sequences per update (1: the reference's sequential per-sequence updates). The
    /// gradients of a mini-batch are computed in parallel at the same parameters and averaged
    /// in a fixed order.
    pub batch_size: usize,
    /// The seed of every random draw (sequence `s` of epoch `e`, step `E`/`M` draws from its
    /// own generator derived from `(seed, e, step, s)`).
    pub seed: u64,
    /// `β`, the regulariser, the compensator, `ε`.
    pub objective: ObjectiveOptions,
    /// The score-function estimator's baseline.
    pub baseline: Baseline,
    /// Optional early stopping on the epoch loss.
    pub early_stop: Option<EarlyStop>,
    /// A step whose loss exceeds this in absolute value counts as divergence.
    pub max_loss: f64,
    /// Visit the sequences in a fresh random order each epoch (derived from the seed).
    pub shuffle: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 10,
            estimator: Estimator::Pathwise,
            scheme: StepScheme::ExpectationMaximisation,
            optimizer: OptimizerKind::Adagrad,
            learning_rate: 5e-2,
            temperature: TemperatureSchedule::default(),
            batch_size: 1,
            seed: 0,
            objective: ObjectiveOptions::default(),
            baseline: Baseline::None,
            early_stop: None,
            max_loss: 1e15,
            shuffle: false,
        }
    }
}

impl TrainConfig {
    /// Validates every setting (names the offending one).
    ///
    /// ```
    /// let c = vi_train::vi::TrainConfig { batch_size: 0, ..Default::default() };
    /// assert!(c.check().unwrap_err().to_string().contains("batch size"));
    /// ```
    pub fn check(&self) -> Result<()> {
        self.objective.check()?;
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(ViError::argument(
                "learning rate",
                format!("must be finite and positive, got {}", self.learning_rate),
            ));
        }
        let t = self.temperature;
        if !(t.initial.is_finite() && t.initial > 0.0) {
            return Err(ViError::argument(
                "temperature",
                format!("must be finite and positive, got {}", t.initial),
            ));
        }
        if !(t.decay.is_finite() && t.decay > 0.0) {
            return Err(ViError::argument(
                "temperature decay",
                format!("must be finite and positive, got {}", t.decay),
            ));
        }
        if self.batch_size == 0 {
            return Err(ViError::argument("batch size", "must be at least 1"));
        }
        if let Baseline::RunningMean { decay } = self.baseline
            && !(0.0..1.0).contains(&decay)
        {
            return Err(ViError::argument(
                "baseline decay",
                format!("must be in [0, 1), got {decay}"),
            ));
        }
        if self.max_loss.is_nan() || self.max_loss <= 0.0 {
            return Err(ViError::argument(
                "max loss",
                format!("must be positive, got {}", self.max_loss),
            ));
        }
        Ok(())
    }
}

/// One line of the loss curve.
///
/// ```
/// let r = vi_train::vi::EpochRecord { epoch: 1, loss: 10.0, temperature: 0.3, seconds: 0.5 };
/// assert_eq!(r.epoch, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRecord {
    /// The number of completed epochs (1 for the first).
    pub epoch: usize,
    /// The mean training loss of the epoch: the E-step loss (path-wise; joint steps: the step's
    /// loss) or the M-step loss (score function), as the reference reports it.
    pub loss: f64,
    /// The ∂PP temperature used in the epoch.
    pub temperature: f64,
    /// Wall-clock seconds of the epoch.
    pub seconds: f64,
}

/// The outcome of [`Trainer::fit`].
///
/// ```
/// let r = vi_train::vi::TrainReport { records: vec![], stopped_early: false, stopped_by_observer: false };
/// assert!(r.final_loss().is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// One record per epoch run.
    pub records: Vec<EpochRecord>,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Whether the observer ended the run.
    pub stopped_by_observer: bool,
}

/// What a run has accumulated besides its model ([`Trainer::state`]), to resume it exactly
/// ([`Trainer::resume`]).
///
/// ```
/// let s = vi_train::vi::TrainerState {
///     epoch: 0,
///     optimizer_p: snn_model::optim::OptimizerState {
///         kind: snn_model::optim::OptimizerKind::Adagrad, steps: 0, buffers: vec![vec![]],
///     },
///     optimizer_q: None, baseline: None, best_loss: None, since_best: 0, records: vec![],
/// };
/// assert_eq!(s.epoch, 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerState {
    /// Epochs done.
    pub epoch: usize,
    /// The state of the optimiser of `θ` (of all parameters when `q = p` or with joint steps).
    pub optimizer_p: OptimizerState,
    /// The state of the optimiser of `φ` (a separate `q` with E/M steps).
    pub optimizer_q: Option<OptimizerState>,
    /// The score function's running-mean baseline, once it has a value.
    pub baseline: Option<f64>,
    /// Early stopping: the best epoch loss so far (none before the first epoch).
    pub best_loss: Option<f64>,
    /// Early stopping: epochs since the best.
    pub since_best: usize,
    /// One record per epoch done.
    pub records: Vec<EpochRecord>,
}

/// What a training run reports while it runs (in the style of argmin's `Observe`): the
/// sequences done within each epoch, and each finished epoch with the trainer as it then is.
/// The epoch report can stop the run ([`ControlFlow::Break`]) or abort it with an error of the
/// observer's own type (e.g. a failed checkpoint write), which the run returns as it is.
/// Both methods do nothing by default; `()` is the observer that observes nothing.
///
/// ```
/// use std::ops::ControlFlow;
/// use pp_core::Window;
/// use vi_train::vi::{EpochRecord, TrainConfig, TrainObserver, Trainer, VariationalModel};
/// /// Stops after the first epoch whose loss is below a target.
/// struct StopBelow(f64, Vec<f64>);
/// impl TrainObserver for StopBelow {
///     type Error = vi_train::ViError;
///     fn on_epoch(&mut self, r: &EpochRecord, _t: &Trainer) -> Result<ControlFlow<()>, Self::Error> {
///         self.1.push(r.loss);
///         Ok(if r.loss < self.0 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) })
///     }
/// }
/// let mut rng = pp_thinning::sequence_rng(1, 0);
/// let truth = snn_model::SnnBuilder::new(1, 1).random(&mut rng)?;
/// let data: Vec<_> = truth.simulate_many(Window::new(0.0, 10.0)?, 2, 2)?
///     .into_iter().map(|s| s.split_dimensions(1).map(|(o, _)| o)).collect::<Result<_, _>>()?;
/// let init = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let mut trainer = Trainer::new(init, TrainConfig { epochs: 5, ..Default::default() })?;
/// let mut observer = StopBelow(f64::INFINITY, Vec::new()); // stops after one epoch
/// let report = trainer.fit_observed(&data, &mut observer)?;
/// assert!(report.stopped_by_observer && report.records.len() == 1 && observer.1.len() == 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait TrainObserver {
    /// The error the observer may fail with; training errors convert into it.
    type Error: From<ViError>;

    /// After each mini-batch (its E and M steps): `done` of the `total` sequences of epoch
    /// `epoch` (1-based) are done.
    fn on_batch(&mut self, epoch: usize, done: usize, total: usize) {
        let _ = (epoch, done, total);
    }

    /// After each epoch, with its record and the trainer after it (its model, and its
    /// [`state`](Trainer::state) for a checkpoint that can be resumed).
    fn on_epoch(
        &mut self,
        record: &EpochRecord,
        trainer: &Trainer,
    ) -> std::result::Result<ControlFlow<()>, Self::Error> {
        let _ = (record, trainer);
        Ok(ControlFlow::Continue(()))
    }
}

/// The observer that observes nothing.
impl TrainObserver for () {
    type Error = ViError;
}

impl TrainReport {
    /// The last epoch's loss.
    pub fn final_loss(&self) -> Option<f64> {
        self.records.last().map(|r| r.loss)
    }
}

/// The loss curve as CSV: `epoch,loss,temperature,seconds` (read by `diffsnn plot loss`).
///
/// ```
/// let r = vi_train::vi::EpochRecord { epoch: 1, loss: 2.5, temperature: 0.3, seconds: 0.125 };
/// let text = vi_train::vi::loss_csv_string(&[r]);
/// assert_eq!(text, "epoch,loss,temperature,seconds\n1,2.5,0.3,0.125\n");
/// ```
pub fn loss_csv_string(records: &[EpochRecord]) -> String {
    let mut s = String::from("epoch,loss,temperature,seconds\n");
    for r in records {
        s.push_str(&format!(
            "{},{},{},{}\n",
            r.epoch, r.loss, r.temperature, r.seconds
        ));
    }
    s
}

/// The generator of one step: sequence `index` of epoch `epoch`, `phase` 0 (E / joint) or 1
/// (M). A function of `(seed, epoch, phase, index)` only.
///
/// ```
/// use rand::Rng;
/// let mut a = vi_train::vi::step_rng(1, 2, 0, 3);
/// let mut b = vi_train::vi::step_rng(1, 2, 0, 3);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert_ne!(vi_train::vi::step_rng(1, 2, 1, 3).next_u64(), vi_train::vi::step_rng(1, 2, 0, 3).next_u64());
/// ```
pub fn step_rng(seed: u64, epoch: usize, phase: u8, index: usize) -> Xoshiro256PlusPlus {
    let stream = sequence_rng(seed, ((epoch as u64) << 2) | phase as u64).next_u64();
    sequence_rng(stream, index as u64)
}

/// What one phase of one mini-batch asks of whoever computes its gradients: the epoch
/// (0-based), the phase, the ∂PP temperature and the score function's baseline. Every
/// gradient of a run is [`estimate`](Self::estimate) of a request, so that a gradient
/// computed elsewhere (another process or machine) is the same bits as the trainer's own.
///
/// ```
/// use vi_train::vi::{EstimatorWorkspace, Phase, StepRequest, TrainConfig, VariationalModel};
/// use pp_core::{EventSequence, Window};
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).check()?)?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 2.5], vec![0, 0])?;
/// let request = StepRequest { epoch: 0, phase: Phase::E, temperature: 0.3, baseline: 0.0 };
/// let config = TrainConfig::default();
/// let n = model.n_params();
/// let (mut ws, mut a, mut b) = (EstimatorWorkspace::new(&model)?, vec![0.0; n], vec![0.0; n]);
/// let va = request.estimate(&model, &config, &seq, 7, &mut ws, &mut a)?;
/// let vb = request.estimate(&model, &config, &seq, 7, &mut ws, &mut b)?;
/// assert_eq!((va, a), (vb, b)); // a function of the request, the sequence and its index
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepRequest {
    /// Epochs done before this one (0 in the first).
    pub epoch: usize,
    /// The E (or joint) step or the M step.
    pub phase: Phase,
    /// The ∂PP temperature of the epoch.
    pub temperature: f64,
    /// The score function's baseline (0 without one).
    pub baseline: f64,
}

impl StepRequest {
    /// The gradient of sequence `index` (its position in the training data, which seeds its
    /// random draws with `(config.seed, epoch, phase, index)`) written into `grad` (the
    /// model's `n_params()` values), and the step's loss.
    pub fn estimate(
        &self,
        model: &VariationalModel,
        config: &TrainConfig,
        sequence: &EventSequence,
        index: usize,
        workspace: &mut EstimatorWorkspace,
        grad: &mut [f64],
    ) -> Result<StepValue> {
        let phase_id = if self.phase == Phase::E { 0 } else { 1 };
        let mut rng = step_rng(config.seed, self.epoch, phase_id, index);
        GradientStep::for_phase(
            config.estimator,
            self.phase,
            self.temperature,
            self.baseline,
        )
        .estimate(
            model,
            sequence,
            &config.objective,
            &mut rng,
            workspace,
            grad,
        )
    }
}

/// Computes the gradients of a mini-batch for [`Trainer::fit_observed_with`]: for each
/// sequence index of `batch`, its gradient into the `grads` slot of the same position and its
/// [`StepValue`] (or the error met), in batch order. An implementation may compute them
/// anywhere and in any order; to reproduce a local run it computes each as
/// [`StepRequest::estimate`] does.
pub trait BatchGradients {
    /// The batch's results, one per sequence of `batch`, in its order.
    fn gradients(
        &mut self,
        model: &VariationalModel,
        config: &TrainConfig,
        request: &StepRequest,
        batch: &[usize],
        grads: &mut [Vec<f64>],
    ) -> Vec<Result<StepValue>>;
}

/// The source again, for one more call (the trait object's lifetime shortened to the borrow).
fn reborrow<'b>(
    source: &'b mut Option<&mut dyn BatchGradients>,
) -> Option<&'b mut dyn BatchGradients> {
    match source {
        Some(s) => Some(&mut **s),
        None => None,
    }
}

/// What the trainer says when a gradient met the numerical failure `e` (the reason of its
/// [`ViError::Diverged`]): the failure, and for an overflow of the path-wise gradient the
/// remedy. A failure met elsewhere ([`ViError::Elsewhere`]) carries its reason as worded there.
///
/// ```
/// use vi_train::vi::{Estimator, divergence_reason};
/// let e = vi_train::ViError::from(diffpp::DiffppError::NonFinite { what: "adjoint", index: 0, value: f64::NAN });
/// assert!(divergence_reason(&e, Estimator::Pathwise).contains("--window-length"));
/// assert!(!divergence_reason(&e, Estimator::Score).contains("--window-length"));
/// ```
pub fn divergence_reason(e: &ViError, estimator: Estimator) -> String {
    if let ViError::Elsewhere { reason } = e {
        return reason.clone();
    }
    let mut reason = e.to_string();
    if estimator == Estimator::Pathwise && matches!(e, ViError::Diffpp(_)) {
        reason.push_str(
            " (the path-wise gradient overflowed: through a long chain of soft spikes of \
             several hidden neurons the adjoint can grow beyond f64; train on windows of the \
             recording, shorter ones if it already is (EventSequence::split_windows; the \
             program's --window-length), or with the score-function estimator)",
        );
    }
    reason
}

/// A training run in progress: the model, the optimisers' state, the baseline, the buffers.
///
/// ```
/// use pp_core::Window;
/// use rand::SeedableRng;
/// use vi_train::vi::{TrainConfig, Trainer, VariationalModel};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let truth = snn_model::SnnBuilder::new(1, 1).random(&mut rng)?;
/// let data: Vec<_> = truth
///     .simulate_many(Window::new(0.0, 10.0)?, 2, 3)?
///     .into_iter()
///     .map(|s| s.split_dimensions(1).map(|(o, _)| o))
///     .collect::<Result<_, _>>()?;
/// let init = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let mut trainer = Trainer::new(init, TrainConfig { epochs: 2, ..Default::default() })?;
/// let report = trainer.fit(&data)?;
/// assert_eq!(report.records.len(), 2);
/// assert!(report.final_loss().unwrap().is_finite());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Trainer {
    model: VariationalModel,
    config: TrainConfig,
    /// One optimiser over all parameters (shared `q`, or the joint scheme) or over `θ`.
    opt_p: Box<dyn Optimizer + Send>,
    /// Over `φ` when `q` is separate and the scheme is E/M.
    opt_q: Option<Box<dyn Optimizer + Send>>,
    baseline: Option<f64>,
    epoch: usize,
    /// Early stopping: the best epoch loss so far and the epochs since it.
    best_loss: f64,
    since_best: usize,
    params: Vec<f64>,
    workspaces: Vec<EstimatorWorkspace>,
    grads: Vec<Vec<f64>>,
    values: Vec<Option<StepValue>>,
    step_grad: Vec<f64>,
    records: Vec<EpochRecord>,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("model", &self.model)
            .field("config", &self.config)
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl Trainer {
    /// A trainer starting from `model` (projected onto its constraint first).
    pub fn new(mut model: VariationalModel, config: TrainConfig) -> Result<Self> {
        config.check()?;
        model.project();
        let separate_em =
            !model.is_shared() && config.scheme == StepScheme::ExpectationMaximisation;
        let opt_p = config.optimizer.build(config.learning_rate)?;
        let opt_q = if separate_em {
            Some(config.optimizer.build(config.learning_rate)?)
        } else {
            None
        };
        let b = config.batch_size;
        let workspaces = (0..b)
            .map(|_| EstimatorWorkspace::new(&model))
            .collect::<Result<Vec<_>>>()?;
        let n = model.n_params();
        Ok(Self {
            params: model.params(),
            model,
            opt_p,
            opt_q,
            baseline: None,
            epoch: 0,
            best_loss: f64::INFINITY,
            since_best: 0,
            workspaces,
            grads: vec![vec![0.0; n]; b],
            values: vec![None; b],
            step_grad: vec![0.0; n],
            records: Vec::new(),
            config,
        })
    }

    /// The model now.
    pub fn model(&self) -> &VariationalModel {
        &self.model
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The records of the epochs run so far.
    pub fn records(&self) -> &[EpochRecord] {
        &self.records
    }

    /// Ends the run and returns the model.
    pub fn into_model(self) -> VariationalModel {
        self.model
    }

    /// The order of the sequences in epoch `epoch`.
    fn order(&self, n: usize, epoch: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..n).collect();
        if self.config.shuffle {
            let mut rng = sequence_rng(self.config.seed ^ 0x5eed_5eed_5eed_5eed, epoch as u64);
            for i in (1..n).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
        }
        order
    }

    /// Computes the gradients of one phase for the sequences `batch` at the current
    /// parameters: here, in parallel when there are several (`source` none), or by `source`
    /// (e.g. on other machines); then checks every value in batch order.
    fn compute(
        &mut self,
        data: &[EventSequence],
        batch: &[usize],
        phase: Phase,
        tau: f64,
        source: Option<&mut dyn BatchGradients>,
    ) -> Result<()> {
        let request = StepRequest {
            epoch: self.epoch,
            phase,
            temperature: tau,
            baseline: self.baseline.unwrap_or(0.0),
        };
        let m = batch.len();
        let results: Vec<Result<StepValue>> = match source {
            Some(source) => {
                let results = source.gradients(
                    &self.model,
                    &self.config,
                    &request,
                    batch,
                    &mut self.grads[..m],
                );
                if results.len() != m {
                    return Err(ViError::Mismatch {
                        reason: format!(
                            "the gradient source returned {} results for a batch of {m} sequences",
                            results.len()
                        ),
                    });
                }
                results
            }
            None => {
                let (model, config) = (&self.model, &self.config);
                let run = |k: usize, ws: &mut EstimatorWorkspace, grad: &mut [f64]| {
                    request.estimate(model, config, &data[k], k, ws, grad)
                };
                if m == 1 {
                    vec![run(batch[0], &mut self.workspaces[0], &mut self.grads[0])]
                } else {
                    self.workspaces[..m]
                        .par_iter_mut()
                        .zip(self.grads[..m].par_iter_mut())
                        .zip(batch.par_iter())
                        .map(|((ws, g), &k)| run(k, ws, g))
                        .collect()
                }
            }
        };
        let config = &self.config;
        for (slot, (r, &k)) in results.into_iter().zip(batch).enumerate() {
            match r {
                Ok(v) => {
                    if v.loss.abs() > config.max_loss {
                        return Err(self.diverged(k, format!("the loss reached {:e}", v.loss)));
                    }
                    self.values[slot] = Some(v);
                }
                Err(e) if e.is_numerical() => {
                    return Err(self.diverged(k, divergence_reason(&e, config.estimator)));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn diverged(&self, sequence: usize, reason: String) -> ViError {
        ViError::Diverged {
            epoch: self.epoch + 1,
            sequence,
            reason,
        }
    }

    /// Averages the batch gradients (in batch order) and takes an optimiser step on the block
    /// the phase updates, then projects.
    fn apply(&mut self, m: usize, phase: Phase, first: usize) -> Result<()> {
        let n = self.model.n_params();
        self.step_grad.fill(0.0);
        for g in &self.grads[..m] {
            for (a, b) in self.step_grad.iter_mut().zip(g) {
                *a += b;
            }
        }
        let scale = 1.0 / m as f64;
        for a in self.step_grad.iter_mut() {
            *a *= scale;
        }
        let joint = self.config.scheme == StepScheme::Joint;
        let range = if joint || self.model.is_shared() {
            0..n
        } else if phase == Phase::E {
            self.model.q_range()
        } else {
            self.model.p_range()
        };
        let opt = match (&mut self.opt_q, phase) {
            (Some(q), Phase::E) => q,
            _ => &mut self.opt_p,
        };
        opt.step(&mut self.params[range.clone()], &self.step_grad[range])?;
        if let Some(i) = self.params.iter().position(|p| !p.is_finite()) {
            return Err(self.diverged(
                first,
                format!(
                    "parameter {i} became {} after an optimiser step",
                    self.params[i]
                ),
            ));
        }
        self.model.set_params(&self.params)?;
        self.model.project();
        self.params.copy_from_slice(&self.model.params());
        Ok(())
    }

    /// Runs one epoch over `data` (observed sequences, dimension `n_obs`) and returns its
    /// record.
    pub fn run_epoch(&mut self, data: &[EventSequence]) -> Result<EpochRecord> {
        self.run_epoch_with(data, None, &mut |_| {})
    }

    /// [`run_epoch`](Self::run_epoch), calling `on_batch(done)` after each mini-batch with
    /// the number of sequences of the epoch done so far.
    fn run_epoch_with(
        &mut self,
        data: &[EventSequence],
        mut source: Option<&mut dyn BatchGradients>,
        on_batch: &mut dyn FnMut(usize),
    ) -> Result<EpochRecord> {
        if data.is_empty() {
            return Err(ViError::argument("data", "needs at least one sequence"));
        }
        let n_obs = self.model.p().n_obs();
        if let Some(i) = data.iter().position(|s| s.dim() != n_obs) {
            return Err(ViError::Mismatch {
                reason: format!(
                    "sequence {i} has {} neurons; the model has {n_obs} observed neurons",
                    data[i].dim()
                ),
            });
        }
        let start = Instant::now();
        let tau = self.config.temperature.at(self.epoch);
        let order = self.order(data.len(), self.epoch);
        let em = self.config.scheme == StepScheme::ExpectationMaximisation;
        let report_m = em && self.config.estimator == Estimator::Score;
        let mut loss_sum = 0.0;
        let mut done = 0;
        for batch in order.chunks(self.config.batch_size) {
            let m = batch.len();
            self.compute(data, batch, Phase::E, tau, reborrow(&mut source))?;
            let mut f_sum = 0.0;
            for v in self.values[..m].iter().flatten() {
                f_sum += v.f;
                if !report_m {
                    loss_sum += v.loss;
                }
            }
            self.apply(m, Phase::E, batch[0])?;
            if let Baseline::RunningMean { decay } = self.config.baseline {
                let f = f_sum / m as f64;
                self.baseline = Some(match self.baseline {
                    None => f,
                    Some(b) => decay * b + (1.0 - decay) * f,
                });
            }
            if em {
                self.compute(data, batch, Phase::M, tau, reborrow(&mut source))?;
                if report_m {
                    loss_sum += self.values[..m]
                        .iter()
                        .flatten()
                        .map(|v| v.loss)
                        .sum::<f64>();
                }
                self.apply(m, Phase::M, batch[0])?;
            }
            done += m;
            on_batch(done);
        }
        self.epoch += 1;
        let record = EpochRecord {
            epoch: self.epoch,
            loss: loss_sum / data.len() as f64,
            temperature: tau,
            seconds: start.elapsed().as_secs_f64(),
        };
        self.records.push(record);
        Ok(record)
    }

    /// Everything the run has accumulated besides the model: the epochs done, the
    /// optimisers' buffers, the baseline, the early-stopping state and the records. With the
    /// model and the configuration it resumes the run exactly ([`resume`](Self::resume)): the
    /// random draws of every step are functions of `(seed, epoch, phase, sequence)` only.
    ///
    /// ```
    /// use pp_core::Window;
    /// use vi_train::vi::{Estimator, TrainConfig, Trainer, VariationalModel};
    /// let mut rng = pp_thinning::sequence_rng(1, 0);
    /// let truth = snn_model::SnnBuilder::new(1, 1).random(&mut rng)?;
    /// let data: Vec<_> = truth.simulate_many(Window::new(0.0, 10.0)?, 2, 2)?
    ///     .into_iter().map(|s| s.split_dimensions(1).map(|(o, _)| o)).collect::<Result<_, _>>()?;
    /// let init = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
    /// let config = TrainConfig { epochs: 4, estimator: Estimator::Score, ..Default::default() };
    /// // straight through
    /// let mut straight = Trainer::new(init.clone(), config.clone())?;
    /// straight.fit(&data)?;
    /// // two epochs, saved, resumed in a new trainer
    /// let mut first = Trainer::new(init, TrainConfig { epochs: 2, ..config.clone() })?;
    /// first.fit(&data)?;
    /// let (model, state) = (first.model().clone(), first.state());
    /// let mut resumed = Trainer::resume(model, config, state)?;
    /// resumed.fit(&data)?;
    /// assert_eq!(resumed.model(), straight.model()); // the same bits
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn state(&self) -> TrainerState {
        TrainerState {
            epoch: self.epoch,
            optimizer_p: self.opt_p.state(),
            optimizer_q: self.opt_q.as_ref().map(|o| o.state()),
            baseline: self.baseline,
            best_loss: self.best_loss.is_finite().then_some(self.best_loss),
            since_best: self.since_best,
            records: self.records.clone(),
        }
    }

    /// A trainer that continues a run saved by [`state`](Self::state), with its model as it
    /// was then and the run's configuration (whose `epochs` is the total of the run).
    /// Errors: a state that does not fit the model or the configuration (another optimiser,
    /// buffers of another length, records that disagree with the epoch count, a `q` optimiser
    /// where the run has none or the reverse).
    pub fn resume(
        model: VariationalModel,
        config: TrainConfig,
        state: TrainerState,
    ) -> Result<Self> {
        let mut trainer = Self::new(model, config)?;
        if state.records.len() != state.epoch
            || state
                .records
                .iter()
                .enumerate()
                .any(|(e, r)| r.epoch != e + 1)
        {
            return Err(ViError::Mismatch {
                reason: format!(
                    "the saved run has done {} epochs but records {} epochs (numbered {:?})",
                    state.epoch,
                    state.records.len(),
                    state.records.iter().map(|r| r.epoch).collect::<Vec<_>>()
                ),
            });
        }
        trainer.opt_p.restore(&state.optimizer_p)?;
        match (&mut trainer.opt_q, &state.optimizer_q) {
            (Some(q), Some(saved)) => q.restore(saved)?,
            (None, None) => {}
            _ => {
                return Err(ViError::Mismatch {
                    reason: "the saved run's optimisers do not fit this run (q separate with \
                             E/M steps has an optimiser of its own)"
                        .into(),
                });
            }
        }
        let n = trainer.model.n_params();
        let buffer_len = state.optimizer_p.buffers.first().map_or(0, Vec::len);
        if buffer_len != 0 && buffer_len > n {
            return Err(ViError::Mismatch {
                reason: format!(
                    "the saved optimiser has buffers for {buffer_len} parameters; the model has {n}"
                ),
            });
        }
        trainer.epoch = state.epoch;
        trainer.baseline = state.baseline;
        trainer.best_loss = state.best_loss.unwrap_or(f64::INFINITY);
        trainer.since_best = state.since_best;
        trainer.records = state.records;
        Ok(trainer)
    }

    /// Whether early stopping has ended the run: more than `patience` epochs since the best.
    fn patience_exhausted(&self) -> bool {
        self.config
            .early_stop
            .is_some_and(|es| self.since_best > es.patience)
    }

    /// Runs the epochs that remain of the configured total (fewer with early stopping).
    pub fn fit(&mut self, data: &[EventSequence]) -> Result<TrainReport> {
        self.fit_observed(data, &mut ())
    }

    /// [`fit`](Self::fit), reporting to `observer` after every mini-batch and every epoch;
    /// the observer can stop the run after an epoch, or abort it with its own error.
    pub fn fit_observed<O: TrainObserver + ?Sized>(
        &mut self,
        data: &[EventSequence],
        observer: &mut O,
    ) -> std::result::Result<TrainReport, O::Error> {
        self.fit_observed_with(data, None, observer)
    }

    /// [`fit_observed`](Self::fit_observed) with the gradients of every mini-batch computed
    /// by `source` (none: here, on all cores), for instance on the workers of a cluster. The
    /// trainer keeps the order of the sequences, the averaging in batch order and the
    /// optimiser steps, so a source that computes each gradient as
    /// [`StepRequest::estimate`] does gives the same model bits as a local run.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use vi_train::vi::{
    ///     BatchGradients, EstimatorWorkspace, StepRequest, StepValue, TrainConfig, Trainer,
    ///     VariationalModel,
    /// };
    /// /// Computes each gradient in turn, as a remote worker would, with a fresh workspace.
    /// struct OneByOne<'a>(&'a [EventSequence]);
    /// impl BatchGradients for OneByOne<'_> {
    ///     fn gradients(&mut self, model: &VariationalModel, config: &TrainConfig,
    ///         request: &StepRequest, batch: &[usize], grads: &mut [Vec<f64>],
    ///     ) -> Vec<vi_train::Result<StepValue>> {
    ///         batch.iter().zip(grads).map(|(&k, g)| {
    ///             let mut ws = EstimatorWorkspace::new(model)?;
    ///             request.estimate(model, config, &self.0[k], k, &mut ws, g)
    ///         }).collect()
    ///     }
    /// }
    /// let mut rng = pp_thinning::sequence_rng(3, 0);
    /// let truth = snn_model::SnnBuilder::new(1, 1).random(&mut rng)?;
    /// let data: Vec<_> = truth.simulate_many(Window::new(0.0, 10.0)?, 4, 2)?
    ///     .into_iter().map(|s| s.split_dimensions(1).map(|(o, _)| o)).collect::<Result<_, _>>()?;
    /// let init = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
    /// let config = TrainConfig { epochs: 2, batch_size: 2, ..Default::default() };
    /// let mut local = Trainer::new(init.clone(), config.clone())?;
    /// local.fit(&data)?;
    /// let mut remote = Trainer::new(init, config)?;
    /// remote.fit_observed_with(&data, Some(&mut OneByOne(&data)), &mut ())?;
    /// assert_eq!(remote.model(), local.model()); // the same bits
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fit_observed_with<O: TrainObserver + ?Sized>(
        &mut self,
        data: &[EventSequence],
        mut source: Option<&mut dyn BatchGradients>,
        observer: &mut O,
    ) -> std::result::Result<TrainReport, O::Error> {
        for (k, s) in data.iter().enumerate() {
            crate::vi::hidden::check_hidden_work(self.model.q(), s, k)?;
        }
        let first_record = self.records.len();
        let mut stopped_early = self.patience_exhausted();
        let mut stopped_by_observer = false;
        while !stopped_early && self.epoch < self.config.epochs {
            let epoch = self.epoch + 1;
            let total = data.len();
            let record = self.run_epoch_with(data, reborrow(&mut source), &mut |done| {
                observer.on_batch(epoch, done, total)
            })?;
            // the early-stopping state takes this epoch in before the observer sees the
            // trainer, so that a state saved now resumes exactly (and stops if it should)
            if let Some(es) = self.config.early_stop {
                if record.loss < self.best_loss - es.min_delta {
                    self.best_loss = record.loss;
                    self.since_best = 0;
                } else {
                    self.since_best += 1;
                }
            }
            stopped_early = self.patience_exhausted();
            if observer.on_epoch(&record, self)?.is_break() {
                stopped_by_observer = true;
                break;
            }
        }
        Ok(TrainReport {
            records: self.records[first_record..].to_vec(),
            stopped_early,
            stopped_by_observer,
        })
    }
}

/// Trains `model` on `data` with `config` and returns the trained model with the report
/// (see [`Trainer`]).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// use vi_train::vi::{Estimator, TrainConfig, VariationalModel, fit};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let data = vec![EventSequence::new(Window::new(0.0, 8.0)?, 1, vec![1.0, 2.0, 6.5], vec![0, 0, 0])?];
/// let config = TrainConfig { epochs: 2, estimator: Estimator::Score, ..Default::default() };
/// let (trained, report) = fit(model, &data, config)?;
/// assert_eq!(report.records.len(), 2);
/// assert!(trained.params().iter().all(|p| p.is_finite()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn fit(
    model: VariationalModel,
    data: &[EventSequence],
    config: TrainConfig,
) -> Result<(VariationalModel, TrainReport)> {
    let mut trainer = Trainer::new(model, config)?;
    let report = trainer.fit(data)?;
    Ok((trainer.into_model(), report))
}
