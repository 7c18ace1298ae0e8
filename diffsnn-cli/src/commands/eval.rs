//! `diffsnn eval`: the test negative ELBO of a trained model on held-out spike trains.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use pp_core::EventSequence;
use serde::Serialize;

use super::input::SpikeInput;
use super::load_model;
use super::loglik::Compensator as CompensatorArg;
use super::select::NeuronSelection;
use crate::error::{CliError, Result};
use crate::io::{ReadOptions, read_spikes};
use pp_core::CompensatorMethod;
use pp_core::spike_files::SpikeTrains;
use vi_train::vi::{EvalOptions, VariationalModel, evaluate};

/// The long help of `diffsnn eval` (shown by `--help`).
pub const LONG_ABOUT: &str = "Test negative ELBO (docs/math.md (6.1), β = 1) of a trained model with hard spikes, \
                  the reference's \"test loss\": for every sequence, --samples hidden spike \
                  trains are drawn from q by exact thinning given the observed spikes, and \
                  -log p(O, H) + log q(H) is averaged. Only the model's observed neurons \
                  (0..n_obs) are read from the spike file; spikes of other neurons are dropped \
                  with a warning. Prints {\"neg_elbo\": {\"mean\": x, \"se\": x}, \
                  \"per_sequence\": [...], \"n_sequences\": n, \"samples_per_sequence\": k}; se \
                  is the Monte Carlo standard error of the mean. Deterministic for a seed, \
                  whatever the number of threads.";

/// Arguments of `diffsnn eval`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "eval", "--model", "m.json", "--spikes", "s.json", "--samples", "20",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Eval(args) = cli.command else { unreachable!() };
/// assert_eq!((args.samples, args.seed), (20, 0));
/// ```
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    /// Trained model (srm-snn/v1); it is both p and q unless --variational is given.
    #[arg(long, value_name = "M.json")]
    pub model: PathBuf,
    /// A separate variational network q (as written by `fit --separate-variational`).
    #[arg(long, value_name = "Q.json")]
    pub variational: Option<PathBuf>,
    /// The spike file (`--spikes`, `--window`, `--allow-empty-sequences`).
    #[command(flatten)]
    pub input: SpikeInput,
    /// Which neurons of the spike file are the model's observed ones (default: neurons
    /// `0..n_obs`; the spikes of others are dropped with a warning).
    #[command(flatten)]
    pub neurons: NeuronSelection,
    /// Hidden samples per sequence (at least 2).
    #[arg(long, value_name = "k", default_value_t = 10)]
    pub samples: usize,
    /// Seed of the hidden samples (sequence i uses a generator derived from (seed, i)).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How the compensators are computed.
    #[arg(long, value_enum, default_value_t = CompensatorArg::Quadrature)]
    pub compensator: CompensatorArg,
    /// Monte Carlo points per sample (monte-carlo only; default 1000).
    #[arg(long, value_name = "n")]
    pub mc_points: Option<usize>,
    /// Output file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The mean and standard error printed by `diffsnn eval`.
///
/// ```
/// let s = diffsnn_cli::commands::eval::MeanSe { mean: 1.5, se: 0.25 };
/// assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"mean":1.5,"se":0.25}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanSe {
    /// The mean.
    pub mean: f64,
    /// Its standard error.
    pub se: f64,
}

/// The report printed by `diffsnn eval`.
///
/// ```
/// let r = diffsnn_cli::commands::eval::EvalOutput { neg_elbo: diffsnn_cli::commands::eval::MeanSe { mean: 1.0, se: 0.5 },
///     per_sequence: vec![1.0], n_sequences: 1, samples_per_sequence: 4 };
/// assert_eq!(serde_json::to_string(&r).unwrap(),
///     r#"{"neg_elbo":{"mean":1.0,"se":0.5},"per_sequence":[1.0],"n_sequences":1,"samples_per_sequence":4}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalOutput {
    /// The test negative ELBO (mean over sequences) and its standard error.
    pub neg_elbo: MeanSe,
    /// Per sequence, the mean over its samples.
    pub per_sequence: Vec<f64>,
    /// Number of sequences.
    pub n_sequences: usize,
    /// Hidden samples per sequence.
    pub samples_per_sequence: usize,
}

