//! Small statistics used by the experiments: sample mean, sample standard deviation, standard
//! error, the per-coordinate standard deviation of a set of gradient draws, and the robust
//! spread (median absolute deviation) and tail diagnostic (top 1 % share of the sum of squares)
//! of heavy-tailed draws.

use serde::Serialize;

/// The sample mean (`NaN` for no value).
///
/// ```
/// assert_eq!(bench_suite::stats::mean(&[1.0, 2.0, 6.0]), 3.0);
/// assert!(bench_suite::stats::mean(&[]).is_nan());
/// ```
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// The sample standard deviation with the `n − 1` denominator (numpy's `np.cov` default, as
/// the reference's experiment 1 uses); `NaN` for fewer than two values. Two passes (mean,
/// then squared deviations) for accuracy.
///
/// ```
/// let s = bench_suite::stats::sample_std(&[1.0, 2.0, 3.0, 4.0]);
/// assert!((s - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
/// assert!(bench_suite::stats::sample_std(&[1.0]).is_nan());
/// ```
pub fn sample_std(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return f64::NAN;
    }
    let m = mean(values);
    let ss: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    (ss / (values.len() - 1) as f64).sqrt()
}

/// A mean with its standard error `s/√n` over `n` values.
///
/// ```
/// let m = bench_suite::stats::MeanSe::of(&[1.0, 3.0]);
/// assert_eq!((m.mean, m.n), (2.0, 2));
/// assert!((m.se - 1.0).abs() < 1e-15);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanSe {
    /// The sample mean.
    pub mean: f64,
    /// The standard error of the mean, `s/√n` (`NaN` for fewer than two values).
    pub se: f64,
    /// The number of values.
    pub n: usize,
}

impl MeanSe {
    /// The mean and standard error of `values`.
    pub fn of(values: &[f64]) -> Self {
        Self {
            mean: mean(values),
            se: sample_std(values) / (values.len() as f64).sqrt(),
            n: values.len(),
        }
    }
}

/// The standard deviation over draws of each coordinate: `draws[r][i]` is coordinate `i` of
/// draw `r`; the result has one entry per coordinate (the square root of the diagonal of the
/// reference's `np.cov(grad.T)`).
///
/// ```
/// let draws = vec![vec![1.0, 5.0], vec![3.0, 5.0]];
/// let s = bench_suite::stats::coordinate_std(&draws);
/// assert!((s[0] - 2f64.sqrt()).abs() < 1e-15 && s[1] == 0.0);
/// ```
pub fn coordinate_std(draws: &[Vec<f64>]) -> Vec<f64> {
    let n = draws.first().map_or(0, Vec::len);
    let mut column = Vec::with_capacity(draws.len());
    (0..n)
        .map(|i| {
            column.clear();
            column.extend(draws.iter().map(|d| d[i]));
            sample_std(&column)
        })
        .collect()
}

/// The summary the reference prints as `E[std]`: the mean over coordinates of the
/// per-coordinate standard deviations, counting only coordinates whose standard deviation is
/// positive (the reference drops exactly-zero ones), with the number of coordinates counted.
///
/// ```
/// let (m, k) = bench_suite::stats::mean_positive(&[2.0, 0.0, 4.0]);
/// assert_eq!((m, k), (3.0, 2));
/// ```
pub fn mean_positive(stds: &[f64]) -> (f64, usize) {
    let positive: Vec<f64> = stds.iter().copied().filter(|s| *s > 0.0).collect();
    (mean(&positive), positive.len())
}

/// The median (`NaN` for no value); `values` is reordered.
///
/// ```
/// assert_eq!(bench_suite::stats::median(&mut [3.0, 1.0, 2.0]), 2.0);
/// assert_eq!(bench_suite::stats::median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
/// assert!(bench_suite::stats::median(&mut []).is_nan());
/// ```
pub fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

