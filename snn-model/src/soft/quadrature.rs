//! Quadrature rules of the soft compensator: Gauss–Legendre rules of order 1..=8 with an
//! a priori order from an analytic error bound (polynomial potentials, analytic activation),
//! and the adaptive 7/15-point Gauss–Kronrod pair for everything else.

use std::f64::consts::PI;

/// The largest Gauss–Legendre order chosen a priori; beyond it a piece is bisected.
pub(super) const MAX_ORDER: usize = 8;

/// Gauss–Legendre rules of orders `1..=MAX_ORDER` on `[-1, 1]`, flattened.
#[derive(Debug, Clone)]
pub(super) struct Rules {
    nodes: Vec<f64>,
    weights: Vec<f64>,
    offsets: [usize; MAX_ORDER + 2],
}

impl Rules {
    pub(super) fn new() -> Self {
        let mut nodes = Vec::new();
        let mut weights = Vec::new();
        let mut offsets = [0; MAX_ORDER + 2];
        for n in 1..=MAX_ORDER {
            let rule = pp_core::GaussLegendre::new(n).expect("orders 1..=8 are valid");
            offsets[n] = nodes.len();
            nodes.extend_from_slice(rule.nodes());
            weights.extend_from_slice(rule.weights());
        }
        offsets[MAX_ORDER + 1] = nodes.len();
        Self {
            nodes,
            weights,
            offsets,
        }
    }

    /// Nodes and weights of the `n`-point rule (`1 <= n <= MAX_ORDER`).
    #[inline]
    pub(super) fn rule(&self, n: usize) -> (&[f64], &[f64]) {
        let (a, b) = (self.offsets[n], self.offsets[n + 1]);
        (&self.nodes[a..b], &self.weights[a..b])
    }
}

/// The largest semi-axis `R` of a Bernstein ellipse on which `|u(ξ) − u(0)| ≤ π/2` for
/// `u(ξ) = u0 + a1 ξ + a2 ξ²` with `|a1| = a1`, `|a2| = a2` (so `|Im u| ≤ π/2` there): the
/// positive root of `a2 R² + a1 R = π/2`, written without cancellation; `+inf` for a constant.
#[inline]
pub(super) fn analytic_radius(a1: f64, a2: f64) -> f64 {
    let s = a1 + (a1 * a1 + 2.0 * PI * a2).sqrt();
    if s > 0.0 { PI / s } else { f64::INFINITY }
}

/// The smallest Gauss–Legendre order `n <= MAX_ORDER` whose error bound meets the relative
/// tolerance, or `None` (bisect the piece).
///
/// Bound: if `f` is analytic in the Bernstein ellipse `E_ρ` with `|f| ≤ M` there, its Chebyshev
/// coefficients obey `|a_k| ≤ 2 M ρ^{−k}`; the symmetric `n`-point rule is exact up to degree
/// `2n − 1` and integrates odd `T_k` exactly, and `|I(T_k) − I_n(T_k)| ≤ 2 + 2/(k² − 1) ≤ 8/3`
/// for even `k ≥ 2`, so the error is at most
/// `Σ_{k even ≥ 2n} (16/3) M ρ^{−k} = (16/3) M ρ^{2−2n} / (ρ² − 1)` (cf. Trefethen, ATAP
/// Thm 19.3). With `|Im u| ≤ π/2` on the ellipse, `|a σ(u)| ≤ a min(1, e^{Re u})` and
/// `|e^u| = e^{Re u}`, so `M / (½ ∫_{-1}^{1} f) ≤ e^{δ + π/2}` (δ = `a1 + a2` bounds the
/// variation of `u` on the real segment) for both the sigmoid and the exponential activation;
/// requiring `(16/3) e^{δ+π/2} ρ^{2−2n} / (ρ² − 1) ≤ rel_tol` bounds the error relative to
/// the integral.
#[inline]
pub(super) fn apriori_order(radius: f64, delta: f64, rel_tol: f64) -> Option<usize> {
    if radius == f64::INFINITY {
        return Some(1);
    }
    if radius.is_nan() || radius <= 1.001 || !delta.is_finite() {
        return None;
    }
    let rho = radius + (radius * radius - 1.0).sqrt();
    let rho2 = rho * rho;
    let target = rel_tol * (rho2 - 1.0) * (3.0 / 16.0) * (-delta - 0.5 * PI).exp();
    let q = 1.0 / rho2;
    let mut p = 1.0; // ρ^{2 − 2n}
    for n in 1..=MAX_ORDER {
        if p <= target {
            return Some(n);
        }
        p *= q;
    }
    None
}

