//! The fast incremental evaluators (basis tracker + weights, and the potential tracker)
//! against the direct sum (the oracle), on random inputs.
//!
//! Agreement criterion: `|fast − direct| ≤ 1e-9 · max(1, |direct|)` — relative 1e-9 for values
//! of magnitude ≥ 1, absolute 1e-9 below (activations near the edge of a basis' support are
//! tiny and carry the absolute rounding error of the running sums, ~1e-15 per event).

mod common;

use approx::abs_diff_eq;
use proptest::prelude::*;
use rand::RngExt;
use snn_model::{Activation, BasisTracker, Incremental, Mark, PotentialTracker};

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// One-hot events: activations and potentials, queries in increasing order including
    /// exact event times (whose own event must be excluded).
    #[test]
    fn fast_matches_direct_one_hot(seed in any::<u64>(), n in 1usize..5, k in 1usize..4,
                                   kind in 0u8..3, count in 0usize..200) {
        let mut rng = common::rng(seed);
        let basis = common::random_basis(&mut rng, kind, k);
        let model = common::random_model(&mut rng, n, basis.clone(), Activation::default(), 1.0);
        let seq = common::random_sequence(&mut rng, n, 40.0, count);
        let mut queries: Vec<f64> = (0..100).map(|_| rng.random_range(-1.0..45.0)).collect();
        queries.extend(seq.times().iter().step_by(3));
        queries.sort_by(f64::total_cmp);
        let mut tr = BasisTracker::new(&basis, n).unwrap();
        tr.extend_from_history(seq.history()).unwrap();
        let mut pt = PotentialTracker::new(&model);
        pt.extend_from_history(seq.history()).unwrap();
        let mut u_tracker = vec![0.0; n];
        let mut phi_fast = vec![0.0; k * n];
        let mut phi_direct = vec![0.0; k * n];
        let mut u_fast = vec![0.0; n];
        let mut u_direct = vec![0.0; n];
        for &t in &queries {
            tr.activations_at(t, &mut phi_fast).unwrap();
            model.activations_direct(t, seq.history(), &mut phi_direct);
            for (a, b) in phi_fast.iter().zip(&phi_direct) {
                prop_assert!(abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)), "t = {}: activation {} vs {}", t, a, b);
            }
            model.potentials_from_activations(&phi_fast, &mut u_fast);
            model.potentials_direct(t, seq.history_before(t), &mut u_direct);
            for (a, b) in u_fast.iter().zip(&u_direct) {
                prop_assert!(abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)), "t = {}: potential {} vs {}", t, a, b);
            }
            pt.potentials_at(t, &mut u_tracker).unwrap();
            for (a, b) in u_tracker.iter().zip(&u_direct) {
                prop_assert!(abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)), "t = {}: potential tracker {} vs {}", t, a, b);
            }
        }
    }

    /// Soft events (a weight vector over a run of neurons) mixed with one-hot ones.
    #[test]
    fn fast_matches_direct_soft(seed in any::<u64>(), n_obs in 1usize..3, n_hidden in 1usize..4,
                                kind in 0u8..3, count in 0usize..120) {
        let n = n_obs + n_hidden;
        let mut rng = common::rng(seed);
        let basis = common::random_basis(&mut rng, kind, 2);
        let model = common::random_model(&mut rng, n, basis.clone(), Activation::default(), 1.0);
        // events: (time, Some(neuron)) or (time, None) with simplex weights over the hidden run
        let mut times: Vec<f64> = (0..count).map(|_| rng.random_range(0.0..30.0)).collect();
        times.sort_by(f64::total_cmp);
        let mut weights: Vec<Vec<f64>> = Vec::new();
        let mut hard: Vec<Option<usize>> = Vec::new();
        for _ in &times {
            if rng.random::<bool>() {
                hard.push(Some(rng.random_range(0..n)));
                weights.push(vec![]);
            } else {
                let mut w: Vec<f64> = (0..n_hidden).map(|_| rng.random::<f64>()).collect();
                let s: f64 = w.iter().sum();
                w.iter_mut().for_each(|x| *x /= s);
                hard.push(None);
                weights.push(w);
            }
        }
        let mut tr = BasisTracker::new(&basis, n).unwrap();
        // the potential tracker over all neurons and over the hidden ones only
        let mut pt_all = PotentialTracker::new(&model);
        let mut pt_hidden = PotentialTracker::for_targets(&model, n_obs..n).unwrap();
        for (e, &t) in times.iter().enumerate() {
            match hard[e] {
                Some(j) => {
                    tr.push_spike(t, j).unwrap();
                    pt_all.push_spike(t, j).unwrap();
                    pt_hidden.push_spike(t, j).unwrap();
                }
                None => {
                    tr.push_soft(t, n_obs, &weights[e]).unwrap();
                    pt_all.push_soft(t, n_obs, &weights[e]).unwrap();
                    pt_hidden.push_soft(t, n_obs, &weights[e]).unwrap();
                }
            }
        }
        let mut u_all = vec![0.0; n];
        let mut u_hidden = vec![0.0; n_hidden];
        let mut queries: Vec<f64> = (0..60).map(|_| rng.random_range(0.0..35.0)).collect();
        queries.extend(times.iter().step_by(4));
        queries.sort_by(f64::total_cmp);
        let mut phi = vec![0.0; 2 * n];
        let mut u_fast = vec![0.0; n];
        let mut u_direct = vec![0.0; n];
        for &t in &queries {
            tr.activations_at(t, &mut phi).unwrap();
            model.potentials_from_activations(&phi, &mut u_fast);
            let events = times.iter().enumerate().map(|(e, &te)| {
                let mark = match hard[e] {
                    Some(j) => Mark::Neuron(j),
                    None => Mark::Soft { first: n_obs, weights: &weights[e] },
                };
                (te, mark)
            });
            model.potentials_direct_marked(t, events, &mut u_direct);
            for (a, b) in u_fast.iter().zip(&u_direct) {
                prop_assert!(abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)), "t = {}: potential {} vs {}", t, a, b);
            }
            pt_all.potentials_at(t, &mut u_all).unwrap();
            pt_hidden.potentials_at(t, &mut u_hidden).unwrap();
            for (a, b) in u_all.iter().zip(&u_direct) {
                prop_assert!(abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)), "t = {}: potential tracker {} vs {}", t, a, b);
            }
            for (a, b) in u_hidden.iter().zip(&u_direct[n_obs..]) {
                prop_assert!(abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)), "t = {}: hidden potential tracker {} vs {}", t, a, b);
            }
        }
    }

    /// The local expansion reproduces the activations anywhere inside the current piece.
    #[test]
    fn expansion_matches_activations(seed in any::<u64>(), kind in 0u8..3, count in 1usize..60) {
        let n = 3;
        let mut rng = common::rng(seed);
        let basis = common::random_basis(&mut rng, kind, 2);
        let model = common::random_model(&mut rng, n, basis.clone(), Activation::default(), 1.0);
        let seq = common::random_sequence(&mut rng, n, 20.0, count);
        // breakpoints, so that we can pick a point strictly inside a smooth piece
        let mut cuts: Vec<f64> = seq.times().to_vec();
        for &te in seq.times() {
            for lag in basis.kink_lags() {
                cuts.push(te + lag);
            }
        }
        cuts.push(0.0);
        cuts.push(30.0);
        cuts.sort_by(f64::total_cmp);
        let mut tr = BasisTracker::new(&basis, n).unwrap();
        tr.extend_from_history(seq.history()).unwrap();
        let p = basis.n_features();
        let mut coef = vec![0.0; 2 * n * p];
        let mut g = vec![0.0; 2 * p];
        let mut phi = vec![0.0; 2 * n];
        for w in cuts.windows(2) {
            if w[1] - w[0] < 1e-6 { continue; }
            let mid = 0.5 * (w[0] + w[1]);
            tr.advance(mid).unwrap();
            tr.expansion(mid, &mut coef);
            let t = w[0] + rng.random::<f64>() * (w[1] - w[0]);
            basis.features(t - mid, &mut g);
            model.activations_direct(t, seq.history(), &mut phi);
            for kk in 0..2 {
                for j in 0..n {
                    let c = &coef[(kk * n + j) * p..(kk * n + j + 1) * p];
                    let v: f64 = c.iter().zip(&g[kk * p..(kk + 1) * p]).map(|(a, b)| a * b).sum();
                    prop_assert!(abs_diff_eq!(v, phi[kk * n + j], epsilon = 1e-9 * phi[kk * n + j].abs().max(1.0)), "t = {}: {} vs {}", t, v, phi[kk * n + j]);
                }
            }
        }
    }
}

