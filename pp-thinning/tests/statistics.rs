//! Statistical checks that the sampler is exact: Poisson counts, exp-Hawkes stationary rates,
//! and time-rescaling + Kolmogorov–Smirnov (pp-core's `time_rescale` and `ks_test_pooled`) on
//! Hawkes and inhomogeneous Poisson sequences.
//!
//! Every test uses a fixed seed. Thresholds and their false-failure rates (the probability that
//! an exact sampler fails the check for a random seed) are stated beside each assertion.

use pp_core::{
    ClosedForm, ExpHawkes, History, InhomogeneousPoisson, Poisson, Quadrature, RescaledIntervals,
    Window, time_rescale,
};
use pp_thinning::{BoundSpec, Bounded, FnBound, GlobalBound, Thinning};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::ops::ControlFlow;

/// KS significance level: a correct model fails with probability 1e-3 per test.
const KS_ALPHA: f64 = 1e-3;

/// p-value of pp-core's KS test of the pooled rescaled intervals against Exp(1).
fn ks_p(rescaled: pp_core::Result<RescaledIntervals>) -> f64 {
    let ks = rescaled.unwrap().ks_test_pooled().unwrap();
    assert!(
        ks.n >= 500,
        "too few rescaled intervals for a powerful test ({})",
        ks.n
    );
    ks.p_value
}

