//! `diffsnn fit`: variational training of an SNN with hidden neurons on observed spike trains.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pp_core::EventSequence;
use serde::Serialize;
use serde_json::{Map, Value, json};
use snn_model::Snn;

use vi_train::ViError;
use vi_train::vi::{
    Baseline, EarlyStop, EpochRecord, Estimator, ObjectiveOptions, OptimizerKind, StepScheme,
    TemperatureSchedule, TrainConfig, Trainer, VariationalModel, loss_csv_string,
};

use super::input::SpikeInput;
use super::load_model;
use super::loglik::Compensator as CompensatorArg;
use super::select::NeuronSelection;
use super::windows::WindowSplit;
use crate::checkpoint::{Checkpoint, DataSummary};
use crate::error::{CliError, Result};
use crate::io::{ReadOptions, read_spikes};
use crate::progress::{Checkpoints, FitObserver, RunIdentity, write_text};

/// The gradient estimator on the command line.
///
/// ```
/// use clap::ValueEnum;
/// assert_eq!(diffsnn_cli::commands::fit::EstimatorArg::from_str("score", false).unwrap(),
///     diffsnn_cli::commands::fit::EstimatorArg::Score);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EstimatorArg {
    /// Path-wise gradients through soft ∂PP samples (the ∂SNN).
    Pathwise,
    /// Score-function (REINFORCE) gradients with hard samples (the reference's baseline).
    Score,
}

/// The optimiser on the command line.
///
/// ```
/// use clap::ValueEnum;
/// assert!(diffsnn_cli::commands::fit::OptimizerArg::from_str("adam", false).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OptimizerArg {
    /// Adagrad (the reference).
    Adagrad,
    /// Adam.
    Adam,
    /// Plain gradient descent.
    Sgd,
}

/// The update scheme on the command line.
///
/// ```
/// use clap::ValueEnum;
/// assert!(diffsnn_cli::commands::fit::StepArg::from_str("joint", false).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StepArg {
    /// E step then M step per sequence, each with its own sample (the reference).
    Em,
    /// One joint step per sequence.
    Joint,
}

/// The score-function baseline on the command line.
///
/// ```
/// use clap::ValueEnum;
/// assert!(diffsnn_cli::commands::fit::BaselineArg::from_str("running-mean", false).is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BaselineArg {
    /// No baseline (the reference).
    None,
    /// A running mean of `f` (see `--baseline-decay`).
    RunningMean,
}

/// The long help of `diffsnn fit` (shown by `--help`).
pub const LONG_ABOUT: &str = "Variational training (docs/math.md §6) of a spiking neural network with hidden \
                  neurons. Every neuron of the spike file is observed (or those chosen with \
                  --observed / --n-observed); --hidden H hidden neurons are added after them \
                  (--hidden 0: maximum likelihood of the fully observed network, exact \
                  gradient, one full-batch step per epoch, no --estimator). The initial model is drawn at random from --seed as the \
                  reference initialises it (weights U(-5, 5), diagonal U(-5, -0.1), biases \
                  U(-1, 1)); --epochs 0 writes it unchanged. Per sequence, an E step and an M \
                  step (each with its own sample) update the shared parameters of p and q with \
                  Adagrad (lr 0.05); the temperature starts at 0.3 and is multiplied by 0.95 \
                  after each epoch; the refractory clamp (self-weights <= -0.1) follows every \
                  step. The loss of each epoch is printed on standard error and, with \
                  --loss-csv, written as CSV (epoch,loss,temperature,seconds). With \
                  --checkpoint-every n, the model and the run's state are saved every n epochs; \
                  --resume STATE.json continues a saved run (same settings and data, checked) \
                  up to --epochs in all. A run with the same seed gives the same model bits for \
                  any number of threads, and a resumed run the same bits as one never \
                  interrupted.";

