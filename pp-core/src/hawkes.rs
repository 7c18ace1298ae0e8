//! Multivariate Hawkes process with exponential kernels.

#[cfg(feature = "linalg")]
use nalgebra::DMatrix;

use crate::error::{PpError, Result};
use crate::intensity::{CumulativeIntensity, Intensity, Parametric};
use crate::sequence::{EventSequence, History};

/// A multivariate Hawkes process with exponential kernels,
/// `λ_i(t) = μ_i + Σ_{t_e < t} α_{i,i_e} β exp(−β (t − t_e))` (docs/math.md §1).
///
/// `α_{i,j}` (the expected number of events of `i` triggered by one event of `j`) is stored row
/// major: `alpha()[i * D + j]`. Parameter vector order ([`Parametric`]):
/// `μ_0..μ_{D−1}`, then `α` row major, then `β`.
///
/// ```
/// use pp_core::{ExpHawkes, History, Intensity};
/// let model = ExpHawkes::new(vec![0.5], vec![0.8], 2.0)?;
/// let h = History::new(&[1.0], &[0])?;
/// let mut out = [0.0];
/// model.intensities(1.5, h, &mut out);
/// assert!((out[0] - (0.5 + 0.8 * 2.0 * (-1.0f64).exp())).abs() < 1e-15);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ExpHawkes {
    mu: Vec<f64>,
    alpha: Vec<f64>,
    beta: f64,
}

impl ExpHawkes {
    /// A Hawkes process with baselines `mu` (each finite, `> 0`), excitations `alpha`
    /// (`D × D` row major, each finite, `>= 0`) and decay `beta` (finite, `> 0`).
    ///
    /// ```
    /// use pp_core::{ExpHawkes, PpError};
    /// let model = ExpHawkes::new(vec![0.2, 0.3], vec![0.1, 0.0, 0.4, 0.2], 1.5)?;
    /// assert_eq!(model.alpha().len(), 4);
    /// assert!(matches!(
    ///     ExpHawkes::new(vec![0.2], vec![-0.1], 1.0),
    ///     Err(PpError::InvalidParameter { .. })
    /// ));
    /// # Ok::<(), PpError>(())
    /// ```
    pub fn new(mu: Vec<f64>, alpha: Vec<f64>, beta: f64) -> Result<Self> {
        check_params(&mu, &alpha, beta)?;
        Ok(Self { mu, alpha, beta })
    }

