//! `SnnHidden` (the hidden neurons of an `snn_model::Snn` as a ∂PP model): log-intensities
//! and the 'none' category's log-rate against snn-model's direct soft potentials, its VJP and
//! the full reverse sweep against central finite differences (noise fixed), the specialised
//! sweep against the generic one, hard mode against ordinary thinning with Gumbel-max, and
//! typed errors.

mod common;

use approx::abs_diff_eq;
use common::{central_difference, random_snn};
use diffpp::numeric::argmax;
use diffpp::snn::SnnHidden;
use diffpp::{
    DiffPP, DiffppError, Mode, Noise, ReverseWorkspace, SoftEvents, SoftHiddenIntensity,
    SweepRequest, generic_reverse_sweep, gradient_fixed_sample, gradient_through_sample,
};
use pp_core::{EventSequence, History, Parametric, PpError, Window};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::{Activation, Basis, Snn, SnnBuilder};

/// Observed Poisson spikes (rate 1.5 per neuron) on `[0, t1]`, on `dim` (= o or N) dimensions.
fn observed(seed: u64, o: usize, dim: usize, t1: f64) -> EventSequence {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xfeed);
    let window = Window::new(0.0, t1).unwrap();
    let pts = Noise::draw(&mut rng, window, 1.5 * o as f64, 2).unwrap();
    let marks = pts
        .times()
        .iter()
        .map(|_| rng.random_range(0..o as u32))
        .collect();
    EventSequence::new(window, dim, pts.times().to_vec(), marks).unwrap()
}

/// Random soft history rows (weights summing to < 1).
fn soft_rows(rng: &mut Xoshiro256PlusPlus, m: usize, h: usize) -> Vec<f64> {
    let mut w = Vec::with_capacity(m * h);
    for _ in 0..m {
        let row: Vec<f64> = (0..h).map(|_| rng.random_range(0.01..1.0)).collect();
        let s: f64 = row.iter().sum::<f64>() * 1.2;
        w.extend(row.iter().map(|x| x / s));
    }
    w
}

