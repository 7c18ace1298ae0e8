//! The data of the comparison with tick: a ten-dimensional exponential Hawkes process with
//! about 10⁵ events, simulated exactly (Ogata thinning from `pp-core/tests/common`) with a fixed
//! seed, so that this example and `benches/hawkes_fit.rs` fit the same events.

#![allow(dead_code)]

#[path = "../../tests/common/mod.rs"]
mod common;

use pp_core::{EventSequence, ExpHawkes, Window};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// Number of dimensions.
pub const DIM: usize = 10;
/// The decay, fixed in every fit (tick's `decays`).
pub const BETA: f64 = 2.0;
/// The observation window `[0, T1]` (tick's windows start at 0).
pub const T1: f64 = 26_400.0;
/// The simulation seed.
pub const SEED: u64 = 2026;

/// The true model: baselines 0.1, 0.2, 0.3 in turn; each dimension excites itself (0.3), the
/// next one (0.15) and the previous one (0.05); the other 70 excitations are 0. Row and column
/// sums 0.5 (spectral radius 0.5), stationary total rate `2 Σ μ = 3.8`: about 10⁵ events on
/// `[0, 26400]`.
pub fn truth() -> ExpHawkes {
    let mu = (0..DIM).map(|i| 0.1 * (1 + i % 3) as f64).collect();
    let mut alpha = vec![0.0; DIM * DIM];
    for i in 0..DIM {
        alpha[i * DIM + i] = 0.3;
        alpha[((i + 1) % DIM) * DIM + i] = 0.15;
        alpha[((i + DIM - 1) % DIM) * DIM + i] = 0.05;
    }
    ExpHawkes::new(mu, alpha, BETA).expect("valid parameters")
}

/// The simulated events.
pub fn events() -> EventSequence {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SEED);
    common::simulate_hawkes(
        &truth(),
        Window::new(0.0, T1).expect("valid window"),
        &mut rng,
    )
}
