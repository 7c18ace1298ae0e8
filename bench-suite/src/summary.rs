//! `summary.json`: the machine-readable result of a run.
//!
//! The required keys (so that runs can be compared by machine) are
//! `exp1.draws`, `exp1.{pathwise_mc, score_mc, pathwise_quadrature, score_quadrature}.{mean_std,
//! mean_mad_std, top1_share}`, `exp2.points[].{n_train, pathwise, score, true, pathwise_smc,
//! score_smc, true_smc}` (the last six `{mean, se}`), and
//! `exp3.points[].{amplitude, pathwise_s, score_s}`; everything else is extra. Wall-clock
//! quantities are the keys ending in `_s` and the `timings` object; everything else is a
//! function of the configuration and the seed only.

use serde::Serialize;

use crate::config::{DATA_AMPLITUDE, LENGTH, N_HIDDEN, N_OBS, TEMPERATURE};
use crate::exp1::Exp1Result;
use crate::exp2::Exp2Result;
use crate::exp3::Exp3Result;

/// The fixed settings of every experiment, recorded with the results.
///
/// ```
/// let s = bench_suite::summary::Settings::current();
/// assert_eq!((s.n_obs, s.n_hidden, s.length), (2, 4, 50.0));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Observed neurons.
    pub n_obs: usize,
    /// Hidden neurons.
    pub n_hidden: usize,
    /// Basis functions `K`.
    pub n_basis: usize,
    /// The data model's amplitude `a`.
    pub data_amplitude: f64,
    /// Sequence length `T`.
    pub length: f64,
    /// The optimiser.
    pub optimizer: &'static str,
    /// Its learning rate.
    pub learning_rate: f64,
    /// The initial ∂PP temperature.
    pub temperature: f64,
    /// The temperature's factor per epoch.
    pub temperature_decay: f64,
    /// The regulariser's weight.
    pub regularisation: f64,
    /// `q = p` (shared parameters), as the reference.
    pub shared_q: bool,
    /// Steps per sequence.
    pub scheme: &'static str,
    /// Weights `U(lo, hi)` of random models.
    pub init_weights: [f64; 2],
    /// Diagonal weights `U(lo, hi)`.
    pub init_diagonal: [f64; 2],
    /// Biases `U(lo, hi)`.
    pub init_bias: [f64; 2],
}

impl Settings {
    /// The settings of every run (the training settings are vi-train's defaults, which are
    /// the reference's).
    pub fn current() -> Self {
        let t = vi_train::vi::TrainConfig::default();
        Self {
            n_obs: N_OBS,
            n_hidden: N_HIDDEN,
            n_basis: 2,
            data_amplitude: DATA_AMPLITUDE,
            length: LENGTH,
            optimizer: "adagrad",
            learning_rate: t.learning_rate,
            temperature: TEMPERATURE,
            temperature_decay: t.temperature.decay,
            regularisation: t.objective.regularisation,
            shared_q: true,
            scheme: "E step then M step per sequence",
            init_weights: [-5.0, 5.0],
            init_diagonal: [-5.0, -0.1],
            init_bias: [-1.0, 1.0],
        }
    }
}

/// Wall-clock times of the run.
///
/// ```
/// let t = bench_suite::summary::Timings { exp1_s: 1.0, exp2_s: 2.0, exp3_s: 3.0, total_s: 6.0,
///     threads: 2, load_before: None, load_after: None };
/// assert_eq!(t.exp1_s + t.exp2_s + t.exp3_s, t.total_s);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timings {
    /// Experiment 1.
    pub exp1_s: f64,
    /// Experiment 2.
    pub exp2_s: f64,
    /// Experiment 3.
    pub exp3_s: f64,
    /// The whole run (without writing the outputs).
    pub total_s: f64,
    /// rayon's worker threads.
    pub threads: usize,
    /// The 1/5/15-minute load averages before the run (`/proc/loadavg`, when readable).
    pub load_before: Option<String>,
    /// The same after the run.
    pub load_after: Option<String>,
}

/// Everything a run produced (serialised as `summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The master seed.
    pub seed: u64,
    /// The fixed settings.
    pub settings: Settings,
    /// Experiment 1.
    pub exp1: Exp1Result,
    /// Experiment 2.
    pub exp2: Exp2Result,
    /// Experiment 3.
    pub exp3: Exp3Result,
    /// Wall-clock times.
    pub timings: Timings,
}

impl Summary {
    /// The summary as pretty-printed JSON (non-finite numbers, which a correct run does not
    /// produce, would be written as `null`).
    pub fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(self)
    }
}

/// The 1/5/15-minute load averages from `/proc/loadavg` (Linux), if readable.
///
/// ```
/// let _ = bench_suite::summary::load_average();
/// ```
pub fn load_average() -> Option<String> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}
