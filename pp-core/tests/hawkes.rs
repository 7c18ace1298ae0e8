//! Exponential Hawkes: recursive log-likelihood against the naive O(n²) sum, the exact gradient
//! against finite differences, parameters, stationary rates, fast rescaling, and thinning
//! simulations checked by time rescaling.

mod common;

use approx::assert_relative_eq;
use common::{arb_hawkes, arb_sequence, central_difference, simulate_hawkes};
use pp_core::{
    ClosedForm, EventSequence, ExpHawkes, Intensity, LogLikelihood, LogLikelihoodGradient,
    Parametric, PpError, Quadrature, Window, log_likelihood, time_rescale,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A model and a sequence of the same dimension, `D = 1..=4`, up to 60 events.
fn arb_model_and_sequence() -> impl Strategy<Value = (ExpHawkes, EventSequence)> {
    (1usize..=4).prop_flat_map(|d| (arb_hawkes(d), arb_sequence(d..=d, 60)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The O(n·D) recursion equals the direct evaluation of (1.1): every event's intensity
    /// summed over its whole history (O(n²·D)) minus the closed-form compensator evaluated
    /// term by term. Both are sums of the same O(n) terms in a different order, so they agree
    /// to rounding: relative 1e-12 of the sum of magnitudes.
    #[test]
    fn recursive_log_likelihood_equals_naive((model, seq) in arb_model_and_sequence()) {
        let fast = model.log_likelihood(&seq)?;
        let naive = log_likelihood(&model, &seq, &ClosedForm)?;
        let scale = 1.0 + ClosedForm_total(&model, &seq) + seq.len() as f64 * 5.0;
        prop_assert!((fast - naive).abs() <= 1e-12 * scale, "fast {fast} naive {naive}");
        // the gradient routine returns the same value
        let mut grad = vec![0.0; model.n_params()];
        let value = model.log_likelihood_gradient(&seq, &mut grad)?;
        prop_assert!((value - fast).abs() <= 1e-12 * scale, "value {value} fast {fast}");
    }

    /// Every coordinate of the exact gradient equals a fourth-order central difference of the
    /// log-likelihood, step `h = 1e-3·θ_k` (relative, so `α ≥ 0.05` stays inside its domain
    /// at `θ − 2h`).
    ///
    /// Tolerance: truncation `h⁴|f⁽⁵⁾|/30` is below 1e-9 for these ranges (`μ, α ≥ 0.05`,
    /// `β ≥ 0.3`, gaps ≤ 20, n ≤ 60), and rounding contributes at most `1.5·δ/h` with
    /// `δ = 64·ε·(1 + n + |ℓ| + Λ)` the error of one evaluation; we allow
    /// `1e-7·(1 + |g|) + 1.5·δ/h`. A wrong term in the gradient is off by O(1)·|g|.
    #[test]
    fn gradient_equals_finite_differences((model, seq) in arb_model_and_sequence()) {
        let mut grad = vec![0.0; model.n_params()];
        let value = model.log_likelihood_gradient(&seq, &mut grad)?;
        let theta = model.params();
        let delta = 64.0 * f64::EPSILON
            * (1.0 + seq.len() as f64 + value.abs() + ClosedForm_total(&model, &seq));
        for k in 0..theta.len() {
            let h = 1e-3 * theta[k];
            let f = |x: f64| {
                let mut p = theta.clone();
                p[k] = x;
                let mut m = model.clone();
                m.set_params(&p).unwrap();
                m.log_likelihood(&seq).unwrap()
            };
            let fd = central_difference(f, theta[k], h);
            let tol = 1e-7 * (1.0 + grad[k].abs()) + 1.5 * delta / h;
            prop_assert!(
                (grad[k] - fd).abs() <= tol,
                "coordinate {k}: analytic {} vs finite difference {fd} (tol {tol})", grad[k]
            );
        }
    }

    /// The O(n·D) rescaling equals the generic one with the closed-form compensator.
    #[test]
    fn fast_rescaling_equals_generic((model, seq) in arb_model_and_sequence()) {
        let fast = model.time_rescale(&seq)?;
        let slow = time_rescale(&model, &seq, &ClosedForm)?;
        prop_assert_eq!(fast.dim(), slow.dim());
        for i in 0..fast.dim() {
            prop_assert_eq!(fast.intervals(i).len(), slow.intervals(i).len());
            for (a, b) in fast.intervals(i).iter().zip(slow.intervals(i)) {
                prop_assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
    }

    /// `set_params(params())` is the identity, and `params` follows the documented order.
    #[test]
    fn params_round_trip(model in (1usize..=4).prop_flat_map(arb_hawkes)) {
        let p = model.params();
        let d = model.dim();
        prop_assert_eq!(p.len(), d + d * d + 1);
        prop_assert_eq!(&p[..d], model.mu());
        prop_assert_eq!(&p[d..d + d * d], model.alpha());
        prop_assert_eq!(p[d + d * d], model.beta());
        let mut m = model.clone();
        m.set_params(&p)?;
        prop_assert_eq!(m, model);
    }
}

/// `Σ_i Λ_i` by the closed form (a scale for tolerances).
#[allow(non_snake_case)]
fn ClosedForm_total(model: &ExpHawkes, seq: &EventSequence) -> f64 {
    use pp_core::Compensator;
    ClosedForm.total(model, seq).unwrap()
}

#[test]
fn log_likelihood_of_a_hand_computed_case() {
    // D = 1, μ = 0.5, α = 0.5, β = 2, events at 1 and 2 on [0, 3].
    let model = ExpHawkes::new(vec![0.5], vec![0.5], 2.0).unwrap();
    let seq = EventSequence::new(
        Window::new(0.0, 3.0).unwrap(),
        1,
        vec![1.0, 2.0],
        vec![0, 0],
    )
    .unwrap();
    let l2 = 0.5 + 0.5 * 2.0 * (-2.0f64).exp();
    let comp = 1.5 + 0.5 * (1.0 - (-4.0f64).exp()) + 0.5 * (1.0 - (-2.0f64).exp());
    let exact = 0.5f64.ln() + l2.ln() - comp;
    assert_relative_eq!(
        model.log_likelihood(&seq).unwrap(),
        exact,
        max_relative = 1e-14
    );
}

#[test]
fn empty_sequence_log_likelihood_and_gradient() {
    let model = ExpHawkes::new(vec![0.5, 1.0], vec![0.1, 0.2, 0.3, 0.4], 2.0).unwrap();
    let seq = EventSequence::empty(Window::new(1.0, 4.0).unwrap(), 2).unwrap();
    assert_relative_eq!(
        model.log_likelihood(&seq).unwrap(),
        -4.5,
        max_relative = 1e-15
    );
    let mut grad = vec![1.0; 7];
    let v = model.log_likelihood_gradient(&seq, &mut grad).unwrap();
    assert_relative_eq!(v, -4.5, max_relative = 1e-15);
    assert_eq!(grad, vec![-3.0, -3.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
}

#[test]
fn gradient_checks_its_buffer_and_dimension() {
    let model = ExpHawkes::new(vec![0.5], vec![0.1], 2.0).unwrap();
    let seq = EventSequence::empty(Window::new(0.0, 1.0).unwrap(), 1).unwrap();
    let mut short = vec![0.0; 2];
    assert!(matches!(
        model.log_likelihood_gradient(&seq, &mut short),
        Err(PpError::LengthMismatch {
            expected: 3,
            found: 2,
            ..
        })
    ));
    let seq2 = EventSequence::empty(Window::new(0.0, 1.0).unwrap(), 2).unwrap();
    let mut grad = vec![0.0; 3];
    assert!(matches!(
        model.log_likelihood_gradient(&seq2, &mut grad),
        Err(PpError::DimensionMismatch {
            expected: 1,
            found: 2,
            ..
        })
    ));
    assert!(matches!(
        model.log_likelihood(&seq2),
        Err(PpError::DimensionMismatch { .. })
    ));
}

#[test]
fn quadrature_agrees_on_a_long_simulated_sequence() {
    let model = ExpHawkes::new(vec![0.4, 0.2], vec![0.3, 0.2, 0.1, 0.4], 1.5).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let seq = simulate_hawkes(&model, Window::new(0.0, 200.0).unwrap(), &mut rng);
    assert!(seq.len() > 100, "{} events", seq.len());
    let exact = model.log_likelihood(&seq).unwrap();
    let quad = log_likelihood(&model, &seq, &Quadrature::default()).unwrap();
    assert_relative_eq!(exact, quad, max_relative = 1e-10);
}

#[test]
fn stationary_rates_solve_the_linear_system() {
    let alpha = vec![0.2, 0.3, 0.1, 0.4];
    let model = ExpHawkes::new(vec![1.0, 2.0], alpha.clone(), 1.0).unwrap();
    let rates = model.stationary_rates().unwrap();
    // (I − α) Λ = μ
    for i in 0..2 {
        let lhs = rates[i] - alpha[i * 2] * rates[0] - alpha[i * 2 + 1] * rates[1];
        assert_relative_eq!(lhs, model.mu()[i], max_relative = 1e-13);
    }
    // ρ of [[0.2, 0.3], [0.1, 0.4]]: (0.6 + sqrt(0.04 + 0.12)) / 2 = 0.5
    assert_relative_eq!(model.spectral_radius().unwrap(), 0.5, max_relative = 1e-12);
    let critical = ExpHawkes::new(vec![1.0, 1.0], vec![0.5, 0.5, 0.5, 0.5], 1.0).unwrap();
    assert!(matches!(
        critical.stationary_rates(),
        Err(PpError::NotStationary { spectral_radius }) if (spectral_radius - 1.0).abs() < 1e-12
    ));
    // A rotation-like (complex eigenvalue) case: ρ = |eigenvalue| of [[0, 0.9],[0.9, 0]] = 0.9
    let two_cycle = ExpHawkes::new(vec![1.0, 1.0], vec![0.0, 0.9, 0.9, 0.0], 1.0).unwrap();
    assert_relative_eq!(
        two_cycle.spectral_radius().unwrap(),
        0.9,
        max_relative = 1e-12
    );
    assert_relative_eq!(
        two_cycle.stationary_rates().unwrap()[0],
        10.0,
        max_relative = 1e-12
    );
}

/// Ogata thinning of an exponential Hawkes process (D = 2), checked by the time-rescaling
/// theorem: each dimension's rescaled intervals pass the KS test at alpha = 1e-3 (false
/// failure rate 1e-3 per dimension if the sampler and the rescaling are right; the seed is
/// fixed, so the outcome is deterministic), and a model with a wrong β (4× too slow decay)
/// is rejected.
#[test]
fn simulated_hawkes_passes_ks_and_wrong_model_fails() {
    let model = ExpHawkes::new(vec![0.5, 0.3], vec![0.3, 0.2, 0.25, 0.35], 2.0).unwrap();
    let window = Window::new(0.0, 3000.0).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let seq = simulate_hawkes(&model, window, &mut rng);
    let rescaled = model.time_rescale(&seq).unwrap();
    for i in 0..2 {
        let ks = rescaled.ks_test(i).unwrap();
        assert!(ks.n > 1000, "dimension {i}: only {} events", ks.n);
        assert!(!ks.rejects(1e-3), "dimension {i}: {ks:?}");
    }
    let wrong = ExpHawkes::new(vec![0.5, 0.3], vec![0.3, 0.2, 0.25, 0.35], 0.5).unwrap();
    let rescaled_wrong = wrong.time_rescale(&seq).unwrap();
    assert!(rescaled_wrong.ks_test_pooled().unwrap().rejects(1e-3));
    // Counts match the stationary rates: Λ T, within 5 standard deviations of the count,
    // whose variance for a Hawkes process is T·[(I−α)^{-1} diag(Λ) (I−α)^{-T}]_{ii}
    // (over-dispersed, Bartlett spectrum at 0). The start from an empty history biases the
    // count by O(1), negligible here.
    let rates = model.stationary_rates().unwrap();
    let counts = seq.counts();
    let inv = invert_2x2([1.0 - 0.3, -0.2, -0.25, 1.0 - 0.35]);
    for i in 0..2 {
        let var_rate: f64 = (0..2)
            .map(|k| inv[i * 2 + k] * inv[i * 2 + k] * rates[k])
            .sum();
        let sd = (var_rate * window.duration()).sqrt();
        let expected = rates[i] * window.duration();
        assert!(
            (counts[i] as f64 - expected).abs() < 5.0 * sd,
            "dimension {i}: {} events, expected {expected} ± {sd}",
            counts[i]
        );
    }
}

fn invert_2x2(m: [f64; 4]) -> [f64; 4] {
    let det = m[0] * m[3] - m[1] * m[2];
    [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det]
}

/// D = 10 (the benchmark's size) on a simulated sequence: value against the naive sum and the
/// whole gradient against fourth-order central differences (tolerance as in the proptest).
#[test]
fn ten_dimensions_value_and_gradient() {
    let d = 10;
    let mu: Vec<f64> = (0..d).map(|i| 0.1 + 0.02 * i as f64).collect();
    let alpha: Vec<f64> = (0..d * d)
        .map(|k| 0.02 + 0.05 * ((k * 7) % 11) as f64 / 11.0)
        .collect();
    let model = ExpHawkes::new(mu, alpha, 1.3).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let seq = simulate_hawkes(&model, Window::new(0.0, 60.0).unwrap(), &mut rng);
    assert!(seq.len() > 100, "{} events", seq.len());
    let fast = model.log_likelihood(&seq).unwrap();
    let naive = log_likelihood(&model, &seq, &ClosedForm).unwrap();
    assert_relative_eq!(fast, naive, max_relative = 1e-12);
    let mut grad = vec![0.0; model.n_params()];
    let value = model.log_likelihood_gradient(&seq, &mut grad).unwrap();
    assert_relative_eq!(value, fast, max_relative = 1e-12);
    let theta = model.params();
    let delta = 64.0
        * f64::EPSILON
        * (1.0 + seq.len() as f64 + value.abs() + ClosedForm_total(&model, &seq));
    for k in 0..theta.len() {
        let h = 1e-3 * theta[k];
        let f = |x: f64| {
            let mut p = theta.clone();
            p[k] = x;
            let mut m = model.clone();
            m.set_params(&p).unwrap();
            m.log_likelihood(&seq).unwrap()
        };
        let fd = central_difference(f, theta[k], h);
        let tol = 1e-7 * (1.0 + grad[k].abs()) + 1.5 * delta / h;
        assert!((grad[k] - fd).abs() <= tol, "{k}: {} vs {fd}", grad[k]);
    }
}
