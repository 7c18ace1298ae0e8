//! The fast incremental evaluator of basis activations `Φ_kj(t) = Σ_{e: t_e < t} m_{e,j} φ_k(t − t_e)`.
//!
//! Queries come in non-decreasing time order. Events enter and leave each basis function's
//! window as time advances, and running sums are kept so that a query costs `O(K·N)` whatever
//! the number of events in the window:
//!
//! * Epanechnikov: for each basis `k` and source neuron `j`, the sums of `m_{e,j}`,
//!   `m_{e,j} x_e` and `m_{e,j} x_e²` over the events in the window of `φ_k` (lags in
//!   `(max(c_k − s, 0), c_k + s)`), with `x_e = t_e − r_k` measured from a reference time `r_k`
//!   that follows the window (re-centred, and the sums rebuilt from the window's events, when it
//!   drifts more than a few widths away, and reset to exact zeros when the window empties: no
//!   drift and no cancellation). Then
//!   `Φ_kj(t) = 0.75 (n − (n τ² − 2 τ S₁ + S₂)/s²)` with `τ = t − c_k − r_k`.
//! * exponential and alpha kernels: decaying sums `A = Σ m e^{−Δ/τ}` and
//!   `B = Σ m Δ e^{−Δ/τ}`, multiplied by `e^{−dt/τ}` when time advances by `dt`.
//!
//! Events carry marks that are either one neuron (an ordinary spike) or a weight vector over a
//! contiguous run of neurons (a *soft* spike, e.g. a point of the simplex over the hidden
//! neurons): the running sums simply accumulate the weights.

use crate::basis::Basis;
use crate::error::{Result, SnnError};

/// How far (in window widths) the reference time of an Epanechnikov window may drift from the
/// window before the sums are rebuilt around a new one.
const RECENTRE_WIDTHS: f64 = 4.0;

/// `(A, B, τ, is_alpha)` of a decaying-kernel tracker.
pub(crate) type DecaySums<'a> = (&'a [f64], &'a [f64], &'a [f64], bool);

/// Incremental basis activations for time-ordered queries (see the module documentation).
///
/// Usage: push events (in time order), then [`advance`](Self::advance) to non-decreasing query
/// times and read [`activations`](Self::activations). An event at exactly the query time is
/// not counted (the history is strictly before `t`). Events may be pushed ahead of the current
/// time (they count once time passes them), but not behind it.
///
/// ```
/// use snn_model::{Basis, BasisTracker};
/// let basis = Basis::epanechnikov_default(2);
/// let mut tr = BasisTracker::new(&basis, 2)?;
/// tr.push_spike(1.0, 0)?;
/// tr.push_soft(1.5, 0, &[0.25, 0.75])?;
/// let mut phi = vec![0.0; 2 * 2]; // [k][j]
/// tr.advance(1.5)?; // the soft spike at 1.5 is not yet in the history
/// tr.activations(1.5, &mut phi);
/// assert!((phi[0] - basis.value(0, 0.5)).abs() < 1e-15);
/// assert_eq!(phi[1], 0.0);
/// tr.advance(2.0)?;
/// tr.activations(2.0, &mut phi);
/// assert!((phi[1] - 0.75 * basis.value(0, 0.5)).abs() < 1e-15);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BasisTracker {
    basis: Basis,
    n: usize,
    k: usize,
    times: Vec<f64>,
    /// First neuron of each event's mark.
    first: Vec<u32>,
    /// Width of the mark: 0 means one-hot (weight 1 on `first`), else `width` weights in `pool`.
    width: Vec<u32>,
    /// Offset of the weights in `pool`.
    offset: Vec<usize>,
    pool: Vec<f64>,
    /// Whether every mark weight pushed so far is `>= 0`.
    nonneg: bool,
    now: f64,
    state: State,
}

#[derive(Debug, Clone)]
enum State {
    Epanechnikov(EpanState),
    Decay(DecayState),
}

