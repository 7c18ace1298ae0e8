//! The error type shared by the whole workspace's lowest layer.

use thiserror::Error;

use crate::messages::show_number;

/// Everything that can go wrong in `pp-core`.
///
/// Every variant says *what* was wrong and *where* (the index of the offending event, the name of
/// the offending parameter), so that a message can be shown to a user as it is.
///
/// ```
/// use pp_core::{EventSequence, PpError, Window};
/// let err = EventSequence::new(Window::new(0.0, 1.0).unwrap(), 2, vec![0.5, 0.2], vec![0, 1])
///     .unwrap_err();
/// assert!(matches!(err, PpError::Unsorted { index: 1, .. }));
/// assert!(err.to_string().contains("event 1"));
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum PpError {
    /// The observation window is not a finite interval with `t0 < t1`.
    #[error("invalid window [{}, {}]: need finite t0 < t1", show_number(*.t0), show_number(*.t1))]
    InvalidWindow {
        /// Start of the window as given.
        t0: f64,
        /// End of the window as given.
        t1: f64,
    },
    /// A time or other value is NaN or infinite.
    #[error("{what} {index} is not finite ({value})")]
    NonFinite {
        /// What kind of value (e.g. `"soft event time"`).
        what: &'static str,
        /// Its position.
        index: usize,
        /// The value found.
        value: f64,
    },
    /// An event time is NaN or infinite.
    #[error("event {index} at time {value}: times must be finite")]
    NonFiniteTime {
        /// Index of the event.
        index: usize,
        /// The time found.
        value: f64,
    },
    /// Event times are not increasing.
    #[error(
        "event {index} at time {} comes before the previous event at {}: times must be increasing",
        show_number(*.time), show_number(*.previous)
    )]
    Unsorted {
        /// Index of the first event out of order.
        index: usize,
        /// Time of the event before it.
        previous: f64,
        /// Its time.
        time: f64,
    },
    /// Two events share a time.
    #[error(
        "events {} and {index} share the time {}: times must be strictly increasing",
        index - 1, show_number(*.time)
    )]
    DuplicateTime {
        /// Index of the second event of the pair.
        index: usize,
        /// The shared time.
        time: f64,
    },
    /// An event lies outside the observation window.
    #[error(
        "event {index} at time {} lies outside the window [{}, {}]",
        show_number(*.time), show_number(*.t0), show_number(*.t1)
    )]
    OutsideWindow {
        /// Index of the event.
        index: usize,
        /// Its time.
        time: f64,
        /// Window start.
        t0: f64,
        /// Window end.
        t1: f64,
    },
    /// An event's mark (dimension, neuron) is not below the number of dimensions.
    #[error("event {index} has mark {mark}, but there are only {dim} dimensions (marks 0..{dim})")]
    MarkOutOfRange {
        /// Index of the event.
        index: usize,
        /// Its mark.
        mark: u32,
        /// The number of dimensions.
        dim: usize,
    },
    /// Two lengths that must agree do not.
    #[error("length mismatch in {what}: expected {expected}, found {found}")]
    LengthMismatch {
        /// What was measured (e.g. `"marks vs times"`).
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Length found.
        found: usize,
    },
    /// A model and a sequence (or two models) disagree on the number of dimensions.
    #[error("dimension mismatch: the model has {expected} dimensions, the {what} has {found}")]
    DimensionMismatch {
        /// What was checked against the model (e.g. `"sequence"`).
        what: &'static str,
        /// The model's dimension.
        expected: usize,
        /// The dimension found.
        found: usize,
    },
    /// A parameter is outside its domain (a non-positive rate, a negative excitation, ...).
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// Name and position of the parameter, e.g. `"mu[2]"`.
        name: String,
        /// The value given.
        value: f64,
        /// What was expected.
        reason: &'static str,
    },
    /// An argument of a function call is invalid (e.g. zero quadrature points).
    #[error("invalid argument {name}: {reason}")]
    InvalidArgument {
        /// Name of the argument.
        name: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The intensity of the dimension that fired is zero or negative at an event, so the
    /// log-likelihood would be `-inf` (or undefined).
    #[error(
        "intensity of dimension {mark} at event {index} (time {}) is {value}: the log-likelihood is not finite",
        show_number(*.time)
    )]
    NonPositiveIntensity {
        /// Index of the event.
        index: usize,
        /// Its time.
        time: f64,
        /// Its mark.
        mark: u32,
        /// The intensity value found.
        value: f64,
    },
    /// A dimension has too few events for the requested statistic (e.g. a goodness-of-fit test
    /// of a dimension that never fired).
    #[error("dimension {dim} has {found} rescaled intervals, at least {needed} are needed")]
    TooFewEvents {
        /// The dimension (mark).
        dim: usize,
        /// Number of events (rescaled intervals) found.
        found: usize,
        /// The minimum needed.
        needed: usize,
    },
    /// A Hawkes process is not stationary: the spectral radius of its branching matrix `α` is
    /// at least 1, so its mean rates are infinite.
    #[error(
        "the spectral radius of the branching matrix alpha is {spectral_radius} >= 1: the process is not stationary"
    )]
    NotStationary {
        /// The spectral radius found.
        spectral_radius: f64,
    },
    /// A numerical procedure produced a non-finite value or did not reach its tolerance.
    #[error("numerical failure in {what}: {detail}")]
    Numerical {
        /// The procedure (e.g. `"quadrature compensator"`).
        what: &'static str,
        /// What happened.
        detail: String,
    },
}

impl PpError {
    /// Whether the error is a numerical failure (a non-finite or non-positive value where a
    /// finite positive one belongs), as opposed to an invalid input or setting.
    ///
    /// ```
    /// use pp_core::PpError;
    /// assert!(PpError::NonFinite { what: "x", index: 0, value: f64::NAN }.is_numerical());
    /// assert!(!PpError::Unsorted { index: 1, previous: 2.0, time: 1.0 }.is_numerical());
    /// ```
    pub fn is_numerical(&self) -> bool {
        matches!(
            self,
            PpError::Numerical { .. }
                | PpError::NonPositiveIntensity { .. }
                | PpError::NonFinite { .. }
                | PpError::NonFiniteTime { .. }
        )
    }
}

/// Result alias for `pp-core`.
///
/// ```
/// fn duration(t0: f64, t1: f64) -> pp_core::Result<f64> {
///     Ok(pp_core::Window::new(t0, t1)?.duration())
/// }
/// assert_eq!(duration(1.0, 3.0), Ok(2.0));
/// ```
pub type Result<T> = std::result::Result<T, PpError>;
