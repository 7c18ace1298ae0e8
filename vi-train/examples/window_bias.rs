//! The bias of training on windows of a long recording (`EventSequence::split_windows`, the
//! program's `--window-length`): each window starts from an empty history, so the intensity in
//! its first kernel support misses the spikes before the cut.
//!
//! 1. Fully observed (exact, no noise): the log-likelihood and its gradient on windows of
//!    length L against the whole recording's, the windows starting from an empty history and
//!    conditioned on their lead-in (`split_windows_with_history`, exact).
//! 2. With hidden neurons: the mean path-wise E-step gradient over many draws on windows
//!    against the whole recording's, with the standard error of the difference (the estimator
//!    is heavy-tailed; the median norm is given beside the mean): windows from an empty
//!    history, and windows after a lead-in of one or two kernel supports that is sampled but
//!    not scored (`ObjectiveOptions::lead_in`; the whole recording then scored after the same
//!    lead-in).
//!
//!     cargo run --release -p vi-train --example window_bias
//!
//! The numbers are recorded in docs/math.md ("Windows of a long recording").

use pp_core::{EventSequence, LogLikelihoodGradient, Parametric, Window};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::{Snn, SnnBuilder};
use vi_train::vi::{Estimator, GradientStep, ObjectiveOptions, Phase, VariationalModel};

