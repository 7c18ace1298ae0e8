//! ExpConcrete: fixtures, derivatives against central differences, normalisation of the density,
//! the τ → 0 limit, and the Gumbel sampler.

mod common;

use approx::abs_diff_eq;
use common::{central_difference, chi_square, chi_square_quantile, fixture, floats};
use diffpp::ExpConcrete;
use diffpp::expconcrete::{
    fill_gumbel, gumbel, hard_from_noise, log_density, log_density_constant, log_density_dtau,
    log_density_grad, noise_log_density_term, sample_from_noise, sample_vjp,
};
use diffpp::numeric::{argmax, logsumexp};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

#[test]
fn log_density_matches_f64_reference() {
    // Tolerance: RELATIVE 1e-12 on log_pdf_f64 (|ours − ref| <= 1e-12 |ref|).
    let fx = fixture("expconcrete_logpdf.json");
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 20);
    for (i, case) in cases.iter().enumerate() {
        let k = case["K"].as_u64().unwrap() as usize;
        let tau = case["temperature"].as_f64().unwrap();
        let logits = floats(&case["logits"]);
        let y = floats(&case["sample_log_simplex"]);
        assert_eq!(logits.len(), k);
        let want = case["log_pdf_f64"].as_f64().unwrap();
        let got = log_density(tau, &logits, &y).unwrap();
        assert!(
            abs_diff_eq!(got, want, epsilon = 1e-12 * want.abs()),
            "case {i}: {got} vs {want}"
        );
        let d = ExpConcrete::new(tau, logits.clone()).unwrap();
        assert_eq!(d.log_density(&y).unwrap(), got);
        // the grad variant returns the same value
        let (mut gy, mut ga) = (vec![0.0; k], vec![0.0; k]);
        let v = log_density_grad(tau, &logits, &y, &mut gy, &mut ga).unwrap();
        assert!(abs_diff_eq!(v, want, epsilon = 1e-12 * want.abs()));
    }
}

