//! Validated multivariate event sequences (struct of arrays) and cheap views of them.

use std::ops::Range;

use crate::error::{PpError, Result};
use crate::window::Window;

/// A multivariate event sequence on an observation window: strictly increasing finite `times`
/// inside the window, each with a `mark` (dimension, neuron) below `dim`.
///
/// The invariants are checked by every constructor, so code that receives an `EventSequence`
/// never has to check them again.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 2, vec![0.5, 1.5, 4.0], vec![0, 1, 0])?;
/// assert_eq!(seq.len(), 3);
/// assert_eq!(seq.history_before(1.5).times(), &[0.5]); // strictly before
/// assert_eq!(seq.counts(), vec![2, 1]);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EventSequence {
    window: Window,
    dim: usize,
    times: Vec<f64>,
    marks: Vec<u32>,
}

/// Checks the invariants of a sequence given as parallel slices.
fn validate(window: Window, dim: usize, times: &[f64], marks: &[u32]) -> Result<()> {
    if times.len() != marks.len() {
        return Err(PpError::LengthMismatch {
            what: "marks vs times",
            expected: times.len(),
            found: marks.len(),
        });
    }
    let mut previous = f64::NEG_INFINITY;
    for (index, (&time, &mark)) in times.iter().zip(marks).enumerate() {
        check_event(window, dim, index, previous, time, mark)?;
        previous = time;
    }
    Ok(())
}

