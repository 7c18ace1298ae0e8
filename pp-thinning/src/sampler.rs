//! The sampler value [`Thinning`], its options and its results.

use crate::engine::Cursor;
use crate::error::Result;
use crate::sequential::SequentialIntensity;
use pp_core::{EventSequence, PpError, Window};
use rand::Rng;
use std::ops::ControlFlow;

/// What to do when a sequence would get more than
/// [`max_events`](ThinningOptions::max_events) events.
///
/// ```
/// assert_eq!(pp_thinning::OnMaxEvents::default(), pp_thinning::OnMaxEvents::Error);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnMaxEvents {
    /// Fail with [`ThinningError::TooManyEvents`](crate::ThinningError::TooManyEvents).
    #[default]
    Error,
    /// Stop and return the events so far, flagged ([`StopReason::MaxEvents`],
    /// [`Sample::is_truncated`]): an exact sample observed until [`ThinningStats::end`] only.
    Truncate,
}

/// Options of a [`Thinning`] sampler.
///
/// ```
/// use pp_thinning::{OnMaxEvents, ThinningOptions};
/// let o = ThinningOptions::default();
/// assert_eq!(o.max_events, None);
/// assert_eq!(o.max_candidates, None);
/// assert_eq!(o.on_max_events, OnMaxEvents::Error);
/// assert!(!o.record_rejected);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThinningOptions {
    /// Largest number of events per sequence (`None`: no limit). Guards against explosive
    /// models (a Hawkes process with spectral radius `≥ 1`).
    pub max_events: Option<usize>,
    /// Largest number of candidates (accepted and rejected) per sequence (`None`: no limit);
    /// exceeding it is an error ([`ThinningError::TooManyCandidates`](crate::ThinningError::TooManyCandidates)).
    /// Guards against bounds so loose (or intensities so large) that the sampler would run
    /// for hours without a word.
    pub max_candidates: Option<u64>,
    /// What happens when `max_events` would be exceeded.
    pub on_max_events: OnMaxEvents,
    /// Keep the times of rejected candidates in [`Sample::rejected`].
    pub record_rejected: bool,
}

/// One accepted event.
///
/// ```
/// let e = pp_thinning::Event { time: 1.5, mark: 2 };
/// assert_eq!((e.time, e.mark), (1.5, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Event time.
    pub time: f64,
    /// Its dimension.
    pub mark: u32,
}

/// Why a simulation ended.
///
/// ```
/// assert_ne!(pp_thinning::StopReason::EndOfWindow, pp_thinning::StopReason::MaxEvents);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The next candidate fell after the end of the window: the sample is complete.
    EndOfWindow,
    /// The maximum number of events was reached with [`OnMaxEvents::Truncate`]: the events are
    /// an exact sample observed until [`ThinningStats::end`] only.
    MaxEvents,
    /// A streaming callback asked to stop (after the event at [`ThinningStats::end`]).
    Callback,
}

/// Counters of one simulation.
///
/// `candidates = accepted + rejected`; a candidate that would have exceeded the maximum number of
/// events with [`OnMaxEvents::Truncate`] is counted in neither.
///
/// ```
/// use pp_core::{ExpHawkes, Window};
/// use pp_thinning::{StopReason, Thinning};
/// use rand::SeedableRng;
/// let model = ExpHawkes::new(vec![0.5], vec![0.5], 1.0)?;
/// let sampler = Thinning::new(model, Window::new(0.0, 100.0)?)?;
/// let s = sampler.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2))?;
/// assert_eq!(s.stats.accepted as usize, s.sequence.len());
/// assert_eq!(s.stats.stop, StopReason::EndOfWindow);
/// let rate = s.stats.acceptance_rate().unwrap();
/// assert!(rate > 0.0 && rate <= 1.0);
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThinningStats {
    /// Candidates drawn from the bound (accepted + rejected).
    pub candidates: u64,
    /// Accepted candidates (events).
    pub accepted: u64,
    /// Times a bound's horizon passed without a candidate and the bound was renewed.
    pub horizon_renewals: u64,
    /// Why the simulation ended.
    pub stop: StopReason,
    /// The time up to which the sample is complete: `t1` for [`StopReason::EndOfWindow`], the
    /// time of the first event beyond the maximum for [`StopReason::MaxEvents`], the time of the
    /// last event delivered for [`StopReason::Callback`].
    pub end: f64,
}

