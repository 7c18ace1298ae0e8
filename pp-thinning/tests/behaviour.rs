//! Behaviour of the sampler: errors, options, reproducibility, streaming forms, and the fast
//! exp-Hawkes path against the simple history-based oracle.

mod common;

use common::bits;
use pp_core::{ExpHawkes, History, InhomogeneousPoisson, Poisson, Window};
use pp_thinning::{
    BoundSpec, Bounded, ExpHawkesBound, FnBound, GlobalBound, OnMaxEvents, StopReason, Thinning,
    ThinningError, sequence_rng,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::ops::ControlFlow;

fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

fn hawkes_2d() -> ExpHawkes {
    ExpHawkes::new(vec![0.5, 0.3], vec![0.3, 0.2, 0.1, 0.4], 2.0).unwrap()
}

#[test]
fn a_too_small_global_bound_is_a_bound_violation() {
    // Σλ = 3 > 2.5.
    let model = Bounded::new(
        Poisson::new(vec![1.0, 2.0]).unwrap(),
        GlobalBound::new(2.5).unwrap(),
    );
    let sampler = Thinning::new(model, Window::new(0.0, 10.0).unwrap()).unwrap();
    match sampler.sample(&mut rng(1)) {
        Err(ThinningError::BoundViolation {
            time,
            intensity,
            bound,
        }) => {
            assert!(time > 0.0 && time <= 10.0);
            assert_eq!(intensity, 3.0);
            assert_eq!(bound, 2.5);
            let msg = sampler.sample(&mut rng(1)).unwrap_err().to_string();
            assert!(msg.contains(&format!("{time}")) && msg.contains("3") && msg.contains("2.5"));
        }
        other => panic!("expected a bound violation, got {other:?}"),
    }
}

#[test]
fn a_bound_that_ignores_excitation_is_caught_after_the_first_event() {
    // A Hawkes process bounded by its baseline only: right until the first event, wrong after.
    let model = ExpHawkes::new(vec![1.0], vec![0.5], 1.0).unwrap();
    let sampler = Thinning::new(
        Bounded::new(model, GlobalBound::new(1.0).unwrap()),
        Window::new(0.0, 100.0).unwrap(),
    )
    .unwrap();
    let err = sampler.sample(&mut rng(2)).unwrap_err();
    let ThinningError::BoundViolation {
        intensity, bound, ..
    } = err
    else {
        panic!("expected a bound violation, got {err:?}");
    };
    assert!(intensity > 1.0 && bound == 1.0);
}

#[test]
fn the_slack_accepts_rounding_but_not_more() {
    // The bound equals the intensity up to 1e-13 relative: accepted. 1e-9 below: an error.
    let rate = 3.0;
    let ok = Bounded::new(
        Poisson::new(vec![rate]).unwrap(),
        GlobalBound::new(rate * (1.0 - 1e-13)).unwrap(),
    );
    let w = Window::new(0.0, 50.0).unwrap();
    assert!(Thinning::new(ok, w).unwrap().sample(&mut rng(3)).is_ok());
    let bad = Bounded::new(
        Poisson::new(vec![rate]).unwrap(),
        GlobalBound::new(rate * (1.0 - 1e-9)).unwrap(),
    );
    assert!(matches!(
        Thinning::new(bad, w).unwrap().sample(&mut rng(3)),
        Err(ThinningError::BoundViolation { .. })
    ));
}

#[test]
fn invalid_bounds_and_intensities_are_typed_errors() {
    let w = Window::new(0.0, 10.0).unwrap();
    let poisson = || Poisson::new(vec![1.0]).unwrap();
    // NaN rate.
    let nan = FnBound::new(|_m: &Poisson, _s: f64, _h: History<'_>| {
        BoundSpec::until_next_event(f64::NAN)
    });
    let err = Thinning::new(Bounded::new(poisson(), nan), w)
        .unwrap()
        .sample(&mut rng(1))
        .unwrap_err();
    assert!(
        matches!(err, ThinningError::InvalidBound { time: 0.0, .. }),
        "{err:?}"
    );
    // A horizon that does not move forward.
    let stuck = FnBound::new(|_m: &Poisson, s: f64, _h: History<'_>| BoundSpec::new(2.0, s));
    let err = Thinning::new(Bounded::new(poisson(), stuck), w)
        .unwrap()
        .sample(&mut rng(1))
        .unwrap_err();
    assert!(matches!(err, ThinningError::InvalidBound { .. }), "{err:?}");
    // A negative intensity.
    let negative = InhomogeneousPoisson::new(2, |_t: f64, out: &mut [f64]| {
        out[0] = 1.0;
        out[1] = -0.5;
    })
    .unwrap();
    let err = Thinning::new(Bounded::new(negative, GlobalBound::new(2.0).unwrap()), w)
        .unwrap()
        .sample(&mut rng(1))
        .unwrap_err();
    assert!(
        matches!(
            err,
            ThinningError::InvalidIntensity {
                dim: 1,
                value: -0.5,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("dimension 1"));
    // A NaN intensity.
    let nan_model =
        InhomogeneousPoisson::new(1, |_t: f64, out: &mut [f64]| out[0] = f64::NAN).unwrap();
    let err = Thinning::new(Bounded::new(nan_model, GlobalBound::new(2.0).unwrap()), w)
        .unwrap()
        .sample(&mut rng(1))
        .unwrap_err();
    assert!(
        matches!(err, ThinningError::InvalidIntensity { dim: 0, .. }),
        "{err:?}"
    );
    // A bad global bound value.
    assert!(matches!(
        GlobalBound::new(f64::INFINITY),
        Err(ThinningError::Core(_))
    ));
}

#[test]
fn a_zero_bound_with_a_horizon_skips_to_the_horizon() {
    // λ = 0 before t = 5, then 2: bound 0 until 5, then 2.
    let model = InhomogeneousPoisson::new(1, |t: f64, out: &mut [f64]| {
        out[0] = if t < 5.0 { 0.0 } else { 2.0 }
    })
    .unwrap();
    let bound = FnBound::new(|_m: &_, s: f64, _h: History<'_>| {
        if s < 5.0 {
            BoundSpec::new(0.0, 5.0)
        } else {
            BoundSpec::until_next_event(2.0)
        }
    });
    let sampler =
        Thinning::new(Bounded::new(model, bound), Window::new(0.0, 10.0).unwrap()).unwrap();
    let s = sampler.sample(&mut rng(8)).unwrap();
    assert_eq!(s.stats.horizon_renewals, 1);
    assert!(!s.sequence.is_empty());
    assert!(s.sequence.times().iter().all(|&t| t > 5.0));
}

#[test]
fn same_seed_same_bits_and_different_seeds_differ() {
    let sampler = Thinning::new(hawkes_2d(), Window::new(0.0, 500.0).unwrap()).unwrap();
    let a = sampler.sample(&mut rng(42)).unwrap();
    let b = sampler.sample(&mut rng(42)).unwrap();
    assert_eq!(bits(&a.sequence), bits(&b.sequence));
    assert_eq!(a.stats, b.stats);
    let c = sampler.sample(&mut rng(43)).unwrap();
    assert_ne!(bits(&a.sequence), bits(&c.sequence));
    // Reusing a workspace changes nothing.
    let mut ws = sampler.workspace();
    let _ = sampler.sample_in(&mut rng(7), &mut ws).unwrap();
    let d = sampler.sample_in(&mut rng(42), &mut ws).unwrap();
    assert_eq!(bits(&a.sequence), bits(&d.sequence));
}

#[test]
fn thread_count_does_not_change_the_output() {
    let sampler = Thinning::new(hawkes_2d(), Window::new(0.0, 200.0).unwrap()).unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| sampler.sample_many(2024, 37).unwrap())
    };
    let one = run(1);
    let two = run(2);
    let three = run(3);
    assert_eq!(one.len(), 37);
    for k in 0..37 {
        assert_eq!(
            bits(&one[k].sequence),
            bits(&two[k].sequence),
            "sequence {k}"
        );
        assert_eq!(
            bits(&one[k].sequence),
            bits(&three[k].sequence),
            "sequence {k}"
        );
        assert_eq!(one[k].stats, two[k].stats);
    }
    // And each is the sequential sample with the documented generator.
    assert_eq!(
        one[17],
        sampler.sample(&mut sequence_rng(2024, 17)).unwrap()
    );
    // Sequences differ from one another.
    assert_ne!(bits(&one[0].sequence), bits(&one[1].sequence));
}

