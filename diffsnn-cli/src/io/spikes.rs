//! Spike-train files on disk: the format from the name or the content, reading with what the
//! command line knows (the window of a CSV file, the model's neuron count), and atomic writes.
//! The formats themselves (`spikes/v1` JSON and CSV) are pp-core's
//! ([`pp_core::spike_files`]).

use std::path::Path;

use pp_core::EventSequence;
use pp_core::Window;
use pp_core::spike_files::{CsvOptions, SpikeTrains};

use crate::error::{CliError, Result};

/// The two encodings of a spike-train file.
///
/// ```
/// use diffsnn_cli::io::SpikeFormat;
/// assert_eq!(SpikeFormat::detect("a.csv", "")?, SpikeFormat::Csv);
/// assert_eq!(SpikeFormat::detect("a.json", "")?, SpikeFormat::Json);
/// assert_eq!(SpikeFormat::detect("a.txt", "  {\"format\": 1}")?, SpikeFormat::Json);
/// assert_eq!(SpikeFormat::detect("a", "sequence,time,neuron\n")?, SpikeFormat::Csv);
/// assert!(SpikeFormat::detect("a.dat", "hello").is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpikeFormat {
    /// `spikes/v1` JSON.
    Json,
    /// CSV with the header [`CSV_HEADER`].
    Csv,
}

impl SpikeFormat {
    /// The format of a file from its extension (`.json`, `.csv`, any case), or else from its
    /// content (a `{` first: JSON; a first line starting with `sequence`: CSV).
    pub fn detect(path: impl AsRef<Path>, content: &str) -> Result<Self> {
        let path = path.as_ref();
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("json") => return Ok(SpikeFormat::Json),
            Some("csv") => return Ok(SpikeFormat::Csv),
            _ => {}
        }
        let start = content.trim_start();
        if start.starts_with('{') {
            Ok(SpikeFormat::Json)
        } else if start.starts_with("sequence") {
            Ok(SpikeFormat::Csv)
        } else {
            Err(CliError::UnknownFileType {
                path: path.display().to_string(),
                reason: "not a spike file: expected a `.json` file (spikes/v1) or a `.csv` file \
                         with the header `sequence,time,neuron`"
                    .into(),
            })
        }
    }
}

/// What the caller knows about a spike file that the file itself may not say.
///
/// ```
/// use diffsnn_cli::io::ReadOptions;
/// let opts = ReadOptions::default()
///     .window(pp_core::Window::new(0.0, 10.0)?)
///     .expect_neurons(6, "the model m.json");
/// assert_eq!(opts.n_neurons.as_ref().map(|n| n.count), Some(6));
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// The window of every sequence of a CSV file (default `[0, last spike of the file]`).
    /// JSON files carry their windows: giving one for a JSON file is an error.
    pub window: Option<Window>,
    /// The number of neurons. CSV files don't state it (default: the largest neuron + 1); a
    /// JSON file's `n_neurons` must equal it.
    pub n_neurons: Option<ExpectedNeurons>,
    /// Accept CSV sequence numbers with no rows (empty sequences); by default a gap in the
    /// numbering is an error (a typo, or rows lost).
    pub allow_empty_sequences: bool,
    /// Refuse a CSV file whose neuron numbers skip one (without a declared count, its neurons
    /// are `0..=largest`, so a typo'd large number would silently add neurons).
    pub require_every_neuron: bool,
    /// A CSV file read without a declared count has at least this many neurons (neurons
    /// without spikes do not appear in a CSV file).
    pub csv_min_neurons: Option<usize>,
}

/// An expected number of neurons and who expects it (used in the error message).
///
/// ```
/// let e = diffsnn_cli::io::ExpectedNeurons { count: 3, source: "the model m.json".into() };
/// assert_eq!(e.count, 3);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ExpectedNeurons {
    /// The number of neurons.
    pub count: usize,
    /// Who expects it, e.g. `the model m.json`.
    pub source: String,
}

