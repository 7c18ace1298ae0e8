//! The error type of `bench-suite` and of the `reproduce` program.

use std::path::Path;

use thiserror::Error;

/// Everything that can go wrong while reproducing the experiments.
///
/// Errors of the lower layers are wrapped ([`vi_train::ViError`], [`snn_model::SnnError`],
/// [`pp_core::PpError`]); every message says what was wrong and where, and can be shown to a
/// user as it is (the program prints `error: <message>` and exits with status 1).
///
/// ```
/// let e = bench_suite::BenchError::config("--draws", "need at least 2 draws, got 1");
/// assert_eq!(e.to_string(), "--draws: need at least 2 draws, got 1");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum BenchError {
    /// An error of the training library.
    #[error(transparent)]
    Vi(#[from] vi_train::ViError),

    /// An error of the program's file handling (atomic writes).
    #[error(transparent)]
    Cli(#[from] diffsnn_cli::CliError),

    /// An error of the SNN layer (model construction, simulation).
    #[error(transparent)]
    Snn(#[from] snn_model::SnnError),

    /// An error of the point-process layer (windows, sequences).
    #[error(transparent)]
    Pp(#[from] pp_core::PpError),

    /// A setting is out of range.
    #[error("{what}: {reason}")]
    Config {
        /// The setting (as named on the command line).
        what: String,
        /// What is wrong with it.
        reason: String,
    },

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// Serialising the summary failed.
    #[error("summary.json: {0}")]
    Json(#[from] serde_json::Error),

    /// Drawing a plot failed.
    #[error("plot {name}: {reason}")]
    Plot {
        /// The plot's file name.
        name: String,
        /// The plotting library's message.
        reason: String,
    },

    /// A computed quantity is not a finite number.
    #[error("{what}: {detail}")]
    Numerical {
        /// The quantity.
        what: String,
        /// The value and where it came from.
        detail: String,
    },
}

impl BenchError {
    /// A [`BenchError::Config`] error.
    ///
    /// ```
    /// let e = bench_suite::BenchError::config("--trials", "must be at least 1");
    /// assert!(matches!(e, bench_suite::BenchError::Config { .. }));
    /// ```
    pub fn config(what: impl Into<String>, reason: impl Into<String>) -> Self {
        BenchError::Config {
            what: what.into(),
            reason: reason.into(),
        }
    }

    /// A [`BenchError::Io`] error about `path`.
    ///
    /// ```
    /// let e = bench_suite::BenchError::io("out", std::io::Error::other("disk full"));
    /// assert_eq!(e.to_string(), "out: disk full");
    /// ```
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        BenchError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = BenchError> = std::result::Result<T, E>;
