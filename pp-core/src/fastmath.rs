//! Inlineable kernels for the hot loops, written without calls or branches on their normal
//! path so that a loop over a block compiles to vector instructions: `e^x` for `x <= 0` (the
//! decay factors of the Hawkes likelihood), the logistic pair `(σ(u), σ(−u))` in one division
//! (the quadrature nodes of the SNN likelihood: one per target neuron and node), and a sum of
//! logarithms computed as the logarithm of a renormalised running product (one multiplication
//! per term instead of one `ln`).
//!
//! All share one range reduction `x = k ln 2 + r`; `e^r` is a series for `exp_neg` and a rational
//! form whose division merges with the logistic's for the pair; each is tested
//! against `f64::exp` / `f64::ln` below.

/// `ln 2` split so that `k · LN2_HI` is exact for `|k| < 2^20` (fdlibm's constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-01
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
/// Adding then subtracting `1.5 · 2^52` rounds to the nearest integer (ties to even).
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// `(r, 2^k)` with `k = round(x / ln 2)` and `r = x − k ln 2` in `[−ln2/2, ln2/2]`; `2^k` is
/// exact for `k` in `[−1022, 1023]` (the callers keep `x` in range).
#[inline(always)]
fn reduce(x: f64) -> (f64, f64) {
    let shifted = x * std::f64::consts::LOG2_E + ROUND_MAGIC;
    let k = shifted - ROUND_MAGIC;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // 2^k from the low bits of `shifted`
    let k_bits = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits());
    (r, f64::from_bits(k_bits.wrapping_add(1023) << 52))
}

/// `e^r` for `|r| <= ln2/2` by its Taylor series to degree 13 (remainder < 4e-18 relative),
/// evaluated in Estrin's form (shorter dependency chains than Horner).
#[inline(always)]
fn exp_reduced(r: f64) -> f64 {
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = 1.0 + r;
    let p23 = 1.0 / 2.0 + r * (1.0 / 6.0);
    let p45 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let p67 = 1.0 / 720.0 + r * (1.0 / 5040.0);
    let p89 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    let p1011 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0);
    let p1213 = 1.0 / 479001600.0 + r * (1.0 / 6227020800.0);
    let p03 = p01 + r2 * p23;
    let p47 = p45 + r2 * p67;
    let p811 = p89 + r2 * p1011;
    let p07 = p03 + r4 * p47;
    let p813 = p811 + r4 * p1213;
    p07 + r8 * p813
}

/// `e^x` for `x <= 0`, accurate to about 2 ulp for `x > −708`; `0` for `x <= −708` (the true
/// value is below `3.3e-308`: the subnormal range is flushed to zero), NaN for NaN.
#[inline(always)]
pub(crate) fn exp_neg(x: f64) -> f64 {
    debug_assert!(x <= 0.0 || x.is_nan(), "exp_neg takes x <= 0, got {x}");
    // k in [−1021, 0] for x in (−708, 0]
    let (r, scale) = reduce(x);
    let value = exp_reduced(r) * scale;
    if x > -708.0 {
        value
    } else if x.is_nan() {
        f64::NAN
    } else {
        0.0
    }
}

/// The clamp of `|u|` in [`logistic_pair`]: `2^k` of `k ≤ 1010` is a normal float.
const LOGISTIC_CLAMP: f64 = 700.0;

