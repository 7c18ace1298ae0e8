//! Shared helpers of the integration tests.
#![allow(dead_code)]

use serde_json::Value;

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