/// Arguments of `diffsnn fit`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "4", "--estimator", "pathwise",
///     "--epochs", "3", "--out", "m.json",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
/// assert_eq!((args.hidden, args.epochs, args.lr), (4, 3, 0.05));
/// ```
#[derive(Debug, Clone, Args)]
pub struct FitArgs {
    /// The spike file (`--spikes`, `--window`, `--allow-empty-sequences`).
    #[command(flatten)]
    pub input: SpikeInput,
    /// Which neurons of the spike file are observed (default: all of them).
    #[command(flatten)]
    pub neurons: NeuronSelection,
    /// Cut every sequence into windows of `--window-length` seconds.
    #[command(flatten)]
    pub windows: WindowSplit,
    /// The first S seconds of every training sequence (with --window-length, the S seconds
    /// before every window) are sampled but not scored: what is scored is conditioned on the
    /// spikes before it (default: the kernel support with --window-length and the quadrature
    /// compensator, else 0; 0 makes each window start from an empty history).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub lead_in: Option<f64>,
    /// Number of hidden neurons to add; 0 fits the fully observed network by maximum
    /// likelihood (exact gradient, one full-batch step per epoch).
    #[arg(long, value_name = "H")]
    pub hidden: usize,
    /// The gradient estimator (required with hidden neurons; not with --hidden 0).
    #[arg(long, value_enum)]
    pub estimator: Option<EstimatorArg>,
    /// Number of epochs of the run (0 writes the initial model); with --resume, the total
    /// including the epochs already done.
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// Seed of the initial model and of every sample.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Learning rate.
    #[arg(long, default_value_t = 0.05, allow_negative_numbers = true)]
    pub lr: f64,
    /// Optimiser.
    #[arg(long, value_enum, default_value_t = OptimizerArg::Adagrad)]
    pub optimizer: OptimizerArg,
    /// Initial temperature of the ∂PP (path-wise).
    #[arg(long, default_value_t = 0.3, allow_negative_numbers = true)]
    pub temperature: f64,
    /// Factor applied to the temperature after each epoch.
    #[arg(long, default_value_t = 0.95, allow_negative_numbers = true)]
    pub temperature_decay: f64,
    /// How the compensators are computed.
    #[arg(long, value_enum, default_value_t = CompensatorArg::Quadrature)]
    pub compensator: CompensatorArg,
    /// Monte Carlo points per estimate (monte-carlo only; the reference's 100).
    #[arg(long, value_name = "n")]
    pub mc_points: Option<usize>,
    /// E/M steps (the reference) or one joint step per sequence.
    #[arg(long, value_enum, default_value_t = StepArg::Em)]
    pub step: StepArg,
    /// Sequences per update; a mini-batch is computed on all cores.
    #[arg(long, default_value_t = 1)]
    pub batch_size: usize,
    /// Visit the sequences in a new random order each epoch.
    #[arg(long)]
    pub shuffle: bool,
    /// Weight β of log q in the loss.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub beta: f64,
    /// Weight of the regulariser ‖M ⊙ W‖_F (0 switches it off).
    #[arg(long, default_value_t = 0.1, allow_negative_numbers = true)]
    pub regularisation: f64,
    /// Baseline of the score-function estimator.
    #[arg(long, value_enum, default_value_t = BaselineArg::None)]
    pub baseline: BaselineArg,
    /// Decay of the running-mean baseline.
    #[arg(long, default_value_t = 0.9, allow_negative_numbers = true)]
    pub baseline_decay: f64,
    /// Amplitude a of the sigmoid activation of the new model.
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    pub amplitude: f64,
    /// Number K of Epanechnikov basis functions (centres evenly spaced on [0, 10], scale 1).
    #[arg(long, default_value_t = 2)]
    pub n_basis: usize,
    /// Start from this model (srm-snn/v1) instead of a random one; its observed neurons must
    /// match the spike file and its hidden neurons --hidden.
    #[arg(long, value_name = "M0.json")]
    pub init: Option<PathBuf>,
    /// Give q its own parameters (default: q = p, the reference's setting); q is written to
    /// `<out stem>.q.json`.
    #[arg(long)]
    pub separate_variational: bool,
    /// Stop when the epoch loss has not improved for this many epochs.
    #[arg(long, value_name = "n")]
    pub patience: Option<usize>,
    /// Write the trained model here (srm-snn/v1).
    #[arg(long, value_name = "M.json")]
    pub out: PathBuf,
    /// Write the loss curve (epoch,loss,temperature,seconds) here.
    #[arg(long, value_name = "F.csv")]
    pub loss_csv: Option<PathBuf>,
    /// Every n epochs write the model to `<out stem>.epoch<e>.json` and the run's state, from
    /// which --resume continues it exactly, to `<out stem>.epoch<e>.state.json`.
    #[arg(long, value_name = "n")]
    pub checkpoint_every: Option<usize>,
    /// Continue the run saved in this state checkpoint (`<stem>.epoch<e>.state.json`) up to
    /// --epochs epochs in all: same settings and data (checked), same bits as a run that was
    /// never interrupted.
    #[arg(long, value_name = "STATE.json", conflicts_with = "init")]
    pub resume: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// The summary `diffsnn fit` prints on standard output.
///
/// ```
/// let s = diffsnn_cli::commands::fit::FitSummary { epochs: 0, final_loss: None, stopped_early: false,
///     n_obs: 2, n_hidden: 1, estimator: "score" };
/// assert!(serde_json::to_string(&s).unwrap().contains("\"final_loss\":null"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitSummary {
    /// Epochs done (with --resume, including those of the saved run).
    pub epochs: usize,
    /// The last epoch's training loss.
    pub final_loss: Option<f64>,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Observed neurons.
    pub n_obs: usize,
    /// Hidden neurons.
    pub n_hidden: usize,
    /// `pathwise`, `score`, or `mle` (`--hidden 0`).
    pub estimator: &'static str,
}

