//! Value stability of the ∂PP's randomness, in the style of rand_distr's value-stability tests:
//! the first candidates and marks drawn for a fixed seed are pinned to full `f64` precision.
//!
//! A change of these numbers is a change of the random streams that every seeded result of the
//! workspace depends on (path-wise gradient estimates, trained models, the `reproduce`
//! program's numbers). Such a change must be made on purpose: update the numbers here in the
//! same commit and say in its message why the streams changed.
//!
//! The comparison is exact (`assert_eq!`; the numbers were printed with `{:?}`, which
//! round-trips an `f64`): a tolerance would hide small stream changes — replacing rand's
//! `Open01` by `OpenClosed01` under the Gumbel noise moved the ∂PP's values by about 1e-15
//! relative. Rust does not reorder or fuse floating-point operations, so the numbers are the
//! same in every build profile; a platform with a different `exp`/`ln` could differ in the last
//! bits, which is a reason to look, not to add a tolerance.

use diffpp::{DiffPP, LinearSigmoidModel, Mode, Noise, Trace};
use pp_core::{Parametric, Window};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// A fixed model (no random parameters): 2 hidden neurons, a = 5, ε = 1e-6 (λ̄ = 10 + 1e-6),
/// K = 2 centres {0, 2}, scale 1, one observed train {0.4, 1.1, 2.5}, and the 14 parameters
/// `0.5 − 0.25 (i mod 5)`.
fn model() -> LinearSigmoidModel {
    let mut m = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 2.0], 1.0)
        .unwrap()
        .with_observed(1, vec![0.4, 1.1, 2.5], vec![0, 0, 0])
        .unwrap();
    assert_eq!(m.n_params(), 14);
    let params: Vec<f64> = (0..14).map(|i| 0.5 - 0.25 * (i % 5) as f64).collect();
    Parametric::set_params(&mut m, &params).unwrap();
    m
}

fn sample(mode: Mode) -> Trace {
    DiffPP::new(Window::new(0.0, 4.0).unwrap(), mode)
        .sample(&model(), &mut Xoshiro256PlusPlus::seed_from_u64(1))
        .unwrap()
}

const FIRST_TIMES: [f64; 3] = [0.10967938405855943, 0.22267693260416616, 0.2588156695875124];

/// Soft mode at τ = 0.3, seed 1: the first 3 candidate times and their soft weights `[k][h]`.
#[test]
fn soft_mode_first_three_candidates_for_seed_1() {
    let trace = sample(Mode::soft(0.3).unwrap());
    assert_eq!(trace.len(), 44);
    assert_eq!(&trace.times()[..3], &FIRST_TIMES);
    assert_eq!(
        &trace.weights()[..6],
        &[
            0.646308876528979,
            0.11005853572812281,
            0.9146915139496486,
            0.05633599364135977,
            0.009095154100340317,
            0.041378588965695524,
        ],
    );
    assert_eq!(trace.categories()[..3], [0, 0, 2]);
}

/// Hard mode, seed 1: the same candidate times and noise, so the same arg-max categories as the
/// soft mode; the weights are one-hot (category 2 is 'none').
#[test]
fn hard_mode_first_three_candidates_for_seed_1() {
    let trace = sample(Mode::Hard);
    assert_eq!(trace.len(), 44);
    assert_eq!(&trace.times()[..3], &FIRST_TIMES);
    assert_eq!(trace.weights()[..6], [1.0, 0.0, 1.0, 0.0, 0.0, 0.0]);
    assert_eq!(trace.categories()[..3], [0, 0, 2]);
}

/// `Noise::draw` on [0, 10] at rate 2 with 3 categories, seed 1: the first 3 candidate times,
/// the first two Gumbel vectors, and their noise density terms.
#[test]
fn noise_draw_first_values_for_seed_1() {
    let noise = Noise::draw(
        &mut Xoshiro256PlusPlus::seed_from_u64(1),
        Window::new(0.0, 10.0).unwrap(),
        2.0,
        3,
    )
    .unwrap();
    assert_eq!(noise.len(), 23);
    assert_eq!(
        &noise.times()[..3],
        &[0.5483969751324891, 1.113384774359297, 1.2940784773453968],
    );
    assert_eq!(
        &noise.gumbel()[..6],
        &[
            -0.5257517033315613,
            4.01217441622976,
            0.7085960473207574,
            1.1565234416942023,
            0.6507961640803351,
            0.840428785573785,
        ],
    );
    assert_eq!(
        &noise.density_terms()[..2],
        &[-6.563333468919078, -3.3594408233720423],
    );
}
