//! The ∂PP sampler: consistency with ordinary thinning (hard mode), the τ → 0 limit, log q,
//! evaluation of a given realisation, noise, and typed errors.

mod common;

use common::chi_square_quantile;
use diffpp::numeric::{argmax, complete_log_prob, logsumexp};
use diffpp::{
    DiffPP, DiffppError, LinearSigmoidModel, Mode, Noise, SoftEvents, SoftHiddenIntensity,
};
use pp_core::Window;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A random reference model: H hidden, 2 observed trains of Poisson spikes, K = 2 basis
/// functions with centres {0, 2} (support 3), weights uniform on [−w, w], biases on [−1, 1].
fn random_model(seed: u64, h: usize, t1: f64, w: f64) -> LinearSigmoidModel {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let obs = Noise::draw(&mut rng, Window::new(0.0, t1).unwrap(), 2.0, 2).unwrap();
    let marks: Vec<u32> = (0..obs.len()).map(|i| (i % 2) as u32).collect();
    let mut m = LinearSigmoidModel::new(h, 5.0, 1e-6, vec![0.0, 2.0], 1.0)
        .unwrap()
        .with_observed(2, obs.times().to_vec(), marks)
        .unwrap();
    m.randomize(&mut rng, 1.0, w);
    m
}

/// Ordinary thinning with Gumbel-max, written directly: at each candidate, the category is
/// argmax(α + g) with α = (log(λ_h/λ̄), log(1 − Σ_h λ_h/λ̄)) computed naively from the
/// intensities given the *accepted* events only (one-hot marks, rejected candidates absent).
fn thinning_oracle(model: &LinearSigmoidModel, noise: &Noise) -> Vec<usize> {
    let h = model.n_hidden();
    let rate = model.candidate_rate();
    let support = model.support();
    let mut acc_times: Vec<f64> = Vec::new();
    let mut acc_rows: Vec<f64> = Vec::new();
    let mut cats = Vec::new();
    let mut log_lambda = vec![0.0; h];
    for (k, &s) in noise.times().iter().enumerate() {
        let first = acc_times
            .iter()
            .position(|&t| t > s - support)
            .unwrap_or(acc_times.len());
        let hist = SoftEvents::new(&acc_times[first..], &acc_rows[first * h..], h).unwrap();
        model.hidden_log_intensities(s, hist, &mut log_lambda);
        let lambdas: Vec<f64> = log_lambda.iter().map(|l| l.exp()).collect();
        let total: f64 = lambdas.iter().sum();
        assert!(total < rate);
        let mut alpha: Vec<f64> = lambdas.iter().map(|l| (l / rate).ln()).collect();
        alpha.push((1.0 - total / rate).ln());
        let g = noise.gumbel_of(k);
        let scores: Vec<f64> = alpha.iter().zip(g).map(|(a, b)| a + b).collect();
        let c = argmax(&scores).unwrap();
        cats.push(c);
        if c < h {
            acc_times.push(s);
            let mut row = vec![0.0; h];
            row[c] = 1.0;
            acc_rows.extend_from_slice(&row);
        }
    }
    cats
}

#[test]
fn hard_mode_makes_exactly_the_thinning_decisions() {
    let t1 = 30.0;
    let window = Window::new(0.0, t1).unwrap();
    let dpp = DiffPP::new(window, Mode::Hard);
    let mut accepted_total = 0;
    for seed in 0..8u64 {
        let model = random_model(seed, 3, t1, 3.0);
        let noise = DiffPP::draw_noise(
            &model,
            window,
            &mut Xoshiro256PlusPlus::seed_from_u64(100 + seed),
        )
        .unwrap();
        let trace = dpp.sample_with_noise(&model, &noise).unwrap();
        let oracle = thinning_oracle(&model, &noise);
        assert_eq!(trace.categories(), &oracle[..], "seed {seed}");
        for k in 0..trace.len() {
            let w = trace.weights_of(k);
            match trace.accepted(k) {
                Some(c) => {
                    accepted_total += 1;
                    assert!(
                        w.iter()
                            .enumerate()
                            .all(|(j, &x)| x == if j == c { 1.0 } else { 0.0 })
                    );
                }
                None => assert!(w.iter().all(|&x| x == 0.0)),
            }
        }
        // hard log q = M log λ̄ − λ̄ T + Σ α_k[c_k]
        let rate = model.candidate_rate();
        let mut want = trace.len() as f64 * rate.ln() - rate * t1;
        for k in 0..trace.len() {
            want += trace.alpha_of(k)[trace.categories()[k]];
        }
        assert!((trace.log_q() - want).abs() < 1e-9 * want.abs());
    }
    assert!(
        accepted_total > 100,
        "the test must exercise accepted events"
    );
}

