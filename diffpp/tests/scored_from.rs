//! A trace scored from an interior time (`Trace::score_from`): the candidates before it are a
//! lead-in that is history only. Its `log q` is the whole sample's minus the lead-in's own, the
//! scored time at the window's start changes no bit, and both reverse sweeps (the generic one,
//! for `LinearSigmoidModel`, and the SNN-specialised one, for `SnnHidden`) give the gradient of
//! `F = β log q_scored + L` against central finite differences (noise held fixed), the
//! specialised one equal to the generic one; the lead-in's score is really left out (the
//! unmasked gradient is measurably different).

mod common;

use approx::abs_diff_eq;
use common::{central_difference, random_linear, random_snn};
use diffpp::snn::SnnHidden;
use diffpp::{
    DiffPP, DiffppError, LinearSigmoidModel, Mode, Noise, ReverseWorkspace, SoftHiddenIntensity,
    SweepRequest, Trace, generic_reverse_sweep, gradient_fixed_sample, gradient_through_sample,
    weight_adjoint_to_mark_adjoint,
};
use pp_core::{EventSequence, Parametric, Window};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::Snn;

fn linear_with(model: &LinearSigmoidModel, p: &[f64]) -> LinearSigmoidModel {
    let mut m = model.clone();
    m.set_params(p).unwrap();
    m
}

fn snn_with(model: &Snn, p: &[f64]) -> Snn {
    let mut m = model.clone();
    m.set_params(p).unwrap();
    m
}

/// Observed Poisson spikes (rate 1.5 per neuron) of `o` neurons on `[0, t1]`.
fn observed(seed: u64, o: usize, t1: f64) -> EventSequence {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xfeed);
    let window = Window::new(0.0, t1).unwrap();
    let pts = Noise::draw(&mut rng, window, 1.5 * o as f64, 2).unwrap();
    let marks = pts
        .times()
        .iter()
        .map(|_| rng.random_range(0..o as u32))
        .collect();
    EventSequence::new(window, o, pts.times().to_vec(), marks).unwrap()
}

/// `trace` scored from `from` (a copy).
fn scored(mut trace: Trace, from: f64) -> Trace {
    trace.score_from(from).unwrap();
    trace
}

/// The loss `L = Σ_k Σ_h c[k][h] d_k[h]` in the soft spikes of a trace.
fn spike_loss(trace: &Trace, c: &[f64]) -> f64 {
    trace.weights().iter().zip(c).map(|(d, c)| d * c).sum()
}

/// `∂L/∂y` of [`spike_loss`].
fn spike_loss_adjoint(trace: &Trace, c: &[f64]) -> Vec<f64> {
    let mut dl_dy = vec![0.0; trace.y().len()];
    weight_adjoint_to_mark_adjoint(trace, c, &mut dl_dy).unwrap();
    dl_dy
}

/// Asserts `analytic[i] ≈ ∂f/∂x_i` (central differences with step `step`) within
/// `tol (1 + |fd|)`; returns the largest `|fd|`.
fn assert_matches_fd(
    what: &str,
    analytic: &[f64],
    f: impl Fn(&[f64]) -> f64,
    x: &[f64],
    step: f64,
    tol: f64,
) -> f64 {
    assert_eq!(analytic.len(), x.len(), "{what}");
    let mut max_abs: f64 = 0.0;
    for (i, &a) in analytic.iter().enumerate() {
        let fd = central_difference(&f, x, i, step);
        max_abs = max_abs.max(fd.abs());
        assert!(
            abs_diff_eq!(a, fd, epsilon = tol * (1.0 + fd.abs())),
            "{what}, coordinate {i}: analytic {a} vs fd {fd}"
        );
    }
    max_abs
}

/// Asserts that the scored (masked) and the unmasked gradients differ by more than the
/// tolerance the finite-difference checks allow: dropping the mask would fail them.
fn assert_mask_matters(what: &str, masked: &[f64], unmasked: &[f64], tol: f64) {
    let gap = masked
        .iter()
        .zip(unmasked)
        .map(|(a, b)| (a - b).abs() / (1.0 + b.abs()))
        .fold(0.0, f64::max);
    assert!(
        gap > 100.0 * tol,
        "{what}: the lead-in's score changes the gradient by only {gap}"
    );
}

const H_FD: f64 = 1e-6;
const TOL: f64 = 1e-5;

