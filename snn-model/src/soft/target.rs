//! Running windowed sums in *target* space for the Epanechnikov basis: every source event `e`
//! carries, per basis function `k` and target neuron `t`, the amplitude
//! `a[e][k][t] = Σ_j wm[i_t][k][j] m_{e,j}` (its whole effect on `u_{i_t}` through `φ_k`), and
//! for each `k` the sums `Σ a`, `Σ a x`, `Σ a x²` (`x = t_e − r_k`) over the events inside the
//! lag window `(lo_k, hi_k)` of the current time are kept as time advances. The potentials of
//! the targets are then explicit quadratics between breakpoints, at a cost of `O(K·targets)`
//! per query instead of `O(K·N·targets)` (source space). Reference times `r_k` follow the
//! windows (rebuilt after drifting a few widths, exact zeros when a window empties), as in
//! [`BasisTracker`](crate::BasisTracker).
//!
//! This is the low-level engine under [`PotentialTracker`](crate::PotentialTracker) and the
//! likelihood engine: the caller owns the event list (times in order) and says where each
//! event's amplitudes are ([`Amplitudes`]). It is public for evaluators that keep their own,
//! compact event lists — a particle filter keeps one per particle and drops the events that
//! have left every window ([`TargetWindows::oldest_in_use`], [`TargetWindows::forget_front`]).
//!
//! ```
//! use snn_model::soft::target::TargetWindows;
//! // one target, one Epanechnikov function centred at lag 2 with half-width 1: lags (1, 3)
//! let mut w = TargetWindows::default();
//! w.reset(&[2.0], 1.0, &[(1.0, 3.0)], 1);
//! let times = [0.0, 0.5];
//! let amp = [1.0, 2.0]; // [event][k][target]
//! w.advance(2.5, &times, &amp);
//! let mut u = [0.0];
//! w.values(2.5, &mut u);
//! let phi = |lag: f64| 0.75 * (1.0 - (lag - 2.0) * (lag - 2.0));
//! assert!((u[0] - (phi(2.5) + 2.0 * phi(2.0))).abs() < 1e-14);
//! ```

use super::planes::{planes, planes_mut};

/// How far (in window widths) the reference time may drift before the sums are rebuilt.
const RECENTRE_WIDTHS: f64 = 4.0;

/// Where the amplitudes `a[e][k][·]` (one per target) of source `e` through `φ_k` come from.
///
/// ```
/// use snn_model::soft::target::{Amplitudes, TargetWindows};
/// /// Every event has amplitude 1 on the single target.
/// struct Ones;
/// impl Amplitudes for Ones {
///     fn row<'a>(&'a self, _e: usize, _k: usize, _scratch: &'a mut [f64]) -> &'a [f64] {
///         &[1.0]
///     }
/// }
/// let mut w = TargetWindows::default();
/// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 1);
/// w.advance_with(0.5, &[0.0], &Ones);
/// assert_eq!(w.value_of(0.5, 0), 0.75 * (1.0 - 0.25));
/// ```
pub trait Amplitudes {
    /// The `nt` amplitudes of source `e` through basis function `k`: a row the implementor
    /// holds, or `scratch` (`nt` long) filled with them when they are computed on demand.
    fn row<'a>(&'a self, e: usize, k: usize, scratch: &'a mut [f64]) -> &'a [f64];
}

/// Appends the `K·nt` target-space amplitudes `[k][t]` of one soft event whose mark
/// `weights` spreads over the neurons `first..first + weights.len()`:
/// `Σ_j wm[i][k][first + j] m_j` for the targets `i` in `targets`, read from the transposed
/// weights `wt[k][j][i]` ([`transpose_into`]; `n` neurons, `k_all` basis functions) so the
/// loop runs along the targets (the terms are added in the order of `j`, as a sum per target).
pub(crate) fn push_soft_amplitudes(
    wt: &[f64],
    n: usize,
    k_all: usize,
    targets: std::ops::Range<usize>,
    first: usize,
    weights: &[f64],
    out: &mut Vec<f64>,
) {
    #[cfg(target_arch = "x86_64")]
    if super::simd::use_avx2() {
        // SAFETY: the processor supports AVX2 (checked by `use_avx2`).
        return unsafe { push_soft_amplitudes_avx2(wt, n, k_all, targets, first, weights, out) };
    }
    soft_amplitudes(wt, n, k_all, targets, first, weights, out);
}

