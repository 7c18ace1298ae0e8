//! Quadrature rules, in one place for the workspace: Gauss–Legendre rules of any order
//! ([`GaussLegendre`], and a process-wide cache of them, [`gauss_legendre`]), and the 7/15-point
//! Gauss–Kronrod pair with QUADPACK's error estimate ([`kronrod`]).
//!
//! The compensators built on them: pp-core's adaptive Gauss–Legendre
//! [`Quadrature`](crate::Quadrature) for any [`Intensity`](crate::Intensity), and snn-model's
//! likelihood engine (Gauss–Legendre of an a priori order for polynomial potentials, adaptive
//! Gauss–Kronrod otherwise; `snn-model/docs/derivations/soft_likelihood.md`).

mod gauss_legendre;
pub mod kronrod;

use std::sync::OnceLock;

pub use gauss_legendre::{GaussLegendre, MAX_POINTS};

use crate::error::Result;

/// The `n`-point Gauss–Legendre rule (`1 <= n <= MAX_POINTS`), computed once per process and
/// order and shared after that (the hot loops of the compensators look rules up per piece).
///
/// ```
/// let rule = pp_core::quadrature::gauss_legendre(5)?;
/// assert_eq!(rule.len(), 5);
/// assert!(std::ptr::eq(rule, pp_core::quadrature::gauss_legendre(5)?)); // the same table
/// assert!(pp_core::quadrature::gauss_legendre(0).is_err());
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub fn gauss_legendre(n: usize) -> Result<&'static GaussLegendre> {
    static RULES: [OnceLock<GaussLegendre>; MAX_POINTS] = [const { OnceLock::new() }; MAX_POINTS];
    let Some(slot) = n.checked_sub(1).and_then(|i| RULES.get(i)) else {
        // the constructor's error says which orders exist
        return Err(GaussLegendre::new(n).expect_err("n is outside 1..=MAX_POINTS"));
    };
    if let Some(rule) = slot.get() {
        return Ok(rule);
    }
    let rule = GaussLegendre::new(n)?;
    Ok(slot.get_or_init(|| rule))
}