/// `(σ(u), σ(−u))` with `σ(u) = 1 / (1 + e^{−u})`, each to within a few units in the last place
/// (tested against `exp` over `[−700, 700]`, and at the extremes) and in one division: with
/// `e^{−u} = B/A` (`A = Q − rP`, `B = 2^k (Q + rP)`, both positive, from a rational
/// approximation), `σ(u) = A / (A + B)` and `σ(−u) = B / (A + B)`, both with full relative
/// precision (no `1 − σ`). `u` is clamped to `[−700, 700]`, so beyond it the smaller member is
/// about `e^{−700} ≈ 1e-304` (the true value being smaller still) and the larger is within an
/// ulp of 1; NaN gives NaN.
///
/// ```
/// use pp_core::fastmath::logistic_pair;
/// assert_eq!(logistic_pair(0.0), (0.5, 0.5));
/// let (p, q) = logistic_pair(40.0);
/// assert!(1.0 - p <= f64::EPSILON); // σ(40) = 1 − 4e-18, within an ulp
/// assert!((q / (-40f64).exp() - 1.0).abs() < 1e-15); // the small side keeps its precision
/// ```
#[inline(always)]
pub fn logistic_pair(u: f64) -> (f64, f64) {
    let x = (-u).clamp(-LOGISTIC_CLAMP, LOGISTIC_CLAMP);
    let (r, scale) = reduce(x);
    // e^r = (Q + rP) / (Q − rP) (Cephes' rational form: fewer operations than the series,
    // and its division merges with the logistic's), so with A = Q − rP, B = 2^k (Q + rP):
    // σ(u) = 1 / (1 + e^x) = A / (A + B) and σ(−u) = B / (A + B)
    let z = r * r;
    let rp = r * ((LOGISTIC_P[0] * z + LOGISTIC_P[1]) * z + LOGISTIC_P[2]);
    let q = ((LOGISTIC_Q[0] * z + LOGISTIC_Q[1]) * z + LOGISTIC_Q[2]) * z + LOGISTIC_Q[3];
    let a = q - rp;
    let b = scale * (q + rp);
    let inv = 1.0 / (a + b);
    (a * inv, b * inv)
}

/// Cephes `exp`: `P(z)`, `Q(z)` of `e^r ≈ (Q(r²) + rP(r²)) / (Q(r²) − rP(r²))` on
/// `|r| ≤ ln2/2` (relative error about 1e-16).
const LOGISTIC_P: [f64; 3] = [0.00012617719307481058, 0.030299440770744195, 1.0];
const LOGISTIC_Q: [f64; 4] = [
    3.0019850513866446e-06,
    0.002524483403496841,
    0.22726554820815503,
    2.0,
];

/// `(a σ(u), a σ(u) σ(−u))`: the scaled logistic and its derivative, from [`logistic_pair`].
///
/// ```
/// use pp_core::fastmath::scaled_logistic;
/// assert_eq!(scaled_logistic(5.0, 0.0), (2.5, 1.25));
/// ```
#[inline(always)]
pub fn scaled_logistic(amplitude: f64, u: f64) -> (f64, f64) {
    let (p, q) = logistic_pair(u);
    let s = amplitude * p;
    (s, s * q)
}

/// The scaled logistic and its derivative in place over a slice: `value[i] ← a σ(u)` and
/// `derivative[i] ← a σ(u) σ(−u)`, `u` being `value[i]`'s old content (for the first
/// `min(len)` entries): a loop the compiler vectorises.
///
/// ```
/// use pp_core::fastmath::scaled_logistic_in_place;
/// let mut v = [0.0, 2.0];
/// let mut d = [0.0; 2];
/// scaled_logistic_in_place(5.0, &mut v, &mut d);
/// assert_eq!((v[0], d[0]), (2.5, 1.25));
/// let s = 1.0 / (1.0 + (-2f64).exp());
/// assert!((v[1] - 5.0 * s).abs() < 1e-14 && (d[1] - 5.0 * s * (1.0 - s)).abs() < 1e-14);
/// ```
#[inline]
pub fn scaled_logistic_in_place(amplitude: f64, value: &mut [f64], derivative: &mut [f64]) {
    for (v, d) in value.iter_mut().zip(derivative.iter_mut()) {
        (*v, *d) = scaled_logistic(amplitude, *v);
    }
}

