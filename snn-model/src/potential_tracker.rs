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

use pp_core::History;

use crate::basis::Basis;
use crate::error::{Result, SnnError};
use crate::model::Snn;
use crate::soft::target::{Amplitudes, TargetWindows};
use crate::tracker::{BasisTracker, check_push_time, check_query_time};

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
    bias: Vec<f64>,
    /// `(M ⊙ W)[i][k][j]`.
    wm: Vec<f64>,
    now: f64,
    inner: Inner,
}

#[derive(Debug, Clone)]
enum Inner {
    /// Epanechnikov: target-space windows over the spikes; the amplitudes of a spike of `j`
    /// through `φ_k` are the row `wt[k][j][·]`.
    Target {
        windows: TargetWindows,
        times: Vec<f64>,
        marks: Vec<u32>,
        /// `(M ⊙ W)` transposed to `[k][j][i]`.
        wt: Vec<f64>,
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
        let (n, k) = (model.n_neurons(), model.n_basis());
        let inner = match model.basis() {
            Basis::Epanechnikov { centers, scale } => {
                let lags: Vec<(f64, f64)> =
                    (0..k).map(|kk| model.basis().lag_interval(kk)).collect();
                let mut windows = TargetWindows::default();
                windows.reset(centers, *scale, &lags, n);
                let wm = model.masked_weights_ikj();
                let mut wt = vec![0.0; k * n * n];
                for i in 0..n {
                    for kk in 0..k {
                        for j in 0..n {
                            wt[(kk * n + j) * n + i] = wm[(i * k + kk) * n + j];
                        }
                    }
                }
                Inner::Target {
                    windows,
                    times: Vec::new(),
                    marks: Vec::new(),
                    wt,
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
            bias: model.bias().to_vec(),
            wm: model.masked_weights_ikj().to_vec(),
            now: f64::NEG_INFINITY,
            inner,
        }
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
                ..
            } => {
                windows.rewind();
                times.clear();
                marks.clear();
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

    /// Pushes every event of `history` (marks are neurons).
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(2, 0).check()?;
    /// let seq = EventSequence::new(Window::new(0.0, 4.0)?, 2, vec![1.0, 2.0], vec![0, 1])?;
    /// let mut tr = snn_model::PotentialTracker::new(&m);
    /// tr.extend_from_history(seq.history())?;
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn extend_from_history(&mut self, history: History<'_>) -> Result<()> {
        for (&t, &j) in history.times().iter().zip(history.marks()) {
            self.push_spike(t, j as usize)?;
        }
        Ok(())
    }

    /// All `N` potentials at `t` (not before the previous query) into `out` (length `N`).
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
        if out.len() != self.n {
            return Err(SnnError::shape(
                "potential buffer",
                format!("[{}]", self.n),
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
            } => {
                let rows = ByMark {
                    marks,
                    wt,
                    n: self.n,
                };
                windows.advance_with(t, times, &rows);
                out.copy_from_slice(&self.bias);
                windows.values(t, out);
            }
            Inner::Source { tracker, phi } => {
                tracker.activations_at(t, phi)?;
                for (i, o) in out.iter_mut().enumerate() {
                    let row = &self.wm[i * kn..(i + 1) * kn];
                    *o = self.bias[i] + row.iter().zip(phi.iter()).map(|(w, p)| w * p).sum::<f64>();
                }
            }
        }
        Ok(())
    }
}

/// The amplitudes of a spike: the row `wt[k][j_e][·]` of the transposed weights.
struct ByMark<'a> {
    marks: &'a [u32],
    wt: &'a [f64],
    n: usize,
}

impl Amplitudes for ByMark<'_> {
    #[inline]
    fn row(&self, e: usize, k: usize) -> &[f64] {
        let start = (k * self.n + self.marks[e] as usize) * self.n;
        &self.wt[start..start + self.n]
    }
}
