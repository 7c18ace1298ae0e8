//! Helpers shared by the integration tests: random sequences (proptest strategies), a direct
//! Poisson simulator, Ogata thinning for exponential Hawkes, and central finite differences.
#![allow(dead_code)]

use pp_core::{EventSequence, ExpHawkes, History, Intensity, Window};
use proptest::prelude::*;
use rand::RngExt;
use rand_distr::{Distribution, Exp};

/// A sequence on `window` with `D` dimensions from unit uniforms and marks: times
/// `t0 + u·T`, sorted, exact duplicates dropped (probability ~0).
pub fn sequence_from(window: Window, dim: usize, us: &[f64], marks: &[u32]) -> EventSequence {
    let mut events: Vec<(f64, u32)> = us
        .iter()
        .zip(marks)
        .map(|(&u, &m)| (window.t0() + u * window.duration(), m % dim as u32))
        .collect();
    events.sort_by(|a, b| a.0.total_cmp(&b.0));
    events.dedup_by(|a, b| a.0 == b.0);
    EventSequence::from_unsorted(window, dim, &events).expect("valid by construction")
}

/// Strategy: `(dim, window, sequence)` with `dim` in `dims`, `t0` in [−5, 5], duration in
/// [0.5, 20] and up to `max_events` events.
pub fn arb_sequence(
    dims: std::ops::RangeInclusive<usize>,
    max_events: usize,
) -> impl Strategy<Value = EventSequence> {
    (dims, -5.0..5.0f64, 0.5..20.0f64, 0..=max_events).prop_flat_map(|(dim, t0, dur, n)| {
        (
            prop::collection::vec(0.0..1.0f64, n),
            prop::collection::vec(0..dim as u32, n),
        )
            .prop_map(move |(us, marks)| {
                sequence_from(Window::new(t0, t0 + dur).unwrap(), dim, &us, &marks)
            })
    })
}

/// Strategy: an exponential Hawkes model of dimension `dim` with `μ` in [0.1, 2], `α` in
/// [0.05, 0.8] (kept away from 0 so that finite differences stay in the domain) and `β` in
/// [0.3, 5].
pub fn arb_hawkes(dim: usize) -> impl Strategy<Value = ExpHawkes> {
    (
        prop::collection::vec(0.1..2.0f64, dim),
        prop::collection::vec(0.05..0.8f64, dim * dim),
        0.3..5.0f64,
    )
        .prop_map(|(mu, alpha, beta)| ExpHawkes::new(mu, alpha, beta).unwrap())
}

/// Homogeneous Poisson events on `window` simulated directly: exponential gaps per dimension,
/// merged.
pub fn simulate_poisson<R: rand::Rng + ?Sized>(
    rates: &[f64],
    window: Window,
    rng: &mut R,
) -> EventSequence {
    let mut events = Vec::new();
    for (i, &rate) in rates.iter().enumerate() {
        let gap = Exp::new(rate).unwrap();
        let mut t = window.t0() + gap.sample(rng);
        while t <= window.t1() {
            events.push((t, i as u32));
            t += gap.sample(rng);
        }
    }
    EventSequence::from_unsorted(window, rates.len(), &events).unwrap()
}

/// Exact simulation of an exponential Hawkes process by Ogata's thinning: the total intensity
/// only decreases between events, so its value at the current time bounds it until the next
/// accepted event.
pub fn simulate_hawkes<R: rand::Rng + ?Sized>(
    model: &ExpHawkes,
    window: Window,
    rng: &mut R,
) -> EventSequence {
    let d = model.dim();
    let (mu, alpha, beta) = (model.mu(), model.alpha(), model.beta());
    let mut s = vec![0.0; d]; // S_i = Σ_j α_ij R_j at time `t`
    let mut t = window.t0();
    let mut seq = EventSequence::empty(window, d).unwrap();
    loop {
        let bound: f64 = (0..d).map(|i| mu[i] + beta * s[i]).sum();
        let dt = Exp::new(bound).unwrap().sample(rng);
        let decay = (-beta * dt).exp();
        t += dt;
        if t > window.t1() {
            return seq;
        }
        for v in s.iter_mut() {
            *v *= decay;
        }
        let u: f64 = rng.random::<f64>() * bound;
        let mut cum = 0.0;
        for i in 0..d {
            cum += mu[i] + beta * s[i];
            if u < cum {
                seq.push(t, i as u32).unwrap();
                for (k, v) in s.iter_mut().enumerate() {
                    *v += alpha[k * d + i];
                }
                break;
            }
        }
    }
}

/// Fourth-order central difference `f'(x) ≈ (f(x−2h) − 8f(x−h) + 8f(x+h) − f(x+2h)) / (12h)`,
/// truncation error `h⁴ f⁽⁵⁾ / 30`.
pub fn central_difference(f: impl Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    (f(x - 2.0 * h) - 8.0 * f(x - h) + 8.0 * f(x + h) - f(x + 2.0 * h)) / (12.0 * h)
}

/// The intensity of `model` at `t` given all events of `seq` strictly before `t` (naive).
pub fn intensity_at(model: &impl Intensity, seq: &EventSequence, t: f64, out: &mut [f64]) {
    let h: History<'_> = seq.history_before(t);
    model.intensities(t, h, out);
}
