//! Fully observed maximum likelihood: the summed objective over many sequences (rayon, with a
//! result independent of the number of threads) and a plain first-order fitting loop.

use pp_core::{EventSequence, Parametric, ScoredWindow};
use rayon::prelude::*;

use crate::error::{Result, SnnError};
use crate::likelihood::{LikelihoodOptions, LikelihoodWorkspace, split_parts};
use crate::model::Snn;
use crate::optim::Optimizer;

/// Sequences are split into this many fixed chunks (whatever the number of threads) and the
/// chunk results are added in order, so sums are bit-identical for any thread count.
const CHUNKS: usize = 32;

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
    // few sequences: each is split into stretches of time, so that one long recording uses
    // every core (a split that depends on the data only, not on the threads)
    let parts = split_parts(data.len());
    parallel_sum(model, data, grad, |ws, s, g| {
        Ok(ws.evaluate_split(model, s, options, g, parts)?.objective())
    })
}

/// `Σ_w objective(w)` over windows of long recordings (from
/// [`EventSequence::split_windows_with_history`]), each the conditional log-likelihood of its
/// piece given the spikes of its lead-in as fixed history
/// ([`LikelihoodWorkspace::evaluate_from`]), minus its share of the penalty;
/// and, if `grad` is given, its gradient, computed in parallel (the same bits for any thread
/// count). With a lead-in of at least the model's kernel support ([`Basis::support`]) the sum
/// over the windows of a recording is its [`total_objective`] (to rounding), while a gradient
/// holds only one window at a time. The quadrature compensator is required (a Monte Carlo
/// one has no points of its own for a stretch after a lead-in).
///
/// [`Basis::support`]: crate::Basis::support
///
/// ```
/// use pp_core::Window;
/// let m = snn_model::SnnBuilder::new(2, 0).weights(vec![-1.0, 0.8, 0.5, -1.0, 0.3, -0.2, 0.4, -1.0]).check()?;
/// let seq = m.simulate(Window::new(0.0, 60.0)?, &mut <rand_xoshiro::Xoshiro256PlusPlus as rand::SeedableRng>::seed_from_u64(1))?;
/// let opts = snn_model::LikelihoodOptions::default();
/// let whole = snn_model::fit::total_objective(&m, &[seq.clone()], &opts, None)?;
/// let windows = seq.split_windows_with_history(15.0, m.basis().support())?;
/// let pieces = snn_model::fit::total_window_objective(&m, &windows, &opts, None)?;
/// assert!((pieces - whole).abs() < 1e-9 * whole.abs());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn total_window_objective(
    model: &Snn,
    windows: &[ScoredWindow],
    options: &LikelihoodOptions,
    grad: Option<&mut [f64]>,
) -> Result<f64> {
    if matches!(
        options.compensator,
        pp_core::CompensatorMethod::MonteCarlo(_)
    ) {
        return Err(SnnError::invalid(
            "compensator",
            "monte-carlo",
            "windows with a lead-in need the quadrature compensator (a Monte Carlo one has no \
             points of its own for the piece after the lead-in)",
        ));
    }
    let parts = split_parts(windows.len());
    parallel_sum(model, windows, grad, |ws, w, g| {
        let share = LikelihoodOptions {
            regularisation: options.regularisation * w.share(),
            ..*options
        };
        Ok(ws
            .evaluate_from(model, w.sequence(), w.from(), &share, g, parts)?
            .objective())
    })
}

/// Evaluates `f(workspace, item, gradient)` on every item in a fixed chunking (whatever the
/// number of threads) and adds the values and gradients in order; `f` writes the item's
/// gradient into its buffer.
fn parallel_sum<T: Sync>(
    model: &Snn,
    items: &[T],
    grad: Option<&mut [f64]>,
    f: impl Fn(&mut LikelihoodWorkspace, &T, Option<&mut [f64]>) -> Result<f64> + Sync,
) -> Result<f64> {
    let p = model.n_params();
    let want = grad.is_some();
    let chunk = items.len().div_ceil(CHUNKS).max(1);
    let parts: Vec<Result<(f64, Vec<f64>)>> = items
        .par_chunks(chunk)
        .map(|chunk| {
            let mut ws = LikelihoodWorkspace::new(model)?;
            let len = if want { p } else { 0 };
            let (mut acc, mut g) = (vec![0.0; len], vec![0.0; len]);
            let mut value = 0.0;
            for item in chunk {
                value += f(&mut ws, item, want.then_some(&mut g[..]))?;
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
