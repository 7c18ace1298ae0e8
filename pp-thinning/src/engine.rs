//! The thinning loop itself (docs/math.md §2): one step advances to the next accepted event.
//!
//! Everything here is allocation-free: the model state and the intensity buffer are borrowed from
//! a [`Workspace`](crate::Workspace).

use crate::bound::BoundSpec;
use crate::error::{BOUND_SLACK, Result, ThinningError};
use crate::sampler::{Event, OnMaxEvents, StopReason, ThinningOptions, ThinningStats};
use crate::sequential::SequentialIntensity;
use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1};

/// The position of one simulation: current time, bound in force, counters.
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    /// Current time: the last candidate, horizon or `t0`.
    s: f64,
    /// End of the window.
    t1: f64,
    /// The bound in force since `s`.
    bound: BoundSpec,
    /// Counters and the stop reason.
    pub(crate) stats: ThinningStats,
    /// No more events (end of window, truncation, error, or callback stop).
    pub(crate) done: bool,
}

impl Cursor {
    /// Resets the model state and asks for the first bound at `t0`.
    pub(crate) fn start<M: SequentialIntensity + ?Sized>(
        model: &M,
        state: &mut M::State,
        t0: f64,
        t1: f64,
    ) -> Result<Self> {
        model.reset(state, t0);
        let bound = model.bound(state, t0).checked(t0)?;
        Ok(Self {
            s: t0,
            t1,
            bound,
            stats: ThinningStats::new(t0),
            done: false,
        })
    }

    /// Marks the end of the simulation.
    #[inline]
    fn finish(&mut self, stop: StopReason, end: f64) {
        self.done = true;
        self.stats.stop = stop;
        self.stats.end = end;
    }

    /// Stops on the caller's request after the event at `time`.
    #[inline]
    pub(crate) fn stop_by_callback(&mut self, time: f64) {
        self.finish(StopReason::Callback, time);
    }

    /// Advances to the next accepted event. Returns `Ok(None)` at the end (end of window or
    /// truncation; see `stats.stop`). Rejected candidate times go to `on_rejected`.
    ///
    /// Random numbers per candidate, in this order: one `Exp(1)` (the gap, scaled by `1/λ̄`),
    /// then one uniform in `[0, 1)` (the category). A horizon passed without a candidate consumes
    /// the `Exp(1)` only (memorylessness makes restarting there exact).
    #[inline]
    pub(crate) fn step<M, R, J>(
        &mut self,
        model: &M,
        state: &mut M::State,
        out: &mut [f64],
        options: &ThinningOptions,
        rng: &mut R,
        on_rejected: &mut J,
    ) -> Result<Option<Event>>
    where
        M: SequentialIntensity + ?Sized,
        R: Rng + ?Sized,
        J: FnMut(f64),
    {
        if self.done {
            return Ok(None);
        }
        let result = self.step_inner(model, state, out, options, rng, on_rejected);
        if result.is_err() {
            self.done = true;
        }
        result
    }

