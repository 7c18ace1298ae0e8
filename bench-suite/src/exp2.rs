//! Experiment 2: the test negative ELBO against the number of training sequences (docs/math.md §7,
//! item 2; the reference's `PerformanceEvaluation` over 24 trials).
//!
//! Each trial `t` has its own problem below `[EXP2, t]` (as the reference draws a data seed, a
//! training seed and an evaluation seed per trial): a data model, the largest training set
//! (smaller sets are its first sequences), a test set, and one initial model shared by every
//! training run of the trial. For each number of training sequences, a model is trained with
//! each estimator (the reference's training: `q = p`, E and M steps per sequence, Adagrad 5e-2,
//! temperature 0.3 · 0.95^epoch, Monte Carlo compensator with 100 points) and evaluated by the
//! test negative ELBO: the trained parameters in the hard-spiking SNN, `−log p(O, H) + log q(H)`
//! with hidden samples from `q` by thinning, averaged over the samples and the test sequences
//! (vi-train's `evaluate`; no regulariser). The data model evaluated the same way (`q = p` =
//! the data model) gives the "true" value (the reference logs it as `true_test_loss`). It is
//! a reference line, not a lower bound: the negative ELBO is `−log p(O) + KL(q ‖ p(H | O))`,
//! and with `q = p` the hidden neurons' densities cancel, so it is `−E[log p(O | H)]`, the
//! observed neurons' log-likelihood with hidden spikes drawn from the model's own hidden
//! intensities given the observed spikes so far (not from the posterior). A trained model can explain the observed spikes without relying on its
//! hidden neurons and beat the data model on this measure.
//! All models of a trial are evaluated with the same evaluation seed (common random numbers).
//!
//! Training runs are independent jobs run in parallel; a run that diverges (vi-train's typed
//! `Diverged` error) is counted and left out of the mean.

use indicatif::ProgressBar;
use pp_core::CompensatorMethod;
use pp_core::EventSequence;
use rayon::prelude::*;
use serde::Serialize;
use snn_model::Snn;
use vi_train::ViError;
use vi_train::vi::{
    Estimator, EvalOptions, ObjectiveOptions, TrainConfig, VariationalModel, evaluate, fit,
};

use crate::config::{DATA_AMPLITUDE, Exp2Config};
use crate::error::Result;
use crate::setting::{EVAL, EXP2, Problem, TRAIN, problem, seed_at};
use crate::stats::MeanSe;

/// One point of the curve (the objects of `exp2.points` in `summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exp2Point {
    /// The number of training sequences.
    pub n_train: usize,
    /// Test negative ELBO after path-wise training: mean ± standard error over the trials
    /// that did not diverge.
    pub pathwise: MeanSe,
    /// The same after score-function training.
    pub score: MeanSe,
    /// The data model's test negative ELBO (`q = p` = the data model), over the same trials.
    #[serde(rename = "true")]
    pub truth: MeanSe,
    /// The paired difference score − path-wise over the trials where both runs succeeded
    /// (both models share the trial's data, initial model and evaluation noise, so this is
    /// much less noisy than the two means; positive: the path-wise estimator is better).
    pub score_minus_pathwise: MeanSe,
    /// Path-wise training runs that diverged (left out of the mean).
    pub pathwise_failed: usize,
    /// Score-function training runs that diverged.
    pub score_failed: usize,
}

/// The result of experiment 2 (the `exp2` object of `summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exp2Result {
    /// One point per number of training sequences, in the configured order.
    pub points: Vec<Exp2Point>,
    /// Trials per point.
    pub trials: usize,
    /// Training epochs.
    pub epochs: usize,
    /// Test sequences per trial.
    pub n_test: usize,
    /// Hidden samples per test sequence.
    pub eval_samples: usize,
    /// Per trial and point, the test negative ELBO of each run (`[trial][point]`, `null` for a
    /// diverged run): `[pathwise, score]`.
    pub runs: Vec<Vec<[Option<f64>; 2]>>,
    /// Per trial, the data model's test negative ELBO.
    pub true_per_trial: Vec<f64>,
}

/// The training configuration of the reference's experiment 2 (and 3): `epochs` epochs of
/// `estimator` with the Monte Carlo compensator (`mc_points` points), everything else
/// vi-train's defaults (which are the reference's), noise seeded by `seed`.
///
/// ```
/// use vi_train::vi::Estimator;
/// let c = bench_suite::exp2::train_config(Estimator::Score, 10, 100, 1)?;
/// assert_eq!(c.objective.compensator, pp_core::CompensatorMethod::monte_carlo(100, 0)?);
/// assert_eq!((c.epochs, c.learning_rate, c.temperature.initial), (10, 5e-2, 0.3));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn train_config(
    estimator: Estimator,
    epochs: usize,
    mc_points: usize,
    seed: u64,
) -> Result<TrainConfig> {
    Ok(TrainConfig {
        epochs,
        estimator,
        objective: ObjectiveOptions {
            compensator: CompensatorMethod::monte_carlo(mc_points, 0)?,
            ..ObjectiveOptions::default()
        },
        seed,
        ..TrainConfig::default()
    })
}

