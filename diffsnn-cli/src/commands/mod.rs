//! The `diffsnn` command-line program: argument parsing (`clap` derive) and one module per
//! command. Adding a command takes one module with an argument struct and a `run` function,
//! and one variant of [`Command`].
//!
//! Every command reads its inputs completely and checks them before it writes anything, and
//! every output file is written with [`write_atomic`](crate::io::write_atomic), so a failing
//! command never leaves a partial file. Results printed on standard output go through the
//! `stdout` argument of [`Command::run`], so that they can be captured.
//!
//! ```
//! use clap::Parser;
//! let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "plot", "filters", "--model", "m.json", "--out", "f.svg"]).unwrap();
//! assert!(matches!(cli.command, diffsnn_cli::commands::Command::Plot(_)));
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use pp_core::Window;
use snn_model::Snn;

use crate::error::{CliError, Result};

pub mod eval;
pub mod filter;
pub mod fit;
pub mod init;
pub mod input;
pub mod intensity;
pub mod loglik;
pub mod mle;
pub mod plot;
pub mod select;
pub mod simulate;
pub mod windows;

/// `diffsnn`: simulate, evaluate and plot spiking neural networks with hidden neurons.
///
/// ```
/// use clap::Parser;
/// assert!(diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "--help"]).is_err()); // help is an early exit
/// assert!(diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "no-such-command"]).is_err());
/// ```
#[derive(Debug, Parser)]
#[command(
    name = "diffsnn",
    version,
    about = "Simulate, evaluate and plot spiking neural networks (SRM) with hidden neurons",
    long_about = "Simulate, evaluate and plot spiking neural networks (SRM) with hidden neurons.\n\n\
                  Models are srm-snn/v1 JSON files; spike trains are spikes/v1 JSON files or CSV \
                  files with the header `sequence,time,neuron` (see docs/formats.md). Errors are printed \
                  as `error: <message>` with a non-zero exit status, and no output file is left \
                  behind by a failing or interrupted command (except the progress files of `fit`, \
                  --loss-csv and --checkpoint-every, written from the start and kept with the \
                  epochs completed). An output that is a regular file (or \
                  a link to one) is replaced atomically; a pipe or a device is written straight \
                  through; `--out -` writes to standard output."
)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands of `diffsnn`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "loglik", "--model", "m.json", "--spikes", "s.json"]).unwrap();
/// assert!(matches!(cli.command, diffsnn_cli::commands::Command::Loglik(_)));
/// ```
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a new model file (random as the reference initialises it, or zero).
    #[command(long_about = init::LONG_ABOUT)]
    Init(init::InitArgs),
    /// Simulate spike trains from a model by exact thinning.
    #[command(long_about = simulate::LONG_ABOUT)]
    Simulate(simulate::SimulateArgs),
    /// Membrane potentials and intensities of every neuron at given times.
    #[command(long_about = intensity::LONG_ABOUT)]
    Intensity(intensity::IntensityArgs),
    /// Log-likelihood of fully observed spike trains under a model.
    #[command(long_about = loglik::LONG_ABOUT)]
    Loglik(loglik::LoglikArgs),
    /// Fit an SNN to observed spike trains: with hidden neurons by variational inference,
    /// fully observed (--hidden 0) by maximum likelihood.
    #[command(long_about = fit::LONG_ABOUT)]
    Fit(fit::FitArgs),
    /// Test metrics of a trained model on held-out spike trains: negative ELBO,
    /// importance-weighted bound, or the particle filter's marginal likelihood.
    #[command(long_about = eval::LONG_ABOUT)]
    Eval(eval::EvalArgs),
    /// SVG pictures: raster, intensity, filters, ks, loss.
    #[command(subcommand)]
    Plot(plot::PlotCommand),
}

impl Command {
    /// Runs the command; results meant for standard output are written to `stdout`.
    ///
    /// ```
    /// use clap::Parser;
    /// let dir = tempfile::tempdir().unwrap();
    /// let model = dir.path().join("m.json");
    /// snn_model::SnnBuilder::new(2, 0).check()?.write_json(&model)?;
    /// let out = dir.path().join("f.svg");
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "plot", "filters", "--model", model.to_str().unwrap(), "--out", out.to_str().unwrap(),
    /// ]).unwrap();
    /// cli.command.run(&mut std::io::sink())?;
    /// assert!(std::fs::read_to_string(&out).unwrap().contains("<svg"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, stdout: &mut dyn Write) -> Result<()> {
        match self {
            Command::Init(a) => a.run(stdout),
            Command::Simulate(a) => a.run(stdout),
            Command::Intensity(a) => a.run(stdout),
            Command::Loglik(a) => a.run(stdout),
            Command::Fit(a) => a.run(stdout),
            Command::Eval(a) => a.run(stdout),
            Command::Plot(p) => p.run(stdout),
        }
    }
}

/// Parses the arguments, runs the command with the process's standard output, and returns the
/// process exit status: 0 on success; on failure the message `error: <message>` is printed on
/// standard error and the status is 1 (2 for usage errors, reported by clap).
///
/// ```
/// let code = diffsnn_cli::commands::main_with_args(["diffsnn", "loglik", "--model", "/nonexistent/m.json", "--spikes", "s.json"]);
/// assert_eq!(code, std::process::ExitCode::FAILURE);
/// ```
pub fn main_with_args<I, T>(args: I) -> std::process::ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" that print to stdout and succeed.
            let _ = e.print();
            return std::process::ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let result = cli.command.run(&mut lock).and_then(|()| {
        lock.flush()
            .map_err(|e| CliError::io("(standard output)", e))
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Parses `T0,T1` (two numbers separated by a comma) for `--window`; whether the window is
/// valid (finite, `T0 < T1`) is checked when it is used, by [`Window::new`].
///
/// ```
/// assert_eq!(diffsnn_cli::commands::parse_window_arg("0,50"), Ok((0.0, 50.0)));
/// assert_eq!(diffsnn_cli::commands::parse_window_arg(" -1.5 , 2e1 "), Ok((-1.5, 20.0)));
/// assert!(diffsnn_cli::commands::parse_window_arg("0;50").is_err());
/// ```
pub fn parse_window_arg(text: &str) -> std::result::Result<(f64, f64), String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    match parts.as_slice() {
        [a, b] => {
            let a: f64 = a.parse().map_err(|_| format!("`{a}` is not a number"))?;
            let b: f64 = b.parse().map_err(|_| format!("`{b}` is not a number"))?;
            Ok((a, b))
        }
        _ => Err(format!(
            "expected T0,T1 (two numbers separated by a comma), got `{text}`"
        )),
    }
}

/// The window given by `--window`, checked.
fn window_arg(window: Option<(f64, f64)>) -> Result<Option<Window>> {
    window
        .map(|(t0, t1)| {
            Window::new(t0, t1).map_err(|e| CliError::argument("--window", e.to_string()))
        })
        .transpose()
}

/// Reads a model file (errors name the file).
fn load_model(path: &Path) -> Result<Snn> {
    Ok(Snn::read_json(path)?)
}

/// Writes text output to `out` atomically, or to `stdout` when `out` is `None`.
fn emit(
    out: Option<&PathBuf>,
    stdout: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match out {
        Some(path) => {
            crate::io::write_atomic(path, |w| write(w).map_err(|e| CliError::io(path, e)))
        }
        None => write(stdout).map_err(|e| CliError::io("(standard output)", e)),
    }
}
