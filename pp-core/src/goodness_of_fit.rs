//! The Kolmogorov–Smirnov test of rescaled intervals against Exp(1), and the points of a KS plot
//! (Brown, Barbieri, Ventura, Kass & Frank 2002). Rescaling itself is in
//! [`rescaling`](crate::rescaling).

use statrs::distribution::Exp;
use statrs::stats_tests::NaNPolicy;
use statrs::stats_tests::ks_test::{KSOneSampleAlternativeMethod, ks_onesample};

use crate::error::{PpError, Result};

/// Below this sample size the p-value is exact (Marsaglia, Tsang & Wang 2003, as implemented by
/// `statrs`); from it on, the Kolmogorov limit distribution is used. (statrs's exact method
/// overflows `n^n` beyond about 143 and documents it as exact for `n < 140`.)
///
/// ```
/// assert_eq!(pp_core::goodness_of_fit::EXACT_P_VALUE_BELOW, 140);
/// ```
pub const EXACT_P_VALUE_BELOW: usize = 140;

/// How a KS p-value was computed.
///
/// ```
/// let ks = pp_core::ks_exp1(&[0.5, 1.0, 2.0])?;
/// assert_eq!(ks.method, pp_core::KsPValueMethod::Exact);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KsPValueMethod {
    /// The exact distribution of `D_n` (Marsaglia, Tsang & Wang 2003), for
    /// `n <` [`EXACT_P_VALUE_BELOW`].
    Exact,
    /// The Kolmogorov (1933) limit `P(√n D_n > x) → 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²x²}`, for larger
    /// `n`. It is conservative (p-values slightly too large): at `n = 140` and `D = 0.11` it
    /// gives 0.0675 where the exact value is 0.0641; the error shrinks like `1/√n`.
    Asymptotic,
}

/// The result of a one-sample two-sided KS test.
///
/// ```
/// let ks = pp_core::ks_exp1(&[0.1, 0.4, 0.9, 1.6, 3.0])?;
/// assert_eq!(ks.n, 5);
/// assert!(ks.statistic > 0.0 && ks.statistic <= 1.0);
/// assert!(!ks.rejects(0.05));
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsTest {
    /// Sample size.
    pub n: usize,
    /// `D_n = sup_x |F_n(x) − F(x)|`.
    pub statistic: f64,
    /// `P(D_n >= statistic)` under the null hypothesis.
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: KsPValueMethod,
}

impl KsTest {
    /// Whether the test rejects the null hypothesis at level `alpha` (`p_value < alpha`).
    ///
    /// ```
    /// let ks = pp_core::ks_exp1(&[5.0, 6.0, 7.0, 8.0])?; // far too long for Exp(1)
    /// assert!(ks.rejects(0.01));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn rejects(&self, alpha: f64) -> bool {
        self.p_value < alpha
    }
}

/// Checks a sample for the KS functions: non-empty, finite.
fn check_sample(sample: &[f64]) -> Result<()> {
    if sample.is_empty() {
        return Err(PpError::InvalidArgument {
            name: "sample",
            reason: "a KS test needs at least one value".into(),
        });
    }
    match sample.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(index) => Err(PpError::NonFinite {
            what: "sample value",
            index,
            value: sample[index],
        }),
    }
}