fn with_params(model: &Snn, p: &[f64]) -> Snn {
    let mut m = model.clone();
    m.set_params(p).unwrap();
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// log λ_h(s) from SnnHidden equals log ψ(u_{O+h}(s)) with u from snn-model's direct soft
    /// potentials, at random times, at observed spike times and at breakpoints; and the 'none'
    /// category's log-rate log(λ̄ − Σ_h λ_h) that the sampler uses.
    #[test]
    fn log_intensities_match_direct_soft_potentials(seed in any::<u64>(), o in 1usize..3, h in 1usize..4, full_dim in any::<bool>()) {
        let t1 = 12.0;
        let model = random_snn(seed, o, h, 3.0);
        let n = o + h;
        let obs = observed(seed, o, if full_dim { n } else { o }, t1);
        let srm = SnnHidden::new(&model, &obs, 1e-6).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let st: Vec<f64> = {
            let p = Noise::draw(&mut rng, obs.window(), 3.0, 2).unwrap();
            p.times().to_vec()
        };
        let sw = soft_rows(&mut rng, st.len(), h);
        let mut queries: Vec<f64> = (0..100).map(|_| rng.random_range(0.0..t1)).collect();
        for &t in obs.times().iter().take(10) {
            queries.extend_from_slice(&[t, t + 1.0, t + 2.5, t + 0.5]);
        }
        queries.extend_from_slice(&st[..st.len().min(10)]);
        let mut out = vec![0.0; h];
        let mut u = vec![0.0; n];
        for &s in queries.iter().filter(|&&s| (0.0..=t1).contains(&s)) {
            // the ∂PP passes the candidates with s − support < s_k < s
            let end = st.partition_point(|&t| t < s);
            let start = st[..end].partition_point(|&t| t <= s - srm.support());
            let hist = SoftEvents::new(&st[start..end], &sw[start * h..end * h], h).unwrap();
            srm.hidden_log_intensities(s, hist, &mut out);
            let ev = SoftEvents::new(&st[start..end], &sw[start * h..end * h], h).unwrap();
            model.soft_potentials_direct(s, obs.history(), ev, &mut u);
            // the incremental evaluator's running sums (target space, re-centred windows) carry
            // ~1e-12 of rounding in the potentials (largest seen over 300 cases: 1.2e-12)
            for j in 0..h {
                let want = model.activation().log_value(u[o + j]);
                prop_assert!((out[j] - want).abs() <= 1e-11 * (1.0 + want.abs()), "s {} h {}: {} vs {}", s, j, out[j], want);
            }
            // log(λ̄ − Σ λ_h) from the direct potentials loses ~ε λ̄ when Σ λ_h is close to λ̄,
            // so the oracle is good to 8 ε λ̄ / (λ̄ − Σ λ_h) on top of the potentials' rounding
            let fresh = SnnHidden::new(&model, &obs, 1e-6).unwrap();
            let mut with_slack = vec![0.0; h];
            let ev = SoftEvents::new(&st[start..end], &sw[start * h..end * h], h).unwrap();
            let slack = fresh
                .hidden_log_intensities_and_slack(s, ev, &mut with_slack)
                .expect("the sigmoid gives its slack");
            let total: f64 = (0..h).map(|j| model.activation().value(u[o + j])).sum();
            let rate = fresh.candidate_rate();
            let want = (rate - total).ln();
            let tolerance = 1e-11 * (1.0 + want.abs()) + 8.0 * f64::EPSILON * rate / (rate - total);
            prop_assert!((slack - want).abs() <= tolerance, "slack {} vs {}", slack, want);
            // the log-intensities that come with the slack are the same numbers (from another
            // evaluator's running sums: the same rounding bound against the direct value)
            for j in 0..h {
                let want = model.activation().log_value(u[o + j]);
                prop_assert!((with_slack[j] - want).abs() <= 1e-11 * (1.0 + want.abs()));
            }
        }
    }

    /// The VJP of the log-intensities against central differences in the parameters and in the
    /// soft weights of the history.
    #[test]
    fn vjp_matches_finite_differences(seed in any::<u64>(), o in 1usize..3, h in 1usize..4) {
        let t1 = 8.0;
        let model = random_snn(seed, o, h, 2.0);
        let obs = observed(seed, o, o, t1);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 3);
        let s = rng.random_range(3.0..t1);
        let st: Vec<f64> = {
            let p = Noise::draw(&mut rng, Window::new(s - 2.5, s).unwrap(), 4.0, 2).unwrap();
            p.times().iter().copied().filter(|&t| t > s - 2.5 && t < s).collect()
        };
        let sw = soft_rows(&mut rng, st.len(), h);
        let adjoint: Vec<f64> = (0..h).map(|_| rng.random_range(-1.0..1.0)).collect();
        let f = |m: &Snn, w: &[f64]| -> f64 {
            let srm = SnnHidden::new(m, &obs, 1e-6).unwrap();
            let mut out = vec![0.0; h];
            srm.hidden_log_intensities(s, SoftEvents::new(&st, w, h).unwrap(), &mut out);
            out.iter().zip(&adjoint).map(|(a, b)| a * b).sum()
        };
        let srm = SnnHidden::new(&model, &obs, 1e-6).unwrap();
        let mut gp = vec![0.0; model.n_params()];
        let mut gw = vec![0.0; sw.len()];
        srm.hidden_log_intensities_vjp(s, SoftEvents::new(&st, &sw, h).unwrap(), &adjoint, &mut gp, &mut gw);
        let p = model.params();
        let step = 1e-6;
        for (c, &gp_c) in gp.iter().enumerate() {
            let fd = central_difference(|q| f(&with_params(&model, q), &sw), &p, c, step);
            prop_assert!(abs_diff_eq!(gp_c, fd, epsilon = 1e-6 * (1.0 + fd.abs())), "param {}: {} vs fd {}", c, gp_c, fd);
        }
        for (c, &gw_c) in gw.iter().enumerate() {
            let fd = central_difference(|w| f(&model, w), &sw, c, step);
            prop_assert!(abs_diff_eq!(gw_c, fd, epsilon = 1e-6 * (1.0 + fd.abs())), "weight {}: {} vs fd {}", c, gw_c, fd);
        }
        // observed rows receive no gradient from the hidden part
        prop_assert!(gp[..o].iter().all(|&g| g == 0.0));
    }

    /// The path-wise reverse sweep through a whole ∂PP sample of the SRM's hidden part:
    /// F(θ) = β log q + Σ c_k · y_k with the noise fixed, against central differences.
    #[test]
    fn reverse_sweep_matches_finite_differences(seed in any::<u64>(), h in 1usize..4, tau in 0.2f64..1.0, beta in -1.5f64..1.5) {
        let t1 = 4.0;
        let o = 2;
        let model = random_snn(seed, o, h, 2.0);
        let obs = observed(seed, o, o, t1);
        let window = obs.window();
        let srm = SnnHidden::new(&model, &obs, 1e-3).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0xabc);
        let noise = DiffPP::draw_noise(&srm, window, &mut rng).unwrap();
        let dpp = DiffPP::new(window, Mode::soft(tau).unwrap());
        let trace = dpp.sample_with_noise(&srm, &noise).unwrap();
        let c: Vec<f64> = (0..trace.y().len()).map(|_| rng.random_range(-1.0..1.0)).collect();
        let f = |m: &Snn| -> f64 {
            let s = SnnHidden::new(m, &obs, 1e-3).unwrap();
            let t = dpp.sample_with_noise(&s, &noise).unwrap();
            beta * t.log_q() + t.y().iter().zip(&c).map(|(a, b)| a * b).sum::<f64>()
        };
        let mut grad = vec![0.0; model.n_params()];
        gradient_through_sample(&srm, &trace, beta, Some(&c), &mut grad, &mut ReverseWorkspace::new()).unwrap();
        let p = model.params();
        let step = 1e-6;
        let mut max_abs: f64 = 0.0;
        for (i, &grad_i) in grad.iter().enumerate() {
            let fd = central_difference(|q| f(&with_params(&model, q)), &p, i, step);
            max_abs = max_abs.max(fd.abs());
            prop_assert!(abs_diff_eq!(grad_i, fd, epsilon = 1e-5 * (1.0 + fd.abs())), "param {}: {} vs fd {}", i, grad_i, fd);
        }
        prop_assume!(max_abs > 1e-3);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// The SNN-specialised reverse sweep (what `gradient_*` run for an `SnnHidden`) equals the
    /// generic sweep through the VJP: path-wise with a loss in the marks and β ≠ 0, and with
    /// the marks fixed (with their total adjoint), for each kind of basis and with
    /// connections masked out.
    #[test]
    fn specialised_sweep_equals_generic_sweep(seed in any::<u64>(), beta in -1.5f64..1.5, tau in 0.1f64..1.0, kind in 0usize..3) {
        let basis = match kind {
            0 => Basis::epanechnikov_default(2),
            1 => Basis::Exponential { time_constants: vec![0.7, 2.5] },
            _ => Basis::Alpha { time_constants: vec![0.5, 1.5] },
        };
        // a fixed pattern of missing connections (into hidden neurons from observed and
        // hidden ones, and one self-connection)
        let n = 5;
        let mut mask = vec![true; n * n];
        for &(i, j) in &[(2, 0), (3, 4), (4, 4), (0, 3)] {
            mask[i * n + j] = false;
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let model = SnnBuilder::new(2, 3).basis(basis).connection(mask).random(&mut rng).unwrap();
        let obs = observed(seed, 2, 2, 25.0);
        let hidden = SnnHidden::new(&model, &obs, 1e-6).unwrap();
        let trace = DiffPP::new(obs.window(), Mode::soft(tau).unwrap()).sample(&hidden, &mut rng).unwrap();
        let dl: Vec<f64> = (0..trace.y().len()).map(|_| rng.random_range(-0.4..0.6)).collect();
        let np = model.n_params();
        let (mut fast, mut generic) = (vec![0.0; np], vec![0.0; np]);
        let mut rev = ReverseWorkspace::new();
        gradient_through_sample(&hidden, &trace, beta, Some(&dl), &mut fast, &mut rev).unwrap();
        let request = SweepRequest { beta, loss_adjoint: Some(&dl), through_sample: true, mark_adjoint: None };
        generic_reverse_sweep(&hidden, &trace, request, &mut generic, &mut rev).unwrap();
        for i in 0..np {
            prop_assert!(abs_diff_eq!(fast[i], generic[i], epsilon = 1e-9 * (1.0 + generic[i].abs())), "through the sample, {}: {} vs {}", i, fast[i], generic[i]);
        }
        let (mut gy_fast, mut gy_generic) = (vec![0.0; dl.len()], vec![0.0; dl.len()]);
        gradient_fixed_sample(&hidden, &trace, beta, Some(&dl), &mut fast, Some(&mut gy_fast), &mut rev).unwrap();
        let request = SweepRequest { beta, loss_adjoint: Some(&dl), through_sample: false, mark_adjoint: Some(&mut gy_generic) };
        generic_reverse_sweep(&hidden, &trace, request, &mut generic, &mut rev).unwrap();
        for i in 0..np {
            prop_assert!(abs_diff_eq!(fast[i], generic[i], epsilon = 1e-9 * (1.0 + generic[i].abs())), "fixed sample, {}: {} vs {}", i, fast[i], generic[i]);
        }
        for i in 0..dl.len() {
            prop_assert!(abs_diff_eq!(gy_fast[i], gy_generic[i], epsilon = 1e-9 * (1.0 + gy_generic[i].abs())), "mark adjoint {}: {} vs {}", i, gy_fast[i], gy_generic[i]);
        }
    }
}

