//! The score-function estimator: the hard-spike densities' gradients against central finite
//! differences (the sample held fixed), and the surrogate gradient assembled as
//! `(f − b) ∇_φ log q + ∇_{θ,φ} f`.

mod common;

use common::{assert_close, central_differences, observed_data, random_snn};
use pp_core::CompensatorMethod;
use pp_core::{EventSequence, Parametric};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use vi_train::vi::{
    EstimatorWorkspace, GradientStep, HiddenSampleWorkspace, ObjectiveOptions, VariationalModel,
    add_regulariser, hard_densities, sample_hidden,
};

/// A complete sequence: observed spikes from `truth`, hidden spikes drawn from `q`.
fn full_sequence(model: &VariationalModel, obs: &EventSequence, seed: u64) -> EventSequence {
    let mut ws = HiddenSampleWorkspace::new(model.q()).unwrap();
    let mut full = EventSequence::empty(obs.window(), model.p().n_neurons()).unwrap();
    sample_hidden(
        model.q(),
        obs,
        &mut Xoshiro256PlusPlus::seed_from_u64(seed),
        &mut ws,
        &mut full,
    )
    .unwrap();
    full
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// ∂ log p(O, H; θ)/∂θ and ∂ log q(H; φ)/∂φ at a fixed hard sample, against central
    /// differences; Monte Carlo compensator (a smooth function of the parameters).
    #[test]
    fn hard_density_gradients_match_finite_differences(seed in 0u64..1000) {
        let truth = random_snn(2, 1, seed);
        let obs = observed_data(&truth, 12.0, 1, seed).remove(0);
        let model = VariationalModel::separate(random_snn(2, 1, seed + 1), random_snn(2, 1, seed + 2)).unwrap();
        let full = full_sequence(&model, &obs, seed);
        let comp = CompensatorMethod::monte_carlo(300, 9).unwrap();
        let mut ws = EstimatorWorkspace::new(&model).unwrap();
        let np = model.p().n_params();
        let (mut gp, mut gq) = (vec![0.0; np], vec![0.0; np]);
        hard_densities(&model, &full, &comp, &mut ws, Some(&mut gp), Some(&mut gq)).unwrap();
        let theta = model.p().params();
        let fd_p = central_differences(&theta, 1e-6, |x| {
            let mut m = model.clone();
            let mut all = x.to_vec();
            all.extend(model.q().params());
            m.set_params(&all).unwrap();
            hard_densities(&m, &full, &comp, &mut ws, None, None).unwrap().log_p
        });
        assert_close("d log p / d theta", &gp, &fd_p, 1e-6, 1e-6);
        let phi = model.q().params();
        let fd_q = central_differences(&phi, 1e-6, |x| {
            let mut m = model.clone();
            let mut all = theta.clone();
            all.extend_from_slice(x);
            m.set_params(&all).unwrap();
            hard_densities(&m, &full, &comp, &mut ws, None, None).unwrap().log_q
        });
        assert_close("d log q / d phi", &gq, &fd_q, 1e-6, 1e-6);
    }
}

/// The same check with the default quadrature compensator (its adaptive refinement makes the
/// value piecewise smooth at the 1e-10 level, hence the looser tolerance).
#[test]
fn hard_density_gradients_with_quadrature() {
    let truth = random_snn(2, 2, 3);
    let obs = observed_data(&truth, 15.0, 1, 3).remove(0);
    let model = VariationalModel::shared(random_snn(2, 2, 4)).unwrap();
    let full = full_sequence(&model, &obs, 4);
    let comp = CompensatorMethod::default();
    let mut ws = EstimatorWorkspace::new(&model).unwrap();
    let np = model.n_params();
    let (mut gp, mut gq) = (vec![0.0; np], vec![0.0; np]);
    let d = hard_densities(&model, &full, &comp, &mut ws, Some(&mut gp), Some(&mut gq)).unwrap();
    assert!(
        d.log_q > d.log_p,
        "log q is a part of log p (the observed part is negative here)"
    );
    let theta = model.params();
    let fd = central_differences(&theta, 1e-5, |x| {
        let mut m = model.clone();
        m.set_params(x).unwrap();
        let d = hard_densities(&m, &full, &comp, &mut ws, None, None).unwrap();
        d.log_p - d.log_q
    });
    let analytic: Vec<f64> = gp.iter().zip(&gq).map(|(a, b)| a - b).collect();
    assert_close("d(log p - log q)", &analytic, &fd, 1e-5, 1e-5);
}

