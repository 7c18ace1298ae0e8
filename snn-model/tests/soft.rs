//! Soft hidden events: the fast evaluator against the direct oracle, the one-hot identities
//! with the ordinary (hard) SNN, exact gradients against central finite differences, the
//! quadrature against an independent fine integral, and typed errors on bad input.

mod common;

use approx::abs_diff_eq;
use common::central_difference;
use pp_core::{EventSequence, History, Parametric, PpError, Window};
use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::soft::{SoftEvents, SoftPotentials, SoftWorkspace};
use snn_model::{
    Activation, Basis, CompensatorMethod, LikelihoodOptions, Snn, SnnBuilder, SnnError,
};

/// A random model: `o` observed + `h` hidden neurons, `k` Epanechnikov bumps with centres
/// evenly spaced on [0, 2] and scale 0.75 (so the kink lags do not coincide), biases U(−1, 1),
/// weights U(−w, w), a random connection mask (~80 % on).
fn random_model(seed: u64, o: usize, h: usize, k: usize, w: f64, basis: Option<Basis>) -> Snn {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n = o + h;
    let centers = (0..k)
        .map(|i| {
            if k == 1 {
                0.4
            } else {
                2.0 * i as f64 / (k - 1) as f64
            }
        })
        .collect();
    let basis = basis.unwrap_or(Basis::Epanechnikov {
        centers,
        scale: 0.75,
    });
    let kk = basis.len();
    SnnBuilder::new(o, h)
        .basis(basis)
        .bias((0..n).map(|_| rng.random_range(-1.0..1.0)).collect())
        .weights((0..kk * n * n).map(|_| rng.random_range(-w..w)).collect())
        .connection((0..n * n).map(|_| rng.random::<f64>() < 0.8).collect())
        .check()
        .unwrap()
}

/// Poisson times of rate `rate` on `[0, t1]` (strictly increasing).
fn poisson_times(rng: &mut Xoshiro256PlusPlus, rate: f64, t1: f64) -> Vec<f64> {
    let mut t = 0.0;
    let mut out = Vec::new();
    loop {
        t += -rng.random::<f64>().ln() / rate;
        if t >= t1 {
            return out;
        }
        out.push(t);
    }
}

/// Random observed spikes (marks < o) and soft events (weights in [lo, 1] scaled to sum < 1).
fn random_data(
    seed: u64,
    o: usize,
    h: usize,
    t1: f64,
    soft_rate: f64,
) -> (EventSequence, Vec<f64>, Vec<f64>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x9e37_79b9);
    let window = Window::new(0.0, t1).unwrap();
    let ot = poisson_times(&mut rng, 1.5 * o as f64, t1);
    let om = ot.iter().map(|_| rng.random_range(0..o as u32)).collect();
    let observed = EventSequence::new(window, o, ot, om).unwrap();
    let st = poisson_times(&mut rng, soft_rate, t1);
    let mut sw = Vec::with_capacity(st.len() * h);
    for _ in 0..st.len() {
        let row: Vec<f64> = (0..h).map(|_| rng.random_range(0.05..1.0)).collect();
        let total: f64 = row.iter().sum::<f64>() * 1.1;
        sw.extend(row.iter().map(|x| x / total));
    }
    (observed, st, sw)
}

fn tight() -> CompensatorMethod {
    CompensatorMethod::Quadrature(pp_core::Quadrature::new(15, 1e-13, 1e-16, 50).unwrap())
}

