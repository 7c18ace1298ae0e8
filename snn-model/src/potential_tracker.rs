//! The fast incremental evaluator of all `N` membrane potentials for time-ordered queries.
//!
//! For the Epanechnikov basis the running sums are kept in *target* space: an accepted spike
//! of neuron `j` carries, per basis function `k`, its amplitudes `(M ⊙ W)[k][i][j]` on every
//! neuron `i`, and for each `k` the sums `Σ a`, `Σ a x`, `Σ a x²` over the spikes inside the lag
//! window of `φ_k` are kept as time advances (re-centred as in [`BasisTracker`]). A query then
//! costs `O(N·K)` for all `N` potentials, and a spike `O(N·K)` each time it enters or leaves a
//! window, whatever the number of spikes in the window. (A [`BasisTracker`] gives the `K·N`
//! basis activations in `O(N·K)`, but the potentials from them are an `O(N²·K)` product.)
//!
//! For the exponential and alpha kernels the tracker keeps a [`BasisTracker`] and forms the
//! potentials by that product (`O(N²·K)` per query).
//!
//! The tracker can also follow a range of *target* neurons only
//! ([`for_targets`](PotentialTracker::for_targets), e.g. the hidden neurons), and take *soft*
//! events ([`push_soft`](PotentialTracker::push_soft): a mark spread over several neurons, as
//! the ∂PP's relaxed spikes), whose amplitudes `Σ_j (M ⊙ W)[k][i][j] m_j` are formed once
//! when the event is pushed.
//!
//! **Memory.** Events that can no longer reach a potential at the current time or later (they
//! have left every lag window, or are folded into the decaying sums) are dropped as queries
//! go forward ([`BasisTracker::forget_passed`]): the tracker holds the events of about one
//! kernel support, whatever the length of the stream ([`heap_bytes`](PotentialTracker::heap_bytes)).

use crate::basis::Basis;
use crate::error::{Result, SnnError};
use crate::model::Snn;
use crate::soft::target::{ByMark, SoftRows, TargetWindows, push_soft_amplitudes, transpose_into};
use crate::tracker::{BasisTracker, check_push_time, check_query_time, check_soft_mark};

/// Incremental membrane potentials `u_i(t) = b_i + Σ_{e: t_e < t} Σ_k (M ⊙ W)[k][i][j_e]
/// φ_k(t − t_e)` of one model's parameters (copied at construction) for non-decreasing query
/// times. An event exactly at the query time is not counted. Spikes may be pushed ahead of the
/// current time, never behind it nor before the last spike.
///
/// ```
/// use snn_model::{PotentialTracker, SnnBuilder};
/// let m = SnnBuilder::new(2, 0).bias(vec![0.5, -0.5]).weights(vec![1.0; 8]).check()?;
/// let mut tr = PotentialTracker::new(&m);
/// tr.push_spike(1.0, 0)?;
/// let mut u = [0.0; 2];
/// tr.potentials_at(1.5, &mut u)?;
/// let mut direct = [0.0; 2];
/// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 2.0)?, 2, vec![1.0], vec![0])?;
/// m.potentials_direct(1.5, seq.history(), &mut direct);
/// assert!((u[0] - direct[0]).abs() < 1e-14 && (u[1] - direct[1]).abs() < 1e-14);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone)]
pub struct PotentialTracker {
    n: usize,
    k: usize,
    basis: Basis,
    /// The target neurons `i0..i0 + nt`.
    i0: usize,
    nt: usize,
    bias: Vec<f64>,
    /// `(M ⊙ W)[i][k][j]`.
    wm: Vec<f64>,
    now: f64,
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    /// Epanechnikov: target-space windows over the events; the amplitudes of a spike of `j`
    /// through `φ_k` are the row `wt[k][j][i0..i0 + nt]`, those of soft event `r` (mark
    /// `N + r`) the row `soft_amp[r][k][·]`.
    Target {
        windows: TargetWindows,
        times: Vec<f64>,
        marks: Vec<u32>,
        /// `(M ⊙ W)` transposed to `[k][j][i]`.
        wt: Vec<f64>,
        /// `[soft event][k][target]`.
        soft_amp: Vec<f64>,
    },
    /// Other bases: source-space activations and the product with the weights.
    Source {
        tracker: BasisTracker,
        phi: Vec<f64>,
    },
}

