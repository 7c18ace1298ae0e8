//! # diffpp
//!
//! The ExpConcrete (Gumbel-softmax) distribution and the differentiable point process (∂PP) of
//! docs/math.md §4–5.
//!
//! * [`expconcrete`]: the ExpConcrete log density (4.1) (exactly torch's
//!   `ExpRelaxedCategorical.log_prob`), reparameterised and hard samples from Gumbel noise, exact
//!   derivatives; [`ExpConcrete`] is the validated distribution object.
//! * [`numeric`]: stable log-domain helpers (re-exported from `pp_core::numeric`) and the
//!   "complete" log-probability vector of (5.1) with its VJP.
//! * [`SoftHiddenIntensity`]: what a model implements to be sampled as a ∂PP (hidden
//!   log-intensities from a [`SoftEvents`], and their vector–Jacobian product).
//! * [`DiffPP`]: the sampler (candidates at rate `λ̄`, categories (5.1), soft or hard marks) from
//!   drawn or supplied [`Noise`]; it returns a [`Trace`] with `log q` (5.2).
//! * [`gradient_through_sample`] / [`gradient_fixed_sample`]: the exact reverse sweep through
//!   the whole sequence (derivation in `docs/derivations/reverse_sweep.md`), run by the model's
//!   own [`SoftHiddenIntensity::reverse_sweep`] (generic by default, specialised for the SNN).
//! * [`LinearSigmoidModel`]: a small SRM-shaped reference model for tests and benchmarks.
//! * [`snn::SnnHidden`]: the hidden neurons of an `snn_model::Snn` (observed spikes held fixed)
//!   as a ∂PP model — the SRM of docs/math.md §3 sampled and differentiated as in §5–6, with an
//!   incremental evaluator of the hidden potentials and a specialised reverse sweep.
//!
//! ```
//! use diffpp::{DiffPP, LinearSigmoidModel, Mode, ReverseWorkspace, SoftHiddenIntensity,
//!     gradient_through_sample};
//! use rand::SeedableRng;
//! let mut model = LinearSigmoidModel::new(3, 5.0, 1e-6, vec![0.0, 2.0], 1.0)?;
//! let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(11);
//! model.randomize(&mut rng, 1.0, 2.0);
//! let window = pp_core::Window::new(0.0, 4.0)?;
//! let noise = DiffPP::draw_noise(&model, window, &mut rng)?;
//! let trace = DiffPP::new(window, Mode::soft(0.3)?).sample_with_noise(&model, &noise)?;
//! // gradient of Σ_k d_k[0] (a loss in the soft spikes) through the whole sampled sequence
//! let mut dl_dd = vec![0.0; trace.weights().len()];
//! for k in 0..trace.len() { dl_dd[k * 3] = 1.0; }
//! let mut dl_dy = vec![0.0; trace.y().len()];
//! diffpp::weight_adjoint_to_mark_adjoint(&trace, &dl_dd, &mut dl_dy)?;
//! let mut grad = vec![0.0; model.n_params()];
//! gradient_through_sample(&model, &trace, 0.0, Some(&dl_dy), &mut grad, &mut ReverseWorkspace::new())?;
//! assert!(grad.iter().all(|g| g.is_finite()));
//! # Ok::<(), diffpp::DiffppError>(())
//! ```

#![warn(missing_docs)]

pub mod error;
pub mod expconcrete;
pub mod model;
pub mod noise;
pub mod numeric;
pub mod reference_model;
pub mod reverse;
pub mod sampler;
pub mod snn;

pub use error::{DiffppError, Result};
pub use expconcrete::ExpConcrete;
pub use model::SoftHiddenIntensity;
pub use noise::Noise;
/// The soft history a model sees: pp-core's validated [`SoftEvents`](pp_core::SoftEvents).
pub use pp_core::SoftEvents;
pub use reference_model::LinearSigmoidModel;
pub use reverse::{
    ReverseWorkspace, SweepRequest, generic_reverse_sweep, gradient_fixed_sample,
    gradient_through_sample, weight_adjoint_to_mark_adjoint,
};
pub use sampler::{DiffPP, Mode, Trace};