/// Solves `a x = b` for a small symmetric positive definite `a` (Cholesky), returns `bᵀ a⁻¹ b`.
fn quadratic_form(a: &[Vec<f64>], b: &[f64]) -> f64 {
    let n = b.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                l[i][j] = (a[i][i] - s).sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    // forward substitution: l z = b; bᵀ a⁻¹ b = |z|²
    let mut z = vec![0.0; n];
    for i in 0..n {
        let s: f64 = (0..i).map(|k| l[i][k] * z[k]).sum();
        z[i] = (b[i] - s) / l[i][i];
    }
    z.iter().map(|v| v * v).sum()
}

/// (b) As τ → 0 the soft marks concentrate on one-hot vectors whose categories follow the
/// thinning probabilities softmax(α_k) given the (soft) past.
///
/// Categories are heterogeneous across candidates, so the test statistic is the martingale
/// chi-square `(N − E)ᵀ V⁻¹ (N − E)` over the H hidden categories (the 'none' count is then
/// determined), with `E = Σ_k p_k`, `V = Σ_k (diag p_k − p_k p_kᵀ)` (the predictable quadratic
/// variation); by the martingale CLT it is χ²(H). Level 1e-3 at a fixed seed (false-failure
/// probability ≈ 1e-3 for a random seed). Concentration: at τ = 0.01, at most 5% of the
/// candidates have a largest soft coordinate below 0.9; and the soft categories agree with the
/// hard run on the same noise for at least 90% of the candidates (a near-tie changes one
/// category, and its effect on later intensities can change a few more).
#[test]
fn small_temperature_soft_marks_follow_thinning_probabilities() {
    let t1 = 20.0;
    let h = 3;
    let window = Window::new(0.0, t1).unwrap();
    let tau = 0.01;
    let soft = DiffPP::new(window, Mode::soft(tau).unwrap());
    let hard = DiffPP::new(window, Mode::Hard);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(31337);
    let mut counts = vec![0.0; h];
    let mut expected = vec![0.0; h];
    let mut cov = vec![vec![0.0; h]; h];
    let (mut diffuse, mut agree, mut total) = (0usize, 0usize, 0usize);
    for seed in 0..20u64 {
        let model = random_model(500 + seed, h, t1, 2.0);
        let noise = DiffPP::draw_noise(&model, window, &mut rng).unwrap();
        let s = soft.sample_with_noise(&model, &noise).unwrap();
        let hd = hard.sample_with_noise(&model, &noise).unwrap();
        for k in 0..s.len() {
            let p: Vec<f64> = s.alpha_of(k).iter().map(|a| a.exp()).collect();
            let c = argmax(s.y_of(k)).unwrap();
            assert_eq!(c, s.categories()[k]);
            if c < h {
                counts[c] += 1.0;
            }
            for i in 0..h {
                expected[i] += p[i];
                for j in 0..h {
                    cov[i][j] += if i == j { p[i] } else { 0.0 } - p[i] * p[j];
                }
            }
            if s.y_of(k)[c].exp() < 0.9 {
                diffuse += 1;
            }
            if c == hd.categories()[k] {
                agree += 1;
            }
            total += 1;
        }
    }
    let diff: Vec<f64> = counts.iter().zip(&expected).map(|(n, e)| n - e).collect();
    let stat = quadratic_form(&cov, &diff);
    let crit = chi_square_quantile(h, 1e-3);
    eprintln!(
        "candidates {total}, martingale chi2 {stat:.3} (critical {crit:.3}), not near one-hot {diffuse}, soft/hard agree {agree}"
    );
    assert!(total > 3000, "{total} candidates");
    assert!(counts.iter().all(|&c| c > 50.0), "counts {counts:?}");
    assert!(
        stat < crit,
        "martingale chi2 = {stat} >= {crit}; counts {counts:?} expected {expected:?}"
    );
    assert!(
        (diffuse as f64) <= 0.05 * total as f64,
        "{diffuse} of {total} marks not near one-hot"
    );
    assert!(
        (agree as f64) >= 0.90 * total as f64,
        "soft/hard agreement {agree} of {total}"
    );
}

