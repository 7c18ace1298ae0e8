//! The settings of a `reproduce` run: the reduced defaults (a few minutes on two cores) and the
//! reference's full protocol (`--full`).
//!
//! Settings every experiment shares (docs/math.md §7, the reference's `param.py`): the data model is
//! a random SNN with 2 observed and 4 hidden neurons, K = 2, sigmoid amplitude a = 5, sequences
//! on `[0, 50]`; training models are drawn the same way from another seed and trained with
//! `q = p` (the reference's `use_variational = False`), Adagrad with learning rate 5e-2, the
//! E step then the M step per sequence, temperature 0.3 × 0.95 per epoch, the regulariser
//! 0.1 ‖W‖_F, and the Monte Carlo compensator with 100 points (the reference's `n_neg`).

use crate::error::{BenchError, Result};

/// Observed neurons of the data model.
pub const N_OBS: usize = 2;
/// Hidden neurons of the data model.
pub const N_HIDDEN: usize = 4;
/// Amplitude `a` of the data model's sigmoid activation.
pub const DATA_AMPLITUDE: f64 = 5.0;
/// Length `T` of every sequence (window `[0, T]`).
pub const LENGTH: f64 = 50.0;
/// The ∂PP temperature at the start of training (the reference's 0.3).
pub const TEMPERATURE: f64 = 0.3;
/// The paper's mean coordinate standard deviation of the path-wise gradient (experiment 1).
pub const PAPER_PATHWISE_STD: f64 = 66.3;
/// The paper's mean coordinate standard deviation of the score-function gradient.
pub const PAPER_SCORE_STD: f64 = 2490.0;
/// The paper's ratio of per-epoch training times, path-wise / score function (experiment 3).
pub const PAPER_TIME_RATIO: f64 = 2.8;

/// Experiment 1: the spread of the gradient estimators at the initial parameters.
///
/// ```
/// let c = bench_suite::Exp1Config::default();
/// assert_eq!((c.n_train, c.mc_points), (10, 100));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Exp1Config {
    /// `R`, the number of gradient draws per estimator and compensator (≥ 2).
    pub draws: usize,
    /// Training sequences; one gradient is the sum of the per-sequence gradients over them
    /// (the reference sums the objective over its 10 sequences before differentiating).
    pub n_train: usize,
    /// Points of the Monte Carlo compensator (the reference's `n_neg` = 100).
    pub mc_points: usize,
    /// Problem instances (≥ 1): the fixed problem shared with experiment 3, then
    /// `instances − 1` more, each its own data model, data and initial model, reported
    /// separately.
    pub instances: usize,
}

impl Default for Exp1Config {
    /// The reduced default: 200 draws on the fixed problem.
    fn default() -> Self {
        Self {
            draws: 200,
            n_train: 10,
            mc_points: 100,
            instances: 1,
        }
    }
}

/// Experiment 2: the test negative ELBO and the particle filter's test negative
/// log-likelihood against the number of training sequences.
///
/// ```
/// let c = bench_suite::Exp2Config::default();
/// assert!(c.n_train.contains(&10) && c.trials >= 2);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Exp2Config {
    /// The numbers of training sequences (each ≥ 1).
    pub n_train: Vec<usize>,
    /// Independent trials per point (each its own data model, data, initial model; ≥ 2 for a
    /// standard error).
    pub trials: usize,
    /// Training epochs (the reference's 10).
    pub epochs: usize,
    /// Test sequences per trial (the reference's 10).
    pub n_test: usize,
    /// Hidden samples per test sequence in the evaluation (≥ 2; the reference draws 1).
    pub eval_samples: usize,
    /// Monte Carlo points of the evaluation's compensator (unbiased; 1000 makes its noise
    /// negligible next to the hidden samples' at a twentieth of the quadrature's cost).
    pub eval_mc_points: usize,
    /// Monte Carlo points of the training compensator (the reference's 100).
    pub mc_points: usize,
    /// Particles of the particle filter that estimates each model's test `log p(O)` (≥ 1).
    pub smc_particles: usize,
    /// Independent runs of the filter per test sequence (≥ 2, for its standard error).
    pub smc_runs: usize,
}

