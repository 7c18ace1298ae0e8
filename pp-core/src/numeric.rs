//! Stable log-domain helpers shared by every crate.

/// `log(1 + exp(x))` without overflow or loss of precision.
///
/// ```
/// use pp_core::numeric::softplus;
/// assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-16);
/// assert_eq!(softplus(1000.0), 1000.0);
/// assert!(softplus(-800.0) >= 0.0);
/// ```
#[inline]
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// The logistic function `1 / (1 + exp(-x))`, stable for large `|x|`.
///
/// ```
/// use pp_core::numeric::sigmoid;
/// assert_eq!(sigmoid(0.0), 0.5);
/// assert_eq!(sigmoid(-1000.0), 0.0);
/// assert_eq!(sigmoid(1000.0), 1.0);
/// ```
#[inline]
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `log σ(x) = −softplus(−x)`, finite for every finite `x`.
///
/// ```
/// use pp_core::numeric::log_sigmoid;
/// assert_eq!(log_sigmoid(-1000.0), -1000.0);
/// assert!((log_sigmoid(0.0) + 2f64.ln()).abs() < 1e-16);
/// ```
#[inline]
pub fn log_sigmoid(x: f64) -> f64 {
    -softplus(-x)
}

/// `log Σ exp(x_i)`; `-inf` for an empty slice or all `-inf`; `+inf` if any is `+inf`.
///
/// ```
/// use pp_core::numeric::logsumexp;
/// assert!((logsumexp(&[0.0, 0.0]) - 2f64.ln()).abs() < 1e-16);
/// assert_eq!(logsumexp(&[1000.0, 1000.0]), 1000.0 + 2f64.ln());
/// assert_eq!(logsumexp(&[]), f64::NEG_INFINITY);
/// ```
#[inline]
pub fn logsumexp(x: &[f64]) -> f64 {
    let max = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if max.is_infinite() {
        return max;
    }
    let sum: f64 = x.iter().map(|&v| (v - max).exp()).sum();
    max + sum.ln()
}

/// `log(1 − exp(−|x|))`, accurate for every `x` (Mächler 2012): `log(−expm1(−|x|))` for
/// `|x| ≤ ln 2`, `log1p(−exp(−|x|))` beyond. At `x = 0` it is `-inf` (documented limit), never
/// NaN.
///
/// ```
/// use pp_core::numeric::log1mexp;
/// assert!((log1mexp(-1e-8) - (-18.420680748952364)).abs() < 1e-12);
/// assert_eq!(log1mexp(0.0), f64::NEG_INFINITY);
/// assert!((log1mexp(2.0) - (1.0 - (-2f64).exp()).ln()).abs() < 1e-15);
/// ```
#[inline]
pub fn log1mexp(x: f64) -> f64 {
    let a = x.abs();
    if a <= std::f64::consts::LN_2 {
        (-(-a).exp_m1()).ln()
    } else {
        (-(-a).exp()).ln_1p()
    }
}

/// Dot product of two slices (over the shorter length), with four accumulators for
/// instruction-level parallelism; the summation order is fixed, so the result is reproducible.
///
/// ```
/// assert_eq!(pp_core::numeric::dot(&[1.0, 2.0, 3.0, 4.0, 5.0], &[1.0; 5]), 15.0);
/// ```
#[inline]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0; 4];
    let chunks = n / 4;
    for c in 0..chunks {
        for l in 0..4 {
            acc[l] += a[4 * c + l] * b[4 * c + l];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for e in 4 * chunks..n {
        s += a[e] * b[e];
    }
    s
}
