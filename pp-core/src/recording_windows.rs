//! Windows of a long recording: a sequence cut into consecutive pieces of a given length,
//! either as sequences of their own (each starting from an empty history) or as
//! [`ScoredWindow`]s that keep the spikes of a lead-in before each piece as fixed history.
//!
//! A model whose intensity at `t` depends only on the spikes in `(t − lead, t)` has, on a
//! piece `[s, e]`, the conditional log-likelihood `ℓ([s − lead, e]) − ℓ([s − lead, s])`; summed
//! over the pieces it is the whole recording's log-likelihood (the log-likelihood is additive
//! over time given the history). See docs/math.md, "Windows of a long recording".

use crate::error::{PpError, Result};
use crate::sequence::EventSequence;
use crate::window::Window;

/// The most pieces [`EventSequence::split_windows`] and
/// [`EventSequence::split_windows_with_history`] make of one sequence.
pub const MAX_WINDOWS: usize = 10_000_000;

/// A piece `[from, end]` of a recording with the spikes of the lead-in `[start, from)` before
/// it as fixed history (from [`EventSequence::split_windows_with_history`]).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 1, vec![1.0, 4.5, 6.0], vec![0, 0, 0])?;
/// let pieces = seq.split_windows_with_history(5.0, 1.0)?;
/// let second = &pieces[1];
/// assert_eq!((second.sequence().window().t0(), second.from()), (4.0, 5.0));
/// assert_eq!(second.sequence().times(), &[4.5, 6.0]); // 4.5 is history only
/// assert_eq!(second.history().unwrap().times(), &[4.5]);
/// assert_eq!(second.share(), 0.5);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredWindow {
    sequence: EventSequence,
    history: Option<EventSequence>,
    from: f64,
    share: f64,
}

impl ScoredWindow {
    /// The lead-in and the piece: window `[max(t0, from − lead), end]` with their spikes.
    pub fn sequence(&self) -> &EventSequence {
        &self.sequence
    }

    /// The lead-in and the piece as one sequence, [`sequence`](Self::sequence) taken out.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 4.0)?, 1, vec![1.5, 3.0], vec![0, 0])?;
    /// let second = seq.split_windows_with_history(2.0, 1.0)?.swap_remove(1);
    /// assert_eq!(second.into_sequence().times(), &[1.5, 3.0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn into_sequence(self) -> EventSequence {
        self.sequence
    }

    /// The lead-in alone (window `[start, from]`, the spikes before `from`); `None` for the
    /// first piece, which has no lead-in.
    pub fn history(&self) -> Option<&EventSequence> {
        self.history.as_ref()
    }

    /// Where the scored piece starts.
    pub fn from(&self) -> f64 {
        self.from
    }

    /// The piece's share of the recording's duration, `(end − from)/(t1 − t0)` (the shares of
    /// one recording sum to 1): what a per-recording term, such as a penalty, is weighted by.
    pub fn share(&self) -> f64 {
        self.share
    }
}