impl ThinningStats {
    pub(crate) fn new(t0: f64) -> Self {
        Self {
            candidates: 0,
            accepted: 0,
            horizon_renewals: 0,
            stop: StopReason::EndOfWindow,
            end: t0,
        }
    }

    /// Rejected candidates: `candidates − accepted`.
    ///
    /// ```
    /// # use pp_thinning::{StopReason, ThinningStats};
    /// let s = ThinningStats { candidates: 10, accepted: 4, horizon_renewals: 0, stop: StopReason::EndOfWindow, end: 1.0 };
    /// assert_eq!(s.rejected(), 6);
    /// ```
    #[inline]
    pub fn rejected(&self) -> u64 {
        self.candidates - self.accepted
    }

    /// `accepted / candidates`, or `None` when there was no candidate.
    ///
    /// ```
    /// # use pp_thinning::{StopReason, ThinningStats};
    /// let s = ThinningStats { candidates: 10, accepted: 4, horizon_renewals: 0, stop: StopReason::EndOfWindow, end: 1.0 };
    /// assert_eq!(s.acceptance_rate(), Some(0.4));
    /// ```
    #[inline]
    pub fn acceptance_rate(&self) -> Option<f64> {
        (self.candidates > 0).then(|| self.accepted as f64 / self.candidates as f64)
    }
}

/// The result of [`Thinning::sample`]: the sequence, the counters and (if asked for) the
/// rejected candidates.
///
/// ```
/// use pp_core::{Poisson, Window};
/// use pp_thinning::Thinning;
/// use rand::SeedableRng;
/// let sampler = Thinning::new(Poisson::new(vec![1.0])?, Window::new(0.0, 10.0)?)?;
/// let s = sampler.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5))?;
/// assert!(!s.is_truncated());
/// assert!(s.rejected.is_none()); // not recorded by default
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The accepted events, on the sampler's window (see [`is_truncated`](Self::is_truncated)).
    pub sequence: EventSequence,
    /// Counters and stop reason.
    pub stats: ThinningStats,
    /// Times of the rejected candidates, increasing, if
    /// [`record_rejected`](ThinningOptions::record_rejected) was set.
    pub rejected: Option<Vec<f64>>,
}

impl Sample {
    /// Whether the simulation stopped at the maximum number of events
    /// ([`OnMaxEvents::Truncate`]): then the sequence is complete only up to
    /// [`stats.end`](ThinningStats::end), not on the whole window.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// use pp_thinning::{OnMaxEvents, Thinning};
    /// use rand::SeedableRng;
    /// let sampler = Thinning::new(Poisson::new(vec![10.0])?, Window::new(0.0, 10.0)?)?
    ///     .max_events(5, OnMaxEvents::Truncate);
    /// let s = sampler.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5))?;
    /// assert!(s.is_truncated() && s.sequence.len() == 5);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    #[inline]
    pub fn is_truncated(&self) -> bool {
        self.stats.stop == StopReason::MaxEvents
    }
}

