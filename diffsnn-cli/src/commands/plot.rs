//! `diffsnn plot raster|intensity|filters|ks|loss`: SVG pictures, written atomically.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::filter::{FilterArgs, observed_sequences};
use super::input::SpikeInput;
use super::load_model;
use crate::error::Result;
use crate::io::{read_loss_csv, write_bytes_atomic};
use crate::plot;

/// The pictures `diffsnn plot` draws.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "plot", "loss", "--csv", "loss.csv", "--out", "l.svg"]).unwrap();
/// assert!(matches!(cli.command, diffsnn_cli::commands::Command::Plot(diffsnn_cli::commands::plot::PlotCommand::Loss(_))));
/// ```
#[derive(Debug, Clone, Subcommand)]
pub enum PlotCommand {
    /// Spike raster of one sequence.
    Raster(RasterArgs),
    /// Intensities of chosen neurons over one sequence's window, with its spikes.
    Intensity(PlotIntensityArgs),
    /// The filters f_ij(lag) of a model: one panel per pair (row = target, column = source) for
    /// up to 8 neurons, else one heat map of their integrals.
    Filters(FiltersArgs),
    /// Time-rescaling KS plot per neuron with the 95 % band; prints the KS tests as JSON lines.
    #[command(long_about = KS_LONG_ABOUT)]
    Ks(KsArgs),
    /// A loss curve from a CSV with the columns `epoch` and `loss`.
    Loss(LossArgs),
}

impl PlotCommand {
    /// Draws the picture and writes it atomically; only `ks` prints (its tests) to `stdout`.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let csv = dir.path().join("loss.csv");
    /// std::fs::write(&csv, "epoch,loss\n0,5\n1,4\n2,3.5\n").unwrap();
    /// let out = dir.path().join("loss.svg");
    /// let cmd = diffsnn_cli::commands::plot::PlotCommand::Loss(diffsnn_cli::commands::plot::LossArgs { csv, out: out.clone() });
    /// cmd.run(&mut std::io::sink())?;
    /// assert!(std::fs::read_to_string(&out).unwrap().contains("<svg"));
    /// # Ok::<(), diffsnn_cli::CliError>(())
    /// ```
    pub fn run(&self, stdout: &mut dyn Write) -> Result<()> {
        match self {
            PlotCommand::Raster(a) => a.run(),
            PlotCommand::Intensity(a) => a.run(),
            PlotCommand::Filters(a) => a.run(),
            PlotCommand::Ks(a) => a.run(stdout),
            PlotCommand::Loss(a) => a.run(),
        }
    }
}

/// Arguments of `diffsnn plot raster`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "plot", "raster", "--spikes", "s.csv",
///     "--window", "0,50", "--sequence", "2", "--out", "r.svg"]).unwrap();
/// let diffsnn_cli::commands::Command::Plot(diffsnn_cli::commands::plot::PlotCommand::Raster(a)) = cli.command else { unreachable!() };
/// assert_eq!((a.sequence, a.input.window), (2, Some((0.0, 50.0))));
/// ```
#[derive(Debug, Clone, Args)]
pub struct RasterArgs {
    /// The spike file (`--spikes`, `--window`, `--allow-empty-sequences`).
    #[command(flatten)]
    pub input: SpikeInput,
    /// Index of the sequence to draw.
    #[arg(long, value_name = "i", default_value_t = 0)]
    pub sequence: usize,
    /// Output SVG file.
    #[arg(long, value_name = "F.svg")]
    pub out: PathBuf,
}

impl RasterArgs {
    /// Draws the raster and writes it atomically.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let spikes = dir.path().join("s.csv");
    /// std::fs::write(&spikes, "sequence,time,neuron\n0,1.0,0\n0,2.0,1\n").unwrap();
    /// let out = dir.path().join("r.svg");
    /// diffsnn_cli::commands::plot::RasterArgs {
    ///     input: diffsnn_cli::commands::input::SpikeInput::new(spikes), sequence: 0, out: out.clone() }.run()?;
    /// assert!(out.exists());
    /// # Ok::<(), diffsnn_cli::CliError>(())
    /// ```
    pub fn run(&self) -> Result<()> {
        let trains = self.input.read(None)?;
        let label = self.input.spikes.display().to_string();
        let seq = crate::io::sequence(&trains, self.sequence, &label)?;
        let svg = plot::raster_svg(seq, &format!("{label}, sequence {}", self.sequence))?;
        write_bytes_atomic(&self.out, svg.as_bytes())
    }
}