#[derive(Debug, Clone)]
struct EpanState {
    centers: Vec<f64>,
    scale: f64,
    lo: Vec<f64>,
    hi: Vec<f64>,
    /// Next event to enter window k.
    enter: Vec<usize>,
    /// Next event to leave window k (events `leave[k]..enter[k]` are inside).
    leave: Vec<usize>,
    /// Reference time of window k.
    reference: Vec<f64>,
    /// Sums `[k·N + j]` of m, m x, m x².
    s0: Vec<f64>,
    s1: Vec<f64>,
    s2: Vec<f64>,
}

#[derive(Debug, Clone)]
struct DecayState {
    alpha: bool,
    taus: Vec<f64>,
    /// Next event to enter (all kernels share it).
    enter: usize,
    /// `A[k·N + j]`, `B[k·N + j]` at time `now`.
    a: Vec<f64>,
    b: Vec<f64>,
}

impl BasisTracker {
    /// The bytes held on the heap: its events (time, mark, soft weights) and its running sums
    /// (`O(K·N)`).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 0).check()?;
    /// let t = snn_model::BasisTracker::new(m.basis(), 2)?;
    /// assert!(t.heap_bytes() > 0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn heap_bytes(&self) -> usize {
        let events = 8 * self.times.capacity()
            + 4 * (self.first.capacity() + self.width.capacity())
            + 8 * (self.offset.capacity() + self.pool.capacity());
        let state = match &self.state {
            State::Epanechnikov(s) => {
                8 * (s.centers.capacity()
                    + s.lo.capacity()
                    + s.hi.capacity()
                    + s.enter.capacity()
                    + s.leave.capacity()
                    + s.reference.capacity()
                    + s.s0.capacity()
                    + s.s1.capacity()
                    + s.s2.capacity())
            }
            State::Decay(s) => 8 * (s.taus.capacity() + s.a.capacity() + s.b.capacity()),
        };
        events + state
    }
    /// An empty tracker for `n_neurons` source neurons and the given basis (checked).
    ///
    /// ```
    /// use snn_model::{Basis, BasisTracker};
    /// assert!(BasisTracker::new(&Basis::epanechnikov_default(2), 3).is_ok());
    /// assert!(BasisTracker::new(&Basis::epanechnikov_default(2), 0).is_err());
    /// ```
    pub fn new(basis: &Basis, n_neurons: usize) -> Result<Self> {
        basis.check()?;
        if n_neurons == 0 || n_neurons > u32::MAX as usize {
            return Err(SnnError::invalid(
                "n_neurons",
                n_neurons,
                "must be at least 1 (and fit in u32)",
            ));
        }
        let k = basis.len();
        let kn = k * n_neurons;
        let state = match basis {
            Basis::Epanechnikov { centers, scale } => {
                let (lo, hi) = (0..k).map(|kk| basis.lag_interval(kk)).unzip();
                State::Epanechnikov(EpanState {
                    centers: centers.clone(),
                    scale: *scale,
                    lo,
                    hi,
                    enter: vec![0; k],
                    leave: vec![0; k],
                    reference: vec![0.0; k],
                    s0: vec![0.0; kn],
                    s1: vec![0.0; kn],
                    s2: vec![0.0; kn],
                })
            }
            Basis::Exponential { time_constants } | Basis::Alpha { time_constants } => {
                State::Decay(DecayState {
                    alpha: matches!(basis, Basis::Alpha { .. }),
                    taus: time_constants.clone(),
                    enter: 0,
                    a: vec![0.0; kn],
                    b: vec![0.0; kn],
                })
            }
        };
        Ok(Self {
            basis: basis.clone(),
            n: n_neurons,
            k,
            times: Vec::new(),
            first: Vec::new(),
            width: Vec::new(),
            offset: Vec::new(),
            pool: Vec::new(),
            nonneg: true,
            now: f64::NEG_INFINITY,
            state,
        })
    }

    /// Removes every event and rewinds time, keeping the allocations (buffer reuse).
    ///
    /// ```
    /// use snn_model::{Basis, BasisTracker};
    /// let mut tr = BasisTracker::new(&Basis::epanechnikov_default(2), 1)?;
    /// tr.push_spike(1.0, 0)?;
    /// tr.advance(2.0)?;
    /// tr.clear();
    /// assert_eq!(tr.n_events(), 0);
    /// tr.advance(0.0)?; // time may start again from anywhere
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn clear(&mut self) {
        self.times.clear();
        self.first.clear();
        self.width.clear();
        self.offset.clear();
        self.pool.clear();
        self.nonneg = true;
        self.now = f64::NEG_INFINITY;
        match &mut self.state {
            State::Epanechnikov(st) => {
                st.enter.fill(0);
                st.leave.fill(0);
                st.reference.fill(0.0);
                st.s0.fill(0.0);
                st.s1.fill(0.0);
                st.s2.fill(0.0);
            }
            State::Decay(st) => {
                st.enter = 0;
                st.a.fill(0.0);
                st.b.fill(0.0);
            }
        }
    }

    /// Number of source neurons `N`.
    ///
    /// ```
    /// let tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 4)?;
    /// assert_eq!(tr.n_neurons(), 4);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn n_neurons(&self) -> usize {
        self.n
    }

    /// Number of basis functions `K`.
    ///
    /// ```
    /// let tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(3), 4)?;
    /// assert_eq!(tr.n_basis(), 3);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn n_basis(&self) -> usize {
        self.k
    }

    /// Number of events pushed.
    ///
    /// ```
    /// let mut tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 1)?;
    /// tr.push_spike(0.5, 0)?;
    /// assert_eq!(tr.n_events(), 1);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn n_events(&self) -> usize {
        self.times.len()
    }

    /// Times of the events pushed.
    ///
    /// ```
    /// let mut tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 1)?;
    /// tr.push_spike(0.5, 0)?;
    /// assert_eq!(tr.times(), &[0.5]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// The current time (of the last [`advance`](Self::advance)); `-inf` before the first.
    ///
    /// ```
    /// let mut tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 1)?;
    /// tr.advance(3.0)?;
    /// assert_eq!(tr.now(), 3.0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn now(&self) -> f64 {
        self.now
    }

    fn check_push_time(&self, t: f64) -> Result<()> {
        check_push_time(t, self.times.last().copied(), self.now)
    }

    /// Appends an ordinary spike of `neuron` at time `t` (`t` not before the last event nor
    /// before the current time).
    ///
    /// ```
    /// let mut tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 2)?;
    /// tr.push_spike(1.0, 1)?;
    /// assert!(tr.push_spike(0.5, 0).is_err());
    /// assert!(tr.push_spike(2.0, 2).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn push_spike(&mut self, t: f64, neuron: usize) -> Result<()> {
        self.check_push_time(t)?;
        if neuron >= self.n {
            return Err(SnnError::NeuronOutOfRange {
                neuron,
                n_neurons: self.n,
            });
        }
        self.times.push(t);
        self.first.push(neuron as u32);
        self.width.push(0);
        self.offset.push(0);
        Ok(())
    }

    /// Appends a soft spike at time `t` whose mark puts weight `weights[r]` on neuron
    /// `first + r` (e.g. `first = n_obs` and the simplex weights of the hidden neurons).
    ///
    /// ```
    /// let mut tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 3)?;
    /// tr.push_soft(1.0, 1, &[0.5, 0.5])?;
    /// assert!(tr.push_soft(2.0, 2, &[0.5, 0.5]).is_err()); // runs past neuron 2
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn push_soft(&mut self, t: f64, first: usize, weights: &[f64]) -> Result<()> {
        self.check_push_time(t)?;
        check_soft_mark(self.n, first, weights)?;
        self.times.push(t);
        self.first.push(first as u32);
        self.width.push(weights.len() as u32);
        self.offset.push(self.pool.len());
        self.pool.extend_from_slice(weights);
        self.nonneg &= weights.iter().all(|&w| w >= 0.0);
        Ok(())
    }

    /// Drops the events that can no longer change the activations at the current time or
    /// later (Epanechnikov: those that have left every window; exponential and alpha kernels:
    /// those already folded into the decaying sums), once they are at least half of the
    /// events held and at least [`FORGET_MIN`](Self::FORGET_MIN), so that a long stream of
    /// events is held in memory bounded by the kernel support (amortised `O(1)` per event).
    /// Returns how many were dropped. Activations are unchanged, to the bit; afterwards
    /// [`times`](Self::times) and [`n_events`](Self::n_events) count only the events kept.
    ///
    /// ```
    /// let mut tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 1)?;
    /// for e in 0..5000 {
    ///     tr.push_spike(e as f64, 0)?;
    /// }
    /// tr.advance(5000.0)?; // the lags reach 11: the spikes after t = 4989 are still needed
    /// assert_eq!(tr.forget_passed(), 4990);
    /// assert_eq!(tr.n_events(), 10);
    /// assert_eq!(tr.forget_passed(), 0); // too few to drop
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn forget_passed(&mut self) -> usize {
        let passed = match &self.state {
            State::Epanechnikov(st) => st.leave.iter().copied().min().unwrap_or(0),
            State::Decay(st) => st.enter,
        };
        if passed < Self::FORGET_MIN || 2 * passed < self.times.len() {
            return 0;
        }
        // the weights of the first soft event kept (one-hot events hold none, and offset 0)
        let pool_cut = (passed..self.times.len())
            .find(|&e| self.width[e] > 0)
            .map_or(self.pool.len(), |e| self.offset[e]);
        for (o, &w) in self.offset[passed..].iter_mut().zip(&self.width[passed..]) {
            if w > 0 {
                *o -= pool_cut;
            }
        }
        self.times.drain(..passed);
        self.first.drain(..passed);
        self.width.drain(..passed);
        self.offset.drain(..passed);
        self.pool.drain(..pool_cut);
        match &mut self.state {
            State::Epanechnikov(st) => {
                for (e, l) in st.enter.iter_mut().zip(st.leave.iter_mut()) {
                    *e -= passed;
                    *l -= passed;
                }
            }
            State::Decay(st) => st.enter -= passed,
        }
        passed
    }

    /// The least number of passed events [`forget_passed`](Self::forget_passed) drops at once.
    pub const FORGET_MIN: usize = 1024;

    /// Calls `f(j, m_{e,j})` for every neuron `j` of event `e`'s mark.
    #[inline]
    pub(crate) fn each_mark(&self, e: usize, f: impl FnMut(usize, f64)) {
        self.for_mark(e, f)
    }

    /// Whether every mark weight pushed so far is `>= 0`.
    pub(crate) fn nonnegative_marks(&self) -> bool {
        self.nonneg
    }

    /// For exponential and alpha kernels: the decaying sums `(A, B, τ, is_alpha)` at `now`.
    pub(crate) fn decay_sums(&self) -> Option<DecaySums<'_>> {
        match &self.state {
            State::Decay(st) => Some((&st.a, &st.b, &st.taus, st.alpha)),
            State::Epanechnikov(_) => None,
        }
    }

    /// Calls `f(j, m_{e,j})` for every neuron `j` of event `e`'s mark.
    #[inline]
    fn for_mark(&self, e: usize, mut f: impl FnMut(usize, f64)) {
        let first = self.first[e] as usize;
        let width = self.width[e] as usize;
        if width == 0 {
            f(first, 1.0);
        } else {
            let w = &self.pool[self.offset[e]..self.offset[e] + width];
            for (r, &m) in w.iter().enumerate() {
                f(first + r, m);
            }
        }
    }

    /// Moves the current time to `t` (non-decreasing): events strictly before `t` are in the
    /// history, and each basis window is updated.
    ///
    /// ```
    /// let mut tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 1)?;
    /// tr.advance(2.0)?;
    /// assert!(tr.advance(1.0).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn advance(&mut self, t: f64) -> Result<()> {
        check_query_time(t, self.now)?;
        // Move the state out to satisfy the borrow checker without cloning.
        let mut state = std::mem::replace(
            &mut self.state,
            State::Decay(DecayState {
                alpha: false,
                taus: Vec::new(),
                enter: 0,
                a: Vec::new(),
                b: Vec::new(),
            }),
        );
        match &mut state {
            State::Epanechnikov(st) => self.advance_epan(st, t),
            State::Decay(st) => self.advance_decay(st, t),
        }
        self.state = state;
        self.now = t;
        Ok(())
    }

    fn advance_epan(&self, st: &mut EpanState, t: f64) {
        let n = self.n;
        let width = 2.0 * st.scale;
        for k in 0..self.k {
            let row = k * n;
            // Enter: lag > lo, i.e. t_e < t − lo (strict; for lo = 0 exactly "before t").
            let enter_limit = t - st.lo[k];
            while st.enter[k] < self.times.len() && self.times[st.enter[k]] < enter_limit {
                let e = st.enter[k];
                if st.leave[k] == e {
                    // Entering an empty window: start from exact zeros around this event.
                    st.reference[k] = self.times[e];
                    st.s0[row..row + n].fill(0.0);
                    st.s1[row..row + n].fill(0.0);
                    st.s2[row..row + n].fill(0.0);
                }
                let x = self.times[e] - st.reference[k];
                self.for_mark(e, |j, m| {
                    st.s0[row + j] += m;
                    st.s1[row + j] += m * x;
                    st.s2[row + j] += m * x * x;
                });
                st.enter[k] += 1;
            }
            // Leave: lag >= hi, i.e. t_e <= t − hi (φ_k is 0 there).
            let leave_limit = t - st.hi[k];
            let mut left = false;
            while st.leave[k] < st.enter[k] && self.times[st.leave[k]] <= leave_limit {
                let e = st.leave[k];
                let x = self.times[e] - st.reference[k];
                self.for_mark(e, |j, m| {
                    st.s0[row + j] -= m;
                    st.s1[row + j] -= m * x;
                    st.s2[row + j] -= m * x * x;
                });
                st.leave[k] += 1;
                left = true;
            }
            let target = t - st.centers[k];
            if st.leave[k] == st.enter[k] {
                if left {
                    st.s0[row..row + n].fill(0.0);
                    st.s1[row..row + n].fill(0.0);
                    st.s2[row..row + n].fill(0.0);
                }
                st.reference[k] = target;
            } else if (target - st.reference[k]).abs() > RECENTRE_WIDTHS * width {
                // Rebuild the sums from the window's events around a new reference.
                st.reference[k] = target;
                st.s0[row..row + n].fill(0.0);
                st.s1[row..row + n].fill(0.0);
                st.s2[row..row + n].fill(0.0);
                for e in st.leave[k]..st.enter[k] {
                    let x = self.times[e] - target;
                    self.for_mark(e, |j, m| {
                        st.s0[row + j] += m;
                        st.s1[row + j] += m * x;
                        st.s2[row + j] += m * x * x;
                    });
                }
            }
        }
    }

    fn advance_decay(&self, st: &mut DecayState, t: f64) {
        let n = self.n;
        if self.now.is_finite() && t > self.now {
            let dt = t - self.now;
            for (k, &tau) in st.taus.iter().enumerate() {
                let decay = (-dt / tau).exp();
                let (a, b) = (&mut st.a[k * n..(k + 1) * n], &mut st.b[k * n..(k + 1) * n]);
                if st.alpha {
                    for (bj, &aj) in b.iter_mut().zip(a.iter()) {
                        *bj = (*bj + dt * aj) * decay;
                    }
                }
                for aj in a.iter_mut() {
                    *aj *= decay;
                }
            }
        }
        while st.enter < self.times.len() && self.times[st.enter] < t {
            let e = st.enter;
            let lag = t - self.times[e];
            for (k, &tau) in st.taus.iter().enumerate() {
                let f = (-lag / tau).exp();
                let row = k * n;
                let alpha = st.alpha;
                self.for_mark(e, |j, m| {
                    st.a[row + j] += m * f;
                    if alpha {
                        st.b[row + j] += m * lag * f;
                    }
                });
            }
            st.enter += 1;
        }
    }

    /// Writes the basis activations `Φ[k·N + j] = Σ_e m_{e,j} φ_k(t − t_e)` at time `t`, with
    /// the events in the windows of the current time ([`now`](Self::now)). Exact for
    /// `t = now`; for another `t` it is the analytic continuation of the current windows, exact
    /// as long as no event enters or leaves a window between `now` and `t`.
    ///
    /// ```
    /// let b = snn_model::Basis::Exponential { time_constants: vec![1.0] };
    /// let mut tr = snn_model::BasisTracker::new(&b, 1)?;
    /// tr.push_spike(0.0, 0)?;
    /// tr.advance(1.0)?;
    /// let mut phi = [0.0];
    /// tr.activations(1.5, &mut phi);
    /// assert!((phi[0] - (-1.5f64).exp()).abs() < 1e-15);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn activations(&self, t: f64, out: &mut [f64]) {
        let n = self.n;
        match &self.state {
            State::Epanechnikov(st) => {
                let inv_s2 = 1.0 / (st.scale * st.scale);
                for k in 0..self.k {
                    let row = k * n;
                    if st.leave[k] == st.enter[k] {
                        out[row..row + n].fill(0.0);
                        continue;
                    }
                    let tau = t - st.centers[k] - st.reference[k];
                    for j in 0..n {
                        let (s0, s1, s2) = (st.s0[row + j], st.s1[row + j], st.s2[row + j]);
                        // Σ m (τ − x)² = n τ² − 2 τ S₁ + S₂
                        let q = (s0 * tau - 2.0 * s1) * tau + s2;
                        out[row + j] = 0.75 * (s0 - q * inv_s2);
                    }
                }
            }
            State::Decay(st) => {
                let d = if self.now.is_finite() {
                    t - self.now
                } else {
                    0.0
                };
                for (k, &tau) in st.taus.iter().enumerate() {
                    let row = k * n;
                    let decay = (-d / tau).exp();
                    if st.alpha {
                        let c = std::f64::consts::E / tau * decay;
                        for j in 0..n {
                            out[row + j] = c * (st.b[row + j] + d * st.a[row + j]);
                        }
                    } else {
                        for j in 0..n {
                            out[row + j] = st.a[row + j] * decay;
                        }
                    }
                }
            }
        }
    }

    /// [`advance`](Self::advance) to `t` then [`activations`](Self::activations) at `t`.
    ///
    /// ```
    /// let mut tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 1)?;
    /// tr.push_spike(0.0, 0)?;
    /// let mut phi = [0.0; 2];
    /// tr.activations_at(10.0, &mut phi)?;
    /// assert_eq!(phi, [0.0, 0.75]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn activations_at(&mut self, t: f64, out: &mut [f64]) -> Result<()> {
        self.advance(t)?;
        self.activations(t, out);
        Ok(())
    }

    /// The local expansion of the activations around `origin` with the current windows:
    /// `Φ[k·N + j](t) = Σ_p coef[(k·N + j)·P + p] · g_kp(t − origin)` with the features `g` of
    /// [`Basis::features`] (`P = `[`Basis::n_features`]). Exact between the current time's
    /// neighbouring breakpoints.
    ///
    /// ```
    /// let basis = snn_model::Basis::epanechnikov_default(1); // centre 0, scale 1
    /// let mut tr = snn_model::BasisTracker::new(&basis, 1)?;
    /// tr.push_spike(0.0, 0)?;
    /// tr.advance(0.5)?;
    /// let mut coef = [0.0; 3];
    /// tr.expansion(0.5, &mut coef);
    /// let x = 0.1f64;
    /// let phi = coef[0] + coef[1] * x + coef[2] * x * x;
    /// assert!((phi - basis.value(0, 0.6)).abs() < 1e-15);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn expansion(&self, origin: f64, coef: &mut [f64]) {
        let n = self.n;
        match &self.state {
            State::Epanechnikov(st) => {
                let inv_s2 = 1.0 / (st.scale * st.scale);
                for k in 0..self.k {
                    let row = k * n;
                    let empty = st.leave[k] == st.enter[k];
                    let delta = origin - st.centers[k] - st.reference[k];
                    for j in 0..n {
                        let c = &mut coef[3 * (row + j)..3 * (row + j) + 3];
                        if empty {
                            c.fill(0.0);
                            continue;
                        }
                        let (s0, s1, s2) = (st.s0[row + j], st.s1[row + j], st.s2[row + j]);
                        // Σ m (δ + x − x_e)² = s0 x² + 2 (s0 δ − s1) x + (s0 δ² − 2 δ s1 + s2)
                        let q0 = (s0 * delta - 2.0 * s1) * delta + s2;
                        c[0] = 0.75 * (s0 - q0 * inv_s2);
                        c[1] = -1.5 * (s0 * delta - s1) * inv_s2;
                        c[2] = -0.75 * s0 * inv_s2;
                    }
                }
            }
            State::Decay(st) => {
                let d = if self.now.is_finite() {
                    origin - self.now
                } else {
                    0.0
                };
                for (k, &tau) in st.taus.iter().enumerate() {
                    let row = k * n;
                    let decay = (-d / tau).exp();
                    for j in 0..n {
                        // State moved to `origin`: A' = A e^{−d/τ}, B' = (B + d A) e^{−d/τ}.
                        let a = st.a[row + j] * decay;
                        if st.alpha {
                            let b = (st.b[row + j] + d * st.a[row + j]) * decay;
                            let c = std::f64::consts::E / tau;
                            coef[2 * (row + j)] = c * b;
                            coef[2 * (row + j) + 1] = c * a;
                        } else {
                            coef[row + j] = a;
                        }
                    }
                }
            }
        }
    }

    /// The basis.
    ///
    /// ```
    /// let tr = snn_model::BasisTracker::new(&snn_model::Basis::epanechnikov_default(2), 1)?;
    /// assert_eq!(tr.basis().len(), 2);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn basis(&self) -> &Basis {
        &self.basis
    }
}

