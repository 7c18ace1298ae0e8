//! Soft hidden spikes (docs/math.md §3, §5, §6): potentials from observed one-hot spikes plus hidden
//! events that carry non-negative weights over the hidden neurons, the observed neurons'
//! log-likelihood given such a soft hidden history (`log p(O | H)`) with its exact gradient in
//! the parameters *and* in the soft weights, and the hidden neurons' part of the ordinary
//! (hard-spike) log-likelihood (`log q(H)` for the score-function estimator).
//!
//! * [`SoftEvents`] (pp-core's): a validated view of soft hidden events (times and weights `[event][h]`;
//!   hidden neuron `h` is global neuron `n_obs + h`).
//! * [`Snn::soft_potentials_direct`]: the direct (oracle) potentials;
//!   [`SoftPotentials`]: the fast incremental evaluator for time-ordered queries.
//! * [`Snn::observed_log_likelihood`] / [`Snn::observed_log_likelihood_grad`]:
//!   `Σ_{observed e} log λ_{i_e}(t_e) − Σ_{i < n_obs} ∫ λ_i`, value and exact gradient.
//! * [`Snn::hidden_log_likelihood`]: `Σ_{hidden e} log λ_{i_e}(t_e) − Σ_{h hidden} ∫ λ_h` of a
//!   full hard sequence, optionally with its gradient.
//!
//! * [`target`]: the windowed sums in target space under the fast evaluators (public for
//!   evaluators that keep their own compact event lists, e.g. one per particle of a filter);
//!   [`apriori_order`]: the Gauss–Legendre order the engine chooses for a piece
//!   ([`apriori_order_of_planes`]: the same over planes of slopes).
//!
//! The compensator is integrated between breakpoints (source event times and `t_e + c_k ± s`)
//! where every potential is smooth; see `docs/derivations/soft_likelihood.md` for the
//! quadrature rule (a priori Gauss–Legendre order from an analytic error bound), and for the
//! gradient in the soft weights (sliding windows of moments, `O(events + pieces)`).
//!
//! ```
//! use pp_core::{EventSequence, Window};
//! use snn_model::soft::{SoftEvents, SoftWorkspace};
//! use snn_model::{CompensatorMethod, SnnBuilder};
//! let model = SnnBuilder::new(1, 2).bias(vec![0.0, 0.5, -0.5]).check()?;
//! let observed = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 3.0], vec![0, 0])?;
//! let (times, weights) = ([0.5, 2.0], [0.9, 0.05, 0.1, 0.7]);
//! let hidden = SoftEvents::new(&times, &weights, 2)?;
//! let mut ws = SoftWorkspace::new(&model);
//! let ll = model.observed_log_likelihood(&observed, hidden, &CompensatorMethod::default(), &mut ws)?;
//! // all weights are zero: λ_0 = 2.5 whatever the hidden events
//! assert!((ll - (2.0 * 2.5f64.ln() - 2.5 * 5.0)).abs() < 1e-12);
//! # Ok::<(), snn_model::SnnError>(())
//! ```

mod direct;
mod engine;
mod planes;
mod quadrature;
mod simd;
mod split;
pub mod target;
mod window_adjoint;
mod window_grad;

pub use direct::SoftPotentials;
pub use engine::SoftWorkspace;
/// Hidden events with soft weights over the hidden neurons (hidden neuron `h` is global neuron
/// `n_obs + h`): pp-core's validated [`SoftEvents`](pp_core::SoftEvents).
pub use pp_core::SoftEvents;
pub use quadrature::{MAX_ORDER as APRIORI_MAX_ORDER, apriori_order, apriori_order_of_planes};
pub use split::MIN_SOURCES_PER_PART;

use pp_core::{EventSequence, PpError};

use crate::error::{Result, SnnError};
use crate::likelihood::CompensatorMethod;
use crate::model::Snn;

/// Checks that `hidden` fits `model` (H) and lies inside the window of `seq`.
fn check_hidden(model: &Snn, hidden: &SoftEvents<'_>, seq: &EventSequence) -> Result<()> {
    if hidden.n_marks() != model.n_hidden() && !(hidden.is_empty() && hidden.weights().is_empty()) {
        return Err(SnnError::shape(
            "soft event weights per event",
            format!("[{}] (the model's hidden neurons)", model.n_hidden()),
            format!("[{}]", hidden.n_marks()),
        ));
    }
    let w = seq.window();
    for (index, &time) in hidden.times().iter().enumerate() {
        if !w.contains(time) {
            return Err(PpError::OutsideWindow {
                index,
                time,
                t0: w.t0(),
                t1: w.t1(),
            }
            .into());
        }
    }
    Ok(())
}

