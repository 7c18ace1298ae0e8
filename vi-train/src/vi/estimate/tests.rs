use super::hard::hard_sample_for_tests;
use super::*;
use diffpp::snn::SnnHidden;
use diffpp::{DiffPP, Mode, SoftHiddenIntensity};
use pp_core::Parametric;
use pp_core::SoftEvents;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::Snn;
use snn_model::SnnBuilder;
use snn_model::soft::SoftWorkspace;

fn snn(seed: u64) -> Snn {
    SnnBuilder::new(2, 2)
        .random(&mut pp_thinning::sequence_rng(seed, 1))
        .unwrap()
}

fn data(seed: u64) -> EventSequence {
    let truth = snn(seed + 50);
    let full = truth
        .simulate(
            Window::new(0.0, 12.0).unwrap(),
            &mut pp_thinning::sequence_rng(seed, 2),
        )
        .unwrap();
    full.split_dimensions(2).unwrap().0
}

fn mc() -> ObjectiveOptions {
    ObjectiveOptions {
        compensator: CompensatorMethod::monte_carlo(150, 0).unwrap(),
        ..ObjectiveOptions::default()
    }
}

/// With q = p, the E step's fast path (only −log p_obs differentiated through the sample)
/// equals the general composition: the same draw with q a separate copy of p, whose total
/// derivative at θ = φ is the sum of its θ and φ blocks (no regulariser, which the separate
/// model counts twice).
#[test]
fn shared_fast_path_equals_general_composition() {
    for seed in 0..4 {
        let shared = VariationalModel::shared(snn(seed)).unwrap();
        let separate = VariationalModel::separate(snn(seed), snn(seed)).unwrap();
        let obs = data(seed);
        let mut ws = EstimatorWorkspace::new(&shared).unwrap();
        let mut ws_sep = EstimatorWorkspace::new(&separate).unwrap();
        let n = shared.n_params();
        let (mut fast, mut general) = (vec![0.0; n], vec![0.0; 2 * n]);
        let rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        for beta in [1.0, 0.3] {
            let o = ObjectiveOptions {
                beta,
                regularisation: 0.0,
                ..mc()
            };
            let step = GradientStep::PathwiseE { tau: 0.3 };
            let a = step
                .estimate(&shared, &obs, &o, &mut rng.clone(), &mut ws, &mut fast)
                .unwrap();
            let b = step
                .estimate(
                    &separate,
                    &obs,
                    &o,
                    &mut rng.clone(),
                    &mut ws_sep,
                    &mut general,
                )
                .unwrap();
            assert!((a.f - b.f).abs() <= 1e-9 * a.f.abs().max(1.0));
            for i in 0..n {
                let total = general[i] + general[n + i];
                let tol = 1e-8 * fast[i].abs().max(total.abs()).max(1.0);
                assert!(
                    (fast[i] - total).abs() <= tol,
                    "coordinate {i}: {} vs {total}",
                    fast[i]
                );
            }
        }
    }
}