impl ReadOptions {
    /// Sets the window of CSV files.
    ///
    /// ```
    /// let w = pp_core::Window::new(1.0, 2.0)?;
    /// assert_eq!(diffsnn_cli::io::ReadOptions::default().window(w).window, Some(w));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn window(mut self, window: Window) -> Self {
        self.window = Some(window);
        self
    }

    /// Sets the expected number of neurons and who expects it.
    ///
    /// ```
    /// let o = diffsnn_cli::io::ReadOptions::default().expect_neurons(4, "the model");
    /// assert_eq!(o.n_neurons.unwrap().count, 4);
    /// ```
    pub fn expect_neurons(mut self, count: usize, source: impl Into<String>) -> Self {
        self.n_neurons = Some(ExpectedNeurons {
            count,
            source: source.into(),
        });
        self
    }
}

/// Reads a spike file (JSON or CSV, see [`SpikeFormat::detect`]); errors name the file.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("s.csv");
/// std::fs::write(&path, "sequence,time,neuron\n0,2.0,1\n0,1.0,0\n").unwrap();
/// let t = diffsnn_cli::io::read_spikes(&path, &Default::default())?;
/// assert_eq!(t.n_neurons(), 2);
/// assert_eq!(t.sequences()[0].times(), &[1.0, 2.0]); // sorted on reading
/// assert_eq!(t.sequences()[0].window().t1(), 2.0); // default window [0, last spike]
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn read_spikes(path: impl AsRef<Path>, options: &ReadOptions) -> Result<SpikeTrains> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))?;
    let label = path.display().to_string();
    match SpikeFormat::detect(path, &text)? {
        SpikeFormat::Json => {
            if options.window.is_some() {
                return Err(CliError::argument(
                    "--window",
                    format!(
                        "{label} is a JSON file, which carries its own windows; --window is for CSV files"
                    ),
                ));
            }
            let trains = SpikeTrains::from_json_str(&text, &label)?;
            if let Some(expected) = &options.n_neurons
                && expected.count != trains.n_neurons()
            {
                return Err(CliError::Mismatch {
                    reason: format!(
                        "{label}: the spike file has {} neurons (field `n_neurons`), but {} has {}",
                        trains.n_neurons(),
                        expected.source,
                        expected.count
                    ),
                });
            }
            Ok(trains)
        }
        SpikeFormat::Csv => {
            let trains = SpikeTrains::from_csv_str(
                &text,
                &label,
                &CsvOptions {
                    window: options.window,
                    n_neurons: options.n_neurons.as_ref().map(|e| e.count),
                },
            )?;
            if !options.allow_empty_sequences {
                check_no_empty_sequences(&trains, &label)?;
            }
            if options.require_every_neuron && options.n_neurons.is_none() {
                check_no_skipped_neurons(&trains, &label)?;
            }
            let trains = match options.csv_min_neurons {
                Some(n) if options.n_neurons.is_none() && trains.n_neurons() < n => {
                    let widened = trains
                        .sequences()
                        .iter()
                        .map(|s| {
                            pp_core::EventSequence::new(
                                s.window(),
                                n,
                                s.times().to_vec(),
                                s.marks().to_vec(),
                            )
                        })
                        .collect::<pp_core::Result<Vec<_>>>()?;
                    SpikeTrains::new(n, widened)?
                }
                _ => trains,
            };
            if options.window.is_none() {
                let w = trains.sequences()[0].window();
                eprintln!(
                    "warning: {label} is a CSV file read without --window: every sequence's \
                     window is [0, last spike of the file] = [{}, {}], which changes the \
                     likelihood (the silence after the last spike is not counted); give the \
                     true window with --window T0,T1",
                    w.t0(),
                    w.t1()
                );
            }
            Ok(trains)
        }
    }
}

