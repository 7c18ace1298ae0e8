//! The reverse sweep against central finite differences with the noise (candidate times and
//! Gumbel vectors) held fixed, on random small models.

mod common;

use approx::abs_diff_eq;
use common::{central_difference, random_linear};
use diffpp::{
    DiffPP, LinearSigmoidModel, Mode, ReverseWorkspace, gradient_fixed_sample,
    gradient_through_sample,
};
use pp_core::{Parametric, Window};
use proptest::prelude::*;
use rand::RngExt;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

fn with_params(model: &LinearSigmoidModel, p: &[f64]) -> LinearSigmoidModel {
    let mut m = model.clone();
    m.set_params(p).unwrap();
    m
}

const H_FD: f64 = 1e-6;
const TOL: f64 = 1e-5;

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Path-wise: F(θ) = β log q + Σ_k c_k · y_k with y_k = y_k(θ; noise), against central
    /// differences of F re-sampled with the same noise.
    #[test]
    fn pathwise_gradient_matches_finite_differences(
        seed in 0u64..10_000,
        h in 1usize..4,
        tau in 0.2f64..1.0,
        beta in -1.5f64..1.5,
    ) {
        let t1 = 4.0;
        let window = Window::new(0.0, t1).unwrap();
        let model = random_linear(seed, h, t1);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xabc);
        let noise = DiffPP::draw_noise(&model, window, &mut rng).unwrap();
        let dpp = DiffPP::new(window, Mode::soft(tau).unwrap());
        let trace = dpp.sample_with_noise(&model, &noise).unwrap();
        let c: Vec<f64> = (0..trace.y().len()).map(|_| 2.0 * rng.random::<f64>() - 1.0).collect();
        let f = |m: &LinearSigmoidModel| -> f64 {
            let t = dpp.sample_with_noise(m, &noise).unwrap();
            beta * t.log_q() + t.y().iter().zip(&c).map(|(a, b)| a * b).sum::<f64>()
        };
        let mut grad = vec![0.0; model.n_params()];
        gradient_through_sample(&model, &trace, beta, Some(&c), &mut grad, &mut ReverseWorkspace::new()).unwrap();
        let p = model.params();
        let mut max_abs: f64 = 0.0;
        for (i, &grad_i) in grad.iter().enumerate() {
            let fd = central_difference(|q| f(&with_params(&model, q)), &p, i, H_FD);
            max_abs = max_abs.max(fd.abs());
            prop_assert!(abs_diff_eq!(grad_i, fd, epsilon = TOL * (1.0 + fd.abs())), "param {} analytic {} fd {}", i, grad_i, fd);
        }
        prop_assume!(max_abs > 1e-3); // the case exercised a non-trivial gradient
    }

    /// Path-wise, log q alone: with the noise fixed, log q does not depend on θ at all (the
    /// ExpConcrete density at its own reparameterised sample is free of the logits), so both
    /// the analytic gradient and the finite differences vanish.
    #[test]
    fn pathwise_gradient_of_log_q_alone_vanishes(seed in 0u64..10_000, h in 1usize..4, tau in 0.2f64..1.0) {
        let t1 = 4.0;
        let window = Window::new(0.0, t1).unwrap();
        let model = random_linear(seed, h, t1);
        let noise = DiffPP::draw_noise(&model, window, &mut Xoshiro256PlusPlus::seed_from_u64(seed + 1)).unwrap();
        let dpp = DiffPP::new(window, Mode::soft(tau).unwrap());
        let trace = dpp.sample_with_noise(&model, &noise).unwrap();
        let mut grad = vec![0.0; model.n_params()];
        gradient_through_sample(&model, &trace, 1.0, None, &mut grad, &mut ReverseWorkspace::new()).unwrap();
        let p = model.params();
        for i in 0..p.len() {
            prop_assert!(grad[i].abs() < 1e-9, "analytic {} = {}", i, grad[i]);
            let (mut pp, mut pm) = (p.clone(), p.clone());
            pp[i] += 1e-4;
            pm[i] -= 1e-4;
            let fd = (dpp.sample_with_noise(&with_params(&model, &pp), &noise).unwrap().log_q()
                - dpp.sample_with_noise(&with_params(&model, &pm), &noise).unwrap().log_q()) / 2e-4;
            prop_assert!(fd.abs() < 1e-7, "fd {} = {}", i, fd);
        }
    }

    /// Marks held fixed: F(θ, y) = β log q(y; θ) + Σ c_k · y_k. ∂F/∂θ and the total ∂F/∂y_k
    /// (through d_k into later α's) against central differences of `evaluate`.
    #[test]
    fn fixed_sample_gradients_match_finite_differences(
        seed in 0u64..10_000,
        h in 1usize..4,
        tau in 0.2f64..1.0,
        beta in -1.5f64..1.5,
    ) {
        let t1 = 3.0;
        let window = Window::new(0.0, t1).unwrap();
        let model = random_linear(seed, h, t1);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5a5a);
        let dpp = DiffPP::new(window, Mode::soft(tau).unwrap());
        let sample = dpp.sample(&model, &mut rng).unwrap();
        // evaluate the realisation under a different model (as log p(H; θ) at a sample of q)
        let other = random_linear(seed + 17, h, t1);
        let trace = dpp.evaluate(&other, sample.times(), sample.y()).unwrap();
        let c: Vec<f64> = (0..trace.y().len()).map(|_| 2.0 * rng.random::<f64>() - 1.0).collect();
        let f = |m: &LinearSigmoidModel, y: &[f64]| -> f64 {
            let t = dpp.evaluate(m, sample.times(), y).unwrap();
            beta * t.log_q() + y.iter().zip(&c).map(|(a, b)| a * b).sum::<f64>()
        };
        let mut grad = vec![0.0; other.n_params()];
        let mut grad_y = vec![0.0; trace.y().len()];
        gradient_fixed_sample(&other, &trace, beta, Some(&c), &mut grad, Some(&mut grad_y), &mut ReverseWorkspace::new()).unwrap();
        let p = other.params();
        for (i, &grad_i) in grad.iter().enumerate() {
            let fd = central_difference(|q| f(&with_params(&other, q), sample.y()), &p, i, H_FD);
            prop_assert!(abs_diff_eq!(grad_i, fd, epsilon = TOL * (1.0 + fd.abs())), "param {} analytic {} fd {}", i, grad_i, fd);
        }
        // y: steps of 1e-7 keep the marks within the 1e-6 normalisation tolerance of evaluate
        let hy = 1e-7;
        for (i, &grad_y_i) in grad_y.iter().enumerate() {
            let fd = central_difference(|y| f(&other, y), sample.y(), i, hy);
            prop_assert!(abs_diff_eq!(grad_y_i, fd, epsilon = 1e-4 * (1.0 + fd.abs())), "y {} analytic {} fd {}", i, grad_y_i, fd);
        }
    }

    /// The variational use: F(φ) = −log p(H(φ); θ) + log q(H(φ); φ) with H(φ) sampled from q
    /// with fixed noise and p a different model. The adjoint of the marks from p's
    /// fixed-sample sweep (β = −1) feeds q's path-wise sweep.
    #[test]
    fn composed_elbo_style_gradient_matches_finite_differences(seed in 0u64..10_000, h in 1usize..4, tau in 0.2f64..1.0) {
        let t1 = 3.0;
        let window = Window::new(0.0, t1).unwrap();
        let q = random_linear(seed, h, t1);
        let p = random_linear(seed + 999, h, t1);
        let noise = DiffPP::draw_noise(&q, window, &mut Xoshiro256PlusPlus::seed_from_u64(seed + 3)).unwrap();
        let dpp = DiffPP::new(window, Mode::soft(tau).unwrap());
        let f = |qm: &LinearSigmoidModel| -> f64 {
            let s = dpp.sample_with_noise(qm, &noise).unwrap();
            let e = dpp.evaluate(&p, s.times(), s.y()).unwrap();
            -e.log_q() + s.log_q()
        };
        let s = dpp.sample_with_noise(&q, &noise).unwrap();
        let e = dpp.evaluate(&p, s.times(), s.y()).unwrap();
        let mut ws = ReverseWorkspace::new();
        let mut gp = vec![0.0; p.n_params()];
        let mut dl_dy = vec![0.0; s.y().len()];
        gradient_fixed_sample(&p, &e, -1.0, None, &mut gp, Some(&mut dl_dy), &mut ws).unwrap();
        let mut grad = vec![0.0; q.n_params()];
        gradient_through_sample(&q, &s, 1.0, Some(&dl_dy), &mut grad, &mut ws).unwrap();
        let params = q.params();
        for (i, &grad_i) in grad.iter().enumerate() {
            let fd = central_difference(|x| f(&with_params(&q, x)), &params, i, H_FD);
            prop_assert!(abs_diff_eq!(grad_i, fd, epsilon = TOL * (1.0 + fd.abs())), "param {} analytic {} fd {}", i, grad_i, fd);
        }
    }

    /// Hard mode: the categories are piecewise constant in θ, so the gradient of the hard
    /// log q is the score Σ_k ∂α_k[c_k]/∂θ; against central differences (cases where a step
    /// flips a category are discarded, which has probability ~0).
    #[test]
    fn hard_log_q_score_matches_finite_differences(seed in 0u64..10_000, h in 1usize..4) {
        let t1 = 4.0;
        let window = Window::new(0.0, t1).unwrap();
        let model = random_linear(seed, h, t1);
        let noise = DiffPP::draw_noise(&model, window, &mut Xoshiro256PlusPlus::seed_from_u64(seed + 5)).unwrap();
        let dpp = DiffPP::new(window, Mode::Hard);
        let trace = dpp.sample_with_noise(&model, &noise).unwrap();
        let mut grad = vec![0.0; model.n_params()];
        gradient_through_sample(&model, &trace, 1.0, None, &mut grad, &mut ReverseWorkspace::new()).unwrap();
        let mut grad2 = vec![0.0; model.n_params()];
        gradient_fixed_sample(&model, &trace, 1.0, None, &mut grad2, None, &mut ReverseWorkspace::new()).unwrap();
        prop_assert_eq!(&grad, &grad2);
        let p = model.params();
        for i in 0..p.len() {
            let (mut pp, mut pm) = (p.clone(), p.clone());
            pp[i] += H_FD;
            pm[i] -= H_FD;
            let tp = dpp.sample_with_noise(&with_params(&model, &pp), &noise).unwrap();
            let tm = dpp.sample_with_noise(&with_params(&model, &pm), &noise).unwrap();
            prop_assume!(tp.categories() == trace.categories() && tm.categories() == trace.categories());
            let fd = (tp.log_q() - tm.log_q()) / (2.0 * H_FD);
            prop_assert!(abs_diff_eq!(grad[i], fd, epsilon = TOL * (1.0 + fd.abs())), "param {} analytic {} fd {}", i, grad[i], fd);
        }
    }
}