#[test]
fn log_q_and_alpha_are_recomputable_from_public_pieces() {
    let t1 = 15.0;
    let window = Window::new(0.0, t1).unwrap();
    let model = random_model(9, 3, t1, 3.0);
    let tau = 0.4;
    let dpp = DiffPP::new(window, Mode::soft(tau).unwrap());
    let trace = dpp
        .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(4))
        .unwrap();
    assert!(trace.len() > 50);
    let rate = model.candidate_rate();
    let h = model.n_hidden();
    let mut log_q = trace.len() as f64 * rate.ln() - rate * t1;
    let mut ll = vec![0.0; h];
    for k in 0..trace.len() {
        let s = trace.times()[k];
        // the soft history: every earlier candidate with s − support < s_k' < s
        let first = trace
            .times()
            .iter()
            .position(|&t| t > s - model.support())
            .unwrap();
        assert_eq!(first.min(k), trace.history_start(k));
        let hist = SoftEvents::new(
            &trace.times()[first.min(k)..k],
            &trace.weights()[first.min(k) * h..k * h],
            h,
        )
        .unwrap();
        model.hidden_log_intensities(s, hist, &mut ll);
        let sub: Vec<f64> = ll.iter().map(|l| l - rate.ln()).collect();
        let alpha = complete_log_prob(&sub).unwrap();
        for (a, b) in alpha.iter().zip(trace.alpha_of(k)) {
            assert!((a - b).abs() < 1e-12 * (1.0 + a.abs()));
        }
        // the mark from the noise, and d = exp(y)[..H]
        let mut y = vec![0.0; h + 1];
        diffpp::expconcrete::sample_from_noise(
            tau,
            &alpha,
            &trace.gumbel().unwrap()[k * (h + 1)..(k + 1) * (h + 1)],
            &mut y,
        )
        .unwrap();
        assert_eq!(&y[..], trace.y_of(k));
        for (w, yj) in trace.weights_of(k).iter().zip(&y) {
            assert_eq!(*w, yj.exp());
        }
        assert!(logsumexp(&y).abs() < 1e-12);
        log_q += diffpp::expconcrete::log_density(tau, &alpha, &y).unwrap();
    }
    assert!((trace.log_q() - log_q).abs() < 1e-10 * log_q.abs());
    // evaluating the realisation reproduces α and log q
    let e = dpp.evaluate(&model, trace.times(), trace.y()).unwrap();
    assert_eq!(e.alpha(), trace.alpha());
    assert!((e.log_q() - trace.log_q()).abs() < 1e-10 * log_q.abs());
    assert!(e.gumbel().is_none());
}

#[test]
fn same_seed_same_bits_and_noise_roundtrip() {
    let window = Window::new(0.0, 10.0).unwrap();
    let model = random_model(1, 2, 10.0, 3.0);
    let dpp = DiffPP::new(window, Mode::soft(0.2).unwrap());
    let a = dpp
        .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(8))
        .unwrap();
    let b = dpp
        .sample(&model, &mut Xoshiro256PlusPlus::seed_from_u64(8))
        .unwrap();
    assert_eq!(a, b);
    // the noise recorded in the trace reproduces it
    let noise = Noise::new(a.times().to_vec(), a.gumbel().unwrap().to_vec(), 3).unwrap();
    let c = dpp.sample_with_noise(&model, &noise).unwrap();
    assert_eq!(a, c);
    // buffer reuse gives the same result
    let mut reused = diffpp::Trace::empty();
    dpp.sample_with_noise_into(&model, &noise, &mut reused)
        .unwrap();
    dpp.sample_with_noise_into(&model, &noise, &mut reused)
        .unwrap();
    // the same realisation, without a copy of the noise the caller keeps
    assert!(reused.gumbel().is_none());
    assert_eq!(a.times(), reused.times());
    assert_eq!(a.alpha(), reused.alpha());
    assert_eq!(a.y(), reused.y());
    assert_eq!(a.weights(), reused.weights());
    assert_eq!(a.categories(), reused.categories());
    assert_eq!(a.log_q(), reused.log_q());
}