/// [`push_soft_amplitudes`] compiled for AVX2 (the same operations in the same order: the same
/// bits, see `simd.rs`).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn push_soft_amplitudes_avx2(
    wt: &[f64],
    n: usize,
    k_all: usize,
    targets: std::ops::Range<usize>,
    first: usize,
    weights: &[f64],
    out: &mut Vec<f64>,
) {
    soft_amplitudes(wt, n, k_all, targets, first, weights, out);
}

#[inline(always)]
fn soft_amplitudes(
    wt: &[f64],
    n: usize,
    k_all: usize,
    targets: std::ops::Range<usize>,
    first: usize,
    weights: &[f64],
    out: &mut Vec<f64>,
) {
    let nt = targets.len();
    let start = out.len();
    out.resize(start + k_all * nt, 0.0);
    for (k, acc) in out[start..]
        .chunks_exact_mut(nt.max(1))
        .enumerate()
        .take(k_all)
    {
        soft_row(wt, n, k, targets.clone(), first, weights, acc);
    }
}

/// Adds to `acc` (zero before) the amplitudes through basis function `k` of a soft event with
/// mark `weights` over the neurons `first..` on the targets `targets`, from the transposed
/// weights `wt[k][j][i]`: `Σ_j wt[k][first + j][i] m_j`, the terms added in the order of `j`.
#[inline(always)]
fn soft_row(
    wt: &[f64],
    n: usize,
    k: usize,
    targets: std::ops::Range<usize>,
    first: usize,
    weights: &[f64],
    acc: &mut [f64],
) {
    let nt = targets.len();
    for (j, &m) in weights.iter().enumerate() {
        let column = &wt[(k * n + first + j) * n + targets.start..][..nt];
        for (a, &w) in acc.iter_mut().zip(column) {
            *a += w * m;
        }
    }
}

/// The amplitudes of an event on the targets: for a spike of `j`, the row `wt[k][j][i0..]` of
/// the transposed weights; for soft event `r` (mark `N + r`), its row of `soft`.
pub(crate) struct ByMark<'a> {
    pub(crate) marks: &'a [u32],
    pub(crate) wt: &'a [f64],
    pub(crate) soft: SoftRows<'a>,
    pub(crate) n: usize,
    pub(crate) k: usize,
    pub(crate) i0: usize,
    pub(crate) nt: usize,
}

/// Where the soft events' rows come from.
pub(crate) enum SoftRows<'a> {
    /// Stored, `[r][k][t]` ([`push_soft_amplitudes`]).
    Stored(&'a [f64]),
    /// Computed when a row is needed from the soft marks (`weights[r][·]`, spread over the
    /// neurons `first..`) and the transposed weights: no memory per soft event beyond its
    /// mark, the same bits as the stored rows.
    Marks { weights: &'a [f64], first: usize },
}

impl Amplitudes for ByMark<'_> {
    #[inline(always)]
    fn row<'a>(&'a self, e: usize, k: usize, scratch: &'a mut [f64]) -> &'a [f64] {
        let mark = self.marks[e] as usize;
        if mark < self.n {
            return &self.wt[(k * self.n + mark) * self.n + self.i0..][..self.nt];
        }
        let r = mark - self.n;
        match self.soft {
            SoftRows::Stored(amp) => &amp[(r * self.k + k) * self.nt..][..self.nt],
            SoftRows::Marks { weights, first } => {
                let h = self.n - first;
                let acc = &mut scratch[..self.nt];
                acc.fill(0.0);
                let targets = self.i0..self.i0 + self.nt;
                soft_row(
                    self.wt,
                    self.n,
                    k,
                    targets,
                    first,
                    &weights[r * h..][..h],
                    acc,
                );
                acc
            }
        }
    }
}

