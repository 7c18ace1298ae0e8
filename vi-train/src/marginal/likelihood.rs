//! The marginal log-likelihood `log p(O)` of observed spike trains under an SNN with hidden
//! neurons, by the particle filter: per sequence, `R` independent runs pooled into
//! `log((1/R) Σ_r p̂_r)` with a delta-method standard error (docs/derivations/marginal.md §4),
//! and over the data set the mean negative log-likelihood, the honest test metric.

use pp_core::EventSequence;
use rayon::prelude::*;
use snn_model::Snn;

use super::filter::{Plain, RunOutcome, run_filter, run_seeds};
use super::network::Network;
use super::options::SmcOptions;
use crate::error::{Result, ViError};
use crate::vi::check_observed_sequence;

/// One run of the filter on one sequence.
///
/// ```
/// let r = vi_train::marginal::RunEstimate { log_p: -3.0, ess_min: 40.0, ess_mean: 80.0, resamplings: 2, peak_particle_bytes: 1 << 20 };
/// assert_eq!(r.resamplings, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunEstimate {
    /// `log p̂(O)` of this run (the log of an unbiased estimate of `p(O)`).
    pub log_p: f64,
    /// The smallest effective sample size after weighting, over the segments.
    pub ess_min: f64,
    /// The mean effective sample size after weighting, over the segments.
    pub ess_mean: f64,
    /// How many times the particles were resampled.
    pub resamplings: usize,
    /// The largest memory held by the particle system (both particle buffers and the
    /// per-slot walkers, from their buffer capacities), in bytes.
    pub peak_particle_bytes: usize,
}

impl RunEstimate {
    fn from_outcome(o: &RunOutcome) -> Self {
        Self {
            log_p: o.log_p,
            ess_min: o.ess_min,
            ess_mean: o.ess_mean,
            resamplings: o.resamplings,
            peak_particle_bytes: o.peak_bytes,
        }
    }
}

/// The estimate for one sequence.
///
/// ```
/// use vi_train::marginal::SequenceEstimate;
/// let s = SequenceEstimate::from_runs(vec![], 3);
/// assert!(s.is_none()); // at least one run
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SequenceEstimate {
    /// `log p̂(O) = log((1/R) Σ_r p̂_r)`: the log of the mean of the runs' unbiased estimates.
    pub log_p: f64,
    /// The standard error of `log_p` by the delta method,
    /// `sd_r(p̂_r / p̄) / √R` with `p̄ = (1/R) Σ_r p̂_r`; `None` with a single run.
    pub se: Option<f64>,
    /// The runs, in order.
    pub runs: Vec<RunEstimate>,
    /// The smallest effective sample size over the runs and segments.
    pub ess_min: f64,
    /// The mean over the runs of their mean effective sample size.
    pub ess_mean: f64,
    /// Resamplings, summed over the runs.
    pub resamplings: usize,
    /// The number of segments (observed spikes + 1).
    pub segments: usize,
}

impl SequenceEstimate {
    /// Pools the runs on a sequence of `segments` segments (`None` if there are no runs):
    /// `log_p` is the log of the mean of `exp(log_p_r)`,
    /// computed in the log domain; `se = √(Σ_r (ρ_r − 1)² / (R − 1)) / √R` with
    /// `ρ_r = exp(log_p_r − log_p)`.
    ///
    /// ```
    /// use vi_train::marginal::{RunEstimate, SequenceEstimate};
    /// let run = |log_p: f64| RunEstimate { log_p, ess_min: 1.0, ess_mean: 1.0, resamplings: 0, peak_particle_bytes: 0 };
    /// let s = SequenceEstimate::from_runs(vec![run(-100.0), run(-100.0)], 1).unwrap();
    /// assert!((s.log_p + 100.0).abs() < 1e-12 && s.se == Some(0.0));
    /// // estimates 2 and 4 (times e^-100): mean 3, relative sd √2/3, se 1/3
    /// let s = SequenceEstimate::from_runs(vec![run(-100.0 + 2f64.ln()), run(-100.0 + 4f64.ln())], 1).unwrap();
    /// assert!((s.log_p - (-100.0 + 3f64.ln())).abs() < 1e-12);
    /// assert!((s.se.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    /// ```
    pub fn from_runs(runs: Vec<RunEstimate>, segments: usize) -> Option<Self> {
        let r = runs.len();
        if r == 0 {
            return None;
        }
        let logs: Vec<f64> = runs.iter().map(|x| x.log_p).collect();
        let log_p = pp_core::numeric::logsumexp(&logs) - (r as f64).ln();
        let se = (r >= 2).then(|| {
            let var = logs
                .iter()
                .map(|l| ((l - log_p).exp() - 1.0).powi(2))
                .sum::<f64>()
                / (r - 1) as f64;
            (var / r as f64).sqrt()
        });
        Some(Self {
            log_p,
            se,
            ess_min: runs.iter().map(|x| x.ess_min).fold(f64::INFINITY, f64::min),
            ess_mean: runs.iter().map(|x| x.ess_mean).sum::<f64>() / r as f64,
            resamplings: runs.iter().map(|x| x.resamplings).sum(),
            segments,
            runs,
        })
    }

