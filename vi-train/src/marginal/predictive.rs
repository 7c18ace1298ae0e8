//! The observed neurons' intensity given the observed history alone, from the particle
//! filter's weights (docs/derivations/marginal.md §5):
//! `λ̂_o(t) = E[λ_o(t) | O before t] = Σ_i w_i(t) λ_{o,i}(t) / Σ_i w_i(t)`, with `w_i(t)` the
//! particle's weight at the last observed spike times its survival `exp(−∫ Σ_o λ_{o,i})` since
//! then. Its integrals between spikes, for time rescaling, are in
//! [`rescale`](super::rescale).

use pp_core::EventSequence;
use rayon::prelude::*;
use snn_model::Snn;

use super::filter::{Observer, run_filter, run_seeds};
use super::likelihood::prepare;
use super::network::Network;
use super::options::SmcOptions;
use super::walk::Walker;
use crate::error::{Result, ViError};

/// The predictive intensity of the observed neurons at query times.
///
/// ```
/// let p = vi_train::marginal::PredictiveIntensity { times: vec![1.0], n_obs: 2, values: vec![0.5, 1.5], se: None };
/// assert_eq!(p.value(0, 1), 1.5);
/// assert_eq!(p.neuron(0), vec![0.5]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PredictiveIntensity {
    /// The query times, as given.
    pub times: Vec<f64>,
    /// The number of observed neurons.
    pub n_obs: usize,
    /// `λ̂_o(t_q)` at `[q · n_obs + o]`, the mean over the runs.
    pub values: Vec<f64>,
    /// The standard error of each value over the runs (`None` with a single run).
    pub se: Option<Vec<f64>>,
}

impl PredictiveIntensity {
    /// `λ̂_o` at query `q`. Panics if `q` or `o` is out of range.
    ///
    /// ```
    /// let p = vi_train::marginal::PredictiveIntensity { times: vec![0.0, 1.0], n_obs: 1, values: vec![2.0, 3.0], se: None };
    /// assert_eq!(p.value(1, 0), 3.0);
    /// ```
    pub fn value(&self, q: usize, o: usize) -> f64 {
        assert!(o < self.n_obs, "observed neuron {o} of {}", self.n_obs);
        self.values[q * self.n_obs + o]
    }

    /// `λ̂_o` at every query time.
    ///
    /// ```
    /// let p = vi_train::marginal::PredictiveIntensity { times: vec![0.0, 1.0], n_obs: 1, values: vec![2.0, 3.0], se: None };
    /// assert_eq!(p.neuron(0), vec![2.0, 3.0]);
    /// ```
    pub fn neuron(&self, o: usize) -> Vec<f64> {
        (0..self.times.len()).map(|q| self.value(q, o)).collect()
    }
}

/// Normalised weights at the walkers' current stop: `exp(log_w_i − C_i − max)` with `C_i` the
/// compensator since the segment's start (minus `back_i`), normalised to sum 1 into `out`.
pub(super) fn stop_weights(
    log_w: &[f64],
    walkers: &[Walker],
    back: impl Fn(&Walker) -> f64,
    out: &mut Vec<f64>,
) {
    out.clear();
    out.extend(
        log_w
            .iter()
            .zip(walkers)
            .map(|(lw, w)| lw - (w.segment_compensator() - back(w))),
    );
    let m = out.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut total = 0.0;
    for v in out.iter_mut() {
        *v = (*v - m).exp();
        total += *v;
    }
    for v in out.iter_mut() {
        *v /= total;
    }
}

/// Stops at the query times of each segment and records `λ̂` there.
struct Queries<'a> {
    net: &'a Network,
    times: &'a [f64],
    next: usize,
    values: Vec<f64>,
    weights: Vec<f64>,
}

