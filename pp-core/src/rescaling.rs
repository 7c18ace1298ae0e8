//! Time rescaling (docs/math.md §1): the compensator increments between consecutive events of each
//! dimension, which are i.i.d. Exp(1) under the true model.

use crate::compensator::{Compensator, check_dimension};
use crate::error::{PpError, Result};
#[cfg(feature = "stats")]
use crate::goodness_of_fit::{KsPlot, KsTest, ks_exp1, ks_plot_exp1};
use crate::hawkes::ExpHawkes;
use crate::intensity::Intensity;
use crate::sequence::EventSequence;

/// The rescaled intervals of a sequence under a model, per dimension: for the events
/// `t^i_1 < t^i_2 < …` of dimension `i`, `τ^i_1 = Λ_i(T0, t^i_1)` and
/// `τ^i_k = Λ_i(t^i_{k−1}, t^i_k)`, with `Λ_i(a, b) = ∫_a^b λ_i(t | H_t) dt`. The censored
/// interval after the last event of a dimension is not included. Under the true model every
/// `τ` is Exp(1) and all are independent (also across dimensions).
///
/// ```
/// use pp_core::{time_rescale, ClosedForm, EventSequence, Poisson, Window};
/// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 2, vec![1.0, 2.0, 4.0], vec![0, 1, 0])?;
/// let rescaled = time_rescale(&Poisson::new(vec![2.0, 0.5])?, &seq, &ClosedForm)?;
/// assert_eq!(rescaled.intervals(0), &[2.0, 6.0]);
/// assert_eq!(rescaled.intervals(1), &[1.0]);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RescaledIntervals {
    per_dim: Vec<Vec<f64>>,
}