    /// Baseline rates `μ`.
    ///
    /// ```
    /// assert_eq!(pp_core::ExpHawkes::new(vec![0.5], vec![0.1], 1.0)?.mu(), &[0.5]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn mu(&self) -> &[f64] {
        &self.mu
    }

    /// Excitation matrix `α`, row major (`alpha()[i * D + j]`: effect of `j` on `i`).
    ///
    /// ```
    /// let m = pp_core::ExpHawkes::new(vec![1.0, 1.0], vec![0.1, 0.2, 0.3, 0.4], 1.0)?;
    /// assert_eq!(m.alpha()[1], 0.2); // α_{0,1}: effect of dimension 1 on dimension 0
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn alpha(&self) -> &[f64] {
        &self.alpha
    }

    /// Decay rate `β`.
    ///
    /// ```
    /// assert_eq!(pp_core::ExpHawkes::new(vec![0.5], vec![0.1], 3.0)?.beta(), 3.0);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The spectral radius `ρ(α)` of the branching matrix (`α_{ij}` is the mean number of
    /// direct offspring in `i` of one event in `j`, since the kernel `β e^{−βt}` integrates to
    /// 1). The process is stationary iff `ρ(α) < 1`. Computed from the real Schur form
    /// (`nalgebra`); an error only if that iteration fails to converge.
    ///
    /// ```
    /// let m = pp_core::ExpHawkes::new(vec![1.0, 1.0], vec![0.0, 0.5, 0.5, 0.0], 2.0)?;
    /// assert!((m.spectral_radius()? - 0.5).abs() < 1e-12);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[cfg(feature = "linalg")]
    pub fn spectral_radius(&self) -> Result<f64> {
        let d = self.mu.len();
        if d == 1 {
            return Ok(self.alpha[0]);
        }
        let m = DMatrix::from_row_slice(d, d, &self.alpha);
        let schur = nalgebra::linalg::Schur::try_new(m, f64::EPSILON, 10_000).ok_or_else(|| {
            PpError::Numerical {
                what: "spectral radius of alpha",
                detail: "the Schur decomposition did not converge".into(),
            }
        })?;
        Ok(schur
            .complex_eigenvalues()
            .iter()
            .map(|z| z.norm())
            .fold(0.0, f64::max))
    }

    /// The stationary mean rates `Λ = (I − α)^{-1} μ` (events per unit time in each dimension
    /// of the stationary process), or [`PpError::NotStationary`] if `ρ(α) >= 1 − 1e-12` (a
    /// spectral radius within rounding of 1 counts as critical: `I − α` is then numerically
    /// singular).
    ///
    /// ```
    /// use pp_core::{ExpHawkes, PpError};
    /// let m = ExpHawkes::new(vec![1.0], vec![0.75], 2.0)?;
    /// assert!((m.stationary_rates()?[0] - 4.0).abs() < 1e-12); // μ / (1 − α)
    /// let explosive = ExpHawkes::new(vec![1.0], vec![1.2], 2.0)?;
    /// assert!(matches!(explosive.stationary_rates(), Err(PpError::NotStationary { .. })));
    /// # Ok::<(), PpError>(())
    /// ```
    #[cfg(feature = "linalg")]
    pub fn stationary_rates(&self) -> Result<Vec<f64>> {
        let rho = self.spectral_radius()?;
        if rho >= 1.0 - CRITICAL_TOLERANCE {
            return Err(PpError::NotStationary {
                spectral_radius: rho,
            });
        }
        let d = self.mu.len();
        let i_minus_alpha = DMatrix::from_fn(d, d, |i, j| {
            f64::from(u8::from(i == j)) - self.alpha[i * d + j]
        });
        let mu = nalgebra::DVector::from_column_slice(&self.mu);
        let rates = i_minus_alpha
            .lu()
            .solve(&mu)
            .ok_or_else(|| PpError::Numerical {
                what: "stationary rates",
                detail: "I − alpha is singular".into(),
            })?;
        match rates.iter().position(|r| !(r.is_finite() && *r > 0.0)) {
            None => Ok(rates.iter().copied().collect()),
            Some(i) => Err(PpError::Numerical {
                what: "stationary rates",
                detail: format!("rate {i} is {} (alpha is nearly critical)", rates[i]),
            }),
        }
    }
}

impl Parametric for ExpHawkes {
    type Error = PpError;

    /// `D + D² + 1`.
    ///
    /// ```
    /// use pp_core::{ExpHawkes, Parametric};
    /// assert_eq!(ExpHawkes::new(vec![1.0; 3], vec![0.1; 9], 1.0)?.n_params(), 13);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn n_params(&self) -> usize {
        let d = self.mu.len();
        d + d * d + 1
    }

    /// `μ_0..μ_{D−1}`, then `α` row major, then `β`.
    ///
    /// ```
    /// use pp_core::{ExpHawkes, Parametric};
    /// let m = ExpHawkes::new(vec![0.5, 0.6], vec![0.1, 0.2, 0.3, 0.4], 2.0)?;
    /// assert_eq!(m.params(), vec![0.5, 0.6, 0.1, 0.2, 0.3, 0.4, 2.0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn params(&self) -> Vec<f64> {
        let mut p = Vec::with_capacity(self.n_params());
        p.extend_from_slice(&self.mu);
        p.extend_from_slice(&self.alpha);
        p.push(self.beta);
        p
    }

    /// Sets `μ`, `α`, `β` from the flat vector (checked: length `D + D² + 1` and the domains of
    /// [`ExpHawkes::new`]); on error the model is unchanged.
    ///
    /// ```
    /// use pp_core::{ExpHawkes, Parametric, PpError};
    /// let mut m = ExpHawkes::new(vec![0.5], vec![0.1], 2.0)?;
    /// m.set_params(&[0.7, 0.2, 3.0])?;
    /// assert_eq!((m.mu()[0], m.alpha()[0], m.beta()), (0.7, 0.2, 3.0));
    /// assert!(matches!(m.set_params(&[0.7, 0.2, 0.0]), Err(PpError::InvalidParameter { .. })));
    /// assert!(matches!(m.set_params(&[0.7, 0.2]), Err(PpError::LengthMismatch { .. })));
    /// assert_eq!(m.beta(), 3.0);
    /// # Ok::<(), PpError>(())
    /// ```
    fn set_params(&mut self, params: &[f64]) -> Result<()> {
        let d = self.mu.len();
        if params.len() != self.n_params() {
            return Err(PpError::LengthMismatch {
                what: "ExpHawkes parameters (D + D² + 1)",
                expected: self.n_params(),
                found: params.len(),
            });
        }
        let (mu, rest) = params.split_at(d);
        let (alpha, beta) = rest.split_at(d * d);
        check_params(mu, alpha, beta[0])?;
        self.mu.copy_from_slice(mu);
        self.alpha.copy_from_slice(alpha);
        self.beta = beta[0];
        Ok(())
    }
}

