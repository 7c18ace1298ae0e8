//! The observed spikes rescaled by the predictive intensity (docs/derivations/marginal.md §5):
//! the integral of `λ̂_o` between consecutive spikes of each observed neuron. Its total over the
//! neurons on a stretch `[s, t]` without observed spikes is exact,
//! `−log(Σ_i w_i(t) / Σ_i w_i(s))`; the split among the neurons takes each neuron's share of the
//! hazard as constant on cells of at most
//! [`SmcOptions::rescale_step`](super::SmcOptions::rescale_step).

use pp_core::{EventSequence, RescaledIntervals};
use rayon::prelude::*;
use snn_model::Snn;

use super::filter::{Observer, run_filter, run_seeds};
use super::likelihood::prepare;
use super::network::Network;
use super::options::SmcOptions;
use super::predictive::stop_weights;
use super::walk::Walker;
use crate::error::{Result, ViError};

/// Stops on cells of at most `step` and accumulates each observed neuron's share of the exact
/// predictive compensator; at a spike of neuron `o`, records `o`'s interval.
struct Rescale<'a> {
    net: &'a Network,
    marks: &'a [u32],
    step: f64,
    /// The end of the current segment.
    end: f64,
    acc: Vec<f64>,
    intervals: Vec<Vec<f64>>,
    weights: Vec<f64>,
}

impl Observer for Rescale<'_> {
    fn stops(&mut self, _segment: usize, a: f64, b: f64, out: &mut Vec<f64>) {
        self.end = b;
        let cells = ((b - a) / self.step).ceil().max(1.0) as usize;
        for m in 1..cells {
            let t = a + (b - a) * (m as f64 / cells as f64);
            if t > a && out.last().is_none_or(|&l| t > l) && t < b {
                out.push(t);
            }
        }
        out.push(b);
    }

    fn at_stop(&mut self, segment: usize, t: f64, log_w: &[f64], walkers: &[Walker]) -> Result<()> {
        // weights at the start of the cell: the compensator before the cell
        stop_weights(
            log_w,
            walkers,
            |w| w.cell().iter().sum::<f64>(),
            &mut self.weights,
        );
        let n_obs = self.net.n_obs;
        // the exact total: −log Σ_i W_i e^{−ΔC_i}, and x = 1 − Σ_i W_i e^{−ΔC_i}
        let mut survive = 0.0;
        for (w, walker) in self.weights.iter().zip(walkers) {
            survive += w * (-walker.cell().iter().sum::<f64>()).exp();
        }
        let total = -survive.ln();
        let x = -(-total).exp_m1();
        let ratio = if x > 0.0 { total / x } else { 1.0 };
        for o in 0..n_obs {
            let mut share = 0.0;
            for (w, walker) in self.weights.iter().zip(walkers) {
                let cell = walker.cell();
                let c: f64 = cell.iter().sum();
                if c > 0.0 {
                    share += w * (cell[o] / c) * -(-c).exp_m1();
                }
            }
            self.acc[o] += ratio * share;
        }
        if let Some(bad) = self.acc.iter().position(|v| !v.is_finite()) {
            return Err(ViError::Numerical {
                what: "predictive time rescaling",
                detail: format!(
                    "neuron {bad}'s compensator at time {t} is {}",
                    self.acc[bad]
                ),
            });
        }
        if t == self.end && segment < self.marks.len() {
            let o = self.marks[segment] as usize;
            self.intervals[o].push(self.acc[o]);
            self.acc[o] = 0.0;
        }
        Ok(())
    }
}

/// The observed spikes of every sequence of `data` rescaled by the predictive intensity: per
/// observed neuron `o`, `τ = ∫ λ̂_o` between its consecutive spikes (the first from the
/// window's start; the censored interval after its last spike left out), `λ̂_o` the intensity
/// given the observed history only (the hidden neurons marginalised, by the particle filter).
/// Under the true model the intervals are i.i.d. Exp(1): test them with
/// [`RescaledIntervals::ks_test`] or [`RescaledIntervals::ks_test_pooled`]. The intervals of
/// all sequences are pooled per neuron (sequence 0 first); each is the mean over the runs.
/// The total over the neurons of each increment is exact; the split among several observed
/// neurons takes their shares of the predictive hazard as constant on cells of at most
/// [`SmcOptions::rescale_step`] (docs/derivations/marginal.md §5).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use vi_train::marginal::{SmcOptions, marginal_time_rescale};
/// // no weight from the hidden neuron to the observed one: λ̂ = 2.5, constant
/// let model = snn_model::SnnBuilder::new(1, 1).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 3.0], vec![0, 0])?;
/// let options = SmcOptions { particles: 8, runs: 1, ..SmcOptions::default() };
/// let r = marginal_time_rescale(&model, &[seq], &options)?;
/// assert!((r.intervals(0)[0] - 2.5).abs() < 1e-12 && (r.intervals(0)[1] - 5.0).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn marginal_time_rescale(
    model: &Snn,
    data: &[EventSequence],
    options: &SmcOptions,
) -> Result<RescaledIntervals> {
    let net = prepare(model, data, options)?;
    let n_obs = net.n_obs;
    let jobs: Vec<(usize, u64)> = (0..data.len())
        .flat_map(|s| {
            run_seeds(options.seed, s, options.runs)
                .into_iter()
                .map(move |seed| (s, seed))
        })
        .collect();
    let runs: Vec<Result<Vec<Vec<f64>>>> = jobs
        .par_iter()
        .map(|&(s, seed)| {
            let seq = &data[s];
            let mut obs = Rescale {
                net: &net,
                marks: seq.marks(),
                step: options.rescale_step,
                end: f64::NAN,
                acc: vec![0.0; n_obs],
                intervals: vec![Vec::new(); n_obs],
                weights: Vec::with_capacity(options.particles),
            };
            run_filter(&net, seq, seq.window().t0(), options, seed, &mut obs)?;
            Ok(obs.intervals)
        })
        .collect();
    let mut pooled: Vec<Vec<f64>> = vec![Vec::new(); n_obs];
    let mut runs = runs.into_iter();
    for _ in data {
        let mut mean: Option<Vec<Vec<f64>>> = None;
        for _ in 0..options.runs {
            let run = runs.next().expect("one result per job")?;
            match &mut mean {
                None => mean = Some(run),
                Some(m) => {
                    for (a, b) in m.iter_mut().zip(&run) {
                        for (x, y) in a.iter_mut().zip(b) {
                            *x += y;
                        }
                    }
                }
            }
        }
        for (p, m) in pooled.iter_mut().zip(mean.expect("runs >= 1")) {
            p.extend(m.iter().map(|v| v / options.runs as f64));
        }
    }
    Ok(RescaledIntervals::from_per_dimension(pooled)?)
}
