//! Evaluation (the reference's "test loss"): the trained parameters in the ordinary,
//! hard-spiking SNN, and the negative ELBO (6.1) with `β = 1` estimated on held-out sequences
//! with hard hidden samples from `q` (thinning), several samples per sequence.

use pp_core::EventSequence;
use pp_thinning::sequence_rng;
use rayon::prelude::*;

use crate::error::{Result, ViError};
use pp_core::CompensatorMethod;

use crate::vi::estimate::{EstimatorWorkspace, hard_neg_elbo_draw};
use crate::vi::model::VariationalModel;

/// Options of [`evaluate`].
///
/// ```
/// let o = vi_train::vi::EvalOptions::default();
/// assert_eq!((o.samples, o.seed), (10, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvalOptions {
    /// Hidden samples per sequence (≥ 2, for a standard error).
    pub samples: usize,
    /// Sequence `i` draws its samples from `pp_thinning::sequence_rng(seed, i)`.
    pub seed: u64,
    /// The compensator of the log-likelihoods (Monte Carlo points are drawn per sample).
    pub compensator: CompensatorMethod,
    /// Seconds at the start of every sequence that are sampled but not scored (0: none): the
    /// metric of the stretch after it given the spikes before it, with the lead-in's hidden
    /// spikes drawn from `q` ([`crate::lead_in`]; the quadrature compensator when positive).
    pub lead_in: f64,
}

impl Default for EvalOptions {
    fn default() -> Self {
        Self {
            samples: 10,
            seed: 0,
            compensator: CompensatorMethod::default(),
            lead_in: 0.0,
        }
    }
}

/// The test negative ELBO.
///
/// ```
/// let r = vi_train::vi::EvalReport { mean: 1.0, se: 0.1, per_sequence: vec![1.0], per_sequence_se: vec![0.1], samples_per_sequence: 4 };
/// assert_eq!(r.n_sequences(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct EvalReport {
    /// The mean over sequences of the per-sequence means.
    pub mean: f64,
    /// The Monte Carlo standard error of `mean`: `sqrt(Σ_i s_i² / k) / n`, with `s_i²` the
    /// sample variance of sequence `i`'s `k` values (the uncertainty of the estimate of this
    /// test set's negative ELBO).
    pub se: f64,
    /// Per sequence, the mean of its `k` values of `−log p(O, H) + log q(H)`.
    pub per_sequence: Vec<f64>,
    /// Per sequence, the standard error of its mean, `s_i / √k`.
    pub per_sequence_se: Vec<f64>,
    /// `k`.
    pub samples_per_sequence: usize,
}

impl EvalReport {
    /// Number of sequences.
    pub fn n_sequences(&self) -> usize {
        self.per_sequence.len()
    }
}

/// The test negative ELBO of `model` on `data` (observed sequences of dimension `n_obs`):
/// for every sequence, `k` hard hidden samples from `q` by thinning given the observed spikes,
/// each giving `−log p(O, H; θ) + log q(H; φ)` (ordinary hard-spike densities, no regulariser).
/// Sequences are evaluated in parallel; the result does not depend on the number of threads.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// use vi_train::vi::{EvalOptions, VariationalModel, evaluate};
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(2);
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).random(&mut rng)?)?;
/// let data = vec![EventSequence::new(Window::new(0.0, 10.0)?, 1, vec![1.0, 4.0], vec![0, 0])?];
/// let r = evaluate(&model, &data, &EvalOptions { samples: 4, ..Default::default() })?;
/// assert!(r.mean.is_finite() && r.se >= 0.0);
/// assert_eq!(r, evaluate(&model, &data, &EvalOptions { samples: 4, ..Default::default() })?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate(
    model: &VariationalModel,
    data: &[EventSequence],
    options: &EvalOptions,
) -> Result<EvalReport> {
    if options.samples < 2 {
        return Err(ViError::argument(
            "samples",
            format!(
                "need at least 2 hidden samples per sequence for a standard error, got {}",
                options.samples
            ),
        ));
    }
    check_test_data(model, data)?;
    let starts = crate::lead_in::scored_starts(data, options.lead_in)?;
    let k = options.samples;
    let results: Vec<Result<(f64, f64)>> = data
        .par_iter()
        .enumerate()
        .map_init(
            || EstimatorWorkspace::new(model),
            |ws, (i, seq)| {
                let ws = ws.as_mut().map_err(|e| clone_error(e))?;
                // one generator per sequence: independent of the thread count
                let mut rng = sequence_rng(options.seed, i as u64);
                let mut values = Vec::with_capacity(k);
                for _ in 0..k {
                    let (comp, from) = (&options.compensator, starts[i]);
                    let v = hard_neg_elbo_draw(model, seq, from, comp, &mut rng, ws)?;
                    if !v.is_finite() {
                        return Err(ViError::Numerical {
                            what: "test negative ELBO",
                            detail: format!("sequence {i}: a sample gave {v}"),
                        });
                    }
                    values.push(v);
                }
                let mean = values.iter().sum::<f64>() / k as f64;
                let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (k - 1) as f64;
                Ok((mean, var))
            },
        )
        .collect();
    let pooled = Pooled::of(results, k)?;
    Ok(EvalReport {
        mean: pooled.mean,
        se: pooled.se,
        per_sequence: pooled.per_sequence,
        per_sequence_se: pooled.per_sequence_se,
        samples_per_sequence: k,
    })
}

/// The checks of a test metric's data: at least one sequence, each of the model's observed
/// neurons only, none whose hidden sampler would expect more candidates than the bound.
pub(crate) fn check_test_data(model: &VariationalModel, data: &[EventSequence]) -> Result<()> {
    if data.is_empty() {
        return Err(ViError::argument("data", "needs at least one sequence"));
    }
    let n_obs = model.p().n_obs();
    if let Some(i) = data.iter().position(|s| s.dim() != n_obs) {
        return Err(ViError::Mismatch {
            reason: format!(
                "sequence {i} has {} neurons; the model has {n_obs} observed neurons",
                data[i].dim()
            ),
        });
    }
    for (i, s) in data.iter().enumerate() {
        crate::vi::hidden::check_hidden_work(model.q(), s, i)?;
    }
    Ok(())
}

/// Per-sequence estimates pooled over a data set: each sequence's mean and sample variance
/// over `draws` independent draws give its standard error `√(var/draws)`; the data set's mean
/// is the mean of the sequences' means, with standard error `√(Σ var / draws) / n`.
pub(crate) struct Pooled {
    pub(crate) per_sequence: Vec<f64>,
    pub(crate) per_sequence_se: Vec<f64>,
    pub(crate) mean: f64,
    pub(crate) se: f64,
}

impl Pooled {
    /// Pools the sequences' `(mean, variance)` in order (the first error, if any).
    pub(crate) fn of(results: Vec<Result<(f64, f64)>>, draws: usize) -> Result<Self> {
        let mut per_sequence = Vec::with_capacity(results.len());
        let mut per_sequence_se = Vec::with_capacity(results.len());
        let mut var_sum = 0.0;
        for r in results {
            let (mean, var) = r?;
            per_sequence.push(mean);
            per_sequence_se.push((var / draws as f64).sqrt());
            var_sum += var;
        }
        let n = per_sequence.len() as f64;
        Ok(Self {
            mean: per_sequence.iter().sum::<f64>() / n,
            se: (var_sum / draws as f64).sqrt() / n,
            per_sequence,
            per_sequence_se,
        })
    }
}

fn clone_error(e: &ViError) -> ViError {
    ViError::Numerical {
        what: "evaluation workspace",
        detail: e.to_string(),
    }
}
