//! The spike-file arguments shared by every command that reads spike trains: `--spikes`,
//! `--window` (the window of a CSV file, which does not store one) and
//! `--allow-empty-sequences`.

use std::path::{Path, PathBuf};

use clap::Args;
use pp_core::spike_files::SpikeTrains;
use snn_model::Snn;

use super::{parse_window_arg, window_arg};
use crate::error::Result;
use crate::io::{ReadOptions, read_spikes};

/// Where the spike trains come from (flattened into every command that reads them).
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "loglik", "--model", "m.json", "--spikes", "s.csv", "--window", "0,50",
///     "--allow-empty-sequences",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Loglik(args) = cli.command else { unreachable!() };
/// assert_eq!(args.input, diffsnn_cli::commands::input::SpikeInput::new("s.csv")
///     .window(0.0, 50.0).allow_empty_sequences());
/// ```
#[derive(Debug, Clone, PartialEq, Args)]
pub struct SpikeInput {
    /// Spike file (spikes/v1 JSON or CSV).
    #[arg(long, value_name = "S.json")]
    pub spikes: PathBuf,
    /// Observation window T0,T1 of a CSV spike file (default: [0, last spike], with a
    /// warning).
    #[arg(long, value_name = "T0,T1", value_parser = parse_window_arg, allow_hyphen_values = true)]
    pub window: Option<(f64, f64)>,
    /// Accept CSV sequence numbers without rows (empty sequences); by default a gap in the
    /// numbering is an error.
    #[arg(long)]
    pub allow_empty_sequences: bool,
}

impl SpikeInput {
    /// The file `spikes`, with no window and no empty sequences allowed.
    pub fn new(spikes: impl Into<PathBuf>) -> Self {
        Self {
            spikes: spikes.into(),
            window: None,
            allow_empty_sequences: false,
        }
    }

    /// With the window `[t0, t1]` (CSV files).
    pub fn window(mut self, t0: f64, t1: f64) -> Self {
        self.window = Some((t0, t1));
        self
    }

    /// With empty CSV sequences allowed.
    pub fn allow_empty_sequences(mut self) -> Self {
        self.allow_empty_sequences = true;
        self
    }

    /// The file's name as errors show it.
    pub fn label(&self) -> String {
        self.spikes.display().to_string()
    }

    /// The reading options the arguments give (the window checked).
    pub fn options(&self) -> Result<ReadOptions> {
        Ok(ReadOptions {
            window: window_arg(self.window)?,
            allow_empty_sequences: self.allow_empty_sequences,
            ..ReadOptions::default()
        })
    }

    /// Reads the spike trains; for a `model` (read from the given path) a CSV file gets the
    /// model's number of neurons and a JSON file must have it.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("s.csv");
    /// std::fs::write(&path, "sequence,time,neuron\n0,1.0,0\n1,2.0,1\n").unwrap();
    /// let input = diffsnn_cli::commands::input::SpikeInput::new(&path).window(0.0, 5.0);
    /// let trains = input.read(None)?;
    /// assert_eq!((trains.n_neurons(), trains.sequences().len()), (2, 2));
    /// # Ok::<(), diffsnn_cli::CliError>(())
    /// ```
    pub fn read(&self, model: Option<(&Snn, &Path)>) -> Result<SpikeTrains> {
        let mut options = self.options()?;
        if let Some((m, path)) = model {
            options =
                options.expect_neurons(m.n_neurons(), format!("the model {}", path.display()));
        }
        read_spikes(&self.spikes, &options)
    }
}
