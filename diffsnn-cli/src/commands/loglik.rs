//! `diffsnn loglik`: log-likelihood of fully observed spike trains.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use pp_core::EventSequence;
use pp_core::{CompensatorMethod, MonteCarlo};
use rand::Rng;
use rayon::prelude::*;
use serde::Serialize;
use snn_model::{LikelihoodOptions, LikelihoodWorkspace, Snn};

use super::input::SpikeInput;
use super::select::NeuronSelection;
use super::windows::WindowSplit;
use super::{emit, load_model};
use crate::error::{CliError, Result};

/// How the compensator `∫ λ_i dt` is computed.
///
/// ```
/// use clap::ValueEnum;
/// let c = diffsnn_cli::commands::loglik::Compensator::from_str("monte-carlo", false).unwrap();
/// assert_eq!(c, diffsnn_cli::commands::loglik::Compensator::MonteCarlo);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Compensator {
    /// Quadrature between breakpoints (near exact): snn-model's a priori Gauss–Legendre rule
    /// for the Epanechnikov basis, adaptive Gauss–Kronrod otherwise.
    Quadrature,
    /// Uniform Monte Carlo points (the reference's unbiased, noisy estimator).
    MonteCarlo,
}

impl Compensator {
    /// The compensator of a training or evaluation estimate: quadrature, or Monte Carlo with
    /// `--mc-points` points (`default_points` when not given) drawn afresh for every estimate
    /// (the points are part of its noise). `--mc-points` with quadrature, or 0 points, is an
    /// error naming the flag.
    ///
    /// ```
    /// use diffsnn_cli::commands::loglik::Compensator;
    /// assert!(Compensator::MonteCarlo.per_estimate(None, 100).is_ok());
    /// let e = Compensator::Quadrature.per_estimate(Some(5), 100).unwrap_err();
    /// assert_eq!(e.to_string(), "--mc-points: applies to --compensator monte-carlo only");
    /// ```
    pub fn per_estimate(
        self,
        mc_points: Option<usize>,
        default_points: usize,
    ) -> Result<CompensatorMethod> {
        match (self, mc_points) {
            (Compensator::Quadrature, Some(_)) => Err(CliError::argument(
                "--mc-points",
                "applies to --compensator monte-carlo only",
            )),
            (Compensator::Quadrature, None) => Ok(CompensatorMethod::default()),
            (Compensator::MonteCarlo, n) => {
                let n_points = n.unwrap_or(default_points);
                if n_points == 0 {
                    return Err(CliError::argument("--mc-points", "must be at least 1"));
                }
                // the seed is drawn afresh for every estimate
                Ok(CompensatorMethod::monte_carlo(n_points, 0)?)
            }
        }
    }
}

/// The long help of `diffsnn loglik` (clap reads it from the subcommand).
pub const LONG_ABOUT: &str = "Log-likelihood (docs/math.md (1.1), no penalty) of every sequence of a spike file, \
    taken as fully observed (every spike in the file counts, hidden neurons too). \
    Prints {\"loglik\": total, \"per_sequence\": [...], \"compensator\": ...}. The \
    spike file's neuron count must match the model's. With --window-length each window is \
    conditioned on the spikes of a lead-in before it (--lead-in, by default the kernel \
    support), so that the windows add up to the recording's log-likelihood.";