/// With q = p, the one-pass hard densities equal the general two-pass composition (q a
/// separate copy of p): values to 1e-10, gradients to 1e-8, quadrature and Monte Carlo.
/// With q = p, the score-function M step and the hard −ELBO draw take only the observed
/// neurons' part; the same draw through the full densities (−∇log p + ∇log q,
/// −log p + log q) gives the same numbers.
#[test]
fn shared_m_step_and_neg_elbo_equal_the_full_densities() {
    for seed in 0..4 {
        let p = snn(seed);
        let shared = VariationalModel::shared(p.clone()).unwrap();
        let obs = data(seed);
        let n = p.n_params();
        let mut ws = EstimatorWorkspace::new(&shared).unwrap();
        for options in [ObjectiveOptions::default(), mc()] {
            let mut fast = vec![0.0; n];
            let v = GradientStep::ScoreM
                .estimate(
                    &shared,
                    &obs,
                    &options,
                    &mut Xoshiro256PlusPlus::seed_from_u64(seed),
                    &mut ws,
                    &mut fast,
                )
                .unwrap();
            // the same draws: the hidden sample, then the compensator
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let comp =
                hard_sample_for_tests(&shared, &obs, &options.compensator, &mut rng, &mut ws);
            let full = ws.full.clone();
            let (mut gp, mut gq) = (vec![0.0; n], vec![0.0; n]);
            let d = hard_densities(&shared, &full, &comp, &mut ws, Some(&mut gp), Some(&mut gq))
                .unwrap();
            assert!((v.f - d.neg_elbo()).abs() <= 1e-10 * d.neg_elbo().abs().max(1.0));
            let reg = options.regularisation;
            let mut want: Vec<f64> = (0..n).map(|i| gq[i] - gp[i]).collect();
            regulariser(&shared, reg, &mut want, false);
            for i in 0..n {
                assert!(
                    (fast[i] - want[i]).abs() <= 1e-8 * want[i].abs().max(1.0),
                    "{i}: {} vs {}",
                    fast[i],
                    want[i]
                );
            }
            let e = hard_neg_elbo_draw(
                &shared,
                &obs,
                obs.window().t0(),
                &options.compensator,
                &mut Xoshiro256PlusPlus::seed_from_u64(seed),
                &mut ws,
            )
            .unwrap();
            assert!((e - d.neg_elbo()).abs() <= 1e-10 * d.neg_elbo().abs().max(1.0));
        }
    }
}

#[test]
fn shared_hard_densities_equal_the_general_composition() {
    for seed in 0..4 {
        let p = snn(seed);
        let shared = VariationalModel::shared(p.clone()).unwrap();
        let separate = VariationalModel::separate(p.clone(), p.clone()).unwrap();
        let obs = data(seed);
        let mut ws = EstimatorWorkspace::new(&shared).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        hard_sample_for_tests(
            &shared,
            &obs,
            &CompensatorMethod::default(),
            &mut rng,
            &mut ws,
        );
        let full = ws.full.clone();
        let n = p.n_params();
        for comp in [
            CompensatorMethod::default(),
            CompensatorMethod::monte_carlo(200, 5).unwrap(),
        ] {
            let (mut gp1, mut gq1) = (vec![0.0; n], vec![0.0; n]);
            let (mut gp2, mut gq2) = (vec![0.0; n], vec![0.0; n]);
            let a = hard_densities(
                &shared,
                &full,
                &comp,
                &mut ws,
                Some(&mut gp1),
                Some(&mut gq1),
            )
            .unwrap();
            let b = hard_densities(
                &separate,
                &full,
                &comp,
                &mut ws,
                Some(&mut gp2),
                Some(&mut gq2),
            )
            .unwrap();
            assert!((a.log_p - b.log_p).abs() <= 1e-10 * b.log_p.abs().max(1.0));
            assert!((a.log_q - b.log_q).abs() <= 1e-10 * b.log_q.abs().max(1.0));
            for i in 0..n {
                for (x, y) in [(gp1[i], gp2[i]), (gq1[i], gq2[i])] {
                    assert!((x - y).abs() <= 1e-8 * y.abs().max(1.0), "{i}: {x} vs {y}");
                }
            }
            // value only, and only one gradient, give the same numbers
            let c = hard_densities(&shared, &full, &comp, &mut ws, None, Some(&mut gp1)).unwrap();
            assert_eq!((c.log_p, c.log_q), (a.log_p, a.log_q));
            assert_eq!(gp1, gq1);
        }
    }
}