#[test]
fn parallel_errors_are_reported_deterministically() {
    // With a tiny event limit every sequence fails; the lowest index's error wins.
    let sampler = Thinning::new(hawkes_2d(), Window::new(0.0, 200.0).unwrap())
        .unwrap()
        .max_events(3, OnMaxEvents::Error);
    let expected = sampler.sample(&mut sequence_rng(5, 0)).unwrap_err();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let err = pool.install(|| sampler.sample_many(5, 20)).unwrap_err();
        assert_eq!(err, expected);
    }
}

#[test]
fn max_events_error_and_flagged_truncation() {
    let w = Window::new(0.0, 100.0).unwrap();
    let full = Thinning::new(hawkes_2d(), w)
        .unwrap()
        .sample(&mut rng(9))
        .unwrap();
    let n = full.sequence.len();
    assert!(n > 20);

    // Error: names the limit and the time of the first event beyond it.
    let err = Thinning::new(hawkes_2d(), w)
        .unwrap()
        .max_events(10, OnMaxEvents::Error)
        .sample(&mut rng(9))
        .unwrap_err();
    assert_eq!(
        err,
        ThinningError::TooManyEvents {
            max: 10,
            time: full.sequence.times()[10]
        }
    );

    // Truncate: the exact prefix, flagged, with the stopping time.
    let cut = Thinning::new(hawkes_2d(), w)
        .unwrap()
        .max_events(10, OnMaxEvents::Truncate)
        .sample(&mut rng(9))
        .unwrap();
    assert!(cut.is_truncated());
    assert_eq!(cut.stats.stop, StopReason::MaxEvents);
    assert_eq!(cut.sequence.len(), 10);
    assert_eq!(cut.sequence.times(), &full.sequence.times()[..10]);
    assert_eq!(cut.sequence.marks(), &full.sequence.marks()[..10]);
    assert_eq!(cut.stats.end, full.sequence.times()[10]);

    // A limit that is not reached changes nothing.
    let same = Thinning::new(hawkes_2d(), w)
        .unwrap()
        .max_events(n, OnMaxEvents::Error)
        .sample(&mut rng(9))
        .unwrap();
    assert!(!same.is_truncated());
    assert_eq!(same, full);
}