/// Keeps the neurons `0..n_obs` of every sequence; returns the sequences and the number of
/// spikes dropped.
fn observed_only(trains: &SpikeTrains, n_obs: usize) -> Result<(Vec<EventSequence>, usize)> {
    let keep: Vec<u32> = (0..n_obs as u32).collect();
    let mut dropped = 0;
    let mut out = Vec::with_capacity(trains.sequences().len());
    for s in trains.sequences() {
        let kept = s.select_dimensions(&keep)?;
        dropped += s.len() - kept.len();
        out.push(kept);
    }
    Ok((out, dropped))
}

impl EvalArgs {
    /// Reads the inputs, evaluates, and writes the report (one JSON line) to `--out`
    /// (atomically) or `stdout`; the warning about dropped spikes goes to standard error.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let model = dir.path().join("m.json");
    /// snn_model::SnnBuilder::new(1, 1).check()?.write_json(&model)?;
    /// let spikes = dir.path().join("s.csv");
    /// std::fs::write(&spikes, "sequence,time,neuron\n0,0.5,0\n0,1.5,0\n").unwrap();
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "eval", "--model", model.to_str().unwrap(), "--spikes", spikes.to_str().unwrap(),
    ///     "--window", "0,4", "--samples", "3",
    /// ]).unwrap();
    /// let mut out = Vec::new();
    /// cli.command.run(&mut out)?;
    /// let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    /// assert_eq!(v["samples_per_sequence"], 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, stdout: &mut dyn Write) -> Result<()> {
        let monte_carlo = self.compensator == CompensatorArg::MonteCarlo;
        if !monte_carlo && self.mc_points.is_some() {
            return Err(CliError::argument(
                "--mc-points",
                "applies to --compensator monte-carlo only",
            ));
        }
        if self.samples < 2 {
            return Err(CliError::argument(
                "--samples",
                format!(
                    "need at least 2 samples per sequence for a standard error, got {}",
                    self.samples
                ),
            ));
        }
        let compensator = if monte_carlo {
            let n_points = self.mc_points.unwrap_or(1000);
            if n_points == 0 {
                return Err(CliError::argument("--mc-points", "must be at least 1"));
            }
            // the seed is drawn afresh for every estimate (the points are part of its noise)
            CompensatorMethod::monte_carlo(n_points, 0)?
        } else {
            CompensatorMethod::default()
        };
        let p = load_model(&self.model)?;
        let named = |e: vi_train::ViError| CliError::Mismatch {
            reason: format!("{}: {e}", self.model.display()),
        };
        let model = match &self.variational {
            Some(path) => VariationalModel::separate(p, load_model(path)?).map_err(named)?,
            None => VariationalModel::shared(p).map_err(named)?,
        };
        let n_obs = model.p().n_obs();
        let label = self.input.label();
        let sequences = if self.neurons.is_given() {
            let picked = self.neurons.apply(&self.input.read(None)?, &label)?;
            let n = picked.first().map_or(0, EventSequence::dim);
            if n != n_obs {
                return Err(CliError::Mismatch {
                    reason: format!(
                        "{} picks {n} neurons of {label}; the model {} has {n_obs} observed \
                         neurons",
                        self.neurons.flag(),
                        self.model.display()
                    ),
                });
            }
            picked
        } else {
            let options = ReadOptions {
                csv_min_neurons: Some(n_obs),
                ..self.input.options()?
            };
            let trains = read_spikes(&self.input.spikes, &options)?;
            if trains.n_neurons() < n_obs {
                return Err(CliError::Mismatch {
                    reason: format!(
                        "{label}: the spike file has {} neurons (field `n_neurons`), but the \
                         model {} has {n_obs} observed neurons",
                        trains.n_neurons(),
                        self.model.display()
                    ),
                });
            }
            let (sequences, dropped) = observed_only(&trains, n_obs)?;
            if dropped > 0 {
                eprintln!(
                    "warning: {label}: dropped {dropped} spikes of neurons >= {n_obs} (the \
                     model's hidden neurons are inferred, not read; --observed i,j,... picks \
                     other neurons)"
                );
            }
            sequences
        };
        let report = evaluate(
            &model,
            &sequences,
            &EvalOptions {
                samples: self.samples,
                seed: self.seed,
                compensator,
            },
        )?;
        let output = EvalOutput {
            neg_elbo: MeanSe {
                mean: report.mean,
                se: report.se,
            },
            n_sequences: report.n_sequences(),
            per_sequence: report.per_sequence,
            samples_per_sequence: report.samples_per_sequence,
        };
        super::emit(self.out.as_ref(), stdout, |w| {
            serde_json::to_writer(&mut *w, &output)?;
            w.write_all(b"\n")
        })
    }
}