/// The M step's gradient is the derivative of `−log p(O, H; θ) + log q(H; φ)` (+ the
/// regulariser) in θ with the soft sample held fixed (q's direct dependence included when
/// q = p), against central differences.
#[test]
fn m_step_gradient_matches_finite_differences_with_the_sample_fixed() {
    for (seed, separate) in [(1u64, false), (2, true)] {
        let model = if separate {
            VariationalModel::separate(snn(seed), snn(seed + 10)).unwrap()
        } else {
            VariationalModel::shared(snn(seed)).unwrap()
        };
        let obs = data(seed);
        let o = mc();
        let mut ws = EstimatorWorkspace::new(&model).unwrap();
        let n = model.n_params();
        let mut grad = vec![0.0; n];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        GradientStep::PathwiseM { tau: 0.3 }
            .estimate(&model, &obs, &o, &mut rng.clone(), &mut ws, &mut grad)
            .unwrap();
        // replay the draws to get the same Monte Carlo points
        let rate = SnnHidden::new(model.q(), &obs, o.epsilon)
            .unwrap()
            .candidate_rate();
        ws.noise.redraw(&mut rng, obs.window(), rate, 3).unwrap();
        let comp = o.compensator.redrawn(&mut rng);
        let times = ws.trace_q.times().to_vec();
        let y = ws.trace_q.y().to_vec();
        let weights = ws.trace_q.weights().to_vec();
        let tau = 0.3;
        let value = |params: &[f64]| -> f64 {
            let mut m = model.clone();
            m.set_params(params).unwrap();
            let dpp = DiffPP::new(obs.window(), Mode::soft(tau).unwrap());
            let p_hidden = SnnHidden::new(m.p(), &obs, o.epsilon).unwrap();
            let q_hidden = SnnHidden::new(m.q(), &obs, o.epsilon).unwrap();
            let lp = dpp.evaluate(&p_hidden, &times, &y).unwrap().log_q();
            let lq = dpp.evaluate(&q_hidden, &times, &y).unwrap().log_q();
            let mut soft = SoftWorkspace::new(m.p());
            let events = SoftEvents::new(&times, &weights, 2).unwrap();
            let lo = m
                .p()
                .observed_log_likelihood(&obs, events, &comp, &mut soft)
                .unwrap();
            -lo - lp + lq + regulariser_value(&m, o.regularisation)
        };
        let x = model.params();
        let np = model.p().n_params();
        for i in 0..n {
            let h = 1e-6 * x[i].abs().max(1.0);
            let (mut up, mut down) = (x.clone(), x.clone());
            up[i] += h;
            down[i] -= h;
            let fd = if i < np {
                (value(&up) - value(&down)) / (2.0 * h)
            } else {
                0.0
            };
            let tol = 2e-5 * fd.abs().max(grad[i].abs()).max(1.0);
            assert!(
                (fd - grad[i]).abs() <= tol,
                "separate = {separate}, coordinate {i}: analytic {} vs fd {fd}",
                grad[i]
            );
        }
    }
}

