//! # vi-train
//!
//! Variational training of spiking neural networks with hidden neurons (MATH.md §6) and the
//! `diffsnn` command-line program.
//!
//! What is here now:
//!
//! * [`io`]: spike-train files (`spikes/v1` JSON and CSV) read into validated
//!   [`pp_core::EventSequence`]s with errors that name the file, the sequence, the event and the
//!   field; query-time files; loss-curve CSV files; the atomic writer ([`io::write_atomic`])
//!   behind every output file.
//! * [`plot`]: SVG pictures (spike raster, intensities, filters, time-rescaling KS plot, loss
//!   curve) drawn with `plotters`' SVG backend.
//! * [`cli`]: the `diffsnn` program's commands that need no training: `simulate`, `intensity`,
//!   `loglik`, `plot`. Each command is one module with a `clap` argument struct and a `run`
//!   function.
//! * [`ViError`]: the crate's error type, wrapping [`pp_core::PpError`] and
//!   [`snn_model::SnnError`].
//!
//! Coming next (not built yet): the ELBO (6.1), the path-wise and score-function gradient
//! estimators, the optimisers and the training loop, evaluation by the test negative ELBO, and
//! the `fit` and `eval` commands.
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