/// A network of `n_obs + n_hidden` neurons at about 1 Hz each (bias −1.5, a = 5), coupled by
/// weights U(−1, 1) and self-weights −1.
fn network(n_obs: usize, n_hidden: usize, seed: u64) -> Snn {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n = n_obs + n_hidden;
    let k = 2;
    let mut w = vec![0.0; k * n * n];
    for (idx, v) in w.iter_mut().enumerate() {
        let (i, j) = ((idx / n) % n, idx % n);
        *v = if i == j {
            -1.0
        } else {
            rng.random_range(-1.0..1.0)
        };
    }
    SnnBuilder::new(n_obs, n_hidden)
        .bias(vec![-1.5; n])
        .weights(w)
        .check()
        .expect("a valid network")
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Log-likelihood and gradient summed over the pieces.
fn windowed(model: &Snn, pieces: &[EventSequence]) -> (f64, Vec<f64>) {
    let mut total = vec![0.0; model.n_params()];
    let mut ll = 0.0;
    let mut g = vec![0.0; model.n_params()];
    for p in pieces {
        g.iter_mut().for_each(|x| *x = 0.0);
        ll += model.log_likelihood_gradient(p, &mut g).expect("finite");
        total.iter_mut().zip(&g).for_each(|(t, x)| *t += x);
    }
    (ll, total)
}

fn fully_observed() {
    let truth = network(10, 0, 1);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let t_end = 2000.0;
    let seq = truth
        .simulate(Window::new(0.0, t_end).unwrap(), &mut rng)
        .unwrap();
    // evaluated at another network, as during training (at the generating one the gradient is
    // only noise and any bias looks large beside it)
    let model = network(10, 0, 11);
    let (ll, g) = windowed(&model, std::slice::from_ref(&seq));
    println!(
        "1. fully observed: 10 neurons, T = {t_end}, {} spikes, log-likelihood under another \
         network {ll:.1}\n",
        seq.len()
    );
    println!(
        "| L | windows | Δ log-likelihood per cut | gradient relative error | conditioned on the \
         lead-in: Δ log-likelihood | gradient relative error |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    let options = snn_model::LikelihoodOptions::unpenalised();
    for l in [20.0, 50.0, 100.0, 200.0, 500.0] {
        let pieces = seq.split_windows(l).unwrap();
        let (wll, wg) = windowed(&model, &pieces);
        let conditioned = seq
            .split_windows_with_history(l, model.basis().support())
            .unwrap();
        let mut cg = vec![0.0; model.n_params()];
        let cll =
            snn_model::fit::total_window_objective(&model, &conditioned, &options, Some(&mut cg))
                .unwrap();
        println!(
            "| {l} | {} | {:.1} | {:.2e} | {:.1e} | {:.1e} |",
            pieces.len(),
            (wll - ll) / (pieces.len() - 1) as f64,
            distance(&wg, &g),
            cll - ll,
            distance(&cg, &g)
        );
    }
}

/// `‖a − b‖ / ‖b‖`.
fn distance(a: &[f64], b: &[f64]) -> f64 {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    norm(&d) / norm(b)
}

/// Mean and per-coordinate variance of `draws` path-wise E-step gradients summed over the
/// pieces.
fn mean_gradient(
    model: &VariationalModel,
    pieces: &[EventSequence],
    lead_in: f64,
    draws: usize,
) -> (Vec<f64>, Vec<f64>, f64) {
    let options = ObjectiveOptions {
        lead_in,
        ..ObjectiveOptions::default()
    };
    let step = GradientStep::for_phase(Estimator::Pathwise, Phase::E, 0.3, 0.0);
    let mut ws = vi_train::vi::EstimatorWorkspace::new(model).unwrap();
    let n = model.n_params();
    let (mut sum, mut sq) = (vec![0.0; n], vec![0.0; n]);
    let mut g = vec![0.0; n];
    let mut total = vec![0.0; n];
    let mut abs = Vec::with_capacity(draws);
    for d in 0..draws {
        total.iter_mut().for_each(|x| *x = 0.0);
        for (k, p) in pieces.iter().enumerate() {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(1_000_003 * d as u64 + k as u64);
            g.iter_mut().for_each(|x| *x = 0.0);
            step.estimate(model, p, &options, &mut rng, &mut ws, &mut g)
                .unwrap();
            total.iter_mut().zip(&g).for_each(|(t, x)| *t += x);
        }
        for i in 0..n {
            sum[i] += total[i];
            sq[i] += total[i] * total[i];
        }
        abs.push(norm(&total));
    }
    let m = draws as f64;
    let mean: Vec<f64> = sum.iter().map(|s| s / m).collect();
    let var: Vec<f64> = sq
        .iter()
        .zip(&mean)
        .map(|(s, mu)| (s / m - mu * mu) * m / (m - 1.0))
        .collect();
    abs.sort_by(f64::total_cmp);
    (mean, var, abs[draws / 2])
}

fn hidden() {
    let truth = network(2, 3, 3);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
    let t_end = 400.0;
    let full = truth
        .simulate(Window::new(0.0, t_end).unwrap(), &mut rng)
        .unwrap();
    let observed = full.split_dimensions(2).unwrap().0;
    let model = VariationalModel::shared(network(2, 3, 5)).unwrap();
    let draws = 400;
    println!(
        "\n2. hidden neurons: 2 observed + 3 hidden, T = {t_end}, {} observed spikes, path-wise \
         E step at τ = 0.3, {draws} draws\n",
        observed.len()
    );
    // the reference: the whole recording, scored from 0 (for windows from an empty history) or
    // after the same lead-in as the windows (which the first window has too)
    let support = model.p().basis().support();
    let leads = [0.0, support, 2.0 * support];
    let whole: Vec<_> = leads
        .iter()
        .map(|&lead| mean_gradient(&model, std::slice::from_ref(&observed), lead, draws))
        .collect();
    println!(
        "| L | windows | lead-in (s) | ‖mean_L − mean_T‖ / ‖mean_T‖ | its standard error | median ‖g‖ |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for (lead, (_, _, med)) in leads.iter().zip(&whole) {
        println!("| {t_end} (whole) | 1 | {lead} | 0 | | {med:.1} |");
    }
    for l in [25.0, 50.0, 100.0] {
        for (&lead, (g_full, v_full, _)) in leads.iter().zip(&whole) {
            if lead >= l {
                continue;
            }
            let pieces: Vec<EventSequence> = observed
                .split_windows_with_history(l, lead)
                .unwrap()
                .into_iter()
                .map(|w| w.into_sequence())
                .collect();
            let (g, v, med) = mean_gradient(&model, &pieces, lead, draws);
            let diff: Vec<f64> = g.iter().zip(g_full).map(|(a, b)| a - b).collect();
            // the standard error of ‖diff‖² ≈ Σ (var_L + var_T)/draws, as a norm
            let se = (v.iter().zip(v_full).map(|(a, b)| a + b).sum::<f64>() / draws as f64).sqrt();
            println!(
                "| {l} | {} | {lead} | {:.3} | {:.3} | {med:.1} |",
                pieces.len(),
                norm(&diff) / norm(g_full),
                se / norm(g_full)
            );
        }
    }
    let _ = truth.n_params();
}

fn main() {
    fully_observed();
    hidden();
}
