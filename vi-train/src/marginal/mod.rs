//! Honest test metrics for SNNs with hidden neurons: the marginal likelihood `p(O)` of the
//! observed spikes with the hidden neurons integrated out, its importance-weighted bounds, and
//! the observed neurons' predictive intensity for goodness of fit. The derivations (the
//! filter's unbiasedness, resampling, standard error, the predictive intensity and the
//! predictive time rescaling) are in
//! [`docs/derivations/marginal.md`](https://example.invalid/diffsnn-rs/vi-train/docs/derivations/marginal.md)
//! (`vi-train/docs/derivations/marginal.md`).
//!
//! [`vi::evaluate`](crate::vi::evaluate) reports the negative ELBO with `q = p`, i.e.
//! `E[−log p(O | H)]` with hidden spikes from the prior: a loose bound that ranks the
//! data-generating model far below a fitted one. Here:
//!
//! * [`marginal_log_likelihood`]: a particle filter (sequential Monte Carlo) whose particles
//!   are hidden spike histories drawn by exact thinning given the observed history and weighted
//!   by the observed neurons' exact likelihood increments between observed spikes; `p̂(O)` is
//!   unbiased. [`SmcOptions`], [`SmcReport`], [`SequenceEstimate`], [`RunEstimate`],
//!   [`run_seeds`].
//! * [`iwae_bound`]: `log (1/K) Σ_k p(O, H_k)/q(H_k)` with `K` hard samples from `q`
//!   (`K = 1` is one ELBO draw). [`IwaeOptions`], [`IwaeReport`].
//! * [`predictive_intensity`]: `E[λ_o(t) | observed spikes before t]` at query times;
//!   [`marginal_time_rescale`]: the observed spikes rescaled by the integral of that intensity,
//!   i.i.d. Exp(1) under the true model, for pp-core's KS tests. [`PredictiveIntensity`].
//!
//! ```
//! use pp_core::Window;
//! use vi_train::marginal::{SmcOptions, marginal_log_likelihood};
//! let truth = snn_model::SnnBuilder::new(1, 1).random(&mut pp_thinning::sequence_rng(5, 0))?;
//! let data: Vec<_> = truth
//!     .simulate_many(Window::new(0.0, 10.0)?, 3, 2)?
//!     .into_iter()
//!     .map(|s| s.split_dimensions(1).map(|(observed, _)| observed))
//!     .collect::<Result<_, _>>()?;
//! let options = SmcOptions { particles: 100, runs: 2, ..SmcOptions::default() };
//! let report = marginal_log_likelihood(&truth, &data, &options)?;
//! assert_eq!(report.n_sequences(), 2);
//! assert!(report.mean.is_finite() && report.se.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

// The numeric kernels index several parallel flat buffers with the same loop index.
#![allow(clippy::needless_range_loop)]

mod filter;
mod integrate;
mod iwae;
mod likelihood;
mod network;
mod options;
mod particle;
mod predictive;
mod resample;
mod rescale;
mod walk;

pub use filter::run_seeds;
pub use iwae::{IwaeReport, iwae_bound};
pub use likelihood::{RunEstimate, SequenceEstimate, SmcReport, marginal_log_likelihood};
pub use options::{IwaeOptions, SmcOptions};
pub use predictive::{PredictiveIntensity, predictive_intensity};
pub use rescale::marginal_time_rescale;
