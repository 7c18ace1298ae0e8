//! The fully observed log-likelihood: the fast dedicated path against pp-core's generic path,
//! the quadrature against a brute-force integral, and the exact gradient against central finite
//! differences.

mod common;

use common::central_difference;
use pp_core::Window;
use pp_core::{Intensity, MonteCarlo, Parametric, Quadrature, log_likelihood};
use proptest::prelude::*;
use snn_model::{
    Activation, BasisTracker, CompensatorMethod, Incremental, LikelihoodOptions,
    LikelihoodWorkspace, Snn, SnnBuilder,
};

#[test]
fn fast_quadrature_matches_pp_core_generic_on_fixture() {
    let fx = common::load();
    let fast = fx
        .model
        .objective(&fx.seq, &LikelihoodOptions::unpenalised(), None)
        .unwrap();
    let generic = log_likelihood(&fx.model, &fx.seq, &Quadrature::default()).unwrap();
    eprintln!(
        "fixture log-likelihood: fast {} generic {generic} (compensator {})",
        fast.log_likelihood(),
        fast.compensator
    );
    assert!((fast.log_likelihood() - generic).abs() <= 1e-10 * generic.abs());
}

#[test]
fn fast_monte_carlo_matches_pp_core_generic_on_fixture() {
    let fx = common::load();
    let opts = LikelihoodOptions {
        compensator: CompensatorMethod::monte_carlo(500, 3).unwrap(),
        regularisation: 0.0,
    };
    let fast = fx.model.objective(&fx.seq, &opts, None).unwrap();
    let generic = log_likelihood(&fx.model, &fx.seq, &MonteCarlo::new(500, 3).unwrap()).unwrap();
    assert!((fast.log_likelihood() - generic).abs() <= 1e-10 * generic.abs());
}

/// Composite Simpson with `m` cells on `[a, b]` (no breakpoint inside) of `Σ_i λ_i`, evaluated
/// with a tracker that is at `a` already (queries increasing).
fn simpson(model: &Snn, tr: &mut BasisTracker, a: f64, b: f64, m: usize) -> f64 {
    let n = model.n_neurons();
    let mut phi = vec![0.0; model.n_basis() * n];
    let mut u = vec![0.0; n];
    let mut lam = vec![0.0; n];
    let h = (b - a) / m as f64;
    let mut sum = 0.0;
    for c in 0..=2 * m {
        // the right end is evaluated with the history strictly before b, i.e. as a limit from
        // the left, since no event lies inside (a, b)
        let t = if c == 2 * m {
            b
        } else {
            a + 0.5 * h * c as f64
        };
        let weight = if c == 0 || c == 2 * m {
            1.0
        } else if c % 2 == 1 {
            4.0
        } else {
            2.0
        };
        // at t = a the event at a (if any) must count: evaluate a hair later
        let te = if c == 0 {
            a + 1e-300f64.max(a.abs() * 1e-15)
        } else {
            t
        };
        tr.activations_at(te, &mut phi).unwrap();
        model.potentials_from_activations(&phi, &mut u);
        model.intensities_from_potentials(&u, &mut lam);
        sum += weight * lam.iter().sum::<f64>();
    }
    sum * h / 6.0
}

