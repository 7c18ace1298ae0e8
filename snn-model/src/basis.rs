//! Basis functions `φ_k(Δ)` of the synaptic filters (docs/math.md §3).

use crate::error::{Result, SnnError};

/// The Epanechnikov profile `φ(u) = 0.75 (1 − u²)` for `|u| ≤ 1`, else 0.
///
/// ```
/// use snn_model::basis::epanechnikov;
/// assert_eq!(epanechnikov(0.0), 0.75);
/// assert_eq!(epanechnikov(1.0), 0.0);
/// assert_eq!(epanechnikov(-1.5), 0.0);
/// ```
#[inline]
pub fn epanechnikov(u: f64) -> f64 {
    if u.abs() <= 1.0 {
        0.75 * (1.0 - u * u)
    } else {
        0.0
    }
}

/// A family of `K` basis functions of the lag `Δ = t − t_e > 0`; every basis function is 0 for
/// `Δ ≤ 0` (an event never influences its own time).
///
/// * `Epanechnikov { centers, scale }` (the reference's default):
///   `φ_k(Δ) = φ((Δ − c_k)/s)` with the profile [`epanechnikov`]; it is non-zero only for lags in
///   `(max(c_k − s, 0), c_k + s)`, and the whole family only for lags below `max_k c_k + s`.
/// * `Exponential { time_constants }`: `φ_k(Δ) = exp(−Δ/τ_k)` (peak 1 at `Δ = 0+`, infinite
///   support).
/// * `Alpha { time_constants }`: `φ_k(Δ) = (Δ/τ_k) exp(1 − Δ/τ_k)` (peak 1 at `Δ = τ_k`,
///   infinite support).
///
/// ```
/// use snn_model::Basis;
/// let b = Basis::epanechnikov_default(2); // centres {0, 10}, scale 1
/// assert_eq!(b.len(), 2);
/// assert_eq!(b.value(0, 0.5), 0.75 * (1.0 - 0.25));
/// assert_eq!(b.value(1, 10.0), 0.75);
/// assert_eq!(b.value(0, 0.0), 0.0); // lag must be strictly positive
/// assert_eq!(b.support(), 11.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Basis {
    /// Epanechnikov bumps at `centers` with common half-width `scale`.
    Epanechnikov {
        /// Centres `c_k` (finite, with `c_k + scale > 0`).
        centers: Vec<f64>,
        /// Half-width `s > 0`.
        scale: f64,
    },
    /// Decaying exponentials `exp(−Δ/τ_k)`.
    Exponential {
        /// Time constants `τ_k > 0`.
        time_constants: Vec<f64>,
    },
    /// Alpha functions `(Δ/τ_k) exp(1 − Δ/τ_k)`.
    Alpha {
        /// Time constants `τ_k > 0`.
        time_constants: Vec<f64>,
    },
}

impl Basis {
    /// The reference's default: `k` Epanechnikov bumps with centres evenly spaced on `[0, 10]`
    /// (`torch.linspace(0, 10, k)`; `k = 1` gives `{0}`) and scale 1.
    ///
    /// ```
    /// use snn_model::Basis;
    /// assert_eq!(
    ///     Basis::epanechnikov_default(3),
    ///     Basis::Epanechnikov { centers: vec![0.0, 5.0, 10.0], scale: 1.0 }
    /// );
    /// ```
    pub fn epanechnikov_default(k: usize) -> Self {
        let centers = (0..k)
            .map(|i| {
                if k == 1 {
                    0.0
                } else {
                    10.0 * i as f64 / (k - 1) as f64
                }
            })
            .collect();
        Basis::Epanechnikov {
            centers,
            scale: 1.0,
        }
    }

