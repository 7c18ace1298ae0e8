//! Homogeneous and inhomogeneous multivariate Poisson processes.

use crate::error::{PpError, Result};
use crate::intensity::{
    CumulativeIntensity, Intensity, LogLikelihood, LogLikelihoodGradient, Parametric,
};
use crate::sequence::{EventSequence, History};

/// Checks that every rate is finite and strictly positive.
fn check_rates(rates: &[f64]) -> Result<()> {
    if rates.is_empty() {
        return Err(PpError::InvalidArgument {
            name: "rates",
            reason: "a Poisson process needs at least one dimension".into(),
        });
    }
    for (i, &r) in rates.iter().enumerate() {
        if !(r.is_finite() && r > 0.0) {
            return Err(PpError::InvalidParameter {
                name: format!("rate[{i}]"),
                value: r,
                reason: "a Poisson rate must be finite and > 0",
            });
        }
    }
    Ok(())
}

/// A homogeneous multivariate Poisson process with rates `μ_i > 0`. Parameters: the rates.
///
/// Its log-likelihood is the closed form `Σ_i (n_i log μ_i − μ_i (T1 − T0))`.
///
/// ```
/// use pp_core::{EventSequence, LogLikelihood, Poisson, Window};
/// let model = Poisson::new(vec![1.0, 2.0])?;
/// let seq = EventSequence::new(Window::new(0.0, 2.0)?, 2, vec![0.5, 1.0, 1.5], vec![1, 1, 0])?;
/// let exact = 0.0 - 2.0 + 2.0 * 2f64.ln() - 4.0;
/// assert!((model.log_likelihood(&seq)? - exact).abs() < 1e-14);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Poisson {
    rates: Vec<f64>,
}

impl Poisson {
    /// A Poisson process with the given rates (each finite and `> 0`).
    ///
    /// ```
    /// assert!(pp_core::Poisson::new(vec![0.5, 2.0]).is_ok());
    /// assert!(pp_core::Poisson::new(vec![0.5, 0.0]).is_err());
    /// ```
    pub fn new(rates: Vec<f64>) -> Result<Self> {
        check_rates(&rates)?;
        Ok(Self { rates })
    }

    /// The rates `μ_i`.
    ///
    /// ```
    /// assert_eq!(pp_core::Poisson::new(vec![0.5])?.rates(), &[0.5]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn rates(&self) -> &[f64] {
        &self.rates
    }
}

impl Intensity for Poisson {
    fn dim(&self) -> usize {
        self.rates.len()
    }

    fn intensities(&self, _t: f64, _history: History<'_>, out: &mut [f64]) {
        out.copy_from_slice(&self.rates);
    }

    fn log_intensity(&self, _t: f64, _history: History<'_>, i: usize) -> f64 {
        self.rates[i].ln()
    }
}

impl CumulativeIntensity for Poisson {
    fn integrated_intensities(&self, _seq: &EventSequence, a: f64, b: f64, out: &mut [f64]) {
        for (o, &r) in out.iter_mut().zip(&self.rates) {
            *o = r * (b - a);
        }
    }
}

impl LogLikelihood for Poisson {
    type Error = PpError;

    fn log_likelihood(&self, seq: &EventSequence) -> Result<f64> {
        crate::compensator::check_dimension(self, seq)?;
        let duration = seq.window().duration();
        Ok(seq
            .counts()
            .iter()
            .zip(&self.rates)
            .map(|(&n, &mu)| n as f64 * mu.ln() - mu * duration)
            .sum())
    }
}

impl Parametric for Poisson {
    type Error = PpError;

    fn n_params(&self) -> usize {
        self.rates.len()
    }

    fn params(&self) -> Vec<f64> {
        self.rates.clone()
    }

    fn set_params(&mut self, params: &[f64]) -> Result<()> {
        if params.len() != self.rates.len() {
            return Err(PpError::LengthMismatch {
                what: "Poisson parameters",
                expected: self.rates.len(),
                found: params.len(),
            });
        }
        check_rates(params)?;
        self.rates.copy_from_slice(params);
        Ok(())
    }
}

