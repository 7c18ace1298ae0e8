//! Experiment 1: the spread of the two gradient estimators at the initial parameters
//! (docs/math.md §7, item 1; the reference's `EvaluateGradientVariance` + `AnalyzeGradientVariance`).
//!
//! One *gradient* is what one optimiser step of the reference's variance experiment sees: the
//! E-step objective summed over the training sequences (10), each sequence with its own fresh
//! sample, differentiated once — so the gradient is the **sum** (not the mean) over the
//! sequences of the per-sequence E-step gradients. It is drawn `R` times at fixed parameters
//! (the data model and the initial model fixed by the seed), and the summary is the mean over
//! the coordinates (bias and weights of the shared `p = q`) of each coordinate's sample standard
//! deviation over the `R` draws, ignoring coordinates whose standard deviation is exactly 0.
//!
//! Estimators: path-wise through the ∂PP sample at temperature 0.3 (the initial temperature of
//! training), and the score function without baseline. Compensators: Monte Carlo with 100
//! points drawn afresh per estimate (the reference's protocol: its noise is part of the
//! gradient's spread) and quadrature (near exact; isolates the estimator's own spread).
//!
//! Both compensators of an estimator see the **same** sampling noise: sequence `k` of draw `r`
//! has its own generator ([`noise_path`]), from which the ∂PP's Gumbel and uniform draws (or
//! the hard sample's thinning) are taken first and the Monte Carlo compensator's seed last, so
//! the two variants differ by the compensator alone ([`Exp1Instance::pathwise_mc_minus_quadrature`]
//! measures that difference draw by draw).
//!
//! The path-wise gradient is heavy-tailed, so each spread is reported three ways: the robust
//! spread (`1.4826 · MAD` per coordinate, the lead number), the plain standard deviation (the
//! reference's number, dominated by a few draws and growing with `R`), and a tail diagnostic:
//! the share of the sum of squared deviations contributed by the top 1 % of draws. With more
//! than one problem instance (`--full`: 3), each instance is reported separately.

use indicatif::ProgressBar;
use pp_core::CompensatorMethod;
use pp_core::EventSequence;
use rayon::prelude::*;
use serde::Serialize;
use vi_train::vi::{
    Estimator, EstimatorWorkspace, GradientStep, ObjectiveOptions, Phase, VariationalModel,
};

use crate::config::{DATA_AMPLITUDE, Exp1Config, TEMPERATURE};
use crate::error::Result;
use crate::setting::{EXP1, FIXED, problem, stream};
use crate::stats::{
    coordinate_std, mad_std, mean, mean_positive, tail_share, top_count, top_share_of_squares,
};

/// The percentage of largest draws in the tail diagnostic.
pub const TAIL_PERCENT: usize = 1;

/// Below `[EXP1]`: the subtree of the extra problem instances.
const PROBLEMS: u64 = 0;
/// Below `[EXP1]`: the subtree of the sampling noise.
const NOISE: u64 = 1;

/// The spread of one estimator with one compensator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradientSpread {
    /// The mean over coordinates of the per-coordinate standard deviation (coordinates with a
    /// positive standard deviation only, as the reference).
    pub mean_std: f64,
    /// The number of coordinates counted in `mean_std`.
    pub coordinates: usize,
    /// The largest per-coordinate standard deviation.
    pub max_std: f64,
    /// The per-coordinate standard deviations, in the model's parameter order
    /// `[bias (6), weights [k][i][j] (2·6·6)]`.
    pub per_coordinate: Vec<f64>,
    /// The mean over the same coordinates of a robust spread, `1.4826 · MAD` per coordinate
    /// (see [`crate::stats::mad_std`]): the typical spread, insensitive to the rare very large
    /// path-wise draws that dominate `mean_std`.
    pub mean_mad_std: f64,
    /// The mean over coordinates of the absolute mean gradient (for scale: the estimators
    /// target different objectives — relaxed vs hard spikes — so these differ somewhat).
    pub mean_abs_mean: f64,
    /// The tail diagnostic of whole draws: the share of `Σ_r ‖g_r − ḡ‖²` contributed by the
    /// top 1 % of draws (by `‖g_r − ḡ‖²`; [`crate::stats::top_count`] of them). About 0.085
    /// would be normal-like tails for one coordinate; near 1, a few draws make the variance.
    pub top1_share: f64,
    /// The same diagnostic per coordinate ([`crate::stats::tail_share`]), averaged over the
    /// coordinates counted in `mean_std`.
    pub mean_top1_share: f64,
}

