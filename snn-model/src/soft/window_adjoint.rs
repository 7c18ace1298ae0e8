//! The gradient of the soft log-likelihood in the weights and the soft weights for the
//! Epanechnikov basis, accumulated *forward*, during the likelihood pass, in memory bounded by
//! the kernel support.
//!
//! Every contribution to the value that depends on the potentials of the target neurons (the
//! event terms `log λ_i(t_e)`, the quadrature sub-intervals of `−∫ λ_i`, Monte Carlo points)
//! is an *item* carrying, per target `t`, the adjoint `c_t` of its potential (for a
//! sub-interval: the moments `Σ_nodes c_t (x − μ)^q`, `q = 0, 1, 2`). A source event `e`
//! (spike or soft event) enters `u_{i_t}(x)` through `Σ_k a_{e,k,t} φ_k(x − t_e)`, so its
//! weight's gradient needs
//!
//! `v_k[t](e) = Σ_{items x in the k-window of e} c_t(x) φ_k(x − t_e)`,
//!
//! and since `φ_k` is a quadratic on the window `(t_e + lo_k, t_e + hi_k)` (whose ends are
//! breakpoints of the pass), `v` is a combination of the window's item moments. These are the
//! difference of a running *prefix* of the moments (about a reference that follows time)
//! between the window's close and its open: at the open the prefix is copied (a snapshot of
//! `3·targets` floats), at the close `v` is formed from the difference and added into the
//! gradient, and the snapshot is dropped. Only the windows open at the current time hold a
//! snapshot, so the memory is `O(K·N + open windows · N)` whatever the length of the
//! sequence (the reverse sweep this replaces kept `3·N` floats per item of the whole
//! sequence). When the reference has drifted a few window widths, the prefix is restarted at
//! zero and the open snapshots are re-expressed against it, so every difference is of sums
//! over a few window widths (no cancellation growing with the sequence).
//!
//! Window membership is that of the pass's breakpoints: a point item at `x` belongs to the
//! window when `t_e + lo_k < x < t_e + hi_k`, a sub-interval `[a, b]` when `a ≥ t_e + lo_k`
//! and `b ≤ t_e + hi_k` (sub-intervals never straddle a window's end). Items arrive in time
//! order; before each, the windows that must have opened are opened and those that must have
//! closed are closed (derivation: `docs/derivations/soft_likelihood.md`).

use super::SoftEvents;
use super::planes::{planes, planes_mut, shifted};

/// How far (in window widths) the reference may drift before the prefix is restarted.
const RECENTRE_WIDTHS: f64 = 4.0;

/// What a window's close reads: the source events and the model's weights.
#[derive(Clone, Copy)]
pub(super) struct Sources<'a> {
    /// Source times (spikes and soft events merged, in time order) and kinds (`j < N`: a
    /// spike of neuron `j`; `N + b`: soft event `b`).
    pub(super) times: &'a [f64],
    pub(super) kinds: &'a [u32],
    pub(super) hidden: SoftEvents<'a>,
    /// The masked weights `[i][k][j]`.
    pub(super) wm: &'a [f64],
}

/// The forward window adjoint (see the module documentation). Made once per workspace and
/// [`reset`](Self::reset) per pass; allocation-free once its buffers have grown.
#[derive(Debug, Clone, Default)]
pub(super) struct WindowAdjoint {
    /// Neurons, observed neurons, the first target and the number of targets.
    n: usize,
    n_obs: usize,
    i0: usize,
    nt: usize,
    centers: Vec<f64>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    inv_s2: f64,
    width: f64,
    reference: f64,
    /// The moments of the items since the last restart, about `reference`: planes `q = 0, 1,
    /// 2` over the targets.
    prefix: Vec<f64>,
    /// Per basis function: the next source event to open, the next to close.
    open: Vec<usize>,
    close: Vec<usize>,
    /// Per basis function: the snapshots of the events `first[k]..open[k]`, `3·nt` each (those
    /// before `close[k]` are dead and dropped in batches).
    snaps: Vec<Vec<f64>>,
    first: Vec<usize>,
    v: Vec<f64>,
    /// The weight gradient of the targets, transposed: `[k][j][target]`.
    pub(super) g_wm_t: Vec<f64>,
}