/// Arguments of `diffsnn plot intensity`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "plot", "intensity", "--model", "m.json",
///     "--spikes", "s.json", "--neurons", "0,2", "--out", "i.svg"]).unwrap();
/// let diffsnn_cli::commands::Command::Plot(diffsnn_cli::commands::plot::PlotCommand::Intensity(a)) = cli.command else { unreachable!() };
/// assert_eq!(a.neurons, vec![0, 2]);
/// ```
#[derive(Debug, Clone, Args)]
pub struct PlotIntensityArgs {
    /// Model file (srm-snn/v1 JSON).
    #[arg(long, value_name = "M.json")]
    pub model: PathBuf,
    /// The spike file (`--spikes`, `--window`, `--allow-empty-sequences`).
    #[command(flatten)]
    pub input: SpikeInput,
    /// Index of the sequence to draw.
    #[arg(long, value_name = "i", default_value_t = 0)]
    pub sequence: usize,
    /// Neurons to draw, comma separated (default: the first 4 observed neurons).
    #[arg(long, value_name = "i,j,..", value_delimiter = ',')]
    pub neurons: Vec<usize>,
    /// Number of evenly spaced grid times (spike times are added).
    #[arg(long, value_name = "n", default_value_t = 1000)]
    pub points: usize,
    /// Output SVG file.
    #[arg(long, value_name = "F.svg")]
    pub out: PathBuf,
}

impl PlotIntensityArgs {
    /// Draws the intensities and writes the picture atomically.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let model = dir.path().join("m.json");
    /// snn_model::SnnBuilder::new(2, 0).check()?.write_json(&model)?;
    /// let spikes = dir.path().join("s.csv");
    /// std::fs::write(&spikes, "sequence,time,neuron\n0,1.0,0\n0,2.0,1\n").unwrap();
    /// let out = dir.path().join("i.svg");
    /// let args = diffsnn_cli::commands::plot::PlotIntensityArgs {
    ///     model, input: diffsnn_cli::commands::input::SpikeInput::new(spikes), sequence: 0,
    ///     neurons: vec![1], points: 100, out: out.clone(),
    /// };
    /// args.run()?;
    /// assert!(out.exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self) -> Result<()> {
        let model = load_model(&self.model)?;
        let trains = self.input.read(Some((&model, &self.model)))?;
        let seq = crate::io::sequence(&trains, self.sequence, &self.input.label())?;
        let svg = plot::intensity_svg(&model, seq, &self.neurons, self.points)?;
        write_bytes_atomic(&self.out, svg.as_bytes())?;
        if let Some(note) = default_neurons_note(&model, &self.neurons) {
            eprintln!("{note}");
        }
        Ok(())
    }
}

/// The note `plot intensity` prints when it drew the default neurons and they are not all of
/// the model's: which were drawn and how to choose.
fn default_neurons_note(model: &snn_model::Snn, requested: &[usize]) -> Option<String> {
    let n = model.n_neurons();
    let drawn = plot::default_intensity_neurons(model);
    if !requested.is_empty() || drawn.len() == n {
        return None;
    }
    let list = drawn
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "note: drew the intensities of neurons {list} of {n} (by default the first {} \
         observed); choose others with --neurons i,j,..",
        plot::DEFAULT_INTENSITY_NEURONS
    ))
}

