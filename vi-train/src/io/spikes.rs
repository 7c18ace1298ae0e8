//! Spike-train files `spikes/v1` (FORMATS.md): JSON and CSV.
//!
//! Every sequence goes through [`EventSequence::new`], so the rules (finite, strictly
//! increasing times inside the window, neurons in range, as many neurons as times) are pp-core's;
//! a broken rule becomes [`ViError::Sequence`], which adds the file, the sequence, the field and
//! (for CSV) the line of the offending event to pp-core's message.

use std::io::Write;
use std::path::Path;

use pp_core::{EventSequence, PpError, Window};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Result, ViError};
use crate::io::csv_error;

/// The format string of spike-train JSON files.
///
/// ```
/// assert_eq!(vi_train::io::SPIKES_FORMAT, "spikes/v1");
/// ```
pub const SPIKES_FORMAT: &str = "spikes/v1";

/// The header of spike-train CSV files.
///
/// ```
/// assert_eq!(vi_train::io::CSV_HEADER, "sequence,time,neuron");
/// ```
pub const CSV_HEADER: &str = "sequence,time,neuron";

/// The largest number of sequences a CSV file may imply (its largest `sequence` index + 1);
/// a guard against a typo such as `1e9` creating a billion empty sequences.
///
/// ```
/// assert_eq!(vi_train::io::MAX_CSV_SEQUENCES, 1_000_000);
/// ```
pub const MAX_CSV_SEQUENCES: usize = 1_000_000;

/// The spike trains of a file: `n_neurons` neurons and one or more sequences, each an
/// [`EventSequence`] of dimension `n_neurons` with its own window.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use vi_train::io::SpikeTrains;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 2, vec![0.5, 1.5], vec![1, 0])?;
/// let trains = SpikeTrains::new(2, vec![seq])?;
/// assert_eq!(trains.n_neurons(), 2);
/// let back = SpikeTrains::from_json_str(&trains.to_json_string(), "s.json")?;
/// assert_eq!(back, trains);
/// # Ok::<(), vi_train::ViError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeTrains {
    n_neurons: usize,
    sequences: Vec<EventSequence>,
}

/// The two encodings of a spike-train file.
///
/// ```
/// use vi_train::io::SpikeFormat;
/// assert_eq!(SpikeFormat::detect("a.csv", "")?, SpikeFormat::Csv);
/// assert_eq!(SpikeFormat::detect("a.json", "")?, SpikeFormat::Json);
/// assert_eq!(SpikeFormat::detect("a.txt", "  {\"format\": 1}")?, SpikeFormat::Json);
/// assert_eq!(SpikeFormat::detect("a", "sequence,time,neuron\n")?, SpikeFormat::Csv);
/// assert!(SpikeFormat::detect("a.dat", "hello").is_err());
/// # Ok::<(), vi_train::ViError>(())
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
            Err(ViError::UnknownFileType {
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
/// use vi_train::io::ReadOptions;
/// let opts = ReadOptions::default()
///     .window(pp_core::Window::new(0.0, 10.0)?)
///     .expect_neurons(6, "the model m.json");
/// assert_eq!(opts.n_neurons.as_ref().map(|n| n.count), Some(6));
/// # Ok::<(), vi_train::ViError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// The window of every sequence of a CSV file (default `[0, last spike of the file]`).
    /// JSON files carry their windows: giving one for a JSON file is an error.
    pub window: Option<Window>,
    /// The number of neurons. CSV files don't state it (default: the largest neuron + 1); a
    /// JSON file's `n_neurons` must equal it.
    pub n_neurons: Option<ExpectedNeurons>,
}

/// An expected number of neurons and who expects it (used in the error message).
///
/// ```
/// let e = vi_train::io::ExpectedNeurons { count: 3, source: "the model m.json".into() };
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
    /// assert_eq!(vi_train::io::ReadOptions::default().window(w).window, Some(w));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn window(mut self, window: Window) -> Self {
        self.window = Some(window);
        self
    }

    /// Sets the expected number of neurons and who expects it.
    ///
    /// ```
    /// let o = vi_train::io::ReadOptions::default().expect_neurons(4, "the model");
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