impl WindowAdjoint {
    /// The bytes held on the heap.
    pub(super) fn heap_bytes(&self) -> usize {
        let b = |v: &Vec<f64>| v.capacity() * 8;
        b(&self.centers)
            + b(&self.lo)
            + b(&self.hi)
            + b(&self.prefix)
            + 8 * (self.open.capacity() + self.close.capacity() + self.first.capacity())
            + self.snaps.iter().map(b).sum::<usize>()
            + b(&self.v)
            + b(&self.g_wm_t)
    }

    /// Rewinds for a pass over the targets `targets` of a network of `n` neurons (`n_obs`
    /// observed) with the Epanechnikov basis `(centers, scale)` and lag windows `lags`.
    pub(super) fn reset(
        &mut self,
        centers: &[f64],
        scale: f64,
        lags: &[(f64, f64)],
        (n, n_obs, targets): (usize, usize, std::ops::Range<usize>),
    ) {
        let k = centers.len();
        let nt = targets.len();
        (self.n, self.n_obs, self.i0, self.nt) = (n, n_obs, targets.start, nt);
        self.centers.clear();
        self.centers.extend_from_slice(centers);
        self.lo.clear();
        self.hi.clear();
        for &(lo, hi) in lags {
            self.lo.push(lo);
            self.hi.push(hi);
        }
        self.inv_s2 = 1.0 / (scale * scale);
        self.width = 2.0 * scale;
        self.reference = 0.0;
        self.prefix.clear();
        self.prefix.resize(3 * nt, 0.0);
        self.open.clear();
        self.open.resize(k, 0);
        self.close.clear();
        self.close.resize(k, 0);
        self.first.clear();
        self.first.resize(k, 0);
        self.snaps.resize_with(k, Vec::new);
        self.snaps.iter_mut().for_each(Vec::clear);
        self.v.clear();
        self.v.resize(nt, 0.0);
        self.g_wm_t.clear();
        self.g_wm_t.resize(k * n * nt, 0.0);
    }

    /// Adds a sub-interval starting at `a` with moments `g = (g0, g1, g2)` (planes over the
    /// targets) about `mu`.
    #[inline(always)]
    pub(super) fn add_interval(
        &mut self,
        a: f64,
        mu: f64,
        g: [&[f64]; 3],
        src: &Sources<'_>,
        gd: &mut [f64],
    ) {
        self.sync(a, false, src, gd);
        let delta = mu - self.reference;
        let nt = self.nt;
        let [p0, p1, p2] = planes_mut(&mut self.prefix, nt, nt);
        let [g0, g1, g2] = g.map(|plane| &plane[..nt]);
        for t in 0..nt {
            let [d0, d1, d2] = shifted(g0[t], g1[t], g2[t], delta);
            p0[t] += d0;
            p1[t] += d1;
            p2[t] += d2;
        }
    }

    /// Adds the point `x` with adjoint `c` on target `t` only (an event term).
    #[inline(always)]
    pub(super) fn add_event(
        &mut self,
        x: f64,
        t: usize,
        c: f64,
        src: &Sources<'_>,
        gd: &mut [f64],
    ) {
        self.sync(x, true, src, gd);
        let delta = x - self.reference;
        let nt = self.nt;
        self.prefix[t] += c;
        self.prefix[nt + t] += delta * c;
        self.prefix[2 * nt + t] += delta * (delta * c);
    }

    /// Adds the point `x` with adjoints `c[t]` on every target (a Monte Carlo point).
    #[inline(always)]
    pub(super) fn add_point(&mut self, x: f64, c: &[f64], src: &Sources<'_>, gd: &mut [f64]) {
        self.sync(x, true, src, gd);
        let delta = x - self.reference;
        let nt = self.nt;
        let [p0, p1, p2] = planes_mut(&mut self.prefix, nt, nt);
        let c = &c[..nt];
        for t in 0..nt {
            p0[t] += c[t];
            p1[t] += delta * c[t];
            p2[t] += delta * (delta * c[t]);
        }
    }

    /// Closes every window still open (the pass has ended).
    pub(super) fn finish(&mut self, src: &Sources<'_>, gd: &mut [f64]) {
        for k in 0..self.open.len() {
            while self.close[k] < self.open[k] {
                self.close_one(k, src, gd);
            }
        }
    }

