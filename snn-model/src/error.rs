//! The error type of `snn-model`.

use thiserror::Error;

use pp_core::messages::show_number;

/// Everything that can go wrong in `snn-model`.
///
/// Each variant says what was wrong and where (the parameter or file field, the expected and the
/// found shape), so that its message can be shown to a user as it is. Errors of the lower layer
/// (`pp-core`: sequences, windows, compensators) are wrapped in [`SnnError::Pp`].
///
/// ```
/// use snn_model::{SnnBuilder, SnnError};
/// let err = SnnBuilder::new(2, 0).bias(vec![0.0; 3]).check().unwrap_err();
/// assert!(matches!(err, SnnError::Shape { .. }));
/// assert!(err.to_string().contains("bias"));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SnnError {
    /// An error of the point-process layer (sequence, window, compensator).
    #[error(transparent)]
    Pp(#[from] pp_core::PpError),

    /// An error of the thinning sampler (e.g. a bound violation, which would be a bug).
    #[error(transparent)]
    Thinning(#[from] pp_thinning::ThinningError),

    /// An array (parameter, file field, buffer) does not have the expected shape.
    #[error("{field}: expected shape {expected}, found {found}")]
    Shape {
        /// The parameter or field, e.g. `"weights[1][3]"`.
        field: String,
        /// The expected shape, e.g. `"[6]"`.
        expected: String,
        /// The shape found.
        found: String,
    },

    /// A parameter or setting is outside its domain.
    #[error("{field} = {value}: {reason}")]
    InvalidValue {
        /// The parameter or field, e.g. `"basis.scale"`.
        field: String,
        /// The offending value, rendered as text.
        value: String,
        /// What was expected.
        reason: String,
    },

    /// A model file names a format this reader does not know.
    #[error("field `format`: unknown format {found:?}, expected \"srm-snn/v1\"")]
    UnknownFormat {
        /// The `format` string found in the file.
        found: String,
    },

    /// A model file has the right format name but a version this reader does not know.
    #[error("field `format`: unsupported version {found:?}; this reader knows \"srm-snn/v1\" only")]
    UnsupportedVersion {
        /// The `format` string found in the file.
        found: String,
    },

    /// A required field is missing from a model file.
    #[error("missing field `{field}`")]
    MissingField {
        /// Path of the missing field, e.g. `"activation.amplitude"`.
        field: String,
    },

    /// A field that is not part of the format (often a typo).
    #[error("unknown field `{field}` (not part of srm-snn/v1)")]
    UnknownField {
        /// Path of the unexpected field.
        field: String,
    },

    /// A field has the wrong JSON type.
    #[error("field `{field}`: expected {expected}, found {found}")]
    WrongType {
        /// Path of the field.
        field: String,
        /// What was expected (e.g. `"a number"`).
        expected: String,
        /// What was found (e.g. `"a string"`).
        found: String,
    },

    /// The text is not valid JSON.
    #[error("invalid JSON at line {line}, column {column}: {message}")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        message: String,
    },

    /// Reading or writing a file failed.
    #[error("I/O error: {message}")]
    Io {
        /// The operating system's message.
        message: String,
    },

    /// An error inside a named file: wraps the error with the file's path.
    #[error("{path}: {source}")]
    InFile {
        /// The file.
        path: String,
        /// What went wrong in it.
        #[source]
        source: Box<SnnError>,
    },

    /// Events were given out of time order, or a query went back in time.
    #[error(
        "time {} comes before {}: {what} must be non-decreasing",
        show_number(*.time), show_number(*.previous)
    )]
    OutOfOrder {
        /// What was out of order (e.g. `"query times"`).
        what: &'static str,
        /// The earlier time already seen.
        previous: f64,
        /// The offending time.
        time: f64,
    },

    /// A neuron index is out of range.
    #[error("neuron {neuron} is out of range: the model has {n_neurons} neurons")]
    NeuronOutOfRange {
        /// The index given.
        neuron: usize,
        /// Number of neurons.
        n_neurons: usize,
    },

    /// A thinning bound was exceeded by the total intensity (a bug in a bound, never clipped).
    #[error(
        "thinning bound violated at t = {}: total intensity {} > bound {}",
        show_number(*.time), show_number(*.total), show_number(*.bound)
    )]
    BoundViolated {
        /// Candidate time.
        time: f64,
        /// Total intensity there.
        total: f64,
        /// The bound in force.
        bound: f64,
    },

    /// The compensator's quadrature would need more than `limit` sub-intervals on one smooth
    /// piece: the potential of `neuron` varies too steeply there (usually a weight too large to
    /// integrate exactly in reasonable time).
    #[error(
        "the compensator of neuron {neuron} on [{t0:.6e}, {t1:.6e}] would need more than {limit} \
         quadrature sub-intervals: its potential varies by {variation:.3e} across that piece \
         (are the weights too large?)"
    )]
    QuadratureBudget {
        /// The neuron.
        neuron: usize,
        /// Start of the piece.
        t0: f64,
        /// End of the piece.
        t1: f64,
        /// How much the neuron's potential varies across the piece.
        variation: f64,
        /// The limit ([`pp_core::Quadrature::max_subintervals`]).
        limit: usize,
    },

    /// The intensity bound of an `exp` network is infinite: its potentials grow without
    /// bound (positive self- or mutual excitation makes an exp network explode).
    #[error(
        "the network is unstable (exp activation): its rate bound is infinite at time {}{}; \
         lower the excitatory weights, or use a bounded activation (sigmoid, hardtanh)",
        show_number(*.time),
        neuron.map(|(i, u)| format!(" (neuron {i} has potential {} there)", show_number(u)))
            .unwrap_or_default()
    )]
    Unstable {
        /// The time the bound was asked for.
        time: f64,
        /// The neuron of the largest potential at that time, with its potential (when the
        /// history is known).
        neuron: Option<(usize, f64)>,
    },

    /// A computation produced a non-finite value.
    #[error("numerical failure in {what}: {detail}")]
    Numerical {
        /// The computation.
        what: &'static str,
        /// What happened.
        detail: String,
    },
}

impl SnnError {
    /// Whether the error is a numerical failure (non-finite values), here or in pp-core.
    ///
    /// ```
    /// use snn_model::SnnError;
    /// let e = SnnError::from(pp_core::PpError::NonFinite { what: "x", index: 0, value: f64::NAN });
    /// assert!(e.is_numerical());
    /// assert!(!SnnError::MissingField { field: "bias".into() }.is_numerical());
    /// ```
    pub fn is_numerical(&self) -> bool {
        match self {
            SnnError::Numerical { .. } => true,
            SnnError::Pp(p) => p.is_numerical(),
            _ => false,
        }
    }

    /// Wraps the error with the path of the file it occurred in.
    ///
    /// ```
    /// use snn_model::SnnError;
    /// let e = SnnError::MissingField { field: "bias".into() }.in_file("m.json");
    /// assert_eq!(e.to_string(), "m.json: missing field `bias`");
    /// ```
    pub fn in_file(self, path: impl Into<String>) -> Self {
        SnnError::InFile {
            path: path.into(),
            source: Box::new(self),
        }
    }

    pub(crate) fn shape(
        field: impl Into<String>,
        expected: impl ToString,
        found: impl ToString,
    ) -> Self {
        SnnError::Shape {
            field: field.into(),
            expected: expected.to_string(),
            found: found.to_string(),
        }
    }

    pub(crate) fn invalid(
        field: impl Into<String>,
        value: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        SnnError::InvalidValue {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }
}

/// Result alias for `snn-model`.
pub type Result<T> = std::result::Result<T, SnnError>;
