//! `diffsnn simulate`: exact simulation by thinning.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pp_core::{EventSequence, Window};
use rayon::prelude::*;
use snn_model::Snn;

use super::load_model;
use crate::error::{CliError, Result};
use crate::io::{SpikeFormat, write_spikes};
use pp_core::spike_files::SpikeTrains;

/// The long help of `diffsnn simulate` (clap reads it from the subcommand).
pub const LONG_ABOUT: &str = "Simulate spike trains from a model by exact thinning (snn-model's simulator on \
    pp-thinning). Sequences are simulated in parallel; sequence k uses its own \
    random generator derived from (seed, k), so the output file is the same bytes \
    for a given seed whatever the number of threads (RAYON_NUM_THREADS).";

/// Arguments of `diffsnn simulate`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "simulate", "--model", "m.json", "--t-end", "50", "--sequences", "4", "--seed", "7", "--out", "s.json",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Simulate(args) = cli.command else { unreachable!() };
/// assert_eq!((args.t_end, args.sequences, args.seed), (50.0, 4, 7));
/// ```
#[derive(Debug, Clone, Args)]
pub struct SimulateArgs {
    /// Model file (srm-snn/v1 JSON).
    #[arg(long, value_name = "M.json")]
    pub model: PathBuf,
    /// End of the observation window.
    #[arg(long, value_name = "T", allow_negative_numbers = true)]
    pub t_end: f64,
    /// Start of the observation window.
    #[arg(
        long,
        value_name = "T0",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub t_start: f64,
    /// Number of independent sequences.
    #[arg(long, value_name = "n", default_value_t = 1)]
    pub sequences: usize,
    /// Seed of the random generators.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output spike file (spikes/v1 JSON, or CSV with --csv or a `.csv` name).
    #[arg(long, value_name = "S.json")]
    pub out: PathBuf,
    /// Write CSV (`sequence,time,neuron`) instead of JSON; the windows are not stored in CSV.
    #[arg(long)]
    pub csv: bool,
}

/// `count` exact samples of `model` on `window`, in parallel; sequence `k` uses
/// `pp_thinning::sequence_rng(seed, k)`, so the result does not depend on the number of
/// threads. `progress` is advanced once per finished sequence.
///
/// ```
/// let m = snn_model::SnnBuilder::new(2, 0).check()?;
/// let w = pp_core::Window::new(0.0, 5.0)?;
/// let bar = indicatif::ProgressBar::hidden();
/// let a = diffsnn_cli::commands::simulate::simulate_sequences(&m, w, 3, 11, &bar)?;
/// let b = diffsnn_cli::commands::simulate::simulate_sequences(&m, w, 3, 11, &bar)?;
/// assert_eq!(a, b);
/// assert_eq!(a[1], m.simulate(w, &mut pp_thinning::sequence_rng(11, 1))?);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn simulate_sequences(
    model: &Snn,
    window: Window,
    count: usize,
    seed: u64,
    progress: &ProgressBar,
) -> Result<Vec<EventSequence>> {
    (0..count)
        .into_par_iter()
        .map(|k| {
            let mut rng = pp_thinning::sequence_rng(seed, k as u64);
            let seq = model.simulate(window, &mut rng)?;
            progress.inc(1);
            Ok(seq)
        })
        .collect()
}

impl SimulateArgs {
    /// Checks the arguments, simulates, and writes the spike file atomically; a one-line
    /// summary goes to standard error.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let model = dir.path().join("m.json");
    /// snn_model::SnnBuilder::new(2, 1).check()?.write_json(&model)?;
    /// let args = diffsnn_cli::commands::simulate::SimulateArgs {
    ///     model, t_end: 10.0, t_start: 0.0, sequences: 2, seed: 1,
    ///     out: dir.path().join("s.json"), csv: false,
    /// };
    /// args.run(&mut std::io::sink())?;
    /// let trains = diffsnn_cli::io::read_spikes(&args.out, &Default::default())?;
    /// assert_eq!((trains.n_neurons(), trains.sequences().len()), (3, 2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, _stdout: &mut dyn Write) -> Result<()> {
        if self.t_end.is_nan() || self.t_end <= self.t_start {
            return Err(CliError::argument(
                "--t-end",
                format!(
                    "the duration must be positive: --t-end {} is not after --t-start {}",
                    self.t_end, self.t_start
                ),
            ));
        }
        let window = Window::new(self.t_start, self.t_end)
            .map_err(|e| CliError::argument("--t-start/--t-end", e.to_string()))?;
        if self.sequences == 0 {
            return Err(CliError::argument("--sequences", "must be at least 1"));
        }
        let model = load_model(&self.model)?;
        let bar = ProgressBar::with_draw_target(
            Some(self.sequences as u64),
            ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            ProgressStyle::with_template(
                "simulate {bar:40} {pos}/{len} sequences [{elapsed}<{eta}]",
            )
            .expect("a valid progress template"),
        );
        let sequences = simulate_sequences(&model, window, self.sequences, self.seed, &bar);
        bar.finish_and_clear();
        let sequences = sequences?;
        let spikes: usize = sequences.iter().map(EventSequence::len).sum();
        let trains = SpikeTrains::new(model.n_neurons(), sequences)?;
        let csv = self.csv
            || self
                .out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let format = if csv {
            SpikeFormat::Csv
        } else {
            SpikeFormat::Json
        };
        write_spikes(&trains, &self.out, format)?;
        eprintln!(
            "simulated {} sequence{} on [{}, {}]: {spikes} spikes -> {}",
            self.sequences,
            if self.sequences == 1 { "" } else { "s" },
            self.t_start,
            self.t_end,
            self.out.display()
        );
        Ok(())
    }
}