/// `(M ⊙ W)[i][k][j]` transposed into `wt[k][j][i]`.
pub(crate) fn transpose_into(wm: &[f64], n: usize, k: usize, wt: &mut [f64]) {
    for i in 0..n {
        for kk in 0..k {
            for j in 0..n {
                wt[(kk * n + j) * n + i] = wm[(i * k + kk) * n + j];
            }
        }
    }
}

/// Amplitudes stored per source, `[e][k][t]`.
struct Stored<'a> {
    amp: &'a [f64],
    k: usize,
    nt: usize,
}

impl Amplitudes for Stored<'_> {
    #[inline]
    fn row<'a>(&'a self, e: usize, k: usize, _scratch: &'a mut [f64]) -> &'a [f64] {
        &self.amp[(e * self.k + k) * self.nt..(e * self.k + k + 1) * self.nt]
    }
}

/// The windowed sums of the Epanechnikov basis in target space (see the module
/// documentation). Event indices are positions in the caller's `times` slice; queries go
/// forward in time.
///
/// ```
/// use snn_model::soft::target::TargetWindows;
/// let mut w = TargetWindows::default();
/// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 2); // two targets, lags (0, 1)
/// let times = [0.0];
/// let amp = [1.0, -1.0]; // the event's amplitudes on the two targets
/// w.advance(0.5, &times, &amp);
/// let mut u = [0.0; 2];
/// w.values(0.5, &mut u);
/// assert_eq!(u, [0.5625, -0.5625]);
/// ```
#[derive(Debug, Default)]
pub struct TargetWindows {
    k: usize,
    nt: usize,
    centers: Vec<f64>,
    scale: f64,
    lo: Vec<f64>,
    hi: Vec<f64>,
    enter: Vec<usize>,
    leave: Vec<usize>,
    reference: Vec<f64>,
    /// `[k][q][t]`: for each basis function the planes `Σ a`, `Σ a x`, `Σ a x²` over the
    /// targets (contiguous per plane, so the loops over targets vectorise).
    sums: Vec<f64>,
    /// One row of amplitudes, for sources whose rows are computed on demand.
    scratch: Vec<f64>,
}

impl TargetWindows {
    /// The bytes held on the heap: `O(K·targets)`, whatever the number of events.
    ///
    /// ```
    /// let w = snn_model::soft::target::TargetWindows::default();
    /// assert_eq!(w.heap_bytes(), 0);
    /// ```
    pub fn heap_bytes(&self) -> usize {
        8 * (self.centers.capacity()
            + self.lo.capacity()
            + self.hi.capacity()
            + self.enter.capacity()
            + self.leave.capacity()
            + self.reference.capacity()
            + self.sums.capacity()
            + self.scratch.capacity())
    }

    /// Rewinds for `nt` targets and the Epanechnikov basis `(centers, scale)` with lag windows
    /// `lags` (keeps allocations). `lags[k]` is [`Basis::lag_interval`](crate::Basis::lag_interval)`(k)`.
    ///
    /// ```
    /// let b = snn_model::Basis::epanechnikov_default(2);
    /// let snn_model::Basis::Epanechnikov { centers, scale } = &b else { unreachable!() };
    /// let lags: Vec<_> = (0..2).map(|k| b.lag_interval(k)).collect();
    /// let mut w = snn_model::soft::target::TargetWindows::default();
    /// w.reset(centers, *scale, &lags, 3);
    /// assert_eq!(w.n_targets(), 3);
    /// ```
    pub fn reset(&mut self, centers: &[f64], scale: f64, lags: &[(f64, f64)], nt: usize) {
        let k = centers.len();
        self.k = k;
        self.nt = nt;
        self.centers.clear();
        self.centers.extend_from_slice(centers);
        self.scale = scale;
        self.lo.clear();
        self.hi.clear();
        for &(lo, hi) in lags {
            self.lo.push(lo);
            self.hi.push(hi);
        }
        self.enter.clear();
        self.enter.resize(k, 0);
        self.leave.clear();
        self.leave.resize(k, 0);
        self.reference.clear();
        self.reference.resize(k, 0.0);
        self.sums.clear();
        self.sums.resize(k * nt * 3, 0.0);
        self.scratch.clear();
        self.scratch.resize(nt, 0.0);
    }