/// Candidate gaps times λ̄ are Exp(1): KS at level 1e-3 over ~2000 gaps (fixed seed;
/// false-failure probability 1e-3 for a random seed).
#[test]
fn candidates_are_a_poisson_process_of_the_candidate_rate() {
    let rate = 7.5;
    let noise = Noise::draw(
        &mut Xoshiro256PlusPlus::seed_from_u64(12),
        Window::new(0.0, 300.0).unwrap(),
        rate,
        2,
    )
    .unwrap();
    let mut gaps: Vec<f64> = std::iter::once(noise.times()[0])
        .chain(noise.times().windows(2).map(|w| w[1] - w[0]))
        .map(|g| g * rate)
        .collect();
    gaps.sort_by(f64::total_cmp);
    let n = gaps.len() as f64;
    let mut d: f64 = 0.0;
    for (i, &g) in gaps.iter().enumerate() {
        let f = 1.0 - (-g).exp();
        d = d
            .max((f - i as f64 / n).abs())
            .max(((i + 1) as f64 / n - f).abs());
    }
    let critical = (-(0.5e-3f64).ln() / 2.0).sqrt() / n.sqrt();
    assert!(d < critical, "KS D = {d} >= {critical} (n = {n})");
}

/// A model with constant log-intensities and a chosen candidate rate, to provoke errors.
struct Fixed {
    log_lambda: Vec<f64>,
    rate: f64,
}

impl SoftHiddenIntensity for Fixed {
    fn n_hidden(&self) -> usize {
        self.log_lambda.len()
    }
    fn n_params(&self) -> usize {
        0
    }
    fn candidate_rate(&self) -> f64 {
        self.rate
    }
    fn support(&self) -> f64 {
        1.0
    }
    fn hidden_log_intensities(&self, _s: f64, _h: SoftEvents<'_>, out: &mut [f64]) {
        out.copy_from_slice(&self.log_lambda);
    }
    fn hidden_log_intensities_vjp(
        &self,
        _s: f64,
        _h: SoftEvents<'_>,
        _a: &[f64],
        _gp: &mut [f64],
        _gw: &mut [f64],
    ) {
    }
}

/// [`Fixed`] that reports the 'none' log-rate `log(λ̄ − Σλ)` itself (NaN past the bound, as
/// a model's own formula would give).
struct WithSlack(Fixed);

impl SoftHiddenIntensity for WithSlack {
    fn n_hidden(&self) -> usize {
        self.0.n_hidden()
    }
    fn n_params(&self) -> usize {
        0
    }
    fn candidate_rate(&self) -> f64 {
        self.0.rate
    }
    fn support(&self) -> f64 {
        1.0
    }
    fn hidden_log_intensities(&self, s: f64, h: SoftEvents<'_>, out: &mut [f64]) {
        self.0.hidden_log_intensities(s, h, out);
    }
    fn hidden_log_intensities_and_slack(
        &self,
        s: f64,
        h: SoftEvents<'_>,
        out: &mut [f64],
    ) -> Option<f64> {
        self.0.hidden_log_intensities(s, h, out);
        let total: f64 = out.iter().map(|l| l.exp()).sum();
        Some((self.0.rate - total).ln())
    }
    fn hidden_log_intensities_vjp(
        &self,
        _s: f64,
        _h: SoftEvents<'_>,
        _a: &[f64],
        _gp: &mut [f64],
        _gw: &mut [f64],
    ) {
    }
}