/// `Σ ln λ_e` accumulated as `ln Π λ_e`: the product is kept in `[2^−600, 2^600]` by moving
/// powers of two into an integer exponent, so there is one multiplication per term. Terms
/// outside `[2^−400, 2^400]` (and zero, negative, NaN or infinite ones) take the `ln` path, so
/// the result is `−inf`/NaN exactly when a term's logarithm is. Rounding: one relative error of
/// at most `2^−53` per term, i.e. an absolute error below `n · 1.1e-16` on the sum (the plain
/// sum of logarithms has at least that).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogSum {
    product: f64,
    exponent: i64,
    direct: f64,
}

const TERM_MAX: f64 = 2.582_249_878_086_908_6e120; // 2^400
const TERM_MIN: f64 = 1.0 / TERM_MAX;
const PRODUCT_MAX: f64 = 4.149_515_568_880_993e180; // 2^600
const PRODUCT_MIN: f64 = 1.0 / PRODUCT_MAX;

impl LogSum {
    /// The empty sum.
    #[inline(always)]
    pub(crate) fn new() -> Self {
        Self {
            product: 1.0,
            exponent: 0,
            direct: 0.0,
        }
    }

    /// Adds `ln(value)`.
    #[inline(always)]
    pub(crate) fn add_ln(&mut self, value: f64) {
        if (TERM_MIN..=TERM_MAX).contains(&value) {
            self.product *= value;
            if !(PRODUCT_MIN..=PRODUCT_MAX).contains(&self.product) {
                self.renormalise();
            }
        } else {
            self.direct += value.ln();
        }
    }

    /// Moves the binary exponent of the product into `exponent` (product in `[1, 2)`).
    #[cold]
    fn renormalise(&mut self) {
        let bits = self.product.to_bits();
        let e = ((bits >> 52) & 0x7ff) as i64 - 1023;
        self.exponent += e;
        self.product = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    }