/// Checks one event against the window, the dimension and the event before it.
fn check_event(
    window: Window,
    dim: usize,
    index: usize,
    previous: f64,
    time: f64,
    mark: u32,
) -> Result<()> {
    if !time.is_finite() {
        return Err(PpError::NonFiniteTime { index, value: time });
    }
    if !window.contains(time) {
        return Err(PpError::OutsideWindow {
            index,
            time,
            t0: window.t0(),
            t1: window.t1(),
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
    if mark as usize >= dim {
        return Err(PpError::MarkOutOfRange { index, mark, dim });
    }
    Ok(())
}

impl EventSequence {
    /// A sequence from parallel arrays; every invariant is checked.
    ///
    /// ```
    /// use pp_core::{EventSequence, PpError, Window};
    /// let w = Window::new(0.0, 1.0)?;
    /// assert!(EventSequence::new(w, 1, vec![0.2, 0.4], vec![0, 0]).is_ok());
    /// assert!(matches!(
    ///     EventSequence::new(w, 1, vec![0.2, 0.2], vec![0, 0]),
    ///     Err(PpError::DuplicateTime { index: 1, .. })
    /// ));
    /// assert!(matches!(
    ///     EventSequence::new(w, 1, vec![0.2], vec![1]),
    ///     Err(PpError::MarkOutOfRange { index: 0, mark: 1, dim: 1 })
    /// ));
    /// # Ok::<(), PpError>(())
    /// ```
    pub fn new(window: Window, dim: usize, times: Vec<f64>, marks: Vec<u32>) -> Result<Self> {
        if dim == 0 {
            return Err(PpError::InvalidArgument {
                name: "dim",
                reason: "a sequence needs at least one dimension".into(),
            });
        }
        validate(window, dim, &times, &marks)?;
        Ok(Self {
            window,
            dim,
            times,
            marks,
        })
    }

    /// A sequence from `(time, mark)` pairs in any order: they are sorted first, then checked
    /// (two events at the same time are still an error). Errors about one event (non-finite
    /// time, outside the window, mark out of range) give its index in `events`; a
    /// [`PpError::DuplicateTime`] gives the index in sorted order.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let seq = EventSequence::from_unsorted(Window::new(0.0, 5.0)?, 2, &[(3.0, 1), (1.0, 0)])?;
    /// assert_eq!(seq.times(), &[1.0, 3.0]);
    /// assert_eq!(seq.marks(), &[0, 1]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn from_unsorted(window: Window, dim: usize, events: &[(f64, u32)]) -> Result<Self> {
        if dim == 0 {
            return Self::empty(window, dim); // the "at least one dimension" error
        }
        for (index, &(time, mark)) in events.iter().enumerate() {
            // Order is checked after sorting; everything else here, with the caller's index.
            check_event(window, dim, index, f64::NEG_INFINITY, time, mark)?;
        }
        let mut sorted = events.to_vec();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (times, marks) = sorted.into_iter().unzip();
        Self::new(window, dim, times, marks)
    }

    /// A sequence without events.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::empty(pp_core::Window::new(0.0, 1.0)?, 3)?;
    /// assert!(seq.is_empty());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn empty(window: Window, dim: usize) -> Result<Self> {
        Self::new(window, dim, Vec::new(), Vec::new())
    }

    /// Appends one event after the last one (checked: finite, inside the window, strictly later
    /// than the last event, mark in range). This is how samplers grow a sequence.
    ///
    /// ```
    /// let mut seq = pp_core::EventSequence::empty(pp_core::Window::new(0.0, 1.0)?, 1)?;
    /// seq.push(0.3, 0)?;
    /// assert!(seq.push(0.1, 0).is_err());
    /// assert_eq!(seq.len(), 1);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn push(&mut self, time: f64, mark: u32) -> Result<()> {
        let previous = self.times.last().copied().unwrap_or(f64::NEG_INFINITY);
        check_event(
            self.window,
            self.dim,
            self.times.len(),
            previous,
            time,
            mark,
        )?;
        self.times.push(time);
        self.marks.push(mark);
        Ok(())
    }

    /// Removes every event but keeps the allocation, the window and the dimension (buffer reuse).
    ///
    /// ```
    /// let mut seq = pp_core::EventSequence::empty(pp_core::Window::new(0.0, 1.0)?, 1)?;
    /// seq.push(0.5, 0)?;
    /// seq.clear();
    /// assert!(seq.is_empty());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn clear(&mut self) {
        self.times.clear();
        self.marks.clear();
    }

    /// The observation window.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0)?;
    /// assert_eq!(pp_core::EventSequence::empty(w, 1)?.window(), w);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn window(&self) -> Window {
        self.window
    }

    /// Number of dimensions (marks are `0..dim`).
    ///
    /// ```
    /// assert_eq!(pp_core::EventSequence::empty(pp_core::Window::new(0.0, 1.0)?, 4)?.dim(), 4);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Event times, strictly increasing.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
    /// assert_eq!(seq.times(), &[0.5]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// Event marks, each below [`dim`](Self::dim).
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 2, vec![0.5], vec![1])?;
    /// assert_eq!(seq.marks(), &[1]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn marks(&self) -> &[u32] {
        &self.marks
    }

    /// Number of events.
    ///
    /// ```
    /// assert_eq!(pp_core::EventSequence::empty(pp_core::Window::new(0.0, 1.0)?, 1)?.len(), 0);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are no events.
    ///
    /// ```
    /// assert!(pp_core::EventSequence::empty(pp_core::Window::new(0.0, 1.0)?, 1)?.is_empty());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Consumes the sequence and returns `(window, dim, times, marks)`.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
    /// let (_, dim, times, marks) = seq.into_parts();
    /// assert_eq!((dim, times, marks), (1, vec![0.5], vec![0]));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn into_parts(self) -> (Window, usize, Vec<f64>, Vec<u32>) {
        (self.window, self.dim, self.times, self.marks)
    }

    /// The whole sequence as a history view.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
    /// assert_eq!(seq.history().len(), 1);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn history(&self) -> History<'_> {
        History {
            times: &self.times,
            marks: &self.marks,
        }
    }

    /// Number of events strictly before `t` (binary search).
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 1, vec![0.2, 0.5], vec![0, 0])?;
    /// assert_eq!(seq.count_before(0.5), 1);
    /// assert_eq!(seq.count_before(0.51), 2);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn count_before(&self, t: f64) -> usize {
        self.times.partition_point(|&s| s < t)
    }

    /// The events strictly before `t`: the history `H_t` of docs/math.md §1.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 1, vec![0.2, 0.5], vec![0, 0])?;
    /// assert_eq!(seq.history_before(0.5).times(), &[0.2]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn history_before(&self, t: f64) -> History<'_> {
        self.history().prefix(self.count_before(t))
    }

    /// Indices of the events with `t - lag < t_e < t`: the events a kernel of support `lag` sees
    /// at time `t`.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 10.0)?, 1, vec![1.0, 2.0, 3.0, 4.0], vec![0; 4])?;
    /// assert_eq!(seq.lag_range(4.0, 2.0), 2..3); // only 3.0: 2.0 is exactly `lag` away, 4.0 is not before
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn lag_range(&self, t: f64, lag: f64) -> Range<usize> {
        self.history_before(t).lag_range(t, lag)
    }

    /// Number of events of each dimension.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 3, vec![0.1, 0.2], vec![2, 2])?;
    /// assert_eq!(seq.counts(), vec![0, 0, 2]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.dim];
        for &m in &self.marks {
            counts[m as usize] += 1;
        }
        counts
    }

    /// Per-dimension index of the events (compressed sparse rows), built in O(n + D).
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 2, vec![0.1, 0.2, 0.3], vec![1, 0, 1])?;
    /// let by_dim = seq.by_dimension();
    /// assert_eq!(by_dim.indices(1), &[0, 2]);
    /// assert_eq!(by_dim.times(&seq, 1).collect::<Vec<_>>(), vec![0.1, 0.3]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn by_dimension(&self) -> DimensionIndex {
        let mut offsets = vec![0usize; self.dim + 1];
        for &m in &self.marks {
            offsets[m as usize + 1] += 1;
        }
        for i in 0..self.dim {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut indices = vec![0usize; self.len()];
        for (e, &m) in self.marks.iter().enumerate() {
            indices[next[m as usize]] = e;
            next[m as usize] += 1;
        }
        DimensionIndex { offsets, indices }
    }

    /// Splits the dimensions into `0..n_first` and `n_first..dim` (e.g. observed and hidden
    /// neurons): two sequences on the same window, the second with marks shifted down by
    /// `n_first`.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 3, vec![0.1, 0.2, 0.3], vec![0, 2, 1])?;
    /// let (obs, hidden) = seq.split_dimensions(2)?;
    /// assert_eq!((obs.times(), obs.marks()), (&[0.1, 0.3][..], &[0, 1][..]));
    /// assert_eq!((hidden.times(), hidden.marks(), hidden.dim()), (&[0.2][..], &[0][..], 1));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn split_dimensions(&self, n_first: usize) -> Result<(EventSequence, EventSequence)> {
        if n_first == 0 || n_first >= self.dim {
            return Err(PpError::InvalidArgument {
                name: "n_first",
                reason: format!(
                    "must be in 1..{} to leave both parts non-empty, got {n_first}",
                    self.dim
                ),
            });
        }
        let mut first = EventSequence::empty(self.window, n_first)?;
        let mut second = EventSequence::empty(self.window, self.dim - n_first)?;
        let shift = n_first as u32;
        for (&t, &m) in self.times.iter().zip(&self.marks) {
            if m < shift {
                first.times.push(t);
                first.marks.push(m);
            } else {
                second.times.push(t);
                second.marks.push(m - shift);
            }
        }
        Ok((first, second))
    }

    /// The events of the given dimensions only, relabelled `0..keep.len()` in the order of
    /// `keep` (which must hold distinct marks below `dim`).
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 3, vec![0.1, 0.2, 0.3], vec![0, 2, 1])?;
    /// let only = seq.select_dimensions(&[2, 0])?;
    /// assert_eq!((only.times(), only.marks()), (&[0.1, 0.2][..], &[1, 0][..]));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn select_dimensions(&self, keep: &[u32]) -> Result<EventSequence> {
        if keep.is_empty() {
            return Err(PpError::InvalidArgument {
                name: "keep",
                reason: "at least one dimension must be kept".into(),
            });
        }
        let mut relabel = vec![u32::MAX; self.dim];
        for (new, &old) in keep.iter().enumerate() {
            if old as usize >= self.dim {
                return Err(PpError::MarkOutOfRange {
                    index: new,
                    mark: old,
                    dim: self.dim,
                });
            }
            if relabel[old as usize] != u32::MAX {
                return Err(PpError::InvalidArgument {
                    name: "keep",
                    reason: format!("dimension {old} is listed twice"),
                });
            }
            relabel[old as usize] = new as u32;
        }
        let mut out = EventSequence::empty(self.window, keep.len())?;
        for (&t, &m) in self.times.iter().zip(&self.marks) {
            let new = relabel[m as usize];
            if new != u32::MAX {
                out.times.push(t);
                out.marks.push(new);
            }
        }
        Ok(out)
    }
}