fn check_len(field: &str, expected: usize, found: usize) -> Result<()> {
    if expected != found {
        return Err(SnnError::shape(
            field,
            format!("[{expected}]"),
            format!("[{found}]"),
        ));
    }
    Ok(())
}

impl Snn {
    /// Checks that `observed` can be this model's observed spike train: dimension `n_obs` or
    /// `N`, and every mark `< n_obs` (the index of the first offending spike otherwise).
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 2).check()?;
    /// let w = Window::new(0.0, 5.0)?;
    /// assert!(m.check_observed(&EventSequence::new(w, 1, vec![1.0], vec![0])?).is_ok());
    /// // three dimensions but a spike of hidden neuron 2
    /// assert!(m.check_observed(&EventSequence::new(w, 3, vec![1.0], vec![2])?).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_observed(&self, observed: &EventSequence) -> pp_core::Result<()> {
        let (n_obs, n) = (self.n_obs(), self.n_neurons());
        if observed.dim() != n_obs && observed.dim() != n {
            return Err(PpError::DimensionMismatch {
                what: "observed sequence (n_obs or N dimensions)",
                expected: n_obs,
                found: observed.dim(),
            });
        }
        if let Some(index) = observed.marks().iter().position(|&m| m as usize >= n_obs) {
            return Err(PpError::MarkOutOfRange {
                index,
                mark: observed.marks()[index],
                dim: n_obs,
            });
        }
        Ok(())
    }

    /// `log p(O | H)`: `Σ_{observed events e} log λ_{i_e}(t_e) − Σ_{i < n_obs} ∫_{T0}^{T1} λ_i(t) dt`,
    /// where the potentials include the observed one-hot spikes and the soft hidden events
    /// (as in [`soft_potentials_direct`](Self::soft_potentials_direct)). No penalty.
    ///
    /// `observed` has `n_obs` or `N` dimensions; every mark must be `< n_obs` (an error
    /// otherwise). The soft events must have `H = n_hidden` weights each and lie inside the
    /// observed window. `compensator`: quadrature (near exact, the default) or Monte Carlo at
    /// the points of [`pp_core::MonteCarlo::points`].
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::soft::{SoftEvents, SoftWorkspace};
    /// use snn_model::{CompensatorMethod, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).weights(vec![0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]).check()?;
    /// let obs = EventSequence::new(Window::new(0.0, 3.0)?, 1, vec![1.5], vec![0])?;
    /// let mut ws = SoftWorkspace::new(&m);
    /// let q = CompensatorMethod::default();
    /// let none = m.observed_log_likelihood(&obs, SoftEvents::new(&[1.0], &[0.0], 1)?, &q, &mut ws)?;
    /// let half = m.observed_log_likelihood(&obs, SoftEvents::new(&[1.0], &[0.5], 1)?, &q, &mut ws)?;
    /// assert!(none != half); // the hidden neuron excites neuron 0 through W[0][0][1] = 2
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn observed_log_likelihood(
        &self,
        observed: &EventSequence,
        hidden: SoftEvents<'_>,
        compensator: &CompensatorMethod,
        ws: &mut SoftWorkspace,
    ) -> Result<f64> {
        self.observed_log_likelihood_from(
            observed,
            observed.window().t0(),
            hidden,
            compensator,
            ws,
            None,
        )
    }

    /// The value of [`observed_log_likelihood`](Self::observed_log_likelihood) and its exact
    /// gradient (of the computed value: the same quadrature nodes, differentiated). **Adds**
    /// `∂/∂θ` into `grad_params` (length `N + K·N·N`, the [`Parametric`](pp_core::Parametric)
    /// layout `[bias, weights [k][i][j]]`; masked connections get 0) and `∂/∂d_e[h]` into
    /// `grad_weights[e·H + h]` (length `hidden.len() · H`).
    ///
    /// ```
    /// use pp_core::{EventSequence, Parametric, Window};
    /// use snn_model::soft::{SoftEvents, SoftWorkspace};
    /// use snn_model::{CompensatorMethod, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).weights(vec![0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]).check()?;
    /// let obs = EventSequence::new(Window::new(0.0, 3.0)?, 1, vec![1.5], vec![0])?;
    /// let (t, d) = ([1.0], [0.5]);
    /// let mut ws = SoftWorkspace::new(&m);
    /// let (mut gp, mut gd) = (vec![0.0; m.n_params()], vec![0.0; 1]);
    /// let v = m.observed_log_likelihood_grad(&obs, SoftEvents::new(&t, &d, 1)?,
    ///     &CompensatorMethod::default(), &mut ws, &mut gp, &mut gd)?;
    /// assert!(v.is_finite() && gd[0] != 0.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn observed_log_likelihood_grad(
        &self,
        observed: &EventSequence,
        hidden: SoftEvents<'_>,
        compensator: &CompensatorMethod,
        ws: &mut SoftWorkspace,
        grad_params: &mut [f64],
        grad_weights: &mut [f64],
    ) -> Result<f64> {
        self.observed_log_likelihood_from(
            observed,
            observed.window().t0(),
            hidden,
            compensator,
            ws,
            Some((grad_params, grad_weights)),
        )
    }

    /// The conditional `log p(O_[from, T1] | everything before from, H)` of the stretch
    /// `[from, T1]` of the window: the terms of the observed events at or after `from` and the
    /// compensator over `[from, T1]`, the observed spikes and soft events before `from` (a
    /// lead-in) acting as sources only. Since the log-likelihood is additive over time given the
    /// history, it is [`observed_log_likelihood`](Self::observed_log_likelihood) of the whole
    /// window minus that of the lead-in `[T0, from]` alone. With `grads = Some((grad_params,
    /// grad_weights))` the gradients are **added** as in
    /// [`observed_log_likelihood_grad`](Self::observed_log_likelihood_grad) (the soft events of
    /// the lead-in get theirs through the potentials after `from`).
    ///
    /// Errors as [`observed_log_likelihood`](Self::observed_log_likelihood), and when `from` is
    /// not in `[T0, T1)` or, after `T0`, with the Monte Carlo compensator (whose points are
    /// drawn over the whole window).
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::soft::{SoftEvents, SoftWorkspace};
    /// use snn_model::{CompensatorMethod, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).weights(vec![0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]).check()?;
    /// let obs = EventSequence::new(Window::new(0.0, 3.0)?, 1, vec![0.5, 1.5], vec![0, 0])?;
    /// let lead_in = EventSequence::new(Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
    /// let (t, d) = ([0.8], [0.5]);
    /// let soft = SoftEvents::new(&t, &d, 1)?;
    /// let (q, mut ws) = (CompensatorMethod::default(), SoftWorkspace::new(&m));
    /// let after = m.observed_log_likelihood_from(&obs, 1.0, soft, &q, &mut ws, None)?;
    /// let whole = m.observed_log_likelihood(&obs, soft, &q, &mut ws)?;
    /// let before = m.observed_log_likelihood(&lead_in, soft, &q, &mut ws)?;
    /// assert!((after - (whole - before)).abs() < 1e-9);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn observed_log_likelihood_from(
        &self,
        observed: &EventSequence,
        from: f64,
        hidden: SoftEvents<'_>,
        compensator: &CompensatorMethod,
        ws: &mut SoftWorkspace,
        grads: Option<(&mut [f64], &mut [f64])>,
    ) -> Result<f64> {
        self.check_observed(observed)?;
        check_hidden(self, &hidden, observed)?;
        crate::likelihood::check_stretch(observed.window(), from, compensator)?;
        if let Some((gp, gw)) = &grads {
            check_len(
                "parameter gradient",
                self.n_neurons() + self.n_basis() * self.n_neurons() * self.n_neurons(),
                gp.len(),
            )?;
            check_len(
                "soft weight gradient",
                hidden.len() * self.n_hidden(),
                gw.len(),
            )?;
        }
        ws.observed(self, observed, from, hidden, compensator, grads)
    }

    /// The hidden neurons' part of the ordinary (hard-spike) log-likelihood of a full sequence
    /// on `N` neurons: `Σ_{events of hidden neurons} log λ_h(t_e) − Σ_{h hidden} ∫ λ_h`, every
    /// event (observed and hidden) acting as a source. This is `log q(H)` of the
    /// score-function estimator; with [`observed_log_likelihood`](Self::observed_log_likelihood)
    /// at one-hot weights it adds up to the full log-likelihood. If `grad_params` is given
    /// (length `N + K·N·N`), its gradient is **added** into it.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::soft::SoftWorkspace;
    /// use snn_model::{CompensatorMethod, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).check()?; // zero weights: λ = 2.5 everywhere
    /// let full = EventSequence::new(Window::new(0.0, 2.0)?, 2, vec![0.5, 1.0], vec![0, 1])?;
    /// let mut ws = SoftWorkspace::new(&m);
    /// let v = m.hidden_log_likelihood(&full, &CompensatorMethod::default(), &mut ws, None)?;
    /// assert!((v - (2.5f64.ln() - 5.0)).abs() < 1e-12);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn hidden_log_likelihood(
        &self,
        full: &EventSequence,
        compensator: &CompensatorMethod,
        ws: &mut SoftWorkspace,
        grad_params: Option<&mut [f64]>,
    ) -> Result<f64> {
        let t0 = full.window().t0();
        self.hidden_log_likelihood_from(full, t0, compensator, ws, grad_params)
    }

    /// [`hidden_log_likelihood`](Self::hidden_log_likelihood) of the stretch `[from, T1]` of
    /// `full`, every spike before `from` a source only: the hidden neurons' events at or after
    /// `from` and their compensators over `[from, T1]` (`log q` of a sample after its lead-in,
    /// given the lead-in). The quadrature compensator is required when `from > T0`.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::soft::SoftWorkspace;
    /// use snn_model::{CompensatorMethod, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).weights(vec![0.0, 0.0, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0]).check()?;
    /// let full = EventSequence::new(Window::new(0.0, 3.0)?, 2, vec![0.5, 1.0, 2.0], vec![0, 1, 1])?;
    /// let (q, mut ws) = (CompensatorMethod::default(), SoftWorkspace::new(&m));
    /// let whole = m.hidden_log_likelihood(&full, &q, &mut ws, None)?;
    /// let after = m.hidden_log_likelihood_from(&full, 1.5, &q, &mut ws, None)?;
    /// let lead_in = full.split_windows(1.5)?.swap_remove(0);
    /// let before = m.hidden_log_likelihood(&lead_in, &q, &mut ws, None)?;
    /// assert!((after - (whole - before)).abs() < 1e-9);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hidden_log_likelihood_from(
        &self,
        full: &EventSequence,
        from: f64,
        compensator: &CompensatorMethod,
        ws: &mut SoftWorkspace,
        grad_params: Option<&mut [f64]>,
    ) -> Result<f64> {
        if full.dim() != self.n_neurons() {
            return Err(PpError::DimensionMismatch {
                what: "full sequence (all N neurons)",
                expected: self.n_neurons(),
                found: full.dim(),
            }
            .into());
        }
        crate::likelihood::check_stretch(full.window(), from, compensator)?;
        if let Some(g) = grad_params.as_deref() {
            check_len(
                "parameter gradient",
                self.n_neurons() + self.n_basis() * self.n_neurons() * self.n_neurons(),
                g.len(),
            )?;
        }
        ws.hidden(self, full, from, compensator, grad_params)
    }

    /// The ordinary (hard-spike) log-likelihood (1.1) of a full sequence on `N` neurons,
    /// neuron by neuron, in one pass: `per_neuron[i] = Σ_{events of i} log λ_i(t_e) − ∫ λ_i`.
    /// The entries add up to the full log-likelihood; the first `n_obs` to the observed part,
    /// the others to [`hidden_log_likelihood`](Self::hidden_log_likelihood). Neuron `i`'s term
    /// depends only on `b_i` and `W[k][i][·]`, so the gradient splits by the same rows. If
    /// `grad_params` is given (length `N + K·N·N`), the gradient of the total is **added** into it.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::soft::SoftWorkspace;
    /// use snn_model::{CompensatorMethod, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).check()?; // zero weights: λ = 2.5 everywhere
    /// let full = EventSequence::new(Window::new(0.0, 2.0)?, 2, vec![0.5, 1.0, 1.5], vec![0, 1, 1])?;
    /// let mut ws = SoftWorkspace::new(&m);
    /// let mut per = [0.0; 2];
    /// m.log_likelihood_per_neuron(&full, &CompensatorMethod::default(), &mut ws, &mut per, None)?;
    /// assert!((per[0] - (2.5f64.ln() - 5.0)).abs() < 1e-12);
    /// assert!((per[1] - (2.0 * 2.5f64.ln() - 5.0)).abs() < 1e-12);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn log_likelihood_per_neuron(
        &self,
        full: &EventSequence,
        compensator: &CompensatorMethod,
        ws: &mut SoftWorkspace,
        per_neuron: &mut [f64],
        grad_params: Option<&mut [f64]>,
    ) -> Result<()> {
        let n = self.n_neurons();
        self.log_likelihood_of_neurons(full, 0..n, compensator, ws, per_neuron, grad_params)
    }

    /// [`log_likelihood_per_neuron`](Self::log_likelihood_per_neuron) for the neurons
    /// `targets` only (for example the observed ones, `0..n_obs`): `per_neuron[i]` is neuron
    /// `i`'s term for `i` in `targets` and 0 elsewhere, and the gradient of their sum (the rows
    /// of `targets`) is **added** into `grad_params`. The other neurons' compensators are not
    /// computed, so this costs about `|targets| / N` of the whole. Errors: a range outside the
    /// neurons, and those of [`log_likelihood_per_neuron`](Self::log_likelihood_per_neuron).
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::soft::SoftWorkspace;
    /// use snn_model::{CompensatorMethod, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).check()?; // zero weights: λ = 2.5 everywhere
    /// let full = EventSequence::new(Window::new(0.0, 2.0)?, 2, vec![0.5, 1.0, 1.5], vec![0, 1, 1])?;
    /// let mut ws = SoftWorkspace::new(&m);
    /// let mut per = [0.0; 2];
    /// m.log_likelihood_of_neurons(&full, 0..1, &CompensatorMethod::default(), &mut ws, &mut per, None)?;
    /// assert!((per[0] - (2.5f64.ln() - 5.0)).abs() < 1e-12);
    /// assert_eq!(per[1], 0.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn log_likelihood_of_neurons(
        &self,
        full: &EventSequence,
        targets: std::ops::Range<usize>,
        compensator: &CompensatorMethod,
        ws: &mut SoftWorkspace,
        per_neuron: &mut [f64],
        grad_params: Option<&mut [f64]>,
    ) -> Result<()> {
        let t0 = full.window().t0();
        self.log_likelihood_of_neurons_from(
            full,
            targets,
            t0,
            compensator,
            ws,
            per_neuron,
            grad_params,
        )
    }

    /// [`log_likelihood_of_neurons`](Self::log_likelihood_of_neurons) of the stretch
    /// `[from, T1]` of `full`, every spike before `from` a source only (each neuron's events at
    /// or after `from`, its compensator over `[from, T1]`). The quadrature compensator is
    /// required when `from > T0`.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::soft::SoftWorkspace;
    /// use snn_model::{CompensatorMethod, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).check()?; // zero weights: λ = 2.5 everywhere
    /// let full = EventSequence::new(Window::new(0.0, 2.0)?, 2, vec![0.5, 1.0, 1.5], vec![0, 1, 1])?;
    /// let mut ws = SoftWorkspace::new(&m);
    /// let mut per = [0.0; 2];
    /// m.log_likelihood_of_neurons_from(&full, 0..2, 1.2, &CompensatorMethod::default(), &mut ws, &mut per, None)?;
    /// assert!((per[0] - (-2.5 * 0.8)).abs() < 1e-12); // no spike of neuron 0 after 1.2
    /// assert!((per[1] - (2.5f64.ln() - 2.5 * 0.8)).abs() < 1e-12);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn log_likelihood_of_neurons_from(
        &self,
        full: &EventSequence,
        targets: std::ops::Range<usize>,
        from: f64,
        compensator: &CompensatorMethod,
        ws: &mut SoftWorkspace,
        per_neuron: &mut [f64],
        grad_params: Option<&mut [f64]>,
    ) -> Result<()> {
        let n = self.n_neurons();
        if targets.start > targets.end || targets.end > n {
            return Err(SnnError::invalid(
                "target neurons",
                format!("{}..{}", targets.start, targets.end),
                format!("must be a range of the model's {n} neurons"),
            ));
        }
        if full.dim() != n {
            return Err(PpError::DimensionMismatch {
                what: "full sequence (all N neurons)",
                expected: n,
                found: full.dim(),
            }
            .into());
        }
        crate::likelihood::check_stretch(full.window(), from, compensator)?;
        check_len("per-neuron output", n, per_neuron.len())?;
        if let Some(g) = grad_params.as_deref() {
            check_len("parameter gradient", n + self.n_basis() * n * n, g.len())?;
        }
        ws.hard_from(self, full, from, targets, compensator, grad_params)?;
        per_neuron.copy_from_slice(&ws.per_target);
        Ok(())
    }
}