impl GradientSpread {
    /// The spread of `draws[r][i]` (draw `r`, coordinate `i`).
    ///
    /// ```
    /// let s = bench_suite::exp1::GradientSpread::of(&[vec![1.0, 2.0], vec![3.0, 2.0]]);
    /// assert_eq!(s.coordinates, 1);
    /// assert!((s.mean_std - 2f64.sqrt()).abs() < 1e-15);
    /// assert_eq!(s.mean_abs_mean, 2.0);
    /// ```
    pub fn of(draws: &[Vec<f64>]) -> Self {
        let per_coordinate = coordinate_std(draws);
        let (mean_std, coordinates) = mean_positive(&per_coordinate);
        let r = draws.len() as f64;
        let means: Vec<f64> = (0..per_coordinate.len())
            .map(|i| draws.iter().map(|d| d[i]).sum::<f64>() / r)
            .collect();
        let mut column = Vec::with_capacity(draws.len());
        let mut mads = Vec::with_capacity(coordinates);
        let mut shares = Vec::with_capacity(coordinates);
        for i in (0..per_coordinate.len()).filter(|&i| per_coordinate[i] > 0.0) {
            column.clear();
            column.extend(draws.iter().map(|d| d[i]));
            mads.push(mad_std(&column));
            shares.push(tail_share(&column, TAIL_PERCENT));
        }
        let mut norms: Vec<f64> = draws
            .iter()
            .map(|d| d.iter().zip(&means).map(|(x, m)| (x - m) * (x - m)).sum())
            .collect();
        Self {
            mean_std,
            coordinates,
            max_std: per_coordinate.iter().copied().fold(0.0, f64::max),
            per_coordinate,
            mean_mad_std: mean(&mads),
            mean_abs_mean: mean(&means.iter().map(|m| m.abs()).collect::<Vec<_>>()),
            top1_share: top_share_of_squares(&mut norms, top_count(draws.len(), TAIL_PERCENT)),
            mean_top1_share: mean(&shares),
        }
    }
}

/// The draw-by-draw difference `a − b` of two sets of draws of the same length (`a[r][i] −
/// b[r][i]`).
///
/// ```
/// let d = bench_suite::exp1::difference(&[vec![3.0, 1.0]], &[vec![1.0, 1.0]]);
/// assert_eq!(d, vec![vec![2.0, 0.0]]);
/// ```
pub fn difference(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<Vec<f64>> {
    a.iter()
        .zip(b)
        .map(|(x, y)| x.iter().zip(y).map(|(x, y)| x - y).collect())
        .collect()
}

/// One problem instance of experiment 1: the four spreads, and the spread of the draw-by-draw
/// difference between the compensators (same sampling noise).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exp1Instance {
    /// The instance's index (0: the fixed problem shared with experiment 3).
    pub instance: usize,
    /// Path-wise, Monte Carlo compensator (the reference's protocol; paper: 66.3).
    pub pathwise_mc: GradientSpread,
    /// Score function, Monte Carlo compensator (the reference's protocol; paper: 2,490).
    pub score_mc: GradientSpread,
    /// Path-wise, quadrature compensator (the same ∂PP noise as `pathwise_mc`).
    pub pathwise_quadrature: GradientSpread,
    /// Score function, quadrature compensator (the same hidden samples as `score_mc`).
    pub score_quadrature: GradientSpread,
    /// The spread of `pathwise_mc − pathwise_quadrature` draw by draw: the Monte Carlo
    /// compensator's own contribution to the path-wise gradient.
    pub pathwise_mc_minus_quadrature: GradientSpread,
    /// The same for the score function.
    pub score_mc_minus_quadrature: GradientSpread,
}