/// Spectral radii within this distance of 1 are treated as critical (rounding of the
/// eigenvalues).
#[cfg(feature = "linalg")]
const CRITICAL_TOLERANCE: f64 = 1e-12;

/// Checks the domain of the Hawkes parameters.
pub(crate) fn check_params(mu: &[f64], alpha: &[f64], beta: f64) -> Result<()> {
    let d = mu.len();
    if d == 0 {
        return Err(PpError::InvalidArgument {
            name: "mu",
            reason: "a Hawkes process needs at least one dimension".into(),
        });
    }
    if alpha.len() != d * d {
        return Err(PpError::LengthMismatch {
            what: "alpha (D × D, row major)",
            expected: d * d,
            found: alpha.len(),
        });
    }
    for (i, &m) in mu.iter().enumerate() {
        if !(m.is_finite() && m > 0.0) {
            return Err(PpError::InvalidParameter {
                name: format!("mu[{i}]"),
                value: m,
                reason: "a baseline rate must be finite and > 0",
            });
        }
    }
    for (k, &a) in alpha.iter().enumerate() {
        if !(a.is_finite() && a >= 0.0) {
            return Err(PpError::InvalidParameter {
                name: format!("alpha[{}][{}]", k / d, k % d),
                value: a,
                reason: "an excitation must be finite and >= 0",
            });
        }
    }
    if !(beta.is_finite() && beta > 0.0) {
        return Err(PpError::InvalidParameter {
            name: "beta".into(),
            value: beta,
            reason: "the decay rate must be finite and > 0",
        });
    }
    Ok(())
}

impl Intensity for ExpHawkes {
    fn dim(&self) -> usize {
        self.mu.len()
    }

    /// Direct O(n·D) sum over the history (simple and exact; the likelihood and the simulator
    /// use O(D) recursions instead).
    fn intensities(&self, t: f64, history: History<'_>, out: &mut [f64]) {
        let d = self.mu.len();
        out.copy_from_slice(&self.mu);
        for (te, j) in history.iter() {
            let k = self.beta * (-self.beta * (t - te)).exp();
            for (i, o) in out.iter_mut().enumerate() {
                *o += self.alpha[i * d + j as usize] * k;
            }
        }
    }

    fn log_intensity(&self, t: f64, history: History<'_>, i: usize) -> f64 {
        let d = self.mu.len();
        let mut lambda = self.mu[i];
        for (te, j) in history.iter() {
            lambda += self.alpha[i * d + j as usize] * self.beta * (-self.beta * (t - te)).exp();
        }
        lambda.ln()
    }
}

impl CumulativeIntensity for ExpHawkes {
    /// `μ_i (b − a) + Σ_{t_e < b} α_{i,i_e} (e^{−β (max(a, t_e) − t_e)} − e^{−β (b − t_e)})`.
    fn integrated_intensities(&self, seq: &EventSequence, a: f64, b: f64, out: &mut [f64]) {
        let d = self.mu.len();
        for (o, &m) in out.iter_mut().zip(&self.mu) {
            *o = m * (b - a);
        }
        for (te, j) in seq.history_before(b).iter() {
            let w = (-self.beta * (a.max(te) - te)).exp() - (-self.beta * (b - te)).exp();
            for (i, o) in out.iter_mut().enumerate() {
                *o += self.alpha[i * d + j as usize] * w;
            }
        }
    }
}