    /// Rewinds to an empty history, keeping the basis and the number of targets.
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 1);
    /// w.advance(0.5, &[0.0], &[1.0]);
    /// w.rewind();
    /// assert_eq!(w.oldest_in_use(), 0);
    /// let mut u = [0.0];
    /// w.values(0.5, &mut u);
    /// assert_eq!(u, [0.0]); // nothing in the windows
    /// ```
    pub fn rewind(&mut self) {
        self.enter.fill(0);
        self.leave.fill(0);
        self.reference.fill(0.0);
        self.sums.fill(0.0);
    }

    /// Moves to time `t` (non-decreasing): events with `t_e < t − lo_k` enter window `k`,
    /// events with `t_e <= t − hi_k` leave it. `amp` is `[e][k][t]`.
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 1);
    /// let mut u = [0.0];
    /// w.advance(2.0, &[0.0, 1.5], &[1.0, 1.0]); // the first event has left its window
    /// w.values(2.0, &mut u);
    /// assert_eq!(u, [0.75 * (1.0 - 0.25)]);
    /// ```
    pub fn advance(&mut self, t: f64, times: &[f64], amp: &[f64]) {
        let rows = Stored {
            amp,
            k: self.k,
            nt: self.nt,
        };
        self.advance_with(t, times, &rows);
    }

    /// [`advance`](Self::advance) with the amplitudes from `rows` (see [`Amplitudes`]).
    #[inline(always)]
    pub fn advance_with<A: Amplitudes>(&mut self, t: f64, times: &[f64], rows: &A) {
        let nt = self.nt;
        let width = 2.0 * self.scale;
        for k in 0..self.k {
            // the window's state in locals: one bounds check each, not one per access
            let (mut enter, mut leave, mut reference) =
                (self.enter[k], self.leave[k], self.reference[k]);
            let sums = &mut self.sums[k * nt * 3..(k + 1) * nt * 3];
            let mut planes = planes_mut(sums, nt, nt);
            let scratch = &mut self.scratch[..nt];
            let enter_limit = t - self.lo[k];
            while enter < times.len() && times[enter] < enter_limit {
                if leave == enter {
                    reference = times[enter];
                    planes.iter_mut().for_each(|p| p.fill(0.0));
                }
                add_row(
                    &mut planes,
                    rows.row(enter, k, scratch),
                    times[enter] - reference,
                    1.0,
                );
                enter += 1;
            }
            let leave_limit = t - self.hi[k];
            let mut left = false;
            while leave < enter && times[leave] <= leave_limit {
                add_row(
                    &mut planes,
                    rows.row(leave, k, scratch),
                    times[leave] - reference,
                    -1.0,
                );
                leave += 1;
                left = true;
            }
            let target = t - self.centers[k];
            if leave == enter {
                if left {
                    planes.iter_mut().for_each(|p| p.fill(0.0));
                }
                reference = target;
            } else if (target - reference).abs() > RECENTRE_WIDTHS * width {
                reference = target;
                planes.iter_mut().for_each(|p| p.fill(0.0));
                for e in leave..enter {
                    add_row(&mut planes, rows.row(e, k, scratch), times[e] - target, 1.0);
                }
            }
            self.enter[k] = enter;
            self.leave[k] = leave;
            self.reference[k] = reference;
        }
    }

    /// Adds to `out[t]` the value `Σ_k Σ_{e in window} a φ_k(origin − t_e)` (the constant
    /// term of [`expansion`](Self::expansion)): the potentials less the biases.
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 1);
    /// w.advance(0.5, &[0.0], &[2.0]);
    /// let mut u = [1.0]; // added to
    /// w.values(0.5, &mut u);
    /// assert_eq!(u, [1.0 + 2.0 * 0.5625]);
    /// ```
    #[inline]
    pub fn values(&self, origin: f64, out: &mut [f64]) {
        let nt = self.nt;
        let inv_s2 = 1.0 / (self.scale * self.scale);
        for (delta, [s0, s1, s2]) in self.occupied(origin) {
            for (t, c) in out.iter_mut().enumerate().take(nt) {
                *c += window_value([s0[t], s1[t], s2[t]], delta, inv_s2);
            }
        }
    }

    /// The value for one target `t` of [`values`](Self::values).
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 2);
    /// w.advance(0.5, &[0.0], &[2.0, 4.0]);
    /// assert_eq!(w.value_of(0.5, 1), 4.0 * 0.5625);
    /// ```
    #[inline]
    pub fn value_of(&self, origin: f64, t: usize) -> f64 {
        let inv_s2 = 1.0 / (self.scale * self.scale);
        let mut v = 0.0;
        for (delta, [s0, s1, s2]) in self.occupied(origin) {
            v += window_value([s0[t], s1[t], s2[t]], delta, inv_s2);
        }
        v
    }

    /// Adds to `(c0[t], c1[t], c2[t])` the coefficients of
    /// `Σ_k Σ_{e in window} a φ_k(origin + x − t_e)` as a quadratic `c0 + c1 x + c2 x²` in `x`
    /// (exact between the current time's neighbouring breakpoints), for the targets
    /// `0..min(len)`.
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 2);
    /// w.advance(0.5, &[0.0], &[1.0, 3.0]);
    /// let (mut c0, mut c1, mut c2) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    /// w.expansion(0.5, &mut c0, &mut c1, &mut c2);
    /// let x = 0.2; // 0.75 (1 − 0.7²) times the amplitudes
    /// for (t, a) in [1.0, 3.0].into_iter().enumerate() {
    ///     let u = c0[t] + c1[t] * x + c2[t] * x * x;
    ///     assert!((u - a * 0.75 * (1.0 - 0.49)).abs() < 1e-15);
    /// }
    /// ```
    #[inline(always)]
    pub fn expansion(&self, origin: f64, c0: &mut [f64], c1: &mut [f64], c2: &mut [f64]) {
        let m = self.nt.min(c0.len()).min(c1.len()).min(c2.len());
        let (c0, c1, c2) = (&mut c0[..m], &mut c1[..m], &mut c2[..m]);
        let inv_s2 = 1.0 / (self.scale * self.scale);
        for (delta, [s0, s1, s2]) in self.occupied(origin) {
            let (s0, s1, s2) = (&s0[..m], &s1[..m], &s2[..m]);
            for t in 0..m {
                let [d0, d1, d2] = quadratic_of_window([s0[t], s1[t], s2[t]], delta, inv_s2);
                c0[t] += d0;
                c1[t] += d1;
                c2[t] += d2;
            }
        }
    }

    /// [`expansion`](Self::expansion) into interleaved triples `e[3r..3r + 3]` for the targets
    /// `first..first + e.len() / 3` (a particle filter's layout).
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 2);
    /// w.advance(0.5, &[0.0], &[1.0, 3.0]);
    /// let (mut c0, mut c1, mut c2) = ([0.0; 2], [0.0; 2], [0.0; 2]);
    /// w.expansion(0.5, &mut c0, &mut c1, &mut c2);
    /// let mut second = [0.0; 3];
    /// w.expansion_interleaved(0.5, 1, &mut second);
    /// assert_eq!(second, [c0[1], c1[1], c2[1]]);
    /// ```
    #[inline]
    pub fn expansion_interleaved(&self, origin: f64, first: usize, e: &mut [f64]) {
        let m = (e.len() / 3).min(self.nt.saturating_sub(first));
        let inv_s2 = 1.0 / (self.scale * self.scale);
        for (delta, [s0, s1, s2]) in self.occupied(origin) {
            for (r, c) in e[..3 * m].chunks_exact_mut(3).enumerate() {
                let t = first + r;
                let d = quadratic_of_window([s0[t], s1[t], s2[t]], delta, inv_s2);
                c[0] += d[0];
                c[1] += d[1];
                c[2] += d[2];
            }
        }
    }

    /// Each basis function whose window holds an event, as `origin − c_k − r_k` (the lag from
    /// its centre, against its reference) and its planes. (An iterator rather than a callback,
    /// so the callers' loops are compiled inside the engine's AVX2 pass.)
    #[inline(always)]
    fn occupied(&self, origin: f64) -> impl Iterator<Item = (f64, [&[f64]; 3])> + '_ {
        (0..self.k)
            .filter(|&k| self.leave[k] != self.enter[k])
            .map(move |k| (origin - self.centers[k] - self.reference[k], self.planes(k)))
    }

    /// The planes `Σ a`, `Σ a x`, `Σ a x²` of basis function `k`.
    #[inline(always)]
    fn planes(&self, k: usize) -> [&[f64]; 3] {
        let nt = self.nt;
        planes(&self.sums[k * nt * 3..(k + 1) * nt * 3], nt, nt)
    }

    /// The number of targets.
    ///
    /// ```
    /// let mut w = snn_model::soft::target::TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 4);
    /// assert_eq!(w.n_targets(), 4);
    /// ```
    pub fn n_targets(&self) -> usize {
        self.nt
    }

    /// The first time after `t` at which an event of `times` enters or leaves a window, given
    /// that the windows were last advanced to `t`: the smallest `t_e + lo_k` or `t_e + hi_k`
    /// greater than `t` (`+inf` if none). Between `t` and it, every potential is one quadratic
    /// ([`expansion`](Self::expansion)). An event at `t` itself enters just after `t`, so it
    /// contributes its exit, not its entry.
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[2.0], 1.0, &[(1.0, 3.0)], 1); // lags (1, 3)
    /// let times = [0.0, 0.5];
    /// let amp = [1.0, 1.0];
    /// w.advance(1.2, &times, &amp);
    /// assert_eq!(w.next_change(1.2, &times), 1.5); // event 1 enters at 0.5 + 1
    /// w.advance(2.0, &times, &amp);
    /// assert_eq!(w.next_change(2.0, &times), 3.0); // event 0 leaves at 0 + 3
    /// w.advance(3.6, &times, &amp);
    /// assert_eq!(w.next_change(3.6, &times), f64::INFINITY);
    /// ```
    pub fn next_change(&self, t: f64, times: &[f64]) -> f64 {
        let mut next = f64::INFINITY;
        for k in 0..self.k {
            let mut e = self.enter[k];
            while e < times.len() && times[e] + self.lo[k] <= t {
                e += 1;
            }
            if e < times.len() {
                next = next.min(times[e] + self.lo[k]);
            }
            let mut e = self.leave[k];
            while e < times.len() && times[e] + self.hi[k] <= t {
                e += 1;
            }
            if e < times.len() {
                next = next.min(times[e] + self.hi[k]);
            }
        }
        next
    }

    /// The index of the oldest event still needed: every event before it has left every
    /// window (the caller may drop them, then [`forget_front`](Self::forget_front)).
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 1);
    /// w.advance(2.0, &[0.0, 0.5, 1.5], &[1.0; 3]);
    /// assert_eq!(w.oldest_in_use(), 2);
    /// ```
    pub fn oldest_in_use(&self) -> usize {
        self.leave.iter().copied().min().unwrap_or(0)
    }

    /// Shifts the event indices after the caller dropped the first `count` events of its list
    /// (`count` at most [`oldest_in_use`](Self::oldest_in_use); larger values are clamped to it).
    ///
    /// ```
    /// use snn_model::soft::target::TargetWindows;
    /// let mut w = TargetWindows::default();
    /// w.reset(&[0.0], 1.0, &[(0.0, 1.0)], 1);
    /// let mut times = vec![0.0, 0.5, 1.5];
    /// w.advance(2.0, &times, &[1.0; 3]);
    /// times.drain(..w.oldest_in_use());
    /// w.forget_front(2);
    /// w.advance(2.2, &times, &[1.0]);
    /// let mut u = [0.0];
    /// w.values(2.2, &mut u);
    /// assert!((u[0] - 0.75 * (1.0 - 0.49)).abs() < 1e-15);
    /// ```
    pub fn forget_front(&mut self, count: usize) {
        let count = count.min(self.oldest_in_use());
        for (e, l) in self.enter.iter_mut().zip(self.leave.iter_mut()) {
            *e -= count;
            *l -= count;
        }
    }
}

