//! The hidden part of a spike-response-model network (`snn_model::Snn`, MATH.md §3) as a ∂PP
//! model (MATH.md §5–6): [`SrmHidden`] implements [`SoftHiddenIntensity`] with the hidden
//! neurons' intensities driven by the observed spikes (held fixed) and by the soft hidden
//! events of the ∂PP history.
//!
//! ```text
//! u_h(s) = b_{O+h} + Σ_{observed (t, o), t < s} f_{O+h, o}(s − t)
//!                  + Σ_{soft events e, s_e < s} Σ_j d_e[j] f_{O+h, O+j}(s − s_e)
//! log λ_h(s) = log ψ(u_h(s))          (log a + log σ(u) for the scaled sigmoid, computed stably)
//! λ̄ = Σ_h bound(ψ) + ε = a·H + ε
//! ```
//!
//! Speed (the inner loop of path-wise training): the observed part of every hidden potential is
//! precomputed once per sequence as a piecewise expansion between the observed breakpoints
//! (observed spike times and `t + c_k ± s`), so a candidate costs one binary search and
//! `O(K·H)` work for it; the soft part sums only the history events inside each basis
//! function's lag window (found by binary search), `O(K·H·events in the window)`.

// The kernels index several parallel flat buffers with the same loop index.
#![allow(clippy::needless_range_loop)]

use pp_core::{EventSequence, PpError};
use snn_model::{Activation, BasisTracker, Snn};

use crate::error::{DiffppError, Result};
use crate::model::SoftHiddenIntensity;
use pp_core::SoftEvents;

/// Sizes up to this use stack buffers in the hot functions; larger models allocate.
const STACK: usize = 32;

/// The hidden neurons of an [`Snn`] given one observed sequence, as a ∂PP model.
///
/// Parameters (for the VJP) are the model's [`Parametric`](pp_core::Parametric) vector
/// `[bias (N), weights [k][i][j] (K·N·N)]`; only the hidden rows `i >= n_obs` receive gradient
/// (masked connections receive none). The model and the sequence are borrowed: build one
/// `SrmHidden` per sequence (and per parameter value).
///
/// ```
/// use diffpp::{DiffPP, Mode, SoftHiddenIntensity, srm::SrmHidden};
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// let model = snn_model::SnnBuilder::new(2, 3)
///     .random(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
/// let window = Window::new(0.0, 20.0)?;
/// let observed = EventSequence::new(window, 2, vec![1.0, 4.0, 7.5], vec![0, 1, 0])?;
/// let hidden = SrmHidden::new(&model, &observed, SrmHidden::DEFAULT_EPSILON)?;
/// assert_eq!(hidden.candidate_rate(), 5.0 * 3.0 + 1e-6);
/// let trace = DiffPP::new(window, Mode::soft(0.3)?)
///     .sample(&hidden, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2))?;
/// assert_eq!(trace.n_hidden(), 3);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct SrmHidden<'a> {
    model: &'a Snn,
    observed: &'a EventSequence,
    epsilon: f64,
    rate: f64,
    support: f64,
    activation: Activation,
    /// Lag windows `(lo_k, hi_k)` of the basis functions.
    lags: Vec<(f64, f64)>,
    /// Epanechnikov centres and `1/scale`, for an inlined basis in the hot loops.
    epan: Option<(Vec<f64>, f64)>,
    /// Piece boundaries of the observed expansion: piece `p` is `[cuts[p], cuts[p + 1]]`.
    cuts: Vec<f64>,
    /// Centre of each piece (the expansion's origin).
    origins: Vec<f64>,
    /// `[piece][h][k·P + p]`: the observed part of `u_h` in the features `g_kp(s − origin)`.
    obs_u: Vec<f64>,
    /// `[piece][k][o][p]`: the observed activations `Φ_ko` in the features.
    obs_phi: Vec<f64>,
}

impl<'a> SrmHidden<'a> {
    /// The default `ε` of `λ̄ = a·H + ε`: `1e-6` (the value the ∂PP reference model uses in its
    /// tests and benchmarks). At the reference settings (`a·H = 20`) the 'none' category's
    /// probability is then at least `ε/λ̄ = 5e-8`, far above the floor below which
    /// `log(1 − Σ_h λ_h/λ̄)` stops being representable (`ε/λ̄ ≳ 1e-15`), and the extra
    /// candidates it adds (`ε·T`) are negligible.
    pub const DEFAULT_EPSILON: f64 = 1e-6;