#[test]
fn reverse_rejects_mismatched_input() {
    use diffpp::DiffppError;
    let window = Window::new(0.0, 2.0).unwrap();
    let model = random_linear(1, 2, 2.0);
    let soft = DiffPP::new(window, Mode::soft(0.5).unwrap())
        .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(1))
        .unwrap();
    let mut ws = ReverseWorkspace::new();
    let mut short = vec![0.0; model.n_params() - 1];
    assert!(matches!(
        gradient_through_sample(&model, &soft, 1.0, None, &mut short, &mut ws),
        Err(DiffppError::LengthMismatch { .. })
    ));
    let mut grad = vec![0.0; model.n_params()];
    let bad = vec![f64::NAN; soft.y().len()];
    assert!(matches!(
        gradient_through_sample(&model, &soft, 1.0, Some(&bad), &mut grad, &mut ws),
        Err(DiffppError::NonFinite { .. })
    ));
    let three = random_linear(1, 3, 2.0);
    let mut g3 = vec![0.0; three.n_params()];
    assert!(gradient_through_sample(&three, &soft, 1.0, None, &mut g3, &mut ws).is_err());
    let hard = DiffPP::new(window, Mode::Hard)
        .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(1))
        .unwrap();
    let zeros = vec![0.0; hard.y().len()];
    assert!(matches!(
        gradient_through_sample(&model, &hard, 1.0, Some(&zeros), &mut grad, &mut ws),
        Err(DiffppError::ModeMismatch { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The reference model's own VJP (parameters and soft weights of the history) against
    /// central differences of `adjoint · log λ(s)`, on a random soft history.
    #[test]
    fn reference_model_vjp_matches_finite_differences(seed in 0u64..10_000, h in 1usize..4) {
        use diffpp::{SoftHiddenIntensity, SoftEvents};
        let t1 = 4.0;
        let model = random_linear(seed, h, t1);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed + 7);
        let n_ev = 6;
        let mut times: Vec<f64> = (0..n_ev).map(|_| t1 * rng.random::<f64>()).collect();
        times.sort_by(f64::total_cmp);
        let s = t1 + 0.3;
        let weights: Vec<f64> = (0..n_ev * h).map(|_| rng.random::<f64>() / h as f64).collect();
        let adjoint: Vec<f64> = (0..h).map(|_| 2.0 * rng.random::<f64>() - 1.0).collect();
        let value = |m: &LinearSigmoidModel, w: &[f64]| -> f64 {
            let mut out = vec![0.0; h];
            m.hidden_log_intensities(s, SoftEvents::new(&times, w, h).unwrap(), &mut out);
            out.iter().zip(&adjoint).map(|(a, b)| a * b).sum()
        };
        let mut gp = vec![0.0; model.n_params()];
        let mut gw = vec![0.0; weights.len()];
        model.hidden_log_intensities_vjp(s, SoftEvents::new(&times, &weights, h).unwrap(), &adjoint, &mut gp, &mut gw);
        let p = model.params();
        for (i, &gp_i) in gp.iter().enumerate() {
            let fd = central_difference(|q| value(&with_params(&model, q), &weights), &p, i, H_FD);
            prop_assert!(abs_diff_eq!(gp_i, fd, epsilon = TOL * (1.0 + fd.abs())), "param {} analytic {} fd {}", i, gp_i, fd);
        }
        for (i, &gw_i) in gw.iter().enumerate() {
            let fd = central_difference(|w| value(&model, w), &weights, i, H_FD);
            prop_assert!(abs_diff_eq!(gw_i, fd, epsilon = TOL * (1.0 + fd.abs())), "weight {} analytic {} fd {}", i, gw_i, fd);
        }
    }
}
