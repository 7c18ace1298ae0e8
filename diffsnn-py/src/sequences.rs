//! Spike trains between numpy and the library: a train is any object with `times` (float64,
//! shape `(n,)`), `neurons` (int64, shape `(n,)`), `window` (`(t0, t1)`) and `n_neurons`
//! attributes (the package's `SpikeTrain`); the library's `EventSequence` checks the rest
//! (times sorted and inside the window, neurons in range) and says where it failed.

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray1, PyUntypedArrayMethods};
use pp_core::{EventSequence, Window};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

/// One float64 or int64 array attribute of a train, with a message naming it when it is not
/// one-dimensional of that dtype.
fn array_attr<'py, T: numpy::Element>(
    train: &Bound<'py, PyAny>,
    name: &str,
    dtype: &str,
    label: &str,
) -> PyResult<PyReadonlyArray1<'py, T>> {
    let value = train.getattr(name).map_err(|_| {
        PyTypeError::new_err(format!(
            "{label}: a spike train needs `times`, `neurons`, `window` and `n_neurons` \
             (diffsnn.SpikeTrain); it has no `{name}`"
        ))
    })?;
    value.extract::<PyReadonlyArray1<'py, T>>().map_err(|_| {
        let got = match value.getattr("dtype") {
            Ok(d) => format!(
                "a {}-dimensional array of {}",
                value
                    .getattr("ndim")
                    .and_then(|n| n.extract::<usize>())
                    .unwrap_or(0),
                d
            ),
            Err(_) => format!("{}", value.get_type()),
        };
        PyTypeError::new_err(format!(
            "{label}: `{name}` must be a one-dimensional numpy array of {dtype}, got {got}"
        ))
    })
}

/// The library's sequence of one train (`label` names it in messages).
pub fn sequence_of(train: &Bound<'_, PyAny>, label: &str) -> PyResult<EventSequence> {
    let times = array_attr::<f64>(train, "times", "float64", label)?;
    let neurons = array_attr::<i64>(train, "neurons", "int64", label)?;
    let (t0, t1): (f64, f64) = train
        .getattr("window")
        .and_then(|w| w.extract())
        .map_err(|_| PyTypeError::new_err(format!("{label}: `window` must be a pair (t0, t1)")))?;
    let n_neurons: usize = train
        .getattr("n_neurons")
        .and_then(|n| n.extract())
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "{label}: `n_neurons` must be a non-negative integer"
            ))
        })?;
    if times.len() != neurons.len() {
        return Err(PyValueError::new_err(format!(
            "{label}: `times` has {} entries and `neurons` {}; they must have one per spike",
            times.len(),
            neurons.len()
        )));
    }
    let times_view = times.as_array();
    let marks = neurons
        .as_array()
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            u32::try_from(i)
                .ok()
                .filter(|&m| (m as usize) < n_neurons)
                .ok_or_else(|| {
                    PyValueError::new_err(format!(
                        "{label}: neurons[{k}] = {i} is not a neuron of 0..{n_neurons}"
                    ))
                })
        })
        .collect::<PyResult<Vec<u32>>>()?;
    let window =
        Window::new(t0, t1).map_err(|e| PyValueError::new_err(format!("{label}: window: {e}")))?;
    EventSequence::new(window, n_neurons, times_view.to_vec(), marks)
        .map_err(|e| PyValueError::new_err(format!("{label}: {e}")))
}

/// The sequences of one train or of a list (or tuple) of them.
pub fn sequences_of(trains: &Bound<'_, PyAny>) -> PyResult<Vec<EventSequence>> {
    if !(trains.is_instance_of::<PyList>() || trains.is_instance_of::<PyTuple>()) {
        return Ok(vec![sequence_of(trains, "the spike train")?]);
    }
    trains
        .try_iter()?
        .enumerate()
        .map(|(k, t)| sequence_of(&t?, &format!("sequence {k}")))
        .collect()
}

/// A train as the package's `SpikeTrain` (made without its checks, which the library's
/// sequence has passed): `times` moved into numpy without a copy, `neurons` as int64.
pub fn train_of<'py>(py: Python<'py>, seq: EventSequence) -> PyResult<Bound<'py, PyAny>> {
    let (window, dim, times, marks) = seq.into_parts();
    let times: Bound<'py, PyArray1<f64>> = times.into_pyarray(py);
    let neurons: Bound<'py, PyArray1<i64>> = marks
        .iter()
        .map(|&m| i64::from(m))
        .collect::<Vec<_>>()
        .into_pyarray(py);
    let class = py.import("diffsnn")?.getattr("SpikeTrain")?;
    class.call_method1(
        "_from_library",
        (times, neurons, (window.t0(), window.t1()), dim),
    )
}

/// The window `[t_start, t_end]` of a simulation of `sequences` sequences limited to
/// `max_events`, every argument checked (errors name it).
pub fn simulation_window(
    t_start: f64,
    t_end: f64,
    sequences: usize,
    max_events: u64,
) -> PyResult<Window> {
    use crate::errors::argument;
    use diffsnn_cli::commands::simulate::MAX_SEQUENCES;
    if t_end.is_nan() || t_end <= t_start {
        return Err(argument(
            "t_end",
            format!("the duration must be positive: t_end {t_end} is not after t_start {t_start}"),
        ));
    }
    if sequences == 0 || sequences > MAX_SEQUENCES {
        return Err(argument(
            "sequences",
            format!("must be between 1 and {MAX_SEQUENCES}, got {sequences}"),
        ));
    }
    if max_events == 0 {
        return Err(argument("max_events", "must be at least 1"));
    }
    Window::new(t_start, t_end).map_err(|e| argument("t_start/t_end", e))
}
