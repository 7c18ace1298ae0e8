//! `diffsnn intensity`: potentials and intensities of every neuron at given times.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use pp_core::EventSequence;
use pp_core::spike_files::SpikeTrains;
use serde::Serialize;
use snn_model::Snn;

use super::filter::{FilterArgs, observed_sequences};
use super::input::SpikeInput;
use super::{emit, load_model};
use crate::error::{CliError, Result};
use crate::io::{check_query_window, read_query_times};
use vi_train::marginal::predictive_intensity;

/// The long help of `diffsnn intensity` (clap reads it from the subcommand).
pub const LONG_ABOUT: &str = "Membrane potentials u_i(t) and intensities lambda_i(t) of every neuron at the \
    times of a query file (one time per line, `#` comments), given the spikes of \
    one sequence strictly before t (every spike in the file counts, hidden neurons \
    too). Output: one JSON object per line {\"t\", \"potential\", \"intensity\"}, \
    or CSV t,u_0..u_{N-1},lambda_0..lambda_{N-1} with --csv. With --marginal (the \
    default when the model has hidden neurons and the file holds only the observed \
    ones), the predictive intensity of the observed neurons given the observed spikes \
    only, E[lambda_o(t) | observed spikes before t], with the hidden neurons integrated \
    out by a particle filter (--particles, --runs, --seed): {\"t\", \"intensity\", \
    \"se\"} per line, or CSV t,lambda_0..,se_0.. (se: the standard error over the \
    runs; null or absent with one run).";

/// Arguments of `diffsnn intensity`.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "intensity", "--model", "m.json", "--spikes", "s.json", "--at", "t.txt", "--csv",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Intensity(args) = cli.command else { unreachable!() };
/// assert!(args.csv && args.sequence == 0 && args.out.is_none());
/// ```
#[derive(Debug, Clone, Args)]
pub struct IntensityArgs {
    /// Model file (srm-snn/v1 JSON).
    #[arg(long, value_name = "M.json")]
    pub model: PathBuf,
    /// The spike file (`--spikes`, `--window`, `--allow-empty-sequences`).
    #[command(flatten)]
    pub input: SpikeInput,
    /// Query times: one time per line; blank lines and `#` comments are ignored.
    #[arg(long, value_name = "times.txt")]
    pub at: PathBuf,
    /// Index of the sequence of the spike file.
    #[arg(long, value_name = "i", default_value_t = 0)]
    pub sequence: usize,
    /// Write CSV instead of JSON lines.
    #[arg(long)]
    pub csv: bool,
    /// The predictive intensity of the observed neurons, hidden neurons integrated out
    /// (`--marginal`, `--particles`, `--runs`, `--seed`).
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Output file (default: standard output).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// The potentials and intensities of all neurons at one time.
///
/// ```
/// let row = diffsnn_cli::commands::intensity::IntensityRow { t: 1.0, potential: vec![0.0], intensity: vec![2.5] };
/// assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"t":1.0,"potential":[0.0],"intensity":[2.5]}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IntensityRow {
    /// The query time.
    pub t: f64,
    /// `u_i(t)` for every neuron.
    pub potential: Vec<f64>,
    /// `λ_i(t)` for every neuron.
    pub intensity: Vec<f64>,
}

/// The potentials and intensities of every neuron of `model` at each of `times` (in the order
/// given), with the spikes of `seq` strictly before each time as the history (direct
/// evaluation, snn-model's oracle). A non-finite value (e.g. an overflowing `exp` activation)
/// is an error.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let m = snn_model::SnnBuilder::new(1, 0).bias(vec![0.0]).weights(vec![-1.0, 0.0]).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0], vec![0])?;
/// let rows = diffsnn_cli::commands::intensity::intensity_rows(&m, &seq, &[1.0, 1.5])?;
/// assert_eq!(rows[0].potential, vec![0.0]); // the spike at 1.0 is not yet in the history
/// assert!((rows[1].potential[0] + 0.75 * 0.75).abs() < 1e-15);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn intensity_rows(
    model: &Snn,
    seq: &EventSequence,
    times: &[f64],
) -> Result<Vec<IntensityRow>> {
    let n = model.n_neurons();
    if seq.dim() != n {
        return Err(CliError::Mismatch {
            reason: format!(
                "the sequence has {} neurons, but the model has {n}",
                seq.dim()
            ),
        });
    }
    times
        .iter()
        .map(|&t| {
            let mut potential = vec![0.0; n];
            let mut intensity = vec![0.0; n];
            model.potentials_direct(t, seq.history_before(t), &mut potential);
            model.intensities_from_potentials(&potential, &mut intensity);
            if let Some(i) =
                (0..n).find(|&i| !(potential[i].is_finite() && intensity[i].is_finite()))
            {
                return Err(CliError::Numerical {
                    what: "intensity",
                    detail: format!(
                        "at t = {t}, neuron {i} has potential {} and intensity {}",
                        potential[i], intensity[i]
                    ),
                });
            }
            Ok(IntensityRow {
                t,
                potential,
                intensity,
            })
        })
        .collect()
}

