//! The SNN's hidden neurons as a ∂PP model (docs/math.md §5–§6): [`SnnHidden`] implements
//! [`SoftHiddenIntensity`] for an [`Snn`] with a fixed observed spike train, and overrides the
//! reverse sweep with one specialised to the SNN ([`sweep`]), so that
//! [`gradient_through_sample`](crate::gradient_through_sample) and
//! [`gradient_fixed_sample`](crate::gradient_fixed_sample) choose it by the model's type.
//!
//! `u_h(s) = b_h + Σ_{observed (t, j), t < s} f_{h j}(s − t) + Σ_{soft events e, s_e < s}
//! Σ_{h'} d_e[h'] f_{h, h'}(s − s_e)` with `f_ij(Δ) = M_ij Σ_k W[k][i][j] φ_k(Δ)`, and
//! `log λ_h = log ψ(u_h)`; the candidate rate is `λ̄ = Σ_h sup ψ + ε = a·H + ε`.
//!
//! The parameters are the [`Parametric`](pp_core::Parametric) vector of the [`Snn`]:
//! `[bias (N), weights [k][i][j] (K·N·N)]`; only the hidden rows are touched.
//!
//! **Incremental evaluation.** The ∂PP sampler asks for the log-intensities at strictly
//! increasing candidate times, each time with the soft history of the earlier candidates. The
//! model keeps an incremental evaluator of the hidden potentials (snn-model's
//! [`PotentialTracker`] over the hidden neurons: running sums in target space, `O(K·H)` per
//! query whatever the number of events in the window, `O(K·H²)` per soft event pushed) into
//! which the observed spikes and the new soft events are pushed as time passes, and records
//! each candidate's potentials for the reverse sweep. Any call that does not continue the
//! current run (an earlier time, or a history that differs from the events pushed) rebuilds
//! the evaluator from the given history, so results never depend on the call order. The VJP
//! of the trait is evaluated directly: for the Epanechnikov basis only events whose lag falls
//! inside a basis function's support `(c_k − s, c_k + s)` contribute, found by binary search.

// The kernels index several parallel flat buffers with the same loop index.
#![allow(clippy::needless_range_loop)]

mod sweep;

use std::cell::RefCell;

use pp_core::{EventSequence, SoftEvents};
use snn_model::{Activation, PotentialTracker, Snn};

use crate::error::{DiffppError, Result};
use crate::model::SoftHiddenIntensity;
use crate::reverse::{ReverseWorkspace, SweepRequest};
use crate::sampler::Trace;

pub use sweep::SweepBuffers;

/// The hidden neurons of `model` given the observed spikes, as a ∂PP model with candidate
/// rate `λ̄ = a·H + ε`.
///
/// ```
/// use diffpp::{DiffPP, Mode, SoftHiddenIntensity};
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// let model = snn_model::SnnBuilder::new(1, 2).check()?;
/// let w = Window::new(0.0, 5.0)?;
/// let observed = EventSequence::new(w, 1, vec![1.0, 2.0], vec![0, 0])?;
/// let hidden = diffpp::snn::SnnHidden::new(&model, &observed, 1e-6)?;
/// assert_eq!(hidden.candidate_rate(), 10.0 + 1e-6);
/// let trace = DiffPP::new(w, Mode::soft(0.3)?).sample(&hidden, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
/// assert!(trace.log_q().is_finite());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct SnnHidden<'a> {
    model: &'a Snn,
    obs_times: &'a [f64],
    obs_marks: &'a [u32],
    rate: f64,
    /// `ε` of the candidate rate `λ̄ = a·H + ε`.
    epsilon: f64,
    support: f64,
    lags: Vec<(f64, f64)>,
    state: RefCell<SnnHiddenState>,
}