impl EventSequence {
    /// The sequence cut into consecutive windows of `length` (the last one shorter if `length`
    /// does not divide the window): `[t0 + kL, t0 + (k+1)L]`, an event at a boundary going to
    /// the later window. Each piece is a sequence of its own, so a model evaluated on it starts
    /// from an empty history: the intensity in the first kernel support of each piece misses
    /// the spikes before it. At most [`MAX_WINDOWS`] pieces.
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 5.0)?, 1, vec![0.5, 2.0, 4.5], vec![0, 0, 0])?;
    /// let pieces = seq.split_windows(2.0)?;
    /// let windows: Vec<(f64, f64)> = pieces.iter().map(|p| (p.window().t0(), p.window().t1())).collect();
    /// assert_eq!(windows, [(0.0, 2.0), (2.0, 4.0), (4.0, 5.0)]);
    /// assert_eq!(pieces.iter().map(|p| p.times().to_vec()).collect::<Vec<_>>(), [vec![0.5], vec![2.0], vec![4.5]]);
    /// assert!(seq.split_windows(0.0).is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn split_windows(&self, length: f64) -> Result<Vec<EventSequence>> {
        cuts(self.window(), length)?
            .into_iter()
            .map(|(start, end)| self.piece(start, end))
            .collect()
    }

    /// The sequence cut as [`split_windows`](Self::split_windows) does, each piece `[s, e]`
    /// with the spikes of its lead-in `[s − lead, s)` (clipped at the window's start) as fixed
    /// history: for a model whose intensity depends only on the spikes within `lead` before
    /// each time (its kernel support), the piece's conditional log-likelihood is that of
    /// [`ScoredWindow::sequence`] minus that of [`ScoredWindow::history`], and the pieces' sum
    /// is the whole sequence's. `lead` must be finite and non-negative (0: no history).
    ///
    /// ```
    /// let seq = pp_core::EventSequence::new(pp_core::Window::new(0.0, 6.0)?, 1, vec![1.0, 2.5, 5.0], vec![0, 0, 0])?;
    /// let pieces = seq.split_windows_with_history(2.0, 1.0)?;
    /// assert_eq!(pieces.len(), 3);
    /// assert!(pieces[0].history().is_none());
    /// assert_eq!(pieces[2].sequence().window().t0(), 3.0);
    /// assert!(pieces[2].history().unwrap().is_empty());
    /// assert!(seq.split_windows_with_history(2.0, f64::INFINITY).is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn split_windows_with_history(&self, length: f64, lead: f64) -> Result<Vec<ScoredWindow>> {
        if !(lead.is_finite() && lead >= 0.0) {
            return Err(PpError::InvalidArgument {
                name: "lead",
                reason: format!(
                    "the history before each window must be finite and non-negative, got {lead}"
                ),
            });
        }
        let (t0, t1) = (self.window().t0(), self.window().t1());
        cuts(self.window(), length)?
            .into_iter()
            .map(|(from, end)| {
                let start = (from - lead).max(t0);
                let history = if start < from {
                    Some(self.piece(start, from)?)
                } else {
                    None
                };
                Ok(ScoredWindow {
                    sequence: self.piece(start, end)?,
                    history,
                    from,
                    share: (end - from) / (t1 - t0),
                })
            })
            .collect()
    }

    /// The events in `[start, end)` (through `end` when `end` is the window's end) on the
    /// window `[start, end]`.
    fn piece(&self, start: f64, end: f64) -> Result<EventSequence> {
        let times = self.times();
        let lo = times.partition_point(|&t| t < start);
        let hi = if end >= self.window().t1() {
            times.len()
        } else {
            times.partition_point(|&t| t < end)
        };
        EventSequence::new(
            Window::new(start, end)?,
            self.dim(),
            times[lo..hi].to_vec(),
            self.marks()[lo..hi].to_vec(),
        )
    }
}

/// The cuts `[t0 + kL, t0 + (k+1)L]` of `window` (the last ending at `t1`).
fn cuts(window: Window, length: f64) -> Result<Vec<(f64, f64)>> {
    let (t0, t1) = (window.t0(), window.t1());
    if !(length.is_finite() && length > 0.0) {
        return Err(PpError::InvalidArgument {
            name: "window length",
            reason: format!("must be finite and positive, got {length}"),
        });
    }
    let pieces = ((t1 - t0) / length).ceil();
    if pieces > MAX_WINDOWS as f64 {
        return Err(PpError::InvalidArgument {
            name: "window length",
            reason: format!(
                "{} cuts the window [{}, {}] into {pieces:e} pieces, more than {MAX_WINDOWS:e}",
                crate::messages::show_number(length),
                crate::messages::show_number(t0),
                crate::messages::show_number(t1)
            ),
        });
    }
    let mut out = Vec::with_capacity(pieces as usize);
    for k in 0..pieces as usize {
        let start = t0 + k as f64 * length;
        let end = if k + 1 == pieces as usize {
            t1
        } else {
            (t0 + (k + 1) as f64 * length).min(t1)
        };
        if start >= end {
            break; // rounding made the last piece empty
        }
        out.push((start, end));
        if end >= t1 {
            break;
        }
    }
    Ok(out)
}
