//! `diffsnn eval`: the test negative ELBO of a trained model on held-out spike trains.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use pp_core::EventSequence;
use serde::Serialize;

use super::input::SpikeInput;
use super::load_model;
use super::loglik::Compensator as CompensatorArg;
use super::select::{NeuronSelection, first_neurons};
use super::windows::WindowSplit;
use crate::error::{CliError, Result};
use crate::io::{ReadOptions, read_spikes};
use pp_core::CompensatorMethod;
use vi_train::marginal::{IwaeOptions, SmcOptions, iwae_bound, marginal_log_likelihood};
use vi_train::vi::{EvalOptions, VariationalModel, evaluate};

/// The long help of `diffsnn eval` (shown by `--help`).
pub const LONG_ABOUT: &str = "Test metrics of a trained model with hidden neurons on held-out observed spikes \
                  (one JSON line: {\"method\", \"neg_elbo\" | \"neg_iwae\" | \
                  \"neg_log_likelihood\": {\"mean\", \"se\"}, \"per_sequence\", \
                  \"n_sequences\", ...}; docs/formats.md lists every key). --method elbo (the default, the \
                  reference's \"test loss\"): the negative ELBO, --samples hidden spike trains \
                  drawn from q by exact thinning given the observed spikes, -log p(O, H) + \
                  log q(H) averaged; a loose bound that can rank the data-generating model \
                  below a fitted one. --method iwae: the importance-weighted bound with K = \
                  --samples, averaged over --replicates. --method smc: the negative marginal \
                  log-likelihood -log p(O) by a particle filter (--particles, pooled over \
                  --runs independent runs; p-hat(O) is unbiased), with effective sample sizes \
                  and resampling counts: the honest metric to compare models. Only the model's \
                  observed neurons (0..n_obs, or --observed) are read from the spike file; \
                  spikes of other neurons are dropped with a warning. With --window-length each \
                  window is evaluated after a lead-in before it (--lead-in, by default the \
                  kernel support): hidden spikes sampled or filtered there but not scored, so \
                  that each window's metric is conditioned on the spikes before it. Standard \
                  errors are Monte Carlo errors of the mean over sequences. Deterministic for a \
                  seed, whatever the number of threads.";

/// The test metric on the command line.
///
/// ```
/// use clap::ValueEnum;
/// assert_eq!(diffsnn_cli::commands::eval::MethodArg::from_str("smc", false).unwrap(),
///     diffsnn_cli::commands::eval::MethodArg::Smc);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// The negative ELBO (the reference's test loss).
    Elbo,
    /// The negative importance-weighted bound with K = --samples.
    Iwae,
    /// The negative marginal log-likelihood by a particle filter.
    Smc,
}

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
    /// Cut every sequence into windows of `--window-length` seconds.
    #[command(flatten)]
    pub windows: WindowSplit,
    /// The first S seconds of every sequence (with --window-length, the S seconds before every
    /// window) are history only: hidden spikes sampled from q (elbo, iwae) or filtered (smc)
    /// but not scored, so that the metric is that of the rest given the spikes before it
    /// (default: the kernel support with --window-length and the quadrature compensator,
    /// else 0; 0 makes each window start from an empty history).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub lead_in: Option<f64>,
    /// The test metric.
    #[arg(long, value_enum, default_value_t = MethodArg::Elbo)]
    pub method: MethodArg,
    /// Hidden samples per sequence (elbo: at least 2) or per bound (iwae: K).
    #[arg(long, value_name = "k", default_value_t = 10)]
    pub samples: usize,
    /// Independent K-sample bounds per sequence (iwae only; default 4).
    #[arg(long, value_name = "r")]
    pub replicates: Option<usize>,
    /// Particles of the filter (smc only; default 1000).
    #[arg(long, value_name = "P")]
    pub particles: Option<usize>,
    /// Independent runs of the filter per sequence, pooled (smc only; default 4; at least 2
    /// for a standard error).
    #[arg(long, value_name = "R")]
    pub runs: Option<usize>,
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

