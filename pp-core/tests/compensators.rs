//! Log-likelihood identities: Poisson closed form, quadrature against closed forms (Poisson
//! and Hawkes, D = 1..4), Monte Carlo unbiasedness.

mod common;

use approx::assert_relative_eq;
use common::{arb_hawkes, arb_sequence, central_difference, simulate_hawkes};
use pp_core::{
    ClosedForm, Compensator, EventSequence, ExpHawkes, InhomogeneousPoisson, LogLikelihood,
    LogLikelihoodGradient, MonteCarlo, Parametric, Poisson, Quadrature, Window,
    event_log_intensity_sum, log_likelihood,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Poisson rates in [0.01, 50], one per dimension of the sequence.
fn arb_poisson_and_sequence() -> impl Strategy<Value = (Poisson, EventSequence)> {
    arb_sequence(1..=4, 80).prop_flat_map(|seq| {
        prop::collection::vec(0.01..50.0f64, seq.dim())
            .prop_map(move |rates| (Poisson::new(rates).unwrap(), seq.clone()))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `log p = Σ_i (n_i log μ_i − μ_i (T1 − T0))`, computed here by hand, equals the model's
    /// own log-likelihood, the generic (1.1) with the closed-form compensator and with
    /// quadrature (the terms are the same; relative 1e-12).
    #[test]
    fn poisson_log_likelihood_is_its_closed_form((model, seq) in arb_poisson_and_sequence()) {
        let duration = seq.window().duration();
        let counts = seq.counts();
        let exact: f64 = model.rates().iter().zip(&counts)
            .map(|(&mu, &n)| n as f64 * mu.ln() - mu * duration)
            .sum();
        let scale: f64 = model.rates().iter().zip(&counts)
            .map(|(&mu, &n)| n as f64 * mu.ln().abs() + mu * duration)
            .sum::<f64>() + 1e-300;
        for value in [
            model.log_likelihood(&seq)?,
            log_likelihood(&model, &seq, &ClosedForm)?,
            log_likelihood(&model, &seq, &Quadrature::default())?,
        ] {
            prop_assert!((value - exact).abs() <= 1e-12 * scale, "{value} vs {exact}");
        }
    }

    /// The Poisson gradient `n_i/μ_i − T` equals central finite differences (h = 1e-4 μ;
    /// the log-likelihood's fifth derivative is 24 n/μ⁵, so the truncation error is below
    /// 1e-15·n/μ; tolerance 1e-8 relative plus rounding 1.5·64ε·scale/h).
    #[test]
    fn poisson_gradient_equals_finite_differences((model, seq) in arb_poisson_and_sequence()) {
        let mut grad = vec![0.0; model.n_params()];
        let value = model.log_likelihood_gradient(&seq, &mut grad)?;
        let theta = model.params();
        for k in 0..theta.len() {
            let h = 1e-4 * theta[k];
            let f = |x: f64| {
                let mut p = theta.clone();
                p[k] = x;
                Poisson::new(p).unwrap().log_likelihood(&seq).unwrap()
            };
            let fd = central_difference(f, theta[k], h);
            let tol = 1e-8 * (1.0 + grad[k].abs())
                + 1.5 * 64.0 * f64::EPSILON * (1.0 + value.abs() + seq.len() as f64) / h;
            prop_assert!((grad[k] - fd).abs() <= tol, "{k}: {} vs {fd}", grad[k]);
        }
    }

    /// Adaptive Gauss–Legendre equals the closed-form compensator of a Poisson process, for
    /// every dimension and random sub-intervals [a, b], to 1e-10 relative.
    #[test]
    fn quadrature_equals_closed_form_poisson(
        (model, seq) in arb_poisson_and_sequence(),
        (u, v) in (0.0..1.0f64, 0.0..1.0f64),
    ) {
        let w = seq.window();
        let (a, b) = (w.t0() + u.min(v) * w.duration(), w.t0() + u.max(v) * w.duration());
        assert_integrals_agree(&model, &seq, a, b)?;
        assert_integrals_agree(&model, &seq, w.t0(), w.t1())?;
    }

    /// Adaptive Gauss–Legendre equals the closed-form Hawkes compensator (D = 1..4, random
    /// sequences with up to 40 events, random sub-intervals), to 1e-10 relative per dimension.
    #[test]
    fn quadrature_equals_closed_form_hawkes(
        (model, seq) in (1usize..=4).prop_flat_map(|d| (arb_hawkes(d), arb_sequence(d..=d, 40))),
        (u, v) in (0.0..1.0f64, 0.0..1.0f64),
    ) {
        let w = seq.window();
        let (a, b) = (w.t0() + u.min(v) * w.duration(), w.t0() + u.max(v) * w.duration());
        assert_integrals_agree(&model, &seq, a, b)?;
        assert_integrals_agree(&model, &seq, w.t0(), w.t1())?;
        let exact = log_likelihood(&model, &seq, &ClosedForm)?;
        let quad = log_likelihood(&model, &seq, &Quadrature::default())?;
        let events = event_log_intensity_sum(&model, &seq)?;
        prop_assert!((exact - quad).abs() <= 1e-10 * (exact - events).abs(), "{exact} vs {quad}");
    }
}

/// `Quadrature` and `ClosedForm` agree on `[a, b]` for each dimension, to 1e-10 relative
/// (plus 1e-300 absolute for an empty interval).
fn assert_integrals_agree<M>(
    model: &M,
    seq: &EventSequence,
    a: f64,
    b: f64,
) -> Result<(), TestCaseError>
where
    M: pp_core::CumulativeIntensity,
{
    let d = model.dim();
    let mut exact = vec![0.0; d];
    let mut quad = vec![0.0; d];
    ClosedForm.integrate(model, seq, a, b, &mut exact)?;
    Quadrature::default().integrate(model, seq, a, b, &mut quad)?;
    for i in 0..d {
        prop_assert!(
            (exact[i] - quad[i]).abs() <= 1e-10 * exact[i].abs() + 1e-300,
            "dimension {i} on [{a}, {b}]: closed form {} vs quadrature {}",
            exact[i],
            quad[i]
        );
    }
    Ok(())
}

/// A tighter quadrature tolerance reaches a smooth non-polynomial integral to ~1e-14.
#[test]
fn quadrature_of_a_smooth_rate_with_a_declared_jump() {
    let rate = |t: f64, out: &mut [f64]| {
        out[0] = (0.5 * t).exp();
        out[1] = if t < 2.0 { 1.0 } else { 3.0 + (3.0 * t).sin() };
    };
    let model = InhomogeneousPoisson::new(2, rate)
        .unwrap()
        .with_breakpoints(vec![2.0]);
    let seq = EventSequence::new(
        Window::new(0.0, 5.0).unwrap(),
        2,
        vec![1.0, 3.0],
        vec![0, 1],
    )
    .unwrap();
    let mut out = [0.0; 2];
    Quadrature::default()
        .integrate(&model, &seq, 0.0, 5.0, &mut out)
        .unwrap();
    assert_relative_eq!(out[0], 2.0 * (2.5f64.exp() - 1.0), max_relative = 1e-13);
    let second = 2.0 + 9.0 + ((6.0f64).cos() - (15.0f64).cos()) / 3.0;
    assert_relative_eq!(out[1], second, max_relative = 1e-13);
}

/// The Monte Carlo compensator is unbiased: over 400 seeds, the mean of the estimates of
/// `Σ_i Λ_i` for a simulated Hawkes sequence (D = 2) is within 4 standard errors of the
/// closed form (a false failure has probability about 6e-5 under the normal approximation,
/// which holds well for a mean of 400 bounded draws; the seeds are fixed, so the outcome is
/// deterministic). The standard error is estimated from the same 400 draws and must be
/// positive: the estimator is noisy for a Hawkes intensity.
#[test]
fn monte_carlo_compensator_is_unbiased_for_hawkes() {
    let model = ExpHawkes::new(vec![0.4, 0.3], vec![0.4, 0.2, 0.3, 0.3], 3.0).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let seq = simulate_hawkes(&model, Window::new(0.0, 50.0).unwrap(), &mut rng);
    assert!(seq.len() > 30, "{} events", seq.len());
    let exact = ClosedForm.total(&model, &seq).unwrap();
    let draws: Vec<f64> = (0..400u64)
        .map(|seed| {
            MonteCarlo::new(50, seed)
                .unwrap()
                .total(&model, &seq)
                .unwrap()
        })
        .collect();
    let n = draws.len() as f64;
    let mean = draws.iter().sum::<f64>() / n;
    let var = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let se = (var / n).sqrt();
    assert!(
        se > 1e-3 * exact,
        "degenerate Monte Carlo spread: se = {se}"
    );
    assert!(
        (mean - exact).abs() < 4.0 * se,
        "mean {mean} vs exact {exact}, standard error {se}"
    );
    // And the same seed gives the same estimate.
    let again = MonteCarlo::new(50, 17)
        .unwrap()
        .total(&model, &seq)
        .unwrap();
    assert_eq!(again, draws[17]);
}
