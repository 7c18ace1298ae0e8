//! `diffsnn init`: a new model file, so that nobody has to write `[K][N][N]` JSON by hand.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use snn_model::{Activation, Basis, Snn, SnnBuilder};

use crate::error::{CliError, Result};
use crate::progress::write_text;

/// The long help of `diffsnn init`.
pub const LONG_ABOUT: &str = "Write a new model file (srm-snn/v1) with --observed N observed and \
    --hidden H hidden neurons, the basis and activation given by the options, and parameters \
    drawn as the reference initialises them (--init random: weights U(-5, 5), self-weights \
    U(-5, -0.1), biases U(-1, 1), from --seed) or all zero (--init zero; self-weights at the \
    refractory bound -0.1). The file can be edited, given to `simulate`, or to `fit --init`.";

/// The parameters of the new model.
///
/// ```
/// use clap::ValueEnum;
/// assert_eq!(diffsnn_cli::commands::init::InitArg::from_str("zero", false).unwrap(),
///     diffsnn_cli::commands::init::InitArg::Zero);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InitArg {
    /// Drawn as the reference initialises them (from --seed).
    Random,
    /// Biases and weights 0 (self-weights at the refractory bound −0.1).
    Zero,
}

/// The activation on the command line.
///
/// ```
/// use clap::ValueEnum;
/// assert_eq!(diffsnn_cli::commands::init::ActivationArg::from_str("exp", false).unwrap(),
///     diffsnn_cli::commands::init::ActivationArg::Exp);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ActivationArg {
    /// `a σ(u)` (the reference's).
    Sigmoid,
    /// `exp(u)` (no bound: simulation only, not variational training).
    Exp,
    /// `clamp(u, 0, a) + 1e-8`.
    Hardtanh,
}

/// The basis on the command line.
///
/// ```
/// use clap::ValueEnum;
/// assert_eq!(diffsnn_cli::commands::init::BasisArg::from_str("alpha", false).unwrap(),
///     diffsnn_cli::commands::init::BasisArg::Alpha);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BasisArg {
    /// K Epanechnikov bumps, centres evenly spaced on [0, --basis-end], scale --basis-scale.
    Epanechnikov,
    /// K exponential kernels, time constants evenly spaced on [--basis-scale, --basis-end].
    Exponential,
    /// K alpha kernels, time constants evenly spaced on [--basis-scale, --basis-end].
    Alpha,
}

/// Arguments of `diffsnn init`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "init", "--observed", "3", "--hidden", "2", "--out", "m.json",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Init(args) = cli.command else { unreachable!() };
/// assert_eq!((args.observed, args.hidden, args.n_basis), (3, 2, 2));
/// ```
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// Number of observed neurons (at least 1).
    #[arg(long, value_name = "N")]
    pub observed: usize,
    /// Number of hidden neurons.
    #[arg(long, value_name = "H", default_value_t = 0)]
    pub hidden: usize,
    /// The activation.
    #[arg(long, value_enum, default_value_t = ActivationArg::Sigmoid)]
    pub activation: ActivationArg,
    /// Amplitude a of the sigmoid or hardtanh activation.
    #[arg(long, default_value_t = 5.0, allow_negative_numbers = true)]
    pub amplitude: f64,
    /// The kind of basis functions of the filters.
    #[arg(long, value_enum, default_value_t = BasisArg::Epanechnikov)]
    pub basis: BasisArg,
    /// Number K of basis functions.
    #[arg(long, default_value_t = 2)]
    pub n_basis: usize,
    /// Epanechnikov: the last centre (the first is 0); exponential and alpha: the largest
    /// time constant.
    #[arg(long, default_value_t = 10.0, allow_negative_numbers = true)]
    pub basis_end: f64,
    /// Epanechnikov: the half-width of each bump; exponential and alpha: the smallest time
    /// constant.
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub basis_scale: f64,
    /// How the parameters are set.
    #[arg(long, value_enum, default_value_t = InitArg::Random)]
    pub init: InitArg,
    /// Seed of the random parameters.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// The model file to write (srm-snn/v1 JSON).
    #[arg(long, value_name = "M.json")]
    pub out: PathBuf,
}

