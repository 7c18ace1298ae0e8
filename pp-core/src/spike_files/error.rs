//! The error of the spike-file readers: what was wrong, in which file, and where in it.

use thiserror::Error;

use crate::PpError;

/// Everything that can go wrong reading or building spike-train files. Each variant names the
/// file (the `path` given to the parser) and the place in it (field, sequence, line).
///
/// ```
/// use pp_core::spike_files::{FileError, SpikeTrains};
/// let err = SpikeTrains::from_json_str("{", "s.json").unwrap_err();
/// assert!(matches!(err, FileError::Json { line: 1, .. }));
/// assert!(err.to_string().starts_with("s.json: invalid JSON"));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum FileError {
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
    /// window, times and neurons of different lengths). The wrapped [`PpError`] names
    /// the event; `field` names the field of the file, `line` the CSV line of the event.
    #[error(
        "{path}: sequence {sequence}, field `{field}`{}: {}",
        line.map(|l| format!(" (line {l})")).unwrap_or_default(),
        in_spike_words(source)
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
        source: PpError,
    },

    /// A file holds no data of the kind needed (no spike rows, no query times, no loss rows).
    #[error("{path}: no {what} found")]
    NoData {
        /// The file.
        path: String,
        /// What was looked for, e.g. `query times (one time per line)`.
        what: String,
    },

    /// A CSV file read without a window, whose default window `[0, last spike]` is empty (no
    /// spike after time 0).
    #[error(
        "{path}: the default window [0, last spike] = [0, {last_spike}] is empty: give the window explicitly"
    )]
    EmptyDefaultWindow {
        /// The file.
        path: String,
        /// The time of the last spike of the file.
        last_spike: f64,
    },

    /// The sequences given do not fit together (none, or a dimension other than the
    /// collection's number of neurons).
    #[error("{reason}")]
    Mismatch {
        /// What does not fit.
        reason: String,
    },
}

impl FileError {
    /// A [`FileError::Field`].
    ///
    /// ```
    /// let e = pp_core::spike_files::FileError::field("s.json", "n_neurons", "must be at least 1");
    /// assert_eq!(e.to_string(), "s.json: field `n_neurons`: must be at least 1");
    /// ```
    pub fn field(
        path: impl Into<String>,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        FileError::Field {
            path: path.into(),
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// A rule of event sequences broken in a spike file, said in the file's words: spikes and
/// neurons rather than events and marks (the other rules as pp-core says them).
///
/// ```
/// let err = pp_core::spike_files::SpikeTrains::from_json_str(
///     r#"{"format": "spikes/v1", "n_neurons": 3, "sequences": [
///         {"window": [0, 5], "times": [1.0, 2.0], "neurons": [0, 5]}]}"#, "s.json").unwrap_err();
/// assert_eq!(err.to_string(),
///     "s.json: sequence 0, field `neurons`: spike 1 is of neuron 5, but there are only 3 neurons (0..3)");
/// ```
fn in_spike_words(e: &PpError) -> String {
    use crate::messages::show_number as n;
    match e {
        PpError::MarkOutOfRange { index, mark, dim } => {
            format!(
                "spike {index} is of neuron {mark}, but there are only {dim} neurons (0..{dim})"
            )
        }
        PpError::NonFiniteTime { index, value } => {
            format!("spike {index} at time {value}: times must be finite")
        }
        PpError::Unsorted {
            index,
            previous,
            time,
        } => format!(
            "spike {index} at time {} comes before the previous spike at {}: times must be \
             increasing",
            n(*time),
            n(*previous)
        ),
        PpError::DuplicateTime { index, time } => format!(
            "spikes {} and {index} share the time {}: times must be strictly increasing",
            index - 1,
            n(*time)
        ),
        PpError::OutsideWindow {
            index,
            time,
            t0,
            t1,
        } => format!(
            "spike {index} at time {} lies outside the window [{}, {}]",
            n(*time),
            n(*t0),
            n(*t1)
        ),
        other => other.to_string(),
    }
}
