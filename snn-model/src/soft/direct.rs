//! Potentials with soft hidden events: the direct sum (the oracle) and the fast incremental
//! evaluator for time-ordered queries.

use pp_core::History;

use super::SoftEvents;
use crate::error::Result;
use crate::incremental::Incremental;
use crate::model::Snn;
use crate::tracker::BasisTracker;

impl Snn {
    /// Potentials `u_i(t)` of all `N` neurons (written into `out[..N]`) from the observed
    /// one-hot spikes of `observed` and the soft hidden events of `hidden`, each strictly before
    /// `t` and inside the kernel support:
    ///
    /// `u_i = b_i + Σ_{obs e} f_{i, j_e}(t − t_e) + Σ_k Σ_h d_k[h] f_{i, n_obs+h}(t − s_k)`.
    ///
    /// Direct (oracle) evaluation, `O(events in the support)`. The marks of `observed` are
    /// neuron indices: a history of a sequence with `n_obs` dimensions or with `N` dimensions
    /// (whose marks are then all `< n_obs` in the intended use) are both accepted as they are;
    /// a mark `>= N` does not name a neuron of the model and contributes nothing. Soft events
    /// contribute through their first `min(H, n_hidden)` weights.
    ///
    /// ```
    /// use pp_core::History;
    /// use snn_model::{soft::SoftEvents, SnnBuilder};
    /// // 1 observed + 1 hidden; W[0][0][1] = 2 (hidden → observed, basis centred at lag 0)
    /// let m = SnnBuilder::new(1, 1).weights(vec![0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]).check()?;
    /// let mut u = [0.0; 2];
    /// m.soft_potentials_direct(1.5, History::empty(), SoftEvents::new(&[1.0], &[0.5], 1)?, &mut u);
    /// assert!((u[0] - 2.0 * 0.5 * 0.75 * (1.0 - 0.25)).abs() < 1e-15);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn soft_potentials_direct(
        &self,
        t: f64,
        observed: History<'_>,
        hidden: SoftEvents<'_>,
        out: &mut [f64],
    ) {
        let (n, kk, n_obs) = (self.n_neurons(), self.n_basis(), self.n_obs());
        let out = &mut out[..n];
        out.copy_from_slice(self.bias());
        let wm = self.masked_weights_ikj();
        let basis = self.basis();
        let support = basis.support();
        for e in observed.lag_range(t, support) {
            let j = observed.marks()[e] as usize;
            if j >= n {
                continue;
            }
            let lag = t - observed.times()[e];
            for k in 0..kk {
                let phi = basis.value(k, lag);
                if phi != 0.0 {
                    for (i, o) in out.iter_mut().enumerate() {
                        *o += wm[(i * kk + k) * n + j] * phi;
                    }
                }
            }
        }
        let h = hidden.n_marks().min(self.n_hidden());
        if h == 0 {
            return;
        }
        let times = hidden.times();
        let end = times.partition_point(|&s| s < t);
        let start = times[..end].partition_point(|&s| s <= t - support);
        for e in start..end {
            let lag = t - times[e];
            let d = &hidden.weights_of(e)[..h];
            for k in 0..kk {
                let phi = basis.value(k, lag);
                if phi == 0.0 {
                    continue;
                }
                for (i, o) in out.iter_mut().enumerate() {
                    let row = &wm[(i * kk + k) * n + n_obs..(i * kk + k) * n + n_obs + h];
                    let s: f64 = row.iter().zip(d).map(|(w, m)| w * m).sum();
                    *o += s * phi;
                }
            }
        }
    }
}

