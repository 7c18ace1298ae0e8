//! # vi-train
//!
//! Variational training of spiking neural networks with hidden neurons (MATH.md §6) and the
//! `diffsnn` command-line program.
//!
//! * [`vi`]: variational training (MATH.md §6). The model pair [`vi::VariationalModel`]
//!   (`q = p`, the reference's setting, or a separate `q`); one-sequence gradient estimators —
//!   path-wise through the ∂PP sample ([`vi::pathwise_gradient_in`]), score function with hard
//!   thinning samples ([`vi::score_gradient_in`]), the relaxed score function used to check the
//!   path-wise estimator's unbiasedness — and [`vi::gradient_estimate`] for one draw; the
//!   training loop ([`vi::Trainer`], [`vi::TrainConfig`], [`vi::fit`]: E/M or joint steps,
//!   Adagrad/Adam/SGD, temperature schedule, refractory projection, deterministic parallel
//!   mini-batches, loss CSV, checkpoints, early stop, a typed error on divergence); evaluation
//!   by the test negative ELBO with hard spikes ([`vi::evaluate`]).
//! * [`io`]: spike-train files (`spikes/v1` JSON and CSV) read into validated
//!   [`pp_core::EventSequence`]s with errors that name the file, the sequence, the event and the
//!   field; query-time files; loss-curve CSV files; the atomic writer ([`io::write_atomic`])
//!   behind every output file.
//! * [`plot`]: SVG pictures (spike raster, intensities, filters, time-rescaling KS plot, loss
//!   curve) drawn with `plotters`' SVG backend.
//! * [`cli`]: the `diffsnn` program: `simulate`, `intensity`, `loglik`, `fit`, `eval`, `plot`.
//!   Each command is one module with a `clap` argument struct and a `run` function.
//! * [`ViError`]: the crate's error type, wrapping [`pp_core::PpError`],
//!   [`snn_model::SnnError`] and [`diffpp::DiffppError`].
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
//!
//! Reading spike files:
//!
//! ```
//! use vi_train::io::{ReadOptions, SpikeTrains};
//! let text = "sequence,time,neuron\n0,0.5,1\n0,0.2,0\n";
//! let trains = SpikeTrains::from_csv_str(text, "s.csv", &ReadOptions::default())?;
//! assert_eq!(trains.sequences()[0].times(), &[0.2, 0.5]);
//! let svg = vi_train::plot::raster_svg(&trains.sequences()[0], "spikes")?;
//! assert!(svg.contains("<svg"));
//! # Ok::<(), vi_train::ViError>(())
//! ```

#![warn(missing_docs)]

pub mod cli;
pub mod error;
pub mod io;
pub mod plot;
pub mod vi;

pub use error::{Result, ViError};