impl RescaledIntervals {
    /// Intervals given directly, one vector per dimension (each value must be finite and
    /// `>= 0`).
    ///
    /// ```
    /// let r = pp_core::RescaledIntervals::from_per_dimension(vec![vec![0.5, 1.5], vec![]])?;
    /// assert_eq!(r.dim(), 2);
    /// assert!(pp_core::RescaledIntervals::from_per_dimension(vec![vec![-1.0]]).is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn from_per_dimension(per_dim: Vec<Vec<f64>>) -> Result<Self> {
        for intervals in &per_dim {
            for (index, &tau) in intervals.iter().enumerate() {
                if !tau.is_finite() {
                    return Err(PpError::NonFinite {
                        what: "rescaled interval",
                        index,
                        value: tau,
                    });
                }
                if tau < 0.0 {
                    return Err(PpError::Numerical {
                        what: "time rescaling",
                        detail: format!("rescaled interval {index} is negative ({tau})"),
                    });
                }
            }
        }
        Ok(Self { per_dim })
    }

    /// Number of dimensions.
    ///
    /// ```
    /// let r = pp_core::RescaledIntervals::from_per_dimension(vec![vec![1.0]; 3])?;
    /// assert_eq!(r.dim(), 3);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.per_dim.len()
    }

    /// The rescaled intervals of dimension `i`, in time order. Panics if `i >= dim()`.
    ///
    /// ```
    /// let r = pp_core::RescaledIntervals::from_per_dimension(vec![vec![0.3, 0.7]])?;
    /// assert_eq!(r.intervals(0), &[0.3, 0.7]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn intervals(&self, i: usize) -> &[f64] {
        &self.per_dim[i]
    }

    /// All intervals of all dimensions, pooled (dimension 0 first).
    ///
    /// ```
    /// let r = pp_core::RescaledIntervals::from_per_dimension(vec![vec![0.3], vec![0.7]])?;
    /// assert_eq!(r.pooled(), vec![0.3, 0.7]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn pooled(&self) -> Vec<f64> {
        self.per_dim.iter().flatten().copied().collect()
    }

    /// Checks that dimension `i` exists and has at least [`MIN_KS_INTERVALS`] intervals.
    #[cfg(feature = "stats")]
    fn checked(&self, i: usize) -> Result<&[f64]> {
        let intervals = self.per_dim.get(i).ok_or(PpError::DimensionMismatch {
            what: "requested dimension index (as a count)",
            expected: self.dim(),
            found: i + 1,
        })?;
        if intervals.len() < MIN_KS_INTERVALS {
            return Err(PpError::TooFewEvents {
                dim: i,
                found: intervals.len(),
                needed: MIN_KS_INTERVALS,
            });
        }
        Ok(intervals)
    }

    /// The Kolmogorov–Smirnov test of dimension `i` against Exp(1) (see [`ks_exp1`]);
    /// [`PpError::TooFewEvents`] if the dimension has no events.
    ///
    /// ```
    /// use pp_core::{PpError, RescaledIntervals};
    /// let r = RescaledIntervals::from_per_dimension(vec![vec![0.2, 1.1, 0.6, 2.3, 0.9], vec![]])?;
    /// let ks = r.ks_test(0)?;
    /// assert_eq!(ks.n, 5);
    /// assert!(ks.p_value > 0.5);
    /// assert!(matches!(r.ks_test(1), Err(PpError::TooFewEvents { dim: 1, found: 0, .. })));
    /// # Ok::<(), PpError>(())
    /// ```
    #[cfg(feature = "stats")]
    pub fn ks_test(&self, i: usize) -> Result<KsTest> {
        ks_exp1(self.checked(i)?)
    }

    /// The KS test of every dimension (one result per dimension, so that a silent dimension
    /// does not hide the others).
    ///
    /// ```
    /// let r = pp_core::RescaledIntervals::from_per_dimension(vec![vec![0.5, 1.5], vec![]])?;
    /// let tests = r.ks_tests();
    /// assert!(tests[0].is_ok() && tests[1].is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[cfg(feature = "stats")]
    pub fn ks_tests(&self) -> Vec<Result<KsTest>> {
        (0..self.dim()).map(|i| self.ks_test(i)).collect()
    }

    /// The KS test of all dimensions' intervals pooled (i.i.d. Exp(1) under the true model too).
    ///
    /// ```
    /// let r = pp_core::RescaledIntervals::from_per_dimension(vec![vec![0.5, 1.5], vec![0.9]])?;
    /// assert_eq!(r.ks_test_pooled()?.n, 3);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[cfg(feature = "stats")]
    pub fn ks_test_pooled(&self) -> Result<KsTest> {
        let all = self.pooled();
        if all.len() < MIN_KS_INTERVALS {
            return Err(PpError::TooFewEvents {
                dim: 0,
                found: all.len(),
                needed: MIN_KS_INTERVALS,
            });
        }
        ks_exp1(&all)
    }

    /// The points of the KS plot of dimension `i` (see [`KsPlot`]).
    ///
    /// ```
    /// let r = pp_core::RescaledIntervals::from_per_dimension(vec![vec![0.5, 1.5, 0.1, 0.8]])?;
    /// let plot = r.ks_plot(0)?;
    /// assert_eq!(plot.model_quantiles, vec![0.125, 0.375, 0.625, 0.875]);
    /// assert_eq!(plot.band, 1.36 / 2.0);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[cfg(feature = "stats")]
    pub fn ks_plot(&self, i: usize) -> Result<KsPlot> {
        ks_plot_exp1(self.checked(i)?)
    }
}

/// The fewest rescaled intervals a dimension needs for a KS test: one. The p-value is exact for
/// small samples (see [`ks_exp1`]), so the test is valid for every `n >= 1`, though it has
/// little power for small `n`.
///
/// ```
/// assert_eq!(pp_core::rescaling::MIN_KS_INTERVALS, 1);
/// ```
pub const MIN_KS_INTERVALS: usize = 1;