/// `score_gradient_in` is `(f − b) ∇_φ log q + ∇f` + the regulariser at its sample, for shared
/// and separate q, and the M step is `∇_θ(−log p + log q)` + the regulariser.
#[test]
fn score_surrogate_is_assembled_from_its_definition() {
    let truth = random_snn(2, 2, 11);
    let obs = observed_data(&truth, 20.0, 1, 11).remove(0);
    for model in [
        VariationalModel::shared(random_snn(2, 2, 12)).unwrap(),
        VariationalModel::separate(random_snn(2, 2, 13), random_snn(2, 2, 14)).unwrap(),
    ] {
        let options = ObjectiveOptions {
            beta: 0.7,
            regularisation: 0.1,
            compensator: CompensatorMethod::default(),
            ..Default::default()
        };
        let mut ws = EstimatorWorkspace::new(&model).unwrap();
        let n = model.n_params();
        let np = model.p().n_params();
        let baseline = -3.5;
        let mut grad = vec![0.0; n];
        let v = GradientStep::ScoreE { baseline }
            .estimate(
                &model,
                &obs,
                &options,
                &mut Xoshiro256PlusPlus::seed_from_u64(5),
                &mut ws,
                &mut grad,
            )
            .unwrap();
        let full = ws.last_full_sequence().clone();
        assert!(
            full.marks().iter().any(|&m| m >= 2),
            "the sample has hidden spikes"
        );
        let (mut gp, mut gq) = (vec![0.0; np], vec![0.0; np]);
        let d = hard_densities(
            &model,
            &full,
            &CompensatorMethod::default(),
            &mut ws,
            Some(&mut gp),
            Some(&mut gq),
        )
        .unwrap();
        let f = -d.log_p + options.beta * d.log_q;
        assert!((v.f - f).abs() <= 1e-12 * f.abs());
        let mut expected = vec![0.0; n];
        for (i, gi) in model.q_range().enumerate() {
            expected[gi] += (f - baseline) * gq[i] + options.beta * gq[i];
        }
        for (i, gi) in model.p_range().enumerate() {
            expected[gi] -= gp[i];
        }
        add_regulariser(model.p(), 0.1, &mut expected[model.p_range()]);
        if !model.is_shared() {
            add_regulariser(model.q(), 0.1, &mut expected[model.q_range()]);
        }
        assert_close("score E step", &grad, &expected, 1e-12, 1e-9);

        let v = GradientStep::ScoreM
            .estimate(
                &model,
                &obs,
                &options,
                &mut Xoshiro256PlusPlus::seed_from_u64(6),
                &mut ws,
                &mut grad,
            )
            .unwrap();
        let full = ws.last_full_sequence().clone();
        let d = hard_densities(
            &model,
            &full,
            &CompensatorMethod::default(),
            &mut ws,
            Some(&mut gp),
            Some(&mut gq),
        )
        .unwrap();
        assert!((v.f - d.neg_elbo()).abs() <= 1e-12 * v.f.abs());
        let mut expected = vec![0.0; n];
        for i in 0..np {
            expected[i] = -gp[i] + if model.is_shared() { gq[i] } else { 0.0 };
        }
        add_regulariser(model.p(), 0.1, &mut expected[model.p_range()]);
        assert_close("score M step", &grad, &expected, 1e-12, 1e-9);
    }
}