impl Observer for Queries<'_> {
    fn stops(&mut self, segment: usize, a: f64, b: f64, out: &mut Vec<f64>) {
        // queries at an observed spike time belong to the segment it ends (the history is
        // strictly before t); only the first segment also takes its start, the window's T0
        let mut q = self.next;
        while q < self.times.len() && self.times[q] <= b {
            let t = self.times[q];
            if (t > a || segment == 0) && out.last() != Some(&t) {
                out.push(t);
            }
            q += 1;
        }
        if out.last() != Some(&b) {
            out.push(b);
        }
    }

    fn at_stop(
        &mut self,
        _segment: usize,
        t: f64,
        log_w: &[f64],
        walkers: &[Walker],
    ) -> Result<()> {
        if self.next >= self.times.len() || self.times[self.next] != t {
            return Ok(());
        }
        stop_weights(log_w, walkers, |_| 0.0, &mut self.weights);
        let n_obs = self.net.n_obs;
        let q = self.next;
        for o in 0..n_obs {
            let mut v = 0.0;
            for (w, walker) in self.weights.iter().zip(walkers) {
                v += w * self.net.intensity(walker.observed_potentials()[o]);
            }
            if !v.is_finite() {
                return Err(ViError::Numerical {
                    what: "predictive intensity",
                    detail: format!("neuron {o} at time {t} is {v}"),
                });
            }
            self.values[q * n_obs + o] = v;
        }
        // equal query times share the value
        self.next += 1;
        while self.next < self.times.len() && self.times[self.next] == t {
            let (src, dst) = (q * n_obs, self.next * n_obs);
            self.values.copy_within(src..src + n_obs, dst);
            self.next += 1;
        }
        Ok(())
    }
}

/// `λ̂_o(t) = E[λ_o(t) | observed spikes before t]` of `model`'s observed neurons at the
/// `query_times` (non-decreasing, inside `seq`'s window; at an observed spike time the value
/// is the one just before the spike), from the particle filter on the observed sequence `seq`:
/// the particles' observed intensities weighted by their weights at the last observed spike
/// times their survival since then (docs/derivations/marginal.md §5). The `runs` runs are
/// averaged; their spread gives the standard error.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use vi_train::marginal::{SmcOptions, predictive_intensity};
/// // no weight from the hidden neuron to the observed one: λ̂ is the observed intensity itself
/// let model = snn_model::SnnBuilder::new(1, 1).bias(vec![0.3, -0.2]).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 2.0], vec![0, 0])?;
/// let options = SmcOptions { particles: 16, runs: 2, ..SmcOptions::default() };
/// let p = predictive_intensity(&model, &seq, &[0.5, 2.0, 4.0], &options)?;
/// for q in 0..3 {
///     assert!((p.value(q, 0) - 5.0 / (1.0 + (-0.3f64).exp())).abs() < 1e-12);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn predictive_intensity(
    model: &Snn,
    seq: &EventSequence,
    query_times: &[f64],
    options: &SmcOptions,
) -> Result<PredictiveIntensity> {
    let net = prepare(model, std::slice::from_ref(seq), options)?;
    let w = seq.window();
    for (q, &t) in query_times.iter().enumerate() {
        if !(t.is_finite() && w.t0() <= t && t <= w.t1()) {
            return Err(ViError::argument(
                "query times",
                format!(
                    "query {q} ({t}) is outside the window [{}, {}]",
                    w.t0(),
                    w.t1()
                ),
            ));
        }
        if q > 0 && t < query_times[q - 1] {
            return Err(ViError::argument(
                "query times",
                format!(
                    "must be non-decreasing: query {q} ({t}) comes before query {} ({})",
                    q - 1,
                    query_times[q - 1]
                ),
            ));
        }
    }
    let n_obs = net.n_obs;
    let size = query_times.len() * n_obs;
    let runs: Vec<Result<Vec<f64>>> = run_seeds(options.seed, 0, options.runs)
        .into_par_iter()
        .map(|seed| {
            let mut obs = Queries {
                net: &net,
                times: query_times,
                next: 0,
                values: vec![0.0; size],
                weights: Vec::with_capacity(options.particles),
            };
            run_filter(&net, seq, seq.window().t0(), options, seed, &mut obs)?;
            Ok(obs.values)
        })
        .collect();
    let runs: Vec<Vec<f64>> = runs.into_iter().collect::<Result<_>>()?;
    let (values, se) = mean_and_se(&runs, size);
    Ok(PredictiveIntensity {
        times: query_times.to_vec(),
        n_obs,
        values,
        se,
    })
}

/// Element-wise mean over the runs and, with two runs or more, the standard error of it.
fn mean_and_se(runs: &[Vec<f64>], size: usize) -> (Vec<f64>, Option<Vec<f64>>) {
    let r = runs.len() as f64;
    let mut mean = vec![0.0; size];
    for run in runs {
        for (m, v) in mean.iter_mut().zip(run) {
            *m += v / r;
        }
    }
    let se = (runs.len() >= 2).then(|| {
        (0..size)
            .map(|k| {
                let var = runs
                    .iter()
                    .map(|run| (run[k] - mean[k]).powi(2))
                    .sum::<f64>()
                    / (r - 1.0);
                (var / r).sqrt()
            })
            .collect()
    });
    (mean, se)
}