/// The median absolute deviation `median(|x − median(x)|)` (`NaN` for no value).
///
/// ```
/// // median 3, absolute deviations 2, 1, 0, 1, 997: their median is 1
/// assert_eq!(bench_suite::stats::mad(&[1.0, 2.0, 3.0, 4.0, 1000.0]), 1.0);
/// ```
pub fn mad(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    let m = median(&mut v);
    for (d, x) in v.iter_mut().zip(values) {
        *d = (x - m).abs();
    }
    median(&mut v)
}

/// The factor that makes the [`mad`] of normal data estimate its standard deviation,
/// `1 / Φ⁻¹(3/4)` to four decimals.
pub const MAD_TO_STD: f64 = 1.4826;

/// A robust standard deviation: `1.4826 · median(|x − median(x)|)` (equal to the standard
/// deviation for normal data, and insensitive to a few extreme values); `NaN` for no value.
///
/// ```
/// let s = bench_suite::stats::mad_std(&[1.0, 2.0, 3.0, 4.0, 1000.0]);
/// assert!((s - 1.4826).abs() < 1e-12);
/// ```
pub fn mad_std(values: &[f64]) -> f64 {
    MAD_TO_STD * mad(values)
}

/// How many draws the top `percent` % of `n` draws are: `⌈n · percent / 100⌉`, at least 1
/// (integer arithmetic, so 1 % of 200 is exactly 2).
///
/// ```
/// use bench_suite::stats::top_count;
/// assert_eq!((top_count(200, 1), top_count(1000, 1), top_count(150, 1), top_count(10, 1)), (2, 10, 2, 1));
/// ```
pub fn top_count(n: usize, percent: usize) -> usize {
    (n * percent).div_ceil(100).max(1)
}

/// The share of `Σ squares` contributed by its `top` largest entries (`squares` are
/// non-negative, e.g. squared deviations from a mean; they are reordered). `NaN` when the sum
/// is 0 or there is no entry.
///
/// ```
/// let share = bench_suite::stats::top_share_of_squares(&mut [1.0, 4.0, 0.0, 5.0], 1);
/// assert_eq!(share, 0.5);
/// ```
pub fn top_share_of_squares(squares: &mut [f64], top: usize) -> f64 {
    let total: f64 = squares.iter().sum();
    if squares.is_empty() || total <= 0.0 {
        return f64::NAN;
    }
    squares.sort_by(|a, b| b.total_cmp(a));
    let k = top.min(squares.len());
    squares[..k].iter().sum::<f64>() / total
}

/// The tail diagnostic of a sample: the share of the sum of squared deviations from the mean,
/// `Σ (x − x̄)²`, contributed by the top `percent` % of the values ([`top_count`] of them, by
/// squared deviation). About 0.085 for 1 % of normal data (the expected share of the top 1 %
/// of χ²₁ values); close to 1 when a few values dominate the variance.
///
/// ```
/// // 99 zeros and one 10: mean 0.1, squared deviations 99 × 0.01 and 9.9² = 98.01
/// let mut x = vec![0.0; 99];
/// x.push(10.0);
/// assert!((bench_suite::stats::tail_share(&x, 1) - 98.01 / 99.0).abs() < 1e-12);
/// ```
pub fn tail_share(values: &[f64], percent: usize) -> f64 {
    let m = mean(values);
    let mut squares: Vec<f64> = values.iter().map(|x| (x - m) * (x - m)).collect();
    top_share_of_squares(&mut squares, top_count(values.len(), percent))
}

