//! # snn-model
//!
//! The spike-response-model network of MATH.md §3.
//!
//! ```
//! use pp_core::Intensity;
//! let model = snn_model::SnnBuilder::new(2, 0).bias(vec![0.0, 1.0]).check()?;
//! let mut lam = [0.0; 2];
//! model.intensities(1.0, pp_core::History::empty(), &mut lam);
//! assert_eq!(lam[0], 2.5);
//! # Ok::<(), snn_model::SnnError>(())
//! ```

#![warn(missing_docs)]
// The numeric kernels index several parallel flat buffers with the same loop index.
#![allow(clippy::needless_range_loop)]

pub mod activation;
pub mod basis;
pub mod error;
pub mod fit;
#[cfg(feature = "serde")]
pub mod io;
mod kronrod;
pub mod likelihood;
pub mod model;
pub mod optim;
pub mod potential;
pub mod simulate;
pub mod soft;
pub mod tracker;

pub use activation::Activation;
pub use basis::Basis;
pub use error::{Result, SnnError};
pub use likelihood::{
    CompensatorMethod, Evaluation, LikelihoodOptions, LikelihoodWorkspace, QuadratureOptions,
};
pub use model::{Constraint, Snn, SnnBuilder};
pub use potential::Mark;
pub use simulate::{SimState, Simulator};
pub use tracker::BasisTracker;
