//! Weights in the log domain: the effective sample size and systematic resampling
//! (docs/derivations/marginal.md §3).

use pp_core::numeric::logsumexp;

/// `(Σ w)² / Σ w²` of the weights `exp(log_w)`, computed after shifting by the largest
/// (between 1 and `len`; 0 for an empty slice).
pub(super) fn effective_sample_size(log_w: &[f64]) -> f64 {
    let m = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return 0.0;
    }
    let (mut s1, mut s2) = (0.0, 0.0);
    for &l in log_w {
        let w = (l - m).exp();
        s1 += w;
        s2 += w * w;
    }
    s1 * s1 / s2
}

/// `log((1/n) Σ exp(log_w))`.
pub(super) fn log_mean_exp(log_w: &[f64]) -> f64 {
    logsumexp(log_w) - (log_w.len() as f64).ln()
}

/// Systematic resampling: with the normalised weights `W_j`, particle `i` of the new
/// population descends from the first `j` whose cumulative weight exceeds `(u + i)/n`
/// (`u` uniform on `[0, 1)`, one draw for the whole population). Every `j` gets
/// `⌊n W_j⌋` or `⌈n W_j⌉` descendants, `n W_j` in expectation: the condition of the
/// unbiasedness argument. `weights` is scratch (length `n`), `ancestors` the output.
pub(super) fn systematic(log_w: &[f64], u: f64, weights: &mut [f64], ancestors: &mut [usize]) {
    let n = log_w.len();
    debug_assert!(weights.len() == n && ancestors.len() == n && n > 0);
    let m = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for (w, &l) in weights.iter_mut().zip(log_w) {
        *w = (l - m).exp();
        total += *w;
    }
    let step = total / n as f64;
    let mut j = 0;
    let mut cum = weights[0];
    for (i, a) in ancestors.iter_mut().enumerate() {
        let position = (u + i as f64) * step;
        while position >= cum && j + 1 < n {
            j += 1;
            cum += weights[j];
        }
        *a = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ess_of_equal_and_degenerate_weights() {
        assert!((effective_sample_size(&[0.5; 8]) - 8.0).abs() < 1e-12);
        assert!((effective_sample_size(&[0.0, -1e4, -1e4]) - 1.0).abs() < 1e-12);
        // two equal weights out of four that matter
        let e = effective_sample_size(&[3.0, 3.0, -800.0, f64::NEG_INFINITY]);
        assert!((e - 2.0).abs() < 1e-12);
        assert!((log_mean_exp(&[0.0, 0.0]) - 0.0).abs() < 1e-15);
    }

    /// Every particle's offspring count is ⌊nW⌋ or ⌈nW⌉, and its mean over a grid of `u`
    /// (the uniform's distribution) is nW: the resampling is unbiased.
    #[test]
    fn systematic_offspring_are_unbiased() {
        let log_w = [0.3f64, -1.0, 2.0, 0.0, -0.5].map(|x| x - 7.0);
        let n = log_w.len();
        let total: f64 = log_w.iter().map(|l| l.exp()).sum();
        let expected: Vec<f64> = log_w.iter().map(|l| n as f64 * l.exp() / total).collect();
        let (mut w, mut anc) = (vec![0.0; n], vec![0; n]);
        let grid = 20_000;
        let mut mean = vec![0.0; n];
        for g in 0..grid {
            let u = (g as f64 + 0.5) / grid as f64;
            systematic(&log_w, u, &mut w, &mut anc);
            assert!(anc.windows(2).all(|p| p[0] <= p[1]));
            for j in 0..n {
                let c = anc.iter().filter(|&&a| a == j).count() as f64;
                assert!(
                    c >= expected[j].floor() && c <= expected[j].ceil(),
                    "{j}: {c}"
                );
                mean[j] += c / grid as f64;
            }
        }
        for j in 0..n {
            assert!(
                (mean[j] - expected[j]).abs() < 1e-3,
                "{j}: {} vs {}",
                mean[j],
                expected[j]
            );
        }
    }
}