#[test]
fn invalid_inputs_are_typed_errors() {
    use diffpp::DiffppError;
    assert!(matches!(
        log_density(0.0, &[0.0, 0.0], &[-1.0, -1.0]),
        Err(DiffppError::InvalidTemperature { .. })
    ));
    assert!(matches!(
        log_density(1.0, &[0.0, 0.0], &[-1.0]),
        Err(DiffppError::LengthMismatch { .. })
    ));
    assert!(matches!(
        log_density(1.0, &[0.0, 0.0], &[-1.0, f64::NEG_INFINITY]),
        Err(DiffppError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        ExpConcrete::new(1.0, vec![0.0, f64::INFINITY]),
        Err(DiffppError::NonFinite { index: 1, .. })
    ));
    let mut y = [0.0; 2];
    assert!(sample_from_noise(1.0, &[0.0, 0.0], &[0.0, f64::NAN], &mut y).is_err());
    assert!(hard_from_noise(&[0.0, 0.0], &[0.0]).is_err());
}

fn normalised(raw: &[f64]) -> Vec<f64> {
    let l = logsumexp(raw);
    raw.iter().map(|x| x - l).collect()
}

proptest! {
    /// ∂/∂y, ∂/∂α and ∂/∂τ of (4.1) against central differences (ambient coordinates).
    #[test]
    fn log_density_gradients_match_central_differences(
        alpha in proptest::collection::vec(-3.0f64..3.0, 2..6),
        noise in proptest::collection::vec(-2.0f64..4.0, 6),
        tau in 0.1f64..3.0,
    ) {
        let n = alpha.len();
        let mut y = vec![0.0; n];
        sample_from_noise(tau, &alpha, &noise[..n], &mut y).unwrap();
        let (mut gy, mut ga) = (vec![0.0; n], vec![0.0; n]);
        log_density_grad(tau, &alpha, &y, &mut gy, &mut ga).unwrap();
        let h = 1e-6;
        for i in 0..n {
            let fd = central_difference(|y| log_density(tau, &alpha, y).unwrap(), &y, i, h);
            prop_assert!((gy[i] - fd).abs() <= 1e-6 * (1.0 + fd.abs()), "dy {} {} {}", i, gy[i], fd);
            let fd = central_difference(|a| log_density(tau, a, &y).unwrap(), &alpha, i, h);
            prop_assert!((ga[i] - fd).abs() <= 1e-6 * (1.0 + fd.abs()), "dalpha {} {} {}", i, ga[i], fd);
        }
        let dt = log_density_dtau(tau, &alpha, &y).unwrap();
        let ht = 1e-6 * tau;
        let fd = central_difference(|t| log_density(t[0], &alpha, &y).unwrap(), &[tau], 0, ht);
        prop_assert!((dt - fd).abs() <= 1e-5 * (1.0 + fd.abs()), "dtau {} {}", dt, fd);
    }

    /// At a reparameterised sample, (4.1) is the constant plus the noise's term whatever the
    /// logits (the sampler's shortcut): both against the formula evaluated at the sample.
    #[test]
    fn log_density_at_a_sample_is_the_noise_term(
        alpha in proptest::collection::vec(-30.0f64..30.0, 2..7),
        noise in proptest::collection::vec(-3.0f64..20.0, 7),
        tau in 0.05f64..3.0,
    ) {
        let n = alpha.len();
        let g = &noise[..n];
        let mut y = vec![0.0; n];
        sample_from_noise(tau, &alpha, g, &mut y).unwrap();
        let direct = log_density(tau, &alpha, &y).unwrap();
        let shortcut = log_density_constant(n, tau) + noise_log_density_term(g);
        // the direct formula loses ~|v| ε in each v_i = α_i − τ y_i
        let scale: f64 = alpha.iter().chain(g).map(|v| v.abs()).sum::<f64>() + 1.0;
        prop_assert!((direct - shortcut).abs() <= 1e-13 * scale, "{} vs {}", direct, shortcut);
    }

    /// The vector–Jacobian product of y = log_softmax((α + g)/τ) against central differences.
    #[test]
    fn sample_vjp_matches_central_differences(
        alpha in proptest::collection::vec(-3.0f64..3.0, 2..6),
        noise in proptest::collection::vec(-2.0f64..4.0, 6),
        ybar in proptest::collection::vec(-2.0f64..2.0, 6),
        tau in 0.1f64..3.0,
    ) {
        let n = alpha.len();
        let g = &noise[..n];
        let ybar = &ybar[..n];
        let mut y = vec![0.0; n];
        sample_from_noise(tau, &alpha, g, &mut y).unwrap();
        let mut ab = vec![0.0; n];
        sample_vjp(tau, &y, ybar, &mut ab).unwrap();
        let f = |a: &[f64]| -> f64 {
            let mut yy = vec![0.0; n];
            sample_from_noise(tau, a, g, &mut yy).unwrap();
            yy.iter().zip(ybar).map(|(u, v)| u * v).sum()
        };
        let h = 1e-6;
        for (j, &ab_j) in ab.iter().enumerate() {
            let fd = central_difference(f, &alpha, j, h);
            prop_assert!((ab_j - fd).abs() <= 1e-6 * (1.0 + fd.abs()), "{} {} {}", j, ab_j, fd);
        }
    }

    /// At its own reparameterised sample, the log density does not depend on α (α is a location
    /// parameter of the log-ratios): the total derivative ∂/∂α + Jᵀ ∂/∂y vanishes, and the value
    /// is unchanged when α moves with the noise fixed.
    #[test]
    fn log_density_at_own_sample_is_constant_in_alpha(
        alpha in proptest::collection::vec(-3.0f64..3.0, 2..6),
        alpha2 in proptest::collection::vec(-3.0f64..3.0, 6),
        noise in proptest::collection::vec(-2.0f64..4.0, 6),
        tau in 0.1f64..3.0,
    ) {
        let n = alpha.len();
        let g = &noise[..n];
        let mut y = vec![0.0; n];
        sample_from_noise(tau, &alpha, g, &mut y).unwrap();
        let (mut gy, mut ga) = (vec![0.0; n], vec![0.0; n]);
        let lp = log_density_grad(tau, &alpha, &y, &mut gy, &mut ga).unwrap();
        let mut ab = vec![0.0; n];
        sample_vjp(tau, &y, &gy, &mut ab).unwrap();
        for j in 0..n {
            prop_assert!((ab[j] + ga[j]).abs() < 1e-10 * (1.0 + ga[j].abs()));
        }
        let other = &alpha2[..n];
        let mut y2 = vec![0.0; n];
        sample_from_noise(tau, other, g, &mut y2).unwrap();
        let lp2 = log_density(tau, other, &y2).unwrap();
        prop_assert!((lp - lp2).abs() < 1e-9 * (1.0 + lp.abs()), "{} vs {}", lp, lp2);
    }
}

/// Trapezoid rule on a uniform grid (spectrally accurate for smooth, rapidly decaying
/// integrands on the line).
fn grid(lo: f64, hi: f64, h: f64) -> impl Iterator<Item = f64> {
    let n = ((hi - lo) / h).round() as usize;
    (0..=n).map(move |i| lo + i as f64 * h)
}

/// y(z) = log_softmax(z_1, …, z_{n−1}, 0) for n = z.len() + 1.
fn y_of_logratios(z: &[f64]) -> Vec<f64> {
    let mut full = z.to_vec();
    full.push(0.0);
    let l = logsumexp(&full);
    full.iter().map(|v| v - l).collect()
}

/// (4.1) is a density with respect to Lebesgue measure on the log-ratios z_i = y_i − y_n
/// (equivalently δ(logsumexp y) dy = exp(−y_n) dy_1…dy_{n−1}). For n = 2 this is the logit
/// z = y_1 − y_2 of y = (log σ(z), log σ(−z)). Integrated in w = τ z (dz = dw/τ) by the
/// trapezoid rule on [−60, 60] + shift, step 0.01. Tolerance 1e-9 absolute.
#[test]
fn density_integrates_to_one_n2() {
    for &(tau, a0, a1) in &[
        (1.0, 0.0, 0.0),
        (0.1, -0.3, 0.4),
        (0.5, -2.0, 1.0),
        (2.0, 0.7, -0.2),
    ] {
        let alpha = [a0, a1];
        let shift = a0 - a1;
        let h = 0.01;
        let mut total = 0.0;
        let mut against_dy1 = 0.0;
        for w in grid(shift - 60.0, shift + 60.0, h) {
            let z = w / tau;
            let y = y_of_logratios(&[z]);
            let p = log_density(tau, &alpha, &y).unwrap().exp();
            total += p * h / tau;
            // dy_1 = σ(−z) dz = exp(y_2) dz
            against_dy1 += p * y[1].exp() * h / tau;
        }
        assert!((total - 1.0).abs() < 1e-9, "tau={tau}: integral {total}");
        if a0 == a1 {
            // against dy_1 alone it integrates to E[exp(y_2)] = 1/2 by symmetry, not to 1
            assert!(
                (against_dy1 - 0.5).abs() < 1e-9,
                "against dy1: {against_dy1}"
            );
        } else {
            assert!((against_dy1 - 1.0).abs() > 0.01);
        }
    }
}

/// n = 3: the same on the log-ratio plane (z_1, z_2), with y = log_softmax(z_1, z_2, 0);
/// w = τ z on [−40, 40]² + shift, step 0.05. Tolerance 1e-7 absolute. Against dy_1 dy_2
/// (Jacobian exp(y_3) in z) the symmetric case integrates to E[exp(y_3)] = 1/3.
#[test]
fn density_integrates_to_one_n3() {
    for &(tau, alpha) in &[(1.0, [0.0, 0.0, 0.0]), (0.3, [0.5, -1.0, 0.2])] {
        let h = 0.05;
        let s1 = alpha[0] - alpha[2];
        let s2 = alpha[1] - alpha[2];
        let mut total = 0.0;
        let mut against_dy = 0.0;
        for w1 in grid(s1 - 40.0, s1 + 40.0, h) {
            for w2 in grid(s2 - 40.0, s2 + 40.0, h) {
                let y = y_of_logratios(&[w1 / tau, w2 / tau]);
                let p = log_density(tau, &alpha, &y).unwrap().exp();
                let cell = h * h / (tau * tau);
                total += p * cell;
                against_dy += p * y[2].exp() * cell;
            }
        }
        assert!((total - 1.0).abs() < 1e-7, "tau={tau}: integral {total}");
        if alpha[0] == alpha[1] && alpha[1] == alpha[2] {
            assert!(
                (against_dy - 1.0 / 3.0).abs() < 1e-7,
                "against dy: {against_dy}"
            );
        }
    }
}

/// Kolmogorov–Smirnov test of the Gumbel sampler against exp(−exp(−x)), n = 5000, at level
/// 1e-3 (critical value 1.949/√n): a correct sampler fails with probability 1e-3 for a random
/// seed; the seed is fixed, so the outcome is deterministic.
#[test]
fn gumbel_sampler_passes_ks() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let n = 5000;
    let mut x: Vec<f64> = (0..n).map(|_| gumbel(&mut rng)).collect();
    x.sort_by(f64::total_cmp);
    let mut d: f64 = 0.0;
    for (i, &v) in x.iter().enumerate() {
        let f = (-(-v).exp()).exp();
        d = d
            .max((f - i as f64 / n as f64).abs())
            .max(((i + 1) as f64 / n as f64 - f).abs());
    }
    let critical = (-(0.5e-3f64).ln() / 2.0).sqrt() / (n as f64).sqrt();
    assert!(d < critical, "KS D = {d} >= {critical}");
}

