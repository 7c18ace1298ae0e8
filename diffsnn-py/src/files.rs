//! Spike files (spikes/v1 JSON or CSV, docs/formats.md) read into and written from spike
//! trains, with the program's reader and atomic writer.

use std::path::PathBuf;

use diffsnn_cli::io::{
    ReadOptions, SpikeFormat, read_spikes as read_file, write_spikes as write_file,
};
use pp_core::Window;
use pp_core::spike_files::SpikeTrains;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::errors::{argument, to_py};
use crate::sequences::{sequences_of, train_of};

/// Reads a spike file: a list of spike trains, one per sequence. A CSV file needs its
/// `window` (it carries none); a JSON file carries its own.
#[pyfunction]
#[pyo3(signature = (path, *, window = None))]
pub fn read_spikes<'py>(
    py: Python<'py>,
    path: PathBuf,
    window: Option<(f64, f64)>,
) -> PyResult<Bound<'py, PyList>> {
    let window = window
        .map(|(a, b)| Window::new(a, b).map_err(|e| argument("window", e)))
        .transpose()?;
    let options = ReadOptions {
        window,
        ..ReadOptions::default()
    };
    let trains = py.detach(|| read_file(&path, &options)).map_err(to_py)?;
    let list = trains
        .into_sequences()
        .into_iter()
        .map(|s| train_of(py, s))
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, list)
}

/// Writes spike trains to a file atomically: CSV when the name ends in `.csv`, else
/// spikes/v1 JSON.
#[pyfunction]
pub fn write_spikes(py: Python<'_>, path: PathBuf, trains: &Bound<'_, PyAny>) -> PyResult<()> {
    let sequences = sequences_of(trains)?;
    let n = sequences.first().map_or(0, |s| s.dim());
    let trains = SpikeTrains::new(n, sequences).map_err(to_py)?;
    let format = if path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        SpikeFormat::Csv
    } else {
        SpikeFormat::Json
    };
    py.detach(|| write_file(&trains, &path, format))
        .map_err(to_py)
}
