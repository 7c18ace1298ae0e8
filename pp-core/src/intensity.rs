//! The small traits every model implements: conditional intensities, and (separately) the
//! log-likelihood value and its gradient. The value, parameter and gradient traits report
//! errors in the implementing crate's own error type (which wraps [`PpError`]), so a model's
//! errors keep their meaning.

use crate::error::PpError;
use crate::sequence::{EventSequence, History};
use crate::window::Window;

/// Conditional intensities `λ_i(t | H_t)` of a multivariate point process.
///
/// `history` passed to these methods holds exactly the events strictly before `t` (callers
/// guarantee it; [`EventSequence::history_before`] makes one). Implementations must not look at
/// anything else.
///
/// ```
/// use pp_core::{History, Intensity, Poisson};
/// let model = Poisson::new(vec![1.0, 2.5])?;
/// let mut out = [0.0; 2];
/// model.intensities(0.3, History::empty(), &mut out);
/// assert_eq!(out, [1.0, 2.5]);
/// assert_eq!(model.log_intensity(0.3, History::empty(), 1), 2.5f64.ln());
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub trait Intensity {
    /// Number of dimensions `D`.
    ///
    /// ```
    /// use pp_core::{Intensity, Poisson};
    /// assert_eq!(Poisson::new(vec![1.0, 2.0, 3.0])?.dim(), 3);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn dim(&self) -> usize;

    /// Writes `λ_i(t | H_t)` for every `i` into `out` (length `D`; implementations may panic on a
    /// buffer of the wrong length, which is a programming error, not bad data).
    ///
    /// ```
    /// use pp_core::{EventSequence, ExpHawkes, Intensity, Window};
    /// let model = ExpHawkes::new(vec![0.1, 0.2], vec![0.0, 0.5, 0.0, 0.0], 1.0)?;
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 2, vec![1.0], vec![1])?;
    /// let mut out = [0.0; 2];
    /// model.intensities(2.0, seq.history_before(2.0), &mut out);
    /// assert!((out[0] - (0.1 + 0.5 * (-1.0f64).exp())).abs() < 1e-15);
    /// assert_eq!(out[1], 0.2); // dimension 1 does not excite itself
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn intensities(&self, t: f64, history: History<'_>, out: &mut [f64]);

    /// `log λ_i(t | H_t)` of one dimension, computed stably where the model allows it.
    ///
    /// ```
    /// use pp_core::{History, Intensity, Poisson};
    /// assert_eq!(Poisson::new(vec![1.0, 4.0])?.log_intensity(0.0, History::empty(), 1), 4f64.ln());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn log_intensity(&self, t: f64, history: History<'_>, i: usize) -> f64;

    /// Appends to `out` the times inside `window` (in any order, duplicates allowed) where the
    /// intensities, given the full history `history`, are not smooth *besides the event times
    /// themselves* (which every integrator treats as breakpoints anyway): e.g. the ends of a
    /// kernel's support. Piecewise-smooth integrators ([`Quadrature`](crate::Quadrature)) split
    /// there. The default adds nothing.
    ///
    /// ```
    /// use pp_core::{History, InhomogeneousPoisson, Intensity, Window};
    /// let step = |t: f64, out: &mut [f64]| out[0] = if t < 2.0 { 1.0 } else { 3.0 };
    /// let model = InhomogeneousPoisson::new(1, step)?.with_breakpoints(vec![2.0, 20.0]);
    /// let mut cuts = Vec::new();
    /// model.breakpoints(History::empty(), Window::new(0.0, 10.0)?, &mut cuts);
    /// assert_eq!(cuts, vec![2.0]); // 20.0 is outside the window
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn breakpoints(&self, history: History<'_>, window: Window, out: &mut Vec<f64>) {
        let _ = (history, window, out);
    }
}

/// Models whose compensator `∫_a^b λ_i(t | H_t) dt` has a closed form.
///
/// ```
/// use pp_core::{CumulativeIntensity, EventSequence, Poisson, Window};
/// let model = Poisson::new(vec![2.0])?;
/// let seq = EventSequence::empty(Window::new(0.0, 3.0)?, 1)?;
/// let mut out = [0.0];
/// model.integrated_intensities(&seq, 1.0, 3.0, &mut out);
/// assert_eq!(out[0], 4.0);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub trait CumulativeIntensity: Intensity {
    /// Writes `∫_a^b λ_i(t | H_t) dt` for every `i` into `out`, with `H_t` taken from `seq`
    /// (only events strictly before each `t` count). `seq.window().t0() <= a <= b`.
    /// (Unchecked; [`ClosedForm`](crate::ClosedForm) is the checked way to call it.)
    ///
    /// ```
    /// use pp_core::{CumulativeIntensity, EventSequence, ExpHawkes, Window};
    /// let model = ExpHawkes::new(vec![1.0], vec![0.5], 2.0)?;
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0], vec![0])?;
    /// let mut out = [0.0];
    /// model.integrated_intensities(&seq, 0.0, 5.0, &mut out);
    /// assert!((out[0] - (5.0 + 0.5 * (1.0 - (-8.0f64).exp()))).abs() < 1e-14);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn integrated_intensities(&self, seq: &EventSequence, a: f64, b: f64, out: &mut [f64]);
}

