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
use crate::stats::{coordinate_std, mad_std, mean_positive};

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
        let n = per_coordinate.len();
        let r = draws.len() as f64;
        let mads: Vec<f64> = (0..n)
            .filter(|&i| per_coordinate[i] > 0.0)
            .map(|i| mad_std(&draws.iter().map(|d| d[i]).collect::<Vec<_>>()))
            .collect();
        let mean_mad_std = crate::stats::mean(&mads);
        let mean_abs_mean = (0..n)
            .map(|i| (draws.iter().map(|d| d[i]).sum::<f64>() / r).abs())
            .sum::<f64>()
            / n as f64;
        Self {
            mean_std,
            coordinates,
            max_std: per_coordinate.iter().copied().fold(0.0, f64::max),
            per_coordinate,
            mean_mad_std,
            mean_abs_mean,
        }
    }
}

/// The result of experiment 1 (the `exp1` object of `summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exp1Result {
    /// `R`, draws per estimator and compensator.
    pub draws: usize,
    /// Training sequences summed in one gradient.
    pub n_train: usize,
    /// Number of parameters (coordinates of one gradient).
    pub n_params: usize,
    /// The ∂PP temperature of the path-wise estimator.
    pub temperature: f64,
    /// Monte Carlo points of the `_mc` variants.
    pub mc_points: usize,
    /// Path-wise, Monte Carlo compensator (the reference's protocol; paper: 66.3).
    pub pathwise_mc: GradientSpread,
    /// Score function, Monte Carlo compensator (the reference's protocol; paper: 2,490).
    pub score_mc: GradientSpread,
    /// Path-wise, quadrature compensator.
    pub pathwise_quadrature: GradientSpread,
    /// Score function, quadrature compensator.
    pub score_quadrature: GradientSpread,
}

/// `draws` gradient draws of `estimator` at `model`: draw `r` sums the per-sequence E-step
/// gradients over `data` (in order) with one generator, `stream(seed, [EXP1, variant, r])`.
/// Draws run in parallel; the result does not depend on the number of threads.
///
/// ```
/// use vi_train::vi::{Estimator, ObjectiveOptions, VariationalModel};
/// let p = bench_suite::setting::problem(1, &[0], 2, 0, 5.0)?;
/// let model = VariationalModel::shared(p.init)?;
/// let o = ObjectiveOptions::default();
/// let bar = indicatif::ProgressBar::hidden();
/// let g = bench_suite::exp1::gradient_draws(&model, &p.train, Estimator::Score, &o, 0.3, 3, 1, 0, &bar)?;
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
    variant: u64,
    bar: &ProgressBar,
) -> Result<Vec<Vec<f64>>> {
    options.check()?;
    let n = model.n_params();
    let workspace = EstimatorWorkspace::new(model)?;
    (0..draws)
        .into_par_iter()
        .map_init(
            || (workspace.clone(), vec![0.0; n]),
            |(ws, g), r| -> Result<Vec<f64>> {
                let mut rng = stream(seed, &[EXP1, variant, r as u64]);
                let mut sum = vec![0.0; n];
                let step = GradientStep::for_phase(estimator, Phase::E, tau, 0.0);
                for seq in data {
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

/// Runs experiment 1: the fixed problem (`[FIXED]` below the seed: the data model, `n_train`
/// training sequences, the initial model with a = 5), then `R` draws of each of the four
/// variants. `bar` advances by one per draw (`4 R` in all).
///
/// ```
/// let c = bench_suite::Exp1Config { draws: 3, n_train: 1, mc_points: 20 };
/// let r = bench_suite::exp1::run(&c, 7, &indicatif::ProgressBar::hidden())?;
/// assert!(r.pathwise_mc.mean_std > 0.0 && r.score_quadrature.mean_std > 0.0);
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn run(config: &Exp1Config, seed: u64, bar: &ProgressBar) -> Result<Exp1Result> {
    let p = problem(seed, &[FIXED], config.n_train, 0, DATA_AMPLITUDE)?;
    let model = VariationalModel::shared(p.init)?;
    let mc = ObjectiveOptions {
        compensator: CompensatorMethod::monte_carlo(config.mc_points, 0)?,
        ..ObjectiveOptions::default()
    };
    let quad = ObjectiveOptions {
        compensator: CompensatorMethod::default(),
        ..ObjectiveOptions::default()
    };
    let spread = |estimator, options: &ObjectiveOptions, variant| -> Result<GradientSpread> {
        let draws = gradient_draws(
            &model,
            &p.train,
            estimator,
            options,
            TEMPERATURE,
            config.draws,
            seed,
            variant,
            bar,
        )?;
        Ok(GradientSpread::of(&draws))
    };
    Ok(Exp1Result {
        draws: config.draws,
        n_train: config.n_train,
        n_params: model.n_params(),
        temperature: TEMPERATURE,
        mc_points: config.mc_points,
        pathwise_mc: spread(Estimator::Pathwise, &mc, 0)?,
        score_mc: spread(Estimator::Score, &mc, 1)?,
        pathwise_quadrature: spread(Estimator::Pathwise, &quad, 2)?,
        score_quadrature: spread(Estimator::Score, &quad, 3)?,
    })
}
