//! # snn-model
//!
//! The spike-response-model network of docs/math.md §3, agreeing with the PyTorch reference to
//! float64 precision.
//!
//! * [`SnnBuilder`] → [`Snn`] (one validated `check()`): biases, weights `[k][i][j]`, connection
//!   mask, [`Basis`] (Epanechnikov as the reference, exponential, alpha), [`Activation`]
//!   (scaled sigmoid, exp, hardtanh), observed/hidden partition, [`Constraint`] (refractory
//!   diagonal ≤ −0.1 by default, applied by [`Snn::project`]), random initialisation as the
//!   reference ([`SnnBuilder::random`]).
//! * Membrane potentials: the direct sum over the kernel window ([`Snn::potentials_direct`], the
//!   oracle), the incremental [`PotentialTracker`] (all `N` potentials in `O(N·K)` per query
//!   for the Epanechnikov basis, by windowed sums in target space) and the [`BasisTracker`]
//!   (the `K·N` basis activations, running per-basis polynomial or decaying sums, `O(N·K)` per
//!   query whatever the window holds; one-hot or soft marks).
//! * pp-core's [`Intensity`](pp_core::Intensity) with breakpoints, [`LogLikelihood`](pp_core::LogLikelihood)
//!   and [`LogLikelihoodGradient`](pp_core::LogLikelihoodGradient); the penalised objective with
//!   its exact gradient ([`Snn::objective`], [`LikelihoodWorkspace`]): quadrature between
//!   breakpoints (default; Gauss–Legendre of an a priori order for Epanechnikov, adaptive
//!   Gauss–Kronrod otherwise) or Monte Carlo.
//! * Exact simulation through pp-thinning ([`Simulator`], [`Snn::simulate`]).
//! * `srm-snn/v1` model files ([`Snn::read_json`], [`Snn::write_json`]; feature `serde`, on by
//!   default), optimisers ([`optim`]) and full-batch maximum likelihood ([`fit`]).
//!
//! ```
//! use pp_core::{Intensity, Window};
//! use rand::SeedableRng;
//! use snn_model::{LikelihoodOptions, SnnBuilder};
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
//! let model = SnnBuilder::new(2, 4).random(&mut rng)?; // as the reference: 2 observed, 4 hidden
//! let seq = model.simulate(Window::new(0.0, 50.0)?, &mut rng)?;
//! let mut grad = vec![0.0; 6 + 2 * 36];
//! let eval = model.objective(&seq, &LikelihoodOptions::default(), Some(&mut grad))?;
//! assert!(eval.objective().is_finite() && grad.iter().all(|g| g.is_finite()));
//! # Ok::<(), snn_model::SnnError>(())
//! ```

#![warn(missing_docs)]
// The numeric kernels index several parallel flat buffers with the same loop index.
#![allow(clippy::needless_range_loop)]

pub mod activation;
pub mod basis;
pub mod error;
pub mod fit;
pub mod incremental;
#[cfg(feature = "serde")]
pub mod io;
pub mod likelihood;
pub mod model;
pub mod optim;
pub mod potential;
pub mod potential_tracker;
pub mod simulate;
pub mod soft;
pub mod tracker;

pub use activation::Activation;
pub use basis::Basis;
pub use error::{Result, SnnError};
pub use incremental::Incremental;
pub use likelihood::{CompensatorMethod, Evaluation, LikelihoodOptions, LikelihoodWorkspace};
pub use model::{Constraint, Snn, SnnBuilder};
pub use potential::Mark;
pub use potential_tracker::PotentialTracker;
pub use simulate::{SimState, Simulator};
pub use tracker::BasisTracker;