    /// The standard deviation of the runs' `log p̂_r` (`None` with one run): how far the
    /// independent runs disagree. The delta-method [`se`](Self::se) assumes they agree to well
    /// under one nat: it never exceeds 1 however far apart they are (the relative deviations
    /// `ρ_r − 1` of runs that average to 1 are bounded), so a spread above about 1 says that
    /// the standard error understates the error and the filter needs more particles.
    ///
    /// ```
    /// use vi_train::marginal::{RunEstimate, SequenceEstimate};
    /// let run = |log_p: f64| RunEstimate { log_p, ess_min: 1.0, ess_mean: 1.0, resamplings: 0, peak_particle_bytes: 0 };
    /// let s = SequenceEstimate::from_runs(vec![run(-100.0), run(-140.0)], 1).unwrap();
    /// assert!((s.log_spread().unwrap() - 40.0 / 2f64.sqrt()).abs() < 1e-12);
    /// assert!(s.se.unwrap() <= 1.0 + 1e-12); // the delta method does not see it
    /// ```
    pub fn log_spread(&self) -> Option<f64> {
        let r = self.runs.len();
        (r >= 2).then(|| {
            let mean = self.runs.iter().map(|x| x.log_p).sum::<f64>() / r as f64;
            let var = self
                .runs
                .iter()
                .map(|x| (x.log_p - mean).powi(2))
                .sum::<f64>()
                / (r - 1) as f64;
            var.sqrt()
        })
    }
}

/// The particle filter's estimate of the marginal log-likelihood of a data set.
///
/// ```
/// let r = vi_train::marginal::SmcReport { mean: 10.0, se: Some(0.1), per_sequence: vec![], particles: 100, runs: 4 };
/// assert_eq!(r.n_sequences(), 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SmcReport {
    /// The mean over sequences of `−log p̂(O)`: the test negative log-likelihood.
    pub mean: f64,
    /// Its standard error, `√(Σ_i se_i²) / n` (`None` with a single run).
    pub se: Option<f64>,
    /// Per sequence, in order.
    pub per_sequence: Vec<SequenceEstimate>,
    /// Particles per run.
    pub particles: usize,
    /// Runs per sequence.
    pub runs: usize,
}

impl SmcReport {
    /// Number of sequences.
    ///
    /// ```
    /// let r = vi_train::marginal::SmcReport { mean: 0.0, se: None, per_sequence: vec![], particles: 1, runs: 1 };
    /// assert_eq!(r.n_sequences(), 0);
    /// ```
    pub fn n_sequences(&self) -> usize {
        self.per_sequence.len()
    }

    /// The largest memory the particle system of one run held, over all sequences and runs
    /// (bytes, from the buffer capacities).
    ///
    /// ```
    /// let r = vi_train::marginal::SmcReport { mean: 0.0, se: None, per_sequence: vec![], particles: 1, runs: 1 };
    /// assert_eq!(r.peak_particle_bytes(), 0);
    /// ```
    pub fn peak_particle_bytes(&self) -> usize {
        self.per_sequence
            .iter()
            .flat_map(|s| s.runs.iter().map(|r| r.peak_particle_bytes))
            .max()
            .unwrap_or(0)
    }
}

