//! `total_window_objective`: the windows of a recording, each conditioned on its lead-in, give
//! the whole recording's objective and gradient (the log-likelihood is additive over time
//! given the history, and the intensity sees only the kernel support back); a lead-in shorter
//! than the support does not (a negative control); the result is the same for any thread
//! count.

use pp_core::{EventSequence, Parametric, Window};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::fit::{total_objective, total_window_objective};
use snn_model::{LikelihoodOptions, Snn, SnnBuilder};

/// Three coupled neurons at about 1 Hz; the default basis reaches 11 s back.
fn model() -> Snn {
    let w = vec![
        -1.0, 0.8, -0.5, 0.6, -1.0, 0.9, -0.7, 0.4, -1.0, // k = 0
        -0.5, 0.3, 0.6, -0.4, -0.5, 0.2, 0.5, -0.6, -0.5, // k = 1
    ];
    SnnBuilder::new(3, 0)
        .bias(vec![-1.0, -1.2, -0.8])
        .weights(w)
        .check()
        .unwrap()
}

fn recording(m: &Snn, t_end: f64) -> EventSequence {
    m.simulate(
        Window::new(0.0, t_end).unwrap(),
        &mut Xoshiro256PlusPlus::seed_from_u64(9),
    )
    .unwrap()
}

fn rel(a: &[f64], b: &[f64]) -> f64 {
    let d: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt();
    d / b.iter().map(|y| y * y).sum::<f64>().sqrt()
}

#[test]
fn windows_with_a_full_lead_in_are_the_whole_recording() {
    let m = model();
    let seq = recording(&m, 300.0);
    assert!(seq.len() > 500, "{} spikes", seq.len());
    let opts = LikelihoodOptions::default(); // with the penalty, shared by the windows
    let n = m.n_params();
    let mut g_whole = vec![0.0; n];
    let whole = total_objective(&m, std::slice::from_ref(&seq), &opts, Some(&mut g_whole)).unwrap();
    for (length, lead) in [(7.0, 11.0), (40.0, 11.0), (40.0, 25.0), (299.0, 11.0)] {
        let windows = seq.split_windows_with_history(length, lead).unwrap();
        let mut g = vec![0.0; n];
        let v = total_window_objective(&m, &windows, &opts, Some(&mut g)).unwrap();
        assert!(
            (v - whole).abs() < 1e-9 * whole.abs(),
            "L = {length}: {v} vs {whole}"
        );
        assert!(
            rel(&g, &g_whole) < 1e-9,
            "L = {length}: gradient off by {}",
            rel(&g, &g_whole)
        );
    }
    // a lead-in shorter than the kernel support loses history: clearly different
    let short = seq.split_windows_with_history(40.0, 3.0).unwrap();
    let mut g = vec![0.0; n];
    let v = total_window_objective(&m, &short, &opts, Some(&mut g)).unwrap();
    assert!(
        (v - whole).abs() > 1e-3 && rel(&g, &g_whole) > 1e-3,
        "{v} vs {whole}"
    );
}

#[test]
fn the_window_objective_is_the_same_for_any_thread_count() {
    let m = model();
    let seq = recording(&m, 200.0);
    let windows = seq.split_windows_with_history(10.0, 11.0).unwrap();
    let opts = LikelihoodOptions::default();
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut g = vec![0.0; m.n_params()];
            let v = total_window_objective(&m, &windows, &opts, Some(&mut g)).unwrap();
            (
                v.to_bits(),
                g.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            )
        })
    };
    assert_eq!(run(1), run(2));
    assert_eq!(run(1), run(3));
}

#[test]
fn a_monte_carlo_compensator_is_refused() {
    let m = model();
    let seq = recording(&m, 30.0);
    let windows = seq.split_windows_with_history(10.0, 11.0).unwrap();
    let opts = LikelihoodOptions {
        compensator: pp_core::CompensatorMethod::monte_carlo(100, 1).unwrap(),
        ..LikelihoodOptions::default()
    };
    let err = total_window_objective(&m, &windows, &opts, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("quadrature"), "{err}");
}