/// The directory of `path` must exist (checked before training, so that a long run is not
/// lost at the end).
fn check_parent(path: &Path, name: &str) -> Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        return Err(CliError::argument(
            name,
            format!("the directory {} does not exist", dir.display()),
        ));
    }
    Ok(())
}

/// `<dir>/<stem>.q.json` for `<dir>/<stem>.json`.
///
/// ```
/// assert_eq!(diffsnn_cli::commands::fit::q_path(std::path::Path::new("a/m.json")),
///     std::path::PathBuf::from("a/m.q.json"));
/// ```
pub fn q_path(out: &Path) -> PathBuf {
    let stem = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    out.with_file_name(format!("{stem}.q.json"))
}

/// The random initial network: the reference's initialisation from `seed` (the model
/// `diffsnn init --observed n_obs --hidden n_hidden --amplitude amplitude --n-basis n_basis
/// --seed seed` writes).
///
/// ```
/// let a = diffsnn_cli::commands::fit::initial_model(2, 1, 5.0, 2, 7)?;
/// assert_eq!(a, diffsnn_cli::commands::fit::initial_model(2, 1, 5.0, 2, 7)?);
/// assert!(a.weight(0, 0, 0) <= -0.1);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn initial_model(
    n_obs: usize,
    n_hidden: usize,
    amplitude: f64,
    n_basis: usize,
    seed: u64,
) -> Result<Snn> {
    super::init::InitArgs {
        observed: n_obs,
        hidden: n_hidden,
        activation: super::init::ActivationArg::Sigmoid,
        amplitude,
        basis: super::init::BasisArg::Epanechnikov,
        n_basis,
        basis_end: 10.0,
        basis_scale: 1.0,
        init: super::init::InitArg::Random,
        seed,
        out: PathBuf::new(),
    }
    .model()
}

/// The command-line name of a value of a clap enum.
fn value_name<T: ValueEnum>(v: &T) -> Value {
    Value::from(
        v.to_possible_value()
            .map_or_else(String::new, |p| p.get_name().to_string()),
    )
}