#[test]
fn scoring_from_the_start_changes_no_bit() {
    let (t0, t1) = (0.5, 6.0);
    let window = Window::new(t0, t1).unwrap();
    for seed in 0..4u64 {
        let model = random_linear(seed, 2, t1);
        for mode in [Mode::soft(0.4).unwrap(), Mode::Hard] {
            let dpp = DiffPP::new(window, mode);
            let fresh = dpp
                .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
                .unwrap();
            assert!(fresh.len() > 4, "seed {seed}: {} candidates", fresh.len());
            assert_eq!(fresh.scored_from(), 0);
            assert_eq!(fresh.log_q().to_bits(), fresh.log_q_whole().to_bits());
            let mut trace = fresh.clone();
            trace.score_from(t0).unwrap();
            assert_eq!(trace, fresh, "seed {seed} {mode:?}");
            // an interior score and back: the whole trace again (so the sweeps see the same)
            trace.score_from(3.0).unwrap();
            assert!(trace.scored_from() > 0);
            assert_ne!(trace.log_q(), fresh.log_q());
            assert_eq!(trace.log_q_whole().to_bits(), fresh.log_q().to_bits());
            trace.score_from(t0).unwrap();
            assert_eq!(trace, fresh, "seed {seed} {mode:?}");
        }
        // an evaluated trace too
        let dpp = DiffPP::new(window, Mode::soft(0.4).unwrap());
        let sample = dpp
            .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
            .unwrap();
        let fresh = dpp.evaluate(&model, sample.times(), sample.y()).unwrap();
        let mut trace = fresh.clone();
        trace.score_from(2.0).unwrap();
        trace.score_from(t0).unwrap();
        assert_eq!(trace, fresh);
    }
}

#[test]
fn scoring_is_recomputed_not_cumulative() {
    let window = Window::new(0.0, 6.0).unwrap();
    let model = random_linear(3, 2, 6.0);
    let dpp = DiffPP::new(window, Mode::soft(0.4).unwrap());
    let mut trace = dpp
        .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(3))
        .unwrap();
    trace.score_from(2.0).unwrap();
    let once = (trace.scored_from(), trace.log_q().to_bits());
    trace.score_from(2.0).unwrap();
    assert_eq!((trace.scored_from(), trace.log_q().to_bits()), once);
    trace.score_from(4.5).unwrap();
    assert!(trace.scored_from() > once.0);
    trace.score_from(2.0).unwrap();
    assert_eq!((trace.scored_from(), trace.log_q().to_bits()), once);
    // from the window's end nothing is scored
    trace.score_from(6.0).unwrap();
    assert_eq!((trace.scored_from(), trace.log_q()), (trace.len(), 0.0));
}

