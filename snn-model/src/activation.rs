//! Activations `λ = ψ(u)` mapping a membrane potential to an intensity (docs/math.md §3).

use pp_core::numeric::{log_sigmoid, sigmoid};

use crate::error::{Result, SnnError};

/// The activation `ψ` with `λ_i(t) = ψ(u_i(t))`.
///
/// * `Sigmoid { amplitude: a }`: `ψ(u) = a σ(u)`, `log ψ(u) = log a + log σ(u)` computed stably;
///   bounded by `a`.
/// * `Exp`: `ψ(u) = exp(u)`, `log ψ(u) = u`; unbounded.
/// * `Hardtanh { amplitude: a, eps }`: `ψ(u) = clamp(u, 0, a) + ε`; bounded by `a + ε`. Its
///   derivative is taken as 1 on `0 < u < a` and 0 elsewhere (torch's convention at the kinks).
///
/// ```
/// use snn_model::Activation;
/// let act = Activation::Sigmoid { amplitude: 5.0 };
/// assert_eq!(act.value(0.0), 2.5);
/// assert!((act.log_value(-800.0) - (5f64.ln() - 800.0)).abs() < 1e-12); // no underflow
/// assert_eq!(act.bound(), Some(5.0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Activation {
    /// `a σ(u)`.
    Sigmoid {
        /// Amplitude `a > 0`.
        amplitude: f64,
    },
    /// `exp(u)`.
    Exp,
    /// `clamp(u, 0, a) + ε`.
    Hardtanh {
        /// Amplitude `a > 0`.
        amplitude: f64,
        /// Floor `ε > 0` that keeps `log λ` finite.
        eps: f64,
    },
}

impl Default for Activation {
    /// The reference's default: `Sigmoid { amplitude: 5.0 }`.
    fn default() -> Self {
        Activation::Sigmoid { amplitude: 5.0 }
    }
}

/// Default `ε` of the hardtanh activation (the reference's value).
pub const HARDTANH_DEFAULT_EPS: f64 = 1e-8;

impl Activation {
    /// Checks the parameters: finite amplitude `> 0`, finite `ε > 0`.
    ///
    /// ```
    /// use snn_model::Activation;
    /// assert!(Activation::Sigmoid { amplitude: 0.0 }.check().is_err());
    /// assert!(Activation::Hardtanh { amplitude: 1.0, eps: 0.0 }.check().is_err());
    /// assert!(Activation::Exp.check().is_ok());
    /// ```
    pub fn check(&self) -> Result<()> {
        let positive = |x: f64| x.is_finite() && x > 0.0;
        match *self {
            Activation::Sigmoid { amplitude } | Activation::Hardtanh { amplitude, .. }
                if !positive(amplitude) =>
            {
                Err(SnnError::invalid(
                    "activation.amplitude",
                    amplitude,
                    "must be finite and positive",
                ))
            }
            Activation::Hardtanh { eps, .. } if !positive(eps) => Err(SnnError::invalid(
                "activation.eps",
                eps,
                "must be finite and positive (it keeps log λ finite)",
            )),
            _ => Ok(()),
        }
    }

    /// `ψ(u)`.
    ///
    /// ```
    /// use snn_model::Activation;
    /// assert_eq!(Activation::Hardtanh { amplitude: 2.0, eps: 0.5 }.value(3.0), 2.5);
    /// ```
    #[inline]
    pub fn value(&self, u: f64) -> f64 {
        match *self {
            Activation::Sigmoid { amplitude } => amplitude * sigmoid(u),
            Activation::Exp => u.exp(),
            Activation::Hardtanh { amplitude, eps } => u.clamp(0.0, amplitude) + eps,
        }
    }

    /// `log ψ(u)`, stable: `log a + log σ(u)` for the sigmoid, never `log(a σ(u))`.
    ///
    /// ```
    /// assert_eq!(snn_model::Activation::Exp.log_value(-3.0), -3.0);
    /// ```
    #[inline]
    pub fn log_value(&self, u: f64) -> f64 {
        match *self {
            Activation::Sigmoid { amplitude } => amplitude.ln() + log_sigmoid(u),
            Activation::Exp => u,
            Activation::Hardtanh { amplitude, eps } => (u.clamp(0.0, amplitude) + eps).ln(),
        }
    }

    /// `(ψ(u), ψ'(u))`.
    ///
    /// ```
    /// let (v, d) = snn_model::Activation::Sigmoid { amplitude: 4.0 }.value_and_derivative(0.0);
    /// assert_eq!((v, d), (2.0, 1.0));
    /// ```
    #[inline]
    pub fn value_and_derivative(&self, u: f64) -> (f64, f64) {
        match *self {
            Activation::Sigmoid { amplitude } => {
                // One exponential: with e = exp(−|u|), σ(|u|) = 1/(1+e), σ(−|u|) = e/(1+e);
                // both factors of a σ(u) σ(−u) keep full relative precision.
                let e = (-u.abs()).exp();
                let r = 1.0 / (1.0 + e);
                let (s_pos, s_neg) = if u >= 0.0 { (r, e * r) } else { (e * r, r) };
                let v = amplitude * s_pos;
                (v, v * s_neg)
            }
            Activation::Exp => {
                let e = u.exp();
                (e, e)
            }
            Activation::Hardtanh { amplitude, eps } => {
                let d = if u > 0.0 && u < amplitude { 1.0 } else { 0.0 };
                (u.clamp(0.0, amplitude) + eps, d)
            }
        }
    }

    /// `d log ψ(u) / du` alone (the second entry of
    /// [`log_value_and_derivative`](Self::log_value_and_derivative), without the logarithm).
    ///
    /// ```
    /// let act = snn_model::Activation::Sigmoid { amplitude: 3.0 };
    /// assert_eq!(act.log_derivative(0.7), act.log_value_and_derivative(0.7).1);
    /// ```
    #[inline]
    pub fn log_derivative(&self, u: f64) -> f64 {
        match *self {
            Activation::Sigmoid { .. } => sigmoid(-u),
            Activation::Exp => 1.0,
            Activation::Hardtanh { .. } => self.log_value_and_derivative(u).1,
        }
    }

    /// `(log ψ(u), d log ψ(u) / du)`.
    ///
    /// ```
    /// let (l, d) = snn_model::Activation::Sigmoid { amplitude: 1.0 }.log_value_and_derivative(0.0);
    /// assert!((l + 2f64.ln()).abs() < 1e-16 && d == 0.5);
    /// ```
    #[inline]
    pub fn log_value_and_derivative(&self, u: f64) -> (f64, f64) {
        match *self {
            Activation::Sigmoid { amplitude } => (amplitude.ln() + log_sigmoid(u), sigmoid(-u)),
            Activation::Exp => (u, 1.0),
            Activation::Hardtanh { amplitude, eps } => {
                let v = u.clamp(0.0, amplitude) + eps;
                let d = if u > 0.0 && u < amplitude {
                    1.0 / v
                } else {
                    0.0
                };
                (v.ln(), d)
            }
        }
    }

    /// A global bound of `ψ`, if there is one: `a` (sigmoid), `a + ε` (hardtanh), `None` (exp).
    ///
    /// ```
    /// assert_eq!(snn_model::Activation::Exp.bound(), None);
    /// ```
    pub fn bound(&self) -> Option<f64> {
        match *self {
            Activation::Sigmoid { amplitude } => Some(amplitude),
            Activation::Exp => None,
            Activation::Hardtanh { amplitude, eps } => Some(amplitude + eps),
        }
    }
}
