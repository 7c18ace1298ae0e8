//! Exact simulation of the SNN by thinning through `pp-thinning` (docs/math.md §2).
//!
//! [`Simulator`] implements [`SequentialIntensity`]: its state is a [`PotentialTracker`], so a
//! candidate costs `O(N·K)` with the Epanechnikov basis (target-space windowed sums) and
//! `O(N²·K)` with the exponential and alpha kernels, whatever the history; the exp activation's
//! local bound also keeps a [`BasisTracker`] of the same spikes. Bounds:
//!
//! * sigmoid and hardtanh activations: the global bound `Σ_i sup ψ = N·a` (hardtanh `N·(a + ε)`),
//!   valid until the next event;
//! * exp activation: a *local* bound over the horizon `(s, s + h]`, exact (not heuristic): for
//!   every basis function and source neuron the activation `Φ_kj(t)` is bounded below and above
//!   on the horizon (per event by the extrema of `φ_k` over its lags, or, for exponential and
//!   alpha kernels, from the running sums), then `u_i ≤ b_i + Σ_kj max(W̃ Φ^lo, W̃ Φ^hi)` and
//!   `λ̄ = Σ_i exp(u_i^max)`. The bound is kept until an event is accepted or the horizon ends.

use pp_core::{EventSequence, Window};
use pp_thinning::{BoundSpec, SequentialIntensity, Thinning, sequence_rng};
use rand::Rng;
use rayon::prelude::*;

use crate::activation::Activation;
use crate::basis::Basis;
use crate::error::{Result, SnnError};
use crate::model::Snn;
use crate::potential_tracker::PotentialTracker;
use crate::tracker::BasisTracker;

/// The SNN as a thinning model, with the horizon `h` of the exp activation's local bound.
///
/// ```
/// use pp_core::Window;
/// use pp_thinning::Thinning;
/// use rand::SeedableRng;
/// let model = snn_model::SnnBuilder::new(2, 0).bias(vec![0.0, 0.5]).check()?;
/// let sampler = Thinning::new(snn_model::Simulator::new(&model), Window::new(0.0, 10.0)?)?;
/// let s = sampler.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
/// assert!(s.sequence.len() > 10);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Simulator<'a> {
    model: &'a Snn,
    horizon: f64,
}

/// Per-sequence state of a [`Simulator`]: the incremental evaluator and buffers (made by
/// [`SequentialIntensity::new_state`], reused across sequences).
///
/// ```
/// use pp_thinning::SequentialIntensity;
/// let m = snn_model::SnnBuilder::new(2, 0).check()?;
/// let sim = snn_model::Simulator::new(&m);
/// let mut state: snn_model::SimState = sim.new_state();
/// sim.reset(&mut state, 0.0);
/// assert_eq!(sim.bound(&mut state, 0.0).rate, 10.0); // N · a
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SimState {
    potentials: PotentialTracker,
    /// The basis activations for the exp activation's local bound (`None` otherwise).
    bounds: Option<BasisTracker>,
    u: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    cached: Option<BoundSpec>,
    failed: bool,
}

impl<'a> Simulator<'a> {
    /// A simulator with the default horizon: a quarter of the basis' characteristic time
    /// (Epanechnikov scale, smallest time constant).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// assert_eq!(snn_model::Simulator::new(&m).horizon(), 0.25);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn new(model: &'a Snn) -> Self {
        let characteristic = match model.basis() {
            Basis::Epanechnikov { scale, .. } => *scale,
            Basis::Exponential { time_constants } | Basis::Alpha { time_constants } => {
                time_constants.iter().copied().fold(f64::INFINITY, f64::min)
            }
        };
        Self {
            model,
            horizon: 0.25 * characteristic,
        }
    }

    /// Sets the horizon of the local bound (finite, `> 0`; used by the exp activation only).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// assert!(snn_model::Simulator::new(&m).with_horizon(0.0).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn with_horizon(mut self, horizon: f64) -> Result<Self> {
        if !(horizon.is_finite() && horizon > 0.0) {
            return Err(SnnError::invalid(
                "horizon",
                horizon,
                "must be finite and positive",
            ));
        }
        self.horizon = horizon;
        Ok(self)
    }

    /// The horizon of the local bound.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// assert_eq!(snn_model::Simulator::new(&m).with_horizon(2.0)?.horizon(), 2.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn horizon(&self) -> f64 {
        self.horizon
    }

    /// The model.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(3, 0).check()?;
    /// assert_eq!(snn_model::Simulator::new(&m).model().n_neurons(), 3);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn model(&self) -> &'a Snn {
        self.model
    }

    /// The exact local bound for the exp activation on `(s, s + h]`.
    fn local_bound(&self, st: &mut SimState, s: f64) -> BoundSpec {
        let m = self.model;
        let (n, k) = (m.n_neurons(), m.n_basis());
        let h = self.horizon;
        // Include events at s itself: they are part of H_t for t > s.
        let Some(tracker) = st.bounds.as_mut() else {
            st.failed = true;
            return BoundSpec::new(f64::NAN, s + h);
        };
        if tracker.advance(s.next_up()).is_err() {
            st.failed = true;
            return BoundSpec::new(f64::NAN, s + h);
        }
        tracker.activation_bounds(h, &mut st.lo, &mut st.hi);
        let wm = m.masked_weights_ikj();
        let mut rate = 0.0;
        for i in 0..n {
            let mut u = m.bias()[i];
            for idx in 0..k * n {
                let w = wm[i * k * n + idx];
                u += (w * st.lo[idx]).max(w * st.hi[idx]);
            }
            rate += u.exp();
        }
        BoundSpec::new(rate, s + h)
    }
}

