//! Multivariate Hawkes process with exponential kernels.

use crate::error::{PpError, Result};
use crate::intensity::{CumulativeIntensity, Intensity};
use crate::sequence::{EventSequence, History};

/// A multivariate Hawkes process with exponential kernels,
/// `λ_i(t) = μ_i + Σ_{t_e < t} α_{i,i_e} β exp(−β (t − t_e))` (MATH.md §1).
///
/// `α_{i,j}` (the expected number of events of `i` triggered by one event of `j`) is stored row
/// major: `alpha()[i * D + j]`. Parameter vector order ([`Parametric`](crate::Parametric)):
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
}

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