impl FitArgs {
    /// Every setting that shapes the run, flag name → value: what a resumed run must repeat.
    /// Only `--epochs`, the outputs (`--out`, `--loss-csv`, `--checkpoint-every`), `--quiet`,
    /// `--init` (the checkpoint holds the model) and `--resume` itself may differ.
    ///
    /// ```
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "2", "--estimator", "pathwise",
    ///     "--out", "m.json", "--lr", "0.1",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
    /// let s = args.settings();
    /// assert_eq!((s["--lr"].as_f64(), s["--estimator"].as_str()), (Some(0.1), Some("pathwise")));
    /// assert!(!s.contains_key("--epochs") && !s.contains_key("--out"));
    /// ```
    pub fn settings(&self) -> Map<String, Value> {
        let entries = [
            ("--window", json!(self.input.window.map(|(a, b)| [a, b]))),
            ("--observed", json!(self.neurons.observed)),
            ("--n-observed", json!(self.neurons.n_observed)),
            ("--window-length", json!(self.windows.window_length)),
            ("--lead-in", json!(self.lead_in)),
            (
                "--allow-empty-sequences",
                json!(self.input.allow_empty_sequences),
            ),
            ("--hidden", json!(self.hidden)),
            (
                "--estimator",
                self.estimator.map_or(Value::Null, |e| value_name(&e)),
            ),
            ("--seed", json!(self.seed)),
            ("--lr", json!(self.lr)),
            ("--optimizer", value_name(&self.optimizer)),
            ("--temperature", json!(self.temperature)),
            ("--temperature-decay", json!(self.temperature_decay)),
            ("--compensator", value_name(&self.compensator)),
            ("--mc-points", json!(self.mc_points)),
            ("--step", value_name(&self.step)),
            ("--batch-size", json!(self.batch_size)),
            ("--shuffle", json!(self.shuffle)),
            ("--beta", json!(self.beta)),
            ("--regularisation", json!(self.regularisation)),
            ("--baseline", value_name(&self.baseline)),
            ("--baseline-decay", json!(self.baseline_decay)),
            ("--amplitude", json!(self.amplitude)),
            ("--n-basis", json!(self.n_basis)),
            ("--separate-variational", json!(self.separate_variational)),
            ("--patience", json!(self.patience)),
        ];
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    /// The training configuration these settings describe, every setting checked (errors
    /// name the flag). For variational training (`--hidden` ≥ 1).
    ///
    /// ```
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "1", "--estimator", "score",
    ///     "--out", "m.json", "--lr", "-1",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
    /// assert_eq!(args.config().unwrap_err().to_string(), "--lr: must be finite and positive, got -1");
    /// ```
    pub fn config(&self) -> Result<TrainConfig> {
        let compensator = self.compensator.per_estimate(self.mc_points, 100)?;
        let estimator = self.estimator.ok_or_else(|| {
            CliError::argument(
                "--estimator",
                "is required with hidden neurons: pathwise (the ∂SNN) or score (REINFORCE)",
            )
        })?;
        if self.baseline == BaselineArg::RunningMean && estimator != EstimatorArg::Score {
            return Err(CliError::argument(
                "--baseline",
                "applies to --estimator score only",
            ));
        }
        let config = TrainConfig {
            epochs: self.epochs,
            estimator: match estimator {
                EstimatorArg::Pathwise => Estimator::Pathwise,
                EstimatorArg::Score => Estimator::Score,
            },
            scheme: match self.step {
                StepArg::Em => StepScheme::ExpectationMaximisation,
                StepArg::Joint => StepScheme::Joint,
            },
            optimizer: match self.optimizer {
                OptimizerArg::Adagrad => OptimizerKind::Adagrad,
                OptimizerArg::Adam => OptimizerKind::Adam,
                OptimizerArg::Sgd => OptimizerKind::Sgd,
            },
            learning_rate: self.lr,
            temperature: TemperatureSchedule {
                initial: self.temperature,
                decay: self.temperature_decay,
            },
            batch_size: self.batch_size,
            seed: self.seed,
            objective: ObjectiveOptions {
                beta: self.beta,
                regularisation: self.regularisation,
                compensator,
                ..ObjectiveOptions::default()
            },
            baseline: match self.baseline {
                BaselineArg::None => Baseline::None,
                BaselineArg::RunningMean => Baseline::RunningMean {
                    decay: self.baseline_decay,
                },
            },
            early_stop: self.patience.map(|patience| EarlyStop {
                patience,
                min_delta: 0.0,
            }),
            shuffle: self.shuffle,
            ..TrainConfig::default()
        };
        config.check().map_err(|e| match e {
            ViError::InvalidArgument { name, reason } => CliError::argument(
                match name.as_str() {
                    "learning rate" => "--lr".to_string(),
                    "temperature" => "--temperature".to_string(),
                    "temperature decay" => "--temperature-decay".to_string(),
                    "batch size" => "--batch-size".to_string(),
                    "baseline decay" => "--baseline-decay".to_string(),
                    "beta" => "--beta".to_string(),
                    "regularisation" => "--regularisation".to_string(),
                    _ => name,
                },
                reason,
            ),
            other => other.into(),
        })?;
        Ok(config)
    }

    /// The model `p` a new run on `n_obs` observed neurons starts from: `init` (a model and
    /// the name it goes by in messages), checked against the data and `--hidden`, or the
    /// reference's random initialisation from `--seed`, `--amplitude` and `--n-basis`.
    ///
    /// ```
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "1", "--estimator", "score",
    ///     "--out", "m.json", "--seed", "7",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
    /// let p = args.initial_p(2, None)?;
    /// assert_eq!(p, diffsnn_cli::commands::fit::initial_model(2, 1, 5.0, 2, 7)?);
    /// let wrong = snn_model::SnnBuilder::new(3, 1).check()?;
    /// assert!(args.initial_p(2, Some((wrong, "m0.json".into()))).unwrap_err().to_string()
    ///     .starts_with("m0.json: the initial model has 3 observed and 1 hidden neurons"));
    /// # Ok::<(), diffsnn_cli::CliError>(())
    /// ```
    pub fn initial_p(&self, n_obs: usize, init: Option<(Snn, String)>) -> Result<Snn> {
        match init {
            Some((m, label)) => {
                if m.n_obs() != n_obs || m.n_hidden() != self.hidden {
                    return Err(CliError::Mismatch {
                        reason: format!(
                            "{label}: the initial model has {} observed and {} hidden neurons; \
                             the spike file {} has {n_obs} observed neurons and --hidden is {}",
                            m.n_obs(),
                            m.n_hidden(),
                            self.input.spikes.display(),
                            self.hidden
                        ),
                    });
                }
                let mut projected = m.clone();
                projected.project();
                let clamped = m
                    .weights()
                    .iter()
                    .zip(projected.weights())
                    .filter(|(a, b)| a != b)
                    .count();
                if clamped > 0 {
                    eprintln!(
                        "note: {label}: {clamped} self-weight{} above the refractory bound \
                         lowered to it before training (the constraint every step keeps)",
                        if clamped == 1 { "" } else { "s" }
                    );
                }
                Ok(projected)
            }
            None => initial_model(n_obs, self.hidden, self.amplitude, self.n_basis, self.seed),
        }
    }

    /// The model pair of variational training from `p`: `q = p` (the reference), or with
    /// `--separate-variational` a `q` of its own drawn from `--seed` + 1.
    ///
    /// ```
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "1", "--estimator", "score",
    ///     "--out", "m.json", "--separate-variational",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
    /// let m = args.variational_model(args.initial_p(2, None)?)?;
    /// assert!(!m.is_shared());
    /// # Ok::<(), diffsnn_cli::CliError>(())
    /// ```
    pub fn variational_model(&self, p: Snn) -> Result<VariationalModel> {
        Ok(if self.separate_variational {
            let q = initial_model(
                p.n_obs(),
                self.hidden,
                p.activation().bound().unwrap_or(self.amplitude),
                p.n_basis(),
                self.seed.wrapping_add(1),
            )?;
            VariationalModel::separate(p, q)?
        } else {
            VariationalModel::shared(p)?
        })
    }

    /// The checks of the settings of a new model and of the outputs' cadence, made before
    /// anything is read: `--amplitude`, `--n-basis`, `--checkpoint-every`.
    ///
    /// ```
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "1", "--out", "m.json",
    ///     "--n-basis", "0",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
    /// assert_eq!(args.check_settings().unwrap_err().to_string(), "--n-basis: must be at least 1");
    /// ```
    pub fn check_settings(&self) -> Result<()> {
        if !(self.amplitude.is_finite() && self.amplitude > 0.0) {
            return Err(CliError::argument(
                "--amplitude",
                format!("must be finite and positive, got {}", self.amplitude),
            ));
        }
        if self.n_basis == 0 {
            return Err(CliError::argument("--n-basis", "must be at least 1"));
        }
        if self.hidden == 0 && self.lead_in.is_some() {
            return Err(CliError::argument(
                "--lead-in",
                "applies to hidden neurons (with --hidden 0 every window is conditioned on the \
                 spikes before it exactly)",
            ));
        }
        if self.checkpoint_every == Some(0) {
            return Err(CliError::argument(
                "--checkpoint-every",
                "must be at least 1",
            ));
        }
        Ok(())
    }

    /// The directories of `--out` and `--loss-csv` exist (checked before training, so that a
    /// long run is not lost at the end).
    ///
    /// ```
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "1", "--out", "no/such/dir/m.json",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
    /// assert!(args.check_outputs().unwrap_err().to_string().starts_with("--out: the directory"));
    /// ```
    pub fn check_outputs(&self) -> Result<()> {
        check_parent(&self.out, "--out")?;
        if let Some(p) = &self.loss_csv {
            check_parent(p, "--loss-csv")?;
        }
        Ok(())
    }

    /// Writes the trained `p` to `--out` and, when `q` has its own parameters, `q` to
    /// `<out stem>.q.json`, each atomically.
    ///
    /// ```
    /// use clap::Parser;
    /// let dir = tempfile::tempdir().unwrap();
    /// let out = dir.path().join("m.json");
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "1", "--separate-variational",
    ///     "--out", out.to_str().unwrap(),
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
    /// args.write_models(&args.variational_model(args.initial_p(2, None)?)?)?;
    /// assert!(out.exists() && dir.path().join("m.q.json").exists());
    /// # Ok::<(), diffsnn_cli::CliError>(())
    /// ```
    pub fn write_models(&self, model: &VariationalModel) -> Result<()> {
        write_text(&self.out, &model.p().to_json_string()?)?;
        if !model.is_shared() {
            write_text(&q_path(&self.out), &model.q().to_json_string()?)?;
        }
        Ok(())
    }

    /// The observer of a run over `n_sequences` sequences after the `earlier` epochs (of a
    /// resumed run): the loss CSV is written at once with those epochs, so that a run of no
    /// epochs (or one that fails) leaves a valid file; progress as `--quiet` says; checkpoints
    /// every `--checkpoint-every` epochs, marked with the run's `identity` (computed only then).
    pub fn start_observer(
        &self,
        n_sequences: usize,
        earlier: &[EpochRecord],
        identity: impl FnOnce() -> RunIdentity,
    ) -> Result<FitObserver> {
        if let Some(path) = &self.loss_csv {
            write_text(path, &loss_csv_string(earlier))?;
        }
        let checkpoints = self.checkpoint_every.map(|every| {
            (
                Checkpoints {
                    every,
                    path: self.out.clone(),
                },
                identity(),
            )
        });
        Ok(FitObserver::new(
            self.epochs,
            n_sequences,
            !self.quiet,
            self.loss_csv.clone(),
            checkpoints,
        )
        .with_earlier_records(earlier))
    }

    /// The trainer of the run `saved` in the state checkpoint `path`, after checking that this
    /// run (`identity`: its settings and data) continues it.
    pub fn resumed_trainer(
        &self,
        saved: Checkpoint,
        path: &Path,
        identity: &RunIdentity,
        config: TrainConfig,
    ) -> Result<Trainer> {
        let label = path.display().to_string();
        saved.check_continues(&identity.settings, &identity.data, &label)?;
        if saved.state.epoch > self.epochs {
            return Err(CliError::argument(
                "--epochs",
                format!(
                    "is the total of the run and {label} has done {} epochs already; give at \
                     least {}",
                    saved.state.epoch, saved.state.epoch
                ),
            ));
        }
        Trainer::resume(saved.model, config, saved.state).map_err(|e| CliError::Mismatch {
            reason: format!("{label}: {e}"),
        })
    }

    /// The trainer of a variational run (`config` from [`config`](Self::config)) on the observed
    /// sequences `data`, the sequences it trains on (cut with `--window-length`, see
    /// [`training_windows`](Self::training_windows)) and the run's identity: a new run from
    /// `init` (or the random initial model), or the run saved in `--resume`, checked to be
    /// continued by this one. What `diffsnn fit` and the Python package's `fit` both do.
    pub fn variational_run(
        &self,
        config: TrainConfig,
        data: Vec<EventSequence>,
        init: Option<(Snn, String)>,
    ) -> Result<(Trainer, Vec<EventSequence>, RunIdentity)> {
        let n_obs = data.first().map_or(0, EventSequence::dim);
        let start = match &self.resume {
            Some(path) => Start::Resume(Box::new(Checkpoint::read(path)?), path),
            None => Start::Fresh(Box::new(
                self.variational_model(self.initial_p(n_obs, init)?)?,
            )),
        };
        let (data, lead_in) = self.training_windows(data, start.model())?;
        let config = TrainConfig {
            objective: ObjectiveOptions {
                lead_in,
                ..config.objective
            },
            ..config
        };
        let identity = RunIdentity {
            settings: self.settings(),
            data: DataSummary::of(&data),
        };
        let trainer = match start {
            Start::Resume(saved, path) => self.resumed_trainer(*saved, path, &identity, config)?,
            Start::Fresh(model) => Trainer::new(*model, config)?,
        };
        Ok((trainer, data, identity))
    }

    /// The training sequences and the lead-in of each (`ObjectiveOptions::lead_in`): the first
    /// `--lead-in` seconds of every training sequence are sampled but not scored, so that what
    /// is scored is conditioned on the spikes before it. Without `--window-length` the
    /// sequences as read; with it, windows of `L` seconds, each extended back by the lead-in
    /// (the first window's own first seconds serve as its lead-in). The default lead-in is
    /// `model`'s kernel support on windows with the quadrature compensator, none otherwise
    /// (Monte Carlo points cover a whole sequence: a lead-in is refused with them). Said on
    /// standard error.
    fn training_windows(
        &self,
        data: Vec<EventSequence>,
        model: &VariationalModel,
    ) -> Result<(Vec<EventSequence>, f64)> {
        let quadrature = self.compensator == CompensatorArg::Quadrature;
        let support = model.p().basis().support();
        self.windows
            .apply_with_lead_in(data, self.lead_in, support, quadrature, "trained on")
    }

    /// Reads and checks everything, trains, and writes the model (atomically; with
    /// `--separate-variational` also `q`). Prints a one-line JSON summary on `stdout`.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let spikes = dir.path().join("s.csv");
    /// std::fs::write(&spikes, "sequence,time,neuron\n0,0.5,0\n0,1.5,1\n0,3.0,0\n").unwrap();
    /// let out = dir.path().join("m.json");
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", spikes.to_str().unwrap(), "--window", "0,5", "--hidden", "1",
    ///     "--estimator", "score", "--epochs", "1", "--quiet", "--out", out.to_str().unwrap(),
    /// ]).unwrap();
    /// cli.command.run(&mut std::io::sink())?;
    /// let m = snn_model::Snn::read_json(&out)?;
    /// assert_eq!((m.n_obs(), m.n_hidden()), (2, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, stdout: &mut dyn Write) -> Result<()> {
        self.check_settings()?;
        let config = if self.hidden == 0 {
            None
        } else {
            Some(self.config()?)
        };
        self.check_outputs()?;
        let options = ReadOptions {
            require_every_neuron: !self.neurons.is_given(),
            ..self.input.options()?
        };
        let trains = read_spikes(&self.input.spikes, &options)?;
        let data = self.neurons.apply(&trains, &self.input.label())?;
        let Some(config) = config else {
            return super::mle::fit_fully_observed(self, &data, stdout);
        };
        let init = match &self.init {
            Some(path) => Some((load_model(path)?, path.display().to_string())),
            None => None,
        };
        let n_obs = data.first().map_or(0, EventSequence::dim);
        let (mut trainer, data, identity) = self.variational_run(config, data, init)?;
        let mut observer =
            self.start_observer(data.len(), &trainer.state().records, || identity)?;
        let report = trainer.fit_observed(&data, &mut observer);
        observer.finish();
        let report = report?;
        let epochs_done = trainer.state().epoch;
        let model = trainer.into_model();
        self.write_models(&model)?;
        let summary = FitSummary {
            epochs: epochs_done,
            final_loss: observer.records().last().map(|r| r.loss),
            stopped_early: report.stopped_early,
            n_obs,
            n_hidden: self.hidden,
            estimator: match self.estimator {
                Some(EstimatorArg::Pathwise) => "pathwise",
                _ => "score",
            },
        };
        serde_json::to_writer(&mut *stdout, &summary)
            .map_err(|e| CliError::io("(standard output)", e.into()))?;
        stdout
            .write_all(b"\n")
            .map_err(|e| CliError::io("(standard output)", e))
    }
}

/// Where a run starts: a new model, or a saved run (its checkpoint and path).
enum Start<'a> {
    Fresh(Box<VariationalModel>),
    Resume(Box<Checkpoint>, &'a Path),
}

impl Start<'_> {
    fn model(&self) -> &VariationalModel {
        match self {
            Start::Fresh(m) => m,
            Start::Resume(saved, _) => &saved.model,
        }
    }
}