    /// The hidden part of `model` given the observed spikes `observed` (`n_obs` or `N`
    /// dimensions, every mark `< n_obs`), with candidate rate `λ̄ = Σ_h bound + epsilon`.
    ///
    /// Errors: no hidden neurons; an activation without a global bound (`Exp`: the ∂PP needs
    /// a constant `λ̄`); `epsilon` not finite or below `1e-12·Σ_h bound` (the 'none' category
    /// would have a probability too close to 0 to be represented); an observed sequence of
    /// the wrong dimension or with a mark `>= n_obs`.
    ///
    /// ```
    /// use diffpp::srm::SrmHidden;
    /// use pp_core::{EventSequence, Window};
    /// let obs = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// let exp = snn_model::SnnBuilder::new(1, 1).activation(snn_model::Activation::Exp).check()?;
    /// assert!(SrmHidden::new(&exp, &obs, 1e-6).is_err());
    /// let sig = snn_model::SnnBuilder::new(1, 1).check()?;
    /// assert!(SrmHidden::new(&sig, &obs, 0.0).is_err());
    /// assert!(SrmHidden::new(&sig, &obs, 1e-6).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(model: &'a Snn, observed: &'a EventSequence, epsilon: f64) -> Result<Self> {
        let hh = model.n_hidden();
        if hh == 0 {
            return Err(DiffppError::InvalidModel {
                what: "n_hidden",
                value: 0.0,
                reason: "the SNN has no hidden neurons to sample",
            });
        }
        let activation = model.activation();
        let Some(bound) = activation.bound() else {
            return Err(DiffppError::InvalidModel {
                what: "activation bound",
                value: f64::INFINITY,
                reason: "the dPP needs a constant candidate rate: use a bounded activation \
                         (scaled sigmoid or hardtanh), not exp",
            });
        };
        let total = bound * hh as f64;
        if !(epsilon.is_finite() && epsilon >= 1e-12 * total && epsilon > 0.0) {
            return Err(DiffppError::InvalidModel {
                what: "epsilon",
                value: epsilon,
                reason: "need a finite epsilon >= 1e-12 * (sum of the hidden bounds), > 0",
            });
        }
        model.check_observed(observed)?;
        let basis = model.basis();
        let mut me = Self {
            model,
            observed,
            epsilon,
            rate: total + epsilon,
            support: basis.support(),
            activation,
            lags: (0..model.n_basis())
                .map(|k| basis.lag_interval(k))
                .collect(),
            epan: match basis {
                snn_model::Basis::Epanechnikov { centers, scale } => {
                    Some((centers.clone(), 1.0 / scale))
                }
                _ => None,
            },
            cuts: Vec::new(),
            origins: Vec::new(),
            obs_u: Vec::new(),
            obs_phi: Vec::new(),
        };
        me.precompute()?;
        Ok(me)
    }

    /// The model.
    ///
    /// ```
    /// # use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let obs = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// let h = diffpp::srm::SrmHidden::new(&m, &obs, 1e-6)?;
    /// assert_eq!(h.model().n_hidden(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn model(&self) -> &'a Snn {
        self.model
    }

    /// The observed sequence.
    ///
    /// ```
    /// # use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let obs = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// let h = diffpp::srm::SrmHidden::new(&m, &obs, 1e-6)?;
    /// assert!(h.observed().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn observed(&self) -> &'a EventSequence {
        self.observed
    }

    /// The `ε` of `λ̄`.
    ///
    /// ```
    /// # use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let obs = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// assert_eq!(diffpp::srm::SrmHidden::new(&m, &obs, 1e-5)?.epsilon(), 1e-5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn epsilon(&self) -> f64 {
        self.epsilon
    }

    /// Builds the piecewise expansion of the observed activations and of the observed part of
    /// the hidden potentials over the observed window.
    fn precompute(&mut self) -> Result<()> {
        let model = self.model;
        let (n, n_obs, hh, k) = (
            model.n_neurons(),
            model.n_obs(),
            model.n_hidden(),
            model.n_basis(),
        );
        let basis = model.basis();
        let np = basis.n_features();
        let kp = k * np;
        let w = self.observed.window();
        let (t0, t1) = (w.t0(), w.t1());
        self.cuts.clear();
        self.cuts.push(t0);
        if n_obs > 0 {
            let kinks = basis.kink_lags();
            for &t in self.observed.times() {
                for lag in std::iter::once(0.0).chain(kinks.iter().copied()) {
                    let c = t + lag;
                    if c > t0 && c < t1 {
                        self.cuts.push(c);
                    }
                }
            }
        }
        self.cuts.push(t1);
        self.cuts.sort_unstable_by(f64::total_cmp);
        self.cuts.dedup();
        let pieces = self.cuts.len() - 1;
        self.origins = self.cuts.windows(2).map(|c| 0.5 * (c[0] + c[1])).collect();
        self.obs_u = vec![0.0; pieces * hh * kp];
        self.obs_phi = vec![0.0; pieces * k * n_obs.max(1) * np];
        if n_obs == 0 {
            return Ok(());
        }
        let to_diffpp = |e: snn_model::SnnError| {
            DiffppError::Core(PpError::InvalidArgument {
                name: "observed spikes",
                reason: e.to_string(),
            })
        };
        let mut tracker = BasisTracker::new(basis, n_obs).map_err(to_diffpp)?;
        tracker
            .extend_from_history(self.observed.history())
            .map_err(to_diffpp)?;
        let wm = model.masked_weights_ikj();
        let mut coef = vec![0.0; k * n_obs * np];
        for p in 0..pieces {
            let origin = self.origins[p];
            tracker.advance(origin).map_err(to_diffpp)?;
            tracker.expansion(origin, &mut coef);
            self.obs_phi[p * k * n_obs * np..(p + 1) * k * n_obs * np].copy_from_slice(&coef);
            for h in 0..hh {
                let i = n_obs + h;
                let out = &mut self.obs_u[(p * hh + h) * kp..(p * hh + h + 1) * kp];
                for kk in 0..k {
                    let wrow = &wm[(i * k + kk) * n..(i * k + kk) * n + n_obs];
                    for f in 0..np {
                        out[kk * np + f] = wrow
                            .iter()
                            .enumerate()
                            .map(|(o, wv)| wv * coef[(kk * n_obs + o) * np + f])
                            .sum();
                    }
                }
            }
        }
        Ok(())
    }

    /// `φ_k(lag)` for `lag > 0` (inlined for the Epanechnikov basis).
    #[inline(always)]
    fn basis_value(&self, k: usize, lag: f64) -> f64 {
        match &self.epan {
            Some((centers, inv_scale)) => {
                let x = (lag - centers[k]) * inv_scale;
                if x.abs() <= 1.0 {
                    0.75 * (1.0 - x * x)
                } else {
                    0.0
                }
            }
            None => self.model.basis().value(k, lag),
        }
    }

    /// Index of the observed piece for a query at `s` (the piece ending at `s` when `s` is a
    /// breakpoint: events at `s` are not yet in the history).
    #[inline]
    fn piece(&self, s: f64) -> usize {
        self.cuts
            .partition_point(|&c| c < s)
            .saturating_sub(1)
            .min(self.origins.len() - 1)
    }

    /// Potentials `u[h]`, and (for the VJP) the observed activations `phi_obs[k·O + o]` and the
    /// soft activations `phi_hid[k·H + j]` at `s`.
    #[inline]
    fn potentials(
        &self,
        s: f64,
        history: SoftEvents<'_>,
        u: &mut [f64],
        phi_obs: Option<&mut [f64]>,
        phi_hid: &mut [f64],
    ) {
        let model = self.model;
        let (n, n_obs, hh, k) = (
            model.n_neurons(),
            model.n_obs(),
            model.n_hidden(),
            model.n_basis(),
        );
        let basis = model.basis();
        let np = basis.n_features();
        let kp = k * np;
        let p = self.piece(s);
        let mut gbuf = [0.0; STACK];
        let mut gheap = Vec::new();
        let g: &mut [f64] = if kp <= STACK {
            &mut gbuf[..kp]
        } else {
            gheap.resize(kp, 0.0);
            &mut gheap
        };
        basis.features(s - self.origins[p], g);
        let bias = &model.bias()[n_obs..];
        for h in 0..hh {
            let c = &self.obs_u[(p * hh + h) * kp..(p * hh + h + 1) * kp];
            u[h] = bias[h] + c.iter().zip(g.iter()).map(|(a, b)| a * b).sum::<f64>();
        }
        if let Some(po) = phi_obs {
            for (ko, out) in po.iter_mut().enumerate().take(k * n_obs) {
                let kk = ko / n_obs.max(1);
                let c = &self.obs_phi[(p * k * n_obs + ko) * np..(p * k * n_obs + ko + 1) * np];
                *out = c
                    .iter()
                    .zip(&g[kk * np..(kk + 1) * np])
                    .map(|(a, b)| a * b)
                    .sum();
            }
        }
        // soft part
        phi_hid[..k * hh].fill(0.0);
        let times = history.times();
        for (kk, &(lo, hi)) in self.lags.iter().enumerate() {
            let start = times.partition_point(|&t| t <= s - hi);
            let end = if lo > 0.0 {
                times.partition_point(|&t| t < s - lo)
            } else {
                times.partition_point(|&t| t < s)
            };
            let acc = &mut phi_hid[kk * hh..(kk + 1) * hh];
            for e in start..end {
                let phi = self.basis_value(kk, s - times[e]);
                if phi == 0.0 {
                    continue;
                }
                for (a, &d) in acc.iter_mut().zip(history.weights_of(e)) {
                    *a += phi * d;
                }
            }
        }
        let wm = model.masked_weights_ikj();
        for h in 0..hh {
            let i = n_obs + h;
            let mut v = 0.0;
            for kk in 0..k {
                let wrow = &wm[(i * k + kk) * n + n_obs..(i * k + kk) * n + n];
                v += wrow
                    .iter()
                    .zip(&phi_hid[kk * hh..(kk + 1) * hh])
                    .map(|(a, b)| a * b)
                    .sum::<f64>();
            }
            u[h] += v;
        }
    }
}

