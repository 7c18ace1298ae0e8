//! The a priori Gauss–Legendre order of the likelihood engine (polynomial potentials, analytic
//! activation): the smallest order of 1..=12 whose analytic error bound meets the relative
//! tolerance. The rules themselves, and the adaptive 7/15-point Gauss–Kronrod pair used for
//! everything else, are pp-core's ([`pp_core::quadrature`]).

use std::f64::consts::PI;

/// The largest Gauss–Legendre order chosen a priori; beyond it a piece is bisected.
///
/// ```
/// assert_eq!(snn_model::soft::APRIORI_MAX_ORDER, 12);
/// ```
pub const MAX_ORDER: usize = 12;

/// Half-widths `y` of the strips `|Im u| ≤ y` on which the error bound is taken: the bound of
/// each is valid, and the smaller order of the two is used. A wider strip allows a larger
/// ellipse (fewer nodes) at the price of a larger bound on the integrand (`1/sin y`, `e^y`).
pub(super) const STRIPS: [f64; 2] = [0.5 * PI, 0.8 * PI];

/// The largest semi-axis `R` of a Bernstein ellipse on which `|u(ξ) − u(0)| ≤ y` for
/// `u(ξ) = u0 + a1 ξ + a2 ξ²` with `|a1| = a1`, `|a2| = a2` (so `|Im u| ≤ y` there): the
/// positive root of `a2 R² + a1 R = y`, written without cancellation; `+inf` for a constant.
#[cfg(test)]
pub(super) fn analytic_radius(a1: f64, a2: f64, y: f64) -> f64 {
    radius_from(radius_denominator(a1, a2, y), y)
}

/// The denominator `a1 + √(a1² + 4 y a2)` of [`analytic_radius`] (`R = 2y / it`): the smallest
/// radius over several quadratics is that of the largest denominator.
#[inline]
pub(super) fn radius_denominator(a1: f64, a2: f64, y: f64) -> f64 {
    a1 + (a1 * a1 + 4.0 * y * a2).sqrt()
}

/// `R = 2y / denominator` (`+inf` for a zero denominator: a constant).
#[inline]
pub(super) fn radius_from(denominator: f64, y: f64) -> f64 {
    if denominator > 0.0 {
        2.0 * y / denominator
    } else {
        f64::INFINITY
    }
}

/// [`order_for`] with the budget of strip `y` and variation `delta` (the tests' entry point).
#[cfg(test)]
pub(super) fn strip_order(radius: f64, delta: f64, rel_tol: f64, y: f64) -> Option<usize> {
    order_for(radius, rel_tol * y.sin() * (-delta - y).exp())
}

/// `sin y · e^{−y}` of the [`STRIPS`] (checked against the formula in the tests).
const STRIP_FACTORS: [f64; 2] = [0.20787957635076193, 0.047612129067900924];