impl LogLikelihoodGradient for Poisson {
    fn log_likelihood_gradient(&self, seq: &EventSequence, grad: &mut [f64]) -> Result<f64> {
        let value = self.log_likelihood(seq)?;
        if grad.len() != self.rates.len() {
            return Err(PpError::LengthMismatch {
                what: "gradient buffer",
                expected: self.rates.len(),
                found: grad.len(),
            });
        }
        let duration = seq.window().duration();
        for ((g, &n), &mu) in grad.iter_mut().zip(&seq.counts()).zip(&self.rates) {
            *g = n as f64 / mu - duration;
        }
        Ok(value)
    }
}

/// An inhomogeneous multivariate Poisson process whose rates are a user function of time,
/// `rate(t, out)` writing `λ_i(t)` into `out`. Rates must be non-negative; a negative or
/// non-finite rate makes the compensators return an error. The compensator is computed with a
/// [`Compensator`](crate::Compensator) such as [`Quadrature`](crate::Quadrature); declare the
/// times where the rate is not smooth with [`with_breakpoints`](Self::with_breakpoints).
///
/// ```
/// use pp_core::{log_likelihood, EventSequence, InhomogeneousPoisson, Quadrature, Window};
/// let model = InhomogeneousPoisson::new(1, |t: f64, out: &mut [f64]| out[0] = 2.0 * t)?;
/// let seq = EventSequence::new(Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
/// let ll = log_likelihood(&model, &seq, &Quadrature::default())?;
/// assert!((ll - (1f64.ln() - 1.0)).abs() < 1e-13);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Clone)]
pub struct InhomogeneousPoisson<F> {
    dim: usize,
    rate: F,
    breakpoints: Vec<f64>,
}

impl<F> std::fmt::Debug for InhomogeneousPoisson<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InhomogeneousPoisson")
            .field("dim", &self.dim)
            .field("breakpoints", &self.breakpoints)
            .finish_non_exhaustive()
    }
}

impl<F: Fn(f64, &mut [f64])> InhomogeneousPoisson<F> {
    /// A `dim`-dimensional process with rate function `rate`.
    ///
    /// ```
    /// use pp_core::{History, InhomogeneousPoisson, Intensity};
    /// let model = InhomogeneousPoisson::new(2, |t: f64, out: &mut [f64]| {
    ///     out[0] = 1.0 + t;
    ///     out[1] = 2.0;
    /// })?;
    /// let mut out = [0.0; 2];
    /// model.intensities(0.5, History::empty(), &mut out);
    /// assert_eq!(out, [1.5, 2.0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn new(dim: usize, rate: F) -> Result<Self> {
        if dim == 0 {
            return Err(PpError::InvalidArgument {
                name: "dim",
                reason: "a Poisson process needs at least one dimension".into(),
            });
        }
        Ok(Self {
            dim,
            rate,
            breakpoints: Vec::new(),
        })
    }

    /// Declares the times where the rate function is not smooth (jumps, kinks), so that
    /// quadrature splits there.
    ///
    /// ```
    /// use pp_core::{Compensator, EventSequence, InhomogeneousPoisson, Quadrature, Window};
    /// let step = |t: f64, out: &mut [f64]| out[0] = if t < 0.3 { 1.0 } else { 5.0 };
    /// let model = InhomogeneousPoisson::new(1, step)?.with_breakpoints(vec![0.3]);
    /// let seq = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// assert!((Quadrature::default().total(&model, &seq)? - 3.8).abs() < 1e-13);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn with_breakpoints(mut self, breakpoints: Vec<f64>) -> Self {
        self.breakpoints = breakpoints;
        self
    }
}

impl<F: Fn(f64, &mut [f64])> Intensity for InhomogeneousPoisson<F> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn intensities(&self, t: f64, _history: History<'_>, out: &mut [f64]) {
        (self.rate)(t, out);
    }

    fn log_intensity(&self, t: f64, _history: History<'_>, i: usize) -> f64 {
        // Small dimensions use the stack; larger ones allocate (this is not a hot path).
        if self.dim <= 16 {
            let mut buf = [0.0; 16];
            (self.rate)(t, &mut buf[..self.dim]);
            buf[i].ln()
        } else {
            let mut buf = vec![0.0; self.dim];
            (self.rate)(t, &mut buf);
            buf[i].ln()
        }
    }

    fn breakpoints(&self, _history: History<'_>, window: crate::Window, out: &mut Vec<f64>) {
        out.extend(
            self.breakpoints
                .iter()
                .copied()
                .filter(|&b| window.contains(b)),
        );
    }
}