/// The two-sided exact sign test: the probability, with `n` fair coin flips, of a count of
/// heads at least as far from `n/2` as `k` (1 for `n = 0`). Computed in the log domain, exact
/// to rounding for any `n` used here.
///
/// ```
/// // 5 of 5: 2 · (1/2)^5
/// assert!((bench_suite::stats::sign_test_p(5, 5) - 0.0625).abs() < 1e-15);
/// assert_eq!(bench_suite::stats::sign_test_p(2, 4), 1.0);
/// ```
pub fn sign_test_p(k: usize, n: usize) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let far = k.max(n - k);
    let ln_choose = |j: usize| -> f64 {
        (1..=j)
            .map(|i| ((n - j + i) as f64 / i as f64).ln())
            .sum::<f64>()
    };
    let tail: f64 = (far..=n)
        .map(|j| (ln_choose(j) - n as f64 * std::f64::consts::LN_2).exp())
        .sum();
    (2.0 * tail).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_samples() {
        assert_eq!(median(&mut [5.0, -1.0, 3.0]), 3.0);
        assert_eq!(median(&mut [7.0, 1.0, 4.0, 2.0]), 3.0);
        assert_eq!(median(&mut [2.5]), 2.5);
    }

    #[test]
    fn mad_by_hand() {
        // median 3; |x − 3| = 2, 1, 1, 4 → sorted 1, 1, 2, 4 → median 1.5
        assert_eq!(mad(&[1.0, 2.0, 4.0, 7.0]), 1.5);
        // median 10; |x − 10| = 0, 2, 2, 9, 90 → median 2
        assert_eq!(mad(&[10.0, 8.0, 12.0, 1.0, 100.0]), 2.0);
        assert_eq!(mad(&[4.0, 4.0, 4.0]), 0.0);
        assert!(mad(&[]).is_nan());
        assert!((mad_std(&[1.0, 2.0, 4.0, 7.0]) - 1.4826 * 1.5).abs() < 1e-15);
    }

    #[test]
    fn mad_ignores_one_huge_value_where_the_std_does_not() {
        let mut x: Vec<f64> = (0..99).map(f64::from).collect();
        let before = mad_std(&x);
        x.push(1e9);
        // one more value moves the median by a half and the MAD by at most one
        assert!((mad_std(&x) - before).abs() <= 1.4826);
        assert!(sample_std(&x) > 1e7);
    }

    #[test]
    fn sign_test_by_hand() {
        // n = 6, k = 5: P(≥ 5) = (6 + 1)/64, two-sided 14/64
        assert!((sign_test_p(5, 6) - 14.0 / 64.0).abs() < 1e-15);
        assert!((sign_test_p(1, 6) - 14.0 / 64.0).abs() < 1e-15);
        // n = 10, k = 9: (10 + 1)/1024 · 2
        assert!((sign_test_p(9, 10) - 22.0 / 1024.0).abs() < 1e-15);
        assert_eq!(sign_test_p(3, 6), 1.0);
        assert_eq!(sign_test_p(0, 0), 1.0);
        // n = 24, k = 22: (1 + 24 + 276)/2^24 · 2
        assert!((sign_test_p(22, 24) - 602.0 / 16_777_216.0).abs() < 1e-15);
    }

    #[test]
    fn top_count_rounds_up_in_integers() {
        assert_eq!(top_count(100, 1), 1);
        assert_eq!(top_count(101, 1), 2);
        assert_eq!(top_count(200, 1), 2);
        assert_eq!(top_count(1000, 1), 10);
        assert_eq!(top_count(3, 1), 1);
        assert_eq!(top_count(200, 5), 10);
        assert_eq!(top_count(0, 1), 1);
    }

    #[test]
    fn tail_share_by_hand() {
        // values ±1: mean 0, squares all 1; top 1 of 4 (25 %) holds a quarter
        assert_eq!(tail_share(&[1.0, -1.0, 1.0, -1.0], 25), 0.25);
        // 1, 2, 3, 4, 10: mean 4, squared deviations 9, 4, 1, 0, 36 (sum 50); top 1 % of 5 = 1
        assert!((tail_share(&[1.0, 2.0, 3.0, 4.0, 10.0], 1) - 36.0 / 50.0).abs() < 1e-15);
        // top 40 % of 5 = 2: 36 + 9 of 50
        assert!((tail_share(&[1.0, 2.0, 3.0, 4.0, 10.0], 40) - 45.0 / 50.0).abs() < 1e-15);
        assert!(tail_share(&[2.0, 2.0], 1).is_nan());
        assert_eq!(top_share_of_squares(&mut [1.0, 1.0], 5), 1.0);
    }
}