/// A trace that is not the model's last forward run (another sample came in between) is swept
/// by the generic sweep, with the same result.
#[test]
fn a_stale_trace_falls_back_to_the_generic_sweep() {
    let model = random_snn(9, 2, 3, 2.0);
    let obs = observed(9, 2, 2, 12.0);
    let hidden = SnnHidden::new(&model, &obs, 1e-6).unwrap();
    let dpp = DiffPP::new(obs.window(), Mode::soft(0.4).unwrap());
    let first = dpp
        .sample(&hidden, &mut Xoshiro256PlusPlus::seed_from_u64(1))
        .unwrap();
    let np = model.n_params();
    let mut rev = ReverseWorkspace::new();
    let mut fresh = vec![0.0; np];
    gradient_fixed_sample(&hidden, &first, 1.0, None, &mut fresh, None, &mut rev).unwrap();
    let second = dpp
        .sample(&hidden, &mut Xoshiro256PlusPlus::seed_from_u64(2))
        .unwrap();
    assert_ne!(first.times(), second.times());
    let mut stale = vec![0.0; np];
    gradient_fixed_sample(&hidden, &first, 1.0, None, &mut stale, None, &mut rev).unwrap();
    for i in 0..np {
        assert!(
            abs_diff_eq!(fresh[i], stale[i], epsilon = 1e-9 * (1.0 + stale[i].abs())),
            "{i}: {} vs {}",
            fresh[i],
            stale[i]
        );
    }
}