/// The field of a spike file that a pp-core sequence error is about.
fn json_field(e: &PpError) -> &'static str {
    match e {
        PpError::InvalidWindow { .. } => "window",
        PpError::MarkOutOfRange { .. } | PpError::LengthMismatch { .. } => "neurons",
        _ => "times",
    }
}

/// The column of a spike CSV file that a pp-core sequence error is about.
fn csv_field(e: &PpError) -> &'static str {
    match e {
        PpError::MarkOutOfRange { .. } => "neuron",
        _ => "time",
    }
}

/// The index of the event a pp-core sequence error is about.
fn event_index(e: &PpError) -> Option<usize> {
    match e {
        PpError::NonFinite { index, .. }
        | PpError::Unsorted { index, .. }
        | PpError::DuplicateTime { index, .. }
        | PpError::OutsideWindow { index, .. }
        | PpError::MarkOutOfRange { index, .. } => Some(*index),
        _ => None,
    }
}

impl SpikeTrains {
    /// Spike trains from sequences; every sequence must have dimension `n_neurons`, and there
    /// must be at least one sequence.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let w = Window::new(0.0, 1.0)?;
    /// let s2 = EventSequence::empty(w, 2)?;
    /// assert!(vi_train::io::SpikeTrains::new(2, vec![s2.clone()]).is_ok());
    /// assert!(vi_train::io::SpikeTrains::new(3, vec![s2]).is_err());
    /// assert!(vi_train::io::SpikeTrains::new(2, vec![]).is_err());
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn new(n_neurons: usize, sequences: Vec<EventSequence>) -> Result<Self> {
        if sequences.is_empty() {
            return Err(ViError::argument("sequences", "need at least one sequence"));
        }
        if let Some((k, s)) = sequences
            .iter()
            .enumerate()
            .find(|(_, s)| s.dim() != n_neurons)
        {
            return Err(ViError::Mismatch {
                reason: format!(
                    "sequence {k} has {} neurons, but the spike trains have {n_neurons}",
                    s.dim()
                ),
            });
        }
        Ok(Self {
            n_neurons,
            sequences,
        })
    }

