//! `fit`: training as the program's `diffsnn fit` does it (variational with hidden neurons,
//! maximum likelihood without), with a per-epoch callback that can stop the run, and
//! optionally with the gradients of every mini-batch computed elsewhere (`gradient_map`, used
//! by `diffsnn.distributed` to compute them on Dask workers); `sequence_gradients` is what such
//! a worker runs.

use std::ops::ControlFlow;

use diffsnn_cli::CliError;
use diffsnn_cli::checkpoint::DataSummary;
use diffsnn_cli::commands::fit::FitArgs;
use diffsnn_cli::commands::mle::MaximumLikelihood;
use diffsnn_cli::progress::{FitObserver, RunIdentity, write_text};
use numpy::{IntoPyArray, PyReadonlyArray1};
use pp_core::EventSequence;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::json;
use vi_train::ViError;
use vi_train::vi::{
    BatchGradients, EpochRecord, EstimatorWorkspace, Phase, StepRequest, StepValue, TrainConfig,
    TrainObserver, Trainer, VariationalModel, divergence_reason,
};

use crate::errors::to_py;
use crate::model::Model;
use crate::options::fit_args;
use crate::sequences::sequences_of;

/// The outcome of `fit`.
#[pyclass(module = "diffsnn._native", name = "FitResult", frozen, get_all)]
pub struct FitResult {
    /// The trained model `p`.
    pub model: Py<Model>,
    /// The trained `q` when it had its own parameters (`separate_variational=True`), else
    /// `None`.
    pub q: Option<Py<Model>>,
    /// The training loss of each epoch (the program's loss CSV column).
    pub losses: Vec<f64>,
    /// The ∂PP temperature of each epoch (0 for maximum likelihood).
    pub temperatures: Vec<f64>,
    /// Wall-clock seconds of each epoch.
    pub seconds: Vec<f64>,
    /// Whether early stopping (`patience`) ended the run.
    pub stopped_early: bool,
    /// Whether the callback ended the run.
    pub stopped_by_callback: bool,
}

impl FitResult {
    /// The result of a run: the models, the columns of its epoch records, how it ended.
    fn new(
        py: Python<'_>,
        p: snn_model::Snn,
        q: Option<snn_model::Snn>,
        records: &[EpochRecord],
        stopped_early: bool,
        stopped_by_callback: bool,
    ) -> PyResult<Self> {
        Ok(Self {
            model: Py::new(py, Model { inner: p })?,
            q: q.map(|inner| Py::new(py, Model { inner })).transpose()?,
            losses: records.iter().map(|r| r.loss).collect(),
            temperatures: records.iter().map(|r| r.temperature).collect(),
            seconds: records.iter().map(|r| r.seconds).collect(),
            stopped_early,
            stopped_by_callback,
        })
    }
}

#[pymethods]
impl FitResult {
    fn __repr__(&self) -> String {
        let final_loss = self
            .losses
            .last()
            .map_or_else(|| "None".to_string(), |l| format!("{l:?}"));
        let flag = |b: bool| if b { "True" } else { "False" };
        format!(
            "FitResult(epochs={}, final_loss={final_loss}, stopped_early={}, \
             stopped_by_callback={})",
            self.losses.len(),
            flag(self.stopped_early),
            flag(self.stopped_by_callback)
        )
    }
}

/// An error of the run or of the caller's Python code, which is raised as it was.
enum RunError {
    Library(CliError),
    Python(PyErr),
}

impl From<ViError> for RunError {
    fn from(e: ViError) -> Self {
        RunError::Library(e.into())
    }
}

impl From<CliError> for RunError {
    fn from(e: CliError) -> Self {
        RunError::Library(e)
    }
}

impl RunError {
    fn into_py(self) -> PyErr {
        match self {
            RunError::Library(e) => to_py(e),
            RunError::Python(e) => e,
        }
    }
}