/// The reusable mutable state of an [`SnnHidden`]: the incremental evaluator, the per-candidate
/// record of the current run, and scratch buffers. Pass it from one sequence to the next with
/// [`SnnHidden::with_state`] / [`SnnHidden::into_state`] to avoid allocations.
///
/// ```
/// let state = diffpp::snn::SnnHiddenState::default();
/// assert_eq!(state.recorded(), 0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct SnnHiddenState {
    /// The hidden neurons' potentials (target-space running sums).
    tracker: Option<PotentialTracker>,
    next_obs: usize,
    soft_times: Vec<f64>,
    last_s: f64,
    /// Candidate times of the current run, in call order.
    pub(crate) times: Vec<f64>,
    /// Hidden potentials `u_h` at each recorded candidate.
    pub(crate) us: Vec<f64>,
    scratch: Vec<f64>,
    /// The buffers of the specialised reverse sweep.
    sweep: SweepBuffers,
}

impl SnnHiddenState {
    /// Number of candidates recorded in the current run.
    pub fn recorded(&self) -> usize {
        self.times.len()
    }

    /// Rewinds for `model` (which has at least one hidden neuron, checked by [`SnnHidden`]).
    fn reset(&mut self, model: &Snn) {
        let hidden = model.n_obs()..model.n_neurons();
        let reused = match &mut self.tracker {
            Some(t) if t.targets() == hidden => t.reload(model).is_ok(),
            _ => false,
        };
        if !reused {
            self.tracker = PotentialTracker::for_targets(model, hidden).ok();
        }
        self.next_obs = 0;
        self.soft_times.clear();
        self.last_s = f64::NEG_INFINITY;
        self.times.clear();
        self.us.clear();
        self.scratch.clear();
        self.scratch.resize(2 * model.n_hidden(), 0.0);
    }
}

impl<'a> SnnHidden<'a> {
    /// The default `ε` of `λ̄ = a·H + ε`: `1e-6`. At the reference settings (`a·H = 20`) the
    /// 'none' category's probability is then at least `ε/λ̄ = 5e-8`, far above the floor below
    /// which `log(1 − Σ_h λ_h/λ̄)` stops being representable (`ε/λ̄ ≳ 1e-15`), and the extra
    /// candidates it adds (`ε·T`) are negligible.
    pub const DEFAULT_EPSILON: f64 = 1e-6;