/// Checks the options and the data and builds the filter's view of `model`.
pub(super) fn prepare(
    model: &Snn,
    data: &[EventSequence],
    options: &SmcOptions,
) -> Result<Network> {
    options.check()?;
    if data.is_empty() {
        return Err(ViError::argument("data", "needs at least one sequence"));
    }
    for (i, seq) in data.iter().enumerate() {
        check_observed_sequence(model, seq).map_err(|e| ViError::Mismatch {
            reason: format!("sequence {i}: {e}"),
        })?;
    }
    Network::new(model, &options.compensator)
}

/// `log p(O)` of every observed sequence of `data` under `model` (observed neurons
/// `0..n_obs`, hidden `n_obs..N`), by the particle filter of docs/derivations/marginal.md:
/// particles are hidden spike histories drawn by exact thinning given the observed history,
/// weighted by the observed neurons' exact likelihood increments, resampled (systematic) when
/// the effective sample size falls below `ess_threshold · particles`. Each run's `p̂(O)` is
/// unbiased (quadrature compensator); the `runs` runs are pooled and give the standard error.
/// Sequences, runs and particles run in parallel on the current rayon pool; a seed gives the
/// same bits for any number of threads.
///
/// `data` holds observed sequences (dimension `n_obs`, or `N` with observed spikes only).
/// Errors: invalid options, no data, a sequence that does not fit the model, a model without
/// observed neurons or with hidden neurons and an unbounded activation, a non-finite value.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use vi_train::marginal::{SmcOptions, marginal_log_likelihood};
/// let model = snn_model::SnnBuilder::new(1, 1).random(&mut pp_thinning::sequence_rng(1, 0))?;
/// let data = vec![EventSequence::new(Window::new(0.0, 10.0)?, 1, vec![1.0, 4.5, 7.0], vec![0; 3])?];
/// let options = SmcOptions { particles: 64, runs: 2, ..SmcOptions::default() };
/// let report = marginal_log_likelihood(&model, &data, &options)?;
/// let s = &report.per_sequence[0];
/// assert!(s.log_p.is_finite() && s.se.unwrap() >= 0.0 && s.segments == 4);
/// assert_eq!(report.mean, -s.log_p);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn marginal_log_likelihood(
    model: &Snn,
    data: &[EventSequence],
    options: &SmcOptions,
) -> Result<SmcReport> {
    let net = prepare(model, data, options)?;
    let starts = crate::lead_in::scored_starts(data, options.lead_in)?;
    let jobs: Vec<(usize, usize, u64)> = data
        .iter()
        .enumerate()
        .flat_map(|(s, _)| {
            run_seeds(options.seed, s, options.runs)
                .into_iter()
                .enumerate()
                .map(move |(r, seed)| (s, r, seed))
        })
        .collect();
    let outcomes: Vec<Result<RunOutcome>> = jobs
        .par_iter()
        .map(|&(s, _, seed)| run_filter(&net, &data[s], starts[s], options, seed, &mut Plain))
        .collect();
    let mut per_sequence = Vec::with_capacity(data.len());
    let mut outcomes = outcomes.into_iter();
    for _ in data {
        let mut runs = Vec::with_capacity(options.runs);
        let mut segments = 0;
        for _ in 0..options.runs {
            let o = outcomes.next().expect("one outcome per job")?;
            segments = o.segments;
            runs.push(RunEstimate::from_outcome(&o));
        }
        per_sequence
            .push(SequenceEstimate::from_runs(runs, segments).expect("runs >= 1 was checked"));
    }
    let n = data.len() as f64;
    let mean = -per_sequence.iter().map(|s| s.log_p).sum::<f64>() / n;
    let se = (options.runs >= 2).then(|| {
        per_sequence
            .iter()
            .map(|s| s.se.unwrap_or(0.0).powi(2))
            .sum::<f64>()
            .sqrt()
            / n
    });
    Ok(SmcReport {
        mean,
        se,
        per_sequence,
        particles: options.particles,
        runs: options.runs,
    })
}