/// Rescales `seq` under `model` with any compensator (closed form, quadrature, Monte Carlo):
/// one [`Compensator::integrate`] call per event, over the gap since the previous event of
/// the whole sequence, accumulated per dimension (O(n) integration calls).
///
/// ```
/// use pp_core::{time_rescale, ClosedForm, EventSequence, ExpHawkes, Quadrature, Window};
/// let model = ExpHawkes::new(vec![0.5, 0.3], vec![0.2, 0.1, 0.3, 0.2], 2.0)?;
/// let seq = EventSequence::new(Window::new(0.0, 6.0)?, 2, vec![0.5, 1.0, 2.5, 4.0], vec![0, 1, 1, 0])?;
/// let exact = time_rescale(&model, &seq, &ClosedForm)?;
/// let quad = time_rescale(&model, &seq, &Quadrature::default())?;
/// for (a, b) in exact.pooled().iter().zip(quad.pooled()) {
///     assert!((a - b).abs() < 1e-12);
/// }
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub fn time_rescale<M, C>(
    model: &M,
    seq: &EventSequence,
    compensator: &C,
) -> Result<RescaledIntervals>
where
    M: Intensity + ?Sized,
    C: Compensator<M> + ?Sized,
{
    check_dimension(model, seq)?;
    let d = model.dim();
    let counts = seq.counts();
    let mut per_dim: Vec<Vec<f64>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
    let mut acc = vec![0.0; d];
    let mut increment = vec![0.0; d];
    let mut last = seq.window().t0();
    for (&t, &m) in seq.times().iter().zip(seq.marks()) {
        compensator.integrate(model, seq, last, t, &mut increment)?;
        for (a, &inc) in acc.iter_mut().zip(&increment) {
            *a += inc;
        }
        per_dim[m as usize].push(acc[m as usize]);
        acc[m as usize] = 0.0;
        last = t;
    }
    RescaledIntervals::from_per_dimension(per_dim)
}

impl ExpHawkes {
    /// The rescaled intervals of `seq` under this model in O(n·D) (the closed-form
    /// compensator increments, by the recursion of the log-likelihood); equal to
    /// [`time_rescale`] with [`ClosedForm`](crate::ClosedForm), which costs O(n²·D).
    ///
    /// ```
    /// use pp_core::{time_rescale, ClosedForm, EventSequence, ExpHawkes, Window};
    /// let model = ExpHawkes::new(vec![0.5, 0.3], vec![0.2, 0.1, 0.3, 0.2], 2.0)?;
    /// let seq = EventSequence::new(Window::new(0.0, 6.0)?, 2, vec![0.5, 1.0, 2.5, 4.0], vec![0, 1, 1, 0])?;
    /// let fast = model.time_rescale(&seq)?;
    /// let slow = time_rescale(&model, &seq, &ClosedForm)?;
    /// for (a, b) in fast.pooled().iter().zip(slow.pooled()) {
    ///     assert!((a - b).abs() < 1e-14);
    /// }
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn time_rescale(&self, seq: &EventSequence) -> Result<RescaledIntervals> {
        check_dimension(self, seq)?;
        let d = self.dim();
        let (mu, alpha, beta) = (self.mu(), self.alpha(), self.beta());
        let counts = seq.counts();
        let mut per_dim: Vec<Vec<f64>> = counts.iter().map(|&c| Vec::with_capacity(c)).collect();
        let mut alpha_t = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                alpha_t[j * d + i] = alpha[i * d + j];
            }
        }
        // S_i = Σ_j α_{ij} R_j; ∫ over a gap Δ of β S_i e^{−βs} ds = S_i (1 − e^{−βΔ}).
        let mut s = vec![0.0; d];
        let mut acc = vec![0.0; d];
        let mut last = seq.window().t0();
        for (&t, &m) in seq.times().iter().zip(seq.marks()) {
            let dt = t - last;
            let em1 = (-beta * dt).exp_m1(); // e^{−βΔ} − 1, accurate for small Δ
            for ((a, si), &m_i) in acc.iter_mut().zip(s.iter_mut()).zip(mu) {
                *a += m_i * dt - *si * em1;
                *si += *si * em1;
            }
            let j = m as usize;
            per_dim[j].push(acc[j]);
            acc[j] = 0.0;
            for (si, &a) in s.iter_mut().zip(&alpha_t[j * d..(j + 1) * d]) {
                *si += a;
            }
            last = t;
        }
        RescaledIntervals::from_per_dimension(per_dim)
    }
}
