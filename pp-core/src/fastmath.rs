//! Inlineable kernels for the O(n) likelihood loops: `e^x` for `x <= 0` (pure arithmetic, so
//! a block of decay factors vectorises) and a sum of logarithms computed as the logarithm of
//! a renormalised running product (one multiplication per term instead of one `ln`).
//!
//! Both are tested against `f64::exp` / `f64::ln` below.

/// `ln 2` split so that `k · LN2_HI` is exact for `|k| < 2^20` (fdlibm's constants).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000); // 6.93147180369123816490e-01
const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76); // 1.90821492927058770002e-10
/// Adding then subtracting `1.5 · 2^52` rounds to the nearest integer (ties to even).
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

/// `e^x` for `x <= 0`, accurate to about 2 ulp for `x > −708`; `0` for `x <= −708` (the true
/// value is below `3.3e-308`: the subnormal range is flushed to zero), NaN for NaN. Written
/// without calls or branches on the normal path so that loops over blocks vectorise.
#[inline(always)]
pub(crate) fn exp_neg(x: f64) -> f64 {
    debug_assert!(x <= 0.0 || x.is_nan(), "exp_neg takes x <= 0, got {x}");
    // k = round(x / ln 2), r = x − k ln 2 in [−ln2/2, ln2/2].
    let shifted = x * std::f64::consts::LOG2_E + ROUND_MAGIC;
    let k = shifted - ROUND_MAGIC;
    let r = (x - k * LN2_HI) - k * LN2_LO;
    // e^r by its Taylor series to degree 13 (remainder < 4e-18 relative for |r| <= 0.347),
    // evaluated in Estrin's form (shorter dependency chains than Horner).
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
    let p = p07 + r8 * p813;
    // 2^k from the low bits of `shifted` (k in [−1021, 0] for x in (−708, 0]).
    let k_bits = shifted.to_bits().wrapping_sub(ROUND_MAGIC.to_bits());
    let scale = f64::from_bits(k_bits.wrapping_add(1023) << 52);
    let value = p * scale;
    if x > -708.0 {
        value
    } else if x.is_nan() {
        f64::NAN
    } else {
        0.0
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
}
