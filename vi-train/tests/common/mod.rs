// Shared helpers of the estimator tests (a module of each, not a test target of its own).
#![allow(dead_code)]

use pp_core::{EventSequence, Window};
use pp_thinning::sequence_rng;
use snn_model::{Snn, SnnBuilder};

/// A random network as the reference initialises it.
pub fn random_snn(n_obs: usize, n_hidden: usize, seed: u64) -> Snn {
    SnnBuilder::new(n_obs, n_hidden)
        .random(&mut sequence_rng(seed, 77))
        .unwrap()
}

/// `count` sequences simulated from `truth` on `[0, t_end]`, reduced to the observed neurons.
pub fn observed_data(truth: &Snn, t_end: f64, count: usize, seed: u64) -> Vec<EventSequence> {
    truth
        .simulate_many(Window::new(0.0, t_end).unwrap(), seed, count)
        .unwrap()
        .into_iter()
        .map(|s| s.split_dimensions(truth.n_obs()).unwrap().0)
        .collect()
}

/// Central differences of `f` at `x` with step `h` (relative to max(1, |x_i|)).
pub fn central_differences(x: &[f64], h: f64, mut f: impl FnMut(&[f64]) -> f64) -> Vec<f64> {
    let mut y = x.to_vec();
    (0..x.len())
        .map(|i| {
            let step = h * x[i].abs().max(1.0);
            y[i] = x[i] + step;
            let up = f(&y);
            y[i] = x[i] - step;
            let down = f(&y);
            y[i] = x[i];
            (up - down) / (2.0 * step)
        })
        .collect()
}

/// Fourth-order central differences of `f` at `x` (five-point stencil, step `h` relative to
/// max(1, |x_i|)): truncation error O(h⁴), so a moderate step keeps both the truncation error
/// (high curvature at low temperature) and the rounding error (noisy losses) small.
pub fn five_point_differences(x: &[f64], h: f64, mut f: impl FnMut(&[f64]) -> f64) -> Vec<f64> {
    let mut y = x.to_vec();
    (0..x.len())
        .map(|i| {
            let step = h * x[i].abs().max(1.0);
            let mut at = |k: f64| {
                y[i] = x[i] + k * step;
                let v = f(&y);
                y[i] = x[i];
                v
            };
            let (p2, p1, m1, m2) = (at(2.0), at(1.0), at(-1.0), at(-2.0));
            (-p2 + 8.0 * p1 - 8.0 * m1 + m2) / (12.0 * step)
        })
        .collect()
}

/// Asserts `a ≈ b` coordinate by coordinate: `|a − b| <= abs + rel · max(|a|, |b|)`.
pub fn assert_close(what: &str, a: &[f64], b: &[f64], rel: f64, abs: f64) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let tol = abs + rel * x.abs().max(y.abs());
        assert!(
            approx::abs_diff_eq!(x, y, epsilon = tol),
            "{what}: coordinate {i}: {x} vs {y} (|diff| = {:e} > {tol:e})",
            (x - y).abs()
        );
    }
}