impl Default for Exp2Config {
    /// The reduced default: 10, 20, 50 and 100 training sequences, 6 trials, 10 epochs; the
    /// particle filter with 16 particles × 2 runs (noisy and biased upwards for the data
    /// models, whose hidden neurons matter most, but it still ranks them first; see the
    /// README).
    fn default() -> Self {
        Self {
            n_train: vec![10, 20, 50, 100],
            trials: 6,
            epochs: 10,
            n_test: 10,
            eval_samples: 10,
            eval_mc_points: 1000,
            mc_points: 100,
            smc_particles: 16,
            smc_runs: 2,
        }
    }
}

/// Experiment 3: the per-epoch training time against the amplitude `a` of the trained model.
///
/// ```
/// let c = bench_suite::Exp3Config::default();
/// assert!(c.amplitudes.contains(&1.0) && c.amplitudes.contains(&5.0));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Exp3Config {
    /// The amplitudes `a` of the trained model's sigmoid (each finite and > 0).
    pub amplitudes: Vec<f64>,
    /// Epochs timed per amplitude and estimator with the reference's Monte Carlo compensator.
    pub epochs: usize,
    /// Epochs timed with the quadrature compensator as well (0 skips that timing).
    pub quadrature_epochs: usize,
    /// Training sequences (the reference's 10).
    pub n_train: usize,
    /// Monte Carlo points of the training compensator (the reference's 100).
    pub mc_points: usize,
}

impl Default for Exp3Config {
    /// The reduced default: a ∈ {1, 2, 5, 10, 15, 20}, 10 epochs (3 with quadrature).
    fn default() -> Self {
        Self {
            amplitudes: vec![1.0, 2.0, 5.0, 10.0, 15.0, 20.0],
            epochs: 10,
            quadrature_epochs: 3,
            n_train: 10,
            mc_points: 100,
        }
    }
}

/// A whole run.
///
/// ```
/// let d = bench_suite::Config::default();
/// let f = bench_suite::Config::full();
/// assert_eq!(f.exp1.draws, 1000);
/// assert!(d.check().is_ok() && f.check().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// The master seed: every random draw comes from a generator derived from it (see
    /// [`crate::setting::stream`]). The reference used data seed 43.
    pub seed: u64,
    /// Experiment 1.
    pub exp1: Exp1Config,
    /// Experiment 2.
    pub exp2: Exp2Config,
    /// Experiment 3.
    pub exp3: Exp3Config,
}

impl Default for Config {
    /// The reduced defaults of `reproduce` without arguments, seed 43.
    fn default() -> Self {
        Self {
            seed: 43,
            exp1: Exp1Config::default(),
            exp2: Exp2Config::default(),
            exp3: Exp3Config::default(),
        }
    }
}

impl Config {
    /// The reference's full protocol: 1,000 gradient draws on each of 3 problem instances; 10,
    /// 20, 30, 40, 50, 75, 100 and 200 training sequences with 24 trials of 10 epochs (the
    /// particle filter with 128 particles × 2 runs); a = 1, …, 20 with 100 timed epochs (10
    /// with quadrature).
    pub fn full() -> Self {
        Self {
            seed: 43,
            exp1: Exp1Config {
                draws: 1000,
                instances: 3,
                ..Exp1Config::default()
            },
            exp2: Exp2Config {
                n_train: vec![10, 20, 30, 40, 50, 75, 100, 200],
                trials: 24,
                epochs: 10,
                smc_particles: 128,
                smc_runs: 2,
                ..Exp2Config::default()
            },
            exp3: Exp3Config {
                amplitudes: (1..=20).map(f64::from).collect(),
                epochs: 100,
                quadrature_epochs: 10,
                ..Exp3Config::default()
            },
        }
    }