// The 15-point Kronrod rule and its embedded 7-point Gauss rule are the crate's own
// (`crate::kronrod`, QUADPACK's `qk15`), shared with the fully observed likelihood.
pub(super) use crate::kronrod::{GAUSS as GK_GAUSS, KRONROD as GK_KRONROD, NODES as GK_NODES};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_integrate_polynomials_exactly() {
        let rules = Rules::new();
        for n in 1..=MAX_ORDER {
            let (x, w) = rules.rule(n);
            for d in 0..2 * n as i32 {
                let v: f64 = x.iter().zip(w).map(|(x, w)| w * x.powi(d)).sum();
                let exact = if d % 2 == 1 {
                    0.0
                } else {
                    2.0 / (d as f64 + 1.0)
                };
                assert!((v - exact).abs() < 1e-14, "n {n} degree {d}");
            }
        }
    }

    #[test]
    fn kronrod_pair_is_exact_to_its_degrees() {
        for d in 0..=22 {
            let k: f64 = GK_NODES
                .iter()
                .zip(&GK_KRONROD)
                .map(|(x, w)| w * x.powi(d))
                .sum();
            let exact = if d % 2 == 1 {
                0.0
            } else {
                2.0 / (d as f64 + 1.0)
            };
            assert!((k - exact).abs() < 1e-15, "kronrod degree {d}");
            if d <= 13 {
                let g: f64 = GK_NODES
                    .iter()
                    .zip(&GK_GAUSS)
                    .map(|(x, w)| w * x.powi(d))
                    .sum();
                assert!((g - exact).abs() < 1e-15, "gauss degree {d}");
            }
        }
    }

    #[test]
    fn radius_solves_the_quadratic() {
        for (a1, a2) in [(0.3, 0.0), (0.0, 0.2), (0.5, 0.7), (1e-9, 1e-3)] {
            let r = analytic_radius(a1, a2);
            assert!((a2 * r * r + a1 * r - 0.5 * PI).abs() < 1e-12 * (1.0 + r * r));
        }
        assert_eq!(analytic_radius(0.0, 0.0), f64::INFINITY);
    }

    #[test]
    fn apriori_order_is_monotone_and_bounded() {
        assert_eq!(apriori_order(f64::INFINITY, 0.0, 1e-10), Some(1));
        assert_eq!(apriori_order(1.0, 0.0, 1e-10), None);
        let small = apriori_order(100.0, 0.01, 1e-10).unwrap();
        let large = apriori_order(5.0, 0.3, 1e-10).unwrap();
        assert!(small < large && large <= MAX_ORDER);
    }

    /// The bound is honest: σ of a steep quadratic, integrated with the chosen order, against
    /// a 60-point reference.
    #[test]
    fn chosen_order_meets_the_tolerance() {
        let fine = pp_core::GaussLegendre::new(60).unwrap();
        let rules = Rules::new();
        for &(u0, a1, a2) in &[
            (0.3, 0.2, 0.05),
            (-4.0, 0.05, 0.0),
            (2.0, 0.01, 0.02),
            (0.0, 0.4, 0.1),
            (-1.97, 0.001, 3e-4),
            (0.5, 1e-4, 1e-6),
        ] {
            let f = |xi: f64| 1.0 / (1.0 + (-(u0 + a1 * xi + a2 * xi * xi)).exp());
            let exact: f64 = fine
                .nodes()
                .iter()
                .zip(fine.weights())
                .map(|(x, w)| w * f(*x))
                .sum();
            let r = analytic_radius(a1, a2);
            for tol in [1e-6, 1e-10, 1e-13] {
                let Some(n) = apriori_order(r, a1 + a2, tol) else {
                    // bisection requested: the 8-point rule's bound is not enough
                    assert!(r < 60.0, "({u0}, {a1}, {a2}) at {tol}");
                    continue;
                };
                let (x, w) = rules.rule(n);
                let v: f64 = x.iter().zip(w).map(|(x, w)| w * f(*x)).sum();
                assert!((v - exact).abs() <= tol * exact, "n {n}: {v} vs {exact}");
                // a looser tolerance never asks for more points
                assert!(apriori_order(r, a1 + a2, tol * 1e6).unwrap() <= n);
            }
        }
    }
}