/// The compensator of the fixture sequence by brute force: the intensity jumps at event times,
/// so the brute force splits there (only), then composite Simpson with cells of width ≤ 2e-4.
/// Inside, the kinks at `t_e + c_k ± s` (continuous intensity, jump of the derivative ≤ a·max|W|·1.5/s
/// ≈ 40 per unit) cost at most h²·40/8 ≈ 2e-7 each and there are ~1800 of them: the brute force
/// is within ~4e-4 absolute, ~1e-6 relative of the exact value (the total is ~450). Observed:
/// far below this bound.
#[test]
fn quadrature_compensator_matches_brute_force_integral() {
    let fx = common::load();
    let m = &fx.model;
    let quad = m
        .objective(&fx.seq, &LikelihoodOptions::unpenalised(), None)
        .unwrap()
        .compensator;
    let mut tr = BasisTracker::new(m.basis(), m.n_neurons()).unwrap();
    tr.extend_from_history(fx.seq.history()).unwrap();
    let w = fx.seq.window();
    let mut cuts = vec![w.t0()];
    cuts.extend(fx.seq.times().iter().copied().filter(|&t| t > w.t0()));
    cuts.push(w.t1());
    let mut brute = 0.0;
    for c in cuts.windows(2) {
        let cells = ((c[1] - c[0]) / 2e-4).ceil().max(1.0) as usize;
        brute += simpson(m, &mut tr, c[0], c[1], cells);
    }
    eprintln!(
        "compensator: quadrature {quad}, brute force {brute}, difference {:.3e}",
        quad - brute
    );
    assert!((quad - brute).abs() <= 1e-6 * brute.abs());
}

#[test]
fn breakpoints_cover_the_basis_kinks() {
    // pp-core's generic quadrature with our breakpoints converges on every piece without
    // bisecting much: compare with a coarse rule (order 15, no refinement allowed beyond 3).
    let fx = common::load();
    let coarse = Quadrature::new(15, 1e-11, 1e-14, 3).unwrap();
    let v = log_likelihood(&fx.model, &fx.seq, &coarse).unwrap();
    let fine = log_likelihood(&fx.model, &fx.seq, &Quadrature::default()).unwrap();
    assert!((v - fine).abs() <= 1e-9 * fine.abs());
    // and the breakpoints are exactly t_e + {1, 9, 11} inside the window
    let mut cuts = Vec::new();
    fx.model
        .breakpoints(fx.seq.history(), fx.seq.window(), &mut cuts);
    let expected = fx
        .seq
        .times()
        .iter()
        .flat_map(|t| [t + 1.0, t + 9.0, t + 11.0])
        .filter(|&c| c > 0.0 && c < 50.0)
        .count();
    assert_eq!(cuts.len(), expected);
}

/// Central differences of the objective in every parameter, step `h = 1e-5 (1 + |θ|)`.
fn finite_difference(
    model: &Snn,
    seq: &pp_core::EventSequence,
    opts: &LikelihoodOptions,
) -> Vec<f64> {
    let theta = model.params();
    let mut m = model.clone();
    let mut objective = |t: &[f64]| {
        m.set_params(t).unwrap();
        m.objective(seq, opts, None).unwrap().objective()
    };
    (0..theta.len())
        .map(|p| {
            let h = 1e-5 * (1.0 + theta[p].abs());
            central_difference(&mut objective, &theta, p, h)
        })
        .collect()
}

fn check_gradient(
    model: &Snn,
    seq: &pp_core::EventSequence,
    opts: &LikelihoodOptions,
) -> Result<(), TestCaseError> {
    let mut grad = vec![0.0; model.n_params()];
    let value = model.objective(seq, opts, Some(&mut grad)).unwrap();
    let fd = finite_difference(model, seq, opts);
    let scale = 1.0 + value.objective().abs();
    for (p, (g, f)) in grad.iter().zip(&fd).enumerate() {
        // central differences: truncation O(h²)·|θ'''| and rounding ~1e-16·|value|/h
        prop_assert!(
            (g - f).abs() <= 1e-7 * scale + 1e-6 * g.abs(),
            "parameter {}: analytic {} vs finite difference {}",
            p,
            g,
            f
        );
    }
    Ok(())
}