#[test]
fn a_models_own_slack_gives_the_none_category() {
    let window = Window::new(0.0, 1.0).unwrap();
    let dpp = DiffPP::new(window, Mode::soft(0.5).unwrap());
    let noise = Noise::new(vec![0.25, 0.5], vec![0.1, -0.3, 0.7, 1.2, 0.0, -0.5], 3).unwrap();
    let fixed = || Fixed {
        log_lambda: vec![0.4f64.ln(), 1.1f64.ln()],
        rate: 2.0,
    };
    let generic = dpp.sample_with_noise(&fixed(), &noise).unwrap();
    let own = dpp.sample_with_noise(&WithSlack(fixed()), &noise).unwrap();
    // α_H = log(1 − 1.5/2) both ways; the rest of the trace follows from α
    for (a, b) in generic.alpha().iter().zip(own.alpha()) {
        assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    }
    assert!((own.alpha_of(0)[2] - 0.25f64.ln()).abs() < 1e-15);
    assert!((generic.log_q() - own.log_q()).abs() < 1e-13);
    // past the bound the model's slack is NaN: a bound violation, as without it
    let over = WithSlack(Fixed {
        log_lambda: vec![1.5f64.ln(), 1.5f64.ln()],
        rate: 2.0,
    });
    match dpp.sample_with_noise(&over, &noise).unwrap_err() {
        DiffppError::BoundViolation {
            candidate, total, ..
        } => {
            assert_eq!(candidate, 0);
            assert!((total - 3.0).abs() < 1e-12);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn bound_violations_and_bad_input_are_typed_errors() {
    let window = Window::new(0.0, 1.0).unwrap();
    let dpp = DiffPP::new(window, Mode::soft(0.5).unwrap());
    let noise = Noise::new(vec![0.25, 0.5], vec![0.0; 6], 3).unwrap();
    // Σλ = 3 > λ̄ = 2: an error at the first candidate, never a clip
    let bad = Fixed {
        log_lambda: vec![1.5f64.ln(), 1.5f64.ln()],
        rate: 2.0,
    };
    let err = dpp.sample_with_noise(&bad, &noise).unwrap_err();
    match err {
        DiffppError::BoundViolation {
            candidate,
            time,
            total,
            rate,
        } => {
            assert_eq!((candidate, time, rate), (0, 0.25, 2.0));
            assert!((total - 3.0).abs() < 1e-12);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err_string(&dpp, &bad, &noise).contains("candidate 0"));
    // Σλ = λ̄ exactly: also an error (the 'none' category would have probability 0)
    let equal = Fixed {
        log_lambda: vec![0.0, 0.0],
        rate: 2.0,
    };
    assert!(matches!(
        dpp.sample_with_noise(&equal, &noise),
        Err(DiffppError::BoundViolation { .. })
    ));
    // NaN / -inf log-intensity
    let nan = Fixed {
        log_lambda: vec![f64::NAN, 0.0],
        rate: 5.0,
    };
    assert!(matches!(
        dpp.sample_with_noise(&nan, &noise),
        Err(DiffppError::NonFiniteIntensity {
            candidate: 0,
            hidden: 0,
            ..
        })
    ));
    let zero = Fixed {
        log_lambda: vec![0.0, f64::NEG_INFINITY],
        rate: 5.0,
    };
    assert!(matches!(
        dpp.sample_with_noise(&zero, &noise),
        Err(DiffppError::NonFiniteIntensity { hidden: 1, .. })
    ));
    // noise with the wrong number of categories, or outside the window
    let ok = Fixed {
        log_lambda: vec![0.0, 0.0],
        rate: 5.0,
    };
    let wrong = Noise::new(vec![0.25], vec![0.0; 2], 2).unwrap();
    assert!(matches!(
        dpp.sample_with_noise(&ok, &wrong),
        Err(DiffppError::LengthMismatch { .. })
    ));
    let outside = Noise::new(vec![0.25, 1.5], vec![0.0; 6], 3).unwrap();
    assert!(matches!(
        dpp.sample_with_noise(&ok, &outside),
        Err(DiffppError::InvalidNoise { .. })
    ));
    // invalid temperature, invalid model description
    let hot = DiffPP::new(window, Mode::Soft { tau: -1.0 });
    assert!(matches!(
        hot.sample_with_noise(&ok, &noise),
        Err(DiffppError::InvalidTemperature { .. })
    ));
    let norate = Fixed {
        log_lambda: vec![0.0, 0.0],
        rate: f64::NAN,
    };
    assert!(matches!(
        dpp.sample_with_noise(&norate, &noise),
        Err(DiffppError::InvalidModel { .. })
    ));
    // evaluate: unnormalised marks, hard mode
    assert!(matches!(
        dpp.evaluate(&ok, &[0.5], &[0.0, 0.0, 0.0]),
        Err(DiffppError::NotNormalised { index: 0, .. })
    ));
    let third = (1.0f64 / 3.0).ln();
    assert!(dpp.evaluate(&ok, &[0.5], &[third, third, third]).is_ok());
    assert!(matches!(
        DiffPP::new(window, Mode::Hard).evaluate(&ok, &[0.5], &[third, third, third]),
        Err(DiffppError::ModeMismatch { .. })
    ));
}

fn err_string(dpp: &DiffPP, m: &Fixed, n: &Noise) -> String {
    dpp.sample_with_noise(m, n).unwrap_err().to_string()
}