/// Reusable buffers for simulating many sequences with one [`Thinning`] sampler without
/// allocating: the model state, the intensity buffer and the event buffers.
///
/// ```
/// use pp_core::{ExpHawkes, Window};
/// use pp_thinning::Thinning;
/// use rand::SeedableRng;
/// let sampler = Thinning::new(ExpHawkes::new(vec![1.0], vec![0.3], 1.0)?, Window::new(0.0, 20.0)?)?;
/// let mut ws = sampler.workspace();
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
/// for _ in 0..3 {
///     let s = sampler.sample_in(&mut rng, &mut ws)?;
///     assert!(!s.sequence.is_empty());
/// }
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Workspace<S> {
    pub(crate) state: S,
    pub(crate) out: Vec<f64>,
    /// Number of events of the last sample made with this workspace: the capacity reserved for
    /// the next one (sequences of one sampler have similar lengths; saves the regrowth copies).
    pub(crate) capacity_hint: usize,
}

impl<S> Workspace<S> {
    /// The model state after the last simulation (e.g. the final Hawkes excitations).
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// let sampler = pp_thinning::Thinning::new(Poisson::new(vec![1.0, 2.0])?, Window::new(0.0, 1.0)?)?;
    /// assert_eq!(*sampler.workspace().state(), 3.0); // the Poisson state is the total rate
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn state(&self) -> &S {
        &self.state
    }
}

/// Exact thinning sampler (Lewis–Shedler / Ogata, docs/math.md §2) for a [`SequentialIntensity`]
/// model on a window: an immutable value in `rand_distr` style, so one sampler serves any number
/// of sequences, generators and threads.
///
/// The loop: from the current time `s` with bound `λ̄` valid until `h`, draw
/// `s' = s + Exp(1)/λ̄`; if `s' > h` renew the bound at `h`; if `s' > t1` stop; otherwise evaluate
/// `λ_i(s')`, check `Σ_i λ_i(s') ≤ λ̄` (error otherwise), draw `u ~ U[0, 1)` and accept the first
/// dimension `i` with `u λ̄ < Σ_{k ≤ i} λ_k(s')` (none if `u λ̄ ≥ Σ_k λ_k`); ask for a new bound.
///
/// Ways to run it:
/// * [`sample`](Self::sample) / [`sample_in`](Self::sample_in): a [`Sample`] with a pp-core
///   [`EventSequence`];
/// * [`sample_with`](Self::sample_with): a callback per accepted event, nothing stored
///   (constant memory for models with a Markovian state such as exp-Hawkes);
/// * [`events`](Self::events): the same as an iterator;
/// * [`sample_many`](Self::sample_many): many sequences in parallel, reproducible.
///
/// ```
/// use pp_core::{ExpHawkes, Window};
/// use pp_thinning::Thinning;
/// use rand::SeedableRng;
/// let model = ExpHawkes::new(vec![0.2, 0.3], vec![0.3, 0.1, 0.2, 0.4], 1.5)?;
/// let sampler = Thinning::new(model, Window::new(0.0, 100.0)?)?;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(42);
/// let sample = sampler.sample(&mut rng)?;
/// assert_eq!(sample.sequence.dim(), 2);
/// // Same seed, same bits.
/// let again = sampler.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(42))?;
/// assert_eq!(sample, again);
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Thinning<M> {
    model: M,
    window: Window,
    options: ThinningOptions,
}

impl<M: SequentialIntensity> Thinning<M> {
    /// A sampler of `model` on `window` with default options (no event limit, no record of
    /// rejected candidates). Fails if the model has no dimension or more than `u32::MAX + 1`.
    pub fn new(model: M, window: Window) -> Result<Self> {
        let dim = model.dim();
        if dim == 0 || dim - 1 > u32::MAX as usize {
            return Err(PpError::InvalidArgument {
                name: "model",
                reason: format!("the model has {dim} dimensions; need 1 ..= 2^32"),
            }
            .into());
        }
        Ok(Self {
            model,
            window,
            options: ThinningOptions::default(),
        })
    }

