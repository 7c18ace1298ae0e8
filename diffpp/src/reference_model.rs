//! A small SRM-shaped reference model implementing [`SoftHiddenIntensity`], for tests,
//! examples and benchmarks of the ∂PP (it is **not** the SNN of `snn-model`, which implements
//! the trait itself).
//!
//! `H` hidden neurons driven by `O` observed spike trains (held by the model) and by the soft
//! hidden history:
//!
//! ```text
//! u_h(s) = b_h + Σ_{observed (t, o), s − S < t < s} Σ_k U[k][h][o] φ_k(s − t)
//!              + Σ_{soft events e, s − S < s_e < s} Σ_k Σ_j W[k][h][j] d_e[j] φ_k(s − s_e)
//! log λ_h(s) = log a + log σ(u_h(s)),         λ̄ = a·H + ε
//! ```
//!
//! with the Epanechnikov basis of docs/math.md §3, `φ_k(Δ) = 0.75 (1 − ((Δ − c_k)/scale)²)` for
//! `|Δ − c_k| <= scale`, and support `S = max_k c_k + scale`. Parameter order (flat):
//! `b[H]`, then `W[K][H][H]` (`[k][h][j]`: basis `k`, to `h`, from `j`), then `U[K][H][O]`.

use pp_core::{Parametric, PpError};
use rand::Rng;
use rand::RngExt;

use crate::error::{DiffppError, Result};
use crate::model::SoftHiddenIntensity;
use crate::numeric::{log_sigmoid, sigmoid};
use pp_core::SoftEvents;

/// The reference SRM-shaped model (see the module doc).
///
/// ```
/// use diffpp::{LinearSigmoidModel, SoftHiddenIntensity, SoftEvents};
/// let model = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 10.0], 1.0)?;
/// assert_eq!(model.support(), 11.0);
/// assert_eq!(model.n_params(), 2 + 2 * 2 * 2);
/// let mut out = [0.0; 2];
/// model.hidden_log_intensities(1.0, SoftEvents::empty(2), &mut out);
/// assert!((out[0] - 2.5f64.ln()).abs() < 1e-15); // a σ(0) with zero parameters
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinearSigmoidModel {
    n_hidden: usize,
    n_observed: usize,
    amplitude: f64,
    epsilon: f64,
    centres: Vec<f64>,
    scale: f64,
    support: f64,
    bias: Vec<f64>,
    w_hidden: Vec<f64>,
    w_observed: Vec<f64>,
    obs_times: Vec<f64>,
    obs_marks: Vec<u32>,
}

fn invalid(name: &str, value: f64, reason: &'static str) -> DiffppError {
    DiffppError::Core(PpError::InvalidParameter {
        name: name.to_string(),
        value,
        reason,
    })
}

impl LinearSigmoidModel {
    /// A model with `n_hidden >= 1` hidden neurons, amplitude `a > 0`, `ε > 0` (so
    /// `λ̄ = a·H + ε`), basis centres `c_k >= 0` (at least one) and `scale > 0`; all parameters
    /// zero, no observed input.
    ///
    /// ```
    /// use diffpp::LinearSigmoidModel;
    /// assert!(LinearSigmoidModel::new(0, 5.0, 1e-6, vec![0.0], 1.0).is_err());
    /// assert!(LinearSigmoidModel::new(2, -5.0, 1e-6, vec![0.0], 1.0).is_err());
    /// assert!(LinearSigmoidModel::new(2, 5.0, 0.0, vec![0.0], 1.0).is_err());
    /// assert!(LinearSigmoidModel::new(2, 5.0, 1e-6, vec![], 1.0).is_err());
    /// ```
    pub fn new(
        n_hidden: usize,
        amplitude: f64,
        epsilon: f64,
        centres: Vec<f64>,
        scale: f64,
    ) -> Result<Self> {
        if n_hidden == 0 {
            return Err(invalid("n_hidden", 0.0, "need at least one hidden neuron"));
        }
        if !(amplitude.is_finite() && amplitude > 0.0) {
            return Err(invalid("amplitude", amplitude, "need a finite a > 0"));
        }
        if !(epsilon.is_finite() && epsilon > 0.0) {
            return Err(invalid("epsilon", epsilon, "need a finite epsilon > 0"));
        }
        if centres.is_empty() {
            return Err(invalid("centres", 0.0, "need at least one basis centre"));
        }
        for (k, &c) in centres.iter().enumerate() {
            if !(c.is_finite() && c >= 0.0) {
                return Err(invalid(&format!("centres[{k}]"), c, "need a finite c >= 0"));
            }
        }
        if !(scale.is_finite() && scale > 0.0) {
            return Err(invalid("scale", scale, "need a finite scale > 0"));
        }
        let k = centres.len();
        let support = centres.iter().copied().fold(0.0, f64::max) + scale;
        Ok(Self {
            n_hidden,
            n_observed: 0,
            amplitude,
            epsilon,
            centres,
            scale,
            support,
            bias: vec![0.0; n_hidden],
            w_hidden: vec![0.0; k * n_hidden * n_hidden],
            w_observed: Vec::new(),
            obs_times: Vec::new(),
            obs_marks: Vec::new(),
        })
    }