/// A borrowed, time-ordered run of events: the history a model conditions on.
///
/// Views made from an [`EventSequence`] are always valid. Samplers that grow their own buffers
/// make one with [`History::new`] (checked, O(n)) or [`History::from_sorted_unchecked`].
///
/// ```
/// use pp_core::History;
/// let h = History::new(&[0.1, 0.4, 0.9], &[0, 1, 0])?;
/// assert_eq!(h.lag_range(1.0, 0.7), 1..3);
/// assert_eq!(h.last_time(), Some(0.9));
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct History<'a> {
    times: &'a [f64],
    marks: &'a [u32],
}

impl<'a> History<'a> {
    /// A checked view: equal lengths, finite strictly increasing times. (Marks are checked
    /// against a model's dimension by the model.)
    ///
    /// ```
    /// assert!(pp_core::History::new(&[0.2, 0.1], &[0, 0]).is_err());
    /// ```
    pub fn new(times: &'a [f64], marks: &'a [u32]) -> Result<Self> {
        if times.len() != marks.len() {
            return Err(PpError::LengthMismatch {
                what: "marks vs times",
                expected: times.len(),
                found: marks.len(),
            });
        }
        let mut previous = f64::NEG_INFINITY;
        for (index, &time) in times.iter().enumerate() {
            if !time.is_finite() {
                return Err(PpError::NonFiniteTime { index, value: time });
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
        Ok(Self { times, marks })
    }

    /// A view whose invariants the caller guarantees (equal lengths, strictly increasing finite
    /// times; checked only in debug builds). For samplers' hot loops, which append events in
    /// order themselves. Breaking the contract gives wrong numbers, never undefined behaviour.
    ///
    /// ```
    /// let h = pp_core::History::from_sorted_unchecked(&[0.1, 0.2], &[0, 0]);
    /// assert_eq!(h.len(), 2);
    /// ```
    #[inline]
    pub fn from_sorted_unchecked(times: &'a [f64], marks: &'a [u32]) -> Self {
        debug_assert_eq!(times.len(), marks.len());
        debug_assert!(times.windows(2).all(|w| w[0] < w[1]));
        Self { times, marks }
    }

    /// The empty history.
    ///
    /// ```
    /// assert!(pp_core::History::empty().is_empty());
    /// ```
    #[inline]
    pub fn empty() -> Self {
        Self {
            times: &[],
            marks: &[],
        }
    }

    /// Event times.
    ///
    /// ```
    /// assert_eq!(pp_core::History::new(&[0.5], &[0])?.times(), &[0.5]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn times(&self) -> &'a [f64] {
        self.times
    }

    /// Event marks.
    ///
    /// ```
    /// assert_eq!(pp_core::History::new(&[0.5], &[3])?.marks(), &[3]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn marks(&self) -> &'a [u32] {
        self.marks
    }