/// Arguments of `diffsnn loglik`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "loglik", "--model", "m.json", "--spikes", "s.json",
///     "--compensator", "monte-carlo", "--mc-points", "500", "--seed", "3",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Loglik(args) = cli.command else { unreachable!() };
/// assert_eq!(args.mc_points, Some(500));
/// ```
#[derive(Debug, Clone, Args)]
pub struct LoglikArgs {
    /// Model file (srm-snn/v1 JSON).
    #[arg(long, value_name = "M.json")]
    pub model: PathBuf,
    /// The spike file (`--spikes`, `--window`, `--allow-empty-sequences`).
    #[command(flatten)]
    pub input: SpikeInput,
    /// Which neurons of the spike file are the model's (default: all, in order).
    #[command(flatten)]
    pub neurons: NeuronSelection,
    /// Cut every sequence into windows of `--window-length` seconds.
    #[command(flatten)]
    pub windows: WindowSplit,
    /// With --window-length, the S seconds of spikes before every window are its fixed
    /// history (not scored), so that each window's log-likelihood is conditioned on them and,
    /// with S at least the kernel support, the windows add up to the whole recording's
    /// (default: the kernel support with the quadrature compensator, else 0; 0 makes each
    /// window start from an empty history). Without --window-length, the first S seconds of
    /// every sequence.
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub lead_in: Option<f64>,
    /// How the compensator is computed.
    #[arg(long, value_enum, default_value_t = Compensator::Quadrature)]
    pub compensator: Compensator,
    /// Number of Monte Carlo points per sequence (monte-carlo only; default 1000).
    #[arg(long, value_name = "n")]
    pub mc_points: Option<usize>,
    /// Seed of the Monte Carlo points (monte-carlo only; default 0); sequence k uses a seed
    /// derived from (seed, k).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The result printed by `diffsnn loglik`.
///
/// ```
/// let r = diffsnn_cli::commands::loglik::LoglikReport {
///     loglik: -3.0, per_sequence: vec![-1.0, -2.0], compensator: "quadrature", mc_points: None, seed: None,
/// };
/// assert_eq!(serde_json::to_string(&r).unwrap(),
///     r#"{"loglik":-3.0,"per_sequence":[-1.0,-2.0],"compensator":"quadrature"}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoglikReport {
    /// Sum over the sequences.
    pub loglik: f64,
    /// One value per sequence.
    pub per_sequence: Vec<f64>,
    /// `quadrature` or `monte-carlo`.
    pub compensator: &'static str,
    /// Monte Carlo points per sequence (monte-carlo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mc_points: Option<usize>,
    /// Monte Carlo seed (monte-carlo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// The compensator method for sequence `k`: Monte Carlo seeds are derived from `(seed, k)`.
fn method_for(
    compensator: Compensator,
    n_points: usize,
    seed: u64,
    k: usize,
) -> Result<CompensatorMethod> {
    Ok(match compensator {
        Compensator::Quadrature => CompensatorMethod::default(),
        Compensator::MonteCarlo => CompensatorMethod::MonteCarlo(MonteCarlo::new(
            n_points,
            pp_thinning::sequence_rng(seed, k as u64).next_u64(),
        )?),
    })
}

/// The log-likelihood of each sequence under `model` (no penalty), in parallel over the
/// sequences with one [`LikelihoodWorkspace`] per worker; with fewer than
/// [`SPLIT_PARTS`](snn_model::likelihood::SPLIT_PARTS) sequences, each is also split into that
/// many stretches of time (all cores on one long recording; `LikelihoodWorkspace::evaluate_split`). The values do not depend on the number of threads. An error comes with the index of the sequence it was met on. Monte Carlo uses `n_points` points, with a seed for sequence `k`
/// derived from `(seed, k)`.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use diffsnn_cli::commands::loglik::{per_sequence_loglik, Compensator};
/// let m = snn_model::SnnBuilder::new(1, 0).check()?; // λ = 2.5
/// let seq = EventSequence::new(Window::new(0.0, 2.0)?, 1, vec![0.5], vec![0])?;
/// let ll = per_sequence_loglik(&m, &[seq], Compensator::Quadrature, 0, 0).map_err(|(_, e)| e)?;
/// assert!((ll[0] - (2.5f64.ln() - 5.0)).abs() < 1e-12);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn per_sequence_loglik(
    model: &Snn,
    sequences: &[EventSequence],
    compensator: Compensator,
    n_points: usize,
    seed: u64,
) -> std::result::Result<Vec<f64>, (usize, CliError)> {
    let starts: Vec<f64> = sequences.iter().map(|s| s.window().t0()).collect();
    per_sequence_loglik_from(model, sequences, &starts, compensator, n_points, seed)
}