    #[inline]
    fn step_inner<M, R, J>(
        &mut self,
        model: &M,
        state: &mut M::State,
        out: &mut [f64],
        options: &ThinningOptions,
        rng: &mut R,
        on_rejected: &mut J,
    ) -> Result<Option<Event>>
    where
        M: SequentialIntensity + ?Sized,
        R: Rng + ?Sized,
        J: FnMut(f64),
    {
        loop {
            let rate = self.bound.rate;
            let candidate = if rate > 0.0 {
                let gap: f64 = Exp1.sample(rng);
                let c = self.s + gap / rate;
                // A gap below half an ulp of `s` would repeat `s`; the time grid is f64, so the
                // next representable time is the exact draw rounded up.
                if c > self.s { c } else { self.s.next_up() }
            } else {
                f64::INFINITY
            };
            if candidate > self.bound.valid_until {
                // The horizon passed without a candidate: renew the bound there.
                let h = self.bound.valid_until;
                if h >= self.t1 {
                    self.finish(StopReason::EndOfWindow, self.t1);
                    return Ok(None);
                }
                self.s = h;
                self.stats.horizon_renewals += 1;
                self.bound = model.bound(state, h).checked(h)?;
                continue;
            }
            if candidate > self.t1 {
                self.finish(StopReason::EndOfWindow, self.t1);
                return Ok(None);
            }

            if let Some(max) = options.max_candidates
                && self.stats.candidates >= max
            {
                return Err(ThinningError::TooManyCandidates {
                    max,
                    time: candidate,
                    bound: rate,
                });
            }
            model.intensities_at(state, candidate, out);
            // One pass without branches (total and minimum); the rare failure is diagnosed
            // separately. A NaN or infinite intensity makes `total` NaN or infinite, so it fails
            // the (NaN-rejecting) comparison; a negative one shows in `min`.
            let mut total = 0.0;
            let mut min = f64::INFINITY;
            for &x in out.iter() {
                total += x;
                min = min.min(x);
            }
            let within_bound = total <= rate * (1.0 + BOUND_SLACK); // false for NaN
            if !within_bound || min < 0.0 {
                return Err(diagnose(out, candidate, total, rate));
            }
            self.s = candidate;
            let target = rng.random::<f64>() * rate;
            if target < total {
                let mark = pick(out, target);
                if let Some(max) = options.max_events
                    && self.stats.accepted as usize >= max
                {
                    return match options.on_max_events {
                        OnMaxEvents::Error => Err(ThinningError::TooManyEvents {
                            max,
                            time: candidate,
                        }),
                        OnMaxEvents::Truncate => {
                            self.finish(StopReason::MaxEvents, candidate);
                            Ok(None)
                        }
                    };
                }
                self.stats.candidates += 1;
                self.stats.accepted += 1;
                model.accept(state, candidate, mark);
                self.bound = model.bound(state, candidate).checked(candidate)?;
                return Ok(Some(Event {
                    time: candidate,
                    mark,
                }));
            }
            self.stats.candidates += 1;
            on_rejected(candidate);
            self.bound = model.bound(state, candidate).checked(candidate)?;
        }
    }
}

/// The error for a candidate whose intensities failed the fast check: the first invalid
/// intensity (negative, NaN, infinite) if any, otherwise a bound violation.
#[cold]
#[inline(never)]
fn diagnose(out: &[f64], time: f64, total: f64, bound: f64) -> ThinningError {
    match out.iter().position(|&x| !(x >= 0.0 && x.is_finite())) {
        Some(dim) => ThinningError::InvalidIntensity {
            time,
            dim,
            value: out[dim],
        },
        None => ThinningError::BoundViolation {
            time,
            intensity: total,
            bound,
        },
    }
}

/// The category of an accepted candidate: the first `i` with `Σ_{k ≤ i} λ_k > target`, where
/// `target < Σ_k λ_k` (summed in the same order, so the scan always ends inside the slice).
#[inline]
fn pick(out: &[f64], target: f64) -> u32 {
    let mut cum = 0.0;
    for (i, &x) in out.iter().enumerate() {
        cum += x;
        if target < cum {
            return i as u32;
        }
    }
    // Unreachable: `target < total` and `cum` is the same sum in the same order. Kept total
    // rather than panicking: the last dimension with a positive intensity.
    out.iter().rposition(|&x| x > 0.0).unwrap_or(0) as u32
}

#[cfg(test)]
mod tests {
    use super::pick;

    #[test]
    fn pick_uses_cumulative_intensities() {
        let out = [1.0, 0.0, 2.0];
        assert_eq!(pick(&out, 0.0), 0);
        assert_eq!(pick(&out, 0.999), 0);
        assert_eq!(pick(&out, 1.0), 2); // a zero intensity is never picked
        assert_eq!(pick(&out, 2.999), 2);
    }
}