/// A lead-in scores the whole window minus the lead-in: with the same noise (so the same
/// sample), the E and M steps' `f` after a lead-in of 4 s equals the whole window's `f` minus
/// the lead-in's own terms, each computed alone on `[0, 4]` (its observed spikes and the
/// sample's candidates before 4 s: the observed part, `log p_hidden` and `log q` of the ∂PP
/// evaluated there). Fails if any of the three terms still counts the lead-in.
#[test]
fn a_lead_in_scores_the_whole_window_minus_the_lead_in() {
    let (lead, tau, beta) = (4.0, 0.4, 0.6);
    for seed in 0..3 {
        let model = VariationalModel::separate(snn(seed), snn(seed + 7)).unwrap();
        let (p, q) = (model.p(), model.q());
        let obs = data(seed);
        let whole_options = ObjectiveOptions {
            beta,
            ..ObjectiveOptions::default()
        };
        let options = ObjectiveOptions {
            lead_in: lead,
            ..whole_options
        };
        let mut ws = EstimatorWorkspace::new(&model).unwrap();
        let mut grad = vec![0.0; model.n_params()];
        let rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        for step in [
            GradientStep::PathwiseE { tau },
            GradientStep::PathwiseM { tau },
        ] {
            let weight = if step.updates_q() { beta } else { 1.0 };
            let whole = step
                .estimate(
                    &model,
                    &obs,
                    &whole_options,
                    &mut rng.clone(),
                    &mut ws,
                    &mut grad,
                )
                .unwrap();
            let scored = step
                .estimate(&model, &obs, &options, &mut rng.clone(), &mut ws, &mut grad)
                .unwrap();
            // the lead-in alone: its observed spikes, the sample's candidates before `lead`
            let trace = &ws.trace_q;
            let k = trace.times().partition_point(|&t| t < lead);
            let (times, y) = (&trace.times()[..k], &trace.y()[..k * 3]);
            let weights = &trace.weights()[..k * 2];
            let lead_obs = obs.split_windows(lead).unwrap().swap_remove(0);
            let dpp = DiffPP::new(lead_obs.window(), Mode::soft(tau).unwrap());
            let log_density = |m: &Snn| {
                let hidden = SnnHidden::new(m, &lead_obs, options.epsilon).unwrap();
                dpp.evaluate(&hidden, times, y).unwrap().log_q()
            };
            let ll_obs = p
                .observed_log_likelihood(
                    &lead_obs,
                    SoftEvents::from_sorted_unchecked(times, weights, 2),
                    &options.compensator,
                    &mut SoftWorkspace::new(p),
                )
                .unwrap();
            let f_lead = -ll_obs - log_density(p) + weight * log_density(q);
            let want = whole.f - f_lead;
            assert!(
                (scored.f - want).abs() <= 1e-9 * want.abs().max(1.0),
                "{} seed {seed}: {} vs {want} (whole {}, lead-in {f_lead})",
                step.name(),
                scored.f,
                whole.f
            );
        }
    }
}

/// The score-function steps after a lead-in: with the same generator (so the same hard sample
/// of the whole window), `f` is the whole window's minus the lead-in's own terms (the hard
/// densities of the sample cut at the lead-in), the θ gradient is that of the scored stretch,
/// and the E step's φ gradient is `(f − baseline) ∇_φ log q(H)` with the *whole* sample's score
/// (the lead-in's spikes are drawn from `q` too) plus `β ∇_φ log q` of the scored stretch; for
/// a shared and a separate `q`. Fails if the score or any term uses the wrong stretch.
#[test]
fn the_score_function_after_a_lead_in_scores_the_stretch_with_the_whole_samples_score() {
    let (lead, beta, baseline) = (4.0, 0.6, 3.0);
    for seed in 0..3 {
        for model in [
            VariationalModel::shared(snn(seed)).unwrap(),
            VariationalModel::separate(snn(seed), snn(seed + 7)).unwrap(),
        ] {
            let obs = data(seed);
            let options = ObjectiveOptions {
                beta,
                regularisation: 0.0,
                lead_in: lead,
                ..ObjectiveOptions::default()
            };
            let mut ws = EstimatorWorkspace::new(&model).unwrap();
            let (np, nq) = (model.p().n_params(), model.q().n_params());
            let mut grad = vec![0.0; model.n_params()];
            let rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            for step in [GradientStep::ScoreE { baseline }, GradientStep::ScoreM] {
                let weight = if step.updates_q() { beta } else { 1.0 };
                grad.fill(0.0);
                let scored = step
                    .estimate(&model, &obs, &options, &mut rng.clone(), &mut ws, &mut grad)
                    .unwrap();
                // the pieces, from the sample drawn: the whole window and the lead-in alone
                let full = ws.last_full_sequence().clone();
                let lead_full = full.split_windows(lead).unwrap().swap_remove(0);
                let comp = options.compensator;
                let mut densities_of = |seq: &EventSequence| {
                    let (mut gp, mut gq) = (vec![0.0; np], vec![0.0; nq]);
                    let d =
                        hard_densities(&model, seq, &comp, &mut ws, Some(&mut gp), Some(&mut gq))
                            .unwrap();
                    (d, gp, gq)
                };
                let (whole, gp_whole, gq_whole) = densities_of(&full);
                let (before, gp_lead, gq_lead) = densities_of(&lead_full);
                let f_of = |d: &HardDensities| -d.log_p + weight * d.log_q;
                let f = f_of(&whole) - f_of(&before);
                let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
                let name = step.name();
                assert!(
                    close(scored.f, f),
                    "{name} seed {seed}: f {} vs {f}",
                    scored.f
                );
                let score_part = matches!(step, GradientStep::ScoreE { .. });
                let mut want = vec![0.0; model.n_params()];
                for i in 0..np {
                    want[i] = -(gp_whole[i] - gp_lead[i]);
                }
                let q_grad = |i: usize| {
                    let stretch = weight * (gq_whole[i] - gq_lead[i]);
                    if score_part {
                        (f - baseline) * gq_whole[i] + stretch
                    } else {
                        stretch
                    }
                };
                if model.is_shared() {
                    for i in 0..np {
                        want[i] += q_grad(i);
                    }
                } else if score_part {
                    for (i, gi) in model.q_range().enumerate() {
                        want[gi] = q_grad(i);
                    }
                }
                for (c, (g, w)) in grad.iter().zip(&want).enumerate() {
                    assert!(
                        close(*g, *w),
                        "{name} shared {} seed {seed}, coordinate {c}: {g} vs {w}",
                        model.is_shared()
                    );
                }
            }
        }
    }
}