/// [`per_sequence_loglik`] of the stretch `[starts[k], T1]` of each sequence `k` given the
/// spikes before it (`LikelihoodWorkspace::evaluate_from`; the quadrature compensator when a
/// start is after its sequence's `T0`).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use diffsnn_cli::commands::loglik::{per_sequence_loglik_from, Compensator};
/// let m = snn_model::SnnBuilder::new(1, 0).check()?; // λ = 2.5
/// let seq = EventSequence::new(Window::new(0.0, 2.0)?, 1, vec![0.5], vec![0])?;
/// let ll = per_sequence_loglik_from(&m, &[seq], &[1.0], Compensator::Quadrature, 0, 0).map_err(|(_, e)| e)?;
/// assert!((ll[0] - (-2.5)).abs() < 1e-12); // no spike after 1.0, one second of λ = 2.5
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn per_sequence_loglik_from(
    model: &Snn,
    sequences: &[EventSequence],
    starts: &[f64],
    compensator: Compensator,
    n_points: usize,
    seed: u64,
) -> std::result::Result<Vec<f64>, (usize, CliError)> {
    if starts.len() != sequences.len() {
        let detail = format!("{} starts for {} sequences", starts.len(), sequences.len());
        return Err((0, CliError::argument("starts", detail)));
    }
    // few sequences: each is split into stretches of time, so that one long recording uses
    // every core (the split depends on the data only: the same bits for any thread count)
    let parts = snn_model::likelihood::split_parts(sequences.len());
    let values: Vec<std::result::Result<f64, (usize, CliError)>> = sequences
        .par_iter()
        .enumerate()
        .map_init(
            || LikelihoodWorkspace::new(model),
            |ws, (k, seq)| {
                let mut one = || -> Result<f64> {
                    let ws = ws.as_mut().map_err(|e| CliError::from(e.clone()))?;
                    let options = LikelihoodOptions {
                        compensator: method_for(compensator, n_points, seed, k)?,
                        regularisation: 0.0,
                    };
                    let ll = ws
                        .evaluate_from(model, seq, starts[k], &options, None, parts)?
                        .log_likelihood();
                    if !ll.is_finite() {
                        return Err(CliError::Numerical {
                            what: "log-likelihood",
                            detail: format!("the log-likelihood is {ll}"),
                        });
                    }
                    Ok(ll)
                };
                one().map_err(|e| (k, e))
            },
        )
        .collect();
    values.into_iter().collect()
}

impl LoglikArgs {
    /// Reads the inputs, evaluates, and writes the report (one JSON line) to `--out`
    /// (atomically) or `stdout`.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let model = dir.path().join("m.json");
    /// snn_model::SnnBuilder::new(1, 0).check()?.write_json(&model)?;
    /// let spikes = dir.path().join("s.csv");
    /// std::fs::write(&spikes, "sequence,time,neuron\n0,0.5,0\n").unwrap();
    /// let args = diffsnn_cli::commands::loglik::LoglikArgs {
    ///     model, input: diffsnn_cli::commands::input::SpikeInput::new(spikes).window(0.0, 2.0),
    ///     neurons: Default::default(), windows: Default::default(), lead_in: None, compensator: diffsnn_cli::commands::loglik::Compensator::Quadrature,
    ///     mc_points: None, seed: None, out: None,
    /// };
    /// let mut out = Vec::new();
    /// args.run(&mut out)?;
    /// let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    /// assert!((v["loglik"].as_f64().unwrap() - (2.5f64.ln() - 5.0)).abs() < 1e-12);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, stdout: &mut dyn Write) -> Result<()> {
        let monte_carlo = self.compensator == Compensator::MonteCarlo;
        if !monte_carlo && (self.mc_points.is_some() || self.seed.is_some()) {
            return Err(CliError::argument(
                if self.mc_points.is_some() {
                    "--mc-points"
                } else {
                    "--seed"
                },
                "applies to --compensator monte-carlo only",
            ));
        }
        let n_points = self.mc_points.unwrap_or(1000);
        if monte_carlo && n_points == 0 {
            return Err(CliError::argument("--mc-points", "must be at least 1"));
        }
        let seed = self.seed.unwrap_or(0);
        let model = load_model(&self.model)?;
        let sequences = if self.neurons.is_given() {
            let trains = self.input.read(None)?;
            let picked = self.neurons.apply(&trains, &self.input.label())?;
            let n = picked.first().map_or(0, EventSequence::dim);
            if n != model.n_neurons() {
                return Err(CliError::Mismatch {
                    reason: format!(
                        "{} picks {n} neurons of {}; the model {} has {} neurons (observed and \
                         hidden: the log-likelihood is of fully observed spike trains)",
                        self.neurons.flag(),
                        self.input.label(),
                        self.model.display(),
                        model.n_neurons()
                    ),
                });
            }
            picked
        } else {
            self.input
                .read(Some((&model, &self.model)))?
                .sequences()
                .to_vec()
        };
        let support = model.basis().support();
        let (sequences, starts) =
            self.windows
                .scored_windows(sequences, self.lead_in, support, !monte_carlo)?;
        let per_sequence = per_sequence_loglik_from(
            &model,
            &sequences,
            &starts,
            self.compensator,
            n_points,
            seed,
        )
        .map_err(|(k, e)| e.evaluating(&self.model, k))?;
        let report = LoglikReport {
            loglik: per_sequence.iter().sum(),
            per_sequence,
            compensator: if monte_carlo {
                "monte-carlo"
            } else {
                "quadrature"
            },
            mc_points: monte_carlo.then_some(n_points),
            seed: monte_carlo.then_some(seed),
        };
        emit(self.out.as_ref(), stdout, |w| {
            serde_json::to_writer(&mut *w, &report)?;
            w.write_all(b"\n")
        })
    }
}