/// The result of experiment 1 (the `exp1` object of `summary.json`; the fixed instance's
/// spreads are at its top level, as `exp1.pathwise_mc` etc.).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exp1Result {
    /// `R`, draws per estimator, compensator and instance.
    pub draws: usize,
    /// Training sequences summed in one gradient.
    pub n_train: usize,
    /// Number of parameters (coordinates of one gradient).
    pub n_params: usize,
    /// The ∂PP temperature of the path-wise estimator.
    pub temperature: f64,
    /// Monte Carlo points of the `_mc` variants.
    pub mc_points: usize,
    /// The fixed problem (the reference's fixed data and initial model; shared with
    /// experiment 3).
    #[serde(flatten)]
    pub fixed: Exp1Instance,
    /// Further problem instances (each its own data model, data and initial model), in order;
    /// empty unless `instances > 1`.
    pub other_instances: Vec<Exp1Instance>,
}

impl Exp1Result {
    /// Every instance, the fixed one first.
    ///
    /// ```
    /// let c = bench_suite::Exp1Config { draws: 2, n_train: 1, mc_points: 10, instances: 2 };
    /// let r = bench_suite::exp1::run(&c, 7, &indicatif::ProgressBar::hidden())?;
    /// let idx: Vec<usize> = r.instances().map(|i| i.instance).collect();
    /// assert_eq!(idx, [0, 1]);
    /// # Ok::<(), bench_suite::BenchError>(())
    /// ```
    pub fn instances(&self) -> impl Iterator<Item = &Exp1Instance> {
        std::iter::once(&self.fixed).chain(&self.other_instances)
    }
}

/// The seed path of the sampling noise of `estimator` (0 path-wise, 1 score function) in
/// problem instance `instance`: sequence `k` of draw `r` draws from
/// `stream(seed, [EXP1, 1, instance, estimator, r, k])`, whatever the compensator.
///
/// ```
/// assert_eq!(bench_suite::exp1::noise_path(2, 1), [1, 1, 2, 1]);
/// ```
pub fn noise_path(instance: usize, estimator: u64) -> [u64; 4] {
    [EXP1, NOISE, instance as u64, estimator]
}

/// The seed path of problem instance `instance`: `[FIXED]` for 0 (the reference's fixed
/// problem, shared with experiment 3), `[EXP1, 0, instance]` otherwise.
///
/// ```
/// assert_eq!(bench_suite::exp1::problem_path(0), vec![0]);
/// assert_eq!(bench_suite::exp1::problem_path(2), vec![1, 0, 2]);
/// ```
pub fn problem_path(instance: usize) -> Vec<u64> {
    if instance == 0 {
        vec![FIXED]
    } else {
        vec![EXP1, PROBLEMS, instance as u64]
    }
}

/// `draws` gradient draws of `estimator` at `model`: draw `r` sums the per-sequence E-step
/// gradients over `data`, sequence `k` with its own generator `stream(seed, path ++ [r, k])`
/// (so two compensators given the same `path` see the same sampling noise: it is drawn before
/// the Monte Carlo compensator's seed). Draws run in parallel; the result does not depend on
/// the number of threads.
///
/// ```
/// use vi_train::vi::{Estimator, ObjectiveOptions, VariationalModel};
/// let p = bench_suite::setting::problem(1, &[0], 2, 0, 5.0)?;
/// let model = VariationalModel::shared(p.init)?;
/// let o = ObjectiveOptions::default();
/// let bar = indicatif::ProgressBar::hidden();
/// let g = bench_suite::exp1::gradient_draws(&model, &p.train, Estimator::Score, &o, 0.3, 3, 1, &[1, 0], &bar)?;
/// assert_eq!((g.len(), g[0].len()), (3, model.n_params()));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn gradient_draws(
    model: &VariationalModel,
    data: &[EventSequence],
    estimator: Estimator,
    options: &ObjectiveOptions,
    tau: f64,
    draws: usize,
    seed: u64,
    path: &[u64],
    bar: &ProgressBar,
) -> Result<Vec<Vec<f64>>> {
    options.check()?;
    let n = model.n_params();
    let workspace = EstimatorWorkspace::new(model)?;
    (0..draws)
        .into_par_iter()
        .map_init(
            || (workspace.clone(), vec![0.0; n], path.to_vec()),
            |(ws, g, at), r| -> Result<Vec<f64>> {
                let mut sum = vec![0.0; n];
                let step = GradientStep::for_phase(estimator, Phase::E, tau, 0.0);
                for (k, seq) in data.iter().enumerate() {
                    at.truncate(path.len());
                    at.extend([r as u64, k as u64]);
                    let mut rng = stream(seed, at);
                    step.estimate(model, seq, options, &mut rng, ws, g)?;
                    for (s, gi) in sum.iter_mut().zip(g.iter()) {
                        *s += gi;
                    }
                }
                bar.inc(1);
                Ok(sum)
            },
        )
        .collect()
}

