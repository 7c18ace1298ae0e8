//! Variational training of an SNN with hidden neurons (docs/math.md §6): the model pair, the
//! per-sequence objective and its two gradient estimators, hidden-neuron sampling, optimisers,
//! the training loop and evaluation.

// The numeric kernels index several parallel flat buffers with the same loop index.
#![allow(clippy::needless_range_loop)]

mod estimate;
mod eval;
mod hidden;
mod model;
mod train;

pub(crate) use estimate::hard_neg_elbo_draw;
pub use estimate::{
    Estimator, EstimatorWorkspace, GradientStep, HardDensities, ObjectiveOptions, Phase, StepValue,
    gradient_estimate, hard_densities,
};
pub use eval::{EvalOptions, EvalReport, evaluate};
pub(crate) use eval::{Pooled, check_test_data};
pub(crate) use hidden::check_observed as check_observed_sequence;
pub use hidden::{
    HiddenSampleWorkspace, HiddenState, HiddenThinning, MAX_HIDDEN_CANDIDATES, sample_hidden,
};
pub use model::{Variational, VariationalModel, add_regulariser};
/// The optimisers (snn-model's, the workspace's one home of them).
pub use snn_model::optim::{OptimizerKind, Sgd};
pub use train::{
    Baseline, BatchGradients, EarlyStop, EpochRecord, StepRequest, StepScheme, TemperatureSchedule,
    TrainConfig, TrainObserver, TrainReport, Trainer, TrainerState, divergence_reason, fit,
    loss_csv_string, step_rng,
};