/// Tight quadrature tolerances so that a change of the adaptive subdivision between θ ± h does
/// not move the value by more than ~1e-13 relative (the gradient is that of the computed value).
fn tight() -> CompensatorMethod {
    CompensatorMethod::Quadrature(pp_core::Quadrature::new(15, 1e-13, 1e-16, 50).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn gradient_matches_finite_differences(seed in any::<u64>(), n in 1usize..4, k in 1usize..3,
                                           kind in 0u8..3, act in 0u8..2, count in 0usize..40,
                                           reg in prop_oneof![Just(0.0), Just(0.1)]) {
        let mut rng = common::rng(seed);
        let basis = common::random_basis(&mut rng, kind, k);
        let activation = if act == 0 { Activation::Sigmoid { amplitude: 3.0 } } else { Activation::Exp };
        let model = common::random_model(&mut rng, n, basis, activation, 0.3);
        let seq = common::random_sequence(&mut rng, n, 15.0, count);
        let opts = LikelihoodOptions { compensator: tight(), regularisation: reg };
        check_gradient(&model, &seq, &opts)?;
    }

    #[test]
    fn monte_carlo_gradient_matches_finite_differences(seed in any::<u64>(), n in 1usize..4,
                                                       count in 0usize..40) {
        let mut rng = common::rng(seed);
        let basis = common::random_basis(&mut rng, 0, 2);
        let model = common::random_model(&mut rng, n, basis, Activation::default(), 0.5);
        let seq = common::random_sequence(&mut rng, n, 15.0, count);
        let opts = LikelihoodOptions {
            compensator: CompensatorMethod::monte_carlo(64, seed).unwrap(),
            regularisation: 0.1,
        };
        check_gradient(&model, &seq, &opts)?;
    }

    #[test]
    fn trait_gradient_is_the_unpenalised_one(seed in any::<u64>()) {
        use pp_core::{LogLikelihood, LogLikelihoodGradient};
        let mut rng = common::rng(seed);
        let model = common::random_model(&mut rng, 2, snn_model::Basis::epanechnikov_default(2), Activation::default(), 1.0);
        let seq = common::random_sequence(&mut rng, 2, 20.0, 30);
        let mut g1 = vec![0.0; model.n_params()];
        let mut g2 = vec![0.0; model.n_params()];
        let v1 = model.log_likelihood_gradient(&seq, &mut g1).unwrap();
        let v2 = model.objective(&seq, &LikelihoodOptions::unpenalised(), Some(&mut g2)).unwrap();
        prop_assert_eq!(v1, v2.log_likelihood());
        prop_assert_eq!(v1, model.log_likelihood(&seq).unwrap());
        prop_assert_eq!(g1, g2);
    }
}

#[test]
fn penalty_gradient_at_zero_weights_is_the_zero_subgradient() {
    let model = snn_model::SnnBuilder::new(3, 0).check().unwrap(); // W = 0
    let seq = common::random_sequence(&mut common::rng(1), 3, 10.0, 12);
    let mut with = vec![0.0; model.n_params()];
    let mut without = vec![0.0; model.n_params()];
    let a = model
        .objective(&seq, &LikelihoodOptions::default(), Some(&mut with))
        .unwrap();
    let b = model
        .objective(&seq, &LikelihoodOptions::unpenalised(), Some(&mut without))
        .unwrap();
    assert_eq!(a.penalty, 0.0);
    assert!(with.iter().all(|g| g.is_finite()));
    assert_eq!(with, without);
    assert_eq!(a.objective(), b.objective());
}

#[test]
fn masked_weights_get_zero_gradient_and_no_influence() {
    let mut rng = common::rng(5);
    let model = common::random_model(
        &mut rng,
        3,
        snn_model::Basis::epanechnikov_default(2),
        Activation::default(),
        1.0,
    );
    let seq = common::random_sequence(&mut rng, 3, 20.0, 40);
    let mut grad = vec![0.0; model.n_params()];
    model
        .objective(&seq, &LikelihoodOptions::default(), Some(&mut grad))
        .unwrap();
    let n = 3;
    let mut masked = 0;
    for k in 0..2 {
        for i in 0..n {
            for j in 0..n {
                if !model.connected(i, j) {
                    masked += 1;
                    assert_eq!(grad[n + (k * n + i) * n + j], 0.0);
                }
            }
        }
    }
    assert!(masked > 0, "the seed should give a partly masked model");
}

#[test]
fn rejects_mismatched_inputs() {
    let model = snn_model::SnnBuilder::new(2, 0).check().unwrap();
    let seq3 = common::random_sequence(&mut common::rng(1), 3, 10.0, 5);
    assert!(matches!(
        model.objective(&seq3, &LikelihoodOptions::default(), None),
        Err(snn_model::SnnError::Pp(
            pp_core::PpError::DimensionMismatch { .. }
        ))
    ));
    let seq2 = common::random_sequence(&mut common::rng(1), 2, 10.0, 5);
    let mut short = vec![0.0; 3];
    assert!(matches!(
        model.objective(&seq2, &LikelihoodOptions::default(), Some(&mut short)),
        Err(snn_model::SnnError::Shape { .. })
    ));
    let bad = LikelihoodOptions {
        regularisation: -1.0,
        ..LikelihoodOptions::default()
    };
    assert!(model.objective(&seq2, &bad, None).is_err());
}

/// The memory model of the log-likelihood's value and gradient passes (docs/design.md): the
/// workspace holds `O(events + K·N²)` bytes, not a row of `N` amplitudes per spike, and per
/// spike only the merged source list (a time and a neuron, 12 bytes): the quadrature's
/// breakpoints are made one at a time. Measured as the growth of the bytes held from a 300- to a 1,200-unit sequence
/// of 60 neurons: at most 24 bytes per added spike (the list's 12, and a vector's capacity may
/// be up to twice its length; measured 16; with the list of breakpoints it was 59, and the old
/// layout held `8·K·N` = 960 bytes of amplitudes per spike). The gradient pass holds the same:
/// its window adjoint keeps snapshots of the open windows only (the reverse sweep it replaced
/// kept `3·N` floats, 1,440 bytes here, per event and per quadrature piece).
#[test]
fn the_value_pass_holds_twelve_bytes_per_spike() {
    holds_twelve_bytes_per_spike(false);
}

#[test]
fn the_gradient_pass_holds_twelve_bytes_per_spike() {
    holds_twelve_bytes_per_spike(true);
}

fn holds_twelve_bytes_per_spike(gradient: bool) {
    let n = 60;
    let model = SnnBuilder::new(n, 0).bias(vec![-1.0; n]).check().unwrap();
    let mut grad = vec![0.0; pp_core::Parametric::n_params(&model)];
    let mut held = |t1: f64| {
        let seq = model
            .simulate(
                Window::new(0.0, t1).unwrap(),
                &mut pp_thinning::sequence_rng(3, 0),
            )
            .unwrap();
        let mut ws = LikelihoodWorkspace::new(&model).unwrap();
        let grad = gradient.then_some(grad.as_mut_slice());
        ws.evaluate(&model, &seq, &LikelihoodOptions::default(), grad)
            .unwrap();
        (seq.len(), ws.heap_bytes())
    };
    let (short_events, short_bytes) = held(300.0);
    let (long_events, long_bytes) = held(1200.0);
    assert!(short_events > 20_000 && long_events > 3 * short_events);
    let per_spike = (long_bytes - short_bytes) as f64 / (long_events - short_events) as f64;
    assert!(
        per_spike <= 24.0,
        "{per_spike:.1} bytes per spike ({short_bytes} bytes for {short_events} spikes, \
         {long_bytes} for {long_events})"
    );
    let fixed = 64 * model.n_basis() * n * n + (1 << 20);
    assert!(short_bytes <= 24 * short_events + fixed, "{short_bytes}");
}

/// `evaluate_split` in `parts` parts gives the unsplit `whole` and its gradient `g_whole` (to
/// the quadrature's tolerance and the order of the sums: 1e-9 relative for the value, 1e-8 for
/// each coordinate of the gradient).
fn assert_split_is_whole(
    ws: &mut LikelihoodWorkspace,
    model: &Snn,
    seq: &pp_core::EventSequence,
    options: &LikelihoodOptions,
    parts: usize,
    whole: &snn_model::Evaluation,
    g_whole: &[f64],
) {
    let mut g = vec![0.0; g_whole.len()];
    let split = ws
        .evaluate_split(model, seq, options, Some(&mut g), parts)
        .unwrap();
    let tol = 1e-9 * (1.0 + whole.compensator.abs());
    assert!(
        (split.log_likelihood() - whole.log_likelihood()).abs() < tol,
        "{parts} parts: {} vs {}",
        split.log_likelihood(),
        whole.log_likelihood()
    );
    for (i, (a, b)) in g.iter().zip(g_whole).enumerate() {
        assert!(
            (a - b).abs() < 1e-8 * (1.0 + b.abs()),
            "{parts} parts, coordinate {i}: {a} vs {b}"
        );
    }
}

/// The likelihood split into stretches of time (each conditioned on its lead-in) equals the
/// whole (value and gradient, to the quadrature's tolerance and the order of the sums), and
/// gives the same bits for any number of threads.
#[test]
fn the_split_likelihood_is_the_whole_and_thread_independent() {
    let n = 7;
    let mut rng = pp_thinning::sequence_rng(11, 0);
    let model = SnnBuilder::new(5, 2).random(&mut rng).unwrap();
    let seq = model
        .simulate(Window::new(0.0, 40.0).unwrap(), &mut rng)
        .unwrap();
    assert_eq!(seq.dim(), n);
    let options = LikelihoodOptions::default();
    let p = pp_core::Parametric::n_params(&model);
    let mut ws = LikelihoodWorkspace::new(&model).unwrap();
    let mut g_whole = vec![0.0; p];
    let whole = ws
        .evaluate(&model, &seq, &options, Some(&mut g_whole))
        .unwrap();
    for parts in [2, 3, 7, 20] {
        assert_split_is_whole(&mut ws, &model, &seq, &options, parts, &whole, &g_whole);
    }
    let in_pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| {
                let mut ws = LikelihoodWorkspace::new(&model).unwrap();
                let mut g = vec![0.0; p];
                let e = ws
                    .evaluate_split(&model, &seq, &options, Some(&mut g), 3)
                    .unwrap();
                (
                    e.log_likelihood().to_bits(),
                    g.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                )
            })
    };
    assert_eq!(in_pool(1), in_pool(2));
}

