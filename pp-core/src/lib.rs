//! # pp-core
//!
//! The foundation of the workspace: validated multivariate event sequences, the small traits a
//! temporal point process implements ([`Intensity`], [`CumulativeIntensity`], [`LogLikelihood`],
//! [`LogLikelihoodGradient`]), the log-likelihood (MATH.md (1.1)) with a pluggable
//! [`Compensator`] (closed form, adaptive Gauss–Legendre [`Quadrature`], [`MonteCarlo`]),
//! Poisson and exponential Hawkes models, time-rescaling goodness of fit, stable log-domain
//! helpers and the shared error type [`PpError`].
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

#![warn(missing_docs)]

pub mod compensator;
pub mod error;
pub mod gauss_legendre;
pub mod goodness_of_fit;
pub mod hawkes;
mod hawkes_likelihood;
pub mod intensity;
pub mod numeric;
pub mod poisson;
pub mod rescaling;
pub mod sequence;
pub mod window;

pub use compensator::{
    ClosedForm, Compensator, MonteCarlo, Quadrature, event_log_intensity_sum, log_likelihood,
};
pub use error::{PpError, Result};
pub use gauss_legendre::GaussLegendre;
pub use goodness_of_fit::{KsPValueMethod, KsPlot, KsTest, ks_exp1, ks_plot_exp1};
pub use hawkes::ExpHawkes;
pub use intensity::{
    CumulativeIntensity, Intensity, LogLikelihood, LogLikelihoodGradient, Parametric,
};
pub use poisson::{InhomogeneousPoisson, Poisson};
pub use rescaling::{RescaledIntervals, time_rescale};
pub use sequence::{DimensionIndex, EventSequence, History};
pub use window::Window;