/// The two-sided one-sample Kolmogorov–Smirnov test of `sample` against Exp(1), by
/// `statrs::stats_tests::ks_test::ks_onesample`: exact p-value for
/// `n <` [`EXACT_P_VALUE_BELOW`], Kolmogorov's limit beyond ([`KsPValueMethod`]).
///
/// ```
/// // D_10 = 0.40925 is the 5 % critical value for n = 10 (Miller 1956).
/// // Uniforms u_k = d + (k − 1)(1 − d)/n have D_n = d; map them to Exp(1) by −ln(1 − u).
/// let d = 0.40925;
/// let sample: Vec<f64> = (0..10).map(|k| -(1.0 - (d + k as f64 * (1.0 - d) / 10.0)).ln()).collect();
/// let ks = pp_core::ks_exp1(&sample)?;
/// assert!((ks.statistic - 0.40925).abs() < 1e-12);
/// assert!((ks.p_value - 0.05).abs() < 1e-3);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub fn ks_exp1(sample: &[f64]) -> Result<KsTest> {
    check_sample(sample)?;
    let exp1 = Exp::new(1.0).map_err(|e| PpError::Numerical {
        what: "Exp(1) distribution",
        detail: e.to_string(),
    })?;
    let n = sample.len();
    let (method, statrs_method) = if n < EXACT_P_VALUE_BELOW {
        (
            KsPValueMethod::Exact,
            KSOneSampleAlternativeMethod::TwoSidedExact,
        )
    } else {
        (
            KsPValueMethod::Asymptotic,
            KSOneSampleAlternativeMethod::TwoSidedAsymptotic,
        )
    };
    let (statistic, p_value) =
        ks_onesample(sample.to_vec(), &exp1, statrs_method, NaNPolicy::Error).map_err(|e| {
            PpError::Numerical {
                what: "KS test",
                detail: e.to_string(),
            }
        })?;
    if !(statistic.is_finite() && p_value.is_finite()) {
        return Err(PpError::Numerical {
            what: "KS test",
            detail: format!("statistic {statistic}, p-value {p_value}"),
        });
    }
    Ok(KsTest {
        n,
        statistic,
        p_value,
        method,
    })
}

/// The points of a KS plot (Brown et al. 2002): the rescaled intervals mapped to uniforms,
/// `z = 1 − e^{−τ}`, sorted (the empirical quantiles), against the model's uniform quantiles
/// `b_k = (k − ½)/n`; a correct model keeps every point within `band = 1.36/√n` of the
/// diagonal with probability about 95 % (large `n`).
///
/// ```
/// let plot = pp_core::ks_plot_exp1(&[0.1, 0.7, 1.5, 2.5])?;
/// assert_eq!(plot.model_quantiles.len(), 4);
/// assert!(plot.empirical_quantiles.windows(2).all(|w| w[0] <= w[1]));
/// assert!(plot.inside_band());
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct KsPlot {
    /// `b_k = (k − ½)/n`, `k = 1..n` (x axis).
    pub model_quantiles: Vec<f64>,
    /// The sorted `1 − e^{−τ}` (y axis).
    pub empirical_quantiles: Vec<f64>,
    /// The half-width of the 95 % band around the diagonal, `1.36/√n`.
    pub band: f64,
}

impl KsPlot {
    /// Whether every point lies within the band.
    ///
    /// ```
    /// let plot = pp_core::ks_plot_exp1(&[9.0, 10.0, 11.0])?;
    /// assert!(!plot.inside_band());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn inside_band(&self) -> bool {
        self.model_quantiles
            .iter()
            .zip(&self.empirical_quantiles)
            .all(|(b, z)| (z - b).abs() <= self.band)
    }
}

/// The KS plot points of `sample` against Exp(1) (see [`KsPlot`]).
///
/// ```
/// let plot = pp_core::ks_plot_exp1(&[2f64.ln()])?;
/// assert_eq!(plot.model_quantiles, vec![0.5]);
/// assert!((plot.empirical_quantiles[0] - 0.5).abs() < 1e-15);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub fn ks_plot_exp1(sample: &[f64]) -> Result<KsPlot> {
    check_sample(sample)?;
    let n = sample.len();
    let mut empirical_quantiles: Vec<f64> = sample.iter().map(|&tau| -(-tau).exp_m1()).collect();
    empirical_quantiles.sort_by(f64::total_cmp);
    let nf = n as f64;
    let model_quantiles = (1..=n).map(|k| (k as f64 - 0.5) / nf).collect();
    Ok(KsPlot {
        model_quantiles,
        empirical_quantiles,
        band: 1.36 / nf.sqrt(),
    })
}