    /// Number of events.
    ///
    /// ```
    /// assert_eq!(pp_core::History::empty().len(), 0);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are no events.
    ///
    /// ```
    /// assert!(pp_core::History::empty().is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Time of the last event, if any.
    ///
    /// ```
    /// assert_eq!(pp_core::History::new(&[0.1, 0.7], &[0, 0])?.last_time(), Some(0.7));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn last_time(&self) -> Option<f64> {
        self.times.last().copied()
    }

    /// The first `n` events.
    ///
    /// ```
    /// let h = pp_core::History::new(&[0.1, 0.7], &[0, 1])?;
    /// assert_eq!(h.prefix(1).marks(), &[0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn prefix(&self, n: usize) -> Self {
        Self {
            times: &self.times[..n],
            marks: &self.marks[..n],
        }
    }

    /// The events strictly before `t`.
    ///
    /// ```
    /// let h = pp_core::History::new(&[0.1, 0.7], &[0, 1])?;
    /// assert_eq!(h.before(0.7).len(), 1);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn before(&self, t: f64) -> Self {
        self.prefix(self.times.partition_point(|&s| s < t))
    }

    /// Indices of the events with `t - lag < t_e < t`.
    ///
    /// ```
    /// let h = pp_core::History::new(&[1.0, 2.0, 3.0], &[0, 0, 0])?;
    /// assert_eq!(h.lag_range(3.5, 2.0), 1..3);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn lag_range(&self, t: f64, lag: f64) -> Range<usize> {
        let end = self.times.partition_point(|&s| s < t);
        let start = self.times[..end].partition_point(|&s| s <= t - lag);
        start..end
    }

    /// Iterator over `(time, mark)` pairs.
    ///
    /// ```
    /// let h = pp_core::History::new(&[0.1], &[2])?;
    /// assert_eq!(h.iter().collect::<Vec<_>>(), vec![(0.1, 2)]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[inline]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (f64, u32)> + 'a {
        self.times.iter().copied().zip(self.marks.iter().copied())
    }
}

/// Per-dimension event indices of a sequence, in compressed sparse row form: the events of
/// dimension `i` are `indices[offsets[i]..offsets[i + 1]]`, in time order.
///
/// ```
/// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 2, vec![0.1, 0.2], vec![1, 0])?;
/// let idx = seq.by_dimension();
/// assert_eq!(idx.offsets(), &[0, 1, 2]);
/// assert_eq!(idx.indices(0), &[1]);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimensionIndex {
    offsets: Vec<usize>,
    indices: Vec<usize>,
}

impl DimensionIndex {
    /// The row offsets (length `dim + 1`).
    ///
    /// ```
    /// let seq = pp_core::EventSequence::empty(pp_core::Window::new(0.0, 1.0)?, 2)?;
    /// assert_eq!(seq.by_dimension().offsets(), &[0, 0, 0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// Indices (into the sequence) of the events of dimension `i`, in time order.
    /// Panics if `i` is not a dimension of the sequence.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 2, vec![0.1], vec![1])?;
    /// assert_eq!(seq.by_dimension().indices(1), &[0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn indices(&self, i: usize) -> &[usize] {
        &self.indices[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Times of the events of dimension `i` of `seq` (the sequence this index was built from).
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 1.0)?, 2, vec![0.1, 0.5], vec![1, 1])?;
    /// assert_eq!(seq.by_dimension().times(&seq, 1).sum::<f64>(), 0.6);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn times<'s>(
        &'s self,
        seq: &'s EventSequence,
        i: usize,
    ) -> impl ExactSizeIterator<Item = f64> + 's {
        self.indices(i).iter().map(move |&e| seq.times[e])
    }
}