/// As τ → 0 the soft samples concentrate on one-hot vectors and the arg-max category has
/// probabilities softmax(α). 20,000 draws at a fixed seed; chi-square test at level 1e-3 with
/// n − 1 = 3 degrees of freedom (false-failure probability 1e-3 for a random seed).
/// Concentration: the share of draws whose largest coordinate is below 0.9 is at most 5% at
/// τ = 0.01 and at most 1% at τ = 0.001 (it is ≈ P(top-two gap of α + g < τ ln 9), about 1–2%
/// and 0.1–0.2% respectively).
#[test]
fn small_temperature_concentrates_on_gumbel_max_categories() {
    let alpha = normalised(&[0.3, -0.5, 1.2, -1.0]);
    let probs: Vec<f64> = alpha.iter().map(|a| a.exp()).collect();
    for &(tau, max_diffuse) in &[(0.01, 0.05), (0.001, 0.01)] {
        let d = ExpConcrete::new(tau, alpha.clone()).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(77);
        let (mut g, mut y) = ([0.0; 4], [0.0; 4]);
        let mut counts = [0u64; 4];
        let mut diffuse = 0usize;
        let draws = 20_000;
        for _ in 0..draws {
            d.sample_into(&mut rng, &mut g, &mut y).unwrap();
            let c = argmax(&y).unwrap();
            assert_eq!(c, d.hard(&g).unwrap()); // soft arg-max = Gumbel-max category
            counts[c] += 1;
            if y[c].exp() < 0.9 {
                diffuse += 1;
            }
        }
        let stat = chi_square(&counts, &probs);
        let crit = chi_square_quantile(3, 1e-3);
        assert!(
            stat < crit,
            "tau={tau}: chi2 = {stat} >= {crit}, counts {counts:?}"
        );
        let share = diffuse as f64 / draws as f64;
        assert!(
            share <= max_diffuse,
            "tau={tau}: {share} of samples are not near one-hot"
        );
    }
}