/// Trains `init` (`q = p`) on `train` and returns the test negative ELBO on `test`, or `None`
/// when training diverged.
///
/// ```
/// use vi_train::vi::{EvalOptions, Estimator};
/// let p = bench_suite::setting::problem(3, &[9], 2, 2, 5.0)?;
/// let c = bench_suite::exp2::train_config(Estimator::Score, 1, 50, 0)?;
/// let e = EvalOptions { samples: 2, ..Default::default() };
/// let v = bench_suite::exp2::train_and_evaluate(&p.init, &p.train, &p.test, c, &e)?;
/// assert!(v.unwrap().is_finite());
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn train_and_evaluate(
    init: &Snn,
    train: &[EventSequence],
    test: &[EventSequence],
    config: TrainConfig,
    eval: &EvalOptions,
) -> Result<Option<f64>> {
    let model = VariationalModel::shared(init.clone())?;
    match fit(model, train, config) {
        Ok((trained, _)) => Ok(Some(evaluate(&trained, test, eval)?.mean)),
        Err(ViError::Diverged { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Runs experiment 2. `bar` advances by one per training run (`2 · trials · points`).
///
/// ```
/// let c = bench_suite::Exp2Config { n_train: vec![1, 2], trials: 2, epochs: 1, n_test: 1,
///     eval_samples: 2, eval_mc_points: 50, mc_points: 50 };
/// let r = bench_suite::exp2::run(&c, 5, &indicatif::ProgressBar::hidden())?;
/// assert_eq!(r.points.len(), 2);
/// assert!(r.points[0].truth.se >= 0.0);
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn run(config: &Exp2Config, seed: u64, bar: &ProgressBar) -> Result<Exp2Result> {
    let n_max = config.n_train.iter().copied().max().unwrap_or(0);
    let problems: Vec<Problem> = (0..config.trials)
        .map(|t| {
            problem(
                seed,
                &[EXP2, t as u64],
                n_max,
                config.n_test,
                DATA_AMPLITUDE,
            )
        })
        .collect::<Result<_>>()?;
    let eval_compensator = CompensatorMethod::monte_carlo(config.eval_mc_points, 0)?;
    let eval_options = |t: usize| EvalOptions {
        samples: config.eval_samples,
        seed: seed_at(seed, &[EXP2, t as u64, EVAL]),
        compensator: eval_compensator,
    };
    let estimators = [Estimator::Pathwise, Estimator::Score];
    let jobs: Vec<(usize, usize, usize)> = (0..config.trials)
        .flat_map(|t| (0..config.n_train.len()).flat_map(move |i| (0..2).map(move |e| (t, i, e))))
        .collect();
    let results: Vec<Result<Option<f64>>> = jobs
        .par_iter()
        .map(|&(t, i, e)| {
            let p = &problems[t];
            let n = config.n_train[i];
            let train_seed = seed_at(seed, &[EXP2, t as u64, TRAIN]);
            let c = train_config(estimators[e], config.epochs, config.mc_points, train_seed)?;
            let v = train_and_evaluate(&p.init, &p.train[..n], &p.test, c, &eval_options(t));
            bar.inc(1);
            v
        })
        .collect();
    let true_per_trial: Vec<f64> = problems
        .par_iter()
        .enumerate()
        .map(|(t, p)| -> Result<f64> {
            let truth = VariationalModel::shared(p.truth.clone())?;
            Ok(evaluate(&truth, &p.test, &eval_options(t))?.mean)
        })
        .collect::<Result<_>>()?;
    let mut runs = vec![vec![[None, None]; config.n_train.len()]; config.trials];
    for (&(t, i, e), r) in jobs.iter().zip(results) {
        runs[t][i][e] = r?;
    }
    let points = config
        .n_train
        .iter()
        .enumerate()
        .map(|(i, &n_train)| {
            let column = |e: usize| -> Vec<f64> { runs.iter().filter_map(|r| r[i][e]).collect() };
            let (pw, sc) = (column(0), column(1));
            let diff: Vec<f64> = runs
                .iter()
                .filter_map(|r| Some(r[i][1]? - r[i][0]?))
                .collect();
            Exp2Point {
                n_train,
                pathwise: MeanSe::of(&pw),
                score: MeanSe::of(&sc),
                truth: MeanSe::of(&true_per_trial),
                score_minus_pathwise: MeanSe::of(&diff),
                pathwise_failed: config.trials - pw.len(),
                score_failed: config.trials - sc.len(),
            }
        })
        .collect();
    Ok(Exp2Result {
        points,
        trials: config.trials,
        epochs: config.epochs,
        n_test: config.n_test,
        eval_samples: config.eval_samples,
        runs,
        true_per_trial,
    })
}
