//! The error type of the crate.

use pp_core::PpError;
use thiserror::Error;

/// Everything that can go wrong in `diffpp`.
///
/// Each variant says what was wrong and where (which candidate, which coordinate), so that the
/// message can be shown to a user as it is. Errors of the point-process layer are wrapped.
///
/// ```
/// use diffpp::{DiffppError, ExpConcrete};
/// let err = ExpConcrete::new(0.0, vec![0.0, 0.0]).unwrap_err();
/// assert!(matches!(err, DiffppError::InvalidTemperature { .. }));
/// assert!(err.to_string().contains("temperature"));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum DiffppError {
    /// An error of the point-process layer (`pp-core`).
    #[error(transparent)]
    Core(#[from] PpError),

    /// An error of the SNN layer (snn-model), e.g. from the potential trackers of
    /// [`SnnHidden`](crate::snn::SnnHidden).
    #[error(transparent)]
    Snn(#[from] snn_model::SnnError),

    /// The temperature is not a finite positive number.
    #[error("invalid temperature tau = {tau}: need a finite tau > 0")]
    InvalidTemperature {
        /// The temperature given.
        tau: f64,
    },
    /// A distribution over categories needs at least `min` of them.
    #[error("{what} has {found} categories, need at least {min}")]
    TooFewCategories {
        /// What was given (e.g. `"ExpConcrete logits"`).
        what: &'static str,
        /// Number of categories found.
        found: usize,
        /// The minimum.
        min: usize,
    },
    /// Two lengths that must agree do not.
    #[error("length mismatch in {what}: expected {expected}, found {found}")]
    LengthMismatch {
        /// What was measured.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A value that must be finite is NaN or infinite.
    #[error("{what}[{index}] is not finite ({value})")]
    NonFinite {
        /// What kind of value (e.g. `"logit"`, `"Gumbel noise"`).
        what: &'static str,
        /// Its (flat) position.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// Log sub-probabilities whose probabilities sum to 1 or more: the complementary
    /// ('none') category would have probability `<= 0`.
    #[error(
        "the sub-probabilities sum to exp({log_sum}) >= 1: the complementary category needs a sum < 1"
    )]
    SumNotBelowOne {
        /// `logsumexp` of the given log sub-probabilities (`>= 0`).
        log_sum: f64,
    },
    /// The hidden intensities at a candidate reach or exceed the candidate rate: the thinning
    /// bound `sum_h lambda_h(s) < lambda_bar` (docs/math.md §2, §5) is violated. Never clipped.
    #[error(
        "bound violated at candidate {candidate} (time {time}): sum of hidden intensities = {total} >= candidate rate {rate}"
    )]
    BoundViolation {
        /// Index of the candidate.
        candidate: usize,
        /// Its time.
        time: f64,
        /// `sum_h lambda_h(s)` (computed as `rate * exp(logsumexp)`).
        total: f64,
        /// The candidate rate `lambda_bar`.
        rate: f64,
    },
    /// The model returned a log-intensity that is NaN or infinite (`-inf`, an intensity of
    /// exactly 0, is not allowed either: the ExpConcrete logits must be finite).
    #[error(
        "hidden log-intensity {hidden} at candidate {candidate} (time {time}) is not finite ({value})"
    )]
    NonFiniteIntensity {
        /// Index of the candidate.
        candidate: usize,
        /// Its time.
        time: f64,
        /// Index of the hidden dimension.
        hidden: usize,
        /// The value returned by the model.
        value: f64,
    },
    /// The model describes itself inconsistently (zero hidden dimensions, a non-positive
    /// candidate rate, a non-positive support, ...).
    #[error("invalid model: {what} = {value}: {reason}")]
    InvalidModel {
        /// The offending property.
        what: &'static str,
        /// Its value.
        value: f64,
        /// What was expected.
        reason: &'static str,
    },
    /// Supplied noise (candidate times, Gumbel vectors) is malformed.
    #[error("invalid noise: {reason}")]
    InvalidNoise {
        /// What was wrong.
        reason: String,
    },
    /// A soft mark `y` is not on the manifold `logsumexp y = 0`.
    #[error("soft mark {index} is not normalised: logsumexp y = {log_sum} (tolerance {tolerance})")]
    NotNormalised {
        /// Index of the mark (candidate).
        index: usize,
        /// `logsumexp` of the mark.
        log_sum: f64,
        /// The tolerance applied.
        tolerance: f64,
    },
    /// An argument is outside its domain (e.g. a scored-from time outside the trace's window).
    ///
    /// ```
    /// let mut trace = diffpp::Trace::empty(); // window [0, 1]
    /// let err = trace.score_from(2.0).unwrap_err();
    /// assert!(matches!(err, diffpp::DiffppError::InvalidArgument { name: "from", .. }));
    /// ```
    #[error("invalid {name}: {reason}")]
    InvalidArgument {
        /// The argument.
        name: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    /// An operation was asked of a trace made in the other mode (e.g. a path-wise gradient of
    /// a loss in the soft marks of a hard trace).
    #[error("mode mismatch: {reason}")]
    ModeMismatch {
        /// What was wrong.
        reason: &'static str,
    },
}

impl DiffppError {
    /// Whether the error is a numerical failure (non-finite values), here or in the layers
    /// under it.
    ///
    /// ```
    /// use diffpp::DiffppError;
    /// let e = DiffppError::from(pp_core::PpError::NonFinite { what: "x", index: 0, value: f64::NAN });
    /// assert!(e.is_numerical());
    /// ```
    pub fn is_numerical(&self) -> bool {
        match self {
            DiffppError::NonFinite { .. } | DiffppError::NonFiniteIntensity { .. } => true,
            DiffppError::Core(p) => p.is_numerical(),
            DiffppError::Snn(s) => s.is_numerical(),
            _ => false,
        }
    }
}

/// Result alias for `diffpp`.
pub type Result<T> = std::result::Result<T, DiffppError>;