/// The report printed by `diffsnn eval --method elbo`.
///
/// ```
/// let r = diffsnn_cli::commands::eval::EvalOutput { method: "elbo",
///     neg_elbo: diffsnn_cli::commands::eval::MeanSe { mean: 1.0, se: 0.5 },
///     per_sequence: vec![1.0], n_sequences: 1, samples_per_sequence: 4 };
/// assert_eq!(serde_json::to_string(&r).unwrap(),
///     r#"{"method":"elbo","neg_elbo":{"mean":1.0,"se":0.5},"per_sequence":[1.0],"n_sequences":1,"samples_per_sequence":4}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalOutput {
    /// `"elbo"`.
    pub method: &'static str,
    /// The test negative ELBO (mean over sequences) and its standard error.
    pub neg_elbo: MeanSe,
    /// Per sequence, the mean over its samples.
    pub per_sequence: Vec<f64>,
    /// Number of sequences.
    pub n_sequences: usize,
    /// Hidden samples per sequence.
    pub samples_per_sequence: usize,
}

/// A mean and its standard error, when there is one (`null` with a single replicate or run).
///
/// ```
/// let s = diffsnn_cli::commands::eval::MeanMaybeSe { mean: 1.5, se: None };
/// assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"mean":1.5,"se":null}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanMaybeSe {
    /// The mean.
    pub mean: f64,
    /// Its standard error.
    pub se: Option<f64>,
}

/// The report printed by `diffsnn eval --method iwae`.
///
/// ```
/// use diffsnn_cli::commands::eval::{IwaeOutput, MeanMaybeSe};
/// let r = IwaeOutput { method: "iwae", neg_iwae: MeanMaybeSe { mean: 2.0, se: Some(0.5) },
///     per_sequence: vec![2.0], per_sequence_se: None, n_sequences: 1, samples: 8, replicates: 1 };
/// assert!(serde_json::to_string(&r).unwrap().starts_with(r#"{"method":"iwae","neg_iwae":"#));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IwaeOutput {
    /// `"iwae"`.
    pub method: &'static str,
    /// `−L_K`, the mean over sequences, and its standard error.
    pub neg_iwae: MeanMaybeSe,
    /// Per sequence, `−L_K` averaged over the replicates.
    pub per_sequence: Vec<f64>,
    /// Per sequence, the standard error over the replicates (`null` with one replicate).
    pub per_sequence_se: Option<Vec<f64>>,
    /// Number of sequences.
    pub n_sequences: usize,
    /// `K`.
    pub samples: usize,
    /// Replicates per sequence.
    pub replicates: usize,
}

/// One sequence of `diffsnn eval --method smc`.
///
/// ```
/// let s = diffsnn_cli::commands::eval::SmcSequence { neg_log_likelihood: 3.0, se: None,
///     run_spread: None, ess_min: 12.5, ess_mean: 600.0, resamplings: 4 };
/// assert!(serde_json::to_string(&s).unwrap().contains(r#""resamplings":4"#));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SmcSequence {
    /// `−log p̂(O)` of the sequence (the runs pooled).
    pub neg_log_likelihood: f64,
    /// Its standard error (delta method over the runs; `null` with one run).
    pub se: Option<f64>,
    /// The standard deviation of the runs' `log p̂` (`null` with one run): above about 1 the
    /// runs disagree, the standard error understates, and more `--particles` are needed.
    pub run_spread: Option<f64>,
    /// The smallest effective sample size over the filter's steps (over the runs).
    pub ess_min: f64,
    /// The mean effective sample size.
    pub ess_mean: f64,
    /// Resamplings (over the runs).
    pub resamplings: usize,
}

/// The report printed by `diffsnn eval --method smc`.
///
/// ```
/// use diffsnn_cli::commands::eval::{MeanMaybeSe, SmcOutput};
/// let r = SmcOutput { method: "smc", neg_log_likelihood: MeanMaybeSe { mean: 3.0, se: None },
///     per_sequence: vec![], n_sequences: 0, particles: 1000, runs: 1 };
/// assert!(serde_json::to_string(&r).unwrap().starts_with(r#"{"method":"smc","neg_log_likelihood":"#));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmcOutput {
    /// `"smc"`.
    pub method: &'static str,
    /// `−log p̂(O)`, the mean over sequences, and its standard error.
    pub neg_log_likelihood: MeanMaybeSe,
    /// Per sequence: the estimate, its error and the filter's diagnostics.
    pub per_sequence: Vec<SmcSequence>,
    /// Number of sequences.
    pub n_sequences: usize,
    /// Particles per run.
    pub particles: usize,
    /// Runs per sequence.
    pub runs: usize,
}

