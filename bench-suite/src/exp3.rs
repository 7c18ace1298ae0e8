//! Experiment 3: the per-epoch training time against the amplitude `a` of the trained model
//! (docs/math.md §7, item 3; the reference's `CalculateTrainTime`: wall-clock time of `fit` divided
//! by the number of epochs, 10 training sequences from the fixed data model with a = 5).
//!
//! The path-wise estimator's cost grows with `a`: the ∂PP draws candidates at rate `λ̄ = a·H`
//! and every candidate is a soft event that all later potentials depend on; the score function
//! thins the same candidates but keeps only the accepted hard spikes. Runs are timed on one
//! thread (training with one sequence per step is sequential), so that they do not compete with
//! each other for the cores, the path-wise and the score-function run with their epochs
//! interleaved ([`time_pair`]) so that their ratio does not drift with the machine's speed.

use std::time::Instant;

use indicatif::ProgressBar;
use pp_core::CompensatorMethod;
use pp_core::EventSequence;
use serde::Serialize;
use snn_model::Snn;
use vi_train::ViError;
use vi_train::vi::{Estimator, ObjectiveOptions, Trainer, VariationalModel};

use crate::config::{DATA_AMPLITUDE, Exp3Config};
use crate::error::Result;
use crate::exp2::train_config;
use crate::setting::{EXP3, FIXED, INIT, problem, random_snn, seed_at, stream};

/// The timing of one training run.
///
/// ```
/// let t = bench_suite::exp3::EpochTiming { per_epoch_s: 0.5, epochs: 2, diverged_at: None };
/// assert_eq!(t.per_epoch_s * t.epochs as f64, 1.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EpochTiming {
    /// Wall-clock seconds per completed epoch (when the run diverged before completing an
    /// epoch: the seconds of the interrupted epoch).
    pub per_epoch_s: f64,
    /// Epochs completed.
    pub epochs: usize,
    /// The epoch (0-based) in which training diverged, if it did.
    pub diverged_at: Option<usize>,
}

/// Trains `init` (`q = p`) on `data` for up to `epochs` epochs with `estimator` and the given
/// compensator and times it (wall clock, per epoch).
///
/// ```
/// use vi_train::vi::Estimator;
/// let p = bench_suite::setting::problem(3, &[9], 2, 0, 5.0)?;
/// let t = bench_suite::exp3::time_training(&p.init, &p.train, Estimator::Score,
///     pp_core::CompensatorMethod::monte_carlo(50, 0)?, 2, 1)?;
/// assert_eq!(t.epochs, 2);
/// assert!(t.per_epoch_s > 0.0);
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn time_training(
    init: &Snn,
    data: &[EventSequence],
    estimator: Estimator,
    compensator: CompensatorMethod,
    epochs: usize,
    seed: u64,
) -> Result<EpochTiming> {
    let mut run = TimedRun::new(init, estimator, compensator, epochs, seed)?;
    for _ in 0..epochs {
        run.epoch(data)?;
    }
    Ok(run.timing())
}

/// The path-wise and the score-function training of [`time_training`] (the same compensator,
/// epochs and seed), timed with their epochs interleaved — path-wise, score, path-wise, … — so
/// that both meet the same state of the machine and their ratio does not drift with it (on a
/// shared VM the speed changes by tens of per cent within a minute). Each run trains exactly
/// as it would alone: its own trainer, the same seed.
///
/// ```
/// use vi_train::vi::Estimator;
/// let p = bench_suite::setting::problem(3, &[9], 2, 0, 5.0)?;
/// let mc = pp_core::CompensatorMethod::monte_carlo(50, 0)?;
/// let [pathwise, score] = bench_suite::exp3::time_pair(&p.init, &p.train, mc, 2, 1)?;
/// let alone = bench_suite::exp3::time_training(&p.init, &p.train, Estimator::Score, mc, 2, 1)?;
/// assert_eq!((pathwise.epochs, score.epochs), (2, alone.epochs));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn time_pair(
    init: &Snn,
    data: &[EventSequence],
    compensator: CompensatorMethod,
    epochs: usize,
    seed: u64,
) -> Result<[EpochTiming; 2]> {
    let mut pathwise = TimedRun::new(init, Estimator::Pathwise, compensator, epochs, seed)?;
    let mut score = TimedRun::new(init, Estimator::Score, compensator, epochs, seed)?;
    for _ in 0..epochs {
        pathwise.epoch(data)?;
        score.epoch(data)?;
    }
    Ok([pathwise.timing(), score.timing()])
}

/// One timed training run, advanced an epoch at a time.
struct TimedRun {
    trainer: Trainer,
    /// Seconds of the completed epochs.
    seconds: f64,
    epochs: usize,
    /// The epoch training diverged in, and its seconds.
    diverged: Option<(usize, f64)>,
}

