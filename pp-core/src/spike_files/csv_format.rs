//! The spike CSV reader (header `sequence,time,neuron`).

use super::{
    CSV_HEADER, CsvOptions, FileError, MAX_CSV_SEQUENCES, Result, SpikeTrains, csv_field,
    event_index,
};
use crate::{EventSequence, Window};

impl SpikeTrains {
    /// Parses spike CSV (header `sequence,time,neuron`, rows in any order, sorted on reading);
    /// `path` is used in error messages only. The window and the number of neurons come from
    /// `options` (defaults: `[0, last spike of the file]` and the largest neuron + 1). The
    /// sequences are `0..=largest sequence index` (a sequence without rows is empty).
    ///
    /// ```
    /// use pp_core::spike_files::{CsvOptions, SpikeTrains};
    /// let text = "sequence,time,neuron\n1,0.5,0\n0,3.0,2\n0,1.0,1\n";
    /// let t = SpikeTrains::from_csv_str(text, "s.csv", &CsvOptions::default())?;
    /// assert_eq!((t.n_neurons(), t.sequences().len()), (3, 2));
    /// assert_eq!(t.sequences()[0].times(), &[1.0, 3.0]);
    ///
    /// let err = SpikeTrains::from_csv_str("sequence,time,neuron\n0,1,0\n0,1,1\n", "s.csv",
    ///     &CsvOptions::default()).unwrap_err();
    /// assert!(err.to_string().contains("(line 3)") && err.to_string().contains("share the time"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_csv_str(text: &str, path: &str, options: &CsvOptions) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(FileError::EmptyFile {
                path: path.into(),
                hint: format!(": expected a header `{CSV_HEADER}`"),
            });
        }
        let csv_err = |line: Option<u64>, message: String| FileError::Csv {
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
            return Err(FileError::NoData {
                path: path.into(),
                what: "spike rows after the header".into(),
            });
        };
        let n_neurons = options.n_neurons.unwrap_or(max_neuron as usize + 1);
        let window = match options.window {
            Some(w) => w,
            None => Window::new(0.0, last_spike).map_err(|_| FileError::EmptyDefaultWindow {
                path: path.into(),
                last_spike,
            })?,
        };
        let mut sequences = Vec::with_capacity(rows.len());
        for (s, mut events) in rows.into_iter().enumerate() {
            events.sort_by(|a, b| a.0.total_cmp(&b.0));
            let times = events.iter().map(|e| e.0).collect();
            let marks = events.iter().map(|e| e.1).collect();
            let seq = EventSequence::new(window, n_neurons, times, marks).map_err(|source| {
                FileError::Sequence {
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
}

/// A [`FileError::Csv`] from a `csv` crate error.
fn csv_error(path: &str, e: &csv::Error) -> FileError {
    let (line, message) = csv_error_parts(e);
    FileError::Csv {
        path: path.into(),
        line,
        message,
    }
}

/// The line (1-based, when known) and a message of a `csv` crate error, without the crate's
/// own position prefix (for every CSV reader's error messages).
///
/// ```
/// let text = "a,b\n1,2\n3\n";
/// let mut reader = csv::Reader::from_reader(text.as_bytes());
/// let e = reader.records().find_map(|r| r.err()).unwrap();
/// let (line, message) = pp_core::spike_files::csv_error_parts(&e);
/// assert_eq!(line, Some(3));
/// assert!(message.contains("found 1 fields, expected 2"));
/// ```
pub fn csv_error_parts(e: &csv::Error) -> (Option<u64>, String) {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("found {len} fields, expected {expected_len} (a truncated or malformed row)"),
        csv::ErrorKind::Utf8 { err, .. } => format!("invalid UTF-8: {err}"),
        _ => e.to_string(),
    };
    (line, message)
}
