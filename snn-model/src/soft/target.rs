//! Running windowed sums in *target* space for the Epanechnikov basis: every source event `e`
//! carries, per basis function `k` and target neuron `t`, the amplitude
//! `a[e][k][t] = Σ_j wm[i_t][k][j] m_{e,j}` (its whole effect on `u_{i_t}` through `φ_k`), and
//! for each `k` the sums `Σ a`, `Σ a x`, `Σ a x²` (`x = t_e − r_k`) over the events inside the
//! lag window `(lo_k, hi_k)` of the current time are kept as time advances. The potentials of
//! the targets are then explicit quadratics between breakpoints, at a cost of `O(K·targets)`
//! per query instead of `O(K·N·targets)` (source space). Reference times `r_k` follow the
//! windows (rebuilt after drifting a few widths, exact zeros when a window empties), as in
//! [`BasisTracker`](crate::BasisTracker).

/// How far (in window widths) the reference time may drift before the sums are rebuilt.
const RECENTRE_WIDTHS: f64 = 4.0;

/// Where the amplitudes `a[e][k][·]` (one per target) of source `e` through `φ_k` come from.
pub(crate) trait Amplitudes {
    /// The `nt` amplitudes of source `e` through basis function `k`.
    fn row(&self, e: usize, k: usize) -> &[f64];
}

