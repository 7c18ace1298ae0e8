//! Events with soft marks: times and, per event, non-negative weights over a group of
//! dimensions (the relaxed spikes of the differentiable point process, docs/math.md §5). One
//! validated borrowed view used by every layer: the ∂PP sampler's history (diffpp), the soft
//! potentials and likelihoods of the SNN (snn-model) and the estimators (vi-train).

use crate::error::{PpError, Result};

/// Soft events: times strictly increasing, weights row-major `[event][n_marks]`, each finite
/// and `>= 0`. A one-hot row is an ordinary (hard) event of that mark, a row of zeros a
/// rejected candidate; the ∂PP's soft spikes `d_k = exp(y_k)[..H]` lie in between.
///
/// [`SoftEvents::new`] checks everything (O(events × marks)); samplers that build the view
/// from their own sorted output use [`SoftEvents::from_sorted_unchecked`].
///
/// ```
/// use pp_core::SoftEvents;
/// let times = [0.5, 1.5];
/// let weights = [0.9, 0.1, 0.0, 0.2];
/// let ev = SoftEvents::new(&times, &weights, 2)?;
/// assert_eq!((ev.len(), ev.n_marks()), (2, 2));
/// assert_eq!(ev.weights_of(1), &[0.0, 0.2]);
/// assert!(SoftEvents::new(&[1.0, 0.5], &weights, 2).is_err()); // unsorted
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SoftEvents<'a> {
    times: &'a [f64],
    weights: &'a [f64],
    n_marks: usize,
}

impl<'a> SoftEvents<'a> {
    /// A checked view: `weights.len() == times.len() * n_marks`, `n_marks >= 1` unless there
    /// are no events, finite strictly increasing times, finite non-negative weights. Errors
    /// name the offending event (and mark).
    ///
    /// ```
    /// use pp_core::{PpError, SoftEvents};
    /// assert!(matches!(SoftEvents::new(&[1.0], &[0.5], 2), Err(PpError::LengthMismatch { .. })));
    /// assert!(matches!(SoftEvents::new(&[f64::NAN], &[0.5], 1), Err(PpError::NonFinite { .. })));
    /// assert!(matches!(SoftEvents::new(&[1.0], &[-0.1], 1), Err(PpError::InvalidParameter { .. })));
    /// assert!(SoftEvents::new(&[], &[], 0).is_ok());
    /// ```
    pub fn new(times: &'a [f64], weights: &'a [f64], n_marks: usize) -> Result<Self> {
        if weights.len() != times.len() * n_marks {
            return Err(PpError::LengthMismatch {
                what: "soft event weights (events × marks)",
                expected: times.len() * n_marks,
                found: weights.len(),
            });
        }
        if n_marks == 0 && !times.is_empty() {
            return Err(PpError::InvalidArgument {
                name: "n_marks",
                reason: "soft events need at least one mark to carry weight".into(),
            });
        }
        let mut previous = f64::NEG_INFINITY;
        for (index, &time) in times.iter().enumerate() {
            if !time.is_finite() {
                return Err(PpError::NonFinite {
                    what: "soft event time",
                    index,
                    value: time,
                });
            }
            if time == previous {
                return Err(PpError::DuplicateTime { index, time });
            }
            if time < previous {
                return Err(PpError::Unsorted {
                    index,
                    previous,
                    time,
                });
            }
            previous = time;
        }
        if let Some(e) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(PpError::InvalidParameter {
                name: format!("soft event weight [{}][{}]", e / n_marks, e % n_marks),
                value: weights[e],
                reason: "must be finite and >= 0",
            });
        }
        Ok(Self {
            times,
            weights,
            n_marks,
        })
    }

    /// A view whose invariants the caller guarantees (checked in debug builds only); for
    /// samplers that produce sorted events with valid weights themselves. Breaking the contract
    /// gives wrong numbers or a typed error downstream, never undefined behaviour.
    ///
    /// ```
    /// let ev = pp_core::SoftEvents::from_sorted_unchecked(&[0.1, 0.2], &[1.0, 0.0], 1);
    /// assert_eq!(ev.len(), 2);
    /// ```
    #[inline]
    pub fn from_sorted_unchecked(times: &'a [f64], weights: &'a [f64], n_marks: usize) -> Self {
        debug_assert_eq!(weights.len(), times.len() * n_marks);
        debug_assert!(times.windows(2).all(|w| w[0] < w[1]));
        Self {
            times,
            weights,
            n_marks,
        }
    }

    /// No events, `n_marks` weights per (absent) event.
    ///
    /// ```
    /// assert!(pp_core::SoftEvents::empty(3).is_empty());
    /// ```
    #[inline]
    pub fn empty(n_marks: usize) -> Self {
        Self {
            times: &[],
            weights: &[],
            n_marks,
        }
    }

    /// Event times, increasing.
    ///
    /// ```
    /// assert_eq!(pp_core::SoftEvents::new(&[1.0], &[0.5], 1)?.times(), &[1.0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn times(&self) -> &'a [f64] {
        self.times
    }

    /// All weights, row-major `[event][mark]`.
    ///
    /// ```
    /// assert_eq!(pp_core::SoftEvents::new(&[1.0], &[0.5], 1)?.weights(), &[0.5]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn weights(&self) -> &'a [f64] {
        self.weights
    }

    /// The `n_marks` weights of event `e` (panics if `e >= len()`).
    ///
    /// ```
    /// let ev = pp_core::SoftEvents::new(&[1.0], &[0.5, 0.25], 2)?;
    /// assert_eq!(ev.weights_of(0), &[0.5, 0.25]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn weights_of(&self, e: usize) -> &'a [f64] {
        &self.weights[e * self.n_marks..(e + 1) * self.n_marks]
    }

    /// Number of marks (weights per event; for the SNN the hidden neurons `H`).
    ///
    /// ```
    /// assert_eq!(pp_core::SoftEvents::empty(4).n_marks(), 4);
    /// ```
    #[inline]
    pub fn n_marks(&self) -> usize {
        self.n_marks
    }

    /// Number of events.
    ///
    /// ```
    /// assert_eq!(pp_core::SoftEvents::empty(4).len(), 0);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are no events.
    ///
    /// ```
    /// assert!(pp_core::SoftEvents::empty(1).is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// The events `range` (a sub-view with the same marks).
    ///
    /// ```
    /// let ev = pp_core::SoftEvents::new(&[1.0, 2.0, 3.0], &[0.1, 0.2, 0.3], 1)?;
    /// assert_eq!(ev.slice(1..3).times(), &[2.0, 3.0]);
    /// assert_eq!(ev.slice(1..3).weights(), &[0.2, 0.3]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn slice(&self, range: std::ops::Range<usize>) -> Self {
        Self {
            times: &self.times[range.clone()],
            weights: &self.weights[range.start * self.n_marks..range.end * self.n_marks],
            n_marks: self.n_marks,
        }
    }
}