impl TimedRun {
    fn new(
        init: &Snn,
        estimator: Estimator,
        compensator: CompensatorMethod,
        epochs: usize,
        seed: u64,
    ) -> Result<Self> {
        let mut config = train_config(estimator, epochs, 1, seed)?;
        config.objective = ObjectiveOptions {
            compensator,
            ..config.objective
        };
        Ok(Self {
            trainer: Trainer::new(VariationalModel::shared(init.clone())?, config)?,
            seconds: 0.0,
            epochs: 0,
            diverged: None,
        })
    }

    /// Trains and times one more epoch (nothing once training has diverged).
    fn epoch(&mut self, data: &[EventSequence]) -> Result<()> {
        if self.diverged.is_some() {
            return Ok(());
        }
        let start = Instant::now();
        let r = self.trainer.run_epoch(data);
        let elapsed = start.elapsed().as_secs_f64();
        match r {
            Ok(_) => {
                self.seconds += elapsed;
                self.epochs += 1;
                Ok(())
            }
            Err(ViError::Diverged { .. }) => {
                self.diverged = Some((self.epochs, elapsed));
                Ok(())
            }
            Err(err) => Err(err.into()),
        }
    }

    fn timing(&self) -> EpochTiming {
        let per_epoch_s = match self.diverged {
            Some((0, elapsed)) => elapsed,
            _ => self.seconds / self.epochs.max(1) as f64,
        };
        EpochTiming {
            per_epoch_s,
            epochs: self.epochs,
            diverged_at: self.diverged.map(|(e, _)| e),
        }
    }
}

/// One point of the curve (the objects of `exp3.points` in `summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exp3Point {
    /// The amplitude `a` of the trained model.
    pub amplitude: f64,
    /// Seconds per epoch, path-wise, Monte Carlo compensator (the reference's protocol).
    pub pathwise_s: f64,
    /// Seconds per epoch, score function, Monte Carlo compensator.
    pub score_s: f64,
    /// `pathwise_s / score_s` (paper: about 2.8).
    pub ratio: f64,
    /// Seconds per epoch, path-wise, quadrature compensator (when timed).
    pub pathwise_quadrature_s: Option<f64>,
    /// Seconds per epoch, score function, quadrature compensator (when timed).
    pub score_quadrature_s: Option<f64>,
    /// The details of each run: path-wise and score, Monte Carlo then quadrature.
    pub runs: Vec<EpochTiming>,
}

/// The result of experiment 3 (the `exp3` object of `summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exp3Result {
    /// One point per amplitude, in the configured order.
    pub points: Vec<Exp3Point>,
    /// Epochs timed per run with the Monte Carlo compensator.
    pub epochs: usize,
    /// Epochs timed per run with quadrature (0: not timed).
    pub quadrature_epochs: usize,
}

/// Runs experiment 3 on the fixed problem (the data model and training sequences of experiment
/// 1; the initial model is experiment 1's with amplitude `a`). `bar` advances by one per
/// training run.
///
/// ```
/// let c = bench_suite::Exp3Config { amplitudes: vec![1.0], epochs: 1, quadrature_epochs: 0,
///     n_train: 1, mc_points: 20 };
/// let r = bench_suite::exp3::run(&c, 7, &indicatif::ProgressBar::hidden())?;
/// assert!(r.points[0].pathwise_s > 0.0 && r.points[0].score_quadrature_s.is_none());
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn run(config: &Exp3Config, seed: u64, bar: &ProgressBar) -> Result<Exp3Result> {
    let p = problem(seed, &[FIXED], config.n_train, 0, DATA_AMPLITUDE)?;
    let mut points = Vec::with_capacity(config.amplitudes.len());
    for (i, &a) in config.amplitudes.iter().enumerate() {
        let init = random_snn(a, &mut stream(seed, &[FIXED, INIT]))?;
        let train_seed = seed_at(seed, &[EXP3, i as u64]);
        let mc = CompensatorMethod::monte_carlo(config.mc_points, 0)?;
        let mut runs = Vec::new();
        let mut timed = |compensator, epochs| -> Result<(f64, f64)> {
            let pair = time_pair(&init, &p.train, compensator, epochs, train_seed)?;
            bar.inc(2);
            let seconds = (pair[0].per_epoch_s, pair[1].per_epoch_s);
            runs.extend(pair);
            Ok(seconds)
        };
        let (pathwise_s, score_s) = timed(mc, config.epochs)?;
        let (mut pathwise_quadrature_s, mut score_quadrature_s) = (None, None);
        if config.quadrature_epochs > 0 {
            let (pw, sc) = timed(CompensatorMethod::default(), config.quadrature_epochs)?;
            pathwise_quadrature_s = Some(pw);
            score_quadrature_s = Some(sc);
        }
        points.push(Exp3Point {
            amplitude: a,
            pathwise_s,
            score_s,
            ratio: pathwise_s / score_s,
            pathwise_quadrature_s,
            score_quadrature_s,
            runs,
        });
    }
    Ok(Exp3Result {
        points,
        epochs: config.epochs,
        quadrature_epochs: config.quadrature_epochs,
    })
}
