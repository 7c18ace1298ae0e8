//! The direct evaluation of membrane potentials and intensities (the oracle), and the
//! [`Intensity`] implementation built on it.

use pp_core::{History, Intensity, Window};

use crate::model::Snn;

/// The mark of an event: one neuron (an ordinary spike) or weights over a contiguous run of
/// neurons starting at `first` (a soft spike).
///
/// ```
/// use snn_model::Mark;
/// let hard = Mark::Neuron(2);
/// let soft = Mark::Soft { first: 2, weights: &[0.3, 0.7] };
/// assert_ne!(hard, soft);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mark<'a> {
    /// A spike of one neuron (weight 1).
    Neuron(usize),
    /// Weight `weights[r]` on neuron `first + r`.
    Soft {
        /// The first neuron of the run.
        first: usize,
        /// One weight per neuron of the run.
        weights: &'a [f64],
    },
}

impl Snn {
    /// Adds to `out` (the potentials) the contribution of one event with lag `lag > 0`.
    #[inline]
    fn add_event(&self, lag: f64, mark: Mark<'_>, out: &mut [f64]) {
        let (n, kk) = (self.n_neurons(), self.n_basis());
        let wm = self.masked_weights_ikj();
        for k in 0..kk {
            let phi = self.basis().value(k, lag);
            if phi == 0.0 {
                continue;
            }
            match mark {
                Mark::Neuron(j) => {
                    for (i, o) in out.iter_mut().enumerate() {
                        *o += wm[(i * kk + k) * n + j] * phi;
                    }
                }
                Mark::Soft { first, weights } => {
                    for (i, o) in out.iter_mut().enumerate() {
                        let row =
                            &wm[(i * kk + k) * n + first..(i * kk + k) * n + first + weights.len()];
                        let s: f64 = row.iter().zip(weights).map(|(w, m)| w * m).sum();
                        *o += s * phi;
                    }
                }
            }
        }
    }

