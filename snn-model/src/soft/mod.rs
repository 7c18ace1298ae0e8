//! Soft hidden spikes (MATH.md §3, §5, §6): potentials from observed one-hot spikes plus hidden
//! events that carry non-negative weights over the hidden neurons, the observed neurons'
//! log-likelihood given such a soft hidden history (`log p(O | H)`) with its exact gradient in
//! the parameters *and* in the soft weights, and the hidden neurons' part of the ordinary
//! (hard-spike) log-likelihood (`log q(H)` for the score-function estimator).
//!
//! * [`SoftEvents`]: a validated view of soft hidden events (times and weights `[event][h]`;
//!   hidden neuron `h` is global neuron `n_obs + h`).
//! * [`Snn::soft_potentials_direct`]: the direct (oracle) potentials;
//!   [`SoftPotentials`]: the fast incremental evaluator for time-ordered queries.
//! * [`Snn::observed_log_likelihood`] / [`Snn::observed_log_likelihood_grad`]:
//!   `Σ_{observed e} log λ_{i_e}(t_e) − Σ_{i < n_obs} ∫ λ_i`, value and exact gradient.
//! * [`Snn::hidden_log_likelihood`]: `Σ_{hidden e} log λ_{i_e}(t_e) − Σ_{h hidden} ∫ λ_h` of a
//!   full hard sequence, optionally with its gradient.
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
mod quadrature;
pub(crate) mod target;
mod window_grad;

pub use direct::SoftPotentials;
pub use engine::SoftWorkspace;

use pp_core::{EventSequence, PpError};

use crate::error::{Result, SnnError};
use crate::likelihood::CompensatorMethod;
use crate::model::Snn;

/// Hidden events with soft weights: times strictly increasing (and, where a window applies,
/// inside it), weights row-major `[event][n_hidden]` (hidden neuron `h` is global neuron
/// `n_obs + h`), each finite and `>= 0` (soft spikes `d_k = exp(y_k)[..H]`; one-hot rows are
/// hard spikes, rows of zeros are rejected candidates).
///
/// ```
/// use snn_model::soft::SoftEvents;
/// let times = [0.5, 1.5];
/// let weights = [0.9, 0.1, 0.0, 0.2];
/// let ev = SoftEvents::new(&times, &weights, 2)?;
/// assert_eq!((ev.len(), ev.n_hidden()), (2, 2));
/// assert_eq!(ev.weights_of(1), &[0.0, 0.2]);
/// assert!(SoftEvents::new(&[1.0, 0.5], &weights, 2).is_err()); // unsorted
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftEvents<'a> {
    times: &'a [f64],
    weights: &'a [f64],
    n_hidden: usize,
}