/// A test-metric draw after a lead-in: with the same generator (the same hard sample of the
/// whole sequence), `−log p(O, H) + log q(H)` of the stretch after the lead-in is the whole
/// sequence's minus the lead-in's own (the hard densities of the sample cut there), for a
/// shared and a separate `q`; and `evaluate` with a lead-in reports those draws.
#[test]
fn a_test_draw_after_a_lead_in_is_the_whole_minus_the_lead_in() {
    let lead = 4.0;
    for seed in 0..3 {
        for model in [
            VariationalModel::shared(snn(seed)).unwrap(),
            VariationalModel::separate(snn(seed), snn(seed + 7)).unwrap(),
        ] {
            let obs = data(seed);
            let comp = CompensatorMethod::default();
            let mut ws = EstimatorWorkspace::new(&model).unwrap();
            let rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let after =
                hard_neg_elbo_draw(&model, &obs, lead, &comp, &mut rng.clone(), &mut ws).unwrap();
            let full = ws.last_full_sequence().clone();
            let whole =
                hard_neg_elbo_draw(&model, &obs, 0.0, &comp, &mut rng.clone(), &mut ws).unwrap();
            assert_eq!(&full, ws.last_full_sequence(), "the same sample");
            let cut = full.split_windows(lead).unwrap().swap_remove(0);
            let before = hard_densities(&model, &cut, &comp, &mut ws, None, None)
                .unwrap()
                .neg_elbo();
            let want = whole - before;
            assert!(
                (after - want).abs() <= 1e-9 * want.abs().max(1.0),
                "shared {} seed {seed}: {after} vs {whole} − {before}",
                model.is_shared()
            );
            // evaluate's first draw of sequence 0 is this draw with its generator
            let options = crate::vi::EvalOptions {
                samples: 2,
                seed,
                compensator: comp,
                lead_in: lead,
            };
            let first = hard_neg_elbo_draw(
                &model,
                &obs,
                lead,
                &comp,
                &mut pp_thinning::sequence_rng(seed, 0),
                &mut ws,
            )
            .unwrap();
            let second = {
                let mut g = pp_thinning::sequence_rng(seed, 0);
                hard_neg_elbo_draw(&model, &obs, lead, &comp, &mut g, &mut ws).unwrap();
                hard_neg_elbo_draw(&model, &obs, lead, &comp, &mut g, &mut ws).unwrap()
            };
            let report = crate::vi::evaluate(&model, std::slice::from_ref(&obs), &options).unwrap();
            assert_eq!(report.per_sequence[0], (first + second) / 2.0);
        }
    }
}