impl EvalArgs {
    /// The flags of one method given with another are errors, as are sizes below their
    /// minimum.
    fn check_method_flags(&self) -> Result<()> {
        let only = |flag: &str, method: &str| {
            CliError::argument(flag, format!("applies to --method {method} only"))
        };
        if self.replicates.is_some() && self.method != MethodArg::Iwae {
            return Err(only("--replicates", "iwae"));
        }
        if self.particles.is_some() && self.method != MethodArg::Smc {
            return Err(only("--particles", "smc"));
        }
        if self.runs.is_some() && self.method != MethodArg::Smc {
            return Err(only("--runs", "smc"));
        }
        if self.method == MethodArg::Smc && self.variational.is_some() {
            return Err(CliError::argument(
                "--variational",
                "--method smc integrates the hidden neurons out under p: it uses no q",
            ));
        }
        match self.method {
            MethodArg::Elbo if self.samples < 2 => Err(CliError::argument(
                "--samples",
                format!(
                    "need at least 2 samples per sequence for a standard error, got {}",
                    self.samples
                ),
            )),
            MethodArg::Iwae if self.samples == 0 => {
                Err(CliError::argument("--samples", "K must be at least 1"))
            }
            _ => Ok(()),
        }
    }

    fn elbo(
        &self,
        model: &VariationalModel,
        sequences: &[EventSequence],
        compensator: CompensatorMethod,
        lead_in: f64,
    ) -> Result<String> {
        let report = evaluate(
            model,
            sequences,
            &EvalOptions {
                samples: self.samples,
                seed: self.seed,
                compensator,
                lead_in,
            },
        )?;
        let output = EvalOutput {
            method: "elbo",
            neg_elbo: MeanSe {
                mean: report.mean,
                se: report.se,
            },
            n_sequences: report.n_sequences(),
            per_sequence: report.per_sequence,
            samples_per_sequence: report.samples_per_sequence,
        };
        Ok(serde_json::to_string(&output).expect("a report serialises"))
    }

    fn iwae(
        &self,
        model: &VariationalModel,
        sequences: &[EventSequence],
        compensator: CompensatorMethod,
        lead_in: f64,
    ) -> Result<String> {
        let options = IwaeOptions {
            samples: self.samples,
            replicates: self.replicates.unwrap_or(4),
            seed: self.seed,
            compensator,
            lead_in,
        };
        options.check().map_err(|e| flag_error(e, "--replicates"))?;
        let r = iwae_bound(model, sequences, &options)?;
        let output = IwaeOutput {
            method: "iwae",
            neg_iwae: MeanMaybeSe {
                mean: r.mean,
                se: r.se,
            },
            n_sequences: r.n_sequences(),
            per_sequence: r.per_sequence,
            per_sequence_se: r.per_sequence_se,
            samples: r.samples,
            replicates: r.replicates,
        };
        Ok(serde_json::to_string(&output).expect("a report serialises"))
    }

    fn smc(
        &self,
        model: &snn_model::Snn,
        sequences: &[EventSequence],
        compensator: CompensatorMethod,
        lead_in: f64,
    ) -> Result<String> {
        let options = SmcOptions {
            particles: self.particles.unwrap_or(1000),
            runs: self.runs.unwrap_or(4),
            seed: self.seed,
            compensator,
            lead_in,
            ..SmcOptions::default()
        };
        options.check().map_err(|e| {
            flag_error(
                e,
                if options.particles == 0 {
                    "--particles"
                } else {
                    "--runs"
                },
            )
        })?;
        let r = marginal_log_likelihood(model, sequences, &options)?;
        let output = SmcOutput {
            method: "smc",
            neg_log_likelihood: MeanMaybeSe {
                mean: r.mean,
                se: r.se,
            },
            n_sequences: r.n_sequences(),
            per_sequence: r
                .per_sequence
                .iter()
                .map(|s| SmcSequence {
                    neg_log_likelihood: -s.log_p,
                    se: s.se,
                    run_spread: s.log_spread(),
                    ess_min: s.ess_min,
                    ess_mean: s.ess_mean,
                    resamplings: s.resamplings,
                })
                .collect(),
            particles: r.particles,
            runs: r.runs,
        };
        let spreads: Vec<f64> = output
            .per_sequence
            .iter()
            .filter_map(|s| s.run_spread)
            .collect();
        let disagree = spreads.iter().filter(|&&v| v > 1.0).count();
        if disagree > 0 {
            eprintln!(
                "warning: the filter's runs disagree by more than 1 in log p on {disagree} of {} \
                 sequences (largest spread {:.3}): the standard errors understate the error; \
                 use more --particles",
                spreads.len(),
                spreads.iter().copied().fold(0.0, f64::max)
            );
        }
        Ok(serde_json::to_string(&output).expect("a report serialises"))
    }

