//! Fully observed maximum likelihood: the summed objective over many sequences (rayon, with a
//! result independent of the number of threads) and a plain first-order fitting loop.

use pp_core::{EventSequence, Parametric};
use rayon::prelude::*;

use crate::error::{Result, SnnError};
use crate::likelihood::{LikelihoodOptions, LikelihoodWorkspace};
use crate::model::Snn;
use crate::optim::Optimizer;

/// Sequences are split into this many fixed chunks (whatever the number of threads) and the
/// chunk results are added in order, so sums are bit-identical for any thread count.
const CHUNKS: usize = 32;

/// With fewer sequences than this, each sequence's likelihood is split over this many blocks
/// of target neurons ([`LikelihoodWorkspace::evaluate_split`]).
const TARGET_BLOCKS: usize = 4;

/// `Σ_s objective(seq_s)` (log-likelihood minus, per sequence, the penalty) and, if `grad` is
/// given, its gradient, computed in parallel.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let m = snn_model::SnnBuilder::new(1, 0).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 2.0)?, 1, vec![0.5], vec![0])?;
/// let data = vec![seq.clone(), seq.clone()];
/// let opts = snn_model::LikelihoodOptions::unpenalised();
/// let total = snn_model::fit::total_objective(&m, &data, &opts, None)?;
/// let one = m.objective(&seq, &opts, None)?.objective();
/// assert!((total - 2.0 * one).abs() < 1e-12);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub fn total_objective(
    model: &Snn,
    data: &[EventSequence],
    options: &LikelihoodOptions,
    grad: Option<&mut [f64]>,
) -> Result<f64> {
    let p = model.n_params();
    if let Some(g) = grad.as_deref()
        && g.len() != p
    {
        return Err(SnnError::shape(
            "gradient buffer",
            format!("[{p}]"),
            format!("[{}]", g.len()),
        ));
    }
    let want = grad.is_some();
    // few sequences: each is split over blocks of target neurons, so that one long recording
    // uses every core (a split that depends on the data only, not on the threads)
    let blocks = if data.len() >= TARGET_BLOCKS {
        1
    } else {
        TARGET_BLOCKS
    };
    let chunk = data.len().div_ceil(CHUNKS).max(1);
    let parts: Vec<Result<(f64, Vec<f64>)>> = data
        .par_chunks(chunk)
        .map(|seqs| {
            let mut ws = LikelihoodWorkspace::new(model)?;
            let mut acc = vec![0.0; if want { p } else { 0 }];
            let mut g = vec![0.0; if want { p } else { 0 }];
            let mut value = 0.0;
            for s in seqs {
                let e = ws.evaluate_split(model, s, options, want.then_some(&mut g[..]), blocks)?;
                value += e.objective();
                for (a, gv) in acc.iter_mut().zip(&g) {
                    *a += gv;
                }
            }
            Ok((value, acc))
        })
        .collect();
    let mut total = 0.0;
    let mut grad = grad;
    if let Some(g) = grad.as_deref_mut() {
        g.fill(0.0);
    }
    for part in parts {
        let (v, acc) = part?;
        total += v;
        if let Some(g) = grad.as_deref_mut() {
            for (a, b) in g.iter_mut().zip(&acc) {
                *a += b;
            }
        }
    }
    Ok(total)
}

/// Options of [`fit`].
///
/// ```
/// let o = snn_model::fit::FitOptions::default();
/// assert_eq!(o.iterations, 200);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Number of full-batch optimiser steps.
    pub iterations: usize,
    /// The objective of each sequence.
    pub likelihood: LikelihoodOptions,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            iterations: 200,
            likelihood: LikelihoodOptions::default(),
        }
    }
}

/// Maximises the mean objective over `data` by full-batch steps of `optimizer` on the negative
/// mean gradient, projecting onto the model's constraint after each step (the reference's
/// refractory clamp). Returns the mean objective before each step.
///
/// ```
/// use pp_core::Window;
/// use snn_model::{fit, optim::Adam, SnnBuilder};
/// let truth = SnnBuilder::new(1, 0).bias(vec![1.0]).weights(vec![-1.0, -1.0]).check()?;
/// let data = truth.simulate_many(Window::new(0.0, 20.0)?, 1, 4)?;
/// let mut model = SnnBuilder::new(1, 0).check()?;
/// model.project();
/// let trace = fit::fit(&mut model, &data, &mut Adam::new(0.05)?, &fit::FitOptions {
///     iterations: 30, likelihood: snn_model::LikelihoodOptions::unpenalised() })?;
/// assert!(trace.last() > trace.first());
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub fn fit(
    model: &mut Snn,
    data: &[EventSequence],
    optimizer: &mut dyn Optimizer,
    options: &FitOptions,
) -> Result<Vec<f64>> {
    if data.is_empty() {
        return Err(SnnError::invalid("data", 0, "needs at least one sequence"));
    }
    let p = model.n_params();
    let mut grad = vec![0.0; p];
    let mut params = model.params();
    let mut trace = Vec::with_capacity(options.iterations);
    let scale = 1.0 / data.len() as f64;
    for _ in 0..options.iterations {
        let v = total_objective(model, data, &options.likelihood, Some(&mut grad))?;
        trace.push(v * scale);
        for g in grad.iter_mut() {
            *g *= -scale;
        }
        optimizer.step(&mut params, &grad)?;
        model.set_params(&params)?;
        model.project();
        params.copy_from_slice(&model.params());
    }
    Ok(trace)
}
