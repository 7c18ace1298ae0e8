//! The SNN's hidden neurons as a ∂PP model: diffpp's [`SoftHiddenIntensity`] for an
//! [`Snn`] with a fixed observed spike train (MATH.md §5–§6).
//!
//! `u_h(s) = b_h + Σ_{observed (t, j), t < s} f_{h j}(s − t) + Σ_{soft events e, s_e < s}
//! Σ_{h'} d_e[h'] f_{h, h'}(s − s_e)` with `f_ij(Δ) = M_ij Σ_k W[k][i][j] φ_k(Δ)`, and
//! `log λ_h = log ψ(u_h)`. For the Epanechnikov basis only events whose lag falls inside a basis
//! function's support `(c_k − s, c_k + s)` contribute, so each candidate looks up those lag
//! windows by binary search and visits only the events inside them (for the reference's basis,
//! lags in `(0, 1)` and `(9, 11)`: 3 of the 11 time units of the support).
//!
//! The parameters are the [`Parametric`](pp_core::Parametric) vector of the [`Snn`]:
//! `[bias (N), weights [k][i][j] (K·N·N)]`; only the hidden rows are touched.

use std::cell::RefCell;

use diffpp::{SoftHiddenIntensity, SoftHistory};
use pp_core::EventSequence;
use snn_model::Snn;

use crate::error::{Result, ViError};
use crate::vi::hidden::{check_observed, hidden_bound};

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
/// let hidden = vi_train::vi::SnnHidden::new(&model, &observed, 1e-6)?;
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
    support: f64,
    lags: Vec<(f64, f64)>,
    /// `[u (H), ū (H)]`, scratch of the VJP.
    scratch: RefCell<Vec<f64>>,
}

impl<'a> SnnHidden<'a> {
    /// The hidden part of `model` given `observed` (dimension `n_obs` or `N`, observed marks
    /// only); `epsilon > 0` keeps the 'none' category possible. Errors: no hidden neuron, an
    /// unbounded activation, a bad observed sequence, a bad `epsilon`.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let o = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// assert!(vi_train::vi::SnnHidden::new(&m, &o, 0.0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(model: &'a Snn, observed: &'a EventSequence, epsilon: f64) -> Result<Self> {
        if !(epsilon.is_finite() && epsilon > 0.0) {
            return Err(ViError::argument(
                "epsilon",
                format!("must be finite and positive, got {epsilon}"),
            ));
        }
        if model.n_hidden() == 0 {
            return Err(ViError::argument("model", "has no hidden neuron"));
        }
        let bound = hidden_bound(model)?;
        check_observed(model, observed)?;
        let basis = model.basis();
        Ok(Self {
            model,
            obs_times: observed.times(),
            obs_marks: observed.marks(),
            rate: bound + epsilon,
            support: basis.support(),
            lags: (0..basis.len()).map(|k| basis.lag_interval(k)).collect(),
            scratch: RefCell::new(vec![0.0; 2 * model.n_hidden()]),
        })
    }

    /// The potentials `u_h(s)` of the hidden neurons into `u` (length `H`).
    fn potentials(&self, s: f64, history: SoftHistory<'_>, u: &mut [f64]) {
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
                    *v += phi * crate::vi::hidden::dot(row, d);
                }
            }
        }
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

    fn hidden_log_intensities(&self, s: f64, history: SoftHistory<'_>, out: &mut [f64]) {
        self.potentials(s, history, out);
        let act = self.model.activation();
        for v in out.iter_mut() {
            *v = act.log_value(*v);
        }
    }

    fn hidden_log_intensities_vjp(
        &self,
        s: f64,
        history: SoftHistory<'_>,
        adjoint: &[f64],
        grad_params: &mut [f64],
        grad_weights: &mut [f64],
    ) {
        let m = self.model;
        let (n, n_obs, h) = (m.n_neurons(), m.n_obs(), m.n_hidden());
        let kn = m.n_basis() * n;
        let mut scratch = self.scratch.borrow_mut();
        let (u, ubar) = scratch.split_at_mut(h);
        self.potentials(s, history, u);
        let act = m.activation();
        let mut any = false;
        for hh in 0..h {
            let (_, dl) = act.log_value_and_derivative(u[hh]);
            ubar[hh] = adjoint[hh] * dl;
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