/// The fast evaluator of soft potentials for non-decreasing query times: the observed
/// one-hot spikes and the soft hidden events are loaded into a [`BasisTracker`] (running sums
/// per basis function and source neuron), so that a query costs `O(K·N²)` whatever the number
/// of events in the kernel window. Agrees with [`Snn::soft_potentials_direct`] to rounding.
///
/// ```
/// use pp_core::History;
/// use snn_model::soft::{SoftEvents, SoftPotentials};
/// use snn_model::SnnBuilder;
/// let m = SnnBuilder::new(1, 1).weights(vec![0.5, 2.0, -1.0, 1.0, 0.0, 0.0, 0.0, 0.0]).check()?;
/// let obs = History::new(&[0.2, 0.9], &[0, 0])?;
/// let hidden = SoftEvents::new(&[0.5], &[0.3], 1)?;
/// let mut fast = SoftPotentials::new(&m);
/// fast.load(&m, obs, hidden)?;
/// let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
/// for t in [0.3, 0.6, 1.0, 1.4] {
///     fast.potentials_at(&m, t, &mut a)?;
///     m.soft_potentials_direct(t, obs, hidden, &mut b);
///     assert!((a[0] - b[0]).abs() < 1e-14 && (a[1] - b[1]).abs() < 1e-14);
/// }
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SoftPotentials {
    tracker: BasisTracker,
    phi: Vec<f64>,
}

impl SoftPotentials {
    /// An empty evaluator sized for `model` (and any model of the same shape and basis).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 1).check()?;
    /// let _fast = snn_model::soft::SoftPotentials::new(&m);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn new(model: &Snn) -> Self {
        Self {
            tracker: BasisTracker::new(model.basis(), model.n_neurons())
                .expect("a checked model has a valid basis and at least one neuron"),
            phi: vec![0.0; model.n_basis() * model.n_neurons()],
        }
    }

    /// Replaces the events: the observed spikes of `observed` (marks must be `< N`) and the
    /// soft hidden events of `hidden` (`H = n_hidden` weights each), merged in time order.
    /// Rewinds the query time. Errors: a mark out of range, a weight row of the wrong length,
    /// or a model of another shape.
    ///
    /// ```
    /// use snn_model::soft::{SoftEvents, SoftPotentials};
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let mut fast = SoftPotentials::new(&m);
    /// let bad = pp_core::History::new(&[0.5], &[7])?;
    /// assert!(fast.load(&m, bad, SoftEvents::empty(1)).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn load(
        &mut self,
        model: &Snn,
        observed: History<'_>,
        hidden: SoftEvents<'_>,
    ) -> Result<()> {
        self.check_model(model)?;
        if hidden.n_marks() != model.n_hidden() && !hidden.is_empty() {
            return Err(crate::error::SnnError::shape(
                "soft event weights per event",
                format!("[{}] (the model's hidden neurons)", model.n_hidden()),
                format!("[{}]", hidden.n_marks()),
            ));
        }
        self.tracker.clear();
        self.tracker.extend_merged(observed, hidden, model.n_obs())
    }

    /// Writes the potentials `u_i(t)` of all `N` neurons into `out[..N]`; `t` must not be
    /// before the previous query (an error otherwise).
    ///
    /// ```
    /// use snn_model::soft::{SoftEvents, SoftPotentials};
    /// let m = snn_model::SnnBuilder::new(1, 0).bias(vec![0.25]).check()?;
    /// let mut fast = SoftPotentials::new(&m);
    /// fast.load(&m, pp_core::History::empty(), SoftEvents::empty(0))?;
    /// let mut u = [0.0];
    /// fast.potentials_at(&m, 2.0, &mut u)?;
    /// assert_eq!(u, [0.25]);
    /// assert!(fast.potentials_at(&m, 1.0, &mut u).is_err());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn potentials_at(&mut self, model: &Snn, t: f64, out: &mut [f64]) -> Result<()> {
        self.check_model(model)?;
        self.tracker.activations_at(t, &mut self.phi)?;
        model.potentials_from_activations(&self.phi, out);
        Ok(())
    }

    fn check_model(&self, model: &Snn) -> Result<()> {
        if self.tracker.n_neurons() != model.n_neurons() || self.tracker.basis() != model.basis() {
            return Err(crate::error::SnnError::invalid(
                "soft potential evaluator",
                format!("{} neurons", self.tracker.n_neurons()),
                "was made for a model of another shape or basis",
            ));
        }
        Ok(())
    }
}