/// A long run (10⁵ events over 5·10⁴ time units, with bursts that keep windows busy and gaps
/// that empty them) exercises re-centring and window resets.
#[test]
fn fast_matches_direct_on_a_long_sequence() {
    let n = 4;
    let mut rng = common::rng(7);
    let basis = snn_model::Basis::epanechnikov_default(3);
    let model = common::random_model(&mut rng, n, basis.clone(), Activation::default(), 1.0);
    let mut times = Vec::with_capacity(100_000);
    let mut t = 1000.0;
    while times.len() < 100_000 {
        t += if rng.random::<f64>() < 0.001 {
            rng.random_range(10.0..30.0)
        } else {
            rng.random_range(0.0..0.5)
        };
        times.push(t);
    }
    let marks: Vec<u32> = times
        .iter()
        .map(|_| rng.random_range(0..n as u32))
        .collect();
    let seq =
        pp_core::EventSequence::new(pp_core::Window::new(0.0, t + 1.0).unwrap(), n, times, marks)
            .unwrap();
    let mut tr = BasisTracker::new(&basis, n).unwrap();
    tr.extend_from_history(seq.history()).unwrap();
    let mut fast = vec![0.0; 3 * n];
    let mut direct = vec![0.0; 3 * n];
    let mut q = 0.0;
    let mut worst: f64 = 0.0;
    while q < t {
        q += rng.random_range(0.0..5.0);
        tr.activations_at(q, &mut fast).unwrap();
        model.activations_direct(q, seq.history(), &mut direct);
        for (a, b) in fast.iter().zip(&direct) {
            worst = worst.max((a - b).abs() / b.abs().max(1.0));
            assert!(
                abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)),
                "t = {q}: {a} vs {b}"
            );
        }
    }
    eprintln!("worst scaled difference {worst:.2e}");
}