/// The time split on other bases (the basis tracker's path, adaptive Gauss–Kronrod, an
/// infinite support: every earlier spike is a source) and the target split of the Monte Carlo
/// compensator (the whole window's points) both give the unsplit log-likelihood and gradient.
#[test]
fn the_split_holds_for_other_bases_and_for_monte_carlo() {
    let mut rng = pp_thinning::sequence_rng(12, 0);
    let basis = snn_model::Basis::Exponential {
        time_constants: vec![0.7, 2.0],
    };
    let exp_model = SnnBuilder::new(4, 0).basis(basis).random(&mut rng).unwrap();
    let epa_model = SnnBuilder::new(5, 0).random(&mut rng).unwrap();
    let mc = CompensatorMethod::MonteCarlo(MonteCarlo::new(300, 4).unwrap());
    for (model, compensator) in [
        (&exp_model, LikelihoodOptions::default().compensator),
        (&epa_model, mc),
    ] {
        let seq = model
            .simulate(Window::new(0.0, 30.0).unwrap(), &mut rng)
            .unwrap();
        assert!(seq.len() > 20, "{} events", seq.len());
        let options = LikelihoodOptions {
            compensator,
            ..LikelihoodOptions::default()
        };
        let p = Parametric::n_params(model);
        let mut ws = LikelihoodWorkspace::new(model).unwrap();
        let mut g_whole = vec![0.0; p];
        let whole = ws
            .evaluate(model, &seq, &options, Some(&mut g_whole))
            .unwrap();
        for parts in [2, 4] {
            assert_split_is_whole(&mut ws, model, &seq, &options, parts, &whole, &g_whole);
        }
    }
}

