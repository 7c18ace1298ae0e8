//! Stable helpers against the reference fixtures, and the (5.1) VJP against finite differences.

mod common;

use approx::abs_diff_eq;
use common::{central_difference, fixture, floats};
use diffpp::DiffppError;
use diffpp::numeric::{complete_log_prob, complete_log_prob_vjp, log1mexp};
use proptest::prelude::*;

/// Tolerance on the `_f64` columns: RELATIVE 1e-12 (`|ours − ref| <= 1e-12 |ref|`).
const REL: f64 = 1e-12;

#[test]
fn log1mexp_matches_f64_reference_and_is_never_nan() {
    let fx = fixture("logprob_utils.json");
    let cases = fx["log1mexp"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 20);
    let mut nan_in_reference = 0;
    for case in cases {
        let x = case["x"].as_f64().unwrap();
        let want = case["log1mexp_f64"].as_f64().unwrap();
        let got = log1mexp(x);
        assert!(!got.is_nan(), "log1mexp({x}) is NaN");
        assert!(
            abs_diff_eq!(got, want, epsilon = REL * want.abs()),
            "log1mexp({x}) = {got}, reference {want}"
        );
        if case["log1mexp_f32"].is_null() {
            nan_in_reference += 1;
        }
    }
    // the fixture does contain a float32 NaN case (x = -1e-8), which we get right
    assert!(nan_in_reference >= 1);
}

#[test]
fn log1mexp_limit_at_zero_is_minus_infinity() {
    assert_eq!(log1mexp(0.0), f64::NEG_INFINITY);
    assert_eq!(log1mexp(-0.0), f64::NEG_INFINITY);
    assert!(log1mexp(-1e-300).is_finite());
}

#[test]
fn complete_log_prob_matches_f64_reference() {
    let fx = fixture("logprob_utils.json");
    let cases = fx["complete_logprob"]["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 20);
    for (i, case) in cases.iter().enumerate() {
        let v = floats(&case["log_sub_prob"]);
        let want = floats(&case["complete_logprob_f64"]);
        let got = complete_log_prob(&v).unwrap();
        assert_eq!(got.len(), v.len() + 1);
        for (j, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                abs_diff_eq!(*g, *w, epsilon = REL * w.abs()),
                "case {i} entry {j}: {g} vs {w}"
            );
        }
    }
}

#[test]
fn complete_log_prob_rejects_sum_of_one_or_more() {
    // exactly one: an error (documented choice; the reference raises too)
    let half = 0.5f64.ln();
    assert!(matches!(
        complete_log_prob(&[half, half]),
        Err(DiffppError::SumNotBelowOne { .. })
    ));
    assert!(matches!(
        complete_log_prob(&[0.0]),
        Err(DiffppError::SumNotBelowOne { .. })
    ));
    assert!(matches!(
        complete_log_prob(&[-0.1, -0.2]),
        Err(DiffppError::SumNotBelowOne { .. })
    ));
    assert!(complete_log_prob(&[f64::NAN]).is_err());
    assert!(complete_log_prob(&[]).is_err());
    // -inf entries (probability zero) are fine
    let v = complete_log_prob(&[f64::NEG_INFINITY, 0.25f64.ln()]).unwrap();
    assert!((v[2] - 0.75f64.ln()).abs() < 1e-15);
    // close to one: finite, very negative
    let v = complete_log_prob(&[(1.0 - 1e-12f64).ln()]).unwrap();
    assert!(v[1].is_finite() && (v[1] - (1e-12f64).ln()).abs() < 1e-3);
}

proptest! {
    #[test]
    fn complete_log_prob_vjp_matches_central_differences(
        raw in proptest::collection::vec(-4.0f64..0.0, 1..6),
        adj in proptest::collection::vec(-2.0f64..2.0, 7),
        shrink in 0.05f64..0.95,
    ) {
        // rescale so that the probabilities sum to `shrink` < 1
        let lse = diffpp::numeric::logsumexp(&raw);
        let v: Vec<f64> = raw.iter().map(|x| x - lse + shrink.ln()).collect();
        let n = v.len();
        let adjoint = &adj[..n + 1];
        let c = complete_log_prob(&v).unwrap();
        let mut g = vec![0.0; n];
        complete_log_prob_vjp(&c, adjoint, &mut g).unwrap();
        let f = |v: &[f64]| -> f64 {
            complete_log_prob(v).unwrap().iter().zip(adjoint).map(|(a, b)| a * b).sum()
        };
        let h = 1e-6;
        for (i, &g_i) in g.iter().enumerate() {
            let fd = central_difference(f, &v, i, h);
            prop_assert!((g_i - fd).abs() <= 1e-6 * (1.0 + fd.abs()), "i={} g={} fd={}", i, g_i, fd);
        }
    }
}
