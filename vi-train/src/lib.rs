//! # vi-train
//!
//! Variational training of spiking neural networks with hidden neurons (docs/math.md §6).
//!
//! * [`vi`]: the model pair [`vi::VariationalModel`] (`q = p`, the reference's setting, or a
//!   separate `q`); the per-sequence gradient estimators behind one entry point,
//!   [`vi::GradientStep::estimate`] — path-wise through the ∂PP sample, score function with
//!   hard thinning samples, the relaxed score function that checks the path-wise estimator's
//!   unbiasedness — and [`vi::gradient_estimate`] for one draw; the training loop
//!   ([`vi::Trainer`], [`vi::TrainConfig`], [`vi::fit`]: E/M or joint steps, Adagrad/Adam/SGD,
//!   temperature schedule, refractory projection, deterministic parallel mini-batches, early
//!   stop, a typed error on divergence, progress and checkpoints through a
//!   [`vi::TrainObserver`]); evaluation by the test negative ELBO with hard spikes
//!   ([`vi::evaluate`]).
//! * [`marginal`]: honest test metrics with the hidden neurons integrated out — the marginal
//!   log-likelihood `log p(O)` by a particle filter ([`marginal::marginal_log_likelihood`]),
//!   the importance-weighted bounds ([`marginal::iwae_bound`]), the observed neurons'
//!   predictive intensity and time rescaling for KS tests
//!   ([`marginal::predictive_intensity`], [`marginal::marginal_time_rescale`]).
//! * [`ViError`]: the crate's error type, wrapping [`pp_core::PpError`],
//!   [`snn_model::SnnError`] and [`diffpp::DiffppError`].
//!
//! The `diffsnn` program (files, plots, progress bars) is the `diffsnn-cli` crate.
//!
//! Training in a few lines:
//!
//! ```
//! use pp_core::Window;
//! use vi_train::vi::{EvalOptions, Estimator, TrainConfig, VariationalModel, evaluate, fit};
//! let mut rng = pp_thinning::sequence_rng(1, 0);
//! let truth = snn_model::SnnBuilder::new(2, 1).random(&mut rng)?;
//! // observed neurons only: the hidden neuron is inferred
//! let data: Vec<_> = truth
//!     .simulate_many(Window::new(0.0, 20.0)?, 2, 4)?
//!     .into_iter()
//!     .map(|s| s.split_dimensions(2).map(|(observed, _)| observed))
//!     .collect::<Result<_, _>>()?;
//! let init = VariationalModel::shared(snn_model::SnnBuilder::new(2, 1).random(&mut rng)?)?;
//! let config = TrainConfig { epochs: 2, estimator: Estimator::Pathwise, ..TrainConfig::default() };
//! let (trained, report) = fit(init, &data, config)?;
//! assert_eq!(report.records.len(), 2);
//! let test = evaluate(&trained, &data, &EvalOptions { samples: 4, ..EvalOptions::default() })?;
//! assert!(test.mean.is_finite());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod lead_in;
pub mod marginal;
pub mod vi;

pub use error::{Result, ViError};