/// log q of the scored part = log q of the whole sample − log q of the lead-in's candidates
/// alone on `[t0, from]` (`evaluate` on that window; for a hard trace, the sampler on that
/// window with the lead-in's noise).
#[test]
fn scored_log_q_is_the_whole_minus_the_lead_in() {
    let (t0, t1) = (0.0, 6.0);
    let window = Window::new(t0, t1).unwrap();
    let close = |a: f64, b: f64, scale: f64| (a - b).abs() <= 1e-12 * scale;
    for seed in 0..4u64 {
        let model = random_linear(seed, 2, t1);
        let noise =
            DiffPP::draw_noise(&model, window, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
                .unwrap();
        let n = model.n_hidden() + 1;
        let soft = DiffPP::new(window, Mode::soft(0.4).unwrap());
        let sample = soft.sample_with_noise(&model, &noise).unwrap();
        let evaluated = soft.evaluate(&model, sample.times(), sample.y()).unwrap();
        let hard = DiffPP::new(window, Mode::Hard)
            .sample_with_noise(&model, &noise)
            .unwrap();
        for from in [1.3, 2.9, 4.6] {
            let k0 = sample.times().partition_point(|&t| t < from);
            assert!(k0 > 0 && k0 < sample.len(), "seed {seed} from {from}: {k0}");
            let lead_window = Window::new(t0, from).unwrap();
            let lead_soft = DiffPP::new(lead_window, Mode::soft(0.4).unwrap());
            let lead = lead_soft
                .evaluate(&model, &sample.times()[..k0], &sample.y()[..k0 * n])
                .unwrap()
                .log_q();
            for trace in [&sample, &evaluated] {
                let whole = trace.log_q_whole();
                let s = scored(trace.clone(), from);
                assert_eq!(s.scored_from(), k0);
                let scale = whole.abs() + lead.abs();
                assert!(
                    close(s.log_q(), whole - lead, scale),
                    "seed {seed} from {from}: {} vs {} − {}",
                    s.log_q(),
                    whole,
                    lead
                );
            }
            // hard: the lead-in's log q from the sampler on [t0, from] with the lead-in's noise
            let lead_noise = Noise::new(
                noise.times()[..k0].to_vec(),
                noise.gumbel()[..k0 * n].to_vec(),
                n,
            )
            .unwrap();
            let lead_hard = DiffPP::new(lead_window, Mode::Hard)
                .sample_with_noise(&model, &lead_noise)
                .unwrap();
            assert_eq!(lead_hard.categories(), &hard.categories()[..k0]);
            let s = scored(hard.clone(), from);
            let scale = hard.log_q().abs() + lead_hard.log_q().abs();
            assert!(
                close(s.log_q(), hard.log_q() - lead_hard.log_q(), scale),
                "hard, seed {seed} from {from}: {} vs {} − {}",
                s.log_q(),
                hard.log_q(),
                lead_hard.log_q()
            );
        }
    }
}

#[test]
fn a_scored_from_time_outside_the_window_is_an_error() {
    let window = Window::new(1.0, 5.0).unwrap();
    let model = random_linear(1, 2, 5.0);
    let dpp = DiffPP::new(window, Mode::soft(0.4).unwrap());
    let mut trace = dpp
        .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(1))
        .unwrap();
    trace.score_from(3.0).unwrap();
    let before = trace.clone();
    for from in [0.5, 5.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = trace.score_from(from).unwrap_err();
        assert!(
            matches!(err, DiffppError::InvalidArgument { name: "from", .. }),
            "{from}: {err:?}"
        );
        assert!(err.to_string().contains("[1, 5]"), "{err}");
        assert_eq!(trace, before, "a failed call leaves the trace as it was");
    }
    // the window's ends are fine
    trace.score_from(1.0).unwrap();
    trace.score_from(5.0).unwrap();
}

#[test]
fn sampling_or_evaluating_again_scores_the_whole_sample() {
    let window = Window::new(0.0, 5.0).unwrap();
    let model = random_linear(2, 2, 5.0);
    let dpp = DiffPP::new(window, Mode::soft(0.4).unwrap());
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let noise = DiffPP::draw_noise(&model, window, &mut rng).unwrap();
    let mut trace = Trace::empty();
    dpp.sample_with_noise_into(&model, &noise, &mut trace)
        .unwrap();
    let fresh = trace.clone();
    trace.score_from(2.5).unwrap();
    assert!(trace.scored_from() > 0);
    dpp.sample_with_noise_into(&model, &noise, &mut trace)
        .unwrap();
    assert_eq!(trace, fresh);
    trace.score_from(2.5).unwrap();
    dpp.evaluate_into(&model, fresh.times(), fresh.y(), &mut trace)
        .unwrap();
    assert_eq!(trace.scored_from(), 0);
    assert_eq!(trace.log_q().to_bits(), trace.log_q_whole().to_bits());
}