    /// Membrane potentials `u_i(t) = b_i + Σ_{e: t_e < t} Σ_j m_{e,j} f_ij(t − t_e)` by the direct
    /// sum over the events of `history` inside the kernel window `(t − support, t)` (events at
    /// or after `t` are ignored). This is the oracle the fast evaluator is tested against.
    ///
    /// ```
    /// use pp_core::History;
    /// let m = snn_model::SnnBuilder::new(2, 0)
    ///     .bias(vec![0.5, -0.5])
    ///     .weights(vec![-1.0, 2.0, 3.0, -1.0, /* k = 1 */ 0.0, 0.0, 0.0, 0.0])
    ///     .check()?;
    /// let h = History::new(&[1.0, 2.0], &[1, 0])?;
    /// let mut u = [0.0; 2];
    /// m.potentials_direct(1.5, h, &mut u); // only the spike of neuron 1 at t = 1.0 counts
    /// assert!((u[0] - (0.5 + 2.0 * 0.75 * 0.75)).abs() < 1e-15);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn potentials_direct(&self, t: f64, history: History<'_>, out: &mut [f64]) {
        out[..self.n_neurons()].copy_from_slice(self.bias());
        let range = history.lag_range(t, self.basis().support());
        for e in range {
            let lag = t - history.times()[e];
            self.add_event(
                lag,
                Mark::Neuron(history.marks()[e] as usize),
                &mut out[..self.n_neurons()],
            );
        }
    }

    /// Potentials from arbitrary (one-hot or soft) events by the direct sum: every event with
    /// `t_e < t` inside the kernel window counts. Events may come in any order.
    ///
    /// ```
    /// use snn_model::Mark;
    /// let m = snn_model::SnnBuilder::new(2, 0).weights(vec![1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0]).check()?;
    /// let mut u = [0.0; 2];
    /// m.potentials_direct_marked(0.5, [(0.0, Mark::Soft { first: 0, weights: &[0.5, 0.5] })], &mut u);
    /// let phi = 0.75 * 0.75;
    /// assert!((u[0] - phi * 1.5).abs() < 1e-15 && (u[1] - phi * 3.5).abs() < 1e-15);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn potentials_direct_marked<'a>(
        &self,
        t: f64,
        events: impl IntoIterator<Item = (f64, Mark<'a>)>,
        out: &mut [f64],
    ) {
        out[..self.n_neurons()].copy_from_slice(self.bias());
        let support = self.basis().support();
        for (te, mark) in events {
            let lag = t - te;
            if lag > 0.0 && lag < support {
                self.add_event(lag, mark, &mut out[..self.n_neurons()]);
            }
        }
    }

    /// Basis activations `Φ[k·N + j] = Σ_{e: t_e < t} φ_k(t − t_e) [mark_e = j]` by the direct
    /// sum (the oracle of [`BasisTracker::activations`](crate::BasisTracker::activations)).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// let h = pp_core::History::new(&[0.0], &[0])?;
    /// let mut phi = [0.0; 2];
    /// m.activations_direct(10.0, h, &mut phi);
    /// assert_eq!(phi, [0.0, 0.75]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn activations_direct(&self, t: f64, history: History<'_>, out: &mut [f64]) {
        let n = self.n_neurons();
        out.fill(0.0);
        for e in history.lag_range(t, self.basis().support()) {
            let lag = t - history.times()[e];
            let j = history.marks()[e] as usize;
            for k in 0..self.n_basis() {
                out[k * n + j] += self.basis().value(k, lag);
            }
        }
    }

    /// Intensities `λ_i = ψ(u_i)` from potentials.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 0).check()?;
    /// let mut lam = [0.0; 2];
    /// m.intensities_from_potentials(&[0.0, 100.0], &mut lam);
    /// assert_eq!(lam, [2.5, 5.0]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    #[inline]
    pub fn intensities_from_potentials(&self, u: &[f64], out: &mut [f64]) {
        let act = self.activation();
        for (o, &x) in out.iter_mut().zip(u) {
            *o = act.value(x);
        }
    }

    /// The direct potential of one neuron (no buffer needed).
    fn potential_direct_one(&self, t: f64, history: History<'_>, i: usize) -> f64 {
        let (n, kk) = (self.n_neurons(), self.n_basis());
        let wm = self.masked_weights_ikj();
        let mut u = self.bias()[i];
        for e in history.lag_range(t, self.basis().support()) {
            let lag = t - history.times()[e];
            let j = history.marks()[e] as usize;
            for k in 0..kk {
                let phi = self.basis().value(k, lag);
                if phi != 0.0 {
                    u += wm[(i * kk + k) * n + j] * phi;
                }
            }
        }
        u
    }
}

/// The SNN as a pp-core point process: intensities by the direct sum, stable log-intensities,
/// and breakpoints `t_e + lag` for the kink lags of the basis (`c_k ± s` inside the support),
/// so that pp-core's [`Quadrature`](pp_core::Quadrature) integrates smooth pieces only.
///
/// ```
/// use pp_core::{Intensity, History, Window};
/// let m = snn_model::SnnBuilder::new(1, 0).check()?;
/// let h = History::new(&[1.0], &[0])?;
/// let mut cuts = Vec::new();
/// m.breakpoints(h, Window::new(0.0, 11.0)?, &mut cuts);
/// cuts.sort_by(f64::total_cmp);
/// assert_eq!(cuts, vec![2.0, 10.0]); // 1 + 11 = 12 is outside the window
/// # Ok::<(), snn_model::SnnError>(())
/// ```
impl Intensity for Snn {
    fn dim(&self) -> usize {
        self.n_neurons()
    }

    fn intensities(&self, t: f64, history: History<'_>, out: &mut [f64]) {
        self.potentials_direct(t, history, out);
        let act = self.activation();
        for o in out.iter_mut() {
            *o = act.value(*o);
        }
    }

    fn log_intensity(&self, t: f64, history: History<'_>, i: usize) -> f64 {
        self.activation()
            .log_value(self.potential_direct_one(t, history, i))
    }

    fn breakpoints(&self, history: History<'_>, window: Window, out: &mut Vec<f64>) {
        let lags = self.basis().kink_lags();
        for &te in history.times() {
            for &lag in &lags {
                let b = te + lag;
                if b > window.t0() && b < window.t1() {
                    out.push(b);
                }
            }
        }
    }
}