/// A stack buffer of `len` zeros when small enough, else a heap one.
macro_rules! scratch {
    ($name:ident, $heap:ident, $len:expr) => {
        let mut $heap = Vec::new();
        let mut stack_buf = [0.0f64; STACK];
        let $name: &mut [f64] = if $len <= STACK {
            &mut stack_buf[..$len]
        } else {
            $heap.resize($len, 0.0);
            &mut $heap[..]
        };
    };
}

impl SoftHiddenIntensity for SrmHidden<'_> {
    fn n_hidden(&self) -> usize {
        self.model.n_hidden()
    }

    fn n_params(&self) -> usize {
        let (n, k) = (self.model.n_neurons(), self.model.n_basis());
        n + k * n * n
    }

    fn candidate_rate(&self) -> f64 {
        self.rate
    }

    fn support(&self) -> f64 {
        self.support
    }

    fn hidden_log_intensities(&self, s: f64, history: SoftEvents<'_>, out: &mut [f64]) {
        let (hh, k) = (self.model.n_hidden(), self.model.n_basis());
        scratch!(phi_hid, heap, k * hh);
        let out = &mut out[..hh];
        self.potentials(s, history, out, None, phi_hid);
        for o in out.iter_mut() {
            *o = self.activation.log_value(*o);
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
        let model = self.model;
        let (n, n_obs, hh, k) = (
            model.n_neurons(),
            model.n_obs(),
            model.n_hidden(),
            model.n_basis(),
        );
        scratch!(u, heap_u, hh);
        scratch!(phi_hid, heap_h, k * hh);
        scratch!(phi_obs, heap_o, k * n_obs);
        scratch!(v, heap_v, k * hh);
        self.potentials(s, history, u, Some(phi_obs), phi_hid);
        // ū_h = adjoint_h · d log ψ/du
        for (uh, &a) in u.iter_mut().zip(adjoint) {
            *uh = a * self.activation.log_value_and_derivative(*uh).1;
        }
        let u_bar = &*u;
        for (g, &ub) in grad_params[n_obs..n].iter_mut().zip(u_bar) {
            *g += ub;
        }
        let wm = model.masked_weights_ikj();
        for kk in 0..k {
            for (h, &ub) in u_bar.iter().enumerate() {
                if ub == 0.0 {
                    continue;
                }
                let i = n_obs + h;
                let base = n + (kk * n + i) * n;
                for o in 0..n_obs {
                    if model.connected(i, o) {
                        grad_params[base + o] += ub * phi_obs[kk * n_obs + o];
                    }
                }
                for j in 0..hh {
                    if model.connected(i, n_obs + j) {
                        grad_params[base + n_obs + j] += ub * phi_hid[kk * hh + j];
                    }
                }
            }
            // v[k][j] = Σ_h ū_h wm[O+h][k][O+j]
            let vk = &mut v[kk * hh..(kk + 1) * hh];
            vk.fill(0.0);
            for (h, &ub) in u_bar.iter().enumerate() {
                let i = n_obs + h;
                let wrow = &wm[(i * k + kk) * n + n_obs..(i * k + kk) * n + n];
                for (vj, &wv) in vk.iter_mut().zip(wrow) {
                    *vj += ub * wv;
                }
            }
        }
        let times = history.times();
        for (kk, &(lo, hi)) in self.lags.iter().enumerate() {
            let start = times.partition_point(|&t| t <= s - hi);
            let end = if lo > 0.0 {
                times.partition_point(|&t| t < s - lo)
            } else {
                times.partition_point(|&t| t < s)
            };
            let vk = &v[kk * hh..(kk + 1) * hh];
            for e in start..end {
                let phi = self.basis_value(kk, s - times[e]);
                if phi == 0.0 {
                    continue;
                }
                for (g, &vj) in grad_weights[e * hh..(e + 1) * hh].iter_mut().zip(vk) {
                    *g += phi * vj;
                }
            }
        }
    }
}
