//! The error type of the thinning sampler.

use pp_core::PpError;
use thiserror::Error;

/// Relative slack allowed when comparing the total intensity with the bound at a candidate:
/// `Σ_i λ_i(s) > λ̄ · (1 + BOUND_SLACK)` is a [`ThinningError::BoundViolation`].
///
/// The slack only absorbs rounding: a bound that is mathematically equal to the intensity (the
/// exp-Hawkes local bound is the intensity itself right after an event) may be computed by a
/// different summation order than the intensities and differ from them by a few ulps. `1e-12`
/// is about 4500 ulps, far above such rounding and far below any real modelling error. Inside the
/// slack the acceptance probability is not clipped: the category draw compares `u · λ̄` with the
/// cumulative intensities, so the last category is favoured by at most the excess (`≤ 1e-12`).
///
/// ```
/// assert_eq!(pp_thinning::BOUND_SLACK, 1e-12);
/// ```
pub const BOUND_SLACK: f64 = 1e-12;

/// Everything that can go wrong while thinning.
///
/// Every variant names the time at which it happened, so a bad bound or a broken model can be
/// found from the message alone.
///
/// ```
/// use pp_core::{Poisson, Window};
/// use pp_thinning::{Bounded, GlobalBound, Thinning, ThinningError};
/// use rand::SeedableRng;
/// // A Poisson process of rate 2 with a (wrong) bound of 1.
/// let model = Bounded::new(Poisson::new(vec![2.0])?, GlobalBound::new(1.0)?);
/// let sampler = Thinning::new(model, Window::new(0.0, 10.0)?)?;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let err = sampler.sample(&mut rng).unwrap_err();
/// assert!(matches!(err, ThinningError::BoundViolation { intensity: 2.0, bound: 1.0, .. }));
/// assert!(err.to_string().contains("exceeds the bound 1"));
/// # Ok::<(), ThinningError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ThinningError {
    /// At a candidate the total intensity exceeded the bound (beyond [`BOUND_SLACK`]): the bound
    /// was wrong, and the sample would not be exact.
    #[error(
        "bound violated at time {time}: the total intensity {intensity} exceeds the bound {bound} \
         (allowed relative slack {BOUND_SLACK:e})"
    )]
    BoundViolation {
        /// Time of the candidate.
        time: f64,
        /// `Σ_i λ_i(time)`.
        intensity: f64,
        /// The bound `λ̄` in force at that time.
        bound: f64,
    },
    /// A bound was not usable: its rate is negative, NaN or infinite, or its horizon is not
    /// after the time it was asked for (the sampler could not make progress).
    #[error(
        "invalid bound at time {time}: rate {rate}, valid until {valid_until}; need a finite \
         rate >= 0 and valid_until > {time}"
    )]
    InvalidBound {
        /// Time at which the bound was asked for.
        time: f64,
        /// The rate returned.
        rate: f64,
        /// The horizon returned.
        valid_until: f64,
    },
    /// The model returned a negative, NaN or infinite intensity at a candidate.
    #[error(
        "intensity of dimension {dim} at time {time} is {value}: intensities must be finite and >= 0"
    )]
    InvalidIntensity {
        /// Time of the candidate.
        time: f64,
        /// The dimension whose intensity is invalid.
        dim: usize,
        /// The value returned.
        value: f64,
    },
    /// More than the allowed number of events would have been accepted, and the options ask for
    /// an error in that case ([`OnMaxEvents::Error`](crate::OnMaxEvents::Error)).
    #[error(
        "more than {max} events: event number {} would have been accepted at time {time} \
         (raise max_events, or choose OnMaxEvents::Truncate)", max + 1
    )]
    TooManyEvents {
        /// The maximum number of events allowed.
        max: usize,
        /// Time of the first event beyond the maximum.
        time: f64,
    },
    /// More than the allowed number of candidates would have been drawn
    /// ([`ThinningOptions::max_candidates`](crate::ThinningOptions::max_candidates)).
    #[error(
        "more than {max} candidates by time {time:e} (the bound there is {bound:e} per unit \
         time): the simulation would run far too long; check the model's parameters, or raise \
         the limit"
    )]
    TooManyCandidates {
        /// The maximum number of candidates allowed.
        max: u64,
        /// Time of the first candidate beyond the maximum.
        time: f64,
        /// The bound's rate at that time.
        bound: f64,
    },
    /// An error from `pp-core` (an invalid window, dimension, sequence or parameter).
    #[error(transparent)]
    Core(#[from] PpError),
}

/// Result alias for `pp-thinning`.
pub type Result<T> = std::result::Result<T, ThinningError>;