/// The generic sweep (`LinearSigmoidModel`), a lead-in `[0, 2)` of `[0, 5]`: path-wise
/// (`F = β log q_scored + Σ c·d`, re-sampled with the same noise), marks held fixed (∂F/∂θ and
/// the total ∂F/∂y against `evaluate`), and hard mode (the scored score) against central
/// differences; with the marks fixed and in hard mode the unmasked gradient is different.
#[test]
fn generic_sweep_with_a_lead_in_matches_finite_differences() {
    let (t1, from) = (5.0, 2.0);
    let window = Window::new(0.0, t1).unwrap();
    for (seed, beta) in [(0u64, 0.7), (1, -1.2), (2, 1.3), (3, -0.6)] {
        let model = random_linear(seed, 2, t1);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xabc);
        let noise = DiffPP::draw_noise(&model, window, &mut rng).unwrap();
        let dpp = DiffPP::new(window, Mode::soft(0.5).unwrap());
        let trace = scored(dpp.sample_with_noise(&model, &noise).unwrap(), from);
        assert!(trace.scored_from() > 1 && trace.scored_from() < trace.len());
        let c: Vec<f64> = (0..trace.weights().len())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let p = model.params();
        let mut ws = ReverseWorkspace::new();

        // path-wise
        let mut grad = vec![0.0; p.len()];
        let dl_dy = spike_loss_adjoint(&trace, &c);
        gradient_through_sample(&model, &trace, beta, Some(&dl_dy), &mut grad, &mut ws).unwrap();
        let f = |q: &[f64]| {
            let t = scored(
                dpp.sample_with_noise(&linear_with(&model, q), &noise)
                    .unwrap(),
                from,
            );
            beta * t.log_q() + spike_loss(&t, &c)
        };
        let max_fd = assert_matches_fd("path-wise", &grad, f, &p, H_FD, TOL);
        assert!(max_fd > 1e-3, "seed {seed}: a trivial gradient");

        // marks held fixed
        let evaluated = scored(
            dpp.evaluate(&model, trace.times(), trace.y()).unwrap(),
            from,
        );
        let mut grad_y = vec![0.0; dl_dy.len()];
        gradient_fixed_sample(
            &model,
            &evaluated,
            beta,
            Some(&dl_dy),
            &mut grad,
            Some(&mut grad_y),
            &mut ws,
        )
        .unwrap();
        let h = model.n_hidden();
        let f = |q: &[f64], y: &[f64]| {
            let t = scored(
                dpp.evaluate(&linear_with(&model, q), trace.times(), y)
                    .unwrap(),
                from,
            );
            let loss: f64 = (0..trace.len())
                .flat_map(|k| (0..h).map(move |j| (k, j)))
                .map(|(k, j)| c[k * h + j] * y[k * (h + 1) + j].exp())
                .sum();
            beta * t.log_q() + loss
        };
        assert_matches_fd("fixed sample, θ", &grad, |q| f(q, trace.y()), &p, H_FD, TOL);
        // y: steps of 1e-7 keep the marks within the 1e-6 normalisation tolerance of evaluate
        assert_matches_fd(
            "fixed sample, y",
            &grad_y,
            |y| f(&p, y),
            trace.y(),
            1e-7,
            1e-4,
        );
        let whole = dpp.evaluate(&model, trace.times(), trace.y()).unwrap();
        let mut unmasked = vec![0.0; p.len()];
        let mut unmasked_y = vec![0.0; dl_dy.len()];
        gradient_fixed_sample(
            &model,
            &whole,
            beta,
            Some(&dl_dy),
            &mut unmasked,
            Some(&mut unmasked_y),
            &mut ws,
        )
        .unwrap();
        assert_mask_matters("fixed sample, θ", &grad, &unmasked, TOL);
        assert_mask_matters("fixed sample, y", &grad_y, &unmasked_y, 1e-4);

        // hard mode: the score of the scored hard log q (steps that flip a category skipped)
        let hard_dpp = DiffPP::new(window, Mode::Hard);
        let hard = scored(hard_dpp.sample_with_noise(&model, &noise).unwrap(), from);
        gradient_through_sample(&model, &hard, beta, None, &mut grad, &mut ws).unwrap();
        let mut checked = 0;
        for i in 0..p.len() {
            let at = |step: f64| {
                let mut q = p.clone();
                q[i] += step;
                scored(
                    hard_dpp
                        .sample_with_noise(&linear_with(&model, &q), &noise)
                        .unwrap(),
                    from,
                )
            };
            let (tp, tm) = (at(H_FD), at(-H_FD));
            if tp.categories() != hard.categories() || tm.categories() != hard.categories() {
                continue;
            }
            checked += 1;
            let fd = beta * (tp.log_q() - tm.log_q()) / (2.0 * H_FD);
            assert!(
                abs_diff_eq!(grad[i], fd, epsilon = TOL * (1.0 + fd.abs())),
                "hard, seed {seed} param {i}: analytic {} vs fd {fd}",
                grad[i]
            );
        }
        assert!(checked + 2 >= p.len(), "seed {seed}: {checked} checked");
        let whole_hard = hard_dpp.sample_with_noise(&model, &noise).unwrap();
        gradient_through_sample(&model, &whole_hard, beta, None, &mut unmasked, &mut ws).unwrap();
        assert_mask_matters("hard", &grad, &unmasked, TOL);
    }
}

