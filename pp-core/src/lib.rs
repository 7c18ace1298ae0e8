//! # pp-core
//!
//! The foundation of the workspace: validated multivariate event sequences ([`EventSequence`],
//! [`Window`], borrowed [`History`] views and soft-marked [`SoftEvents`]), the small traits a temporal point process implements
//! ([`Intensity`], [`CumulativeIntensity`], [`LogLikelihood`], [`Parametric`],
//! [`LogLikelihoodGradient`]), the log-likelihood (docs/math.md (1.1)) with a pluggable
//! [`Compensator`] ([`ClosedForm`], adaptive Gauss–Legendre [`Quadrature`], [`MonteCarlo`]),
//! homogeneous and inhomogeneous [`Poisson`] processes, the multivariate exponential Hawkes
//! process [`ExpHawkes`] (O(n·D) recursive log-likelihood and exact gradient), time-rescaling
//! goodness of fit ([`time_rescale`], [`ks_exp1`], [`KsPlot`]), windows of a long recording
//! ([`EventSequence::split_windows`], [`ScoredWindow`]), stable log-domain helpers
//! ([`numeric`]) and the shared error type [`PpError`].
//!
//! ```
//! use pp_core::{log_likelihood, ClosedForm, EventSequence, Poisson, Quadrature, Window};
//! let model = Poisson::new(vec![1.0, 0.5])?;
//! let seq = EventSequence::new(Window::new(0.0, 10.0)?, 2, vec![1.2, 3.4, 7.7], vec![0, 1, 0])?;
//! let exact = log_likelihood(&model, &seq, &ClosedForm)?;
//! let quad = log_likelihood(&model, &seq, &Quadrature::default())?;
//! assert!((exact - quad).abs() < 1e-12);
//! # Ok::<(), pp_core::PpError>(())
//! ```
//!
//! Fitting-style use of the Hawkes model: value and exact gradient in one O(n·D) pass, then a
//! goodness-of-fit check by time rescaling.
//!
//! ```
//! use pp_core::{EventSequence, ExpHawkes, LogLikelihoodGradient, Parametric, Window};
//! let model = ExpHawkes::new(vec![0.5, 0.2], vec![0.3, 0.1, 0.2, 0.4], 1.5)?;
//! let seq = EventSequence::new(
//!     Window::new(0.0, 10.0)?, 2, vec![0.7, 1.1, 2.5, 4.0, 6.2, 9.1], vec![0, 1, 1, 0, 0, 1],
//! )?;
//! let mut grad = vec![0.0; model.n_params()]; // μ (2), α row major (4), β
//! let ll = model.log_likelihood_gradient(&seq, &mut grad)?;
//! assert!(ll.is_finite());
//! let rescaled = model.time_rescale(&seq)?; // Exp(1) intervals under the true model
//! let ks = rescaled.ks_test(0)?;
//! assert_eq!(ks.n, 3);
//! # Ok::<(), pp_core::PpError>(())
//! ```

#![warn(missing_docs)]

pub mod compensator;
pub mod error;
pub mod fastmath;
#[cfg(feature = "stats")]
pub mod goodness_of_fit;
pub mod hawkes;
pub mod hawkes_fit;
mod hawkes_likelihood;
pub mod intensity;
pub mod messages;
pub mod numeric;
pub mod poisson;
pub mod quadrature;
pub mod recording_windows;
pub mod rescaling;
pub mod sequence;
pub mod soft_events;
#[cfg(feature = "serde")]
pub mod spike_files;
pub mod window;

pub use compensator::{
    ClosedForm, Compensator, CompensatorMethod, MonteCarlo, Quadrature, event_log_intensity_sum,
    log_likelihood,
};
pub use error::{PpError, Result};
#[cfg(feature = "stats")]
pub use goodness_of_fit::{KsPValueMethod, KsPlot, KsTest, ks_exp1, ks_plot_exp1};
pub use hawkes::ExpHawkes;
pub use hawkes_fit::{
    ExpHawkesFitter, FitStop, HawkesFit, HawkesFitOptions, InitialPoint, StandardErrors,
    fit_exp_hawkes, fit_exp_hawkes_decay,
};
pub use intensity::{
    CumulativeIntensity, Intensity, LogLikelihood, LogLikelihoodGradient, Parametric,
};
pub use poisson::{InhomogeneousPoisson, Poisson};
pub use quadrature::GaussLegendre;
pub use recording_windows::{MAX_WINDOWS, ScoredWindow};
pub use rescaling::{RescaledIntervals, time_rescale};
pub use sequence::{DimensionIndex, EventSequence, History};
pub use soft_events::SoftEvents;
pub use window::Window;