/// The smallest Gauss–Legendre order `n <= MAX_ORDER` whose error bound meets the relative
/// tolerance, or `None` (bisect the piece), for the ellipse of semi-axis `radius` on which
/// `|u − u(0)| ≤ y` (`π/2 ≤ y < π`), given `budget = rel_tol · sin y · e^{−δ−y}`.
///
/// Bound: if `f` is analytic in the Bernstein ellipse `E_ρ` with `|f| ≤ M` there, its Chebyshev
/// coefficients obey `|a_k| ≤ 2 M ρ^{−k}`; the symmetric `n`-point rule is exact up to degree
/// `2n − 1` and integrates odd `T_k` exactly, and `|I(T_k) − I_n(T_k)| ≤ 2 + 2/(k² − 1) ≤ 8/3`
/// for even `k ≥ 2`, so the error is at most
/// `Σ_{k even ≥ 2n} (16/3) M ρ^{−k} = (16/3) M ρ^{2−2n} / (ρ² − 1)` (cf. Trefethen, ATAP
/// Thm 19.3). With `|Im u| ≤ y`, `|1 + e^{±u}| ≥ sin y` (for `y ≥ π/2`), so
/// `|a σ(u)| ≤ a min(1, e^{Re u}) / sin y`, and `|e^u| = e^{Re u}`; hence
/// `M / (½ ∫_{-1}^{1} f) ≤ e^{δ + y} / sin y` (δ = `a1 + a2` bounds the variation of `u` on
/// the real segment) for both the sigmoid and the exponential activation; requiring
/// `(16/3) e^{δ+y} ρ^{2−2n} / ((ρ² − 1) sin y) ≤ rel_tol` bounds the error relative to the
/// integral.
#[inline]
fn order_for(radius: f64, budget: f64) -> Option<usize> {
    if radius == f64::INFINITY {
        return Some(1);
    }
    if radius.is_nan() || radius <= 1.001 || !budget.is_finite() {
        return None;
    }
    let rho = radius + (radius * radius - 1.0).sqrt();
    let rho2 = rho * rho;
    let target = budget * (rho2 - 1.0) * (3.0 / 16.0);
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

/// The Gauss–Legendre order the likelihood engine takes a priori for the sub-interval
/// `[xc − h, xc + h]` of a piece on which the potentials of the targets are the quadratics
/// `u_t(x) = c0_t + c1_t x + c2_t x²` (`x` measured from the piece's expansion origin), given
/// the pairs `(c1_t, c2_t)` (the constant does not enter the bound, only the variation of `u`
/// does): the smallest `n ≤` [`APRIORI_MAX_ORDER`](MAX_ORDER) whose analytic error bound for
/// `∫ a σ(u_t)` or `∫ exp(u_t)` is at most `rel_tol` times the integral, for every target;
/// `None` when even the largest rule is not enough (bisect the sub-interval). Valid for the
/// scaled sigmoid and exp activations and `rel_tol > 0`; the bound is derived in
/// `snn-model/docs/derivations/soft_likelihood.md`.
///
/// ```
/// use snn_model::soft::apriori_order;
/// // a constant potential is integrated exactly by one node
/// assert_eq!(apriori_order([(0.0, 0.0)], 0.0, 0.5, 1e-10), Some(1));
/// // a steeper one needs more; a loose tolerance fewer
/// let tight = apriori_order([(1.0, 0.2)], 0.0, 0.5, 1e-10).unwrap();
/// assert!(tight > 1 && apriori_order([(1.0, 0.2)], 0.0, 0.5, 1e-4).unwrap() < tight);
/// // the steepest target decides
/// assert_eq!(apriori_order([(0.0, 0.0), (1.0, 0.2)], 0.0, 0.5, 1e-10), Some(tight));
/// // far too steep for 12 points: bisect
/// assert_eq!(apriori_order([(400.0, 0.0)], 0.0, 0.5, 1e-10), None);
/// ```
#[inline(always)]
pub fn apriori_order(
    slopes: impl IntoIterator<Item = (f64, f64)>,
    xc: f64,
    h: f64,
    rel_tol: f64,
) -> Option<usize> {
    let mut ext = Extremes::default();
    for (c1, c2) in slopes {
        ext.add(0, c1, c2, xc, h);
    }
    ext.order(rel_tol)
}

/// [`apriori_order`] of the targets whose slopes are the planes `c1` and `c2` (the pairs
/// `(c1[t], c2[t])`, up to the shorter length): the same order, in loops that vectorise.
///
/// ```
/// use snn_model::soft::{apriori_order, apriori_order_of_planes};
/// let (c1, c2) = ([0.3, -1.0, 0.2, 0.0, 0.9], [0.01, 0.2, -0.05, 0.0, 0.1]);
/// let pairs = c1.iter().copied().zip(c2.iter().copied());
/// assert_eq!(
///     apriori_order_of_planes(&c1, &c2, 0.1, 0.5, 1e-10),
///     apriori_order(pairs, 0.1, 0.5, 1e-10)
/// );
/// ```
#[inline(always)]
pub fn apriori_order_of_planes(
    c1: &[f64],
    c2: &[f64],
    xc: f64,
    h: f64,
    rel_tol: f64,
) -> Option<usize> {
    let m = c1.len().min(c2.len());
    let (c1, c2) = (&c1[..m], &c2[..m]);
    let mut ext = Extremes::default();
    // four lanes of running maxima (the maximum does not depend on the order it is taken in)
    for (x1, x2) in c1.chunks_exact(LANES).zip(c2.chunks_exact(LANES)) {
        for lane in 0..LANES {
            ext.add(lane, x1[lane], x2[lane], xc, h);
        }
    }
    let tail = m - m % LANES;
    for (&x1, &x2) in c1[tail..].iter().zip(&c2[tail..]) {
        ext.add(0, x1, x2, xc, h);
    }
    ext.order(rel_tol)
}

const LANES: usize = 4;

/// The running maxima of the a priori bound, in [`LANES`] lanes: over the targets, the largest
/// `a1 = |u'(xc)| h`, `a2 = |c2| h²` and `a1 + a2`.
#[derive(Default)]
struct Extremes {
    a1: [f64; LANES],
    a2: [f64; LANES],
    delta: [f64; LANES],
}

impl Extremes {
    #[inline(always)]
    fn add(&mut self, lane: usize, c1: f64, c2: f64, xc: f64, h: f64) {
        let a1 = (c1 + 2.0 * c2 * xc).abs() * h;
        let a2 = c2.abs() * h * h;
        // plain comparisons (one `max` instruction each, no NaN handling): a NaN
        // coefficient leaves the order to the others and shows up in the integral, which the
        // engine checks
        let (m1, m2, d) = (
            &mut self.a1[lane],
            &mut self.a2[lane],
            &mut self.delta[lane],
        );
        *m1 = if a1 > *m1 { a1 } else { *m1 };
        *m2 = if a2 > *m2 { a2 } else { *m2 };
        *d = if a1 + a2 > *d { a1 + a2 } else { *d };
    }

    /// The order for the maxima over all lanes.
    #[inline(always)]
    fn order(&self, rel_tol: f64) -> Option<usize> {
        let max = |v: &[f64; LANES]| v.iter().fold(0.0f64, |m, &x| if x > m { x } else { m });
        // The denominator grows with a1 and with a2, so the one of (max a1, max a2) is at
        // least every target's: its radius is at most the smallest of the targets' (a valid,
        // slightly conservative ellipse for all of them), for two square roots per
        // sub-interval instead of two per target.
        let (a1_max, a2_max) = (max(&self.a1), max(&self.a2));
        let radii = STRIPS.map(|y| radius_from(radius_denominator(a1_max, a2_max, y), y));
        best_order(&radii, max(&self.delta), rel_tol)
    }
}

/// The smallest order over the [`STRIPS`] for a piece whose targets have the smallest radii
/// `radii[s]` (strip `s`) and the largest variation `delta`.
#[inline]
pub(super) fn best_order(radii: &[f64; 2], delta: f64, rel_tol: f64) -> Option<usize> {
    let scale = rel_tol * (-delta).exp();
    let a = order_for(radii[0], scale * STRIP_FACTORS[0]);
    let b = order_for(radii[1], scale * STRIP_FACTORS[1]);
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn radius_solves_the_quadratic() {
        for y in STRIPS {
            for (a1, a2) in [(0.3, 0.0), (0.0, 0.2), (0.5, 0.7), (1e-9, 1e-3)] {
                let r = analytic_radius(a1, a2, y);
                assert!((a2 * r * r + a1 * r - y).abs() < 1e-12 * (1.0 + r * r));
            }
            assert_eq!(analytic_radius(0.0, 0.0, y), f64::INFINITY);
        }
    }

    #[test]
    fn strip_factors_are_sin_y_exp_minus_y() {
        for (f, y) in STRIP_FACTORS.iter().zip(STRIPS) {
            assert!((f - y.sin() * (-y).exp()).abs() <= 1e-16);
        }
        // best_order is the minimum of the two strip_order calls
        for (r0, r1, d) in [(3.0, 4.5, 0.4), (50.0, 80.0, 0.01), (1.2, 1.6, 0.9)] {
            let each = [
                strip_order(r0, d, 1e-10, STRIPS[0]),
                strip_order(r1, d, 1e-10, STRIPS[1]),
            ];
            let want = each.into_iter().flatten().min();
            assert_eq!(best_order(&[r0, r1], d, 1e-10), want);
        }
    }

    #[test]
    fn apriori_order_is_monotone_and_bounded() {
        for y in STRIPS {
            assert_eq!(strip_order(f64::INFINITY, 0.0, 1e-10, y), Some(1));
            assert_eq!(strip_order(1.0, 0.0, 1e-10, y), None);
            let small = strip_order(100.0, 0.01, 1e-10, y).unwrap();
            let large = strip_order(5.0, 0.3, 1e-10, y).unwrap();
            assert!(small < large && large <= MAX_ORDER);
        }
    }

    /// The bound is honest: σ of a steep quadratic, integrated with the chosen order, against
    /// a 60-point reference.
    #[test]
    fn chosen_order_meets_the_tolerance() {
        let fine = pp_core::GaussLegendre::new(60).unwrap();
        let mut largest = 0;
        for &(u0, a1, a2) in &[
            (0.3, 0.2, 0.05),
            (-4.0, 0.05, 0.0),
            (2.0, 0.01, 0.02),
            (0.0, 0.4, 0.1),
            (-1.97, 0.001, 3e-4),
            (0.5, 1e-4, 1e-6),
            // wide pieces: orders 9..=12
            (0.3, 0.9, 0.2),
            (-1.0, 1.3, 0.0),
            (1.0, 0.7, 0.35),
        ] {
            let f = |xi: f64| 1.0 / (1.0 + (-(u0 + a1 * xi + a2 * xi * xi)).exp());
            let exact: f64 = fine
                .nodes()
                .iter()
                .zip(fine.weights())
                .map(|(x, w)| w * f(*x))
                .sum();
            let radii = STRIPS.map(|y| analytic_radius(a1, a2, y));
            for tol in [1e-6, 1e-10, 1e-13] {
                // each strip's order meets the tolerance, and so does the best of them
                let per_strip = [0, 1].map(|s| strip_order(radii[s], a1 + a2, tol, STRIPS[s]));
                for n in per_strip
                    .into_iter()
                    .chain([best_order(&radii, a1 + a2, tol)])
                {
                    let Some(n) = n else {
                        // bisection requested: the largest rule's bound is not enough
                        assert!(radii[0] < 60.0, "({u0}, {a1}, {a2}) at {tol}");
                        continue;
                    };
                    largest = largest.max(n);
                    let rule = pp_core::quadrature::gauss_legendre(n).unwrap();
                    let (x, w) = (rule.nodes(), rule.weights());
                    let v: f64 = x.iter().zip(w).map(|(x, w)| w * f(*x)).sum();
                    assert!((v - exact).abs() <= tol * exact, "n {n}: {v} vs {exact}");
                }
                // a looser tolerance never asks for more points
                if let Some(n) = best_order(&radii, a1 + a2, tol) {
                    assert!(best_order(&radii, a1 + a2, tol * 1e6).unwrap() <= n);
                }
            }
        }
        // the rules above 8 points were checked too
        assert!(largest > 8, "largest order used: {largest}");
    }
}