#[test]
fn fill_gumbel_is_reproducible() {
    let mut a = [0.0; 8];
    let mut b = [0.0; 8];
    fill_gumbel(&mut Xoshiro256PlusPlus::seed_from_u64(5), &mut a);
    fill_gumbel(&mut Xoshiro256PlusPlus::seed_from_u64(5), &mut b);
    assert_eq!(a, b);
}

/// A generator that returns the listed 64-bit words in order and counts them.
struct Scripted {
    words: Vec<u64>,
    used: usize,
}

impl rand::TryRng for Scripted {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok((self.try_next_u64()? >> 32) as u32)
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let w = self.words[self.used];
        self.used += 1;
        Ok(w)
    }
    fn try_fill_bytes(&mut self, _dst: &mut [u8]) -> Result<(), Self::Error> {
        unimplemented!("the Gumbel sampler draws u64 words")
    }
}

/// rand_distr's Gumbel maps the all-ones word (U = 1) to +∞; `gumbel` discards it and returns
/// the Gumbel variate of the next word (U = 1/4 + 2⁻⁵³ from `1 << 62`: −ln(−ln U)).
#[test]
fn gumbel_redraws_the_infinite_variate_of_u_equal_one() {
    use rand_distr::{Distribution, Gumbel};
    let standard = Gumbel::new(0.0, 1.0).unwrap();
    let infinite: f64 = standard.sample(&mut Scripted {
        words: vec![u64::MAX],
        used: 0,
    });
    assert_eq!(infinite, f64::INFINITY);
    let mut rng = Scripted {
        words: vec![u64::MAX, 1 << 62],
        used: 0,
    };
    let g = gumbel(&mut rng);
    assert_eq!(rng.used, 2);
    let u = 0.25 + 2f64.powi(-53);
    assert_eq!(g, -(-u.ln()).ln());
}
