//! Small statistics used by the experiments: sample mean, sample standard deviation, standard
//! error, and the per-coordinate standard deviation of a set of gradient draws.

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

/// A robust standard deviation: `1.4826 · median(|x − median(x)|)` (equal to the standard
/// deviation for normal data, and insensitive to a few extreme values); `NaN` for no value.
///
/// ```
/// let s = bench_suite::stats::mad_std(&[1.0, 2.0, 3.0, 4.0, 1000.0]);
/// assert!((s - 1.4826).abs() < 1e-12);
/// ```
pub fn mad_std(values: &[f64]) -> f64 {
    fn median(v: &mut [f64]) -> f64 {
        if v.is_empty() {
            return f64::NAN;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        }
    }
    let mut v = values.to_vec();
    let m = median(&mut v);
    let mut dev: Vec<f64> = values.iter().map(|x| (x - m).abs()).collect();
    1.4826 * median(&mut dev)
}