    /// Number of basis functions `K`.
    ///
    /// ```
    /// assert_eq!(snn_model::Basis::Exponential { time_constants: vec![1.0, 3.0] }.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        match self {
            Basis::Epanechnikov { centers, .. } => centers.len(),
            Basis::Exponential { time_constants } | Basis::Alpha { time_constants } => {
                time_constants.len()
            }
        }
    }

    /// Whether there is no basis function (never true for a checked basis).
    ///
    /// ```
    /// assert!(!snn_model::Basis::epanechnikov_default(2).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks the basis: at least one function, finite parameters, `scale > 0`,
    /// `c_k + scale > 0`, `τ_k > 0`.
    ///
    /// ```
    /// use snn_model::Basis;
    /// assert!(Basis::epanechnikov_default(2).check().is_ok());
    /// assert!(Basis::Epanechnikov { centers: vec![0.0], scale: 0.0 }.check().is_err());
    /// assert!(Basis::Alpha { time_constants: vec![-1.0] }.check().is_err());
    /// ```
    pub fn check(&self) -> Result<()> {
        if self.is_empty() {
            return Err(SnnError::invalid(
                "basis",
                "[]",
                "needs at least one basis function",
            ));
        }
        match self {
            Basis::Epanechnikov { centers, scale } => {
                if !(scale.is_finite() && *scale > 0.0) {
                    return Err(SnnError::invalid(
                        "basis.scale",
                        scale,
                        "must be finite and positive",
                    ));
                }
                for (k, &c) in centers.iter().enumerate() {
                    if !c.is_finite() || c + scale <= 0.0 {
                        return Err(SnnError::invalid(
                            format!("basis.centers[{k}]"),
                            c,
                            "must be finite with centre + scale > 0 (else the bump has no positive lag)",
                        ));
                    }
                }
            }
            Basis::Exponential { time_constants } | Basis::Alpha { time_constants } => {
                for (k, &tau) in time_constants.iter().enumerate() {
                    if !(tau.is_finite() && tau > 0.0) {
                        return Err(SnnError::invalid(
                            format!("basis.time_constants[{k}]"),
                            tau,
                            "must be finite and positive",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// `φ_k(Δ)`; 0 for `Δ ≤ 0`.
    ///
    /// ```
    /// use snn_model::Basis;
    /// let b = Basis::Alpha { time_constants: vec![2.0] };
    /// assert!((b.value(0, 2.0) - 1.0).abs() < 1e-15);
    /// assert_eq!(b.value(0, -1.0), 0.0);
    /// ```
    #[inline]
    pub fn value(&self, k: usize, lag: f64) -> f64 {
        if lag <= 0.0 {
            return 0.0;
        }
        match self {
            Basis::Epanechnikov { centers, scale } => epanechnikov((lag - centers[k]) / scale),
            Basis::Exponential { time_constants } => (-lag / time_constants[k]).exp(),
            Basis::Alpha { time_constants } => {
                let x = lag / time_constants[k];
                x * (1.0 - x).exp()
            }
        }
    }

    /// The largest lag any basis function sees: `max_k c_k + s` (Epanechnikov) or `+inf`.
    /// Only events in `(t − support, t)` influence time `t`.
    ///
    /// ```
    /// use snn_model::Basis;
    /// assert_eq!(Basis::epanechnikov_default(4).support(), 11.0);
    /// assert_eq!(Basis::Exponential { time_constants: vec![1.0] }.support(), f64::INFINITY);
    /// ```
    pub fn support(&self) -> f64 {
        match self {
            Basis::Epanechnikov { centers, scale } => {
                centers.iter().copied().fold(f64::NEG_INFINITY, f64::max) + scale
            }
            _ => f64::INFINITY,
        }
    }

    /// The open lag interval `(lo, hi)` outside which `φ_k` vanishes: for Epanechnikov
    /// `(max(c_k − s, 0), c_k + s)`, otherwise `(0, +inf)`.
    ///
    /// ```
    /// use snn_model::Basis;
    /// let b = Basis::epanechnikov_default(2);
    /// assert_eq!(b.lag_interval(0), (0.0, 1.0));
    /// assert_eq!(b.lag_interval(1), (9.0, 11.0));
    /// ```
    pub fn lag_interval(&self, k: usize) -> (f64, f64) {
        match self {
            Basis::Epanechnikov { centers, scale } => {
                ((centers[k] - scale).max(0.0), centers[k] + scale)
            }
            _ => (0.0, f64::INFINITY),
        }
    }

    /// The lags (besides 0) where `φ_k` is not smooth: the ends of its support. An event at
    /// `t_e` makes the intensities non-smooth at `t_e + lag` for each of these.
    ///
    /// ```
    /// use snn_model::Basis;
    /// assert_eq!(Basis::epanechnikov_default(2).kink_lags(), vec![1.0, 9.0, 11.0]);
    /// assert!(Basis::Exponential { time_constants: vec![1.0] }.kink_lags().is_empty());
    /// ```
    pub fn kink_lags(&self) -> Vec<f64> {
        let mut lags = Vec::new();
        if let Basis::Epanechnikov { .. } = self {
            for k in 0..self.len() {
                let (lo, hi) = self.lag_interval(k);
                if lo > 0.0 {
                    lags.push(lo);
                }
                lags.push(hi);
            }
        }
        lags.sort_by(f64::total_cmp);
        lags.dedup();
        lags
    }

    /// Number `P` of local features per basis function: between two breakpoints, every
    /// basis activation `Φ_kj(t)` is a combination `Σ_p coef_p g_kp(t − origin)` of `P` fixed
    /// functions ([`features`](Self::features)): `1, x, x²` for Epanechnikov,
    /// `exp(−x/τ)` for exponential, `exp(−x/τ), x exp(−x/τ)` for alpha.
    ///
    /// ```
    /// assert_eq!(snn_model::Basis::epanechnikov_default(2).n_features(), 3);
    /// ```
    pub fn n_features(&self) -> usize {
        match self {
            Basis::Epanechnikov { .. } => 3,
            Basis::Exponential { .. } => 1,
            Basis::Alpha { .. } => 2,
        }
    }

    /// Writes the local features `g_kp(x)` for every `k` and `p` into `out[k·P + p]`
    /// (see [`n_features`](Self::n_features)).
    ///
    /// ```
    /// let b = snn_model::Basis::Exponential { time_constants: vec![2.0] };
    /// let mut g = [0.0];
    /// b.features(2.0, &mut g);
    /// assert!((g[0] - (-1f64).exp()).abs() < 1e-16);
    /// ```
    #[inline]
    pub fn features(&self, x: f64, out: &mut [f64]) {
        match self {
            Basis::Epanechnikov { centers, .. } => {
                for k in 0..centers.len() {
                    out[3 * k] = 1.0;
                    out[3 * k + 1] = x;
                    out[3 * k + 2] = x * x;
                }
            }
            Basis::Exponential { time_constants } => {
                for (o, &tau) in out.iter_mut().zip(time_constants) {
                    *o = (-x / tau).exp();
                }
            }
            Basis::Alpha { time_constants } => {
                for (k, &tau) in time_constants.iter().enumerate() {
                    let e = (-x / tau).exp();
                    out[2 * k] = e;
                    out[2 * k + 1] = x * e;
                }
            }
        }
    }

    /// An upper bound of `φ_k` over the lags in `[l0, l1]` (`l0 ≤ l1`), exact (the maximum).
    ///
    /// ```
    /// let b = snn_model::Basis::epanechnikov_default(2);
    /// assert_eq!(b.max_on(1, 8.0, 12.0), 0.75);
    /// assert_eq!(b.max_on(0, 2.0, 3.0), 0.0);
    /// ```
    pub fn max_on(&self, k: usize, l0: f64, l1: f64) -> f64 {
        let l0 = l0.max(0.0);
        if l1 <= 0.0 {
            return 0.0;
        }
        let peak = match self {
            Basis::Epanechnikov { centers, .. } => centers[k],
            Basis::Exponential { .. } => 0.0,
            Basis::Alpha { time_constants } => time_constants[k],
        };
        // Each basis function is unimodal in the lag with its mode at `peak`.
        let at = peak.clamp(l0, l1);
        if at > 0.0 {
            return self.value(k, at);
        }
        // Mode at a lag <= 0: decreasing on positive lags, supremum is the limit at 0+.
        match self {
            Basis::Epanechnikov { centers, scale } => epanechnikov(-centers[k] / scale),
            Basis::Exponential { .. } => 1.0,
            Basis::Alpha { .. } => 0.0,
        }
    }

    /// A lower bound of `φ_k` over the lags in `[l0, l1]` (`l0 ≤ l1`), exact (the minimum, or
    /// 0 where the interval reaches a lag `≤ 0`).
    ///
    /// ```
    /// let b = snn_model::Basis::epanechnikov_default(2);
    /// assert_eq!(b.min_on(1, 9.5, 10.5), 0.75 * (1.0 - 0.25));
    /// assert_eq!(b.min_on(1, 8.0, 10.0), 0.0);
    /// ```
    pub fn min_on(&self, k: usize, l0: f64, l1: f64) -> f64 {
        if l0 <= 0.0 {
            return 0.0;
        }
        // Unimodal: the minimum is at one of the ends.
        self.value(k, l0).min(self.value(k, l1))
    }
}