/// A CSV file's neurons are `0..=largest`: every number below the largest must have a spike,
/// else the largest is likely a typo.
fn check_no_skipped_neurons(trains: &SpikeTrains, label: &str) -> Result<()> {
    let n = trains.n_neurons();
    let mut seen = vec![false; n];
    for s in trains.sequences() {
        for &m in s.marks() {
            seen[m as usize] = true;
        }
    }
    let missing: Vec<usize> = (0..n).filter(|&j| !seen[j]).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = missing.iter().take(8).map(usize::to_string).collect();
    Err(CliError::Mismatch {
        reason: format!(
            "{label}: the largest neuron number is {} but neuron{} {}{} never spike: a typo? \
             A CSV file does not state its neurons; say which are observed with --observed \
             i,j,... or --n-observed N",
            n - 1,
            if missing.len() == 1 { "" } else { "s" },
            shown.join(", "),
            if missing.len() > 8 { ", ..." } else { "" }
        ),
    })
}

/// A CSV file's sequences are `0..=largest number`: one without rows is a gap in the
/// numbering, most likely a typo or lost rows.
fn check_no_empty_sequences(trains: &SpikeTrains, label: &str) -> Result<()> {
    let empty: Vec<String> = trains
        .sequences()
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_empty())
        .map(|(k, _)| k.to_string())
        .collect();
    if empty.is_empty() {
        return Ok(());
    }
    Err(CliError::Mismatch {
        reason: format!(
            "{label}: sequence number{} {} of 0..{} {} no rows: a gap in the numbering (a typo, \
             or rows lost?); if empty sequences are meant, give --allow-empty-sequences",
            if empty.len() == 1 { "" } else { "s" },
            empty.iter().take(8).cloned().collect::<Vec<_>>().join(", ")
                + if empty.len() > 8 { ", ..." } else { "" },
            trains.sequences().len(),
            if empty.len() == 1 { "has" } else { "have" }
        ),
    })
}

/// Sequence `index` of `trains`, or an error that names the file, the flag and the number of
/// sequences.
///
/// ```
/// let w = pp_core::Window::new(0.0, 1.0)?;
/// let t = pp_core::spike_files::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?])?;
/// assert!(diffsnn_cli::io::sequence(&t, 0, "s.json").is_ok());
/// let err = diffsnn_cli::io::sequence(&t, 3, "s.json").unwrap_err();
/// assert!(err.to_string().contains("sequence 3") && err.to_string().contains("1 sequence"));
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn sequence<'t>(
    trains: &'t SpikeTrains,
    index: usize,
    path: &str,
) -> Result<&'t EventSequence> {
    let n = trains.sequences().len();
    trains.sequences().get(index).ok_or_else(|| {
        CliError::argument(
            "--sequence",
            format!(
                "sequence {index} does not exist: {path} has {} sequence{} (0..{})",
                n,
                if n == 1 { "" } else { "s" },
                n
            ),
        )
    })
}

/// Writes `trains` to `path` atomically ([`write_atomic`](crate::io::write_atomic)),
/// as JSON or CSV.
///
/// ```
/// use diffsnn_cli::io::{ReadOptions, SpikeFormat, read_spikes, write_spikes};
/// use pp_core::spike_files::SpikeTrains;
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("s.json");
/// let w = pp_core::Window::new(0.0, 2.0)?;
/// let t = SpikeTrains::new(1, vec![pp_core::EventSequence::new(w, 1, vec![0.3], vec![0])?])?;
/// write_spikes(&t, &path, SpikeFormat::Json)?;
/// assert_eq!(read_spikes(&path, &ReadOptions::default())?, t);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn write_spikes(
    trains: &SpikeTrains,
    path: impl AsRef<Path>,
    format: SpikeFormat,
) -> Result<()> {
    let path = path.as_ref();
    crate::io::write_atomic(path, |w| {
        match format {
            SpikeFormat::Json => trains.write_json_to(w),
            SpikeFormat::Csv => trains.write_csv_to(w),
        }
        .map_err(|e| CliError::io(path, e))
    })
}