    /// Adds observed input: `n_observed` spike trains given as strictly increasing finite
    /// `times` with `marks < n_observed`. Resets the observed weights `U` to zero.
    ///
    /// ```
    /// use diffpp::LinearSigmoidModel;
    /// let m = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?
    ///     .with_observed(1, vec![0.5, 1.0], vec![0, 0])?;
    /// assert_eq!(m.n_observed(), 1);
    /// assert!(LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?
    ///     .with_observed(1, vec![0.5], vec![1]).is_err());
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn with_observed(
        mut self,
        n_observed: usize,
        times: Vec<f64>,
        marks: Vec<u32>,
    ) -> Result<Self> {
        if times.len() != marks.len() {
            return Err(DiffppError::LengthMismatch {
                what: "observed marks vs times",
                expected: times.len(),
                found: marks.len(),
            });
        }
        let mut previous = f64::NEG_INFINITY;
        for (index, (&t, &mark)) in times.iter().zip(&marks).enumerate() {
            if !t.is_finite() {
                return Err(PpError::NonFinite {
                    what: "observed spike time",
                    index,
                    value: t,
                }
                .into());
            }
            if t <= previous {
                return Err(PpError::Unsorted {
                    index,
                    previous,
                    time: t,
                }
                .into());
            }
            if mark as usize >= n_observed {
                return Err(PpError::MarkOutOfRange {
                    index,
                    mark,
                    dim: n_observed,
                }
                .into());
            }
            previous = t;
        }
        self.n_observed = n_observed;
        self.w_observed = vec![0.0; self.centres.len() * self.n_hidden * n_observed];
        self.obs_times = times;
        self.obs_marks = marks;
        Ok(self)
    }

    /// Sets every parameter uniformly at random: biases on `[−bias_range, bias_range]`, weights
    /// on `[−weight_range, weight_range]` (the reference's synthetic setting is 1 and 5).
    ///
    /// ```
    /// use pp_core::Parametric;
    /// use rand::SeedableRng;
    /// let mut m = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// m.randomize(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1), 1.0, 5.0);
    /// assert!(m.params().iter().all(|p| p.abs() <= 5.0));
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn randomize<R: Rng + ?Sized>(&mut self, rng: &mut R, bias_range: f64, weight_range: f64) {
        for b in &mut self.bias {
            *b = bias_range * (2.0 * rng.random::<f64>() - 1.0);
        }
        for w in self.w_hidden.iter_mut().chain(self.w_observed.iter_mut()) {
            *w = weight_range * (2.0 * rng.random::<f64>() - 1.0);
        }
    }

    /// Number of parameters `H + K·H·H + K·H·O` (the same as both traits' `n_params`; an
    /// inherent method so that calls are unambiguous when both traits are in scope).
    ///
    /// ```
    /// let m = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 1.0], 1.0)?;
    /// assert_eq!(m.n_params(), 2 + 2 * 4);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn n_params(&self) -> usize {
        self.bias.len() + self.w_hidden.len() + self.w_observed.len()
    }

    /// Number of observed spike trains `O`.
    ///
    /// ```
    /// assert_eq!(diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?.n_observed(), 0);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn n_observed(&self) -> usize {
        self.n_observed
    }

    /// Basis function `k` at lag `Δ > 0`.
    #[inline]
    fn basis(&self, k: usize, lag: f64) -> f64 {
        let x = (lag - self.centres[k]) / self.scale;
        if x.abs() <= 1.0 {
            0.75 * (1.0 - x * x)
        } else {
            0.0
        }
    }

    /// Range of observed spikes with `s − S < t < s`.
    #[inline]
    fn observed_range(&self, s: f64) -> std::ops::Range<usize> {
        let hi = self.obs_times.partition_point(|&t| t < s);
        let lo = self.obs_times[..hi].partition_point(|&t| t <= s - self.support);
        lo..hi
    }

    #[inline]
    fn w_index(&self, k: usize, h: usize, j: usize) -> usize {
        (k * self.n_hidden + h) * self.n_hidden + j
    }

    #[inline]
    fn u_index(&self, k: usize, h: usize, o: usize) -> usize {
        (k * self.n_hidden + h) * self.n_observed + o
    }

    /// The potentials `u_h(s)` of every hidden neuron, written into `u` (length `H`).
    /// Basis values are computed once per event; all-zero rows (rejected candidates of a hard
    /// run) are skipped.
    #[inline]
    fn potentials(&self, s: f64, history: SoftEvents<'_>, u: &mut [f64]) {
        let hh = self.n_hidden;
        let kk = self.centres.len();
        u.copy_from_slice(&self.bias);
        for i in self.observed_range(s) {
            let lag = s - self.obs_times[i];
            let o = self.obs_marks[i] as usize;
            for k in 0..kk {
                let phi = self.basis(k, lag);
                if phi != 0.0 {
                    for (h, uh) in u.iter_mut().enumerate() {
                        *uh += self.w_observed[self.u_index(k, h, o)] * phi;
                    }
                }
            }
        }
        for (e, &t) in history.times().iter().enumerate() {
            let lag = s - t;
            if lag <= 0.0 || lag >= self.support {
                continue;
            }
            let d = history.weights_of(e);
            if d.iter().all(|&x| x == 0.0) {
                continue;
            }
            for k in 0..kk {
                let phi = self.basis(k, lag);
                if phi != 0.0 {
                    for (h, uh) in u.iter_mut().enumerate() {
                        let base = self.w_index(k, h, 0);
                        let row = &self.w_hidden[base..base + hh];
                        let dot: f64 = row.iter().zip(d).map(|(w, x)| w * x).sum();
                        *uh += phi * dot;
                    }
                }
            }
        }
    }
}