impl<'a> SoftEvents<'a> {
    /// A checked view: `weights.len() == times.len() * n_hidden`, finite strictly increasing
    /// times, finite non-negative weights, and `n_hidden >= 1` unless there are no events.
    /// Errors name the offending event (and hidden neuron).
    ///
    /// ```
    /// use snn_model::{soft::SoftEvents, SnnError};
    /// assert!(matches!(SoftEvents::new(&[1.0], &[0.5], 2), Err(SnnError::Shape { .. })));
    /// assert!(matches!(SoftEvents::new(&[1.0], &[f64::NAN], 1), Err(SnnError::InvalidValue { .. })));
    /// assert!(matches!(SoftEvents::new(&[1.0], &[-0.1], 1), Err(SnnError::InvalidValue { .. })));
    /// assert!(SoftEvents::new(&[], &[], 0).is_ok());
    /// ```
    pub fn new(times: &'a [f64], weights: &'a [f64], n_hidden: usize) -> Result<Self> {
        if weights.len() != times.len() * n_hidden || (n_hidden == 0 && !times.is_empty()) {
            return Err(SnnError::shape(
                "soft event weights",
                format!(
                    "[{}][{}] (events × hidden neurons, n_hidden >= 1)",
                    times.len(),
                    n_hidden
                ),
                format!("{} numbers", weights.len()),
            ));
        }
        let mut previous = f64::NEG_INFINITY;
        for (index, &time) in times.iter().enumerate() {
            if !time.is_finite() {
                return Err(PpError::NonFinite {
                    what: "soft event time",
                    index,
                    value: time,
                }
                .into());
            }
            if time == previous {
                return Err(PpError::DuplicateTime { index, time }.into());
            }
            if time < previous {
                return Err(PpError::Unsorted {
                    index,
                    previous,
                    time,
                }
                .into());
            }
            previous = time;
        }
        if let Some(e) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(SnnError::invalid(
                format!("soft event weight [{}][{}]", e / n_hidden, e % n_hidden),
                weights[e],
                "must be finite and >= 0",
            ));
        }
        Ok(Self {
            times,
            weights,
            n_hidden,
        })
    }

    /// A view whose invariants the caller guarantees (checked in debug builds only); for
    /// samplers that produce sorted events with valid weights themselves. Breaking the contract
    /// gives wrong numbers or a typed error downstream, never undefined behaviour.
    ///
    /// ```
    /// let ev = snn_model::soft::SoftEvents::from_sorted_unchecked(&[0.1, 0.2], &[1.0, 0.0], 1);
    /// assert_eq!(ev.len(), 2);
    /// ```
    pub fn from_sorted_unchecked(times: &'a [f64], weights: &'a [f64], n_hidden: usize) -> Self {
        debug_assert_eq!(weights.len(), times.len() * n_hidden);
        debug_assert!(times.windows(2).all(|w| w[0] < w[1]));
        Self {
            times,
            weights,
            n_hidden,
        }
    }

    /// No events, `n_hidden` weights per (absent) event.
    ///
    /// ```
    /// assert!(snn_model::soft::SoftEvents::empty(3).is_empty());
    /// ```
    pub fn empty(n_hidden: usize) -> Self {
        Self {
            times: &[],
            weights: &[],
            n_hidden,
        }
    }

    /// Event times.
    ///
    /// ```
    /// assert_eq!(snn_model::soft::SoftEvents::new(&[1.0], &[0.5], 1)?.times(), &[1.0]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn times(&self) -> &'a [f64] {
        self.times
    }

    /// All weights, row-major `[event][h]`.
    ///
    /// ```
    /// assert_eq!(snn_model::soft::SoftEvents::new(&[1.0], &[0.5], 1)?.weights(), &[0.5]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn weights(&self) -> &'a [f64] {
        self.weights
    }

    /// The `H` weights of event `e` (panics if `e >= len()`).
    ///
    /// ```
    /// let ev = snn_model::soft::SoftEvents::new(&[1.0], &[0.5, 0.25], 2)?;
    /// assert_eq!(ev.weights_of(0), &[0.5, 0.25]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn weights_of(&self, e: usize) -> &'a [f64] {
        &self.weights[e * self.n_hidden..(e + 1) * self.n_hidden]
    }

    /// Number of hidden neurons `H` (weights per event).
    ///
    /// ```
    /// assert_eq!(snn_model::soft::SoftEvents::empty(4).n_hidden(), 4);
    /// ```
    #[inline]
    pub fn n_hidden(&self) -> usize {
        self.n_hidden
    }

    /// Number of events.
    ///
    /// ```
    /// assert_eq!(snn_model::soft::SoftEvents::empty(4).len(), 0);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are no events.
    ///
    /// ```
    /// assert!(snn_model::soft::SoftEvents::empty(1).is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }
}

/// Checks that `hidden` fits `model` (H) and lies inside the window of `seq`.
fn check_hidden(model: &Snn, hidden: &SoftEvents<'_>, seq: &EventSequence) -> Result<()> {
    if hidden.n_hidden() != model.n_hidden() && !(hidden.is_empty() && hidden.weights.is_empty()) {
        return Err(SnnError::shape(
            "soft event weights per event",
            format!("[{}] (the model's hidden neurons)", model.n_hidden()),
            format!("[{}]", hidden.n_hidden()),
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
        self.check_observed(observed)?;
        check_hidden(self, &hidden, observed)?;
        ws.observed(self, observed, hidden, compensator, None)
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
        self.check_observed(observed)?;
        check_hidden(self, &hidden, observed)?;
        check_len(
            "parameter gradient",
            self.n_neurons() + self.n_basis() * self.n_neurons() * self.n_neurons(),
            grad_params.len(),
        )?;
        check_len(
            "soft weight gradient",
            hidden.len() * self.n_hidden(),
            grad_weights.len(),
        )?;
        ws.observed(
            self,
            observed,
            hidden,
            compensator,
            Some((grad_params, grad_weights)),
        )
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
        if full.dim() != self.n_neurons() {
            return Err(PpError::DimensionMismatch {
                what: "full sequence (all N neurons)",
                expected: self.n_neurons(),
                found: full.dim(),
            }
            .into());
        }
        if let Some(g) = grad_params.as_deref() {
            check_len(
                "parameter gradient",
                self.n_neurons() + self.n_basis() * self.n_neurons() * self.n_neurons(),
                g.len(),
            )?;
        }
        ws.hidden(self, full, compensator, grad_params)
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
        check_len("per-neuron output", n, per_neuron.len())?;
        if let Some(g) = grad_params.as_deref() {
            check_len("parameter gradient", n + self.n_basis() * n * n, g.len())?;
        }
        ws.hard(self, full, targets, compensator, grad_params)?;
        per_neuron.copy_from_slice(&ws.per_target);
        Ok(())
    }
}