/// Checks the time `t` of a pushed event: finite, not before the `last` pushed event, not
/// behind the current time `now`.
/// A soft mark of `weights` on the neurons `first..` of `n`: at least one weight, all inside
/// the neurons, all finite.
pub(crate) fn check_soft_mark(n: usize, first: usize, weights: &[f64]) -> Result<()> {
    if weights.is_empty() || first + weights.len() > n {
        return Err(SnnError::shape(
            "soft mark",
            format!(
                "1..={} weights from neuron {first}",
                n.saturating_sub(first)
            ),
            format!("{} weights", weights.len()),
        ));
    }
    if let Some(r) = weights.iter().position(|w| !w.is_finite()) {
        return Err(SnnError::invalid(
            format!("soft mark weight [{r}]"),
            weights[r],
            "must be finite",
        ));
    }
    Ok(())
}

pub(crate) fn check_push_time(t: f64, last: Option<f64>, now: f64) -> Result<()> {
    if !t.is_finite() {
        return Err(SnnError::invalid("event time", t, "must be finite"));
    }
    if let Some(last) = last
        && t < last
    {
        return Err(SnnError::OutOfOrder {
            what: "pushed event times",
            previous: last,
            time: t,
        });
    }
    if t < now {
        return Err(SnnError::OutOfOrder {
            what: "event times (an event cannot be pushed behind the current time)",
            previous: now,
            time: t,
        });
    }
    Ok(())
}

/// Checks a query time `t`: finite and not before the current time `now`.
pub(crate) fn check_query_time(t: f64, now: f64) -> Result<()> {
    if !t.is_finite() {
        return Err(SnnError::invalid("query time", t, "must be finite"));
    }
    if t < now {
        return Err(SnnError::OutOfOrder {
            what: "query times",
            previous: now,
            time: t,
        });
    }
    Ok(())
}