    /// The compensator the flags ask for, after checking that the flags of the method and
    /// of the compensator go together.
    fn compensator_method(&self) -> Result<CompensatorMethod> {
        if self.compensator == CompensatorArg::Quadrature && self.mc_points.is_some() {
            // the compensator's flags are checked before the method's
            return self.compensator.per_estimate(self.mc_points, 1000);
        }
        self.check_method_flags()?;
        self.compensator.per_estimate(self.mc_points, 1000)
    }

    /// The pair of `p` and `q` (the `--variational` model), or `q = p`; errors name the
    /// model by `--model`.
    ///
    /// ```
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "eval", "--model", "m.json", "--spikes", "s.json",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Eval(args) = cli.command else { unreachable!() };
    /// let no_hidden = snn_model::SnnBuilder::new(1, 0).check()?;
    /// assert!(args.model_pair(no_hidden, None).unwrap_err().to_string().starts_with("m.json: "));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn model_pair(
        &self,
        p: snn_model::Snn,
        q: Option<snn_model::Snn>,
    ) -> Result<VariationalModel> {
        let named = |e: vi_train::ViError| CliError::Mismatch {
            reason: format!("{}: {e}", self.model.display()),
        };
        match q {
            Some(q) => VariationalModel::separate(p, q).map_err(named),
            None => VariationalModel::shared(p).map_err(named),
        }
    }

    /// The report (one line of JSON, as `run` writes it) of `model` on observed `sequences`
    /// (cut with `--window-length` first): what `run` does after reading its files.
    ///
    /// ```
    /// use clap::Parser;
    /// use pp_core::{EventSequence, Window};
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "eval", "--model", "m.json", "--spikes", "s.json", "--samples", "3",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Eval(args) = cli.command else { unreachable!() };
    /// let model = args.model_pair(snn_model::SnnBuilder::new(1, 1).check()?, None)?;
    /// let seq = EventSequence::new(Window::new(0.0, 4.0)?, 1, vec![0.5, 1.5], vec![0, 0])?;
    /// let v: serde_json::Value = serde_json::from_str(&args.report(&model, vec![seq])?).unwrap();
    /// assert_eq!((v["method"].as_str(), v["samples_per_sequence"].as_u64()), (Some("elbo"), Some(3)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn report(
        &self,
        model: &VariationalModel,
        sequences: Vec<EventSequence>,
    ) -> Result<String> {
        let compensator = self.compensator_method()?;
        let quadrature = self.compensator == CompensatorArg::Quadrature;
        let support = model.p().basis().support();
        let (sequences, lead) = self.windows.apply_with_lead_in(
            sequences,
            self.lead_in,
            support,
            quadrature,
            "evaluated",
        )?;
        match self.method {
            MethodArg::Elbo => self.elbo(model, &sequences, compensator, lead),
            MethodArg::Iwae => self.iwae(model, &sequences, compensator, lead),
            MethodArg::Smc => self.smc(model.p(), &sequences, compensator, lead),
        }
    }

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
        self.compensator_method()?;
        let p = load_model(&self.model)?;
        let q = match &self.variational {
            Some(path) => Some(load_model(path)?),
            None => None,
        };
        let model = self.model_pair(p, q)?;
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
            let (sequences, dropped) = first_neurons(trains.sequences(), n_obs)?;
            if dropped > 0 {
                eprintln!(
                    "warning: {label}: dropped {dropped} spikes of neurons >= {n_obs} (the \
                     model's hidden neurons are inferred, not read; --observed i,j,... picks \
                     other neurons)"
                );
            }
            sequences
        };
        let output = self.report(&model, sequences)?;
        super::emit(self.out.as_ref(), stdout, |w| {
            w.write_all(output.as_bytes())?;
            w.write_all(b"\n")
        })
    }
}

/// A settings error of vi-train with the flag that set it.
fn flag_error(e: vi_train::ViError, flag: &str) -> CliError {
    match e {
        vi_train::ViError::InvalidArgument { reason, .. } => CliError::argument(flag, reason),
        other => other.into(),
    }
}