/// The four variants and the compensator differences on problem instance `instance`
/// ([`problem_path`]); `bar` advances by one per draw (`4 R`).
///
/// ```
/// let c = bench_suite::Exp1Config { draws: 3, n_train: 1, mc_points: 20, instances: 1 };
/// let r = bench_suite::exp1::run_instance(&c, 7, 1, &indicatif::ProgressBar::hidden())?;
/// assert_eq!(r.instance, 1);
/// assert!(r.pathwise_mc_minus_quadrature.mean_std.is_finite());
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn run_instance(
    config: &Exp1Config,
    seed: u64,
    instance: usize,
    bar: &ProgressBar,
) -> Result<Exp1Instance> {
    let p = problem(
        seed,
        &problem_path(instance),
        config.n_train,
        0,
        DATA_AMPLITUDE,
    )?;
    let model = VariationalModel::shared(p.init)?;
    let mc = ObjectiveOptions {
        compensator: CompensatorMethod::monte_carlo(config.mc_points, 0)?,
        ..ObjectiveOptions::default()
    };
    let quad = ObjectiveOptions {
        compensator: CompensatorMethod::default(),
        ..ObjectiveOptions::default()
    };
    let draws = |estimator, options: &ObjectiveOptions, e: u64| {
        gradient_draws(
            &model,
            &p.train,
            estimator,
            options,
            TEMPERATURE,
            config.draws,
            seed,
            &noise_path(instance, e),
            bar,
        )
    };
    let pathwise_mc = draws(Estimator::Pathwise, &mc, 0)?;
    let pathwise_quad = draws(Estimator::Pathwise, &quad, 0)?;
    let score_mc = draws(Estimator::Score, &mc, 1)?;
    let score_quad = draws(Estimator::Score, &quad, 1)?;
    Ok(Exp1Instance {
        instance,
        pathwise_mc_minus_quadrature: GradientSpread::of(&difference(&pathwise_mc, &pathwise_quad)),
        score_mc_minus_quadrature: GradientSpread::of(&difference(&score_mc, &score_quad)),
        pathwise_mc: GradientSpread::of(&pathwise_mc),
        score_mc: GradientSpread::of(&score_mc),
        pathwise_quadrature: GradientSpread::of(&pathwise_quad),
        score_quadrature: GradientSpread::of(&score_quad),
    })
}

/// Runs experiment 1: the fixed problem (`[FIXED]` below the seed: the data model, `n_train`
/// training sequences, the initial model with a = 5) and `instances − 1` further ones, each
/// with `R` draws of each of the four variants. `bar` advances by one per draw
/// (`4 R · instances` in all).
///
/// ```
/// let c = bench_suite::Exp1Config { draws: 3, n_train: 1, mc_points: 20, instances: 1 };
/// let r = bench_suite::exp1::run(&c, 7, &indicatif::ProgressBar::hidden())?;
/// assert!(r.fixed.pathwise_mc.mean_std > 0.0 && r.fixed.score_quadrature.mean_std > 0.0);
/// assert!(r.other_instances.is_empty());
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn run(config: &Exp1Config, seed: u64, bar: &ProgressBar) -> Result<Exp1Result> {
    let fixed = run_instance(config, seed, 0, bar)?;
    let other_instances = (1..config.instances)
        .map(|i| run_instance(config, seed, i, bar))
        .collect::<Result<_>>()?;
    Ok(Exp1Result {
        draws: config.draws,
        n_train: config.n_train,
        n_params: fixed.pathwise_mc.per_coordinate.len(),
        temperature: TEMPERATURE,
        mc_points: config.mc_points,
        fixed,
        other_instances,
    })
}