    /// Before an item at `x` (a point, or a sub-interval starting at `x`): restarts the prefix
    /// if the reference has drifted, opens the windows starting before it (`lo < x` for a
    /// point, `≤` for a sub-interval), closes those ending at or before `x`.
    #[inline(always)]
    fn sync(&mut self, x: f64, point: bool, src: &Sources<'_>, gd: &mut [f64]) {
        if (x - self.reference).abs() > RECENTRE_WIDTHS * self.width {
            self.restart(x);
        }
        let times = src.times;
        for k in 0..self.open.len() {
            let lo = self.lo[k];
            while self.open[k] < times.len() && {
                let lower = times[self.open[k]] + lo;
                if point { lower < x } else { lower <= x }
            } {
                let slot = (self.open[k] - self.first[k]) * 3 * self.nt;
                let snaps = &mut self.snaps[k];
                if snaps.len() < slot + 3 * self.nt {
                    snaps.resize(slot + 3 * self.nt, 0.0);
                }
                snaps[slot..slot + 3 * self.nt].copy_from_slice(&self.prefix);
                self.open[k] += 1;
            }
            let hi = self.hi[k];
            while self.close[k] < self.open[k] && times[self.close[k]] + hi <= x {
                self.close_one(k, src, gd);
            }
        }
    }

    /// Closes the next window of basis function `k`: `v` from the prefix less the snapshot,
    /// added into the gradients.
    #[inline(always)]
    fn close_one(&mut self, k: usize, src: &Sources<'_>, gd: &mut [f64]) {
        let nt = self.nt;
        let e = self.close[k];
        let slot = (e - self.first[k]) * 3 * nt;
        let snap = &self.snaps[k][slot..slot + 3 * nt];
        let p = &self.prefix;
        // Σ c φ_k(x − t_e) = 0.75 (D0 − (D2 − 2 w D1 + w² D0)/s²), w = t_e + c_k − reference
        let w = src.times[e] + self.centers[k] - self.reference;
        let [s0, s1, s2] = planes(snap, nt, nt);
        let [p0, p1, p2] = planes(p, nt, nt);
        let v = &mut self.v[..nt];
        let inv_s2 = self.inv_s2;
        for t in 0..nt {
            let (d0, d1, d2) = (p0[t] - s0[t], p1[t] - s1[t], p2[t] - s2[t]);
            v[t] = 0.75 * (d0 - (d2 - 2.0 * w * d1 + w * w * d0) * inv_s2);
        }
        let (n, n_obs, kk) = (self.n, self.n_obs, self.centers.len());
        let kind = src.kinds[e] as usize;
        let plane = |j: usize| (k * n + j) * nt;
        if kind < n {
            let g = &mut self.g_wm_t[plane(kind)..plane(kind) + nt];
            for (g, &vt) in g.iter_mut().zip(v.iter()) {
                *g += vt;
            }
        } else {
            let b = kind - n;
            let d = src.hidden.weights_of(b);
            let hh = d.len();
            for (h, &dh) in d.iter().enumerate() {
                let g = &mut self.g_wm_t[plane(n_obs + h)..plane(n_obs + h) + nt];
                for (g, &vt) in g.iter_mut().zip(v.iter()) {
                    *g += dh * vt;
                }
            }
            if !gd.is_empty() {
                let gd = &mut gd[b * hh..(b + 1) * hh];
                for t in 0..nt {
                    let base = ((self.i0 + t) * kk + k) * n;
                    let row = &src.wm[base + n_obs..base + n_obs + hh];
                    for (g, &wv) in gd.iter_mut().zip(row) {
                        *g += wv * v[t];
                    }
                }
            }
        }
        self.close[k] += 1;
        // drop the dead snapshots in batches (all of them once every window has closed)
        let dead = self.close[k] - self.first[k];
        let live = self.open[k] - self.close[k];
        if live == 0 || (dead >= 64 && dead >= live) {
            self.snaps[k].drain(..dead * 3 * nt);
            self.first[k] = self.close[k];
        }
    }

    /// Restarts the prefix at zero about `x`, re-expressing every open snapshot `S` as
    /// `S − prefix` about `x` (so that `prefix − S` keeps its value).
    #[cold]
    fn restart(&mut self, x: f64) {
        let nt = self.nt;
        let delta = self.reference - x;
        for k in 0..self.open.len() {
            let live = self.open[k] - self.first[k];
            let [p0, p1, p2] = planes(&self.prefix, nt, nt);
            for s in self.snaps[k][..live * 3 * nt].chunks_exact_mut(3 * nt) {
                let [s0, s1, s2] = planes_mut(s, nt, nt);
                for t in 0..nt {
                    [s0[t], s1[t], s2[t]] =
                        shifted(s0[t] - p0[t], s1[t] - p1[t], s2[t] - p2[t], delta);
                }
            }
        }
        self.prefix.fill(0.0);
        self.reference = x;
    }
}