/// Events pushed and queried as a stream (as the ∂PP sampler does: push a candidate, query
/// the next one) are dropped once they can no longer reach a potential: over 6,000 mixed
/// one-hot and soft events (several rounds of dropping) the potential trackers still match
/// the direct sum, for every basis, and hold no more memory at the end than half-way (a
/// tracker holds at most the events of a support and twice the least batch it drops,
/// `BasisTracker::FORGET_MIN`, all pushed by then; not the whole stream).
#[test]
fn streaming_trackers_drop_passed_events_and_match_direct() {
    let (n_obs, n_hidden) = (2, 3);
    let n = n_obs + n_hidden;
    for kind in 0..3u8 {
        let mut rng = common::rng(11 + u64::from(kind));
        let basis = common::random_basis(&mut rng, kind, 2);
        let model = common::random_model(&mut rng, n, basis, Activation::default(), 1.0);
        let mut pt_all = PotentialTracker::new(&model);
        let mut pt_hidden = PotentialTracker::for_targets(&model, n_obs..n).unwrap();
        let mut events: Vec<(f64, Option<usize>, Vec<f64>)> = Vec::new();
        let (mut u_all, mut u_hidden, mut u_direct) =
            (vec![0.0; n], vec![0.0; n_hidden], vec![0.0; n]);
        let (mut t, mut early_bytes) = (0.0, 0);
        for e in 0..6000 {
            t += rng.random_range(0.0..0.8);
            if rng.random::<bool>() {
                let j = rng.random_range(0..n);
                pt_all.push_spike(t, j).unwrap();
                pt_hidden.push_spike(t, j).unwrap();
                events.push((t, Some(j), vec![]));
            } else {
                let mut w: Vec<f64> = (0..n_hidden).map(|_| rng.random::<f64>()).collect();
                let s: f64 = w.iter().sum();
                w.iter_mut().for_each(|x| *x /= s);
                pt_all.push_soft(t, n_obs, &w).unwrap();
                pt_hidden.push_soft(t, n_obs, &w).unwrap();
                events.push((t, None, w));
            }
            let q = t + rng.random_range(0.0..0.4);
            t = q; // the next event comes after the query
            pt_all.potentials_at(q, &mut u_all).unwrap();
            pt_hidden.potentials_at(q, &mut u_hidden).unwrap();
            if e == 3000 {
                early_bytes = pt_all.heap_bytes() + pt_hidden.heap_bytes();
            }
            if e % 7 != 0 {
                continue;
            }
            let marked = events.iter().map(|(te, hard, w)| {
                let mark = match hard {
                    Some(j) => Mark::Neuron(*j),
                    None => Mark::Soft {
                        first: n_obs,
                        weights: w,
                    },
                };
                (*te, mark)
            });
            model.potentials_direct_marked(q, marked, &mut u_direct);
            for (a, b) in u_all.iter().zip(&u_direct) {
                assert!(
                    abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)),
                    "kind {kind}, event {e}: {a} vs {b}"
                );
            }
            for (a, b) in u_hidden.iter().zip(&u_direct[n_obs..]) {
                assert!(
                    abs_diff_eq!(*a, *b, epsilon = 1e-9 * b.abs().max(1.0)),
                    "kind {kind}, event {e}, hidden: {a} vs {b}"
                );
            }
        }
        let end_bytes = pt_all.heap_bytes() + pt_hidden.heap_bytes();
        assert!(
            end_bytes <= early_bytes,
            "kind {kind}: {end_bytes} bytes after 6,000 events, {early_bytes} after 3,000"
        );
    }
}