#[test]
fn rejected_candidates_are_recorded_and_counted() {
    let sampler = Thinning::new(hawkes_2d(), Window::new(0.0, 300.0).unwrap())
        .unwrap()
        .record_rejected(true);
    let s = sampler.sample(&mut rng(12)).unwrap();
    let rejected = s.rejected.as_ref().unwrap();
    assert!(!rejected.is_empty());
    assert_eq!(
        rejected.len() + s.sequence.len(),
        s.stats.candidates as usize
    );
    assert_eq!(rejected.len() as u64, s.stats.rejected());
    let rate = s.stats.acceptance_rate().unwrap();
    assert!((rate - s.sequence.len() as f64 / s.stats.candidates as f64).abs() < 1e-15);
    // All candidates together are strictly increasing and inside the window.
    let mut all: Vec<f64> = rejected.iter().chain(s.sequence.times()).copied().collect();
    all.sort_by(f64::total_cmp);
    assert!(all.windows(2).all(|w| w[0] < w[1]));
    assert!(all.iter().all(|&t| t > 0.0 && t <= 300.0));
    // Recording does not change the sample.
    let plain = Thinning::new(hawkes_2d(), Window::new(0.0, 300.0).unwrap())
        .unwrap()
        .sample(&mut rng(12))
        .unwrap();
    assert_eq!(plain.sequence, s.sequence);
    assert_eq!(plain.stats, s.stats);
}