    /// The hidden part of `model` given `observed` (dimension `n_obs` or `N`, observed marks
    /// only), with candidate rate `λ̄ = Σ_h sup ψ + epsilon`.
    ///
    /// Errors: no hidden neuron; an activation without a global bound (`exp`: the ∂PP needs a
    /// constant `λ̄`); `epsilon` not finite or below `1e-12 · Σ_h sup ψ` (the 'none' category
    /// would have a probability too close to 0 to be represented); an observed sequence of
    /// the wrong dimension or with a spike of a hidden neuron.
    ///
    /// ```
    /// use diffpp::snn::SnnHidden;
    /// use pp_core::{EventSequence, Window};
    /// let obs = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// let exp = snn_model::SnnBuilder::new(1, 1).activation(snn_model::Activation::Exp).check()?;
    /// assert!(SnnHidden::new(&exp, &obs, 1e-6).is_err());
    /// let sig = snn_model::SnnBuilder::new(1, 1).check()?;
    /// assert!(SnnHidden::new(&sig, &obs, 0.0).is_err());
    /// assert!(SnnHidden::new(&sig, &obs, SnnHidden::DEFAULT_EPSILON).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(model: &'a Snn, observed: &'a EventSequence, epsilon: f64) -> Result<Self> {
        Self::with_state(model, observed, epsilon, SnnHiddenState::default())
    }

    /// [`new`](Self::new) reusing the buffers of `state` (reset for this model and sequence).
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let o = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// let h = diffpp::snn::SnnHidden::with_state(&m, &o, 1e-6, Default::default())?;
    /// let state = h.into_state();
    /// assert_eq!(state.recorded(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_state(
        model: &'a Snn,
        observed: &'a EventSequence,
        epsilon: f64,
        mut state: SnnHiddenState,
    ) -> Result<Self> {
        let hh = model.n_hidden();
        if hh == 0 {
            return Err(DiffppError::InvalidModel {
                what: "n_hidden",
                value: 0.0,
                reason: "the SNN has no hidden neurons to sample",
            });
        }
        let Some(sup) = model.activation().bound() else {
            return Err(DiffppError::InvalidModel {
                what: "activation bound",
                value: f64::INFINITY,
                reason: "the dPP needs a constant candidate rate: use a bounded activation \
                         (scaled sigmoid or hardtanh), not exp",
            });
        };
        let bound = sup * hh as f64;
        if !(epsilon.is_finite() && epsilon > 0.0 && epsilon >= 1e-12 * bound) {
            return Err(DiffppError::InvalidModel {
                what: "epsilon",
                value: epsilon,
                reason: "need a finite epsilon > 0 and >= 1e-12 * (sum of the hidden bounds)",
            });
        }
        model.check_observed(observed)?;
        let basis = model.basis();
        Ok(Self {
            model,
            obs_times: observed.times(),
            obs_marks: observed.marks(),
            rate: bound + epsilon,
            epsilon,
            support: basis.support(),
            lags: (0..basis.len()).map(|k| basis.lag_interval(k)).collect(),
            state: RefCell::new({
                state.reset(model);
                state
            }),
        })
    }

    /// Gives the state back for reuse.
    ///
    /// ```
    /// # use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let obs = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// let state = diffpp::snn::SnnHidden::new(&m, &obs, 1e-6)?.into_state();
    /// assert_eq!(state.recorded(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_state(self) -> SnnHiddenState {
        self.state.into_inner()
    }

    /// The `ε` of `λ̄`.
    ///
    /// ```
    /// # use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let obs = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// assert_eq!(diffpp::snn::SnnHidden::new(&m, &obs, 1e-5)?.epsilon(), 1e-5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// The model.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let o = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// assert_eq!(diffpp::snn::SnnHidden::new(&m, &o, 1e-6)?.model(), &m);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn model(&self) -> &'a Snn {
        self.model
    }

    /// The observed spikes' times and neurons.
    pub(crate) fn observed(&self) -> (&'a [f64], &'a [u32]) {
        (self.obs_times, self.obs_marks)
    }

    /// Brings the incremental evaluator to time `s` with the soft history `history`: pushes
    /// the observed spikes before `s` and the new soft events in time order, or rebuilds it if
    /// the call does not continue the current run.
    fn sync(&self, st: &mut SnnHiddenState, s: f64, history: SoftEvents<'_>) -> bool {
        let ht = history.times();
        if s <= st.last_s {
            st.reset(self.model);
        }
        let last_pushed = st.soft_times.last().copied().unwrap_or(f64::NEG_INFINITY);
        let mut first_new = ht.partition_point(|&t| t <= last_pushed);
        // the pushed soft events inside the support must be exactly the history's old part
        let inside =
            st.soft_times.len() - st.soft_times.partition_point(|&t| t <= s - self.support);
        let consistent = inside == first_new
            && (first_new == 0 || st.soft_times.last() == Some(&ht[first_new - 1]));
        if !consistent {
            st.reset(self.model);
            first_new = 0;
        }
        let n_obs = self.model.n_obs();
        let Some(tracker) = st.tracker.as_mut() else {
            return false;
        };
        let mut e = first_new;
        loop {
            let obs = (st.next_obs < self.obs_times.len() && self.obs_times[st.next_obs] < s)
                .then(|| self.obs_times[st.next_obs]);
            let soft = ht.get(e).copied();
            let ok = match (obs, soft) {
                (None, None) => break,
                (Some(t), Some(u)) if t <= u => {
                    st.next_obs += 1;
                    tracker.push_spike(t, self.obs_marks[st.next_obs - 1] as usize)
                }
                (Some(t), None) => {
                    st.next_obs += 1;
                    tracker.push_spike(t, self.obs_marks[st.next_obs - 1] as usize)
                }
                (_, Some(u)) => {
                    e += 1;
                    st.soft_times.push(u);
                    tracker.push_soft(u, n_obs, history.weights_of(e - 1))
                }
            };
            if ok.is_err() {
                return false;
            }
        }
        st.last_s = s;
        true
    }

    /// The potentials `u_h(s)` of the hidden neurons into `u` (length `H`).
    fn potentials(&self, s: f64, history: SoftEvents<'_>, u: &mut [f64]) {
        let m = self.model;
        let (n, n_obs, h) = (m.n_neurons(), m.n_obs(), m.n_hidden());
        let kn = m.n_basis() * n;
        let wm = m.masked_weights_ikj();
        let basis = m.basis();
        for (hh, v) in u.iter_mut().enumerate() {
            *v = m.bias()[n_obs + hh];
        }
        let ht = history.times();
        for (k, &(lo, hi)) in self.lags.iter().enumerate() {
            let (a, b) = window(self.obs_times, s, lo, hi);
            for e in a..b {
                let phi = basis.value(k, s - self.obs_times[e]);
                if phi == 0.0 {
                    continue;
                }
                let j = self.obs_marks[e] as usize;
                for (hh, v) in u.iter_mut().enumerate() {
                    *v += wm[(n_obs + hh) * kn + k * n + j] * phi;
                }
            }
            let (a, b) = window(ht, s, lo, hi);
            for e in a..b {
                let phi = basis.value(k, s - ht[e]);
                if phi == 0.0 {
                    continue;
                }
                let d = history.weights_of(e);
                for (hh, v) in u.iter_mut().enumerate() {
                    let row = &wm
                        [(n_obs + hh) * kn + k * n + n_obs..(n_obs + hh) * kn + k * n + n_obs + h];
                    *v += phi * pp_core::numeric::dot(row, d);
                }
            }
        }
    }
}