/// Arguments of `diffsnn plot filters`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "plot", "filters", "--model", "m.json", "--out", "f.svg"]).unwrap();
/// let diffsnn_cli::commands::Command::Plot(diffsnn_cli::commands::plot::PlotCommand::Filters(a)) = cli.command else { unreachable!() };
/// assert_eq!((a.points, a.heatmap, a.neurons.len()), (200, false, 0));
/// ```
#[derive(Debug, Clone, Args)]
pub struct FiltersArgs {
    /// Model file (srm-snn/v1 JSON).
    #[arg(long, value_name = "M.json")]
    pub model: PathBuf,
    /// Neurons whose filters are drawn (rows and columns), comma separated (default: all).
    #[arg(long, value_name = "i,j,..", value_delimiter = ',')]
    pub neurons: Vec<usize>,
    /// One heat map of the filter integrals even for 8 neurons or fewer (it is the default for
    /// more).
    #[arg(long)]
    pub heatmap: bool,
    /// Number of lags per filter (panels only).
    #[arg(long, value_name = "n", default_value_t = 200)]
    pub points: usize,
    /// Output SVG file.
    #[arg(long, value_name = "F.svg")]
    pub out: PathBuf,
}

impl FiltersArgs {
    /// Draws the filters and writes the picture atomically: a panel per pair of the chosen
    /// neurons (all by default) if there are at most
    /// [`MAX_FILTER_PANEL_NEURONS`](plot::MAX_FILTER_PANEL_NEURONS) and `--heatmap` is not
    /// given, else one heat map of the filter integrals (with a note on standard error when
    /// it was chosen for the number of neurons).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let model = dir.path().join("m.json");
    /// snn_model::SnnBuilder::new(1, 1).check()?.write_json(&model)?;
    /// let out = dir.path().join("f.svg");
    /// diffsnn_cli::commands::plot::FiltersArgs {
    ///     model, neurons: vec![], heatmap: false, points: 50, out: out.clone() }.run()?;
    /// assert!(std::fs::read_to_string(&out)?.contains("lag (s)")); // panels
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self) -> Result<()> {
        let model = load_model(&self.model)?;
        let drawn = if self.neurons.is_empty() {
            model.n_neurons()
        } else {
            self.neurons.len()
        };
        let too_many = drawn > plot::MAX_FILTER_PANEL_NEURONS;
        let svg = if self.heatmap || too_many {
            plot::filters_heatmap_svg(&model, &self.neurons)?
        } else {
            plot::filters_svg(&model, &self.neurons, self.points)?
        };
        write_bytes_atomic(&self.out, svg.as_bytes())?;
        if too_many && !self.heatmap {
            eprintln!(
                "note: {drawn} neurons: drew one heat map of the filter integrals; \
                 --neurons i,j,.. (at most {}) draws the filters themselves",
                plot::MAX_FILTER_PANEL_NEURONS
            );
        }
        Ok(())
    }
}

/// The long help of `diffsnn plot ks` (clap reads it from the subcommand).
pub const KS_LONG_ABOUT: &str = "Time-rescaling goodness of fit (Brown et al. 2002): the compensator between \
    consecutive spikes of each neuron, pooled over all sequences, should be i.i.d. \
    Exp(1) under the true model. For a model with hidden neurons and a file of its \
    observed neurons only (or with --marginal), the hidden neurons are integrated out: \
    the observed neurons' spikes are rescaled by their predictive intensity given the \
    observed spikes only (particle filter; --particles, --runs, --seed). Draws one KS plot per neuron with the 95 % band \
    and prints one JSON line per neuron: {\"neuron\", \"n\", \"statistic\", \
    \"p_value\", \"inside_band\"} (null values for a neuron that never fired; a \
    \"note\" when the KS p-value could not be computed, e.g. tied intervals).";

/// Arguments of `diffsnn plot ks`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "plot", "ks", "--model", "m.json", "--spikes", "s.json", "--out", "k.svg"]).unwrap();
/// assert!(matches!(cli.command, diffsnn_cli::commands::Command::Plot(diffsnn_cli::commands::plot::PlotCommand::Ks(_))));
/// ```
#[derive(Debug, Clone, Args)]
pub struct KsArgs {
    /// Model file (srm-snn/v1 JSON).
    #[arg(long, value_name = "M.json")]
    pub model: PathBuf,
    /// The spike file (`--spikes`, `--window`, `--allow-empty-sequences`).
    #[command(flatten)]
    pub input: SpikeInput,
    /// The particle filter, for a model with hidden neurons (`--marginal`, `--particles`,
    /// `--runs`, `--seed`).
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output SVG file.
    #[arg(long, value_name = "F.svg")]
    pub out: PathBuf,
}