/// Marks held fixed (the "M step" / log p(H; θ) at a sample of q): ∂F/∂θ and the total
/// ∂F/∂y against central differences of `evaluate`.
#[test]
fn fixed_sample_gradient_matches_finite_differences() {
    for seed in 0..6u64 {
        let (o, h, t1) = (2, 3, 3.0);
        let model = random_snn(seed, o, h, 2.0);
        let obs = observed(seed, o, o, t1);
        let window = obs.window();
        let srm = SnnHidden::new(&model, &obs, 1e-3).unwrap();
        let dpp = DiffPP::new(window, Mode::soft(0.5).unwrap());
        let sample = dpp
            .sample(&srm, &mut Xoshiro256PlusPlus::seed_from_u64(seed))
            .unwrap();
        let trace = dpp.evaluate(&srm, sample.times(), sample.y()).unwrap();
        let f = |m: &Snn| -> f64 {
            let s = SnnHidden::new(m, &obs, 1e-3).unwrap();
            dpp.evaluate(&s, sample.times(), sample.y())
                .unwrap()
                .log_q()
        };
        let mut grad = vec![0.0; model.n_params()];
        gradient_fixed_sample(
            &srm,
            &trace,
            1.0,
            None,
            &mut grad,
            None,
            &mut ReverseWorkspace::new(),
        )
        .unwrap();
        let p = model.params();
        for (i, &grad_i) in grad.iter().enumerate() {
            let fd = central_difference(|q| f(&with_params(&model, q)), &p, i, 1e-6);
            assert!(
                abs_diff_eq!(grad_i, fd, epsilon = 1e-5 * (1.0 + fd.abs())),
                "seed {seed} param {i}: {grad_i} vs fd {fd}"
            );
        }
    }
}