    /// Number of neurons.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0)?;
    /// let t = vi_train::io::SpikeTrains::new(3, vec![pp_core::EventSequence::empty(w, 3)?])?;
    /// assert_eq!(t.n_neurons(), 3);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn n_neurons(&self) -> usize {
        self.n_neurons
    }

    /// The sequences.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0)?;
    /// let t = vi_train::io::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?; 2])?;
    /// assert_eq!(t.sequences().len(), 2);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn sequences(&self) -> &[EventSequence] {
        &self.sequences
    }

    /// The sequences, by value.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0)?;
    /// let t = vi_train::io::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?])?;
    /// let seqs: Vec<pp_core::EventSequence> = t.into_sequences();
    /// assert_eq!(seqs.len(), 1);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn into_sequences(self) -> Vec<EventSequence> {
        self.sequences
    }

    /// Sequence `index`, or an error that names the file and the number of sequences.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0)?;
    /// let t = vi_train::io::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?])?;
    /// assert!(t.sequence(0, "s.json").is_ok());
    /// let err = t.sequence(3, "s.json").unwrap_err();
    /// assert!(err.to_string().contains("sequence 3") && err.to_string().contains("1 sequence"));
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn sequence(&self, index: usize, path: &str) -> Result<&EventSequence> {
        self.sequences.get(index).ok_or_else(|| {
            ViError::argument(
                "--sequence",
                format!(
                    "sequence {index} does not exist: {path} has {} sequence{} (0..{})",
                    self.sequences.len(),
                    if self.sequences.len() == 1 { "" } else { "s" },
                    self.sequences.len()
                ),
            )
        })
    }

    /// Reads a spike file (JSON or CSV, see [`SpikeFormat::detect`]); errors name the file.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("s.csv");
    /// std::fs::write(&path, "sequence,time,neuron\n0,2.0,1\n0,1.0,0\n").unwrap();
    /// let t = vi_train::io::SpikeTrains::read(&path, &Default::default())?;
    /// assert_eq!(t.n_neurons(), 2);
    /// assert_eq!(t.sequences()[0].times(), &[1.0, 2.0]); // sorted on reading
    /// assert_eq!(t.sequences()[0].window().t1(), 2.0); // default window [0, last spike]
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn read(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ViError::io(path, e))?;
        let label = path.display().to_string();
        match SpikeFormat::detect(path, &text)? {
            SpikeFormat::Json => {
                if options.window.is_some() {
                    return Err(ViError::argument(
                        "--window",
                        format!(
                            "{label} is a JSON file, which carries its own windows; --window is for CSV files"
                        ),
                    ));
                }
                let trains = Self::from_json_str(&text, &label)?;
                if let Some(expected) = &options.n_neurons
                    && expected.count != trains.n_neurons
                {
                    return Err(ViError::Mismatch {
                        reason: format!(
                            "{label}: the spike file has {} neurons (field `n_neurons`), but {} has {}",
                            trains.n_neurons, expected.source, expected.count
                        ),
                    });
                }
                Ok(trains)
            }
            SpikeFormat::Csv => Self::from_csv_str(&text, &label, options),
        }
    }

    /// Parses `spikes/v1` JSON; `path` is used in error messages only.
    ///
    /// ```
    /// use vi_train::io::SpikeTrains;
    /// let text = r#"{"format": "spikes/v1", "n_neurons": 2,
    ///   "sequences": [{"window": [0, 5], "times": [0.5, 1.0], "neurons": [1, 0]}]}"#;
    /// let t = SpikeTrains::from_json_str(text, "s.json")?;
    /// assert_eq!(t.sequences()[0].marks(), &[1, 0]);
    ///
    /// let err = SpikeTrains::from_json_str(&text.replace("0.5, 1.0", "1.0, 0.5"), "s.json").unwrap_err();
    /// assert!(err.to_string().starts_with("s.json: sequence 0, field `times`: event 1"));
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn from_json_str(text: &str, path: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(ViError::EmptyFile {
                path: path.into(),
                hint: format!(": expected a {SPIKES_FORMAT} JSON object"),
            });
        }
        let v: Value = serde_json::from_str(text).map_err(|e| ViError::Json {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        let j = JsonReader { path };
        let obj = j.object(&v, "(top level)")?;
        let format = j.required(obj, "", "format")?;
        let format = format
            .as_str()
            .ok_or_else(|| j.wrong_type("format", "a string", format))?;
        if format != SPIKES_FORMAT {
            return Err(if format.starts_with("spikes/") {
                ViError::UnsupportedVersion {
                    path: path.into(),
                    found: format.into(),
                    expected: SPIKES_FORMAT,
                }
            } else {
                ViError::UnknownFormat {
                    path: path.into(),
                    found: format.into(),
                    expected: SPIKES_FORMAT,
                }
            });
        }
        j.only_fields(obj, "", &["format", "n_neurons", "sequences"])?;
        let n_neurons = j.count(j.required(obj, "", "n_neurons")?, "n_neurons")?;
        if n_neurons == 0 {
            return Err(ViError::field(path, "n_neurons", "must be at least 1"));
        }
        let seqs = j.required(obj, "", "sequences")?;
        let seqs = seqs
            .as_array()
            .ok_or_else(|| j.wrong_type("sequences", "an array", seqs))?;
        if seqs.is_empty() {
            return Err(ViError::field(
                path,
                "sequences",
                "the file has no sequences",
            ));
        }
        let mut sequences = Vec::with_capacity(seqs.len());
        for (s, sv) in seqs.iter().enumerate() {
            let prefix = format!("sequences[{s}].");
            let so = j.object(sv, &format!("sequences[{s}]"))?;
            j.only_fields(so, &prefix, &["window", "times", "neurons"])?;
            let wv = j.required(so, &prefix, "window")?;
            let w = j.numbers(wv, &format!("{prefix}window"))?;
            if w.len() != 2 {
                return Err(ViError::field(
                    path,
                    format!("{prefix}window"),
                    format!("expected [t0, t1], found {} numbers", w.len()),
                ));
            }
            let in_seq = |source: PpError| ViError::Sequence {
                path: path.into(),
                sequence: s,
                field: json_field(&source),
                line: None,
                source,
            };
            let window = Window::new(w[0], w[1]).map_err(in_seq)?;
            let times = j.numbers(j.required(so, &prefix, "times")?, &format!("{prefix}times"))?;
            let neurons = j.neurons(
                j.required(so, &prefix, "neurons")?,
                &format!("{prefix}neurons"),
            )?;
            sequences.push(EventSequence::new(window, n_neurons, times, neurons).map_err(in_seq)?);
        }
        Ok(Self {
            n_neurons,
            sequences,
        })
    }

    /// Parses spike CSV (header `sequence,time,neuron`, rows in any order, sorted on reading);
    /// `path` is used in error messages only. The window and the number of neurons come from
    /// `options` (defaults: `[0, last spike of the file]` and the largest neuron + 1). The
    /// sequences are `0..=largest sequence index` (a sequence without rows is empty).
    ///
    /// ```
    /// use vi_train::io::{ReadOptions, SpikeTrains};
    /// let text = "sequence,time,neuron\n1,0.5,0\n0,3.0,2\n0,1.0,1\n";
    /// let t = SpikeTrains::from_csv_str(text, "s.csv", &ReadOptions::default())?;
    /// assert_eq!((t.n_neurons(), t.sequences().len()), (3, 2));
    /// assert_eq!(t.sequences()[0].times(), &[1.0, 3.0]);
    ///
    /// let err = SpikeTrains::from_csv_str("sequence,time,neuron\n0,1,0\n0,1,1\n", "s.csv",
    ///     &ReadOptions::default()).unwrap_err();
    /// assert!(err.to_string().contains("(line 3)") && err.to_string().contains("share the time"));
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn from_csv_str(text: &str, path: &str, options: &ReadOptions) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(ViError::EmptyFile {
                path: path.into(),
                hint: format!(": expected a header `{CSV_HEADER}`"),
            });
        }
        let csv_err = |line: Option<u64>, message: String| ViError::Csv {
            path: path.into(),
            line,
            message,
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .trim(csv::Trim::All)
            .comment(None)
            .from_reader(text.as_bytes());
        let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
        let names: Vec<&str> = headers.iter().collect();
        if names != ["sequence", "time", "neuron"] {
            return Err(csv_err(
                Some(1),
                format!(
                    "expected the header `{CSV_HEADER}`, found `{}`",
                    names.join(",")
                ),
            ));
        }
        // (time, neuron, line) per sequence.
        let mut rows: Vec<Vec<(f64, u32, u64)>> = Vec::new();
        let mut max_neuron: Option<u32> = None;
        let mut last_spike = f64::NEG_INFINITY;
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(path, &e))?;
            let line = record.position().map(|p| p.line()).unwrap_or(0);
            let seq_text = &record[0];
            let sequence: usize = seq_text.parse().map_err(|_| {
                csv_err(
                    Some(line),
                    format!("column `sequence`: `{seq_text}` is not a non-negative integer"),
                )
            })?;
            if sequence >= MAX_CSV_SEQUENCES {
                return Err(csv_err(
                    Some(line),
                    format!(
                        "column `sequence`: index {sequence} is too large (at most {} sequences)",
                        MAX_CSV_SEQUENCES
                    ),
                ));
            }
            let time_text = &record[1];
            let time: f64 = time_text.parse().map_err(|_| {
                csv_err(
                    Some(line),
                    format!("column `time`: `{time_text}` is not a number"),
                )
            })?;
            let neuron_text = &record[2];
            let neuron: u32 = match neuron_text.parse::<i64>() {
                Ok(v) if v < 0 => {
                    return Err(csv_err(
                        Some(line),
                        format!("column `neuron`: neuron {v} is negative"),
                    ));
                }
                Ok(v) => u32::try_from(v).map_err(|_| {
                    csv_err(
                        Some(line),
                        format!("column `neuron`: neuron {v} is out of range"),
                    )
                })?,
                Err(_) => {
                    return Err(csv_err(
                        Some(line),
                        format!("column `neuron`: `{neuron_text}` is not a non-negative integer"),
                    ));
                }
            };
            if rows.len() <= sequence {
                rows.resize_with(sequence + 1, Vec::new);
            }
            rows[sequence].push((time, neuron, line));
            max_neuron = Some(max_neuron.map_or(neuron, |m| m.max(neuron)));
            if time.is_finite() {
                last_spike = last_spike.max(time);
            }
        }
        let Some(max_neuron) = max_neuron else {
            return Err(ViError::NoData {
                path: path.into(),
                what: "spike rows after the header".into(),
            });
        };
        let n_neurons = match &options.n_neurons {
            Some(e) => e.count,
            None => max_neuron as usize + 1,
        };
        let window = match options.window {
            Some(w) => w,
            None => Window::new(0.0, last_spike).map_err(|_| {
                csv_err(
                    None,
                    format!(
                        "the default window [0, last spike] = [0, {last_spike}] is empty; \
                         give the window with --window T0,T1"
                    ),
                )
            })?,
        };
        let mut sequences = Vec::with_capacity(rows.len());
        for (s, mut events) in rows.into_iter().enumerate() {
            events.sort_by(|a, b| a.0.total_cmp(&b.0));
            let times = events.iter().map(|e| e.0).collect();
            let marks = events.iter().map(|e| e.1).collect();
            let seq = EventSequence::new(window, n_neurons, times, marks).map_err(|source| {
                ViError::Sequence {
                    path: path.into(),
                    sequence: s,
                    field: csv_field(&source),
                    line: event_index(&source)
                        .and_then(|i| events.get(i))
                        .map(|e| e.2),
                    source,
                }
            })?;
            sequences.push(seq);
        }
        Ok(Self {
            n_neurons,
            sequences,
        })
    }

    /// The trains as `spikes/v1` JSON (one sequence per line; numbers read back bit for bit).
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 2.0)?;
    /// let seq = pp_core::EventSequence::new(w, 1, vec![0.1], vec![0])?;
    /// let t = vi_train::io::SpikeTrains::new(1, vec![seq])?;
    /// let json = t.to_json_string();
    /// assert!(json.starts_with(r#"{"format":"spikes/v1","n_neurons":1,"sequences":["#));
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::new();
        self.write_json_to(&mut out)
            .expect("writing JSON to a Vec cannot fail");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }

    /// Writes the trains as `spikes/v1` JSON to `w` (see [`to_json_string`](Self::to_json_string)).
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 2.0)?;
    /// let t = vi_train::io::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?])?;
    /// let mut buf = Vec::new();
    /// t.write_json_to(&mut buf).unwrap();
    /// assert_eq!(String::from_utf8(buf).unwrap(), t.to_json_string());
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn write_json_to(&self, w: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct SeqOut<'a> {
            window: [f64; 2],
            times: &'a [f64],
            neurons: &'a [u32],
        }
        write!(
            w,
            "{{\"format\":\"{SPIKES_FORMAT}\",\"n_neurons\":{},\"sequences\":[",
            self.n_neurons
        )?;
        for (k, s) in self.sequences.iter().enumerate() {
            w.write_all(if k == 0 { b"\n" } else { b",\n" })?;
            let out = SeqOut {
                window: [s.window().t0(), s.window().t1()],
                times: s.times(),
                neurons: s.marks(),
            };
            serde_json::to_writer(&mut *w, &out)?;
        }
        w.write_all(b"\n]}\n")
    }

    /// The trains as CSV: the header [`CSV_HEADER`] and one row per spike, by sequence then time.
    /// CSV has no place for the windows (readers take them from `--window`), nor for
    /// sequences without spikes after the last one with spikes.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 2.0)?;
    /// let seq = pp_core::EventSequence::new(w, 2, vec![0.25, 1.5], vec![1, 0])?;
    /// let t = vi_train::io::SpikeTrains::new(2, vec![seq])?;
    /// assert_eq!(t.to_csv_string(), "sequence,time,neuron\n0,0.25,1\n0,1.5,0\n");
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn to_csv_string(&self) -> String {
        let mut out = Vec::new();
        self.write_csv_to(&mut out)
            .expect("writing CSV to a Vec cannot fail");
        String::from_utf8(out).expect("CSV rows are ASCII")
    }

    /// Writes the trains as CSV to `w` (see [`to_csv_string`](Self::to_csv_string)). Times are
    /// written in Rust's shortest round-trip notation, so they read back bit for bit.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 2.0)?;
    /// let t = vi_train::io::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?])?;
    /// let mut buf = Vec::new();
    /// t.write_csv_to(&mut buf).unwrap();
    /// assert_eq!(buf, b"sequence,time,neuron\n");
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn write_csv_to(&self, w: &mut dyn Write) -> std::io::Result<()> {
        writeln!(w, "{CSV_HEADER}")?;
        for (k, s) in self.sequences.iter().enumerate() {
            for (&t, &m) in s.times().iter().zip(s.marks()) {
                writeln!(w, "{k},{t:?},{m}")?;
            }
        }
        Ok(())
    }

    /// Writes the trains to `path` atomically ([`write_atomic`](crate::io::write_atomic)),
    /// as JSON or CSV.
    ///
    /// ```
    /// use vi_train::io::{ReadOptions, SpikeFormat, SpikeTrains};
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("s.json");
    /// let w = pp_core::Window::new(0.0, 2.0)?;
    /// let t = SpikeTrains::new(1, vec![pp_core::EventSequence::new(w, 1, vec![0.3], vec![0])?])?;
    /// t.write(&path, SpikeFormat::Json)?;
    /// assert_eq!(SpikeTrains::read(&path, &ReadOptions::default())?, t);
    /// # Ok::<(), vi_train::ViError>(())
    /// ```
    pub fn write(&self, path: impl AsRef<Path>, format: SpikeFormat) -> Result<()> {
        let path = path.as_ref();
        crate::io::write_atomic(path, |w| {
            match format {
                SpikeFormat::Json => self.write_json_to(w),
                SpikeFormat::Csv => self.write_csv_to(w),
            }
            .map_err(|e| ViError::io(path, e))
        })
    }
}

