//! The 7-point Gauss / 15-point Kronrod pair on `[-1, 1]` (QUADPACK's `qk15` constants) and
//! QUADPACK's error estimate of the 15-point value.

/// Nodes of the 15-point Kronrod rule, increasing.
pub const NODES: [f64; 15] = [
    -0.991_455_371_120_812_6,
    -0.949_107_912_342_758_5,
    -0.864_864_423_359_769_1,
    -0.741_531_185_599_394_4,
    -0.586_087_235_467_691_1,
    -0.405_845_151_377_397_2,
    -0.207_784_955_007_898_5,
    0.0,
    0.207_784_955_007_898_5,
    0.405_845_151_377_397_2,
    0.586_087_235_467_691_1,
    0.741_531_185_599_394_4,
    0.864_864_423_359_769_1,
    0.949_107_912_342_758_5,
    0.991_455_371_120_812_6,
];

/// Weights of the 15-point Kronrod rule (exact for polynomials of degree ≤ 22).
pub const KRONROD: [f64; 15] = [
    0.022_935_322_010_529_225,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
    0.204_432_940_075_298_9,
    0.190_350_578_064_785_4,
    0.169_004_726_639_267_9,
    0.140_653_259_715_525_92,
    0.104_790_010_322_250_18,
    0.063_092_092_629_978_55,
    0.022_935_322_010_529_225,
];

/// Weights of the embedded 7-point Gauss rule on the odd nodes (0 elsewhere; exact for
/// degree ≤ 13).
pub const GAUSS: [f64; 15] = [
    0.0,
    0.129_484_966_168_869_7,
    0.0,
    0.279_705_391_489_276_7,
    0.0,
    0.381_830_050_505_118_9,
    0.0,
    0.417_959_183_673_469_4,
    0.0,
    0.381_830_050_505_118_9,
    0.0,
    0.279_705_391_489_276_7,
    0.0,
    0.129_484_966_168_869_7,
    0.0,
];

/// QUADPACK's (`qk15`) error estimate of the 15-point Kronrod value of one non-negative
/// integrand on an interval of half-width `half`: `kronrod = Σ K_j f_j`, `gauss = Σ G_j f_j`
/// (the sums on `[-1, 1]`, not yet scaled by `half`) and `resasc = |half| Σ K_j |f_j − mean|`
/// with `mean = kronrod / 2`. The estimate is `R · min(1, (200 |K15 − G7| / R)^{3/2})` with
/// `R = resasc`, floored at `50 ε |K15|`: `|K15 − G7|` is the error of G7, and the error of
/// K15 is much smaller, as the 3/2 power models (Piessens et al. 1983).
///
/// ```
/// use pp_core::quadrature::kronrod::{GAUSS, KRONROD, NODES, qk15_error};
/// // a quartic: both rules are exact, so the estimate is rounding only
/// let f: Vec<f64> = NODES.iter().map(|x| 1.0 + x.powi(4)).collect();
/// let k: f64 = KRONROD.iter().zip(&f).map(|(w, v)| w * v).sum();
/// let g: f64 = GAUSS.iter().zip(&f).map(|(w, v)| w * v).sum();
/// let resasc: f64 = KRONROD.iter().zip(&f).map(|(w, v)| w * (v - 0.5 * k).abs()).sum();
/// assert!(qk15_error(k, g, resasc, 1.0) < 1e-13);
/// ```
#[inline]
pub fn qk15_error(kronrod: f64, gauss: f64, resasc: f64, half: f64) -> f64 {
    let kv = half * kronrod;
    let mut err = (kv - half * gauss).abs();
    if resasc != 0.0 && err != 0.0 {
        err = resasc * (200.0 * err / resasc).powf(1.5).min(1.0);
    }
    err.max(50.0 * f64::EPSILON * kv.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(w: &[f64; 15], degree: i32) -> f64 {
        NODES.iter().zip(w).map(|(x, w)| w * x.powi(degree)).sum()
    }

    fn exact(degree: i32) -> f64 {
        if degree % 2 == 1 {
            0.0
        } else {
            2.0 / (degree as f64 + 1.0)
        }
    }

    #[test]
    fn kronrod_exact_to_degree_22() {
        for d in 0..=22 {
            assert!((rule(&KRONROD, d) - exact(d)).abs() < 1e-15, "degree {d}");
        }
        // and not beyond (the test would pass for any weights otherwise)
        assert!((rule(&KRONROD, 24) - exact(24)).abs() > 1e-12);
    }

    #[test]
    fn gauss_exact_to_degree_13() {
        for d in 0..=13 {
            assert!((rule(&GAUSS, d) - exact(d)).abs() < 1e-15, "degree {d}");
        }
        assert!((rule(&GAUSS, 14) - exact(14)).abs() > 1e-12);
    }
}