/// Ordinary thinning with Gumbel-max, written with snn-model's *hard* potentials: at each
/// candidate, α from the intensities given the observed spikes and the accepted hidden spikes
/// only (one-hot marks, rejected candidates absent); category argmax(α + g).
fn thinning_oracle(model: &Snn, obs: &EventSequence, rate: f64, noise: &Noise) -> Vec<usize> {
    let (o, h) = (model.n_obs(), model.n_hidden());
    let mut events: Vec<(f64, u32)> = obs.history().iter().collect();
    let mut cats = Vec::new();
    let mut u = vec![0.0; o + h];
    for (k, &s) in noise.times().iter().enumerate() {
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (times, marks): (Vec<f64>, Vec<u32>) = events.iter().copied().unzip();
        model.potentials_direct(s, History::new(&times, &marks).unwrap(), &mut u);
        let lambdas: Vec<f64> = (0..h).map(|j| model.activation().value(u[o + j])).collect();
        let total: f64 = lambdas.iter().sum();
        assert!(total < rate);
        let mut alpha: Vec<f64> = lambdas.iter().map(|l| (l / rate).ln()).collect();
        alpha.push((1.0 - total / rate).ln());
        let scores: Vec<f64> = alpha
            .iter()
            .zip(noise.gumbel_of(k))
            .map(|(a, b)| a + b)
            .collect();
        let c = argmax(&scores).unwrap();
        cats.push(c);
        if c < h {
            events.push((s, (o + c) as u32));
        }
    }
    cats
}

#[test]
fn hard_mode_makes_exactly_the_thinning_decisions() {
    let t1 = 25.0;
    let mut accepted = 0;
    for seed in 0..6u64 {
        let model = random_snn(seed, 2, 3, 3.0);
        let obs = observed(seed, 2, 2, t1);
        let srm = SnnHidden::new(&model, &obs, SnnHidden::DEFAULT_EPSILON).unwrap();
        let window = obs.window();
        let noise = DiffPP::draw_noise(
            &srm,
            window,
            &mut Xoshiro256PlusPlus::seed_from_u64(100 + seed),
        )
        .unwrap();
        let trace = DiffPP::new(window, Mode::Hard)
            .sample_with_noise(&srm, &noise)
            .unwrap();
        let oracle = thinning_oracle(&model, &obs, srm.candidate_rate(), &noise);
        assert_eq!(trace.categories(), &oracle[..], "seed {seed}");
        accepted += (0..trace.len())
            .filter(|&k| trace.accepted(k).is_some())
            .count();
    }
    assert!(
        accepted > 50,
        "the test exercised accepted spikes: {accepted}"
    );
}

