//! The error type of the `diffsnn` program.

use std::path::Path;

use pp_core::spike_files::FileError;
use thiserror::Error;

/// Everything that can go wrong in the `diffsnn` program.
///
/// Every variant says what was wrong and where: the file, and inside a file the field or line,
/// and for arguments the flag. The errors of the libraries are wrapped with their meaning
/// kept: spike files ([`pp_core::spike_files::FileError`]), [`pp_core::PpError`] (sequences,
/// windows, compensators), [`snn_model::SnnError`] (models, model files, simulation),
/// [`diffpp::DiffppError`] and [`vi_train::ViError`] (training, evaluation). The message of
/// each variant can be shown to a user as it is; the program prints `error: <message>` and
/// exits with a non-zero status.
///
/// ```
/// use diffsnn_cli::CliError;
/// let err = diffsnn_cli::io::parse_query_times("0.5\nabc\n", "times.txt").unwrap_err();
/// assert!(matches!(err, CliError::QueryTime { line: 2, .. }));
/// assert_eq!(err.to_string(), "times.txt, line 2: `abc` is not a number");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CliError {
    /// An error of training or evaluation (vi-train).
    #[error(transparent)]
    Vi(#[from] vi_train::ViError),

    /// An error in a spike-train file.
    #[error(transparent)]
    SpikeFile(pp_core::spike_files::FileError),

    /// An error of the point-process layer (sequence, window, compensator).
    #[error(transparent)]
    Pp(#[from] pp_core::PpError),

    /// An error of the SNN layer (model, model file, likelihood, simulation).
    #[error(transparent)]
    Snn(#[from] snn_model::SnnError),

    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A file is empty (or holds only white space).
    #[error("{path}: the file is empty{hint}")]
    EmptyFile {
        /// The file.
        path: String,
        /// What was expected in it (starts with `: ` when not empty).
        hint: String,
    },

    /// A CSV file could not be parsed (wrong number of fields, bad quoting, …).
    #[error("{path}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Csv {
        /// The file.
        path: String,
        /// 1-based line, when known.
        line: Option<u64>,
        /// What was wrong.
        message: String,
    },

    /// A field of a file is missing, has the wrong type, or a value that is not allowed.
    #[error("{path}: field `{field}`: {reason}")]
    Field {
        /// The file.
        path: String,
        /// The field path, e.g. `sequences[2].times[7]` or `epoch` (a CSV column).
        field: String,
        /// What was wrong.
        reason: String,
    },

    /// A file holds no data of the kind needed (no spike rows, no query times, no loss rows).
    #[error("{path}: no {what} found")]
    NoData {
        /// The file.
        path: String,
        /// What was looked for, e.g. `query times (one time per line)`.
        what: String,
    },

    /// A query time could not be read.
    #[error("{path}, line {line}: {reason}")]
    QueryTime {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// What was wrong.
        reason: String,
    },

    /// The type of a file could not be recognised from its name or its content.
    #[error("{path}: {reason}")]
    UnknownFileType {
        /// The file.
        path: String,
        /// What was found and what is accepted.
        reason: String,
    },

    /// A command-line argument or a combination of arguments is invalid.
    #[error("{name}: {reason}")]
    InvalidArgument {
        /// The argument, e.g. `--t-end`.
        name: String,
        /// What was wrong.
        reason: String,
    },

    /// A model and a spike file (or two inputs) disagree.
    #[error("{reason}")]
    Mismatch {
        /// What disagrees, with the values and the files.
        reason: String,
    },

    /// A computation produced a value that cannot be reported (NaN or infinite).
    #[error("numerical failure in {what}: {detail}")]
    Numerical {
        /// The computation.
        what: &'static str,
        /// What happened.
        detail: String,
    },

    /// An error of the differentiable point process (∂PP sampler, reverse sweep).
    #[error(transparent)]
    Diffpp(#[from] diffpp::DiffppError),

    /// An error met while evaluating a model on one sequence of a spike file: names both.
    #[error("{model}, sequence {sequence}: {source}")]
    Evaluating {
        /// The model file.
        model: String,
        /// The sequence of the spike file.
        sequence: usize,
        /// What went wrong.
        #[source]
        source: Box<CliError>,
    },

    /// Drawing a picture failed.
    #[error("plot: {0}")]
    Plot(String),
}

/// A spike-file error as the program reports it: as it is, except that an empty default
/// window of a CSV file names the flag that sets the window.
impl From<FileError> for CliError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::EmptyDefaultWindow { path, last_spike } => CliError::argument(
                "--window",
                format!(
                    "{path}: the default window [0, last spike] = [0, {last_spike}] is empty; \
                     give the window with --window T0,T1"
                ),
            ),
            other => CliError::SpikeFile(other),
        }
    }
}

impl CliError {
    /// Wraps the error with the model file and the sequence it was met on.
    ///
    /// ```
    /// let e = diffsnn_cli::CliError::argument("x", "y").evaluating("m.json", 3);
    /// assert_eq!(e.to_string(), "m.json, sequence 3: x: y");
    /// ```
    pub fn evaluating(self, model: impl AsRef<Path>, sequence: usize) -> Self {
        CliError::Evaluating {
            model: model.as_ref().display().to_string(),
            sequence,
            source: Box::new(self),
        }
    }

    /// An I/O error on `path`.
    ///
    /// ```
    /// let e = diffsnn_cli::CliError::io("a.json", std::io::Error::other("disk full"));
    /// assert_eq!(e.to_string(), "a.json: disk full");
    /// ```
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        CliError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// An invalid command-line argument.
    ///
    /// ```
    /// let e = diffsnn_cli::CliError::argument("--t-end", "must be positive, got -1");
    /// assert_eq!(e.to_string(), "--t-end: must be positive, got -1");
    /// ```
    pub fn argument(name: impl Into<String>, reason: impl Into<String>) -> Self {
        CliError::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// A field error in `path`.
    ///
    /// ```
    /// let e = diffsnn_cli::CliError::field("s.json", "n_neurons", "missing");
    /// assert_eq!(e.to_string(), "s.json: field `n_neurons`: missing");
    /// ```
    pub fn field(
        path: impl Into<String>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        CliError::Field {
            path: path.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Result alias for the program.
pub type Result<T> = std::result::Result<T, CliError>;