    /// Replaces all options.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// use pp_thinning::{Thinning, ThinningOptions};
    /// let opts = ThinningOptions { record_rejected: true, ..Default::default() };
    /// let s = Thinning::new(Poisson::new(vec![1.0])?, Window::new(0.0, 1.0)?)?.with_options(opts);
    /// assert!(s.options().record_rejected);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn with_options(mut self, options: ThinningOptions) -> Self {
        self.options = options;
        self
    }

    /// Limits the number of events per sequence to `max`, with the given policy.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// use pp_thinning::{OnMaxEvents, Thinning, ThinningError};
    /// use rand::SeedableRng;
    /// let s = Thinning::new(Poisson::new(vec![10.0])?, Window::new(0.0, 10.0)?)?
    ///     .max_events(3, OnMaxEvents::Error);
    /// let err = s.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1)).unwrap_err();
    /// assert!(matches!(err, ThinningError::TooManyEvents { max: 3, .. }));
    /// # Ok::<(), ThinningError>(())
    /// ```
    pub fn max_events(mut self, max: usize, on_max_events: OnMaxEvents) -> Self {
        self.options.max_events = Some(max);
        self.options.on_max_events = on_max_events;
        self
    }

    /// At most `max` candidates (accepted and rejected) per sequence; more is an error.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// use pp_thinning::{Bounded, GlobalBound, Thinning, ThinningError};
    /// use rand::SeedableRng;
    /// let model = Bounded::new(Poisson::new(vec![1e6])?, GlobalBound::new(1e6)?);
    /// let sampler = Thinning::new(model, Window::new(0.0, 1.0)?)?.max_candidates(1000);
    /// let err = sampler.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1)).unwrap_err();
    /// assert!(matches!(err, ThinningError::TooManyCandidates { max: 1000, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_candidates(mut self, max: u64) -> Self {
        self.options.max_candidates = Some(max);
        self
    }

    /// Whether [`sample`](Self::sample) keeps the rejected candidates' times.
    ///
    /// ```
    /// use pp_core::{ExpHawkes, Window};
    /// use pp_thinning::Thinning;
    /// use rand::SeedableRng;
    /// let s = Thinning::new(ExpHawkes::new(vec![1.0], vec![0.5], 2.0)?, Window::new(0.0, 50.0)?)?
    ///     .record_rejected(true);
    /// let out = s.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
    /// let rejected = out.rejected.as_ref().unwrap();
    /// assert_eq!(rejected.len() + out.sequence.len(), out.stats.candidates as usize);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn record_rejected(mut self, record: bool) -> Self {
        self.options.record_rejected = record;
        self
    }

    /// The model.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// let s = pp_thinning::Thinning::new(Poisson::new(vec![1.0])?, Window::new(0.0, 1.0)?)?;
    /// assert_eq!(s.model().rates(), &[1.0]);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The simulation window.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// let s = pp_thinning::Thinning::new(Poisson::new(vec![1.0])?, Window::new(0.0, 2.0)?)?;
    /// assert_eq!(s.window().t1(), 2.0);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn window(&self) -> Window {
        self.window
    }

    /// The options.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// let s = pp_thinning::Thinning::new(Poisson::new(vec![1.0])?, Window::new(0.0, 2.0)?)?;
    /// assert_eq!(s.options().max_events, None);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn options(&self) -> &ThinningOptions {
        &self.options
    }

    /// Fresh reusable buffers for this sampler's model.
    ///
    /// ```
    /// use pp_core::{ExpHawkes, Window};
    /// let s = pp_thinning::Thinning::new(ExpHawkes::new(vec![1.0], vec![0.5], 1.0)?, Window::new(0.0, 1.0)?)?;
    /// let ws = s.workspace();
    /// assert_eq!(ws.state().excitations(), &[0.0]);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn workspace(&self) -> Workspace<M::State> {
        Workspace {
            state: self.model.new_state(),
            out: vec![0.0; self.model.dim()],
            capacity_hint: 0,
        }
    }

    /// Simulates one sequence on the window.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// use rand::SeedableRng;
    /// let s = pp_thinning::Thinning::new(Poisson::new(vec![3.0])?, Window::new(0.0, 1.0)?)?;
    /// let out = s.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0))?;
    /// assert!(out.sequence.times().iter().all(|&t| (0.0..=1.0).contains(&t)));
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Sample> {
        let mut ws = self.workspace();
        self.sample_in(rng, &mut ws)
    }

    /// Simulates one sequence, reusing the buffers of `ws` (see [`Workspace`]).
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// use rand::SeedableRng;
    /// let s = pp_thinning::Thinning::new(Poisson::new(vec![3.0])?, Window::new(0.0, 1.0)?)?;
    /// let mut ws = s.workspace();
    /// let out = s.sample_in(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(0), &mut ws)?;
    /// assert_eq!(out.sequence.window(), s.window());
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn sample_in<R: Rng + ?Sized>(
        &self,
        rng: &mut R,
        ws: &mut Workspace<M::State>,
    ) -> Result<Sample> {
        let mut times = Vec::with_capacity(ws.capacity_hint);
        let mut marks = Vec::with_capacity(ws.capacity_hint);
        let mut rejected = Vec::new();
        let record = self.options.record_rejected;
        let stats = self.run(
            rng,
            ws,
            |e| {
                times.push(e.time);
                marks.push(e.mark);
                ControlFlow::Continue(())
            },
            |t| {
                if record {
                    rejected.push(t)
                }
            },
        )?;
        ws.capacity_hint = times.len();
        let sequence = EventSequence::new(self.window, self.model.dim(), times, marks)?;
        Ok(Sample {
            sequence,
            stats,
            rejected: record.then_some(rejected),
        })
    }

    /// Streams the accepted events of one sequence to `on_event` without storing them; the
    /// callback returns [`ControlFlow::Break`] to stop early ([`StopReason::Callback`]).
    /// Rejected candidates are only counted (see [`sample_with_rejected`](Self::sample_with_rejected)).
    /// Memory use is the workspace only, whatever the number of events.
    ///
    /// ```
    /// use pp_core::{ExpHawkes, Window};
    /// use pp_thinning::Thinning;
    /// use rand::SeedableRng;
    /// use std::ops::ControlFlow;
    /// let s = Thinning::new(ExpHawkes::new(vec![1.0, 1.0], vec![0.2; 4], 1.0)?, Window::new(0.0, 1e4)?)?;
    /// let mut ws = s.workspace();
    /// let mut counts = [0u64; 2];
    /// let stats = s.sample_with(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1), &mut ws, |e| {
    ///     counts[e.mark as usize] += 1;
    ///     ControlFlow::Continue(())
    /// })?;
    /// assert_eq!(counts[0] + counts[1], stats.accepted);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn sample_with<R, F>(
        &self,
        rng: &mut R,
        ws: &mut Workspace<M::State>,
        on_event: F,
    ) -> Result<ThinningStats>
    where
        R: Rng + ?Sized,
        F: FnMut(Event) -> ControlFlow<()>,
    {
        self.run(rng, ws, on_event, |_| {})
    }

    /// Like [`sample_with`](Self::sample_with), and also passes every rejected candidate's time
    /// to `on_rejected`.
    ///
    /// ```
    /// use pp_core::{ExpHawkes, Window};
    /// use pp_thinning::Thinning;
    /// use rand::SeedableRng;
    /// use std::ops::ControlFlow;
    /// let s = Thinning::new(ExpHawkes::new(vec![1.0], vec![0.5], 3.0)?, Window::new(0.0, 100.0)?)?;
    /// let mut ws = s.workspace();
    /// let mut rejected = 0u64;
    /// let stats = s.sample_with_rejected(
    ///     &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1),
    ///     &mut ws,
    ///     |_e| ControlFlow::Continue(()),
    ///     |_t| rejected += 1,
    /// )?;
    /// assert_eq!(rejected, stats.rejected());
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn sample_with_rejected<R, F, J>(
        &self,
        rng: &mut R,
        ws: &mut Workspace<M::State>,
        on_event: F,
        on_rejected: J,
    ) -> Result<ThinningStats>
    where
        R: Rng + ?Sized,
        F: FnMut(Event) -> ControlFlow<()>,
        J: FnMut(f64),
    {
        self.run(rng, ws, on_event, on_rejected)
    }

    /// The iterator form of [`sample_with`](Self::sample_with): yields `Ok(event)` for each
    /// accepted event, then ends; an error is yielded once, and ends the iteration.
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// use pp_thinning::Thinning;
    /// use rand::SeedableRng;
    /// let s = Thinning::new(Poisson::new(vec![2.0])?, Window::new(0.0, 1e3)?)?;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(4);
    /// let first_ten: Vec<_> = s.events(&mut rng)?.take(10).collect::<Result<_, _>>()?;
    /// assert_eq!(first_ten.len(), 10);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn events<'a, R: Rng + ?Sized>(&'a self, rng: &'a mut R) -> Result<Events<'a, M, R>> {
        let mut ws = self.workspace();
        let cursor = Cursor::start(
            &self.model,
            &mut ws.state,
            self.window.t0(),
            self.window.t1(),
        )?;
        Ok(Events {
            sampler: self,
            rng,
            ws,
            cursor,
        })
    }

    /// The loop shared by every form.
    fn run<R, F, J>(
        &self,
        rng: &mut R,
        ws: &mut Workspace<M::State>,
        mut on_event: F,
        mut on_rejected: J,
    ) -> Result<ThinningStats>
    where
        R: Rng + ?Sized,
        F: FnMut(Event) -> ControlFlow<()>,
        J: FnMut(f64),
    {
        let Workspace { state, out, .. } = ws;
        let mut cursor = Cursor::start(&self.model, state, self.window.t0(), self.window.t1())?;
        while let Some(event) = cursor.step(
            &self.model,
            state,
            out,
            &self.options,
            rng,
            &mut on_rejected,
        )? {
            if on_event(event).is_break() {
                cursor.stop_by_callback(event.time);
                break;
            }
        }
        Ok(cursor.stats)
    }
}