impl Clone for TargetWindows {
    fn clone(&self) -> Self {
        let mut out = Self::default();
        out.clone_from(self);
        out
    }

    /// Copies `source` into `self`, reusing `self`'s buffers (no allocation once the sizes
    /// match): a particle filter copies particles this way when it resamples.
    fn clone_from(&mut self, source: &Self) {
        self.k = source.k;
        self.nt = source.nt;
        self.centers.clone_from(&source.centers);
        self.scale = source.scale;
        self.lo.clone_from(&source.lo);
        self.hi.clone_from(&source.hi);
        self.enter.clone_from(&source.enter);
        self.leave.clone_from(&source.leave);
        self.reference.clone_from(&source.reference);
        self.sums.clone_from(&source.sums);
    }
}

/// Adds `sign · a_t · (1, x, x²)` to the planes `Σ a`, `Σ a x`, `Σ a x²` of the targets `t`.
#[inline(always)]
fn add_row(planes: &mut [&mut [f64]; 3], amp: &[f64], x: f64, sign: f64) {
    let [s0, s1, s2] = planes;
    let m = amp.len().min(s0.len()).min(s1.len()).min(s2.len());
    let (s0, s1, s2, amp) = (&mut s0[..m], &mut s1[..m], &mut s2[..m], &amp[..m]);
    for t in 0..m {
        let ax = sign * amp[t] * x;
        s0[t] += sign * amp[t];
        s1[t] += ax;
        s2[t] += ax * x;
    }
}

/// The coefficients of `Σ a φ(δ + x − x_e)` as a quadratic in `x`, from one window's sums
/// `st = [Σ a, Σ a x, Σ a x²]`: `Σ a (δ + x − x_e)² = s0 x² + 2 (s0 δ − s1) x + (s0 δ² − 2 δ s1
/// + s2)`, with `φ(z) = 0.75 (1 − z²/s²)`.
#[inline(always)]
fn quadratic_of_window(st: [f64; 3], delta: f64, inv_s2: f64) -> [f64; 3] {
    let [s0, s1, s2] = st;
    let q0 = (s0 * delta - 2.0 * s1) * delta + s2;
    [
        0.75 * (s0 - q0 * inv_s2),
        -(1.5 * (s0 * delta - s1) * inv_s2),
        -(0.75 * s0 * inv_s2),
    ]
}

/// `Σ a φ(δ − x_e)` of one window from its sums `st = [Σ a, Σ a x, Σ a x²]`: the constant
/// term of [`quadratic_of_window`].
#[inline]
fn window_value(st: [f64; 3], delta: f64, inv_s2: f64) -> f64 {
    quadratic_of_window(st, delta, inv_s2)[0]
}