/// Hidden-layer sizes up to this use a stack buffer in the VJP; larger ones allocate.
const STACK_HIDDEN: usize = 32;

impl SoftHiddenIntensity for LinearSigmoidModel {
    fn n_hidden(&self) -> usize {
        self.n_hidden
    }

    fn n_params(&self) -> usize {
        LinearSigmoidModel::n_params(self)
    }

    fn candidate_rate(&self) -> f64 {
        self.amplitude * self.n_hidden as f64 + self.epsilon
    }

    fn support(&self) -> f64 {
        self.support
    }

    fn hidden_log_intensities(&self, s: f64, history: SoftEvents<'_>, out: &mut [f64]) {
        let log_a = self.amplitude.ln();
        let out = &mut out[..self.n_hidden];
        self.potentials(s, history, out);
        for o in out.iter_mut() {
            *o = log_a + log_sigmoid(*o);
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
        let hh = self.n_hidden;
        let mut stack = [0.0f64; STACK_HIDDEN];
        let mut heap = Vec::new();
        let u_bar: &mut [f64] = if hh <= STACK_HIDDEN {
            &mut stack[..hh]
        } else {
            heap.resize(hh, 0.0);
            &mut heap
        };
        self.potentials(s, history, u_bar);
        // d log σ(u)/du = σ(−u)
        for (ub, &a) in u_bar.iter_mut().zip(adjoint) {
            *ub = a * sigmoid(-*ub);
        }
        let u_bar = &*u_bar;
        let kk = self.centres.len();
        let w_off = hh;
        let u_off = hh + self.w_hidden.len();
        for (g, &ub) in grad_params[..hh].iter_mut().zip(u_bar) {
            *g += ub;
        }
        for i in self.observed_range(s) {
            let lag = s - self.obs_times[i];
            let o = self.obs_marks[i] as usize;
            for k in 0..kk {
                let phi = self.basis(k, lag);
                if phi != 0.0 {
                    for (h, &ub) in u_bar.iter().enumerate() {
                        grad_params[u_off + self.u_index(k, h, o)] += ub * phi;
                    }
                }
            }
        }
        for (e, &t) in history.times().iter().enumerate() {
            let lag = s - t;
            if lag <= 0.0 || lag >= self.support {
                continue;
            }
            let d = history.weights_of(e);
            let gw = &mut grad_weights[e * hh..(e + 1) * hh];
            for k in 0..kk {
                let phi = self.basis(k, lag);
                if phi == 0.0 {
                    continue;
                }
                for (h, &ub) in u_bar.iter().enumerate() {
                    let c = ub * phi;
                    let base = self.w_index(k, h, 0);
                    let gw_row = &mut grad_params[w_off + base..w_off + base + hh];
                    let w_row = &self.w_hidden[base..base + hh];
                    for j in 0..hh {
                        gw_row[j] += c * d[j];
                        gw[j] += c * w_row[j];
                    }
                }
            }
        }
    }
}

impl Parametric for LinearSigmoidModel {
    type Error = DiffppError;

    fn n_params(&self) -> usize {
        LinearSigmoidModel::n_params(self)
    }

    fn params(&self) -> Vec<f64> {
        let mut p = Vec::with_capacity(LinearSigmoidModel::n_params(self));
        p.extend_from_slice(&self.bias);
        p.extend_from_slice(&self.w_hidden);
        p.extend_from_slice(&self.w_observed);
        p
    }

    fn set_params(&mut self, params: &[f64]) -> Result<()> {
        let n = LinearSigmoidModel::n_params(self);
        if params.len() != n {
            return Err(DiffppError::LengthMismatch {
                what: "LinearSigmoidModel parameters",
                expected: n,
                found: params.len(),
            });
        }
        for (index, &value) in params.iter().enumerate() {
            if !value.is_finite() {
                return Err(DiffppError::NonFinite {
                    what: "parameter",
                    index,
                    value,
                });
            }
        }
        let (b, rest) = params.split_at(self.bias.len());
        let (w, u) = rest.split_at(self.w_hidden.len());
        self.bias.copy_from_slice(b);
        self.w_hidden.copy_from_slice(w);
        self.w_observed.copy_from_slice(u);
        Ok(())
    }
}