/// Iterator over the accepted events of one sequence ([`Thinning::events`]).
///
/// ```
/// use pp_core::{Poisson, Window};
/// use rand::SeedableRng;
/// let s = pp_thinning::Thinning::new(Poisson::new(vec![1.0])?, Window::new(0.0, 100.0)?)?;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(4);
/// let mut it = s.events(&mut rng)?;
/// let n = it.by_ref().count();
/// assert_eq!(it.stats().accepted as usize, n);
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
pub struct Events<'a, M: SequentialIntensity, R: ?Sized> {
    sampler: &'a Thinning<M>,
    rng: &'a mut R,
    ws: Workspace<M::State>,
    cursor: Cursor,
}

impl<M: SequentialIntensity, R: ?Sized> Events<'_, M, R> {
    /// The counters so far (final once the iterator has returned `None`).
    ///
    /// ```
    /// use pp_core::{Poisson, Window};
    /// use rand::SeedableRng;
    /// let s = pp_thinning::Thinning::new(Poisson::new(vec![1.0])?, Window::new(0.0, 10.0)?)?;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(4);
    /// let it = s.events(&mut rng)?;
    /// assert_eq!(it.stats().candidates, 0);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    pub fn stats(&self) -> &ThinningStats {
        &self.cursor.stats
    }
}

impl<M: SequentialIntensity, R: Rng + ?Sized> Iterator for Events<'_, M, R> {
    type Item = Result<Event>;

    fn next(&mut self) -> Option<Self::Item> {
        let Workspace { state, out, .. } = &mut self.ws;
        self.cursor
            .step(
                &self.sampler.model,
                state,
                out,
                &self.sampler.options,
                self.rng,
                &mut |_| {},
            )
            .transpose()
    }
}

impl<M: SequentialIntensity, R: ?Sized> std::fmt::Debug for Events<'_, M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events")
            .field("window", &self.sampler.window)
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}
