//! The synthetic problems: generators derived from the master seed, the data model, the
//! training and test data, and the initial training model (docs/math.md §7).

use pp_core::{EventSequence, Window};
use pp_thinning::sequence_rng;
use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::{Activation, Snn, SnnBuilder};

use crate::config::{DATA_AMPLITUDE, LENGTH, N_HIDDEN, N_OBS};
use crate::error::Result;

/// The part of the seed tree shared by experiments 1 and 3 (the reference's fixed data seed 43
/// and train seed 44).
pub const FIXED: u64 = 0;
/// The seed tree of experiment 1's gradient draws.
pub const EXP1: u64 = 1;
/// The seed tree of experiment 2 (one subtree per trial).
pub const EXP2: u64 = 2;
/// The seed tree of experiment 3's training noise.
pub const EXP3: u64 = 3;

/// Purpose of a generator inside a problem: the data model's parameters.
pub const TRUTH: u64 = 0;
/// Purpose: the simulation of the training sequences.
pub const TRAIN_DATA: u64 = 1;
/// Purpose: the simulation of the test sequences.
pub const TEST_DATA: u64 = 2;
/// Purpose: the initial training model's parameters.
pub const INIT: u64 = 3;
/// Purpose: the training noise.
pub const TRAIN: u64 = 4;
/// Purpose: the evaluation's hidden samples.
pub const EVAL: u64 = 5;
/// Purpose: the particle filter's draws in the evaluation.
pub const SMC: u64 = 6;

/// The generator at `path` below `seed`: `s ← sequence_rng(s, i).next_u64()` for every index of
/// `path` but the last, then `sequence_rng(s, last)`. Every random draw of a run comes from its
/// own such generator — one per (seed, experiment, trial, draw) — so results do not depend on
/// the number of threads or on the order in which parallel jobs run.
///
/// ```
/// use rand::Rng;
/// use bench_suite::setting::stream;
/// assert_eq!(stream(1, &[2, 3]).next_u64(), stream(1, &[2, 3]).next_u64());
/// assert_ne!(stream(1, &[2, 3]).next_u64(), stream(1, &[3, 2]).next_u64());
/// assert_eq!(stream(5, &[]).next_u64(), pp_thinning::sequence_rng(5, 0).next_u64());
/// ```
pub fn stream(seed: u64, path: &[u64]) -> Xoshiro256PlusPlus {
    let Some((&last, head)) = path.split_last() else {
        return sequence_rng(seed, 0);
    };
    let mut s = seed;
    for &i in head {
        s = sequence_rng(s, i).next_u64();
    }
    sequence_rng(s, last)
}

/// A `u64` seed at `path` below `seed` (the first draw of [`stream`]).
///
/// ```
/// use rand::Rng;
/// let s = bench_suite::setting::seed_at(7, &[1]);
/// assert_eq!(s, bench_suite::setting::stream(7, &[1]).next_u64());
/// ```
pub fn seed_at(seed: u64, path: &[u64]) -> u64 {
    stream(seed, path).next_u64()
}

/// The window `[0, T]` of every sequence.
///
/// ```
/// assert_eq!(bench_suite::setting::window().t1(), 50.0);
/// ```
pub fn window() -> Window {
    Window::new(0.0, LENGTH).expect("the constant window is valid")
}

/// A network of the experiments' shape (2 observed + 4 hidden neurons, K = 2, sigmoid with
/// amplitude `amplitude`) with the reference's random parameters: weights `U(−5, 5)`, diagonal
/// `U(−5, −0.1)`, biases `U(−1, 1)` ([`SnnBuilder::random`]). The parameters drawn do not
/// depend on the amplitude.
///
/// ```
/// let mut rng = bench_suite::setting::stream(1, &[0]);
/// let m = bench_suite::setting::random_snn(5.0, &mut rng)?;
/// assert_eq!((m.n_obs(), m.n_hidden()), (2, 4));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn random_snn<R: Rng + ?Sized>(amplitude: f64, rng: &mut R) -> Result<Snn> {
    Ok(SnnBuilder::new(N_OBS, N_HIDDEN)
        .activation(Activation::Sigmoid { amplitude })
        .random(rng)?)
}

/// One synthetic problem: the data model, its training and test data (observed neurons only),
/// and the initial training model.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The data model (a = 5).
    pub truth: Snn,
    /// Training sequences (observed neurons): sequence `k` is the `k`-th draw of its stream,
    /// so the first `n` sequences of a longer set are the set of size `n`.
    pub train: Vec<EventSequence>,
    /// Test sequences (observed neurons).
    pub test: Vec<EventSequence>,
    /// The initial training model (drawn the same way from its own stream; amplitude as
    /// asked).
    pub init: Snn,
}

/// The problem at `path` below `seed`: the data model from `path ++ [TRUTH]`, `n_train`
/// training and `n_test` test sequences simulated exactly (snn-model's thinning) from seeds at
/// `path ++ [TRAIN_DATA]` and `path ++ [TEST_DATA]`, with their hidden neurons deleted, and the
/// initial model with amplitude `init_amplitude` from `path ++ [INIT]`.
///
/// ```
/// let p = bench_suite::setting::problem(43, &[0], 3, 2, 5.0)?;
/// assert_eq!((p.train.len(), p.test.len()), (3, 2));
/// assert!(p.train.iter().all(|s| s.dim() == 2));
/// let q = bench_suite::setting::problem(43, &[0], 5, 0, 1.0)?;
/// assert_eq!(&q.train[..3], &p.train[..]); // nested training sets
/// assert_eq!(q.init.weights(), p.init.weights()); // same draw, other amplitude
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn problem(
    seed: u64,
    path: &[u64],
    n_train: usize,
    n_test: usize,
    init_amplitude: f64,
) -> Result<Problem> {
    let at = |purpose: u64| {
        let mut p = path.to_vec();
        p.push(purpose);
        p
    };
    let truth = random_snn(DATA_AMPLITUDE, &mut stream(seed, &at(TRUTH)))?;
    let simulate = |purpose: u64, count: usize| -> Result<Vec<EventSequence>> {
        let full = truth.simulate_many(window(), seed_at(seed, &at(purpose)), count)?;
        full.into_iter()
            .map(|s| Ok(s.split_dimensions(N_OBS)?.0))
            .collect()
    };
    let train = simulate(TRAIN_DATA, n_train)?;
    let test = simulate(TEST_DATA, n_test)?;
    let init = random_snn(init_amplitude, &mut stream(seed, &at(INIT)))?;
    Ok(Problem {
        truth,
        train,
        test,
        init,
    })
}
