//! The error type of `vi-train` and of the `diffsnn` program.

use std::path::Path;

use thiserror::Error;

/// Everything that can go wrong in `vi-train` and the `diffsnn` program.
///
/// Every variant says what was wrong and where: the file, and inside a spike file the sequence,
/// the event (or CSV line) and the field. Errors of the lower layers are wrapped:
/// [`pp_core::PpError`] (sequences, windows, compensators) and [`snn_model::SnnError`] (models,
/// model files, simulation). The message of each variant can be shown to a user as it is; the
/// program prints `error: <message>` and exits with a non-zero status.
///
/// ```
/// use vi_train::ViError;
/// let err = vi_train::io::parse_query_times("0.5\nabc\n", "times.txt").unwrap_err();
/// assert!(matches!(err, ViError::QueryTime { line: 2, .. }));
/// assert_eq!(err.to_string(), "times.txt, line 2: `abc` is not a number");
/// ```
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ViError {
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

    /// A JSON file is not valid JSON (this includes a truncated file).
    #[error("{path}: invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
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

    /// A file declares a format this reader does not know.
    #[error("{path}: field `format`: unknown format {found:?}, expected {expected:?}")]
    UnknownFormat {
        /// The file.
        path: String,
        /// The `format` string found.
        found: String,
        /// The format this reader knows.
        expected: &'static str,
    },

    /// A file has the right format name but a version this reader does not know.
    #[error(
        "{path}: field `format`: unsupported version {found:?}; this reader knows {expected:?} only"
    )]
    UnsupportedVersion {
        /// The file.
        path: String,
        /// The `format` string found.
        found: String,
        /// The format this reader knows.
        expected: &'static str,
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

    /// A sequence of a spike file breaks a rule of event sequences (unsorted or duplicate
    /// times, a spike outside the window, a neuron out of range, a non-finite time, a reversed
    /// window, times and neurons of different lengths). The wrapped [`pp_core::PpError`] names
    /// the event; `field` names the field of the file, `line` the CSV line of the event.
    #[error(
        "{path}: sequence {sequence}, field `{field}`{}: {source}",
        line.map(|l| format!(" (line {l})")).unwrap_or_default()
    )]
    Sequence {
        /// The file.
        path: String,
        /// Index of the sequence in the file.
        sequence: usize,
        /// The field (`times`, `neurons`, `window`, or a CSV column).
        field: &'static str,
        /// The CSV line of the offending event (CSV files only).
        line: Option<u64>,
        /// The rule that was broken.
        #[source]
        source: pp_core::PpError,
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

    /// Training diverged: the loss, a gradient or the parameters stopped being finite (or the
    /// loss exceeded the configured limit). Training stops with this error instead of
    /// writing NaN parameters.
    #[error("training diverged at epoch {epoch}, sequence {sequence}: {reason}")]
    Diverged {
        /// The epoch (0-based).
        epoch: usize,
        /// The index of the sequence being processed (the first of its mini-batch).
        sequence: usize,
        /// What stopped being finite, or the error met.
        reason: String,
    },

    /// Drawing a picture failed.
    #[error("plot: {0}")]
    Plot(String),
}

impl ViError {
    /// An I/O error on `path`.
    ///
    /// ```
    /// let e = vi_train::ViError::io("a.json", std::io::Error::other("disk full"));
    /// assert_eq!(e.to_string(), "a.json: disk full");
    /// ```
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        ViError::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }

    /// An invalid command-line argument.
    ///
    /// ```
    /// let e = vi_train::ViError::argument("--t-end", "must be positive, got -1");
    /// assert_eq!(e.to_string(), "--t-end: must be positive, got -1");
    /// ```
    pub fn argument(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ViError::InvalidArgument {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// A field error in `path`.
    ///
    /// ```
    /// let e = vi_train::ViError::field("s.json", "n_neurons", "missing");
    /// assert_eq!(e.to_string(), "s.json: field `n_neurons`: missing");
    /// ```
    pub fn field(
        path: impl Into<String>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        ViError::Field {
            path: path.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Result alias for `vi-train`.
pub type Result<T> = std::result::Result<T, ViError>;
