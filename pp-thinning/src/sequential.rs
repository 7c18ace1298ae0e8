//! The incremental model interface the thinning loop runs on, and the generic adapter that
//! provides it for any [`Intensity`] plus a [`Bound`].

use crate::bound::{Bound, BoundSpec};
use pp_core::{History, Intensity};

/// A point-process model evaluated incrementally along one simulated sequence: the interface of
/// the thinning loop (docs/math.md §2).
///
/// The model itself is immutable and shared (also across threads); everything that changes along
/// a sequence lives in a separate [`State`](Self::State), made once by
/// [`new_state`](Self::new_state) and reused for many sequences (no allocation per sequence or per
/// candidate).
///
/// **Call protocol.** For each sequence on `[t0, t1]` the sampler calls
/// 1. [`reset`](Self::reset)`(state, t0)`, then [`bound`](Self::bound)`(state, t0)`;
/// 2. for every candidate `s` (strictly increasing):
///    [`intensities_at`](Self::intensities_at)`(state, s, out)`; if the candidate is accepted
///    with mark `i`, [`accept`](Self::accept)`(state, s, i)`; then
///    [`bound`](Self::bound)`(state, s)` (accepted or not);
/// 3. when a bound's horizon `h` passes without a candidate: [`bound`](Self::bound)`(state, h)`.
///
/// So every time passed to the state is `>=` every earlier one, and `intensities_at(s)` conditions
/// on the events accepted strictly before `s`. Implementations may cache anything in the state
/// under this protocol (e.g. the total intensity computed by the last `intensities_at`, so that
/// `bound` is O(1)).
///
/// **Bound contract.** `bound(state, s)` returns `λ̄` with `Σ_i λ_i(t | H_t) ≤ λ̄` for every
/// `t ∈ (s, valid_until]` as long as no event is accepted after `s` (an event accepted at `s` is
/// part of `H_t`). A wrong bound is reported as
/// [`ThinningError::BoundViolation`](crate::ThinningError::BoundViolation) at the first candidate
/// where it fails.
///
/// Models with a fast evaluator (running sums instead of a history scan) implement this trait
/// themselves; [`pp_core::ExpHawkes`] and [`pp_core::Poisson`] do (O(D) per candidate), and any
/// [`Intensity`] gets it through [`Bounded`].
///
/// ```
/// use pp_thinning::{BoundSpec, SequentialIntensity};
/// /// A one-dimensional self-correcting-free toy: rate 1 before the first event, 0 after it.
/// struct OneShot;
/// impl SequentialIntensity for OneShot {
///     type State = bool; // fired yet?
///     fn dim(&self) -> usize { 1 }
///     fn new_state(&self) -> bool { false }
///     fn reset(&self, fired: &mut bool, _t0: f64) { *fired = false; }
///     fn intensities_at(&self, fired: &mut bool, _s: f64, out: &mut [f64]) {
///         out[0] = if *fired { 0.0 } else { 1.0 };
///     }
///     fn accept(&self, fired: &mut bool, _s: f64, _mark: u32) { *fired = true; }
///     fn bound(&self, fired: &mut bool, _s: f64) -> BoundSpec {
///         BoundSpec::until_next_event(if *fired { 0.0 } else { 1.0 })
///     }
/// }
/// use rand::SeedableRng;
/// let sampler = pp_thinning::Thinning::new(OneShot, pp_core::Window::new(0.0, 100.0)?)?;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
/// let sample = sampler.sample(&mut rng)?;
/// assert!(sample.sequence.len() <= 1);
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
pub trait SequentialIntensity {
    /// Everything that changes along one sequence (running sums, the accepted history, caches).
    type State;

    /// Number of dimensions `D` (marks are `0..D`).
    fn dim(&self) -> usize;

    /// A fresh state (allocates once; reused through [`reset`](Self::reset)).
    fn new_state(&self) -> Self::State;

    /// Starts a new sequence at `t0` with no events.
    fn reset(&self, state: &mut Self::State, t0: f64);

    /// Writes `λ_i(s | H_s)` for every `i` into `out` (length `D`), where `H_s` is the set of
    /// events accepted so far (all strictly before `s`). `s` never decreases between calls.
    fn intensities_at(&self, state: &mut Self::State, s: f64, out: &mut [f64]);

    /// Records the event `(s, mark)`: it was accepted at the candidate last passed to
    /// [`intensities_at`](Self::intensities_at).
    fn accept(&self, state: &mut Self::State, s: f64, mark: u32);

    /// A bound valid from `s` (see the trait documentation for the contract).
    fn bound(&self, state: &mut Self::State, s: f64) -> BoundSpec;
}

impl<M: SequentialIntensity + ?Sized> SequentialIntensity for &M {
    type State = M::State;

    #[inline]
    fn dim(&self) -> usize {
        (**self).dim()
    }

    #[inline]
    fn new_state(&self) -> Self::State {
        (**self).new_state()
    }

    #[inline]
    fn reset(&self, state: &mut Self::State, t0: f64) {
        (**self).reset(state, t0)
    }

    #[inline]
    fn intensities_at(&self, state: &mut Self::State, s: f64, out: &mut [f64]) {
        (**self).intensities_at(state, s, out)
    }