#[test]
fn streaming_forms_deliver_the_same_events() {
    let sampler = Thinning::new(hawkes_2d(), Window::new(0.0, 400.0).unwrap()).unwrap();
    let full = sampler.sample(&mut rng(21)).unwrap();
    // Callback.
    let mut seen = Vec::new();
    let mut ws = sampler.workspace();
    let stats = sampler
        .sample_with(&mut rng(21), &mut ws, |e| {
            seen.push((e.time.to_bits(), e.mark));
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(seen, bits(&full.sequence));
    assert_eq!(stats, full.stats);
    // Iterator.
    let mut r = rng(21);
    let mut it = sampler.events(&mut r).unwrap();
    let events: Vec<_> = it
        .by_ref()
        .map(|e| e.map(|e| (e.time.to_bits(), e.mark)))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events, bits(&full.sequence));
    assert_eq!(*it.stats(), full.stats);
    assert!(it.next().is_none());
    // Early stop from the callback.
    let mut k = 0;
    let stats = sampler
        .sample_with(&mut rng(21), &mut ws, |_| {
            k += 1;
            if k == 5 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
        .unwrap();
    assert_eq!(stats.stop, StopReason::Callback);
    assert_eq!(stats.accepted, 5);
    assert_eq!(stats.end, full.sequence.times()[4]);
}

#[test]
fn iterator_yields_an_error_once_then_ends() {
    let model = Bounded::new(
        Poisson::new(vec![2.0]).unwrap(),
        GlobalBound::new(1.0).unwrap(),
    );
    let sampler = Thinning::new(model, Window::new(0.0, 10.0).unwrap()).unwrap();
    let mut r = rng(1);
    let mut it = sampler.events(&mut r).unwrap();
    assert!(matches!(
        it.next(),
        Some(Err(ThinningError::BoundViolation { .. }))
    ));
    assert!(it.next().is_none());
}

#[test]
fn poisson_fast_path_equals_the_generic_path_bit_for_bit() {
    let rates = vec![0.7, 1.3, 0.2];
    let total: f64 = rates.iter().sum();
    let w = Window::new(0.0, 300.0).unwrap();
    let fast = Thinning::new(Poisson::new(rates.clone()).unwrap(), w).unwrap();
    let generic = Thinning::new(
        Bounded::new(
            Poisson::new(rates).unwrap(),
            GlobalBound::new(total).unwrap(),
        ),
        w,
    )
    .unwrap();
    let a = fast.sample(&mut rng(4)).unwrap();
    let b = generic.sample(&mut rng(4)).unwrap();
    assert_eq!(a, b);
}

// `a_long_stream_runs_in_constant_memory` is in `streaming_memory.rs`: it counts allocations
// with a global allocator, which needs a test binary of its own.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The O(D) recursive exp-Hawkes path and the O(n·D) history oracle (ExpHawkes as a plain
    /// `Intensity` plus `ExpHawkesBound`) consume the same random numbers and compute the same
    /// bounds and intensities up to rounding, so they give the same events: same marks, times
    /// within 1e-9 relative. (A rounding-induced flip of an accept decision has probability
    /// ~1e-15 per candidate.)
    #[test]
    fn fast_hawkes_path_matches_history_oracle(
        d in 1usize..4,
        seed in any::<u64>(),
        mu in prop::collection::vec(0.1f64..1.0, 4),
        alpha in prop::collection::vec(0.0f64..0.3, 16),
        beta in 0.2f64..5.0,
    ) {
        let model = ExpHawkes::new(mu[..d].to_vec(), alpha[..d * d].to_vec(), beta).unwrap();
        let w = Window::new(0.0, 40.0).unwrap();
        let fast = Thinning::new(model.clone(), w).unwrap().record_rejected(true);
        let oracle = Thinning::new(Bounded::new(model, ExpHawkesBound), w).unwrap().record_rejected(true);
        let a = fast.sample(&mut rng(seed)).unwrap();
        let b = oracle.sample(&mut rng(seed)).unwrap();
        prop_assert_eq!(a.sequence.marks(), b.sequence.marks());
        for (x, y) in a.sequence.times().iter().zip(b.sequence.times()) {
            prop_assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{} vs {}", x, y);
        }
        prop_assert_eq!(a.stats.candidates, b.stats.candidates);
        prop_assert_eq!(a.rejected.unwrap().len(), b.rejected.unwrap().len());
    }

    /// Intensities of the recursive state equal pp-core's direct evaluation at arbitrary
    /// increasing times with arbitrary accepted events.
    #[test]
    fn recursive_state_matches_direct_intensity(
        d in 1usize..4,
        gaps in prop::collection::vec(0.001f64..2.0, 1..40),
        accept in prop::collection::vec(any::<bool>(), 40),
        marks in prop::collection::vec(0u32..3, 40),
        beta in 0.2f64..5.0,
    ) {
        use pp_core::Intensity;
        use pp_thinning::SequentialIntensity;
        let mu: Vec<f64> = (0..d).map(|i| 0.3 + 0.1 * i as f64).collect();
        let alpha: Vec<f64> = (0..d * d).map(|k| 0.05 * (k % 5) as f64).collect();
        let model = ExpHawkes::new(mu, alpha, beta).unwrap();
        let mut st = SequentialIntensity::new_state(&model);
        model.reset(&mut st, 0.0);
        let (mut times, mut ms) = (Vec::new(), Vec::new());
        let mut t = 0.0;
        let mut fast = vec![0.0; d];
        let mut slow = vec![0.0; d];
        for (k, g) in gaps.iter().enumerate() {
            t += g;
            model.intensities_at(&mut st, t, &mut fast);
            model.intensities(t, History::new(&times, &ms).unwrap(), &mut slow);
            for i in 0..d {
                prop_assert!((fast[i] - slow[i]).abs() <= 1e-12 * slow[i].abs().max(1.0));
            }
            if accept[k] {
                let m = marks[k] % d as u32;
                model.accept(&mut st, t, m);
                times.push(t);
                ms.push(m);
                // The bound is the intensity just after the event, and bounds the next values.
                let b = model.bound(&mut st, t).rate;
                let direct = oracle_bound_rate(&model, t, &times, &ms);
                prop_assert!((b - direct).abs() <= 1e-12 * direct.max(1.0));
            }
        }
    }
}

fn oracle_bound_rate(model: &ExpHawkes, s: f64, times: &[f64], marks: &[u32]) -> f64 {
    use pp_thinning::Bound;
    ExpHawkesBound
        .bound(model, s, History::new(times, marks).unwrap())
        .rate
}
