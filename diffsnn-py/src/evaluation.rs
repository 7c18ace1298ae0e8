//! `evaluate`: the test metrics of `diffsnn eval` (negative ELBO, importance-weighted bound,
//! the particle filter's marginal likelihood) as a dict, the program's JSON report.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py;
use crate::model::Model;
use crate::options::eval_args;
use crate::sequences::sequences_of;

/// Evaluates `model` on held-out observed spike trains as `diffsnn eval` does (docs in the
/// package: `diffsnn.evaluate`); returns the program's report as a dict.
#[pyfunction]
#[pyo3(signature = (model, trains, options = None, *, variational = None))]
pub fn evaluate<'py>(
    py: Python<'py>,
    model: PyRef<'py, Model>,
    trains: &Bound<'py, PyAny>,
    options: Option<&Bound<'py, PyDict>>,
    variational: Option<PyRef<'py, Model>>,
) -> PyResult<Bound<'py, PyAny>> {
    let args = eval_args(options)?;
    let pair = args
        .model_pair(model.inner.clone(), variational.map(|q| q.inner.clone()))
        .map_err(to_py)?;
    let sequences = sequences_of(trains)?;
    let n_obs = pair.p().n_obs();
    if let Some(k) = sequences.iter().position(|s| s.dim() != n_obs) {
        return Err(crate::errors::argument(
            "trains",
            format!(
                "sequence {k} has {} neurons; the model has {n_obs} observed neurons (the \
                 trains hold the observed neurons only)",
                sequences[k].dim()
            ),
        ));
    }
    let report = py
        .detach(move || args.report(&pair, sequences))
        .map_err(to_py)?;
    py.import("json")?.call_method1("loads", (report,))
}