impl SequentialIntensity for Simulator<'_> {
    type State = SimState;

    fn dim(&self) -> usize {
        self.model.n_neurons()
    }

    fn new_state(&self) -> SimState {
        let (n, k) = (self.model.n_neurons(), self.model.n_basis());
        let bounds = matches!(self.model.activation(), Activation::Exp).then(|| {
            BasisTracker::new(self.model.basis(), n)
                .expect("a checked model has a valid basis and at least one neuron")
        });
        SimState {
            potentials: PotentialTracker::new(self.model),
            bounds,
            u: vec![0.0; n],
            lo: vec![0.0; k * n],
            hi: vec![0.0; k * n],
            cached: None,
            failed: false,
        }
    }

    fn reset(&self, st: &mut SimState, _t0: f64) {
        st.potentials.clear();
        if let Some(tracker) = &mut st.bounds {
            tracker.clear();
        }
        st.cached = None;
        st.failed = false;
    }

    fn intensities_at(&self, st: &mut SimState, s: f64, out: &mut [f64]) {
        if st.failed || st.potentials.potentials_at(s, &mut st.u).is_err() {
            // Only reachable if the sampler broke its call protocol: reported by the sampler as
            // an invalid intensity, never a panic.
            st.failed = true;
            out.fill(f64::NAN);
            return;
        }
        self.model.intensities_from_potentials(&st.u, out);
    }

    fn accept(&self, st: &mut SimState, s: f64, mark: u32) {
        let mut ok = st.potentials.push_spike(s, mark as usize).is_ok();
        if let Some(tracker) = &mut st.bounds {
            ok &= tracker.push_spike(s, mark as usize).is_ok();
        }
        if !ok {
            st.failed = true;
        }
        st.cached = None;
    }

    fn bound(&self, st: &mut SimState, s: f64) -> BoundSpec {
        let n = self.model.n_neurons() as f64;
        match self.model.activation() {
            Activation::Sigmoid { amplitude } => BoundSpec::until_next_event(n * amplitude),
            Activation::Hardtanh { amplitude, eps } => {
                BoundSpec::until_next_event(n * (amplitude + eps))
            }
            Activation::Exp => {
                if let Some(c) = st.cached
                    && s < c.valid_until
                {
                    return c;
                }
                let b = self.local_bound(st, s);
                st.cached = Some(b);
                b
            }
        }
    }
}

impl BasisTracker {
    /// Lower and upper bounds of every activation `Φ[k·N + j](t)` for `t ∈ (now, now + h]`,
    /// assuming no new event: per event from the extrema of `φ_k` over its lags (Epanechnikov,
    /// events in the support only), or from the running sums for exponential and alpha
    /// kernels (exact extrema of `A e^{−x/τ}` and `(B + x A) e^{−x/τ}` on `[0, h]`, valid when
    /// every mark weight is non-negative; otherwise per event).
    ///
    /// ```
    /// let basis = snn_model::Basis::epanechnikov_default(2);
    /// let mut tr = snn_model::BasisTracker::new(&basis, 1)?;
    /// tr.push_spike(0.0, 0)?;
    /// tr.advance(0.5)?;
    /// let (mut lo, mut hi) = ([0.0; 2], [0.0; 2]);
    /// tr.activation_bounds(0.25, &mut lo, &mut hi);
    /// assert_eq!(hi[0], basis.value(0, 0.5));
    /// assert_eq!(lo[0], basis.value(0, 0.75));
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn activation_bounds(&self, h: f64, lo: &mut [f64], hi: &mut [f64]) {
        lo.fill(0.0);
        hi.fill(0.0);
        let now = self.now();
        let n = self.n_neurons();
        let basis = self.basis();
        if let Some((a, b, taus, alpha)) = self.decay_sums()
            && self.nonnegative_marks()
        {
            for (k, &tau) in taus.iter().enumerate() {
                let decay = (-h / tau).exp();
                for j in 0..n {
                    let (aj, bj) = (a[k * n + j], b[k * n + j]);
                    if alpha {
                        let c = std::f64::consts::E / tau;
                        let f = |x: f64| (bj + x * aj) * (-x / tau).exp();
                        let peak = if aj > 0.0 { tau - bj / aj } else { 0.0 };
                        hi[k * n + j] = c * f(peak.clamp(0.0, h));
                        lo[k * n + j] = c * f(0.0).min(f(h));
                    } else {
                        hi[k * n + j] = aj;
                        lo[k * n + j] = aj * decay;
                    }
                }
            }
            return;
        }
        let support = basis.support();
        let times = self.times();
        let start = times.partition_point(|&t| t <= now - support);
        let end = times.partition_point(|&t| t < now);
        for e in start..end {
            let (l0, l1) = (now - times[e], now - times[e] + h);
            for k in 0..basis.len() {
                let (pmin, pmax) = (basis.min_on(k, l0, l1), basis.max_on(k, l0, l1));
                if pmax == 0.0 {
                    continue;
                }
                self.each_mark(e, |j, m| {
                    let (x, y) = (m * pmin, m * pmax);
                    lo[k * n + j] += x.min(y);
                    hi[k * n + j] += x.max(y);
                });
            }
        }
    }
}

