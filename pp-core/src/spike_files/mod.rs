//! Spike-train files, `spikes/v1` (docs/formats.md): the serde form of a collection of
//! [`EventSequence`]s, as JSON and as CSV (feature `serde`).
//!
//! Every sequence goes through [`EventSequence::new`], so the rules (finite, strictly
//! increasing times inside the window, neurons in range, as many neurons as times) are
//! pp-core's; a broken rule becomes [`FileError::Sequence`], which adds the file, the
//! sequence, the field and (for CSV) the line of the offending event to pp-core's message.
//! Reading a file from disk, choosing the format and writing atomically are the program's
//! business (the `diffsnn` crate); here are the parsers and the writers.

mod csv_format;
mod error;
mod json;
#[cfg(test)]
mod tests;

use std::io::Write;

use serde::Serialize;

pub use csv_format::csv_error_parts;
pub use error::FileError;

use crate::{EventSequence, PpError, Window};

type Result<T> = std::result::Result<T, FileError>;

/// The format string of spike-train JSON files.
///
/// ```
/// assert_eq!(pp_core::spike_files::SPIKES_FORMAT, "spikes/v1");
/// ```
pub const SPIKES_FORMAT: &str = "spikes/v1";

/// The header of spike-train CSV files.
///
/// ```
/// assert_eq!(pp_core::spike_files::CSV_HEADER, "sequence,time,neuron");
/// ```
pub const CSV_HEADER: &str = "sequence,time,neuron";

/// The largest number of sequences a CSV file may imply (its largest `sequence` index + 1);
/// a guard against a typo such as `1e9` creating a billion empty sequences.
///
/// ```
/// assert_eq!(pp_core::spike_files::MAX_CSV_SEQUENCES, 1_000_000);
/// ```
pub const MAX_CSV_SEQUENCES: usize = 1_000_000;

/// The spike trains of a file: `n_neurons` neurons and one or more sequences, each an
/// [`EventSequence`] of dimension `n_neurons` with its own window.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use pp_core::spike_files::SpikeTrains;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 2, vec![0.5, 1.5], vec![1, 0])?;
/// let trains = SpikeTrains::new(2, vec![seq])?;
/// assert_eq!(trains.n_neurons(), 2);
/// let back = SpikeTrains::from_json_str(&trains.to_json_string(), "s.json")?;
/// assert_eq!(back, trains);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SpikeTrains {
    n_neurons: usize,
    sequences: Vec<EventSequence>,
}

/// What a CSV file does not say: the window of its sequences and its number of neurons.
///
/// ```
/// let o = pp_core::spike_files::CsvOptions { window: Some(pp_core::Window::new(0.0, 10.0)?), n_neurons: Some(6) };
/// assert_eq!(o.n_neurons, Some(6));
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CsvOptions {
    /// The window of every sequence (default `[0, last spike of the file]`).
    pub window: Option<Window>,
    /// The number of neurons (default: the largest neuron + 1).
    pub n_neurons: Option<usize>,
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
        | PpError::NonFiniteTime { index, .. }
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
    /// assert!(pp_core::spike_files::SpikeTrains::new(2, vec![s2.clone()]).is_ok());
    /// assert!(pp_core::spike_files::SpikeTrains::new(3, vec![s2]).is_err());
    /// assert!(pp_core::spike_files::SpikeTrains::new(2, vec![]).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(n_neurons: usize, sequences: Vec<EventSequence>) -> Result<Self> {
        if sequences.is_empty() {
            return Err(FileError::Mismatch {
                reason: "spike trains need at least one sequence".into(),
            });
        }
        if let Some((k, s)) = sequences
            .iter()
            .enumerate()
            .find(|(_, s)| s.dim() != n_neurons)
        {
            return Err(FileError::Mismatch {
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
    /// let t = pp_core::spike_files::SpikeTrains::new(3, vec![pp_core::EventSequence::empty(w, 3)?])?;
    /// assert_eq!(t.n_neurons(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn n_neurons(&self) -> usize {
        self.n_neurons
    }

    /// The sequences.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0)?;
    /// let t = pp_core::spike_files::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?; 2])?;
    /// assert_eq!(t.sequences().len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sequences(&self) -> &[EventSequence] {
        &self.sequences
    }

    /// The sequences, by value.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0)?;
    /// let t = pp_core::spike_files::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?])?;
    /// let seqs: Vec<pp_core::EventSequence> = t.into_sequences();
    /// assert_eq!(seqs.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_sequences(self) -> Vec<EventSequence> {
        self.sequences
    }

    /// The trains as `spikes/v1` JSON (one sequence per line; numbers read back bit for bit).
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 2.0)?;
    /// let seq = pp_core::EventSequence::new(w, 1, vec![0.1], vec![0])?;
    /// let t = pp_core::spike_files::SpikeTrains::new(1, vec![seq])?;
    /// let json = t.to_json_string();
    /// assert!(json.starts_with(r#"{"format":"spikes/v1","n_neurons":1,"sequences":["#));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let t = pp_core::spike_files::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?])?;
    /// let mut buf = Vec::new();
    /// t.write_json_to(&mut buf).unwrap();
    /// assert_eq!(String::from_utf8(buf).unwrap(), t.to_json_string());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let t = pp_core::spike_files::SpikeTrains::new(2, vec![seq])?;
    /// assert_eq!(t.to_csv_string(), "sequence,time,neuron\n0,0.25,1\n0,1.5,0\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
    /// let t = pp_core::spike_files::SpikeTrains::new(1, vec![pp_core::EventSequence::empty(w, 1)?])?;
    /// let mut buf = Vec::new();
    /// t.write_csv_to(&mut buf).unwrap();
    /// assert_eq!(buf, b"sequence,time,neuron\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
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
}