    #[inline]
    fn accept(&self, state: &mut Self::State, s: f64, mark: u32) {
        (**self).accept(state, s, mark)
    }

    #[inline]
    fn bound(&self, state: &mut Self::State, s: f64) -> BoundSpec {
        (**self).bound(state, s)
    }
}

/// The accepted events of the sequence being simulated, kept in reusable buffers: the state of
/// [`Bounded`].
///
/// ```
/// use pp_thinning::HistoryBuffer;
/// let mut h = HistoryBuffer::default();
/// h.push(0.5, 1);
/// assert_eq!(h.history().times(), &[0.5]);
/// h.clear();
/// assert!(h.history().is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistoryBuffer {
    times: Vec<f64>,
    marks: Vec<u32>,
}

impl HistoryBuffer {
    /// The events recorded so far, as a pp-core history view.
    ///
    /// ```
    /// let h = pp_thinning::HistoryBuffer::default();
    /// assert_eq!(h.history().len(), 0);
    /// ```
    #[inline]
    pub fn history(&self) -> History<'_> {
        History::from_sorted_unchecked(&self.times, &self.marks)
    }

    /// Appends an event (the caller keeps times strictly increasing).
    ///
    /// ```
    /// let mut h = pp_thinning::HistoryBuffer::default();
    /// h.push(1.0, 0);
    /// assert_eq!(h.history().marks(), &[0]);
    /// ```
    #[inline]
    pub fn push(&mut self, time: f64, mark: u32) {
        self.times.push(time);
        self.marks.push(mark);
    }

    /// Removes every event, keeping the allocation.
    ///
    /// ```
    /// let mut h = pp_thinning::HistoryBuffer::default();
    /// h.push(1.0, 0);
    /// h.clear();
    /// assert_eq!(h.history().len(), 0);
    /// ```
    #[inline]
    pub fn clear(&mut self) {
        self.times.clear();
        self.marks.clear();
    }
}

/// Any [`Intensity`] model together with a [`Bound`] on it: the generic, history-based
/// [`SequentialIntensity`].
///
/// The state is the list of accepted events ([`HistoryBuffer`]); each candidate evaluates
/// [`Intensity::intensities`] on it, so the cost per candidate is whatever the model's
/// evaluation costs (O(n·D) for a model that scans its whole history, O(events in the kernel
/// support · D) for one that uses [`History::lag_range`]). Models with a Markovian state should
/// implement [`SequentialIntensity`] directly, as [`pp_core::ExpHawkes`] does here.
///
/// ```
/// use pp_core::{InhomogeneousPoisson, Window};
/// use pp_thinning::{Bounded, GlobalBound, Thinning};
/// use rand::SeedableRng;
/// // λ(t) = 1 + sin(t) ≤ 2.
/// let model = InhomogeneousPoisson::new(1, |t: f64, out: &mut [f64]| out[0] = 1.0 + t.sin())?;
/// let sampler = Thinning::new(Bounded::new(model, GlobalBound::new(2.0)?), Window::new(0.0, 50.0)?)?;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
/// let sample = sampler.sample(&mut rng)?;
/// assert!(sample.sequence.len() > 20);
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Bounded<I, B> {
    intensity: I,
    bound: B,
}

impl<I, B> Bounded<I, B> {
    /// Pairs the model `intensity` with the bound `bound`.
    ///
    /// ```
    /// let m = pp_thinning::Bounded::new(pp_core::Poisson::new(vec![1.0])?, pp_thinning::GlobalBound::new(1.0)?);
    /// assert_eq!(m.intensity().rates(), &[1.0]);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn new(intensity: I, bound: B) -> Self {
        Self { intensity, bound }
    }

    /// The model.
    ///
    /// ```
    /// let m = pp_thinning::Bounded::new(pp_core::Poisson::new(vec![2.0])?, pp_thinning::GlobalBound::new(2.0)?);
    /// assert_eq!(m.intensity().rates(), &[2.0]);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn intensity(&self) -> &I {
        &self.intensity
    }

    /// The bound.
    ///
    /// ```
    /// let m = pp_thinning::Bounded::new(pp_core::Poisson::new(vec![2.0])?, pp_thinning::GlobalBound::new(3.0)?);
    /// assert_eq!(m.bound().rate(), 3.0);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn bound(&self) -> &B {
        &self.bound
    }
}

impl<I: Intensity, B: Bound<I>> SequentialIntensity for Bounded<I, B> {
    type State = HistoryBuffer;

    #[inline]
    fn dim(&self) -> usize {
        self.intensity.dim()
    }

    fn new_state(&self) -> HistoryBuffer {
        HistoryBuffer::default()
    }

    #[inline]
    fn reset(&self, state: &mut HistoryBuffer, _t0: f64) {
        state.clear();
    }

    #[inline]
    fn intensities_at(&self, state: &mut HistoryBuffer, s: f64, out: &mut [f64]) {
        self.intensity.intensities(s, state.history(), out);
    }

    #[inline]
    fn accept(&self, state: &mut HistoryBuffer, s: f64, mark: u32) {
        state.push(s, mark);
    }

    #[inline]
    fn bound(&self, state: &mut HistoryBuffer, s: f64) -> BoundSpec {
        self.bound.bound(&self.intensity, s, state.history())
    }
}