/// A model's own (exact or default) log-likelihood of a sequence: the value half of the
/// value/gradient pair, in the style of argmin's `CostFunction`.
///
/// ```
/// use pp_core::{EventSequence, LogLikelihood, Poisson, Window};
/// let model = Poisson::new(vec![2.0])?;
/// let seq = EventSequence::new(Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
/// assert!((model.log_likelihood(&seq)? - (2.0f64.ln() - 2.0)).abs() < 1e-15);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub trait LogLikelihood {
    /// The error type: the implementing crate's own, wrapping pp-core's.
    type Error: From<PpError>;

    /// `log p(seq)` as in docs/math.md (1.1).
    ///
    /// ```
    /// use pp_core::{EventSequence, ExpHawkes, LogLikelihood, Window};
    /// let model = ExpHawkes::new(vec![1.0], vec![0.5], 2.0)?;
    /// let seq = EventSequence::new(Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
    /// let expected = 0.0 - 1.0 - 0.5 * (1.0 - (-1.0f64).exp()); // ln μ − μT − α(1 − e^{−β(T−t)})
    /// assert!((model.log_likelihood(&seq)? - expected).abs() < 1e-15);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn log_likelihood(&self, seq: &EventSequence) -> std::result::Result<f64, Self::Error>;
}

/// Models with a flat parameter vector (the order is documented by each model).
///
/// ```
/// use pp_core::{Parametric, Poisson};
/// let mut model = Poisson::new(vec![1.0, 2.0])?;
/// assert_eq!(model.params(), vec![1.0, 2.0]);
/// model.set_params(&[3.0, 4.0])?;
/// assert_eq!(model.rates(), &[3.0, 4.0]);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub trait Parametric {
    /// The error type of [`set_params`](Self::set_params): the implementing crate's own,
    /// wrapping pp-core's.
    type Error: From<PpError>;

    /// Number of parameters.
    ///
    /// ```
    /// use pp_core::{Parametric, Poisson};
    /// assert_eq!(Poisson::new(vec![1.0, 2.0])?.n_params(), 2);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn n_params(&self) -> usize;
    /// The parameters as a flat vector.
    ///
    /// ```
    /// use pp_core::{ExpHawkes, Parametric};
    /// assert_eq!(ExpHawkes::new(vec![1.0], vec![0.5], 2.0)?.params(), vec![1.0, 0.5, 2.0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn params(&self) -> Vec<f64>;
    /// Sets the parameters from a flat vector (checked: length and domain).
    ///
    /// ```
    /// use pp_core::{Parametric, Poisson};
    /// let mut model = Poisson::new(vec![1.0])?;
    /// assert!(model.set_params(&[-1.0]).is_err());
    /// model.set_params(&[2.0])?;
    /// assert_eq!(model.params(), vec![2.0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn set_params(&mut self, params: &[f64]) -> std::result::Result<(), Self::Error>;
}

/// The exact gradient of the log-likelihood with respect to the [`Parametric`] parameters: the
/// gradient half of the pair, in the style of argmin's `Gradient`.
///
/// ```
/// use pp_core::{EventSequence, LogLikelihoodGradient, Poisson, Window};
/// let model = Poisson::new(vec![2.0])?;
/// let seq = EventSequence::new(Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
/// let mut grad = [0.0];
/// model.log_likelihood_gradient(&seq, &mut grad)?;
/// assert!((grad[0] - (1.0 / 2.0 - 1.0)).abs() < 1e-15); // n/μ − T
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub trait LogLikelihoodGradient: LogLikelihood + Parametric {
    /// Writes `∂ log p(seq) / ∂θ` into `grad` (length [`n_params`](Parametric::n_params)) and
    /// returns the log-likelihood.
    ///
    /// ```
    /// use pp_core::{EventSequence, ExpHawkes, LogLikelihoodGradient, Parametric, Window};
    /// let model = ExpHawkes::new(vec![1.0, 0.5], vec![0.2, 0.1, 0.3, 0.2], 2.0)?;
    /// let seq = EventSequence::new(Window::new(0.0, 3.0)?, 2, vec![0.5, 1.5], vec![1, 0])?;
    /// let mut grad = vec![0.0; model.n_params()];
    /// let value = model.log_likelihood_gradient(&seq, &mut grad)?;
    /// assert!(value.is_finite() && grad.iter().all(|g| g.is_finite()));
    /// assert!(model.log_likelihood_gradient(&seq, &mut [0.0; 3]).is_err()); // wrong length
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn log_likelihood_gradient(
        &self,
        seq: &EventSequence,
        grad: &mut [f64],
    ) -> std::result::Result<f64, <Self as LogLikelihood>::Error>;
}