/// A stretch must start inside the window, and a stretch after a lead-in needs the quadrature
/// compensator: typed errors that say so.
#[test]
fn a_stretch_outside_the_window_or_with_monte_carlo_is_refused() {
    let m = SnnBuilder::new(2, 0).check().unwrap();
    let seq = pp_core::EventSequence::new(Window::new(0.0, 10.0).unwrap(), 2, vec![1.0], vec![0])
        .unwrap();
    let mut ws = LikelihoodWorkspace::new(&m).unwrap();
    let opts = LikelihoodOptions::default();
    for from in [-1.0, 10.0, f64::NAN] {
        let err = ws
            .evaluate_from(&m, &seq, from, &opts, None, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("from") && err.contains("[0, 10)"), "{err}");
    }
    let mc = LikelihoodOptions {
        compensator: CompensatorMethod::MonteCarlo(MonteCarlo::new(10, 1).unwrap()),
        ..opts
    };
    let err = ws
        .evaluate_from(&m, &seq, 2.0, &mc, None, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("quadrature"), "{err}");
    // from the window's start, Monte Carlo is the plain evaluation
    let plain = ws.evaluate(&m, &seq, &mc, None).unwrap().log_likelihood();
    let from_start = ws.evaluate_from(&m, &seq, 0.0, &mc, None, 1).unwrap();
    assert_eq!(plain.to_bits(), from_start.log_likelihood().to_bits());
}

