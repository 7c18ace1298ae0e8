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
//! Beside the reference's metric, every model (each trained one and the data model) gets the
//! honest one: the test negative log-likelihood per sequence, `−log p̂(O)` with the hidden
//! neurons integrated out by vi-train's particle filter
//! ([`vi_train::marginal::marginal_log_likelihood`]; exact quadrature compensator, so `p̂(O)` is
//! unbiased; `smc_particles` particles × `smc_runs` independent runs per test sequence, seeded
//! per trial, the same for every model of the trial). The data model minimises its expectation
//! over data, so, unlike the negative ELBO, it ranks the data model first up to noise.
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
use vi_train::marginal::{SmcOptions, marginal_log_likelihood};
use vi_train::vi::{
    Estimator, EvalOptions, ObjectiveOptions, TrainConfig, VariationalModel, evaluate, fit,
};

use crate::config::{DATA_AMPLITUDE, Exp2Config};
use crate::error::Result;
use crate::setting::{EVAL, EXP2, Problem, SMC, TRAIN, problem, seed_at};
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
    /// The particle filter's test negative log-likelihood per sequence, `−log p̂(O)`, after
    /// path-wise training: mean ± standard error over the trials that did not diverge.
    pub pathwise_smc: MeanSe,
    /// The same after score-function training.
    pub score_smc: MeanSe,
    /// The data model's particle-filter test negative log-likelihood, over the same trials.
    pub true_smc: MeanSe,
    /// The paired difference score − path-wise of the particle-filter metric (positive: the
    /// path-wise estimator is better).
    pub score_minus_pathwise_smc: MeanSe,
    /// Trials in which the data model has the lowest particle-filter test negative
    /// log-likelihood of the data model and the trained models that did not diverge.
    pub true_first_smc: usize,
    /// The same ranking by the test negative ELBO.
    pub true_first_elbo: usize,
    /// Trials (of those where both runs succeeded: `score_minus_pathwise_smc.n`) in which the
    /// path-wise model has the lower particle-filter test negative log-likelihood.
    pub pathwise_lower_smc: usize,
    /// Trials (of `score_minus_pathwise.n`) in which the path-wise model has the lower test
    /// negative ELBO.
    pub pathwise_lower_elbo: usize,
}

/// A model's scores on a test set.
///
/// ```
/// let s = bench_suite::exp2::TestScores { elbo: 90.0, smc: 60.0, smc_se: 0.5, smc_log_sd: 2.0 };
/// assert!(s.smc < s.elbo);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TestScores {
    /// The test negative ELBO per sequence (vi-train's `evaluate`, `q = p`).
    pub elbo: f64,
    /// The particle filter's test negative log-likelihood per sequence, `−log p̂(O)`.
    pub smc: f64,
    /// The filter's standard error of `smc` (delta method over its independent runs; with 2
    /// runs at most `1/√n` for `n` sequences, so it understates a filter whose runs disagree).
    pub smc_se: f64,
    /// The mean over the test sequences of the standard deviation of `log p̂(O)` over the
    /// filter's runs: how far apart independent runs are (the honest size of the filter's
    /// noise when it is large).
    pub smc_log_sd: f64,
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
    /// Particles of the filter.
    pub smc_particles: usize,
    /// Independent runs of the filter per test sequence.
    pub smc_runs: usize,
    /// Per trial and point, the particle filter's test negative log-likelihood of each run
    /// (`[trial][point]`, `null` for a diverged run): `[pathwise, score]`.
    pub runs_smc: Vec<Vec<[Option<f64>; 2]>>,
    /// Per trial, the data model's particle-filter test negative log-likelihood.
    pub true_smc_per_trial: Vec<f64>,
    /// The largest standard error the filter reports for one model's test negative
    /// log-likelihood, over every model evaluated.
    pub smc_max_se: f64,
    /// The largest [`TestScores::smc_log_sd`] over every model evaluated.
    pub smc_max_log_sd: f64,
    /// The data models' [`TestScores::smc_log_sd`], averaged over the trials.
    pub true_smc_log_sd: f64,
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