impl SnnHidden<'_> {
    /// The potentials `u_h(s)` into `out` from the incremental evaluator, recorded for the
    /// reverse sweep.
    fn recorded_potentials(&self, s: f64, history: SoftEvents<'_>, out: &mut [f64]) {
        let m = self.model;
        let mut guard = self.state.borrow_mut();
        let st = &mut *guard;
        let tracked = self.sync(st, s, history)
            && st
                .tracker
                .as_mut()
                .is_some_and(|t| t.potentials_at(s, out).is_ok());
        if tracked {
            st.times.push(s);
            st.us.extend_from_slice(out);
        } else {
            // Not reachable for valid inputs; the direct evaluation keeps the result exact.
            st.reset(m);
            self.potentials(s, history, out);
        }
    }
}

/// `(ln σ(u), σ(−u))` from one exponential `e^{−|u|}` (both without cancellation).
#[inline]
fn log_sigmoid_and_complement(u: f64) -> (f64, f64) {
    let e = (-u.abs()).exp();
    let r = 1.0 / (1.0 + e);
    if u >= 0.0 {
        (-e.ln_1p(), e * r)
    } else {
        (u - e.ln_1p(), r)
    }
}

/// The indices `a..b` of the sorted `times` with `s − hi < t < s − lo` (lags in `(lo, hi)`).
#[inline]
fn window(times: &[f64], s: f64, lo: f64, hi: f64) -> (usize, usize) {
    let (from, to) = (s - hi, s - lo);
    let b = times.partition_point(|&t| t < to);
    let a = times[..b].partition_point(|&t| t <= from);
    (a, b)
}