impl PotentialTracker {
    /// An empty tracker for `model`'s parameters, basis and number of neurons.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(3, 1).check()?;
    /// let tr = snn_model::PotentialTracker::new(&m);
    /// assert_eq!(tr.n_neurons(), 4);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn new(model: &Snn) -> Self {
        Self::with_range(model, 0, model.n_neurons())
    }

    /// A tracker of the potentials of the neurons `targets` only (for example the hidden
    /// neurons `n_obs..N`); events of any neuron are pushed. Errors: an empty range or one
    /// past the last neuron.
    ///
    /// ```
    /// use snn_model::{PotentialTracker, SnnBuilder};
    /// let m = SnnBuilder::new(1, 2).bias(vec![0.0, 0.5, -0.5]).check()?;
    /// let mut tr = PotentialTracker::for_targets(&m, 1..3)?;
    /// let mut u = [0.0; 2];
    /// tr.potentials_at(1.0, &mut u)?;
    /// assert_eq!(u, [0.5, -0.5]);
    /// assert!(PotentialTracker::for_targets(&m, 2..4).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn for_targets(model: &Snn, targets: std::ops::Range<usize>) -> Result<Self> {
        if targets.is_empty() || targets.end > model.n_neurons() {
            return Err(SnnError::invalid(
                "target neurons",
                format!("{}..{}", targets.start, targets.end),
                format!(
                    "must be a non-empty range of the model's {} neurons",
                    model.n_neurons()
                ),
            ));
        }
        Ok(Self::with_range(model, targets.start, targets.len()))
    }

    fn with_range(model: &Snn, i0: usize, nt: usize) -> Self {
        let (n, k) = (model.n_neurons(), model.n_basis());
        let inner = match model.basis() {
            Basis::Epanechnikov { centers, scale } => {
                let lags: Vec<(f64, f64)> =
                    (0..k).map(|kk| model.basis().lag_interval(kk)).collect();
                let mut windows = TargetWindows::default();
                windows.reset(centers, *scale, &lags, nt);
                let mut wt = vec![0.0; k * n * n];
                transpose_into(model.masked_weights_ikj(), n, k, &mut wt);
                Inner::Target {
                    windows,
                    times: Vec::new(),
                    marks: Vec::new(),
                    wt,
                    soft_amp: Vec::new(),
                }
            }
            _ => Inner::Source {
                tracker: BasisTracker::new(model.basis(), n)
                    .expect("a checked model has a valid basis and at least one neuron"),
                phi: vec![0.0; k * n],
            },
        };
        Self {
            n,
            k,
            basis: model.basis().clone(),
            i0,
            nt,
            bias: model.bias()[i0..i0 + nt].to_vec(),
            wm: model.masked_weights_ikj().to_vec(),
            now: f64::NEG_INFINITY,
            inner,
        }
    }

    /// Takes `model`'s parameters (same targets) and forgets every event, keeping the
    /// allocations when the model has the same number of neurons and the same basis
    /// (otherwise the tracker is rebuilt).
    ///
    /// ```
    /// use snn_model::{PotentialTracker, SnnBuilder};
    /// let a = SnnBuilder::new(1, 1).bias(vec![0.0, 1.0]).check()?;
    /// let b = SnnBuilder::new(1, 1).bias(vec![0.0, 2.0]).check()?;
    /// let mut tr = PotentialTracker::for_targets(&a, 1..2)?;
    /// tr.push_spike(0.5, 0)?;
    /// tr.reload(&b)?;
    /// let mut u = [0.0];
    /// tr.potentials_at(0.1, &mut u)?; // no event any more, b's bias
    /// assert_eq!(u, [2.0]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn reload(&mut self, model: &Snn) -> Result<()> {
        if model.n_neurons() != self.n || model.basis() != &self.basis {
            *self = Self::for_targets(model, self.i0..self.i0 + self.nt)?;
            return Ok(());
        }
        let (n, k, i0, nt) = (self.n, self.k, self.i0, self.nt);
        self.bias.copy_from_slice(&model.bias()[i0..i0 + nt]);
        self.wm.copy_from_slice(model.masked_weights_ikj());
        if let Inner::Target { wt, .. } = &mut self.inner {
            transpose_into(&self.wm, n, k, wt);
        }
        self.clear();
        Ok(())
    }

    /// Number of neurons.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 0).check()?;
    /// assert_eq!(snn_model::PotentialTracker::new(&m).n_neurons(), 2);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn n_neurons(&self) -> usize {
        self.n
    }

    /// The target neurons whose potentials [`potentials_at`](Self::potentials_at) gives.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 3).check()?;
    /// assert_eq!(snn_model::PotentialTracker::new(&m).targets(), 0..5);
    /// assert_eq!(snn_model::PotentialTracker::for_targets(&m, 2..5)?.targets(), 2..5);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn targets(&self) -> std::ops::Range<usize> {
        self.i0..self.i0 + self.nt
    }

    /// The bytes held on the heap. The events that have left every window are dropped as
    /// time goes on, so this stays bounded by the events inside the kernel support (and
    /// the `O(K·N²)` parameters), however long the stream of events.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// let mut tr = snn_model::PotentialTracker::new(&m);
    /// let mut u = [0.0];
    /// for e in 0..100_000 {
    ///     tr.push_spike(e as f64, 0)?;
    ///     tr.potentials_at(e as f64 + 0.5, &mut u)?;
    /// }
    /// assert!(tr.heap_bytes() < 100_000);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn heap_bytes(&self) -> usize {
        let params = 8 * (self.bias.capacity() + self.wm.capacity());
        let inner = match &self.inner {
            Inner::Target {
                windows,
                times,
                marks,
                wt,
                soft_amp,
            } => {
                windows.heap_bytes()
                    + 8 * (times.capacity() + wt.capacity() + soft_amp.capacity())
                    + 4 * marks.capacity()
            }
            Inner::Source { tracker, phi } => tracker.heap_bytes() + 8 * phi.capacity(),
        };
        params + inner
    }

    /// Forgets every spike and rewinds the current time (keeps allocations).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// let mut tr = snn_model::PotentialTracker::new(&m);
    /// tr.push_spike(3.0, 0)?;
    /// tr.clear();
    /// tr.push_spike(1.0, 0)?; // allowed again
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn clear(&mut self) {
        self.now = f64::NEG_INFINITY;
        match &mut self.inner {
            Inner::Target {
                windows,
                times,
                marks,
                soft_amp,
                ..
            } => {
                windows.rewind();
                times.clear();
                marks.clear();
                soft_amp.clear();
            }
            Inner::Source { tracker, .. } => tracker.clear(),
        }
    }

    /// Appends a spike of `neuron` at `t`: `t` finite, not before the last spike nor before the
    /// current time, `neuron < N`.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 0).check()?;
    /// let mut tr = snn_model::PotentialTracker::new(&m);
    /// tr.push_spike(1.0, 1)?;
    /// assert!(tr.push_spike(0.5, 0).is_err()); // out of order
    /// assert!(tr.push_spike(2.0, 2).is_err()); // no neuron 2
    /// assert!(tr.push_spike(f64::NAN, 0).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn push_spike(&mut self, t: f64, neuron: usize) -> Result<()> {
        let n = self.n;
        match &mut self.inner {
            Inner::Source { tracker, .. } => tracker.push_spike(t, neuron),
            Inner::Target { times, marks, .. } => {
                check_push_time(t, times.last().copied(), self.now)?;
                if neuron >= n {
                    return Err(SnnError::NeuronOutOfRange {
                        neuron,
                        n_neurons: n,
                    });
                }
                times.push(t);
                marks.push(neuron as u32);
                Ok(())
            }
        }
    }

    /// Appends a soft event at `t` whose mark puts weight `weights[r]` on neuron `first + r`
    /// (as [`BasisTracker::push_soft`]): `t` as for [`push_spike`](Self::push_spike), the
    /// weights finite and inside the neurons.
    ///
    /// ```
    /// use snn_model::{PotentialTracker, SnnBuilder};
    /// let m = SnnBuilder::new(1, 2).weights(vec![0.5; 18]).check()?;
    /// let mut soft = PotentialTracker::new(&m);
    /// soft.push_soft(1.0, 1, &[0.25, 0.75])?;
    /// // the same as the two neurons' spikes weighted 0.25 and 0.75
    /// let (mut u, mut a, mut b) = ([0.0; 3], [0.0; 3], [0.0; 3]);
    /// soft.potentials_at(1.5, &mut u)?;
    /// for (neuron, out) in [(1, &mut a), (2, &mut b)] {
    ///     let mut hard = PotentialTracker::new(&m);
    ///     hard.push_spike(1.0, neuron)?;
    ///     hard.potentials_at(1.5, out)?;
    /// }
    /// for i in 0..3 {
    ///     assert!((u[i] - (0.25 * a[i] + 0.75 * b[i])).abs() < 1e-14);
    /// }
    /// assert!(soft.push_soft(2.0, 2, &[0.5, 0.5]).is_err()); // runs past neuron 2
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn push_soft(&mut self, t: f64, first: usize, weights: &[f64]) -> Result<()> {
        let (n, k, i0, nt) = (self.n, self.k, self.i0, self.nt);
        match &mut self.inner {
            Inner::Source { tracker, .. } => tracker.push_soft(t, first, weights),
            Inner::Target {
                times,
                marks,
                soft_amp,
                wt,
                ..
            } => {
                check_push_time(t, times.last().copied(), self.now)?;
                check_soft_mark(n, first, weights)?;
                let r = soft_amp.len() / (k * nt);
                push_soft_amplitudes(wt, n, k, i0..i0 + nt, first, weights, soft_amp);
                times.push(t);
                marks.push((n + r) as u32);
                Ok(())
            }
        }
    }

    /// The potentials of the target neurons (all `N` for [`new`](Self::new)) at `t` (not
    /// before the previous query) into `out` (one per target).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).bias(vec![0.25]).check()?;
    /// let mut tr = snn_model::PotentialTracker::new(&m);
    /// let mut u = [0.0];
    /// tr.potentials_at(1.0, &mut u)?;
    /// assert_eq!(u, [0.25]);
    /// assert!(tr.potentials_at(0.5, &mut u).is_err()); // queries go forward in time
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn potentials_at(&mut self, t: f64, out: &mut [f64]) -> Result<()> {
        if out.len() != self.nt {
            return Err(SnnError::shape(
                "potential buffer",
                format!("[{}]", self.nt),
                format!("[{}]", out.len()),
            ));
        }
        check_query_time(t, self.now)?;
        self.now = t;
        let kn = self.k * self.n;
        match &mut self.inner {
            Inner::Target {
                windows,
                times,
                marks,
                wt,
                soft_amp,
            } => {
                let rows = ByMark {
                    marks,
                    wt,
                    soft: SoftRows::Stored(soft_amp),
                    n: self.n,
                    k: self.k,
                    i0: self.i0,
                    nt: self.nt,
                };
                windows.advance_with(t, times, &rows);
                out.copy_from_slice(&self.bias);
                windows.values(t, out);
                forget_passed(windows, times, marks, soft_amp, self.n, self.k * self.nt);
            }
            Inner::Source { tracker, phi } => {
                tracker.activations_at(t, phi)?;
                tracker.forget_passed();
                for (r, o) in out.iter_mut().enumerate() {
                    let i = self.i0 + r;
                    let row = &self.wm[i * kn..(i + 1) * kn];
                    *o = self.bias[r] + row.iter().zip(phi.iter()).map(|(w, p)| w * p).sum::<f64>();
                }
            }
        }
        Ok(())
    }
}

/// Drops the events that have left every window (with the rows of the soft ones among them,
/// and the soft marks of the others renumbered) once they are at least half of the events
/// held and at least [`BasisTracker::FORGET_MIN`]: a long stream of events is held in memory
/// bounded by the kernel support, at an amortised `O(1)` per event, and the potentials are
/// unchanged to the bit (the windows only see their indices shifted).
fn forget_passed(
    windows: &mut TargetWindows,
    times: &mut Vec<f64>,
    marks: &mut Vec<u32>,
    soft_amp: &mut Vec<f64>,
    n: usize,
    row_len: usize,
) {
    let passed = windows.oldest_in_use();
    if passed < BasisTracker::FORGET_MIN || 2 * passed < times.len() {
        return;
    }
    let soft_passed = marks[..passed].iter().filter(|&&m| m as usize >= n).count();
    if soft_passed > 0 {
        for m in marks[passed..].iter_mut().filter(|m| **m as usize >= n) {
            *m -= soft_passed as u32;
        }
        soft_amp.drain(..soft_passed * row_len);
    }
    times.drain(..passed);
    marks.drain(..passed);
    windows.forget_front(passed);
}
