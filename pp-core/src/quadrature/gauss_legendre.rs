//! Gauss–Legendre nodes and weights on `[-1, 1]`.

use crate::error::{PpError, Result};

/// The largest number of points of a [`GaussLegendre`] rule.
pub const MAX_POINTS: usize = 256;

/// An `n`-point Gauss–Legendre rule: exact for polynomials of degree `2n − 1`.
///
/// ```
/// use pp_core::GaussLegendre;
/// let rule = GaussLegendre::new(5)?;
/// // ∫_0^2 t^9 dt = 2^10 / 10, exactly integrated by 5 points.
/// let v = rule.integrate(0.0, 2.0, |t| t.powi(9));
/// assert!((v - 102.4).abs() < 1e-12);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct GaussLegendre {
    nodes: Vec<f64>,
    weights: Vec<f64>,
}

impl GaussLegendre {
    /// The `n`-point rule (`1 <= n <= 256`), nodes found by Newton's method on `P_n`.
    ///
    /// ```
    /// let rule = pp_core::GaussLegendre::new(2)?;
    /// assert!((rule.nodes()[1] - 1.0 / 3f64.sqrt()).abs() < 1e-15);
    /// assert!(pp_core::GaussLegendre::new(0).is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn new(n: usize) -> Result<Self> {
        if n == 0 || n > MAX_POINTS {
            return Err(PpError::InvalidArgument {
                name: "n",
                reason: format!("the number of Gauss–Legendre points must be in 1..=256, got {n}"),
            });
        }
        let mut nodes = vec![0.0; n];
        let mut weights = vec![0.0; n];
        let nf = n as f64;
        for i in 0..n.div_ceil(2) {
            // Initial guess (Tricomi), then Newton on P_n.
            let mut x = (std::f64::consts::PI * (i as f64 + 0.75) / (nf + 0.5)).cos();
            let mut derivative = 0.0;
            for _ in 0..100 {
                let (p, dp) = legendre_with_derivative(n, x);
                derivative = dp;
                let step = p / dp;
                x -= step;
                if step.abs() < 1e-16 {
                    break;
                }
            }
            let (_, dp) = legendre_with_derivative(n, x);
            if dp.is_finite() {
                derivative = dp;
            }
            let w = 2.0 / ((1.0 - x * x) * derivative * derivative);
            nodes[i] = -x;
            nodes[n - 1 - i] = x;
            weights[i] = w;
            weights[n - 1 - i] = w;
        }
        if n % 2 == 1 {
            nodes[n / 2] = 0.0;
        }
        Ok(Self { nodes, weights })
    }

    /// Nodes on `[-1, 1]`, increasing.
    ///
    /// ```
    /// assert_eq!(pp_core::GaussLegendre::new(1)?.nodes(), &[0.0]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// Weights, summing to 2.
    ///
    /// ```
    /// let w: f64 = pp_core::GaussLegendre::new(7)?.weights().iter().sum();
    /// assert!((w - 2.0).abs() < 1e-14);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Number of points.
    ///
    /// ```
    /// assert_eq!(pp_core::GaussLegendre::new(4)?.len(), 4);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Always false (a rule has at least one point); present for API symmetry with `len`.
    ///
    /// ```
    /// assert!(!pp_core::GaussLegendre::new(4)?.is_empty());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// `∫_a^b f(t) dt` by this rule (no error control).
    ///
    /// ```
    /// let v = pp_core::GaussLegendre::new(3)?.integrate(1.0, 3.0, |t| t * t);
    /// assert!((v - 26.0 / 3.0).abs() < 1e-13);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn integrate(&self, a: f64, b: f64, mut f: impl FnMut(f64) -> f64) -> f64 {
        let half = 0.5 * (b - a);
        let mid = 0.5 * (a + b);
        let mut sum = 0.0;
        for (&x, &w) in self.nodes.iter().zip(&self.weights) {
            sum += w * f(mid + half * x);
        }
        half * sum
    }
}

/// `(P_n(x), P_n'(x))` by the three-term recurrence.
fn legendre_with_derivative(n: usize, x: f64) -> (f64, f64) {
    let mut p0 = 1.0;
    let mut p1 = x;
    for k in 2..=n {
        let kf = k as f64;
        let p2 = ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf;
        p0 = p1;
        p1 = p2;
    }
    if n == 0 {
        return (1.0, 0.0);
    }
    let dp = n as f64 * (x * p1 - p0) / (x * x - 1.0);
    (p1, dp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_for_polynomials_up_to_degree_2n_minus_1() {
        for n in 1..=20 {
            let rule = GaussLegendre::new(n).unwrap();
            for degree in 0..2 * n {
                let exact = (1.0 - (-1f64).powi(degree as i32 + 1)) / (degree as f64 + 1.0);
                let v = rule.integrate(-1.0, 1.0, |t| t.powi(degree as i32));
                assert!(
                    (v - exact).abs() < 1e-13,
                    "n={n} degree={degree}: {v} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn rejects_zero_points() {
        assert!(matches!(
            GaussLegendre::new(0),
            Err(PpError::InvalidArgument { .. })
        ));
    }
}
