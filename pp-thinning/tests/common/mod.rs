//! Helpers shared by the integration tests: time rescaling (MATH.md §1) and a KS test against
//! Exp(1).
//!
//! pp-core's own goodness-of-fit module was being written concurrently when these tests were
//! written, so the rescaling here is a small independent implementation (an O(n·D) recursion for
//! exp-Hawkes, a closed-form compensator for inhomogeneous Poisson) and the KS test is statrs's.

#![allow(dead_code)]

use pp_core::{EventSequence, ExpHawkes};
use statrs::distribution::Exp;
use statrs::stats_tests::NaNPolicy;
use statrs::stats_tests::ks_test::{KSOneSampleAlternativeMethod, ks_onesample};

/// Two-sided KS p-value of `data` against Exp(1) (asymptotic Kolmogorov distribution; the
/// samples here have hundreds to thousands of points).
pub fn ks_exp1_pvalue(data: &[f64]) -> f64 {
    assert!(
        data.len() >= 100,
        "too few rescaled intervals ({})",
        data.len()
    );
    let (_stat, p) = ks_onesample(
        data.to_vec(),
        &Exp::new(1.0).unwrap(),
        KSOneSampleAlternativeMethod::TwoSidedAsymptotic,
        NaNPolicy::Error,
    )
    .unwrap();
    p
}

/// Rescaled inter-event intervals `τ = Λ_i(t_e) − Λ_i(t_prev_i)` of every dimension, pooled,
/// for an exponential Hawkes model, with `Λ_i(t) = ∫_{T0}^t λ_i`. O(n·D) recursion: with
/// `r_i(t) = Σ_{t_e<t} α_{i,i_e} β e^{−β(t−t_e)}`, `∫_a^b r_i = r_i(a⁺)(1 − e^{−β(b−a)})/β`.
pub fn hawkes_rescaled(model: &ExpHawkes, seq: &EventSequence) -> Vec<f64> {
    let d = model.mu().len();
    let beta = model.beta();
    let alpha = model.alpha();
    let mut r = vec![0.0; d];
    let mut cum = vec![0.0; d]; // Λ_i(t) at the current time
    let mut last = vec![0.0; d]; // Λ_i at the previous event of dimension i
    let mut t = seq.window().t0();
    let mut out = Vec::with_capacity(seq.len());
    for (&te, &m) in seq.times().iter().zip(seq.marks()) {
        let dt = te - t;
        let decay = (-beta * dt).exp();
        for i in 0..d {
            cum[i] += model.mu()[i] * dt + r[i] * (1.0 - decay) / beta;
            r[i] *= decay;
        }
        let m = m as usize;
        out.push(cum[m] - last[m]);
        last[m] = cum[m];
        for i in 0..d {
            r[i] += alpha[i * d + m] * beta;
        }
        t = te;
    }
    out
}

/// Rescaled intervals, pooled over dimensions, for an inhomogeneous Poisson process whose
/// compensator from the window start is `big_lambda(i, t)`.
pub fn poisson_rescaled(seq: &EventSequence, big_lambda: impl Fn(usize, f64) -> f64) -> Vec<f64> {
    let t0 = seq.window().t0();
    let mut last: Vec<f64> = (0..seq.dim()).map(|i| big_lambda(i, t0)).collect();
    let mut out = Vec::with_capacity(seq.len());
    for (&te, &m) in seq.times().iter().zip(seq.marks()) {
        let m = m as usize;
        let now = big_lambda(m, te);
        out.push(now - last[m]);
        last[m] = now;
    }
    out
}

/// Times of a sequence as bit patterns (for bit-identity checks).
pub fn bits(seq: &EventSequence) -> Vec<(u64, u32)> {
    seq.times()
        .iter()
        .map(|t| t.to_bits())
        .zip(seq.marks().iter().copied())
        .collect()
}
