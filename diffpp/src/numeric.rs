//! Stable log-domain helpers: the re-exported `pp_core::numeric` functions and the "complete"
//! log-probability vector of docs/math.md (5.1) with its vector–Jacobian product.
//!
//! Convention for the complete vector: given `n` log sub-probabilities `v` with
//! `Σ exp(v_i) < 1`, the output has `n + 1` entries, `v` followed by
//! `log(1 − Σ exp v_i) = log1mexp(logsumexp(v))`. Like the reference implementation, a sum
//! `Σ exp(v_i) >= 1` is an error ([`DiffppError::SumNotBelowOne`]) — **including a sum of exactly
//! 1** (`logsumexp(v) == 0`): the last entry would be `-inf` and the ExpConcrete density of
//! the resulting logits undefined (`-inf + inf`). docs/math.md §5's `ε` in `λ̄` keeps the sum strictly
//! below 1; it must be large enough that the ratio `Σλ_h/λ̄` stays representably below 1 in f64
//! (roughly `ε > 1e-15·λ̄`).

use crate::error::{DiffppError, Result};

pub use pp_core::numeric::{log_sigmoid, log1mexp, logsumexp, sigmoid, softplus};

/// Writes the complete log-probability vector of `log_sub` into `out` (length `n + 1`):
/// `out[..n] = log_sub`, `out[n] = log(1 − Σ exp(log_sub))`; returns `out[n]`.
///
/// Errors: length mismatch, `n == 0`, a NaN or `+inf` entry, or `Σ exp >= 1` (see the module
/// doc). Entries may be `-inf` (probability 0).
///
/// ```
/// use diffpp::numeric::complete_log_prob_into;
/// let mut out = [0.0; 3];
/// let last = complete_log_prob_into(&[0.25f64.ln(), 0.5f64.ln()], &mut out)?;
/// assert!((last - 0.25f64.ln()).abs() < 1e-15);
/// assert!(complete_log_prob_into(&[0.5f64.ln(), 0.5f64.ln()], &mut out).is_err()); // sum = 1
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
pub fn complete_log_prob_into(log_sub: &[f64], out: &mut [f64]) -> Result<f64> {
    let n = log_sub.len();
    if n == 0 {
        return Err(DiffppError::TooFewCategories {
            what: "log sub-probabilities",
            found: 0,
            min: 1,
        });
    }
    if out.len() != n + 1 {
        return Err(DiffppError::LengthMismatch {
            what: "complete log-probability output (n + 1)",
            expected: n + 1,
            found: out.len(),
        });
    }
    for (index, &value) in log_sub.iter().enumerate() {
        if value.is_nan() || value == f64::INFINITY {
            return Err(DiffppError::NonFinite {
                what: "log sub-probability",
                index,
                value,
            });
        }
    }
    let last = complement(log_sub)?;
    out[..n].copy_from_slice(log_sub);
    out[n] = last;
    Ok(last)
}

/// `log(1 − Σ exp(v_i))`, an error when the sum is `>= 1` (inputs assumed not NaN).
#[inline]
pub(crate) fn complement(log_sub: &[f64]) -> Result<f64> {
    let log_sum = logsumexp(log_sub);
    if log_sum >= 0.0 {
        return Err(DiffppError::SumNotBelowOne { log_sum });
    }
    // log_sum < 0, so log1mexp(log_sum) = log(1 − exp(log_sum)) (log1mexp uses |x|).
    Ok(log1mexp(log_sum))
}

/// The complete log-probability vector as a new `Vec` (see [`complete_log_prob_into`]).
///
/// ```
/// use diffpp::numeric::complete_log_prob;
/// let v = complete_log_prob(&[(1e-6f64).ln()])?;
/// assert!((v[1] - (-1.0000005000003338e-06)).abs() < 1e-18);
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
pub fn complete_log_prob(log_sub: &[f64]) -> Result<Vec<f64>> {
    let mut out = vec![0.0; log_sub.len() + 1];
    complete_log_prob_into(log_sub, &mut out)?;
    Ok(out)
}

/// Vector–Jacobian product of [`complete_log_prob_into`]: given the complete vector `complete`
/// (length `n + 1`, as returned) and an adjoint `adjoint = ∂L/∂complete` (length `n + 1`),
/// writes `∂L/∂log_sub` (length `n`) into `out`.
///
/// With `c = log(1 − Σ_j exp v_j)`, `∂c/∂v_i = −exp(v_i − c)`, so
/// `out_i = adjoint_i − adjoint_n · exp(v_i − c)`.
///
/// ```
/// use diffpp::numeric::{complete_log_prob, complete_log_prob_vjp};
/// let v = [-1.0, -2.0];
/// let c = complete_log_prob(&v)?;
/// let mut g = [0.0; 2];
/// complete_log_prob_vjp(&c, &[0.0, 0.0, 1.0], &mut g)?; // gradient of the last entry
/// let h = 1e-6;
/// let fd = (complete_log_prob(&[-1.0 + h, -2.0])?[2] - complete_log_prob(&[-1.0 - h, -2.0])?[2]) / (2.0 * h);
/// assert!((g[0] - fd).abs() < 1e-8);
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
pub fn complete_log_prob_vjp(complete: &[f64], adjoint: &[f64], out: &mut [f64]) -> Result<()> {
    let n1 = complete.len();
    if n1 < 2 {
        return Err(DiffppError::TooFewCategories {
            what: "complete log-probability vector",
            found: n1,
            min: 2,
        });
    }
    if adjoint.len() != n1 {
        return Err(DiffppError::LengthMismatch {
            what: "complete log-probability adjoint",
            expected: n1,
            found: adjoint.len(),
        });
    }
    if out.len() != n1 - 1 {
        return Err(DiffppError::LengthMismatch {
            what: "complete log-probability VJP output",
            expected: n1 - 1,
            found: out.len(),
        });
    }
    complete_vjp_unchecked(complete, adjoint, out);
    Ok(())
}

/// [`complete_log_prob_vjp`] without checks (lengths `n + 1`, `n + 1`, `n`).
#[inline]
pub(crate) fn complete_vjp_unchecked(complete: &[f64], adjoint: &[f64], out: &mut [f64]) {
    let n = out.len();
    let c = complete[n];
    let a_last = adjoint[n];
    for i in 0..n {
        out[i] = adjoint[i] - a_last * (complete[i] - c).exp();
    }
}

/// Index of the largest entry of `x` (the first one on ties); `None` for an empty slice or if
/// any entry is NaN.
///
/// ```
/// assert_eq!(diffpp::numeric::argmax(&[0.1, 3.0, -1.0]), Some(1));
/// assert_eq!(diffpp::numeric::argmax(&[]), None);
/// ```
pub fn argmax(x: &[f64]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, &v) in x.iter().enumerate() {
        if v.is_nan() {
            return None;
        }
        match best {
            Some((_, b)) if v <= b => {}
            _ => best = Some((i, v)),
        }
    }
    best.map(|(i, _)| i)
}
