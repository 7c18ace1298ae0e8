//! What the incremental evaluators of the network share ([`BasisTracker`]: the basis
//! activations; [`PotentialTracker`]: the potentials of a range of target neurons): events go
//! in in time order — one-hot spikes of a neuron, or soft marks spread over a block of neurons
//! — and the tracked values are read at non-decreasing times, each costing `O(N·K)` whatever
//! the number of events in the kernel window.

use pp_core::{History, SoftEvents};

use crate::error::Result;
use crate::potential_tracker::PotentialTracker;
use crate::tracker::BasisTracker;

/// An incremental evaluator of the state of the network driven by pushed events.
///
/// ```
/// use pp_core::{History, SoftEvents};
/// use snn_model::{BasisTracker, Incremental, PotentialTracker, SnnBuilder};
/// let m = SnnBuilder::new(1, 2).weights(vec![0.5; 18]).check()?;
/// let observed = History::new(&[0.5, 2.0], &[0, 0])?;
/// let soft = SoftEvents::new(&[1.0], &[0.3, 0.6], 2)?;
/// // the same events into both evaluators: activations, and potentials from them
/// let mut basis = BasisTracker::new(m.basis(), m.n_neurons())?;
/// let mut potentials = PotentialTracker::new(&m);
/// basis.extend_merged(observed, soft, m.n_obs())?;
/// potentials.extend_merged(observed, soft, m.n_obs())?;
/// let (mut phi, mut u) = (vec![0.0; basis.n_values()], vec![0.0; potentials.n_values()]);
/// basis.values_at(2.5, &mut phi)?;
/// potentials.values_at(2.5, &mut u)?;
/// let mut from_phi = vec![0.0; 3];
/// m.potentials_from_activations(&phi, &mut from_phi);
/// for (a, b) in u.iter().zip(&from_phi) {
///     assert!((a - b).abs() < 1e-12);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Incremental {
    /// Forgets every event (the evaluator stays made for its model and basis).
    fn clear(&mut self);

    /// A spike of `neuron` at `t` (not before the last event pushed nor the last query).
    fn push_spike(&mut self, t: f64, neuron: usize) -> Result<()>;

    /// A soft event at `t` whose mark spreads `weights` over the neurons
    /// `first..first + weights.len()` (each weight finite and `>= 0`).
    fn push_soft(&mut self, t: f64, first: usize, weights: &[f64]) -> Result<()>;

    /// The number of values [`values_at`](Self::values_at) writes.
    fn n_values(&self) -> usize;

    /// The tracked values at `t` (not before the previous query): the basis activations
    /// `[k][j]` of a [`BasisTracker`], the potentials of the targets of a
    /// [`PotentialTracker`]. Events at `t` itself do not count.
    fn values_at(&mut self, t: f64, out: &mut [f64]) -> Result<()>;

    /// Pushes every spike of a (one-hot) history.
    ///
    /// ```
    /// use snn_model::{BasisTracker, Basis, Incremental};
    /// let h = pp_core::History::new(&[0.5, 1.0], &[0, 1])?;
    /// let mut tr = BasisTracker::new(&Basis::epanechnikov_default(2), 2)?;
    /// tr.extend_from_history(h)?;
    /// assert_eq!(tr.n_events(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn extend_from_history(&mut self, history: History<'_>) -> Result<()> {
        for (t, m) in history.iter() {
            self.push_spike(t, m as usize)?;
        }
        Ok(())
    }

    /// Pushes the one-hot spikes of `observed` and the soft events of `soft` (marks over the
    /// neurons `first..first + soft.n_marks()`, the hidden neurons of an SNN) merged in time
    /// order; at a shared time the spike goes first.
    ///
    /// ```
    /// use snn_model::{Incremental, PotentialTracker, SnnBuilder};
    /// let m = SnnBuilder::new(1, 1).check()?;
    /// let mut tr = PotentialTracker::new(&m);
    /// let soft = pp_core::SoftEvents::new(&[0.2], &[0.4], 1)?;
    /// tr.extend_merged(pp_core::History::new(&[0.1], &[0])?, soft, 1)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn extend_merged(
        &mut self,
        observed: History<'_>,
        soft: SoftEvents<'_>,
        first: usize,
    ) -> Result<()> {
        let (ot, om) = (observed.times(), observed.marks());
        let st = soft.times();
        let (mut a, mut b) = (0, 0);
        while a < ot.len() || b < st.len() {
            if b >= st.len() || (a < ot.len() && ot[a] <= st[b]) {
                self.push_spike(ot[a], om[a] as usize)?;
                a += 1;
            } else {
                if soft.n_marks() > 0 {
                    self.push_soft(st[b], first, soft.weights_of(b))?;
                }
                b += 1;
            }
        }
        Ok(())
    }
}

impl Incremental for BasisTracker {
    fn clear(&mut self) {
        BasisTracker::clear(self)
    }
    fn push_spike(&mut self, t: f64, neuron: usize) -> Result<()> {
        BasisTracker::push_spike(self, t, neuron)
    }
    fn push_soft(&mut self, t: f64, first: usize, weights: &[f64]) -> Result<()> {
        BasisTracker::push_soft(self, t, first, weights)
    }
    fn n_values(&self) -> usize {
        self.n_basis() * self.n_neurons()
    }
    fn values_at(&mut self, t: f64, out: &mut [f64]) -> Result<()> {
        self.activations_at(t, out)
    }
}

impl Incremental for PotentialTracker {
    fn clear(&mut self) {
        PotentialTracker::clear(self)
    }
    fn push_spike(&mut self, t: f64, neuron: usize) -> Result<()> {
        PotentialTracker::push_spike(self, t, neuron)
    }
    fn push_soft(&mut self, t: f64, first: usize, weights: &[f64]) -> Result<()> {
        PotentialTracker::push_soft(self, t, first, weights)
    }
    fn n_values(&self) -> usize {
        self.targets().len()
    }
    fn values_at(&mut self, t: f64, out: &mut [f64]) -> Result<()> {
        self.potentials_at(t, out)
    }
}
