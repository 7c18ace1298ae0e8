//! `diffsnn simulate`: exact simulation by thinning.

use std::io::Write;
use std::path::PathBuf;

use std::ops::ControlFlow;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Args;
use indicatif::ProgressBar;
use pp_core::spike_files::SpikeTrains;
use pp_core::{EventSequence, Window};
use pp_thinning::Thinning;
use rayon::prelude::*;
use snn_model::{Simulator, Snn};

use super::load_model;
use crate::error::{CliError, Result};
use crate::io::{SpikeFormat, write_spikes};
use crate::progress::stage_bar;

/// The default of `--max-events`: spikes over all sequences (12 bytes each in memory, about
/// 20 in a JSON file: 600 MB and 1 GB at this limit).
pub const DEFAULT_MAX_EVENTS: usize = 50_000_000;

/// The most sequences one run may ask for (each costs memory even when empty).
pub const MAX_SEQUENCES: usize = 10_000_000;

/// Candidates (accepted and rejected) allowed per spike of `--max-events`: a thinning bound
/// that would draw more than this many candidates per allowed spike is refused.
pub const CANDIDATES_PER_EVENT: u64 = 100;

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
    /// The most spikes over all sequences; more is an error (a guard against runs that would
    /// fill the memory without a word). 12 bytes a spike in memory.
    #[arg(long, value_name = "n", default_value_t = DEFAULT_MAX_EVENTS)]
    pub max_events: usize,
}

/// Limits of one simulation run: the spikes over all sequences, and the thinning candidates
/// per sequence.
///
/// ```
/// let l = diffsnn_cli::commands::simulate::Limits::new(1000);
/// assert_eq!((l.max_events, l.max_candidates), (1000, 100_000));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most spikes over all sequences.
    pub max_events: usize,
    /// The most candidates per sequence.
    pub max_candidates: u64,
}

impl Limits {
    /// The limits for `max_events` spikes ([`CANDIDATES_PER_EVENT`] candidates per spike).
    pub fn new(max_events: usize) -> Self {
        Self {
            max_events,
            max_candidates: (max_events as u64).saturating_mul(CANDIDATES_PER_EVENT),
        }
    }
}

/// `count` exact samples of `model` (read from `model_label`, which errors name) on `window`,
/// in parallel; sequence `k` uses `pp_thinning::sequence_rng(seed, k)`, so the result does not
/// depend on the number of threads. `progress` counts finished sequences, or, for a single sequence, the simulated
/// time in thousandths of the window. More than `limits.max_events` spikes over all sequences,
/// or more than `limits.max_candidates` thinning candidates in one, is an error that says so.
///
/// ```
/// use diffsnn_cli::commands::simulate::{Limits, simulate_sequences};
/// let m = snn_model::SnnBuilder::new(2, 0).check()?;
/// let w = pp_core::Window::new(0.0, 5.0)?;
/// let bar = indicatif::ProgressBar::hidden();
/// let a = simulate_sequences(&m, "m.json", w, 3, 11, Limits::new(10_000), &bar)?;
/// let b = simulate_sequences(&m, "m.json", w, 3, 11, Limits::new(10_000), &bar)?;
/// assert_eq!(a, b);
/// assert_eq!(a[1], m.simulate(w, &mut pp_thinning::sequence_rng(11, 1))?);
/// assert!(simulate_sequences(&m, "m.json", w, 3, 11, Limits::new(5), &bar).is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn simulate_sequences(
    model: &Snn,
    model_label: &str,
    window: Window,
    count: usize,
    seed: u64,
    limits: Limits,
    progress: &ProgressBar,
) -> Result<Vec<EventSequence>> {
    let sampler = Thinning::new(Simulator::new(model), window)
        .map_err(snn_model::SnnError::from)?
        .max_candidates(limits.max_candidates);
    let total = AtomicUsize::new(0);
    let single = count == 1;
    let results: Vec<Result<EventSequence>> = (0..count)
        .into_par_iter()
        .map_init(
            || sampler.workspace(),
            |ws, k| {
                let mut rng = pp_thinning::sequence_rng(seed, k as u64);
                let (mut times, mut marks) = (Vec::new(), Vec::new());
                let mut over = false;
                sampler
                    .sample_with(&mut rng, ws, |e| {
                        times.push(e.time);
                        marks.push(e.mark);
                        if total.fetch_add(1, Ordering::Relaxed) >= limits.max_events {
                            over = true;
                            return ControlFlow::Break(());
                        }
                        if single && times.len() % 4096 == 0 {
                            let done = (e.time - window.t0()) / window.duration();
                            progress.set_position((1000.0 * done) as u64);
                        }
                        ControlFlow::Continue(())
                    })
                    .map_err(|e| {
                        CliError::from(model.thinning_error(e, Some((&times, &marks))))
                            .evaluating(model_label, k)
                    })?;
                if over {
                    return Err(CliError::argument(
                        "--max-events",
                        format!(
                            "more than {} spikes over all sequences (sequence {k} reached time \
                             {:e} of the window [{:e}, {:e}]): raise --max-events, or simulate \
                             a shorter window or fewer sequences",
                            limits.max_events,
                            times.last().copied().unwrap_or(window.t0()),
                            window.t0(),
                            window.t1()
                        ),
                    ));
                }
                if !single {
                    progress.inc(1);
                }
                Ok(EventSequence::new(window, model.n_neurons(), times, marks)?)
            },
        )
        .collect();
    results.into_iter().collect()
}