    /// A configuration small enough for tests (seconds): 6 draws of 3 sequences, 2 trials of
    /// 1 epoch at 2 and 4 sequences (the filter with 8 particles × 2 runs), a ∈ {1, 5} for
    /// 1 epoch.
    ///
    /// ```
    /// assert!(bench_suite::Config::tiny().check().is_ok());
    /// ```
    pub fn tiny() -> Self {
        Self {
            seed: 43,
            exp1: Exp1Config {
                draws: 6,
                n_train: 3,
                mc_points: 100,
                instances: 1,
            },
            exp2: Exp2Config {
                n_train: vec![2, 4],
                trials: 2,
                epochs: 1,
                n_test: 2,
                eval_samples: 2,
                eval_mc_points: 200,
                mc_points: 100,
                smc_particles: 8,
                smc_runs: 2,
            },
            exp3: Exp3Config {
                amplitudes: vec![1.0, 5.0],
                epochs: 1,
                quadrature_epochs: 1,
                n_train: 2,
                mc_points: 100,
            },
        }
    }

    /// Checks every setting; the error names the command-line option.
    ///
    /// ```
    /// let mut c = bench_suite::Config::default();
    /// c.exp2.trials = 1;
    /// assert!(c.check().unwrap_err().to_string().starts_with("--trials"));
    /// ```
    pub fn check(&self) -> Result<()> {
        let at_least = |what: &str, value: usize, min: usize, why: &str| {
            if value < min {
                Err(BenchError::config(
                    what,
                    format!("must be at least {min}{why}, got {value}"),
                ))
            } else {
                Ok(())
            }
        };
        let e1 = &self.exp1;
        at_least(
            "--draws",
            e1.draws,
            2,
            " (a standard deviation needs two draws)",
        )?;
        at_least("exp1 training sequences", e1.n_train, 1, "")?;
        at_least("--mc-points", e1.mc_points, 1, "")?;
        at_least("--instances", e1.instances, 1, "")?;
        let e2 = &self.exp2;
        if e2.n_train.is_empty() {
            return Err(BenchError::config("--n-train", "needs at least one value"));
        }
        if let Some(&n) = e2.n_train.iter().find(|&&n| n == 0) {
            return Err(BenchError::config(
                "--n-train",
                format!("every number of training sequences must be at least 1, got {n}"),
            ));
        }
        at_least(
            "--trials",
            e2.trials,
            2,
            " (a standard error needs two trials)",
        )?;
        at_least("--epochs", e2.epochs, 1, "")?;
        at_least("exp2 test sequences", e2.n_test, 1, "")?;
        at_least(
            "--eval-samples",
            e2.eval_samples,
            2,
            " (a standard error needs two samples)",
        )?;
        at_least(
            "exp2 evaluation Monte Carlo points",
            e2.eval_mc_points,
            1,
            "",
        )?;
        at_least("--mc-points", e2.mc_points, 1, "")?;
        at_least("--particles", e2.smc_particles, 1, "")?;
        at_least(
            "--smc-runs",
            e2.smc_runs,
            2,
            " (the filter's standard error needs two runs)",
        )?;
        let e3 = &self.exp3;
        if e3.amplitudes.is_empty() {
            return Err(BenchError::config(
                "--amplitudes",
                "needs at least one value",
            ));
        }
        if let Some(a) = e3.amplitudes.iter().find(|a| !(a.is_finite() && **a > 0.0)) {
            return Err(BenchError::config(
                "--amplitudes",
                format!("every amplitude must be finite and positive, got {a}"),
            ));
        }
        at_least("--timing-epochs", e3.epochs, 1, "")?;
        at_least("exp3 training sequences", e3.n_train, 1, "")?;
        at_least("--mc-points", e3.mc_points, 1, "")?;
        Ok(())
    }
}