/// Rows of zeros (rejected candidates of a hard run) do not change the intensities.
#[test]
fn zero_rows_are_absent_events() {
    let model = random_snn(4, 2, 2, 3.0);
    let obs = observed(4, 2, 2, 10.0);
    let srm = SnnHidden::new(&model, &obs, 1e-6).unwrap();
    let (st, sw) = ([4.0, 4.5, 5.0], [0.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
    let (st2, sw2) = ([4.0, 5.0], [0.0, 1.0, 1.0, 0.0]);
    let (mut a, mut b) = ([0.0; 2], [0.0; 2]);
    srm.hidden_log_intensities(5.5, SoftEvents::new(&st, &sw, 2).unwrap(), &mut a);
    srm.hidden_log_intensities(5.5, SoftEvents::new(&st2, &sw2, 2).unwrap(), &mut b);
    assert_eq!(a, b);
}

#[test]
fn bad_models_and_sequences_are_errors() {
    let window = Window::new(0.0, 5.0).unwrap();
    let obs = EventSequence::new(window, 2, vec![1.0], vec![1]).unwrap();
    let exp = SnnBuilder::new(2, 2)
        .activation(Activation::Exp)
        .check()
        .unwrap();
    assert!(matches!(
        SnnHidden::new(&exp, &obs, 1e-6),
        Err(DiffppError::InvalidModel { .. })
    ));
    let none = SnnBuilder::new(2, 0).check().unwrap();
    assert!(matches!(
        SnnHidden::new(&none, &obs, 1e-6),
        Err(DiffppError::InvalidModel { .. })
    ));
    let m = SnnBuilder::new(2, 2).check().unwrap();
    for eps in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e-13] {
        assert!(
            matches!(
                SnnHidden::new(&m, &obs, eps),
                Err(DiffppError::InvalidModel { .. })
            ),
            "{eps}"
        );
    }
    let wrong_dim = EventSequence::new(window, 3, vec![1.0], vec![0]).unwrap();
    assert!(matches!(
        SnnHidden::new(&m, &wrong_dim, 1e-6),
        Err(DiffppError::Core(PpError::DimensionMismatch { .. }))
    ));
    let hidden_mark = EventSequence::new(window, 4, vec![1.0], vec![3]).unwrap();
    assert!(matches!(
        SnnHidden::new(&m, &hidden_mark, 1e-6),
        Err(DiffppError::Core(PpError::MarkOutOfRange { mark: 3, .. }))
    ));
    // hardtanh has a global bound a + ε per neuron
    let ht = SnnBuilder::new(2, 2)
        .activation(Activation::Hardtanh {
            amplitude: 3.0,
            eps: 1e-8,
        })
        .check()
        .unwrap();
    let srm = SnnHidden::new(&ht, &obs, 1e-6).unwrap();
    assert_eq!(srm.candidate_rate(), 2.0 * (3.0 + 1e-8) + 1e-6);
}

/// An adjoint that overflows in the reverse sweep (here from loss adjoints near f64's largest)
/// is a numerical error naming the sample adjoint, raised where it first appears, not a
/// complaint about an invalid soft mark further down.
#[test]
fn an_overflowing_adjoint_is_a_numerical_error_of_the_sweep() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let model = random_snn(4, 2, 3, 1.0);
    let obs = observed(4, 2, 2, 10.0);
    let hidden = SnnHidden::new(&model, &obs, 1e-6).unwrap();
    let trace = DiffPP::new(obs.window(), Mode::soft(0.3).unwrap())
        .sample(&hidden, &mut rng)
        .unwrap();
    assert!(trace.times().len() > 2);
    let dl = vec![f64::MAX / 2.0; trace.y().len()]; // finite, but sums of them are not
    let mut grad = vec![0.0; model.n_params()];
    let err = gradient_through_sample(
        &hidden,
        &trace,
        0.0,
        Some(&dl),
        &mut grad,
        &mut ReverseWorkspace::new(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DiffppError::NonFinite { what, .. } if what.starts_with("sample adjoint")),
        "{err}"
    );
}

/// On a trace long enough that both the sampler's potential tracker and the specialised
/// sweep's reversed-time tracker drop the events that have passed (3,000 candidates, more than
/// twice the least batch they drop), the sweep still equals the generic one, for a basis of
/// finite support and one of infinite support.
#[test]
fn a_long_trace_whose_passed_events_are_dropped_sweeps_as_the_generic_sweep() {
    for basis in [
        Basis::epanechnikov_default(2),
        Basis::Exponential {
            time_constants: vec![0.7, 2.5],
        },
    ] {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let model = SnnBuilder::new(2, 3).basis(basis).random(&mut rng).unwrap();
        let obs = observed(5, 2, 2, 200.0);
        let hidden = SnnHidden::new(&model, &obs, 1e-6).unwrap();
        let trace = DiffPP::new(obs.window(), Mode::soft(0.5).unwrap())
            .sample(&hidden, &mut rng)
            .unwrap();
        assert!(trace.len() > 2 * snn_model::BasisTracker::FORGET_MIN);
        let dl: Vec<f64> = (0..trace.y().len())
            .map(|_| rng.random_range(-0.4..0.6))
            .collect();
        let np = model.n_params();
        let (mut fast, mut generic) = (vec![0.0; np], vec![0.0; np]);
        let mut rev = ReverseWorkspace::new();
        gradient_through_sample(&hidden, &trace, 0.7, Some(&dl), &mut fast, &mut rev).unwrap();
        let request = SweepRequest {
            beta: 0.7,
            loss_adjoint: Some(&dl),
            through_sample: true,
            mark_adjoint: None,
        };
        generic_reverse_sweep(&hidden, &trace, request, &mut generic, &mut rev).unwrap();
        for i in 0..np {
            assert!(
                abs_diff_eq!(
                    fast[i],
                    generic[i],
                    epsilon = 1e-9 * (1.0 + generic[i].abs())
                ),
                "{:?}, parameter {i}: {} vs {}",
                model.basis(),
                fast[i],
                generic[i]
            );
        }
    }
}