/// One-hot soft weights from hard hidden marks (`None` = a row of zeros), and the merged
/// hard sequence on all N neurons.
fn one_hot(
    o: usize,
    h: usize,
    observed: &EventSequence,
    times: &[f64],
    marks: &[Option<usize>],
) -> (Vec<f64>, EventSequence) {
    let mut w = vec![0.0; times.len() * h];
    let mut events: Vec<(f64, u32)> = observed.history().iter().collect();
    for (e, m) in marks.iter().enumerate() {
        if let Some(m) = *m {
            w[e * h + m] = 1.0;
            events.push((times[e], (o + m) as u32));
        }
    }
    let merged = EventSequence::from_unsorted(observed.window(), o + h, &events).unwrap();
    (w, merged)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The fast evaluator equals the direct sum (1e-9 relative) at sorted random query times.
    #[test]
    fn fast_soft_potentials_match_direct(seed in any::<u64>(), o in 1usize..3, h in 1usize..4, k in 1usize..4) {
        let model = random_model(seed, o, h, k, 3.0, None);
        let (observed, st, sw) = random_data(seed, o, h, 12.0, 4.0);
        let hidden = SoftEvents::new(&st, &sw, h).unwrap();
        let mut fast = SoftPotentials::new(&model);
        fast.load(&model, observed.history(), hidden).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut queries: Vec<f64> = (0..200).map(|_| rng.random_range(0.0..13.0)).collect();
        queries.extend_from_slice(&st[..st.len().min(20)]); // exactly at soft event times
        queries.sort_by(f64::total_cmp);
        let n = o + h;
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        for &t in &queries {
            fast.potentials_at(&model, t, &mut a).unwrap();
            model.soft_potentials_direct(t, observed.history(), hidden, &mut b);
            for i in 0..n {
                prop_assert!(abs_diff_eq!(a[i], b[i], epsilon = 1e-9 * (1.0 + b[i].abs())), "t {} neuron {}: fast {} direct {}", t, i, a[i], b[i]);
            }
        }
    }

    /// One-hot weights: the soft potentials are the ordinary potentials of the merged hard
    /// sequence (rows of zeros = absent events), and observed + hidden log-likelihoods add up
    /// to the fully observed log-likelihood (1e-9 relative), for quadrature and Monte Carlo.
    #[test]
    fn one_hot_soft_events_are_hard_spikes(seed in any::<u64>(), o in 1usize..3, h in 1usize..4, k in 1usize..3) {
        let model = random_model(seed, o, h, k, 2.0, None);
        let (observed, st, _) = random_data(seed, o, h, 15.0, 3.0);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 7);
        let marks: Vec<Option<usize>> = st.iter().map(|_| {
            let c = rng.random_range(0..=h);
            (c < h).then_some(c)
        }).collect();
        let (w, merged) = one_hot(o, h, &observed, &st, &marks);
        let hidden = SoftEvents::new(&st, &w, h).unwrap();
        let n = o + h;
        let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
        for step in 0..150 {
            let t = 0.1 * step as f64;
            model.soft_potentials_direct(t, observed.history(), hidden, &mut a);
            model.potentials_direct(t, merged.history(), &mut b);
            for i in 0..n {
                prop_assert!((a[i] - b[i]).abs() <= 1e-12 * (1.0 + b[i].abs()));
            }
        }
        let mut ws = SoftWorkspace::new(&model);
        for method in [tight(), CompensatorMethod::monte_carlo(500, 3).unwrap()] {
            let obs = model.observed_log_likelihood(&observed, hidden, &method, &mut ws).unwrap();
            let hid = model.hidden_log_likelihood(&merged, &method, &mut ws, None).unwrap();
            let opts = LikelihoodOptions { compensator: method, regularisation: 0.0 };
            let full = model.objective(&merged, &opts, None).unwrap().log_likelihood();
            prop_assert!(abs_diff_eq!(obs + hid, full, epsilon = 1e-9 * (1.0 + full.abs())), "{:?}: {} + {} vs {}", method, obs, hid, full);
        }
        // the default tolerances also satisfy the identity to 1e-9
        let obs = model.observed_log_likelihood(&observed, hidden, &CompensatorMethod::default(), &mut ws).unwrap();
        let hid = model.hidden_log_likelihood(&merged, &CompensatorMethod::default(), &mut ws, None).unwrap();
        let full = model.objective(&merged, &LikelihoodOptions::unpenalised(), None).unwrap().log_likelihood();
        prop_assert!(abs_diff_eq!(obs + hid, full, epsilon = 1e-9 * (1.0 + full.abs())), "default: {} + {} vs {}", obs, hid, full);
    }

    /// The per-neuron log-likelihood in one pass: its entries add up to the observed part
    /// (one-hot soft events), the hidden part and the full log-likelihood of the fully observed
    /// path (for the exponential basis an independent adaptive Gauss–Kronrod implementation);
    /// its gradient equals the full gradient, and its hidden rows the hidden part's gradient.
    #[test]
    fn per_neuron_log_likelihood_splits_the_full_one(seed in any::<u64>(), o in 1usize..3, h in 1usize..4, k in 1usize..3, exp_basis in any::<bool>()) {
        let basis = exp_basis.then(|| Basis::Exponential { time_constants: (0..k).map(|i| 0.5 + i as f64).collect() });
        let model = random_model(seed, o, h, k, 1.5, basis);
        let (observed, st, _) = random_data(seed, o, h, 12.0, 3.0);
        let marks: Vec<Option<usize>> = (0..st.len()).map(|e| (e % (h + 1) < h).then_some(e % (h + 1))).collect();
        let (w, merged) = one_hot(o, h, &observed, &st, &marks);
        let hidden = SoftEvents::new(&st, &w, h).unwrap();
        let n = o + h;
        let mut ws = SoftWorkspace::new(&model);
        let mut per = vec![0.0; n];
        let mut grad = vec![0.0; model.n_params()];
        model.log_likelihood_per_neuron(&merged, &tight(), &mut ws, &mut per, Some(&mut grad)).unwrap();
        let obs = model.observed_log_likelihood(&observed, hidden, &tight(), &mut ws).unwrap();
        let mut g_hid = vec![0.0; model.n_params()];
        let hid = model.hidden_log_likelihood(&merged, &tight(), &mut ws, Some(&mut g_hid)).unwrap();
        let mut g_full = vec![0.0; model.n_params()];
        let opts = LikelihoodOptions { compensator: tight(), regularisation: 0.0 };
        let full = model.objective(&merged, &opts, Some(&mut g_full)).unwrap().log_likelihood();
        let obs_part: f64 = per[..o].iter().sum();
        let hid_part: f64 = per[o..].iter().sum();
        prop_assert!(abs_diff_eq!(obs_part, obs, epsilon = 1e-10 * (1.0 + obs.abs())), "observed {} vs {}", obs_part, obs);
        prop_assert!(abs_diff_eq!(hid_part, hid, epsilon = 1e-10 * (1.0 + hid.abs())), "hidden {} vs {}", hid_part, hid);
        prop_assert!(abs_diff_eq!(obs_part + hid_part, full, epsilon = 1e-10 * (1.0 + full.abs())), "full {} vs {}", obs_part + hid_part, full);
        for c in 0..grad.len() {
            prop_assert!(abs_diff_eq!(grad[c], g_full[c], epsilon = 1e-8 * (1.0 + g_full[c].abs())), "param {}: {} vs {}", c, grad[c], g_full[c]);
            // the row of parameter c: bias i, or weight [k][i][j]
            let row = if c < n { c } else { ((c - n) / n) % n };
            if row >= o {
                prop_assert!(abs_diff_eq!(grad[c], g_hid[c], epsilon = 1e-8 * (1.0 + g_hid[c].abs())), "hidden param {}: {} vs {}", c, grad[c], g_hid[c]);
            } else {
                prop_assert_eq!(g_hid[c], 0.0);
            }
        }
        // the observed neurons alone: their terms, zeros elsewhere, their rows of the gradient
        let mut per_obs = vec![f64::NAN; n];
        let mut g_obs = vec![0.0; model.n_params()];
        model.log_likelihood_of_neurons(&merged, 0..o, &tight(), &mut ws, &mut per_obs, Some(&mut g_obs)).unwrap();
        for i in 0..n {
            if i < o {
                prop_assert!(abs_diff_eq!(per_obs[i], per[i], epsilon = 1e-10 * (1.0 + per[i].abs())), "neuron {}: {} vs {}", i, per_obs[i], per[i]);
            } else {
                prop_assert_eq!(per_obs[i], 0.0);
            }
        }
        for c in 0..grad.len() {
            let row = if c < n { c } else { ((c - n) / n) % n };
            let want = if row < o { grad[c] } else { 0.0 };
            prop_assert!(abs_diff_eq!(g_obs[c], want, epsilon = 1e-8 * (1.0 + want.abs())), "observed param {}: {} vs {}", c, g_obs[c], want);
        }
        prop_assert!(model.log_likelihood_of_neurons(&merged, 0..n + 1, &tight(), &mut ws, &mut per_obs, None).is_err());
    }

    /// The gradient of log p(O | H) in the parameters and in the soft weights against central
    /// differences (quadrature with tight tolerances, and Monte Carlo).
    #[test]
    fn observed_gradient_matches_finite_differences(seed in any::<u64>(), o in 1usize..3, h in 1usize..3, k in 1usize..3, mc in any::<bool>()) {
        let model = random_model(seed, o, h, k, 2.0, None);
        let (observed, st, sw) = random_data(seed, o, h, 6.0, 3.0);
        let method = if mc { CompensatorMethod::monte_carlo(300, 11).unwrap() } else { tight() };
        check_observed_gradient(&model, &observed, &st, &sw, &method)?;
    }

    /// The gradient of the hidden part of the hard log-likelihood against central differences.
    #[test]
    fn hidden_gradient_matches_finite_differences(seed in any::<u64>(), o in 1usize..3, h in 1usize..3, k in 1usize..3) {
        let model = random_model(seed, o, h, k, 2.0, None);
        let (observed, st, _) = random_data(seed, o, h, 8.0, 2.0);
        let marks: Vec<Option<usize>> = (0..st.len()).map(|e| Some(e % h)).collect();
        let (_, merged) = one_hot(o, h, &observed, &st, &marks);
        let mut ws = SoftWorkspace::new(&model);
        let mut grad = vec![0.0; model.n_params()];
        let v = model.hidden_log_likelihood(&merged, &tight(), &mut ws, Some(&mut grad)).unwrap();
        let p = model.params();
        let step = 1e-6;
        let f = |q: &[f64]| {
            let mut m = model.clone();
            m.set_params(q).unwrap();
            m.hidden_log_likelihood(&merged, &tight(), &mut ws.clone(), None).unwrap()
        };
        for (c, &grad_c) in grad.iter().enumerate() {
            let fd = central_difference(f, &p, c, step);
            prop_assert!(abs_diff_eq!(grad_c, fd, epsilon = 1e-5 * (1.0 + fd.abs())), "param {}: {} vs fd {} (value {})", c, grad_c, fd, v);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The stretch `[from, T1]` after a lead-in: value and gradients (parameters, every soft
    /// event's weights) are those of the whole window minus those of the lead-in alone, for the
    /// polynomial (Epanechnikov) and the generic (exponential) paths. Fails if the lead-in's
    /// spikes or soft events stop acting as sources, or if its events are scored.
    #[test]
    fn observed_stretch_is_the_whole_minus_the_lead_in(seed in any::<u64>(), o in 1usize..3, h in 1usize..3, k in 1usize..3, exp_basis in any::<bool>(), cut in 0.15f64..0.85) {
        let basis = exp_basis.then(|| Basis::Exponential { time_constants: (1..=k).map(|r| 0.5 * r as f64).collect() });
        let model = random_model(seed, o, h, k, 2.0, basis);
        let (observed, st, sw) = random_data(seed, o, h, 6.0, 3.0);
        let from = 6.0 * cut;
        let lead = observed.split_windows(from).unwrap().swap_remove(0);
        let before = st.partition_point(|&t| t < from);
        let (mut ws, method) = (SoftWorkspace::new(&model), tight());
        let all = SoftEvents::new(&st, &sw, h).unwrap();
        let early = SoftEvents::new(&st[..before], &sw[..before * h], h).unwrap();
        let np = model.n_params();
        let (mut gp, mut gw) = (vec![0.0; np], vec![0.0; sw.len()]);
        let after = model.observed_log_likelihood_from(&observed, from, all, &method, &mut ws, Some((&mut gp, &mut gw))).unwrap();
        let (mut gp_all, mut gw_all) = (vec![0.0; np], vec![0.0; sw.len()]);
        let whole = model.observed_log_likelihood_grad(&observed, all, &method, &mut ws, &mut gp_all, &mut gw_all).unwrap();
        let (mut gp_lead, mut gw_lead) = (vec![0.0; np], vec![0.0; before * h]);
        let lead_in = model.observed_log_likelihood_grad(&lead, early, &method, &mut ws, &mut gp_lead, &mut gw_lead).unwrap();
        let close = |a: f64, b: f64| abs_diff_eq!(a, b, epsilon = 1e-9 * (1.0 + b.abs()));
        prop_assert!(close(after, whole - lead_in), "value {} vs {} − {}", after, whole, lead_in);
        let value_only = model.observed_log_likelihood_from(&observed, from, all, &method, &mut ws, None).unwrap();
        prop_assert_eq!(value_only, after);
        for c in 0..np {
            prop_assert!(close(gp[c], gp_all[c] - gp_lead[c]), "param {}: {} vs {}", c, gp[c], gp_all[c] - gp_lead[c]);
        }
        for c in 0..sw.len() {
            let want = gw_all[c] - gw_lead.get(c).copied().unwrap_or(0.0);
            prop_assert!(close(gw[c], want), "weight [{}][{}]: {} vs {}", c / h, c % h, gw[c], want);
        }
        // from = T0 is the whole window, bit for bit
        let at_start = model.observed_log_likelihood_from(&observed, 0.0, all, &method, &mut ws, None).unwrap();
        prop_assert_eq!(at_start, whole);
    }
}

#[test]
fn a_stretch_needs_from_inside_the_window_and_quadrature() {
    let model = random_model(5, 1, 1, 2, 1.0, None);
    let (observed, st, sw) = random_data(5, 1, 1, 6.0, 3.0);
    let soft = SoftEvents::new(&st, &sw, 1).unwrap();
    let mut ws = SoftWorkspace::new(&model);
    for from in [-1.0, 6.0, 7.0, f64::NAN] {
        let err = model
            .observed_log_likelihood_from(&observed, from, soft, &tight(), &mut ws, None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("from"), "{err}");
    }
    let mc = CompensatorMethod::monte_carlo(100, 1).unwrap();
    let err = model
        .observed_log_likelihood_from(&observed, 2.0, soft, &mc, &mut ws, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("quadrature"), "{err}");
    assert!(
        model
            .observed_log_likelihood_from(&observed, 0.0, soft, &mc, &mut ws, None)
            .is_ok()
    );
}

fn check_observed_gradient(
    model: &Snn,
    observed: &EventSequence,
    st: &[f64],
    sw: &[f64],
    method: &CompensatorMethod,
) -> Result<(), TestCaseError> {
    let h = model.n_hidden();
    let mut ws = SoftWorkspace::new(model);
    let mut gp = vec![0.0; model.n_params()];
    let mut gw = vec![0.0; sw.len()];
    let hidden = SoftEvents::new(st, sw, h).unwrap();
    let value = model
        .observed_log_likelihood_grad(observed, hidden, method, &mut ws, &mut gp, &mut gw)
        .unwrap();
    let plain = model
        .observed_log_likelihood(observed, hidden, method, &mut ws)
        .unwrap();
    prop_assert_eq!(value, plain);
    let step = 1e-6;
    let p = model.params();
    let f = |q: &[f64]| {
        let mut m = model.clone();
        m.set_params(q).unwrap();
        m.observed_log_likelihood(observed, hidden, method, &mut ws.clone())
            .unwrap()
    };
    for (c, &gp_c) in gp.iter().enumerate() {
        let fd = central_difference(f, &p, c, step);
        prop_assert!(
            abs_diff_eq!(gp_c, fd, epsilon = 1e-5 * (1.0 + fd.abs())),
            "param {}: {} vs fd {}",
            c,
            gp_c,
            fd
        );
    }
    let mut max_w: f64 = 0.0;
    let f = |w: &[f64]| {
        let ev = SoftEvents::new(st, w, h).unwrap();
        model
            .observed_log_likelihood(observed, ev, method, &mut ws.clone())
            .unwrap()
    };
    for (c, &gw_c) in gw.iter().enumerate() {
        let fd = central_difference(f, sw, c, step);
        max_w = max_w.max(fd.abs());
        prop_assert!(
            abs_diff_eq!(gw_c, fd, epsilon = 1e-5 * (1.0 + fd.abs())),
            "weight [{}][{}]: {} vs fd {}",
            c / h,
            c % h,
            gw_c,
            fd
        );
    }
    // some weight mattered (the case is not vacuous) unless there were no soft events or no
    // connection from a hidden to an observed neuron
    let o = model.n_obs();
    let wired = (0..o).any(|i| (o..o + h).any(|j| model.connected(i, j)));
    // (hardtanh is flat outside (0, a): its gradient may vanish legitimately)
    let smooth = !matches!(model.activation(), Activation::Hardtanh { .. });
    prop_assert!(sw.is_empty() || !wired || !smooth || max_w > 0.0);
    Ok(())
}

/// Non-polynomial bases (exponential, alpha) and the hardtanh activation take the generic
/// paths (adaptive Gauss–Kronrod, direct soft-weight gradient): same checks.
#[test]
fn generic_bases_and_activations_have_exact_gradients() {
    let bases = [
        Some(Basis::Exponential {
            time_constants: vec![0.5, 2.0],
        }),
        Some(Basis::Alpha {
            time_constants: vec![1.0],
        }),
        None,
    ];
    for (b, basis) in bases.into_iter().enumerate() {
        for seed in 0..3u64 {
            let mut model = random_model(seed + 10 * b as u64, 1, 2, 2, 1.5, basis.clone());
            if b == 2 {
                // hardtanh: kinks in the activation, adaptive quadrature
                let p = model.params();
                model = SnnBuilder::new(1, 2)
                    .basis(model.basis().clone())
                    .activation(Activation::Hardtanh {
                        amplitude: 4.0,
                        eps: 1e-3,
                    })
                    .check()
                    .unwrap();
                model.set_params(&p).unwrap();
            }
            let (observed, st, sw) = random_data(seed, 1, 2, 5.0, 2.0);
            for method in [tight(), CompensatorMethod::monte_carlo(200, seed).unwrap()] {
                check_observed_gradient(&model, &observed, &st, &sw, &method).unwrap();
            }
            // identity with the hard model
            let marks: Vec<Option<usize>> = (0..st.len()).map(|e| Some(e % 2)).collect();
            let (w, merged) = one_hot(1, 2, &observed, &st, &marks);
            let mut ws = SoftWorkspace::new(&model);
            let hidden = SoftEvents::new(&st, &w, 2).unwrap();
            let obs = model
                .observed_log_likelihood(&observed, hidden, &tight(), &mut ws)
                .unwrap();
            let hid = model
                .hidden_log_likelihood(&merged, &tight(), &mut ws, None)
                .unwrap();
            let opts = LikelihoodOptions {
                compensator: tight(),
                regularisation: 0.0,
            };
            let full = model
                .objective(&merged, &opts, None)
                .unwrap()
                .log_likelihood();
            assert!(
                abs_diff_eq!(obs + hid, full, epsilon = 1e-9 * (1.0 + full.abs())),
                "basis {b}: {obs} + {hid} vs {full}"
            );
        }
    }
}

/// The quadrature compensator against an independent fine integral: 24-point Gauss–Legendre
/// on 8 sub-intervals of every piece between breakpoints computed here, intensities from the
/// direct oracle. With no observed spikes, `log p(O | H) = −Σ_{i < n_obs} ∫ λ_i`.
#[test]
fn quadrature_matches_a_brute_force_integral() {
    let rule = pp_core::GaussLegendre::new(24).unwrap();
    for seed in 0..6u64 {
        let model = random_model(seed, 2, 3, 2, 3.0, None);
        let (_, st, sw) = random_data(seed, 2, 3, 20.0, 5.0);
        let window = Window::new(0.0, 20.0).unwrap();
        let observed = EventSequence::empty(window, 2).unwrap();
        let hidden = SoftEvents::new(&st, &sw, 3).unwrap();
        let mut cuts = vec![0.0, 20.0];
        for &s in &st {
            // centres {0, 2}, scale 0.75: the bumps live on lags (0, 0.75) and (1.25, 2.75)
            for lag in [0.0, 0.75, 1.25, 2.75] {
                cuts.push(s + lag);
            }
        }
        cuts.retain(|&c| (0.0..=20.0).contains(&c));
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let mut u = vec![0.0; 5];
        let mut brute = 0.0;
        for piece in cuts.windows(2) {
            let (a, b) = (piece[0], piece[1]);
            for sub in 0..8 {
                let (sa, sb) = (
                    a + (b - a) * sub as f64 / 8.0,
                    a + (b - a) * (sub + 1) as f64 / 8.0,
                );
                let (c, half) = (0.5 * (sa + sb), 0.5 * (sb - sa));
                for (x, w) in rule.nodes().iter().zip(rule.weights()) {
                    model.soft_potentials_direct(c + half * x, History::empty(), hidden, &mut u);
                    brute += half
                        * w
                        * (model.activation().value(u[0]) + model.activation().value(u[1]));
                }
            }
        }
        let mut ws = SoftWorkspace::new(&model);
        let v = model
            .observed_log_likelihood(&observed, hidden, &CompensatorMethod::default(), &mut ws)
            .unwrap();
        assert!(
            (-v - brute).abs() <= 1e-10 * brute,
            "seed {seed}: {} vs {brute}",
            -v
        );
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    let model = random_model(1, 2, 2, 2, 1.0, None);
    let window = Window::new(0.0, 5.0).unwrap();
    let observed = EventSequence::new(window, 2, vec![1.0, 2.0], vec![0, 1]).unwrap();
    let q = CompensatorMethod::default();
    let mut ws = SoftWorkspace::new(&model);
    // unsorted, duplicate, non-finite soft times
    assert!(matches!(
        SoftEvents::new(&[2.0, 1.0], &[0.1; 4], 2),
        Err(PpError::Unsorted { index: 1, .. })
    ));
    assert!(matches!(
        SoftEvents::new(&[1.0, 1.0], &[0.1; 4], 2),
        Err(PpError::DuplicateTime { index: 1, .. })
    ));
    assert!(matches!(
        SoftEvents::new(&[f64::NAN], &[0.1; 2], 2),
        Err(PpError::NonFinite { index: 0, .. })
    ));
    // weight length mismatch, NaN and negative weights
    assert!(matches!(
        SoftEvents::new(&[1.0], &[0.1; 3], 2),
        Err(PpError::LengthMismatch { .. })
    ));
    let e = SoftEvents::new(&[1.0, 2.0], &[0.1, 0.2, f64::NAN, 0.3], 2).unwrap_err();
    assert!(
        matches!(e, PpError::InvalidParameter { .. }) && e.to_string().contains("[1][0]"),
        "{e}"
    );
    assert!(matches!(
        SoftEvents::new(&[1.0], &[0.1, -0.2], 2),
        Err(PpError::InvalidParameter { .. })
    ));
    // soft events with the wrong H for the model, or outside the window
    let three = SoftEvents::new(&[1.0], &[0.1; 3], 3).unwrap();
    assert!(matches!(
        model.observed_log_likelihood(&observed, three, &q, &mut ws),
        Err(SnnError::Shape { .. })
    ));
    let late = SoftEvents::new(&[6.0], &[0.1; 2], 2).unwrap();
    assert!(matches!(
        model.observed_log_likelihood(&observed, late, &q, &mut ws),
        Err(SnnError::Pp(PpError::OutsideWindow { .. }))
    ));
    // observed marks out of range (a sequence on N neurons with a hidden neuron's spike)
    let ok = SoftEvents::new(&[1.5], &[0.1; 2], 2).unwrap();
    let on_n = EventSequence::new(window, 4, vec![1.0, 3.0], vec![0, 3]).unwrap();
    assert!(matches!(
        model.observed_log_likelihood(&on_n, ok, &q, &mut ws),
        Err(SnnError::Pp(PpError::MarkOutOfRange {
            index: 1,
            mark: 3,
            dim: 2
        }))
    ));
    let on_n_fine = EventSequence::new(window, 4, vec![1.0, 2.0], vec![0, 1]).unwrap();
    let a = model
        .observed_log_likelihood(&on_n_fine, ok, &q, &mut ws)
        .unwrap();
    let b = model
        .observed_log_likelihood(&observed, ok, &q, &mut ws)
        .unwrap();
    assert_eq!(a, b); // dimension n_obs or N: the same
    let wrong_dim = EventSequence::new(window, 3, vec![1.0], vec![0]).unwrap();
    assert!(matches!(
        model.observed_log_likelihood(&wrong_dim, ok, &q, &mut ws),
        Err(SnnError::Pp(PpError::DimensionMismatch { .. }))
    ));
    assert!(matches!(
        model.hidden_log_likelihood(&observed, &q, &mut ws, None),
        Err(SnnError::Pp(PpError::DimensionMismatch { .. }))
    ));
    // gradient buffers of the wrong length
    let mut gp = vec![0.0; model.n_params()];
    let mut gw = vec![0.0; 3];
    assert!(matches!(
        model.observed_log_likelihood_grad(&observed, ok, &q, &mut ws, &mut gp, &mut gw),
        Err(SnnError::Shape { .. })
    ));
    let mut short = vec![0.0; 2];
    let mut gw = vec![0.0; 2];
    assert!(matches!(
        model.observed_log_likelihood_grad(&observed, ok, &q, &mut ws, &mut short, &mut gw),
        Err(SnnError::Shape { .. })
    ));
    // a workspace made for another model shape
    let other = random_model(1, 1, 2, 2, 1.0, None);
    assert!(matches!(
        other.observed_log_likelihood(&EventSequence::empty(window, 1).unwrap(), ok, &q, &mut ws),
        Err(SnnError::InvalidValue { .. })
    ));
    // Monte Carlo with no points cannot even be specified
    assert!(matches!(
        CompensatorMethod::monte_carlo(0, 1),
        Err(PpError::InvalidArgument { .. })
    ));
}

/// The gradient is *added* into the buffers (accumulation across calls).
#[test]
fn gradients_accumulate() {
    let model = random_model(5, 2, 2, 2, 2.0, None);
    let (observed, st, sw) = random_data(5, 2, 2, 6.0, 3.0);
    let hidden = SoftEvents::new(&st, &sw, 2).unwrap();
    let q = CompensatorMethod::default();
    let mut ws = SoftWorkspace::new(&model);
    let (mut gp, mut gw) = (vec![0.0; model.n_params()], vec![0.0; sw.len()]);
    model
        .observed_log_likelihood_grad(&observed, hidden, &q, &mut ws, &mut gp, &mut gw)
        .unwrap();
    let (mut gp2, mut gw2) = (gp.clone(), gw.clone());
    model
        .observed_log_likelihood_grad(&observed, hidden, &q, &mut ws, &mut gp2, &mut gw2)
        .unwrap();
    for (a, b) in gp.iter().zip(&gp2).chain(gw.iter().zip(&gw2)) {
        assert!((2.0 * a - b).abs() <= 1e-12 * b.abs().max(1.0));
    }
}

/// A sequence long enough to be split over the cores (here 4 stretches of about 8,800 sources)
/// has the value and gradients of 8 short pieces evaluated whole, each from its cut on with
/// the kernel support before it as its lead-in (1e-9 relative; the split's own cuts are
/// elsewhere, so this fails if a stretch loses its lead-in's spikes or soft events, or if a
/// part's weight gradient lands on the wrong rows); and the split gives the same bits in a
/// pool of one thread and of two.
#[test]
fn a_long_sequence_split_over_the_cores_adds_up_its_pieces() {
    use snn_model::soft::MIN_SOURCES_PER_PART;
    // few targets (one loop over them) and many (the wide loops)
    for (o, h, t1, from) in [(2, 2, 4400.0, 0.0), (10, 3, 1700.0, 40.0)] {
        let model = random_model(3, o, h, 2, 1.0, None);
        let (observed, st, sw) = random_data(3, o, h, t1, 5.0);
        assert!(observed.len() + st.len() >= 4 * MIN_SOURCES_PER_PART);
        let all = SoftEvents::new(&st, &sw, h).unwrap();
        let method = CompensatorMethod::default();
        let np = model.n_params();
        let split_in = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let mut ws = SoftWorkspace::new(&model);
                let (mut gp, mut gw) = (vec![0.0; np], vec![0.0; sw.len()]);
                let grads = Some((&mut gp[..], &mut gw[..]));
                let v = model
                    .observed_log_likelihood_from(&observed, from, all, &method, &mut ws, grads)
                    .unwrap();
                (v, gp, gw)
            })
        };
        let (value, gp, gw) = split_in(2);
        assert_eq!((value, gp.clone(), gw.clone()), split_in(1));
        // the oracle: 8 pieces, each short enough to be evaluated whole
        let support = model.basis().support();
        let (mut sum, mut gp_sum, mut gw_sum) = (0.0, vec![0.0; np], vec![0.0; sw.len()]);
        let mut ws = SoftWorkspace::new(&model);
        for piece in 0..8 {
            let piece_from = from + (t1 - from) * piece as f64 / 8.0;
            let to = from + (t1 - from) * (piece + 1) as f64 / 8.0;
            let start = (piece_from - support).max(0.0);
            let window = Window::new(start, to).unwrap();
            let events: Vec<(f64, u32)> = observed
                .history()
                .iter()
                .filter(|&(t, _)| t >= start && t < to)
                .collect();
            let piece_obs = EventSequence::from_unsorted(window, o, &events).unwrap();
            let (a, b) = (
                st.partition_point(|&t| t < start),
                st.partition_point(|&t| t < to),
            );
            assert!(piece_obs.len() + (b - a) < 2 * MIN_SOURCES_PER_PART);
            let soft = SoftEvents::new(&st[a..b], &sw[a * h..b * h], h).unwrap();
            let (mut gp_piece, mut gw_piece) = (vec![0.0; np], vec![0.0; (b - a) * h]);
            let grads = Some((&mut gp_piece[..], &mut gw_piece[..]));
            sum += model
                .observed_log_likelihood_from(&piece_obs, piece_from, soft, &method, &mut ws, grads)
                .unwrap();
            for (g, v) in gp_sum.iter_mut().zip(&gp_piece) {
                *g += v;
            }
            for (g, v) in gw_sum[a * h..b * h].iter_mut().zip(&gw_piece) {
                *g += v;
            }
        }
        let close = |a: f64, b: f64| abs_diff_eq!(a, b, epsilon = 1e-9 * (1.0 + b.abs()));
        assert!(close(value, sum), "value {value} vs pieces {sum}");
        for c in 0..np {
            assert!(
                close(gp[c], gp_sum[c]),
                "param {c}: {} vs {}",
                gp[c],
                gp_sum[c]
            );
        }
        for c in 0..sw.len() {
            assert!(
                close(gw[c], gw_sum[c]),
                "weight [{}][{}]: {} vs {}",
                c / h,
                c % h,
                gw[c],
                gw_sum[c]
            );
        }
    }
}