/// The scores of `model` on `test`: the negative ELBO with `eval`, and the particle filter's
/// negative log-likelihood with `smc` (both per sequence).
///
/// ```
/// use vi_train::marginal::SmcOptions;
/// use vi_train::vi::{EvalOptions, VariationalModel};
/// let p = bench_suite::setting::problem(3, &[9], 0, 2, 5.0)?;
/// let e = EvalOptions { samples: 2, ..Default::default() };
/// let smc = SmcOptions { particles: 8, runs: 2, ..Default::default() };
/// let s = bench_suite::exp2::test_scores(&VariationalModel::shared(p.truth)?, &p.test, &e, &smc)?;
/// assert!(s.elbo.is_finite() && s.smc.is_finite() && s.smc_se >= 0.0 && s.smc_log_sd >= 0.0);
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn test_scores(
    model: &VariationalModel,
    test: &[EventSequence],
    eval: &EvalOptions,
    smc: &SmcOptions,
) -> Result<TestScores> {
    let elbo = evaluate(model, test, eval)?.mean;
    let report = marginal_log_likelihood(model.p(), test, smc)?;
    let sds: Vec<f64> = report
        .per_sequence
        .iter()
        .map(|q| crate::stats::sample_std(&q.runs.iter().map(|r| r.log_p).collect::<Vec<_>>()))
        .collect();
    Ok(TestScores {
        elbo,
        smc: report.mean,
        smc_se: report.se.unwrap_or(f64::NAN),
        smc_log_sd: crate::stats::mean(&sds),
    })
}