impl SoftHiddenIntensity for SnnHidden<'_> {
    fn n_hidden(&self) -> usize {
        self.model.n_hidden()
    }

    fn n_params(&self) -> usize {
        pp_core::Parametric::n_params(self.model)
    }

    fn candidate_rate(&self) -> f64 {
        self.rate
    }

    fn support(&self) -> f64 {
        self.support
    }

    fn hidden_log_intensities(&self, s: f64, history: SoftEvents<'_>, out: &mut [f64]) {
        self.recorded_potentials(s, history, out);
        let act = self.model.activation();
        for v in out.iter_mut() {
            *v = act.log_value(*v);
        }
    }

    /// For the sigmoid, `log(λ̄ − Σ_h a σ(u_h)) = log(a Σ_h σ(−u_h) + ε)` from the same
    /// exponentials as the log-intensities (no cancellation, no log-sum-exp).
    fn hidden_log_intensities_and_slack(
        &self,
        s: f64,
        history: SoftEvents<'_>,
        out: &mut [f64],
    ) -> Option<f64> {
        self.recorded_potentials(s, history, out);
        let act = self.model.activation();
        let Activation::Sigmoid { amplitude } = act else {
            for v in out.iter_mut() {
                *v = act.log_value(*v);
            }
            return None;
        };
        let log_a = amplitude.ln();
        let mut slack = 0.0;
        for v in out.iter_mut() {
            let (log_sigmoid, sigmoid_of_minus) = log_sigmoid_and_complement(*v);
            *v = log_a + log_sigmoid;
            slack += sigmoid_of_minus;
        }
        Some((amplitude * slack + self.epsilon).ln())
    }

    /// The specialised sweep ([`sweep`]) for a soft trace of this model's last forward run,
    /// the generic one otherwise (a trace sampled before another run, or a hard trace).
    fn reverse_sweep(
        &self,
        trace: &Trace,
        request: SweepRequest<'_>,
        grad_params: &mut [f64],
        ws: &mut ReverseWorkspace,
    ) -> Result<()> {
        if self.has_record_of(trace) {
            self.specialised_sweep(trace, request, grad_params)
        } else {
            crate::reverse::sweep(self, trace, request, grad_params, ws);
            Ok(())
        }
    }

    fn hidden_log_intensities_vjp(
        &self,
        s: f64,
        history: SoftEvents<'_>,
        adjoint: &[f64],
        grad_params: &mut [f64],
        grad_weights: &mut [f64],
    ) {
        let m = self.model;
        let (n, n_obs, h) = (m.n_neurons(), m.n_obs(), m.n_hidden());
        let kn = m.n_basis() * n;
        let mut guard = self.state.borrow_mut();
        let (u, ubar) = guard.scratch.split_at_mut(h);
        self.potentials(s, history, u);
        let act = m.activation();
        let mut any = false;
        for hh in 0..h {
            ubar[hh] = adjoint[hh] * act.log_derivative(u[hh]);
            grad_params[n_obs + hh] += ubar[hh];
            any |= ubar[hh] != 0.0;
        }
        if !any {
            return;
        }
        let wm = m.masked_weights_ikj();
        let mask = m.connection();
        let basis = m.basis();
        let ht = history.times();
        let gw = &mut grad_params[n..];
        for (k, &(lo, hi)) in self.lags.iter().enumerate() {
            let (a, b) = window(self.obs_times, s, lo, hi);
            for e in a..b {
                let phi = basis.value(k, s - self.obs_times[e]);
                if phi == 0.0 {
                    continue;
                }
                let j = self.obs_marks[e] as usize;
                for hh in 0..h {
                    let i = n_obs + hh;
                    if mask[i * n + j] {
                        gw[(k * n + i) * n + j] += ubar[hh] * phi;
                    }
                }
            }
            let (a, b) = window(ht, s, lo, hi);
            for e in a..b {
                let phi = basis.value(k, s - ht[e]);
                if phi == 0.0 {
                    continue;
                }
                let d = history.weights_of(e);
                let gd = &mut grad_weights[e * h..(e + 1) * h];
                for hh in 0..h {
                    let i = n_obs + hh;
                    let c = ubar[hh] * phi;
                    let row = &wm[i * kn + k * n + n_obs..i * kn + k * n + n_obs + h];
                    let grow = &mut gw[(k * n + i) * n + n_obs..(k * n + i) * n + n_obs + h];
                    let mrow = &mask[i * n + n_obs..i * n + n_obs + h];
                    for hp in 0..h {
                        if mrow[hp] {
                            grow[hp] += c * d[hp];
                        }
                        gd[hp] += c * row[hp];
                    }
                }
            }
        }
    }
}