/// Writes rows as JSON lines (one object per line).
fn write_json_lines(rows: &[IntensityRow], w: &mut dyn Write) -> std::io::Result<()> {
    for row in rows {
        serde_json::to_writer(&mut *w, row)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes rows as CSV `t,u_0..u_{N-1},lambda_0..lambda_{N-1}` (shortest round-trip numbers).
fn write_csv(rows: &[IntensityRow], n: usize, w: &mut dyn Write) -> std::io::Result<()> {
    let mut header = vec!["t".to_string()];
    header.extend((0..n).map(|i| format!("u_{i}")));
    header.extend((0..n).map(|i| format!("lambda_{i}")));
    writeln!(w, "{}", header.join(","))?;
    for row in rows {
        write!(w, "{:?}", row.t)?;
        for v in row.potential.iter().chain(&row.intensity) {
            write!(w, ",{v:?}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

impl IntensityArgs {
    /// Reads the inputs, evaluates, and writes the rows to `--out` (atomically) or `stdout`.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let model = dir.path().join("m.json");
    /// snn_model::SnnBuilder::new(2, 0).check()?.write_json(&model)?;
    /// let spikes = dir.path().join("s.csv");
    /// std::fs::write(&spikes, "sequence,time,neuron\n0,1.0,0\n").unwrap();
    /// let at = dir.path().join("t.txt");
    /// std::fs::write(&at, "0.5\n1.5\n").unwrap();
    /// let args = diffsnn_cli::commands::intensity::IntensityArgs {
    ///     model, input: diffsnn_cli::commands::input::SpikeInput::new(spikes).window(0.0, 2.0), at,
    ///     sequence: 0, csv: true, filter: Default::default(), out: None,
    /// };
    /// let mut out = Vec::new();
    /// args.run(&mut out)?;
    /// let text = String::from_utf8(out).unwrap();
    /// assert!(text.starts_with("t,u_0,u_1,lambda_0,lambda_1\n0.5,"));
    /// assert_eq!(text.lines().count(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run(&self, stdout: &mut dyn Write) -> Result<()> {
        let model = load_model(&self.model)?;
        let label = self.input.label();
        if let Some(trains) = self
            .filter
            .marginal_input(&model, &self.model, &self.input)?
        {
            return self.run_marginal(&model, &trains, stdout);
        }
        let trains = self.input.read(Some((&model, &self.model)))?;
        let seq = crate::io::sequence(&trains, self.sequence, &label)?;
        let times = read_query_times(&self.at)?;
        check_query_window(&times, seq.window(), &self.at.display().to_string())?;
        let rows = intensity_rows(&model, seq, &times)?;
        let n = model.n_neurons();
        emit(self.out.as_ref(), stdout, |w| {
            if self.csv {
                write_csv(&rows, n, w)
            } else {
                write_json_lines(&rows, w)
            }
        })
    }

    /// The predictive intensity of the observed neurons (`--marginal`).
    fn run_marginal(
        &self,
        model: &Snn,
        trains: &SpikeTrains,
        stdout: &mut dyn Write,
    ) -> Result<()> {
        let label = self.input.label();
        let model_label = self.model.display().to_string();
        let full = crate::io::sequence(trains, self.sequence, &label)?;
        let observed = observed_sequences(
            std::slice::from_ref(full),
            model.n_obs(),
            &label,
            &model_label,
        )?;
        let seq = &observed[0];
        let n_obs = model.n_obs();
        let times = read_query_times(&self.at)?;
        check_query_window(&times, seq.window(), &self.at.display().to_string())?;
        let options = self.filter.options()?;
        let p = predictive_intensity(model, seq, &times, &options)
            .map_err(|e| CliError::from(e).evaluating(&self.model, self.sequence))?;
        emit(self.out.as_ref(), stdout, |w| {
            if self.csv {
                let mut header = vec!["t".to_string()];
                header.extend((0..n_obs).map(|o| format!("lambda_{o}")));
                if p.se.is_some() {
                    header.extend((0..n_obs).map(|o| format!("se_{o}")));
                }
                writeln!(w, "{}", header.join(","))?;
                for (q, t) in p.times.iter().enumerate() {
                    write!(w, "{t:?}")?;
                    for o in 0..n_obs {
                        write!(w, ",{:?}", p.value(q, o))?;
                    }
                    if let Some(se) = &p.se {
                        for v in &se[q * n_obs..(q + 1) * n_obs] {
                            write!(w, ",{v:?}")?;
                        }
                    }
                    writeln!(w)?;
                }
            } else {
                for (q, t) in p.times.iter().enumerate() {
                    let row = MarginalRow {
                        t: *t,
                        intensity: (0..n_obs).map(|o| p.value(q, o)).collect(),
                        se: p
                            .se
                            .as_ref()
                            .map(|se| se[q * n_obs..(q + 1) * n_obs].to_vec()),
                    };
                    serde_json::to_writer(&mut *w, &row)?;
                    w.write_all(b"\n")?;
                }
            }
            Ok(())
        })
    }
}

/// One line of `diffsnn intensity --marginal`: the predictive intensity of every observed
/// neuron at `t` and its standard error over the filter's runs.
///
/// ```
/// let row = diffsnn_cli::commands::intensity::MarginalRow { t: 1.0, intensity: vec![2.5], se: None };
/// assert_eq!(serde_json::to_string(&row).unwrap(), r#"{"t":1.0,"intensity":[2.5],"se":null}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MarginalRow {
    /// The query time.
    pub t: f64,
    /// `E[λ_o(t) | observed spikes before t]` for every observed neuron.
    pub intensity: Vec<f64>,
    /// Its standard error over the runs (`null` with one run).
    pub se: Option<Vec<f64>>,
}
