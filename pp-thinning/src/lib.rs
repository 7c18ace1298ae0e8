//! # pp-thinning
//!
//! Exact simulation of multivariate temporal point processes by thinning (Lewis–Shedler 1979,
//! Ogata 1981; docs/math.md §2), for anything that can report its intensities and a bound on their sum.
//!
//! * The model interface is [`SequentialIntensity`]: a shared immutable model plus a per-sequence
//!   state, evaluated incrementally (`reset`, `intensities_at`, `accept`, `bound`). Any pp-core
//!   [`Intensity`](pp_core::Intensity) becomes one with [`Bounded`]`::new(model, bound)`;
//!   [`pp_core::ExpHawkes`] and [`pp_core::Poisson`] implement it directly in O(D) per candidate
//!   with no history, so 10⁶ Hawkes events cost O(10⁶ · D), and streaming runs need constant
//!   memory.
//! * Bounds ([`Bound`], [`BoundSpec`]): a global constant ([`GlobalBound`], e.g. `Σ_i a_i` for
//!   sigmoid activations), the exp-Hawkes local bound ([`ExpHawkesBound`]: the intensity just
//!   after the last event, valid until the next one), and any user local bound with a horizon
//!   ([`FnBound`]) for unbounded activations.
//! * The sampler [`Thinning`] is an immutable value in `rand_distr` style, generic over any
//!   [`rand::Rng`]. A candidate whose total intensity exceeds the bound is an error
//!   ([`ThinningError::BoundViolation`], naming the time, intensity and bound), never a clipped
//!   probability. Options ([`ThinningOptions`]): maximum number of events with an error or a
//!   flagged truncation, record of rejected candidates; [`ThinningStats`] gives the counts and
//!   the acceptance rate.
//! * Forms: [`Thinning::sample`] (a pp-core [`EventSequence`](pp_core::EventSequence)),
//!   [`Thinning::sample_with`] (callback) and [`Thinning::events`] (iterator) that store
//!   nothing, [`Thinning::sample_many`] / [`Thinning::map_sequences`] (rayon, one generator per
//!   sequence from [`sequence_rng`]`(seed, k)`: the same bits for any number of threads).
//!
//! ```
//! use pp_core::{ExpHawkes, Window};
//! use pp_thinning::Thinning;
//! use rand::SeedableRng;
//! // Two mutually exciting dimensions, spectral radius of α below 1 (stationary).
//! let model = ExpHawkes::new(vec![0.5, 0.2], vec![0.3, 0.2, 0.1, 0.4], 2.0)?;
//! let sampler = Thinning::new(model, Window::new(0.0, 1000.0)?)?;
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2024);
//! let sample = sampler.sample(&mut rng)?;
//! assert_eq!(sample.stats.accepted as usize, sample.sequence.len());
//! println!("{} events, acceptance rate {:?}", sample.sequence.len(), sample.stats.acceptance_rate());
//! # Ok::<(), pp_thinning::ThinningError>(())
//! ```

#![warn(missing_docs)]

pub mod bound;
mod engine;
pub mod error;
pub mod models;
pub mod parallel;
pub mod sampler;
pub mod sequential;

pub use bound::{Bound, BoundSpec, ExpHawkesBound, FnBound, GlobalBound};
pub use error::{BOUND_SLACK, Result, ThinningError};
pub use models::ExpHawkesState;
pub use parallel::sequence_rng;
pub use sampler::{
    Event, Events, OnMaxEvents, Sample, StopReason, Thinning, ThinningOptions, ThinningStats,
    Workspace,
};
pub use sequential::{Bounded, HistoryBuffer, SequentialIntensity};
