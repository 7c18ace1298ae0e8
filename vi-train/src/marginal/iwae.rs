//! The importance-weighted bound (Burda, Grosse & Salakhutdinov 2016) with hard hidden
//! samples from `q` by thinning: `L_K = log (1/K) Σ_k p(O, H_k) / q(H_k)`, `E[L_K] ≤ log p(O)`,
//! increasing in `K`, `K = 1` the ELBO (docs/derivations/marginal.md §6).

use pp_core::EventSequence;
use pp_thinning::sequence_rng;
use rayon::prelude::*;

use super::options::IwaeOptions;
use super::resample::log_mean_exp;
use crate::error::{Result, ViError};
use crate::vi::{
    EstimatorWorkspace, Pooled, VariationalModel, check_test_data, hard_neg_elbo_draw,
};

/// The negative importance-weighted bound of a data set (loss-like: lower is better, and
/// `−L_K` decreases towards `−log p(O)` as `K` grows).
///
/// ```
/// let r = vi_train::marginal::IwaeReport { mean: 5.0, se: None, per_sequence: vec![5.0], per_sequence_se: None, samples: 10, replicates: 1 };
/// assert_eq!(r.n_sequences(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IwaeReport {
    /// The mean over sequences of `per_sequence`.
    pub mean: f64,
    /// Its standard error `√(Σ_i se_i²) / n` (`None` with a single replicate).
    pub se: Option<f64>,
    /// Per sequence, the mean over the replicates of `−L_K`.
    pub per_sequence: Vec<f64>,
    /// Per sequence, the standard error of that mean, `s_i / √R` (`None` with one replicate).
    pub per_sequence_se: Option<Vec<f64>>,
    /// `K`.
    pub samples: usize,
    /// `R`.
    pub replicates: usize,
}

impl IwaeReport {
    /// Number of sequences.
    ///
    /// ```
    /// let r = vi_train::marginal::IwaeReport { mean: 0.0, se: None, per_sequence: vec![], per_sequence_se: None, samples: 1, replicates: 1 };
    /// assert_eq!(r.n_sequences(), 0);
    /// ```
    pub fn n_sequences(&self) -> usize {
        self.per_sequence.len()
    }
}

/// `−L_K` for every sequence of `data` (observed sequences, dimension `n_obs`), `R` times each:
/// `K` hard hidden samples from `q` by exact thinning given the observed spikes
/// ([`sample_hidden`](crate::vi::sample_hidden)), each weighted by `p(O, H)/q(H)` from the
/// hard-spike densities ([`hard_densities`](crate::vi::hard_densities); with `q = p` the weight
/// is `p(O | H)`, the observed neurons' likelihood). Sequence `i` draws from
/// `pp_thinning::sequence_rng(seed, i)`, so `K = 1` gives exactly the draws and values of
/// [`evaluate`](crate::vi::evaluate) with `R` samples. Sequences run in parallel; the result
/// does not depend on the number of threads.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use vi_train::marginal::{IwaeOptions, iwae_bound};
/// use vi_train::vi::{EvalOptions, VariationalModel, evaluate};
/// let model = VariationalModel::shared(
///     snn_model::SnnBuilder::new(1, 1).random(&mut pp_thinning::sequence_rng(2, 0))?,
/// )?;
/// let data = vec![EventSequence::new(Window::new(0.0, 10.0)?, 1, vec![1.0, 4.0], vec![0, 0])?];
/// let k1 = iwae_bound(&model, &data, &IwaeOptions { samples: 1, replicates: 6, ..Default::default() })?;
/// let elbo = evaluate(&model, &data, &EvalOptions { samples: 6, ..Default::default() })?;
/// assert_eq!(k1.per_sequence, elbo.per_sequence); // K = 1 is the ELBO, draw for draw
/// let k8 = iwae_bound(&model, &data, &IwaeOptions { samples: 8, replicates: 6, ..Default::default() })?;
/// assert!(k8.mean.is_finite() && k8.se.is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn iwae_bound(
    model: &VariationalModel,
    data: &[EventSequence],
    options: &IwaeOptions,
) -> Result<IwaeReport> {
    options.check()?;
    check_test_data(model, data)?;
    let starts = crate::lead_in::scored_starts(data, options.lead_in)?;
    let (k, r) = (options.samples, options.replicates);
    let results: Vec<Result<(f64, f64)>> = data
        .par_iter()
        .enumerate()
        .map_init(
            || (EstimatorWorkspace::new(model), vec![0.0; k]),
            |(ws, log_w), (i, seq)| {
                let ws = ws.as_mut().map_err(|e| ViError::Numerical {
                    what: "importance-weighted bound workspace",
                    detail: e.to_string(),
                })?;
                let mut rng = sequence_rng(options.seed, i as u64);
                let mut sum = 0.0;
                let mut values = Vec::with_capacity(r);
                for _ in 0..r {
                    for w in log_w.iter_mut() {
                        let (comp, from) = (&options.compensator, starts[i]);
                        *w = -hard_neg_elbo_draw(model, seq, from, comp, &mut rng, ws)?;
                    }
                    let bound = -log_mean_exp(log_w);
                    if !bound.is_finite() {
                        return Err(ViError::Numerical {
                            what: "importance-weighted bound",
                            detail: format!("sequence {i}: a replicate gave {bound}"),
                        });
                    }
                    sum += bound;
                    values.push(bound);
                }
                let mean = sum / r as f64;
                let var = if r >= 2 {
                    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (r - 1) as f64
                } else {
                    0.0
                };
                Ok((mean, var))
            },
        )
        .collect();
    let pooled = Pooled::of(results, r)?;
    Ok(IwaeReport {
        mean: pooled.mean,
        se: (r >= 2).then_some(pooled.se),
        per_sequence: pooled.per_sequence,
        per_sequence_se: (r >= 2).then_some(pooled.per_sequence_se),
        samples: k,
        replicates: r,
    })
}
