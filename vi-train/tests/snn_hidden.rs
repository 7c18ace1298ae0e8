//! `SnnHidden` (the SNN's hidden neurons as a ∂PP model): log-intensities against
//! snn-model's direct soft potentials, and the VJP against central finite differences in the
//! parameters and the soft weights.

mod common;

use common::{assert_close, central_differences, observed_data, random_snn};
use diffpp::{SoftEvents, SoftHiddenIntensity};
use pp_core::Parametric;
use proptest::prelude::*;
use snn_model::Snn;
use vi_train::vi::SnnHidden;

/// A soft history of `m` events before `s` (within the support) with weights summing below 1.
fn history(s: f64, m: usize, h: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut times: Vec<f64> = (0..m)
        .map(|e| s - 11.5 + 11.4 * ((e as f64 + 0.5) / m as f64))
        .collect();
    times.retain(|&t| t > 0.0);
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let weights = (0..times.len() * h)
        .map(|_| 0.9 * next() / h as f64)
        .collect();
    (times, weights)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn log_intensities_match_direct_potentials(seed in 0u64..10_000, s in 3.0f64..14.0) {
        let model = random_snn(2, 3, seed);
        let obs = observed_data(&random_snn(2, 3, seed + 1), 15.0, 1, seed).remove(0);
        let hidden = SnnHidden::new(&model, &obs, 1e-6).unwrap();
        let (times, weights) = history(s, 40, 3, seed);
        let mut out = [0.0; 3];
        hidden.hidden_log_intensities(s, SoftEvents::new(&times, &weights, 3).unwrap(), &mut out);
        let mut u = [0.0; 5];
        model.soft_potentials_direct(s, obs.history_before(s), SoftEvents::new(&times, &weights, 3).unwrap(), &mut u);
        for h in 0..3 {
            let expected = model.activation().log_value(u[2 + h]);
            // the incremental evaluator's running sums (target space, re-centred windows) carry
            // ~1e-12 of rounding in the potentials here (largest seen over 300 cases: 1.2e-12)
            prop_assert!((out[h] - expected).abs() <= 1e-11 * expected.abs().max(1.0), "{h}: {} vs {expected}", out[h]);
        }
        // the 'none' category's log-rate the sampler uses, against log(λ̄ − Σ λ_h) from the
        // direct potentials: that subtraction loses ~ε λ̄ when Σ λ_h is close to λ̄, so the
        // oracle is good to 8 ε λ̄ / (λ̄ − Σ λ_h) in the logarithm, on top of the potentials'
        // rounding (1e-11, as above)
        let hidden = SnnHidden::new(&model, &obs, 1e-6).unwrap();
        let mut with_slack = [0.0; 3];
        let slack = hidden
            .hidden_log_intensities_and_slack(s, SoftEvents::new(&times, &weights, 3).unwrap(), &mut with_slack)
            .expect("the sigmoid gives its slack");
        let total: f64 = (0..3).map(|h| model.activation().value(u[2 + h])).sum();
        let rate = hidden.candidate_rate();
        let expected = (rate - total).ln();
        let tolerance = 1e-11 * expected.abs().max(1.0) + 8.0 * f64::EPSILON * rate / (rate - total);
        prop_assert!((slack - expected).abs() <= tolerance, "slack {slack} vs {expected}");
        for h in 0..3 {
            prop_assert!((with_slack[h] - out[h]).abs() <= 1e-14 * out[h].abs().max(1.0));
        }
    }

    #[test]
    fn vjp_matches_finite_differences(seed in 0u64..10_000, s in 3.0f64..14.0) {
        let model = random_snn(1, 2, seed);
        let obs = observed_data(&random_snn(1, 2, seed + 1), 15.0, 1, seed).remove(0);
        let (times, weights) = history(s, 30, 2, seed);
        let adjoint = [0.7, -1.3];
        let value = |m: &Snn, w: &[f64]| -> f64 {
            let hidden = SnnHidden::new(m, &obs, 1e-6).unwrap();
            let mut out = [0.0; 2];
            hidden.hidden_log_intensities(s, SoftEvents::new(&times, w, 2).unwrap(), &mut out);
            adjoint[0] * out[0] + adjoint[1] * out[1]
        };
        let hidden = SnnHidden::new(&model, &obs, 1e-6).unwrap();
        let mut gp = vec![0.0; model.n_params()];
        let mut gw = vec![0.0; weights.len()];
        hidden.hidden_log_intensities_vjp(s, SoftEvents::new(&times, &weights, 2).unwrap(), &adjoint, &mut gp, &mut gw);
        // The values go through the incremental evaluator (running moment sums, rounding
        // ~1e-12 of the potentials), so central differences take the step 1e-4: rounding noise
        // ~1e-8, truncation error ~1e-9 (the log-intensities are smooth in the parameters and
        // the weights: log ψ of a linear function).
        let fd_p = central_differences(&model.params(), 1e-4, |x| {
            let mut m = model.clone();
            m.set_params(x).unwrap();
            value(&m, &weights)
        });
        assert_close("parameters", &gp, &fd_p, 1e-6, 2e-7);
        let fd_w = central_differences(&weights, 1e-4, |w| value(&model, w));
        assert_close("soft weights", &gw, &fd_w, 1e-6, 2e-7);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// The SNN-specialised reverse sweep equals diffpp's generic sweeps (path-wise with a loss
    /// in the marks and β ≠ 0; fixed sample with the marks' total adjoint), for each kind of
    /// basis and with connections masked out.
    #[test]
    fn specialised_sweep_equals_generic_sweeps(seed in 0u64..10_000, beta in -1.5f64..1.5, tau in 0.1f64..1.0, kind in 0usize..3) {
        use diffpp::{DiffPP, Mode};
        use rand::SeedableRng;
        let basis = match kind {
            0 => snn_model::Basis::epanechnikov_default(2),
            1 => snn_model::Basis::Exponential { time_constants: vec![0.7, 2.5] },
            _ => snn_model::Basis::Alpha { time_constants: vec![0.5, 1.5] },
        };
        // a fixed pattern of missing connections (into hidden neurons from observed and
        // hidden ones, and one self-connection)
        let n = 5;
        let mut mask = vec![true; n * n];
        for &(i, j) in &[(2, 0), (3, 4), (4, 4), (0, 3)] {
            mask[i * n + j] = false;
        }
        let model = snn_model::SnnBuilder::new(2, 3)
            .basis(basis)
            .connection(mask)
            .random(&mut pp_thinning::sequence_rng(seed, 77))
            .unwrap();
        let obs = observed_data(&random_snn(2, 3, seed + 1), 25.0, 1, seed).remove(0);
        let hidden = SnnHidden::new(&model, &obs, 1e-6).unwrap();
        let trace = DiffPP::new(obs.window(), Mode::soft(tau).unwrap())
            .sample(&hidden, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed))
            .unwrap();
        let dl: Vec<f64> = (0..trace.y().len()).map(|i| ((i * 7919) % 13) as f64 / 13.0 - 0.4).collect();
        let np = model.n_params();
        let (mut fast, mut generic) = (vec![0.0; np], vec![0.0; np]);
        let mut sweep = vi_train::vi::SweepWorkspace::default();
        let mut rev = diffpp::ReverseWorkspace::new();
        vi_train::vi::snn_sweep(&hidden, &trace, beta, Some(&dl), true, &mut fast, None, &mut sweep).unwrap();
        diffpp::gradient_through_sample(&hidden, &trace, beta, Some(&dl), &mut generic, &mut rev).unwrap();
        assert_close("through the sample", &fast, &generic, 1e-9, 1e-9);
        let (mut gy_fast, mut gy_generic) = (vec![0.0; dl.len()], vec![0.0; dl.len()]);
        vi_train::vi::snn_sweep(&hidden, &trace, beta, Some(&dl), false, &mut fast, Some(&mut gy_fast), &mut sweep).unwrap();
        diffpp::gradient_fixed_sample(&hidden, &trace, beta, Some(&dl), &mut generic, Some(&mut gy_generic), &mut rev).unwrap();
        assert_close("fixed sample", &fast, &generic, 1e-9, 1e-9);
        assert_close("mark adjoints", &gy_fast, &gy_generic, 1e-9, 1e-9);
    }
}