    /// The sum of the logarithms added so far.
    #[inline]
    pub(crate) fn value(&self) -> f64 {
        let e = self.exponent as f64;
        (e * LN2_HI + self.product.ln()) + (e * LN2_LO + self.direct)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_neg_matches_std_to_2_ulp() {
        let mut worst: f64 = 0.0;
        let mut x = 0.0;
        // dense near 0, then geometric out to −707
        for k in 0..200_000 {
            let exact = f64::exp(x);
            let fast = exp_neg(x);
            let rel = ((fast - exact) / exact).abs();
            worst = worst.max(rel);
            x = -(k as f64) * 1e-5 * (1.0 + k as f64 / 3000.0);
            if x < -707.0 {
                break;
            }
        }
        assert!(
            worst <= 2.0 * f64::EPSILON,
            "worst relative error {worst:e}"
        );
        assert_eq!(exp_neg(0.0), 1.0);
        assert_eq!(exp_neg(-0.0), 1.0);
        assert_eq!(exp_neg(-708.5), 0.0);
        assert_eq!(exp_neg(f64::NEG_INFINITY), 0.0);
        assert!(exp_neg(f64::NAN).is_nan());
        for x in [-1e-300, -1e-17, -0.34657359027997264, -0.5, -1.0, -700.0] {
            assert!(
                ((exp_neg(x) - x.exp()) / x.exp()).abs() <= 2.0 * f64::EPSILON,
                "{x}"
            );
        }
    }

    #[test]
    fn log_sum_matches_sum_of_logs() {
        // Reference: Neumaier-compensated sum of the logarithms (error ~ one rounding of each
        // ln, ≤ 0.5 ulp of ~70 ≈ 7e-15 per term, so ≤ 7e-10 in the worst case over 1e5
        // terms). LogSum's own error is ≤ 1.1e-16 per term plus ~ε·|sum| at the end.
        let mut s = LogSum::new();
        let (mut sum, mut compensation) = (0.0f64, 0.0f64);
        let mut v = 0.37;
        for k in 0..100_000 {
            // values over many binades, products that drift both ways
            v = (v * 3.7 + 0.11) % 17.0 + 1e-3;
            let term = if k % 2 == 0 { v * 1e30 } else { v * 1e-29 };
            s.add_ln(term);
            let x = term.ln();
            let t = sum + x;
            compensation += if sum.abs() >= x.abs() {
                (sum - t) + x
            } else {
                (x - t) + sum
            };
            sum = t;
        }
        let reference = sum + compensation;
        assert!(
            (s.value() - reference).abs() < 1e-9,
            "{} vs {reference}",
            s.value()
        );
        for extreme in [1e200, 1e-200, 5e-324] {
            let mut s = LogSum::new();
            s.add_ln(extreme);
            s.add_ln(2.0);
            assert!((s.value() - (extreme.ln() + 2f64.ln())).abs() < 1e-12);
        }
        let mut s = LogSum::new();
        s.add_ln(0.0);
        assert_eq!(s.value(), f64::NEG_INFINITY);
        let mut s = LogSum::new();
        s.add_ln(f64::NAN);
        assert!(s.value().is_nan());
        assert_eq!(LogSum::new().value(), 0.0);
    }

    /// `(σ(u), σ(−u))` from the library's `exp`, each side from the exponential that does not
    /// overflow (the tests' reference, itself within about 2 ulp).
    fn logistic_reference(u: f64) -> (f64, f64) {
        let e = (-u.abs()).exp();
        let (big, small) = (1.0 / (1.0 + e), e / (1.0 + e));
        if u >= 0.0 { (big, small) } else { (small, big) }
    }

    fn ulps(a: f64, b: f64) -> f64 {
        ((a - b) / b).abs() / f64::EPSILON
    }

    #[test]
    fn logistic_pair_agrees_with_exp_to_a_few_ulps() {
        let mut worst: f64 = 0.0;
        let mut check = |u: f64| {
            let (p, q) = logistic_pair(u);
            let (rp, rq) = logistic_reference(u);
            worst = worst.max(ulps(p, rp)).max(ulps(q, rq));
        };
        let mut u = -700.0;
        while u <= 700.0 {
            check(u);
            check(u + 1e-3 * std::f64::consts::PI);
            u += 0.0137;
        }
        // near 0, where both members are largest
        for i in -2000..=2000 {
            check(i as f64 * 1e-4);
        }
        assert!(worst <= 4.0, "worst error {worst} ulp");
    }

    #[test]
    fn logistic_pair_sums_to_one_and_is_symmetric() {
        for &u in &[-30.5, -3.0, -0.25, 0.0, 1e-9, 0.7, 12.0, 36.0] {
            let (p, q) = logistic_pair(u);
            assert!((p + q - 1.0).abs() <= 2.0 * f64::EPSILON, "u = {u}");
            let (p2, q2) = logistic_pair(-u);
            assert!(ulps(p, q2) <= 4.0 && ulps(q, p2) <= 4.0, "u = {u}");
        }
    }

    #[test]
    fn logistic_pair_extremes_and_nan() {
        for u in [745.0, 1e10, f64::INFINITY] {
            let (p, q) = logistic_pair(u);
            assert_eq!(p, 1.0);
            assert!(q > 0.0 && q < 1e-303, "u = {u}: {q}");
            let (p, q) = logistic_pair(-u);
            assert_eq!(q, 1.0);
            assert!(p > 0.0 && p < 1e-303);
        }
        let (p, q) = logistic_pair(f64::NAN);
        assert!(p.is_nan() && q.is_nan());
    }

    #[test]
    fn the_slice_form_is_the_scalar_form() {
        let u: Vec<f64> = (0..37).map(|i| (i as f64 - 18.0) * 0.9).collect();
        let mut v = u.clone();
        let mut d = vec![0.0; u.len()];
        scaled_logistic_in_place(3.0, &mut v, &mut d);
        for (i, &x) in u.iter().enumerate() {
            let (p, q) = logistic_pair(x);
            assert_eq!(v[i], 3.0 * p);
            assert_eq!(d[i], 3.0 * p * q);
        }
    }
}
