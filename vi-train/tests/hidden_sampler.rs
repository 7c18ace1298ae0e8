//! The hidden-neuron sampler given fixed observed spikes is exact thinning: the time-rescaled
//! intervals of the hidden spikes (compensator of each hidden neuron given the complete
//! history, observed spikes included) are i.i.d. Exp(1).
//!
//! KS tests at α = 1e-3 with fixed seeds: a correct sampler fails with probability 1e-3 per
//! seed (the seeds are fixed, so the outcome is deterministic). A negative control checks that
//! the test has power: the same samples rescaled under a model that ignores the observed input
//! are rejected.

use pp_core::{EventSequence, RescaledIntervals, Window};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::{LikelihoodWorkspace, Snn, SnnBuilder};
use vi_train::vi::{HiddenSampleWorkspace, sample_hidden};

/// 1 observed + 2 hidden neurons; the observed neuron drives the hidden ones strongly.
fn model() -> Snn {
    let n = 3;
    let mut w = vec![0.0; 2 * n * n];
    let set = |w: &mut Vec<f64>, k: usize, i: usize, j: usize, v: f64| w[(k * n + i) * n + j] = v;
    for i in 0..n {
        set(&mut w, 0, i, i, -3.0);
        set(&mut w, 1, i, i, -0.5);
    }
    set(&mut w, 0, 1, 0, 4.0); // observed → hidden 0, short lag
    set(&mut w, 0, 2, 0, -3.0); // observed inhibits hidden 1
    set(&mut w, 1, 2, 0, 3.0); // … and excites it at lag ~10
    set(&mut w, 0, 2, 1, 2.0); // hidden 0 → hidden 1
    SnnBuilder::new(1, 2)
        .bias(vec![-1.0, -2.0, -0.5])
        .weights(w)
        .check()
        .unwrap()
}

/// A fixed observed train: bursts, so the hidden intensities vary a lot.
fn observed(window: Window) -> EventSequence {
    let mut times = Vec::new();
    let mut t = 0.3;
    while t < window.t1() {
        times.push(t);
        t += if (t as i64) % 7 < 2 { 0.15 } else { 1.3 };
    }
    let marks = vec![0; times.len()];
    EventSequence::new(window, 1, times, marks).unwrap()
}

fn hidden_intervals(model_for_rescaling: &Snn, fulls: &[EventSequence]) -> RescaledIntervals {
    let mut ws = LikelihoodWorkspace::new(model_for_rescaling).unwrap();
    let mut per_dim = vec![Vec::new(); 2];
    for full in fulls {
        let r = ws
            .time_rescale(model_for_rescaling, full, &pp_core::Quadrature::default())
            .unwrap();
        for (h, intervals) in per_dim.iter_mut().enumerate() {
            intervals.extend_from_slice(r.intervals(1 + h));
        }
    }
    RescaledIntervals::from_per_dimension(per_dim).unwrap()
}

#[test]
fn hidden_spikes_given_observed_rescale_to_exp1() {
    let m = model();
    let window = Window::new(0.0, 60.0).unwrap();
    let obs = observed(window);
    let mut ws = HiddenSampleWorkspace::new(&m).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_261_128);
    let mut fulls = Vec::new();
    for _ in 0..40 {
        let mut full = EventSequence::empty(window, 3).unwrap();
        sample_hidden(&m, &obs, &mut rng, &mut ws, &mut full).unwrap();
        // the observed spikes are kept as given
        let kept: Vec<f64> = full
            .times()
            .iter()
            .zip(full.marks())
            .filter(|(_, m)| **m == 0)
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(kept, obs.times());
        fulls.push(full);
    }
    let r = hidden_intervals(&m, &fulls);
    for h in 0..2 {
        let ks = r.ks_test(h).unwrap();
        assert!(ks.n > 500, "hidden {h}: only {} intervals", ks.n);
        assert!(!ks.rejects(1e-3), "hidden {h}: {ks:?}");
    }

    // Negative control: rescaled under a model whose hidden neurons ignore the observed one,
    // the same samples are far from Exp(1).
    let mut wrong = m.clone();
    let mut w = wrong.weights().to_vec();
    for k in 0..2 {
        for i in 1..3 {
            w[(k * 3 + i) * 3] = 0.0;
        }
    }
    wrong.set_weights(&w).unwrap();
    let r = hidden_intervals(&wrong, &fulls);
    assert!(r.ks_test(0).unwrap().rejects(1e-3) || r.ks_test(1).unwrap().rejects(1e-3));
}

#[test]
fn same_seed_same_sample_and_errors() {
    let m = model();
    let window = Window::new(0.0, 20.0).unwrap();
    let obs = observed(window);
    let mut ws = HiddenSampleWorkspace::new(&m).unwrap();
    let draw = |seed: u64, ws: &mut HiddenSampleWorkspace| {
        let mut full = EventSequence::empty(window, 3).unwrap();
        sample_hidden(
            &m,
            &obs,
            &mut Xoshiro256PlusPlus::seed_from_u64(seed),
            ws,
            &mut full,
        )
        .unwrap();
        full
    };
    assert_eq!(draw(5, &mut ws), draw(5, &mut ws));
    assert_ne!(draw(5, &mut ws), draw(6, &mut ws));

    // an observed sequence with a spike of a hidden neuron is refused
    let bad = EventSequence::new(window, 3, vec![1.0], vec![2]).unwrap();
    let mut full = EventSequence::empty(window, 3).unwrap();
    let err = sample_hidden(
        &m,
        &bad,
        &mut Xoshiro256PlusPlus::seed_from_u64(1),
        &mut ws,
        &mut full,
    )
    .unwrap_err();
    assert!(err.to_string().contains("not an observed neuron"), "{err}");
    // an unbounded activation has no global bound
    let exp = SnnBuilder::new(1, 1)
        .activation(snn_model::Activation::Exp)
        .check()
        .unwrap();
    assert!(HiddenSampleWorkspace::new(&exp).is_ok());
    let err = sample_hidden(
        &exp,
        &obs,
        &mut Xoshiro256PlusPlus::seed_from_u64(1),
        &mut HiddenSampleWorkspace::new(&exp).unwrap(),
        &mut full,
    )
    .unwrap_err();
    assert!(err.to_string().contains("bounded activation"), "{err}");
}