/// The callback's verdict on one epoch: `callback(epoch, loss, model)` returning true stops
/// the run. Also raises a pending `KeyboardInterrupt`.
fn call_back(
    callback: Option<&Py<PyAny>>,
    record: &EpochRecord,
    model: &snn_model::Snn,
) -> Result<ControlFlow<()>, PyErr> {
    Python::attach(|py| {
        py.check_signals()?;
        let Some(callback) = callback else {
            return Ok(ControlFlow::Continue(()));
        };
        let model = Py::new(
            py,
            Model {
                inner: model.clone(),
            },
        )?;
        let verdict = callback.call1(py, (record.epoch, record.loss, model))?;
        Ok(if verdict.bind(py).is_truthy()? {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    })
}

/// Reports each epoch to the program's observer when there are files to write (the loss CSV,
/// checkpoints), then to the callback (variational training).
struct CallbackObserver {
    files: Option<FitObserver>,
    callback: Option<Py<PyAny>>,
}

impl TrainObserver for CallbackObserver {
    type Error = RunError;

    fn on_epoch(
        &mut self,
        record: &EpochRecord,
        trainer: &Trainer,
    ) -> Result<ControlFlow<()>, RunError> {
        // the program's observer writes files and never stops a run
        if let Some(files) = &mut self.files
            && files.on_epoch(record, trainer)?.is_break()
        {
            return Ok(ControlFlow::Break(()));
        }
        call_back(self.callback.as_ref(), record, trainer.model().p()).map_err(RunError::Python)
    }
}

/// The program's observer for the files the caller asked for (`loss_csv`, checkpoints), if
/// any, after the `earlier` epochs of a resumed run.
fn file_observer(
    args: &FitArgs,
    data: &[EventSequence],
    earlier: &[EpochRecord],
) -> Result<Option<FitObserver>, CliError> {
    if args.loss_csv.is_none() && args.checkpoint_every.is_none() {
        return Ok(None);
    }
    let observer = args.start_observer(data.len(), earlier, || RunIdentity {
        settings: args.settings(),
        data: DataSummary::of(data),
    })?;
    Ok(Some(observer.without_epoch_lines()))
}

/// Checks the output options before anything runs: checkpoints are named after `out`, and
/// `resume` continues a saved run (its model, not `init`).
fn check_outputs(args: &FitArgs, out_given: bool, init_given: bool) -> PyResult<()> {
    if args.checkpoint_every.is_some() && !out_given {
        return Err(crate::errors::argument(
            "checkpoint_every",
            "needs out: the checkpoints are named after it (<out stem>.epoch<e>.json)",
        ));
    }
    if args.resume.is_some() && init_given {
        return Err(crate::errors::argument(
            "resume",
            "continues the saved run from its own model; init does not apply",
        ));
    }
    // (without `out`, its placeholder has no directory to check)
    args.check_outputs().map_err(to_py)
}

/// The message a gradient task carries: the models and the request.
fn task_json(model: &VariationalModel, request: &StepRequest) -> Result<String, CliError> {
    let q = if model.is_shared() {
        serde_json::Value::Null
    } else {
        serde_json::Value::String(model.q().to_json_string()?)
    };
    Ok(json!({
        "p": model.p().to_json_string()?,
        "q": q,
        "epoch": request.epoch,
        "phase": if request.phase == Phase::E { "E" } else { "M" },
        "temperature": request.temperature,
        "baseline": request.baseline,
    })
    .to_string())
}

/// The models and request of a task.
fn parse_task(task: &str) -> Result<(VariationalModel, StepRequest), CliError> {
    let bad = |what: &str| CliError::argument("task", format!("not a gradient task: {what}"));
    let v: serde_json::Value = serde_json::from_str(task).map_err(|e| bad(&e.to_string()))?;
    let p = snn_model::Snn::from_json_str(v["p"].as_str().ok_or_else(|| bad("no `p`"))?)?;
    let model = match v["q"].as_str() {
        Some(q) => VariationalModel::separate(p, snn_model::Snn::from_json_str(q)?)?,
        None => VariationalModel::shared(p)?,
    };
    let number = |key: &str| v[key].as_f64().ok_or_else(|| bad(&format!("no `{key}`")));
    let request = StepRequest {
        epoch: v["epoch"].as_u64().ok_or_else(|| bad("no `epoch`"))? as usize,
        phase: match v["phase"].as_str() {
            Some("E") => Phase::E,
            Some("M") => Phase::M,
            _ => return Err(bad("`phase` is not E or M")),
        },
        temperature: number("temperature")?,
        baseline: number("baseline")?,
    };
    Ok((model, request))
}

/// Mini-batch gradients from a Python `gradient_map(task, batch)`, which returns one item
/// per sequence of the batch as `sequence_gradients` makes them: `(gradient, loss, f)`, or
/// `("numerical", reason)` for a sequence whose gradient met a numerical failure.
struct MappedGradients {
    map: Py<PyAny>,
    error: Option<PyErr>,
}

impl MappedGradients {
    fn call(
        &self,
        model: &VariationalModel,
        request: &StepRequest,
        batch: &[usize],
        grads: &mut [Vec<f64>],
    ) -> PyResult<Vec<vi_train::Result<StepValue>>> {
        let task = task_json(model, request).map_err(to_py)?;
        Python::attach(|py| {
            py.check_signals()?;
            let results = self.map.call1(py, (task, batch.to_vec()))?;
            let results = results.bind(py);
            let n = results.len()?;
            if n != batch.len() {
                return Err(PyValueError::new_err(format!(
                    "gradient_map returned {n} results for a batch of {} sequences",
                    batch.len()
                )));
            }
            let mut values = Vec::with_capacity(n);
            for (slot, item) in results.try_iter()?.enumerate() {
                let item = item?;
                // a numerical failure on a worker comes back as ("numerical", message), so
                // that the trainer reports it as divergence, as it does its own
                if let Ok((tag, message)) = item.extract::<(String, String)>()
                    && tag == "numerical"
                {
                    values.push(Err(ViError::Elsewhere { reason: message }));
                    continue;
                }
                let (grad, loss, f): (PyReadonlyArray1<'_, f64>, f64, f64) = item.extract()?;
                // any layout: arrays received from workers may be misaligned
                let grad = grad.as_array();
                if grad.len() != grads[slot].len() {
                    return Err(PyValueError::new_err(format!(
                        "gradient_map: the gradient of sequence {} has {} values; the model has \
                         {} parameters",
                        batch[slot],
                        grad.len(),
                        grads[slot].len()
                    )));
                }
                for (to, from) in grads[slot].iter_mut().zip(grad.iter()) {
                    *to = *from;
                }
                values.push(Ok(StepValue { loss, f }));
            }
            Ok(values)
        })
    }
}

impl BatchGradients for MappedGradients {
    fn gradients(
        &mut self,
        model: &VariationalModel,
        _config: &TrainConfig,
        request: &StepRequest,
        batch: &[usize],
        grads: &mut [Vec<f64>],
    ) -> Vec<vi_train::Result<StepValue>> {
        match self.call(model, request, batch, grads) {
            Ok(values) => values,
            Err(e) => {
                self.error = Some(e);
                // replaced by the Python error once the trainer returns
                let failed = || {
                    Err(ViError::Mismatch {
                        reason: "gradient_map raised an exception".into(),
                    })
                };
                batch.iter().map(|_| failed()).collect()
            }
        }
    }
}

/// All training sequences with the same number of neurons (the observed ones).
fn observed_data(trains: &Bound<'_, PyAny>) -> PyResult<Vec<EventSequence>> {
    let data = sequences_of(trains)?;
    let Some(first) = data.first() else {
        return Err(crate::errors::argument(
            "trains",
            "needs at least one spike train",
        ));
    };
    if let Some(k) = data.iter().position(|s| s.dim() != first.dim()) {
        return Err(crate::errors::argument(
            "trains",
            format!(
                "sequence {k} has {} neurons and sequence 0 has {}: every train holds the same \
                 observed neurons",
                data[k].dim(),
                first.dim()
            ),
        ));
    }
    Ok(data)
}

/// Fits a spiking network to observed spike trains, as `diffsnn fit` does (docs in the
/// package: `diffsnn.fit`).
#[pyfunction]
#[pyo3(signature = (trains, hidden, options = None, *, init = None, callback = None, gradient_map = None))]
pub fn fit(
    py: Python<'_>,
    trains: &Bound<'_, PyAny>,
    hidden: usize,
    options: Option<&Bound<'_, PyDict>>,
    init: Option<PyRef<'_, Model>>,
    callback: Option<Py<PyAny>>,
    gradient_map: Option<Py<PyAny>>,
) -> PyResult<FitResult> {
    let (args, out_given) = fit_args(hidden, options)?;
    args.check_settings().map_err(to_py)?;
    check_outputs(&args, out_given, init.is_some())?;
    let data = observed_data(trains)?;
    let init = init.map(|m| (m.inner.clone(), "init".to_string()));
    if hidden == 0 {
        if gradient_map.is_some() {
            return Err(crate::errors::argument(
                "gradient_map",
                "applies to variational training (hidden >= 1)",
            ));
        }
        return fit_mle(py, &args, out_given, &data, init, callback);
    }
    let config = args.config().map_err(to_py)?;
    let (mut trainer, data, _) = args.variational_run(config, data, init).map_err(to_py)?;
    let mut observer = CallbackObserver {
        files: file_observer(&args, &data, trainer.records()).map_err(to_py)?,
        callback,
    };
    let mut mapped = gradient_map.map(|map| MappedGradients { map, error: None });
    let outcome = py.detach(|| {
        let source = mapped.as_mut().map(|m| m as &mut dyn BatchGradients);
        trainer.fit_observed_with(&data, source, &mut observer)
    });
    let report = match outcome {
        Ok(report) => report,
        Err(e) => {
            return Err(match mapped.and_then(|m| m.error) {
                Some(python_error) => python_error,
                None => e.into_py(),
            });
        }
    };
    let records = trainer.records().to_vec();
    let model = trainer.into_model();
    if out_given {
        args.write_models(&model).map_err(to_py)?;
    }
    let q = (!model.is_shared()).then(|| model.q().clone());
    FitResult::new(
        py,
        model.p().clone(),
        q,
        &records,
        report.stopped_early,
        report.stopped_by_observer,
    )
}

/// `hidden = 0`: maximum likelihood with the exact gradient.
fn fit_mle(
    py: Python<'_>,
    args: &FitArgs,
    out_given: bool,
    data: &[EventSequence],
    init: Option<(snn_model::Snn, String)>,
    callback: Option<Py<PyAny>>,
) -> PyResult<FitResult> {
    let mut records = Vec::new();
    let mut python_error = None;
    let mut stopped_by_callback = false;
    let outcome = py.detach(|| {
        let fit = MaximumLikelihood::prepare(args, data, init)?;
        let mut files = file_observer(args, data, &[])?;
        fit.run(&mut |record, model| {
            records.push(*record);
            if let Some(files) = &mut files {
                files.record_epoch(record, model)?;
            }
            match call_back(callback.as_ref(), record, model) {
                Ok(flow) => {
                    stopped_by_callback = flow.is_break();
                    Ok(flow)
                }
                Err(e) => {
                    python_error = Some(e);
                    Err(CliError::Mismatch {
                        reason: "the callback raised an exception".into(),
                    })
                }
            }
        })
    });
    let (model, stopped_early) = match outcome {
        Ok(v) => v,
        Err(e) => return Err(python_error.unwrap_or_else(|| to_py(e))),
    };
    if out_given {
        write_text(&args.out, &model.to_json_string().map_err(to_py)?).map_err(to_py)?;
    }
    FitResult::new(
        py,
        model,
        None,
        &records,
        stopped_early,
        stopped_by_callback,
    )
}

/// The gradients of training sequences for one step of a run, as the trainer computes them
/// (what a worker runs): `task` is what `gradient_map` received, `trains` the sequences and
/// `indices` their positions in the training data, `hidden` and `options` those of the run.
/// Returns one `(gradient, loss, f)` per sequence, or `("numerical", reason)` for a sequence
/// whose gradient met a numerical failure (the reason worded as the trainer words it, which
/// then reports divergence at that sequence as a single process does). The task and the
/// options are read once for all the sequences.
#[pyfunction]
#[pyo3(signature = (task, trains, indices, hidden, options = None))]
pub fn sequence_gradients<'py>(
    py: Python<'py>,
    task: &str,
    trains: &Bound<'py, PyAny>,
    indices: Vec<usize>,
    hidden: usize,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyList>> {
    let (args, _) = fit_args(hidden, options)?;
    let config = args.config().map_err(to_py)?;
    let sequences = sequences_of(trains)?;
    if sequences.len() != indices.len() {
        return Err(crate::errors::argument(
            "indices",
            format!(
                "{} positions for {} trains: one per train",
                indices.len(),
                sequences.len()
            ),
        ));
    }
    let (model, request) = parse_task(task).map_err(to_py)?;
    let estimator = config.estimator;
    type Gradient = Result<(Vec<f64>, StepValue), String>;
    let results = py
        .detach(move || -> Result<Vec<Gradient>, ViError> {
            let mut ws = EstimatorWorkspace::new(&model)?;
            let mut out = Vec::with_capacity(sequences.len());
            for (seq, &index) in sequences.iter().zip(&indices) {
                let mut grad = vec![0.0; model.n_params()];
                match request.estimate(&model, &config, seq, index, &mut ws, &mut grad) {
                    Ok(value) => out.push(Ok((grad, value))),
                    Err(e) if e.is_numerical() => out.push(Err(divergence_reason(&e, estimator))),
                    Err(e) => return Err(e),
                }
            }
            Ok(out)
        })
        .map_err(to_py)?;
    let items = results
        .into_iter()
        .map(|r| match r {
            Ok((grad, v)) => (grad.into_pyarray(py), v.loss, v.f)
                .into_pyobject(py)
                .map(Bound::into_any),
            Err(reason) => ("numerical", reason).into_pyobject(py).map(Bound::into_any),
        })
        .collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}