#[test]
fn poisson_counts_have_the_right_mean_and_variance() {
    let rates = [1.5, 0.5];
    let t = 10.0;
    let n = 2000;
    let sampler = Thinning::new(
        Poisson::new(rates.to_vec()).unwrap(),
        Window::new(0.0, t).unwrap(),
    )
    .unwrap();
    let samples = sampler.sample_many(20240601, n).unwrap();
    for (i, &rate) in rates.iter().enumerate() {
        let counts: Vec<f64> = samples
            .iter()
            .map(|s| s.sequence.counts()[i] as f64)
            .collect();
        let mean = counts.iter().sum::<f64>() / n as f64;
        let var = counts.iter().map(|c| (c - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let mu = rate * t;
        // Mean count within 4.5 standard errors (two-sided false failure ≈ 7e-6 per dimension).
        let se = (mu / n as f64).sqrt();
        assert!(
            (mean - mu).abs() < 4.5 * se,
            "dim {i}: mean count {mean}, expected {mu} ± {se}"
        );
        // Poisson dispersion: sample variance within 5 of its standard deviations of μ,
        // Var(s²) ≈ (μ + 2μ²)/n for Poisson counts (false failure ≈ 6e-7).
        let sd_var = ((mu + 2.0 * mu * mu) / n as f64).sqrt();
        assert!(
            (var - mu).abs() < 5.0 * sd_var,
            "dim {i}: variance {var}, expected {mu} ± {sd_var}"
        );
    }
    // Every candidate of the exact bound Σμ is accepted.
    assert!(
        samples
            .iter()
            .all(|s| s.stats.acceptance_rate().is_none_or(|r| r == 1.0))
    );
}

#[test]
fn poisson_long_run_rate_and_rescaled_intervals() {
    let rates = vec![2.0, 0.7, 0.3];
    let t = 2000.0;
    let sampler = Thinning::new(
        Poisson::new(rates.clone()).unwrap(),
        Window::new(0.0, t).unwrap(),
    )
    .unwrap();
    let sample = sampler
        .sample(&mut Xoshiro256PlusPlus::seed_from_u64(5))
        .unwrap();
    for (i, &r) in rates.iter().enumerate() {
        let n = sample.sequence.counts()[i] as f64;
        // Count within 4.5 standard deviations sqrt(rT) (false failure ≈ 7e-6).
        assert!(
            (n - r * t).abs() < 4.5 * (r * t).sqrt(),
            "dim {i}: {n} events, rate {r}"
        );
    }
    let model = Poisson::new(rates.clone()).unwrap();
    let p = ks_p(time_rescale(&model, &sample.sequence, &ClosedForm));
    eprintln!("KS p-value: {p:e}");
    assert!(p > KS_ALPHA, "KS p-value {p}");
}

/// Inverse of a 2 × 2 matrix (row major).
fn inv2(m: [f64; 4]) -> [f64; 4] {
    let det = m[0] * m[3] - m[1] * m[2];
    [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det]
}

#[test]
fn exp_hawkes_stationary_rate_matches_theory() {
    // α has eigenvalues 0.5 and 0.2 (spectral radius 0.5 < 1): stationary.
    let mu = [0.5, 0.3];
    let alpha = [0.3, 0.2, 0.1, 0.4];
    let model = ExpHawkes::new(mu.to_vec(), alpha.to_vec(), 2.0).unwrap();
    let t = 2.0e5;
    let sampler = Thinning::new(model, Window::new(0.0, t).unwrap()).unwrap();
    // Streaming: counts only, nothing stored.
    let mut counts = [0u64; 2];
    let mut ws = sampler.workspace();
    let stats = sampler
        .sample_with(&mut Xoshiro256PlusPlus::seed_from_u64(77), &mut ws, |e| {
            counts[e.mark as usize] += 1;
            ControlFlow::Continue(())
        })
        .unwrap();
    assert_eq!(counts[0] + counts[1], stats.accepted);

    // Theory: Λ = (I − α)^{-1} μ; asymptotic covariance of N(T)/T is
    // (I − α)^{-1} diag(Λ) (I − α)^{-T} / T (Hawkes 1971; Bacry et al. 2013).
    let b = inv2([1.0 - alpha[0], -alpha[1], -alpha[2], 1.0 - alpha[3]]);
    let lam = [b[0] * mu[0] + b[1] * mu[1], b[2] * mu[0] + b[3] * mu[1]];
    assert!((lam[0] - 0.9).abs() < 1e-12 && (lam[1] - 0.65).abs() < 1e-12);
    for i in 0..2 {
        let var = (b[i * 2] * b[i * 2] * lam[0] + b[i * 2 + 1] * b[i * 2 + 1] * lam[1]) / t;
        let rate = counts[i] as f64 / t;
        // Within 5 asymptotic standard errors (false failure ≈ 6e-7 per dimension; the
        // start-up transient from an empty history shifts the count by O(1) events only).
        assert!(
            (rate - lam[i]).abs() < 5.0 * var.sqrt(),
            "dim {i}: rate {rate}, theory {} ± {}",
            lam[i],
            var.sqrt()
        );
    }
}

#[test]
fn exp_hawkes_univariate_stationary_rate_in_parallel() {
    // Λ = μ / (1 − α) = 2.5; many sequences in parallel, streamed.
    let model = ExpHawkes::new(vec![1.0], vec![0.6], 3.0).unwrap();
    let t = 2.0e3;
    let n = 64;
    let sampler = Thinning::new(model, Window::new(0.0, t).unwrap()).unwrap();
    let counts = sampler
        .map_sequences(3, n, |_, rng, ws| {
            let mut c = 0u64;
            sampler.sample_with(rng, ws, |_| {
                c += 1;
                ControlFlow::Continue(())
            })?;
            Ok(c as f64)
        })
        .unwrap();
    let rate = counts.iter().sum::<f64>() / (n as f64 * t);
    // Asymptotic Var(N(T)) = T μ / (1 − α)^3; pooled over n independent sequences.
    let se = (1.0 / (0.4f64.powi(3)) / (n as f64 * t)).sqrt();
    assert!(
        (rate - 2.5).abs() < 5.0 * se,
        "rate {rate}, theory 2.5 ± {se}"
    );
}

fn hawkes_2d() -> ExpHawkes {
    ExpHawkes::new(vec![0.5, 0.3], vec![0.3, 0.2, 0.1, 0.4], 2.0).unwrap()
}

#[test]
fn time_rescaling_accepts_simulated_hawkes_and_rejects_wrong_models() {
    let model = hawkes_2d();
    let sampler = Thinning::new(model.clone(), Window::new(0.0, 3000.0).unwrap()).unwrap();
    let sample = sampler
        .sample(&mut Xoshiro256PlusPlus::seed_from_u64(2718))
        .unwrap();
    assert!(sample.sequence.len() > 4000);
    let p = ks_p(model.time_rescale(&sample.sequence));
    eprintln!("KS p-value: {p:e}");
    assert!(p > KS_ALPHA, "true model: KS p-value {p}");

    // Deliberately wrong: a Poisson process with the right stationary rates (no excitation).
    let poisson = ExpHawkes::new(vec![0.9, 0.65], vec![0.0; 4], 2.0).unwrap();
    let p = ks_p(poisson.time_rescale(&sample.sequence));
    eprintln!("KS p-value: {p:e}");
    assert!(p < KS_ALPHA, "Poisson with the right rates: KS p-value {p}");
    // Deliberately wrong: the right μ and α, a decay ten times too fast.
    let fast = ExpHawkes::new(vec![0.5, 0.3], vec![0.3, 0.2, 0.1, 0.4], 20.0).unwrap();
    let p = ks_p(fast.time_rescale(&sample.sequence));
    eprintln!("KS p-value: {p:e}");
    assert!(p < KS_ALPHA, "β ten times too large: KS p-value {p}");
}

#[test]
fn time_rescaling_accepts_the_generic_history_path_for_hawkes() {
    // The oracle path (Intensity + ExpHawkesBound, O(n) per candidate) must be exact too.
    let model = ExpHawkes::new(vec![0.8], vec![0.5], 1.0).unwrap();
    let bounded = Bounded::new(model.clone(), pp_thinning::ExpHawkesBound);
    let sampler = Thinning::new(bounded, Window::new(0.0, 500.0).unwrap()).unwrap();
    let sample = sampler
        .sample(&mut Xoshiro256PlusPlus::seed_from_u64(31))
        .unwrap();
    assert!(sample.sequence.len() > 500);
    let p = ks_p(model.time_rescale(&sample.sequence));
    eprintln!("KS p-value: {p:e}");
    assert!(p > KS_ALPHA, "KS p-value {p}");
}

#[test]
fn time_rescaling_on_inhomogeneous_poisson_with_a_global_bound() {
    let rate = |t: f64, out: &mut [f64]| {
        out[0] = 2.0 * (1.0 + t.sin());
        out[1] = 1.0 + 0.9 * (0.5 * t).cos();
    };
    let model = InhomogeneousPoisson::new(2, rate).unwrap();
    let sampler = Thinning::new(
        Bounded::new(model, GlobalBound::new(4.0 + 1.9).unwrap()),
        Window::new(0.0, 1500.0).unwrap(),
    )
    .unwrap();
    let sample = sampler
        .sample(&mut Xoshiro256PlusPlus::seed_from_u64(99))
        .unwrap();
    assert!(sample.sequence.len() > 3000);
    // Compensator by adaptive Gauss–Legendre quadrature (the rate is smooth).
    let true_model = sampler.model().intensity();
    let p = ks_p(time_rescale(
        true_model,
        &sample.sequence,
        &Quadrature::default(),
    ));
    eprintln!("KS p-value: {p:e}");
    assert!(p > KS_ALPHA, "true model: KS p-value {p}");
    // Deliberately wrong: constant rates with the right means (2 and 1).
    let wrong = Poisson::new(vec![2.0, 1.0]).unwrap();
    let p = ks_p(time_rescale(&wrong, &sample.sequence, &ClosedForm));
    eprintln!("KS p-value: {p:e}");
    assert!(p < KS_ALPHA, "constant rates: KS p-value {p}");
}

#[test]
fn time_rescaling_on_an_unbounded_intensity_with_a_local_bound() {
    // λ(t) = 0.002 t grows without bound; the local bound λ(s + h) is valid on (s, s + h].
    let h = 5.0;
    let model = InhomogeneousPoisson::new(1, |t: f64, out: &mut [f64]| out[0] = 0.002 * t).unwrap();
    let bound =
        FnBound::new(move |_m: &_, s: f64, _h: History<'_>| BoundSpec::new(0.002 * (s + h), s + h));
    let sampler = Thinning::new(
        Bounded::new(model, bound),
        Window::new(0.0, 2000.0).unwrap(),
    )
    .unwrap();
    let sample = sampler
        .sample(&mut Xoshiro256PlusPlus::seed_from_u64(123))
        .unwrap();
    assert!(sample.stats.horizon_renewals > 0);
    assert!(sample.sequence.len() > 3000);
    let true_model = sampler.model().intensity();
    let p = ks_p(time_rescale(
        true_model,
        &sample.sequence,
        &Quadrature::default(),
    ));
    eprintln!("KS p-value: {p:e}");
    assert!(p > KS_ALPHA, "true model: KS p-value {p}");
    // Deliberately wrong: a constant rate with the right mean (2).
    let wrong = Poisson::new(vec![2.0]).unwrap();
    let p = ks_p(time_rescale(&wrong, &sample.sequence, &ClosedForm));
    eprintln!("KS p-value: {p:e}");
    assert!(p < KS_ALPHA, "constant rate: KS p-value {p}");
}

#[test]
fn time_rescaling_accepts_a_ten_dimensional_hawkes_process() {
    // Asymmetric α, every row summing to 0.4 (spectral radius 0.4), unequal baselines.
    let d = 10;
    let mu: Vec<f64> = (0..d).map(|i| 0.05 + 0.02 * i as f64).collect();
    let alpha: Vec<f64> = (0..d * d)
        .map(|k| 0.08 * ((7 * (k / d) + 3 * (k % d)) % 5) as f64 / 4.0)
        .collect();
    let model = ExpHawkes::new(mu, alpha, 1.5).unwrap();
    let sampler = Thinning::new(model.clone(), Window::new(0.0, 3000.0).unwrap()).unwrap();
    let sample = sampler
        .sample(&mut Xoshiro256PlusPlus::seed_from_u64(10))
        .unwrap();
    assert!(sample.sequence.counts().iter().all(|&c| c > 100));
    let rescaled = model.time_rescale(&sample.sequence).unwrap();
    let p = ks_p(Ok(rescaled.clone()));
    eprintln!("KS p-value: {p:e}");
    assert!(p > KS_ALPHA, "true model: KS p-value {p}");
    // Per dimension too, at a Bonferroni-corrected level (family-wise false failure 1e-3).
    for (i, ks) in rescaled.ks_tests().into_iter().enumerate() {
        let ks = ks.unwrap();
        assert!(
            !ks.rejects(KS_ALPHA / d as f64),
            "dimension {i}: KS p-value {}",
            ks.p_value
        );
    }
    // No wrong-model half here: with ten weakly coupled dimensions the pooled KS test has little
    // power against a Poisson process with the right rates (p = 0.037 at this seed when tried),
    // so the power of the check is shown on the two-dimensional process above instead. Over
    // 200 seeds the true model's p-values looked uniform (5 below 0.05).
}