/// The thinning bound of a model with a bounded activation over all its neurons, `Σ_i sup ψ`,
/// or `None` for an unbounded activation (exp: local bounds).
fn global_bound(model: &Snn) -> Option<f64> {
    model
        .activation()
        .bound()
        .map(|a| a * model.n_neurons() as f64)
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
    ///     out: dir.path().join("s.json"), csv: false, max_events: 1_000_000,
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
        if self.sequences > MAX_SEQUENCES {
            return Err(CliError::argument(
                "--sequences",
                format!(
                    "{} sequences is more than {MAX_SEQUENCES}: each costs memory even when \
                     empty; simulate in several runs",
                    self.sequences
                ),
            ));
        }
        if self.max_events == 0 {
            return Err(CliError::argument("--max-events", "must be at least 1"));
        }
        let limits = Limits::new(self.max_events);
        let model = load_model(&self.model)?;
        if let Some(bound) = global_bound(&model) {
            // the thinning candidates of one sequence are Poisson with this mean
            let expected = bound * window.duration();
            // (NaN, a bound of inf, counts as too many)
            if expected.is_nan() || expected > limits.max_candidates as f64 {
                return Err(CliError::argument(
                    "--model",
                    format!(
                        "{}: the intensities' bound {bound:.3e} per unit time (activation bound \
                         times {} neurons) over a window of length {:.3e} means about \
                         {expected:.3e} thinning candidates per sequence, more than the {} \
                         allowed by --max-events {}: check the amplitude, or simulate a shorter \
                         window, or raise --max-events",
                        self.model.display(),
                        model.n_neurons(),
                        window.duration(),
                        limits.max_candidates,
                        limits.max_events
                    ),
                ));
            }
        }
        let single = self.sequences == 1;
        let bar = if single {
            stage_bar("simulate", 1000, "‰ of the window")
        } else {
            stage_bar("simulate", self.sequences as u64, "sequences")
        };
        let sequences = simulate_sequences(
            &model,
            &self.model.display().to_string(),
            window,
            self.sequences,
            self.seed,
            limits,
            &bar,
        );
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
            if self.out.as_os_str() == "-" {
                "(standard output)".into()
            } else {
                self.out.display().to_string()
            }
        );
        Ok(())
    }
}