/// Soft events (the ∂PP's hidden candidates) cost the likelihood engine their place in the
/// merged source list (12 bytes) and the gradient in their marks (`8·H` = 80 bytes) only: their
/// amplitudes on the targets are summed from the weights by their marks when they enter and
/// leave a window, not stored (another `8·K·N_obs` = 640 bytes each here before). Measured as
/// the growth of the workspace's bytes from 4,000 to 16,000 candidates on 40 observed targets:
/// at most twice `12 + 8·H` per added candidate (a vector's spare capacity); measured 102.5.
#[test]
fn soft_events_hold_no_amplitudes() {
    let (n_obs, h) = (40, 10);
    let mut rng = pp_thinning::sequence_rng(5, 0);
    let model = SnnBuilder::new(n_obs, h).random(&mut rng).unwrap();
    let window = Window::new(0.0, 400.0).unwrap();
    let observed = pp_core::EventSequence::new(window, n_obs, vec![1.0, 2.0], vec![0, 1]).unwrap();
    let held = |m: usize| {
        let times: Vec<f64> = (0..m)
            .map(|i| 400.0 * (i as f64 + 0.5) / m as f64)
            .collect();
        let weights: Vec<f64> = (0..m * h).map(|i| ((i % 7) as f64 + 1.0) / 30.0).collect();
        let soft = pp_core::SoftEvents::new(&times, &weights, h).unwrap();
        let mut ws = snn_model::soft::SoftWorkspace::new(&model);
        let mut gp = vec![0.0; Parametric::n_params(&model)];
        let mut gd = vec![0.0; m * h];
        model
            .observed_log_likelihood_grad(
                &observed,
                soft,
                &CompensatorMethod::default(),
                &mut ws,
                &mut gp,
                &mut gd,
            )
            .unwrap();
        ws.heap_bytes()
    };
    let (short, long) = (held(4_000), held(16_000));
    let per_event = (long - short) as f64 / 12_000.0;
    let bound = 2.0 * (12.0 + 8.0 * h as f64);
    assert!(per_event <= bound, "{per_event:.1} bytes per soft event");
}