/// Field-path-aware accessors for a parsed JSON value.
struct JsonReader<'p> {
    path: &'p str,
}

fn type_name(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

impl JsonReader<'_> {
    fn wrong_type(&self, field: &str, expected: &str, found: &Value) -> ViError {
        ViError::field(
            self.path,
            field,
            format!("expected {expected}, found {}", type_name(found)),
        )
    }

    fn object<'a>(&self, v: &'a Value, field: &str) -> Result<&'a Map<String, Value>> {
        v.as_object()
            .ok_or_else(|| self.wrong_type(field, "an object", v))
    }

    fn required<'a>(
        &self,
        obj: &'a Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Result<&'a Value> {
        obj.get(key)
            .ok_or_else(|| ViError::field(self.path, format!("{prefix}{key}"), "missing"))
    }

    fn only_fields(&self, obj: &Map<String, Value>, prefix: &str, allowed: &[&str]) -> Result<()> {
        match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(ViError::field(
                self.path,
                format!("{prefix}{k}"),
                format!(
                    "unknown field (not part of {SPIKES_FORMAT}; expected one of {})",
                    allowed.join(", ")
                ),
            )),
        }
    }

    fn count(&self, v: &Value, field: &str) -> Result<usize> {
        v.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| self.wrong_type(field, "a non-negative integer", v))
    }

    fn numbers(&self, v: &Value, field: &str) -> Result<Vec<f64>> {
        let items = v
            .as_array()
            .ok_or_else(|| self.wrong_type(field, "an array of numbers", v))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::Number(n) => n.as_f64().ok_or_else(|| {
                    ViError::field(
                        self.path,
                        format!("{field}[{i}]"),
                        "not representable as f64",
                    )
                }),
                Value::String(s) if s.trim().parse::<f64>().is_ok_and(|x| !x.is_finite()) => {
                    Err(ViError::field(
                        self.path,
                        format!("{field}[{i}]"),
                        format!(
                            "{s:?} is not a finite number (NaN and infinities are not allowed)"
                        ),
                    ))
                }
                other => Err(self.wrong_type(&format!("{field}[{i}]"), "a number", other)),
            })
            .collect()
    }

    fn neurons(&self, v: &Value, field: &str) -> Result<Vec<u32>> {
        let items = v
            .as_array()
            .ok_or_else(|| self.wrong_type(field, "an array of neuron indices", v))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let f = format!("{field}[{i}]");
                if let Some(n) = x.as_u64() {
                    u32::try_from(n).map_err(|_| {
                        ViError::field(self.path, f, format!("neuron {n} is out of range"))
                    })
                } else if let Some(n) = x.as_i64() {
                    Err(ViError::field(
                        self.path,
                        f,
                        format!("neuron {n} is negative"),
                    ))
                } else {
                    Err(self.wrong_type(&f, "a non-negative integer (a neuron index)", x))
                }
            })
            .collect()
    }
}
