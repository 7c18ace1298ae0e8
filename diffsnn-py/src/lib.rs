//! The native module `diffsnn._native` of the Python package `diffsnn`: spiking networks
//! with hidden neurons (simulation, likelihood, training by the differentiable point process
//! or the score function, evaluation) and exponential Hawkes processes, on the workspace's
//! crates. The Python package (`python/diffsnn`) adds `SpikeTrain`, the documented `fit` and
//! `evaluate` with their keyword arguments, and training on a Dask cluster; see README.md.
//!
//! Long calls release the GIL. Errors are Python exceptions with the program's messages
//! (`errors`).

use pyo3::prelude::*;

mod errors;
mod evaluation;
mod files;
mod hawkes;
mod model;
mod options;
mod sequences;
mod training;

/// The module's contents.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<model::Model>()?;
    m.add_class::<hawkes::ExpHawkes>()?;
    m.add_class::<training::FitResult>()?;
    m.add_function(wrap_pyfunction!(training::fit, m)?)?;
    m.add_function(wrap_pyfunction!(training::sequence_gradients, m)?)?;
    m.add_function(wrap_pyfunction!(evaluation::evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(files::read_spikes, m)?)?;
    m.add_function(wrap_pyfunction!(files::write_spikes, m)?)?;
    m.add(
        "NumericalError",
        m.py().get_type::<errors::NumericalError>(),
    )?;
    Ok(())
}