/// The SNN-specialised sweep (`SnnHidden`), a lead-in `[0, 2.5)` of `[0, 6]`: path-wise and
/// with the marks held fixed against central differences, equal to the generic sweep on the
/// same trace, and (marks fixed) different from the unmasked gradient.
#[test]
fn snn_sweep_with_a_lead_in_matches_finite_differences_and_the_generic_sweep() {
    let (t1, from, o, h) = (6.0, 2.5, 2, 3);
    for (seed, beta) in [(0u64, 0.8), (1, -1.1), (2, 1.4)] {
        let model = random_snn(seed, o, h, 2.0);
        let obs = observed(seed, o, t1);
        let window = obs.window();
        let hidden = SnnHidden::new(&model, &obs, 1e-3).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xabc);
        let noise = DiffPP::draw_noise(&hidden, window, &mut rng).unwrap();
        let dpp = DiffPP::new(window, Mode::soft(0.5).unwrap());
        // the trace of `hidden`'s last forward run: its reverse sweep is the specialised one
        let trace = scored(dpp.sample_with_noise(&hidden, &noise).unwrap(), from);
        assert!(trace.scored_from() > 1 && trace.scored_from() < trace.len());
        let c: Vec<f64> = (0..trace.weights().len())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        let dl_dy = spike_loss_adjoint(&trace, &c);
        let p = model.params();
        let np = p.len();
        let mut ws = ReverseWorkspace::new();
        let equal = |what: &str, fast: &[f64], generic: &[f64]| {
            for (i, (a, b)) in fast.iter().zip(generic).enumerate() {
                assert!(
                    abs_diff_eq!(a, b, epsilon = 1e-10 * (1.0 + b.abs())),
                    "{what}, seed {seed}, {i}: specialised {a} vs generic {b}"
                );
            }
        };

        // path-wise
        let mut grad = vec![0.0; np];
        gradient_through_sample(&hidden, &trace, beta, Some(&dl_dy), &mut grad, &mut ws).unwrap();
        let mut generic = vec![0.0; np];
        let request = SweepRequest {
            beta,
            loss_adjoint: Some(&dl_dy),
            through_sample: true,
            mark_adjoint: None,
        };
        generic_reverse_sweep(&hidden, &trace, request, &mut generic, &mut ws).unwrap();
        equal("path-wise", &grad, &generic);
        let f = |q: &[f64]| {
            let m = snn_with(&model, q);
            let s = SnnHidden::new(&m, &obs, 1e-3).unwrap();
            let t = scored(dpp.sample_with_noise(&s, &noise).unwrap(), from);
            beta * t.log_q() + spike_loss(&t, &c)
        };
        let max_fd = assert_matches_fd("path-wise", &grad, f, &p, H_FD, TOL);
        assert!(max_fd > 1e-3, "seed {seed}: a trivial gradient");

        // marks held fixed
        let evaluated = scored(
            dpp.evaluate(&hidden, trace.times(), trace.y()).unwrap(),
            from,
        );
        let mut grad_y = vec![0.0; dl_dy.len()];
        gradient_fixed_sample(
            &hidden,
            &evaluated,
            beta,
            Some(&dl_dy),
            &mut grad,
            Some(&mut grad_y),
            &mut ws,
        )
        .unwrap();
        let mut generic_y = vec![0.0; dl_dy.len()];
        let request = SweepRequest {
            beta,
            loss_adjoint: Some(&dl_dy),
            through_sample: false,
            mark_adjoint: Some(&mut generic_y),
        };
        generic_reverse_sweep(&hidden, &evaluated, request, &mut generic, &mut ws).unwrap();
        equal("fixed sample, θ", &grad, &generic);
        equal("fixed sample, y", &grad_y, &generic_y);
        let f = |q: &[f64]| {
            let m = snn_with(&model, q);
            let s = SnnHidden::new(&m, &obs, 1e-3).unwrap();
            beta * scored(dpp.evaluate(&s, trace.times(), trace.y()).unwrap(), from).log_q()
        };
        assert_matches_fd("fixed sample, θ", &grad, f, &p, H_FD, TOL);
        let mut unmasked = vec![0.0; np];
        let whole = dpp.evaluate(&hidden, trace.times(), trace.y()).unwrap();
        gradient_fixed_sample(
            &hidden,
            &whole,
            beta,
            Some(&dl_dy),
            &mut unmasked,
            None,
            &mut ws,
        )
        .unwrap();
        assert_mask_matters("fixed sample, θ", &grad, &unmasked, TOL);
    }
}