/// Appends the `K·nt` target-space amplitudes `[k][t]` of one soft event whose mark
/// `weights` spreads over the neurons `first..first + weights.len()`:
/// `Σ_j wm[i][k][first + j] m_j` for the targets `i` in `targets` (`wm`: the masked weights
/// `[i][k][j]` of `n` neurons and `k_all` basis functions).
pub(crate) fn push_soft_amplitudes(
    wm: &[f64],
    n: usize,
    k_all: usize,
    targets: std::ops::Range<usize>,
    first: usize,
    weights: &[f64],
    out: &mut Vec<f64>,
) {
    for k in 0..k_all {
        for i in targets.clone() {
            let row = &wm[(i * k_all + k) * n + first..][..weights.len()];
            out.push(row.iter().zip(weights).map(|(w, m)| w * m).sum());
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
    fn row(&self, e: usize, k: usize) -> &[f64] {
        &self.amp[(e * self.k + k) * self.nt..(e * self.k + k + 1) * self.nt]
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct TargetWindows {
    k: usize,
    nt: usize,
    centers: Vec<f64>,
    scale: f64,
    lo: Vec<f64>,
    hi: Vec<f64>,
    enter: Vec<usize>,
    leave: Vec<usize>,
    reference: Vec<f64>,
    /// `[k][t][q]`.
    sums: Vec<f64>,
}

impl TargetWindows {
    /// Rewinds for `nt` targets and the Epanechnikov basis `(centers, scale)` with lag windows
    /// `lags` (keeps allocations).
    pub(crate) fn reset(&mut self, centers: &[f64], scale: f64, lags: &[(f64, f64)], nt: usize) {
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
    }

    /// Rewinds to an empty history, keeping the basis and the number of targets.
    pub(crate) fn rewind(&mut self) {
        self.enter.fill(0);
        self.leave.fill(0);
        self.reference.fill(0.0);
        self.sums.fill(0.0);
    }

    #[inline]
    fn add(&mut self, k: usize, amp: &[f64], x: f64, sign: f64) {
        let s = &mut self.sums[k * self.nt * 3..(k + 1) * self.nt * 3];
        for (st, &a) in s.chunks_exact_mut(3).zip(amp) {
            let ax = sign * a * x;
            st[0] += sign * a;
            st[1] += ax;
            st[2] += ax * x;
        }
    }

    /// Moves to time `t` (non-decreasing): events with `t_e < t − lo_k` enter window `k`,
    /// events with `t_e <= t − hi_k` leave it. `amp` is `[e][k][t]`.
    pub(crate) fn advance(&mut self, t: f64, times: &[f64], amp: &[f64]) {
        let rows = Stored {
            amp,
            k: self.k,
            nt: self.nt,
        };
        self.advance_with(t, times, &rows);
    }

    /// [`advance`](Self::advance) with the amplitudes from `rows`.
    pub(crate) fn advance_with<A: Amplitudes>(&mut self, t: f64, times: &[f64], rows: &A) {
        let (k_all, nt) = (self.k, self.nt);
        let width = 2.0 * self.scale;
        for k in 0..k_all {
            let enter_limit = t - self.lo[k];
            while self.enter[k] < times.len() && times[self.enter[k]] < enter_limit {
                let e = self.enter[k];
                if self.leave[k] == e {
                    self.reference[k] = times[e];
                    self.sums[k * nt * 3..(k + 1) * nt * 3].fill(0.0);
                }
                let x = times[e] - self.reference[k];
                self.add(k, rows.row(e, k), x, 1.0);
                self.enter[k] += 1;
            }
            let leave_limit = t - self.hi[k];
            let mut left = false;
            while self.leave[k] < self.enter[k] && times[self.leave[k]] <= leave_limit {
                let e = self.leave[k];
                let x = times[e] - self.reference[k];
                self.add(k, rows.row(e, k), x, -1.0);
                self.leave[k] += 1;
                left = true;
            }
            let target = t - self.centers[k];
            if self.leave[k] == self.enter[k] {
                if left {
                    self.sums[k * nt * 3..(k + 1) * nt * 3].fill(0.0);
                }
                self.reference[k] = target;
            } else if (target - self.reference[k]).abs() > RECENTRE_WIDTHS * width {
                self.reference[k] = target;
                self.sums[k * nt * 3..(k + 1) * nt * 3].fill(0.0);
                for e in self.leave[k]..self.enter[k] {
                    let x = times[e] - target;
                    self.add(k, rows.row(e, k), x, 1.0);
                }
            }
        }
    }

    /// Adds to `out[t]` the value `Σ_k Σ_{e in window} a φ_k(origin − t_e)` (the constant
    /// term of [`expansion`](Self::expansion)): the potentials less the biases.
    #[inline]
    pub(crate) fn values(&self, origin: f64, out: &mut [f64]) {
        let nt = self.nt;
        let inv_s2 = 1.0 / (self.scale * self.scale);
        for k in 0..self.k {
            if self.leave[k] == self.enter[k] {
                continue;
            }
            let delta = origin - self.centers[k] - self.reference[k];
            let s = &self.sums[k * nt * 3..(k + 1) * nt * 3];
            for (c, st) in out.iter_mut().zip(s.chunks_exact(3)).take(nt) {
                *c += window_value(st, delta, inv_s2);
            }
        }
    }

    /// The value for one target `t` of [`values`](Self::values).
    #[inline]
    pub(crate) fn value_of(&self, origin: f64, t: usize) -> f64 {
        let nt = self.nt;
        let inv_s2 = 1.0 / (self.scale * self.scale);
        let mut v = 0.0;
        for k in 0..self.k {
            if self.leave[k] == self.enter[k] {
                continue;
            }
            let delta = origin - self.centers[k] - self.reference[k];
            v += window_value(
                &self.sums[(k * nt + t) * 3..(k * nt + t) * 3 + 3],
                delta,
                inv_s2,
            );
        }
        v
    }

    /// Adds to `e[t][·]` the coefficients of `Σ_k Σ_{e in window} a φ_k(origin + x − t_e)` as
    /// a quadratic in `x` (exact between the current time's neighbouring breakpoints).
    #[inline]
    pub(crate) fn expansion(&self, origin: f64, e: &mut [f64]) {
        let nt = self.nt;
        let inv_s2 = 1.0 / (self.scale * self.scale);
        for k in 0..self.k {
            if self.leave[k] == self.enter[k] {
                continue;
            }
            let delta = origin - self.centers[k] - self.reference[k];
            let s = &self.sums[k * nt * 3..(k + 1) * nt * 3];
            for (c, st) in e.chunks_exact_mut(3).zip(s.chunks_exact(3)).take(nt) {
                let (s0, s1, s2) = (st[0], st[1], st[2]);
                // Σ a (δ + x − x_e)² = s0 x² + 2 (s0 δ − s1) x + (s0 δ² − 2 δ s1 + s2)
                let q0 = (s0 * delta - 2.0 * s1) * delta + s2;
                c[0] += 0.75 * (s0 - q0 * inv_s2);
                c[1] -= 1.5 * (s0 * delta - s1) * inv_s2;
                c[2] -= 0.75 * s0 * inv_s2;
            }
        }
    }
}

/// `Σ a φ(δ − x_e)` of one window from its sums `st = [Σ a, Σ a x, Σ a x²]`, with
/// `φ(z) = 0.75 (1 − z²/s²)`: `Σ a (δ − x_e)² = s0 δ² − 2 δ s1 + s2`.
#[inline]
fn window_value(st: &[f64], delta: f64, inv_s2: f64) -> f64 {
    let q0 = (st[0] * delta - 2.0 * st[1]) * delta + st[2];
    0.75 * (st[0] - q0 * inv_s2)
}