impl Snn {
    /// One exact sample on `window` by thinning ([`Simulator`] with its default horizon).
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let m = snn_model::SnnBuilder::new(2, 0).check()?;
    /// let w = pp_core::Window::new(0.0, 5.0)?;
    /// let a = m.simulate(w, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
    /// let b = m.simulate(w, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
    /// assert_eq!(a, b); // same seed, same bits
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn simulate<R: Rng + ?Sized>(&self, window: Window, rng: &mut R) -> Result<EventSequence> {
        let sampler = Thinning::new(Simulator::new(self), window)?;
        sampler
            .sample(rng)
            .map(|s| s.sequence)
            .map_err(|e| self.thinning_error(e, None))
    }

    /// A thinning error in the model's terms: an infinite bound of an `exp` network is
    /// [`SnnError::Unstable`], naming the neuron of the largest potential when the spikes
    /// accepted so far (`history`: times and neurons) are known; other errors as they are.
    ///
    /// ```
    /// use snn_model::{Activation, SnnBuilder, SnnError};
    /// // strong self-excitation with exp: the rate explodes
    /// let m = SnnBuilder::new(1, 0).activation(Activation::Exp).bias(vec![1.0])
    ///     .weights(vec![5.0, 5.0]).check()?;
    /// let w = pp_core::Window::new(0.0, 50.0)?;
    /// let err = m.simulate(w, &mut pp_thinning::sequence_rng(1, 0)).unwrap_err();
    /// assert!(matches!(err, SnnError::Unstable { .. }), "{err}");
    /// assert!(err.to_string().contains("unstable"));
    /// # Ok::<(), SnnError>(())
    /// ```
    pub fn thinning_error(
        &self,
        e: pp_thinning::ThinningError,
        history: Option<(&[f64], &[u32])>,
    ) -> SnnError {
        match e {
            pp_thinning::ThinningError::InvalidBound { time, rate, .. }
                if matches!(self.activation(), Activation::Exp) && !rate.is_finite() =>
            {
                let neuron = history.and_then(|(times, marks)| {
                    let h = pp_core::History::new(times, marks).ok()?;
                    let mut u = vec![0.0; self.n_neurons()];
                    self.potentials_direct(time.next_up(), h, &mut u);
                    u.iter()
                        .copied()
                        .enumerate()
                        .max_by(|a, b| a.1.total_cmp(&b.1))
                });
                SnnError::Unstable { time, neuron }
            }
            other => other.into(),
        }
    }

    /// `count` independent samples in parallel (rayon); sequence `k` uses
    /// `pp_thinning::sequence_rng(seed, k)`, so the result does not depend on the number of
    /// threads.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 0).check()?;
    /// let w = pp_core::Window::new(0.0, 5.0)?;
    /// let many = m.simulate_many(w, 9, 4)?;
    /// assert_eq!(many.len(), 4);
    /// assert_eq!(many[2], m.simulate(w, &mut pp_thinning::sequence_rng(9, 2))?);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn simulate_many(
        &self,
        window: Window,
        seed: u64,
        count: usize,
    ) -> Result<Vec<EventSequence>> {
        let sampler = Thinning::new(Simulator::new(self), window)?;
        (0..count)
            .into_par_iter()
            .map(|k| {
                let mut rng = sequence_rng(seed, k as u64);
                sampler
                    .sample(&mut rng)
                    .map(|s| s.sequence)
                    .map_err(|e| self.thinning_error(e, None))
            })
            .collect()
    }
}
