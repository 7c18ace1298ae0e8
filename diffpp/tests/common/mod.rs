//! Shared helpers of the integration tests.
#![allow(dead_code)]

use diffpp::{LinearSigmoidModel, Noise};
use pp_core::Window;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::Value;
use snn_model::{Activation, Basis, Snn, SnnBuilder};

/// Reads a reference fixture from `fixtures/reference/` at the repository root (see its
/// README). The reference files contain bare `NaN` tokens (float32 results), which JSON does not
/// allow: they are read as `null`.
pub fn fixture(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/reference")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    let text = text.replace("NaN", "null");
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("cannot parse fixture {}: {e}", path.display()))
}

/// A JSON array of numbers as `Vec<f64>`.
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

/// Central difference `(f(x + h e_i) − f(x − h e_i)) / (2h)`: the partial derivative of `f`
/// in coordinate `i` at `x`, truncation error `h² ∂³f/∂x_i³ / 6`.
pub fn central_difference(f: impl Fn(&[f64]) -> f64, x: &[f64], i: usize, h: f64) -> f64 {
    let (mut plus, mut minus) = (x.to_vec(), x.to_vec());
    plus[i] += h;
    minus[i] -= h;
    (f(&plus) - f(&minus)) / (2.0 * h)
}

/// Pearson chi-square statistic of observed counts against expected probabilities.
pub fn chi_square(counts: &[u64], probs: &[f64]) -> f64 {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .zip(probs)
        .map(|(&c, &p)| {
            let e = p * total as f64;
            (c as f64 - e).powi(2) / e
        })
        .sum()
}

/// The `1 − alpha` quantile of the chi-square distribution with `df` degrees of freedom.
pub fn chi_square_quantile(df: usize, alpha: f64) -> f64 {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    ChiSquared::new(df as f64).unwrap().inverse_cdf(1.0 - alpha)
}

/// A random reference model with `h` hidden and 2 observed trains on `[0, t1]`, centres
/// {0, 1.5}, scale 1 (support 2.5), weights uniform on [−2, 2].
pub fn random_linear(seed: u64, h: usize, t1: f64) -> LinearSigmoidModel {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let obs = Noise::draw(&mut rng, Window::new(0.0, t1).unwrap(), 1.5, 2).unwrap();
    let marks: Vec<u32> = (0..obs.len()).map(|i| (i % 2) as u32).collect();
    let mut m = LinearSigmoidModel::new(h, 2.0, 1e-3, vec![0.0, 1.5], 1.0)
        .unwrap()
        .with_observed(2, obs.times().to_vec(), marks)
        .unwrap();
    m.randomize(&mut rng, 1.0, 2.0);
    m
}

/// A random SNN: `o` observed + `h` hidden, K = 2 bumps (support 2.5), sigmoid amplitude 2,
/// ~80 % of the connections on.
pub fn random_snn(seed: u64, o: usize, h: usize, w: f64) -> Snn {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n = o + h;
    SnnBuilder::new(o, h)
        .basis(Basis::Epanechnikov {
            centers: vec![0.0, 1.5],
            scale: 1.0,
        })
        .activation(Activation::Sigmoid { amplitude: 2.0 })
        .bias((0..n).map(|_| rng.random_range(-1.0..1.0)).collect())
        .weights((0..2 * n * n).map(|_| rng.random_range(-w..w)).collect())
        .connection((0..n * n).map(|_| rng.random::<f64>() < 0.8).collect())
        .check()
        .unwrap()
}