/// One line of the summary printed by `diffsnn plot ks`.
#[derive(Serialize)]
struct KsLine {
    neuron: usize,
    n: Option<usize>,
    statistic: Option<f64>,
    p_value: Option<f64>,
    inside_band: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

impl KsArgs {
    /// Rescales, draws the KS plots, writes the picture atomically, then prints the tests.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let model = dir.path().join("m.json");
    /// snn_model::SnnBuilder::new(1, 0).check()?.write_json(&model)?;
    /// let spikes = dir.path().join("s.csv");
    /// std::fs::write(&spikes, "sequence,time,neuron\n0,0.3,0\n0,0.9,0\n0,1.2,0\n").unwrap();
    /// let out = dir.path().join("k.svg");
    /// let mut printed = Vec::new();
    /// diffsnn_cli::commands::plot::KsArgs {
    ///     model, input: diffsnn_cli::commands::input::SpikeInput::new(spikes),
    ///     filter: Default::default(), out: out.clone() }.run(&mut printed)?;
    /// assert!(out.exists());
    /// assert!(String::from_utf8(printed).unwrap().starts_with(r#"{"neuron":0,"n":3,"#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, stdout: &mut dyn Write) -> Result<()> {
        let model = load_model(&self.model)?;
        let marginal = self
            .filter
            .marginal_input(&model, &self.model, &self.input)?;
        let summary = if let Some(trains) = marginal {
            let label = self.input.label();
            let observed = observed_sequences(
                trains.sequences(),
                model.n_obs(),
                &label,
                &self.model.display().to_string(),
            )?;
            plot::ks_marginal_summary(&model, &observed, &self.filter.options()?)?
        } else {
            let trains = self.input.read(Some((&model, &self.model)))?;
            plot::ks_summary(&model, trains.sequences())?
        };
        let svg = plot::ks_svg(&summary)?;
        write_bytes_atomic(&self.out, svg.as_bytes())?;
        for s in &summary {
            let line = KsLine {
                neuron: s.neuron,
                n: s.plot.as_ref().map(|p| p.model_quantiles.len()),
                statistic: s.test.map(|t| t.statistic),
                p_value: s.test.map(|t| t.p_value),
                inside_band: s.plot.as_ref().map(|p| p.inside_band()),
                note: s.test_error.clone(),
            };
            serde_json::to_writer(&mut *stdout, &line)
                .map_err(|e| crate::CliError::io("(standard output)", e.into()))?;
            stdout
                .write_all(b"\n")
                .map_err(|e| crate::CliError::io("(standard output)", e))?;
        }
        Ok(())
    }
}

/// Arguments of `diffsnn plot loss`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from(["diffsnn", "plot", "loss", "--csv", "loss.csv", "--out", "l.svg"]).unwrap();
/// let diffsnn_cli::commands::Command::Plot(diffsnn_cli::commands::plot::PlotCommand::Loss(a)) = cli.command else { unreachable!() };
/// assert_eq!(a.csv, std::path::PathBuf::from("loss.csv"));
/// ```
#[derive(Debug, Clone, Args)]
pub struct LossArgs {
    /// Loss CSV with the columns `epoch` and `loss` (others are ignored), as written by training.
    #[arg(long, value_name = "loss.csv")]
    pub csv: PathBuf,
    /// Output SVG file.
    #[arg(long, value_name = "F.svg")]
    pub out: PathBuf,
}

impl LossArgs {
    /// Draws the loss curve and writes it atomically.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let csv = dir.path().join("loss.csv");
    /// std::fs::write(&csv, "epoch,loss\n0,2\n1,1\n").unwrap();
    /// let out = dir.path().join("l.svg");
    /// diffsnn_cli::commands::plot::LossArgs { csv, out: out.clone() }.run()?;
    /// assert!(out.exists());
    /// # Ok::<(), diffsnn_cli::CliError>(())
    /// ```
    pub fn run(&self) -> Result<()> {
        let points = read_loss_csv(&self.csv)?;
        let svg = plot::loss_svg(&points)?;
        write_bytes_atomic(&self.out, svg.as_bytes())
    }
}
