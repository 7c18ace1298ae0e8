//! # diffsnn-cli
//!
//! The `diffsnn` program: simulate, fit, evaluate and plot spiking neural networks with hidden
//! neurons, from and to files. Everything here is about the command line and files; the
//! models and the training are the libraries' (snn-model, diffpp, vi-train).
//!
//! * [`commands`]: one module per command (`simulate`, `intensity`, `loglik`, `fit`, `eval`,
//!   `plot`), each with a `clap` argument struct and a `run` function.
//! * [`io`]: files — spike trains on disk (the formats are pp-core's
//!   [`spike_files`](pp_core::spike_files)), query-time files, loss-curve CSV files, and the
//!   atomic writer ([`io::write_atomic`]) behind every output file.
//! * [`plot`]: SVG pictures (spike raster, intensities, filters, time-rescaling KS plot, loss
//!   curve) drawn with `plotters`' SVG backend.
//! * [`progress`]: the training observer of `fit`: progress bar, epoch lines, loss CSV and
//!   checkpoints; [`checkpoint`]: the state checkpoints that `fit --resume` continues from.
//! * [`CliError`]: the program's error type; every message names the file and the place.
//!
//! ```
//! use clap::Parser;
//! let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "loglik", "--model", "m.json", "--spikes", "s.json"]).unwrap();
//! assert!(matches!(cli.command, diffsnn_cli::commands::Command::Loglik(_)));
//! ```

#![warn(missing_docs)]

pub mod checkpoint;
pub mod commands;
pub mod error;
pub mod io;
pub mod plot;
pub mod progress;

pub use error::{CliError, Result};