/// `k` values evenly spaced on `[a, b]` (`a` alone for `k = 1`).
fn spaced(a: f64, b: f64, k: usize) -> Vec<f64> {
    (0..k)
        .map(|i| {
            if k == 1 {
                a
            } else {
                a + (b - a) * i as f64 / (k - 1) as f64
            }
        })
        .collect()
}

impl InitArgs {
    /// The model the arguments describe (checked).
    ///
    /// ```
    /// use clap::Parser;
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "init", "--observed", "2", "--hidden", "1", "--init", "zero", "--out", "m.json",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Init(args) = cli.command else { unreachable!() };
    /// let m = args.model()?;
    /// assert_eq!((m.n_obs(), m.n_hidden(), m.n_basis()), (2, 1, 2));
    /// assert_eq!((m.weight(0, 0, 0), m.weight(0, 0, 1), m.bias()[0]), (-0.1, 0.0, 0.0));
    /// # Ok::<(), diffsnn_cli::CliError>(())
    /// ```
    pub fn model(&self) -> Result<Snn> {
        if self.observed == 0 {
            return Err(CliError::argument(
                "--observed",
                "a model needs at least one observed neuron",
            ));
        }
        if self.n_basis == 0 {
            return Err(CliError::argument("--n-basis", "must be at least 1"));
        }
        let activation = match self.activation {
            ActivationArg::Sigmoid => Activation::Sigmoid {
                amplitude: self.amplitude,
            },
            ActivationArg::Exp => Activation::Exp,
            ActivationArg::Hardtanh => Activation::Hardtanh {
                amplitude: self.amplitude,
                eps: 1e-8,
            },
        };
        let basis = match self.basis {
            BasisArg::Epanechnikov => Basis::Epanechnikov {
                centers: spaced(0.0, self.basis_end, self.n_basis),
                scale: self.basis_scale,
            },
            BasisArg::Exponential => Basis::Exponential {
                time_constants: spaced(self.basis_scale, self.basis_end, self.n_basis),
            },
            BasisArg::Alpha => Basis::Alpha {
                time_constants: spaced(self.basis_scale, self.basis_end, self.n_basis),
            },
        };
        let builder = SnnBuilder::new(self.observed, self.hidden)
            .activation(activation)
            .basis(basis);
        let named = |e: snn_model::SnnError| {
            CliError::argument(
                "--activation/--amplitude/--basis/--basis-end/--basis-scale",
                e.to_string(),
            )
        };
        let mut model = match self.init {
            InitArg::Random => builder
                .random(&mut pp_thinning::sequence_rng(
                    self.seed ^ 0x1a17_1a17_1a17_1a17,
                    0,
                ))
                .map_err(named)?,
            InitArg::Zero => builder.check().map_err(named)?,
        };
        model.project();
        Ok(model)
    }

    /// Writes the model file and says so on standard error.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// use clap::Parser;
    /// let out = dir.path().join("m.json");
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "init", "--observed", "2", "--hidden", "3", "--out", out.to_str().unwrap(),
    /// ]).unwrap();
    /// cli.command.run(&mut std::io::sink())?;
    /// let m = snn_model::Snn::read_json(&out)?;
    /// assert_eq!((m.n_obs(), m.n_hidden()), (2, 3));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, _stdout: &mut dyn Write) -> Result<()> {
        let model = self.model()?;
        write_text(&self.out, &model.to_json_string()?)?;
        eprintln!(
            "a model of {} observed and {} hidden neurons ({} parameters) -> {}",
            model.n_obs(),
            model.n_hidden(),
            pp_core::Parametric::n_params(&model),
            self.out.display()
        );
        Ok(())
    }
}