/// Trains `init` (`q = p`) on `train` and returns its [`test_scores`] on `test`, or `None`
/// when training diverged.
///
/// ```
/// use vi_train::marginal::SmcOptions;
/// use vi_train::vi::{EvalOptions, Estimator};
/// let p = bench_suite::setting::problem(3, &[9], 2, 2, 5.0)?;
/// let c = bench_suite::exp2::train_config(Estimator::Score, 1, 50, 0)?;
/// let e = EvalOptions { samples: 2, ..Default::default() };
/// let smc = SmcOptions { particles: 8, runs: 2, ..Default::default() };
/// let v = bench_suite::exp2::train_and_evaluate(&p.init, &p.train, &p.test, c, &e, &smc)?;
/// assert!(v.unwrap().smc.is_finite());
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn train_and_evaluate(
    init: &Snn,
    train: &[EventSequence],
    test: &[EventSequence],
    config: TrainConfig,
    eval: &EvalOptions,
    smc: &SmcOptions,
) -> Result<Option<TestScores>> {
    let model = VariationalModel::shared(init.clone())?;
    match fit(model, train, config) {
        Ok((trained, _)) => Ok(Some(test_scores(&trained, test, eval, smc)?)),
        Err(ViError::Diverged { .. }) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Whether the data model's value `truth` is below every trained model's value that exists.
fn truth_first(truth: f64, trained: [Option<f64>; 2]) -> bool {
    trained.iter().flatten().all(|&v| truth < v)
}

/// One point of the curve from the per-trial values of one metric.
struct Metric {
    pathwise: MeanSe,
    score: MeanSe,
    truth: MeanSe,
    score_minus_pathwise: MeanSe,
    true_first: usize,
    pathwise_lower: usize,
}

/// The means of the two estimators and of the data model at point `i`, the paired difference,
/// the trials in which the data model ranks first and those in which path-wise is lower.
fn metric_at(runs: &[Vec<[Option<f64>; 2]>], truth: &[f64], i: usize) -> Metric {
    let column = |e: usize| -> Vec<f64> { runs.iter().filter_map(|r| r[i][e]).collect() };
    let diff: Vec<f64> = runs
        .iter()
        .filter_map(|r| Some(r[i][1]? - r[i][0]?))
        .collect();
    let first = runs
        .iter()
        .zip(truth)
        .filter(|(r, t)| truth_first(**t, r[i]))
        .count();
    Metric {
        pathwise: MeanSe::of(&column(0)),
        score: MeanSe::of(&column(1)),
        truth: MeanSe::of(truth),
        score_minus_pathwise: MeanSe::of(&diff),
        true_first: first,
        pathwise_lower: diff.iter().filter(|d| **d > 0.0).count(),
    }
}

/// Runs experiment 2. `bar` advances by one per training run (`2 · trials · points`).
///
/// ```
/// let c = bench_suite::Exp2Config { n_train: vec![1, 2], trials: 2, epochs: 1, n_test: 1,
///     eval_samples: 2, eval_mc_points: 50, mc_points: 50, smc_particles: 8, smc_runs: 2 };
/// let r = bench_suite::exp2::run(&c, 5, &indicatif::ProgressBar::hidden())?;
/// assert_eq!(r.points.len(), 2);
/// assert!(r.points[0].truth.se >= 0.0 && r.points[0].true_smc.mean.is_finite());
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
        lead_in: 0.0,
    };
    let smc_options = |t: usize| SmcOptions {
        particles: config.smc_particles,
        runs: config.smc_runs,
        seed: seed_at(seed, &[EXP2, t as u64, SMC]),
        ..SmcOptions::default()
    };
    let estimators = [Estimator::Pathwise, Estimator::Score];
    let jobs: Vec<(usize, usize, usize)> = (0..config.trials)
        .flat_map(|t| (0..config.n_train.len()).flat_map(move |i| (0..2).map(move |e| (t, i, e))))
        .collect();
    let results: Vec<Result<Option<TestScores>>> = jobs
        .par_iter()
        .map(|&(t, i, e)| {
            let p = &problems[t];
            let n = config.n_train[i];
            let train_seed = seed_at(seed, &[EXP2, t as u64, TRAIN]);
            let c = train_config(estimators[e], config.epochs, config.mc_points, train_seed)?;
            let v = train_and_evaluate(
                &p.init,
                &p.train[..n],
                &p.test,
                c,
                &eval_options(t),
                &smc_options(t),
            );
            bar.inc(1);
            v
        })
        .collect();
    let truths: Vec<TestScores> = problems
        .par_iter()
        .enumerate()
        .map(|(t, p)| -> Result<TestScores> {
            let truth = VariationalModel::shared(p.truth.clone())?;
            test_scores(&truth, &p.test, &eval_options(t), &smc_options(t))
        })
        .collect::<Result<_>>()?;
    let mut scores = vec![vec![[None, None]; config.n_train.len()]; config.trials];
    for (&(t, i, e), r) in jobs.iter().zip(results) {
        scores[t][i][e] = r?;
    }
    let pick = |f: fn(&TestScores) -> f64| -> Vec<Vec<[Option<f64>; 2]>> {
        scores
            .iter()
            .map(|row| {
                row.iter()
                    .map(|pair| pair.map(|s| s.map(|s| f(&s))))
                    .collect()
            })
            .collect()
    };
    let runs = pick(|s| s.elbo);
    let runs_smc = pick(|s| s.smc);
    let true_per_trial: Vec<f64> = truths.iter().map(|s| s.elbo).collect();
    let true_smc_per_trial: Vec<f64> = truths.iter().map(|s| s.smc).collect();
    let all: Vec<&TestScores> = scores
        .iter()
        .flatten()
        .flatten()
        .flatten()
        .chain(&truths)
        .collect();
    let smc_max_se = all.iter().map(|s| s.smc_se).fold(0.0, f64::max);
    let smc_max_log_sd = all.iter().map(|s| s.smc_log_sd).fold(0.0, f64::max);
    let true_smc_log_sd =
        crate::stats::mean(&truths.iter().map(|s| s.smc_log_sd).collect::<Vec<_>>());
    let points = config
        .n_train
        .iter()
        .enumerate()
        .map(|(i, &n_train)| {
            let elbo = metric_at(&runs, &true_per_trial, i);
            let smc = metric_at(&runs_smc, &true_smc_per_trial, i);
            Exp2Point {
                n_train,
                pathwise_failed: config.trials - elbo.pathwise.n,
                score_failed: config.trials - elbo.score.n,
                pathwise: elbo.pathwise,
                score: elbo.score,
                truth: elbo.truth,
                score_minus_pathwise: elbo.score_minus_pathwise,
                pathwise_smc: smc.pathwise,
                score_smc: smc.score,
                true_smc: smc.truth,
                score_minus_pathwise_smc: smc.score_minus_pathwise,
                true_first_smc: smc.true_first,
                true_first_elbo: elbo.true_first,
                pathwise_lower_smc: smc.pathwise_lower,
                pathwise_lower_elbo: elbo.pathwise_lower,
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
        smc_particles: config.smc_particles,
        smc_runs: config.smc_runs,
        runs_smc,
        true_smc_per_trial,
        smc_max_se,
        smc_max_log_sd,
        true_smc_log_sd,
    })
}
