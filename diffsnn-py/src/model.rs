//! `Model`: a spiking network (the srm-snn/v1 model file), its simulation, log-likelihood,
//! gradient and intensities.

use std::path::PathBuf;

use diffsnn_cli::CliError;
use diffsnn_cli::commands::intensity::intensity_rows;
use diffsnn_cli::commands::loglik::{Compensator, per_sequence_loglik};
use diffsnn_cli::commands::simulate::{DEFAULT_MAX_EVENTS, Limits, simulate_sequences};
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray1};
use pp_core::Parametric;
use pyo3::prelude::*;
use pyo3::types::PyList;
use snn_model::{LikelihoodOptions, LikelihoodWorkspace, Snn};

use crate::errors::{argument, to_py};
use crate::sequences::{sequence_of, sequences_of, simulation_window, train_of};

/// A float64 matrix for Python.
type Matrix<'py> = Bound<'py, PyArray2<f64>>;

/// A spiking neural network of the spike-response model (docs/math.md §4): `n_observed`
/// observed neurons followed by `n_hidden` hidden ones, biases, weights on `n_basis` basis
/// functions, a connection mask and an activation.
///
/// >>> import diffsnn
/// >>> m = diffsnn.Model.random(2, 1, seed=7)
/// >>> (m.n_observed, m.n_hidden, m.n_basis, m.weights.shape)
/// (2, 1, 2, (2, 3, 3))
/// >>> diffsnn.Model.from_json(m.to_json()) == m
/// True
#[pyclass(module = "diffsnn._native", name = "Model", eq, skip_from_py_object)]
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub inner: Snn,
}

/// The compensator choice of `compensator=`.
pub fn compensator_arg(name: &str) -> PyResult<Compensator> {
    match name {
        "quadrature" => Ok(Compensator::Quadrature),
        "monte-carlo" | "monte_carlo" => Ok(Compensator::MonteCarlo),
        other => Err(argument(
            "compensator",
            format!("must be 'quadrature' or 'monte-carlo', got {other:?}"),
        )),
    }
}

#[pymethods]
impl Model {
    /// The reference's random initialisation (what `diffsnn init --observed N --hidden H
    /// --seed S` writes): weights U(-5, 5), self-weights U(-5, -0.1), biases U(-1, 1), a
    /// sigmoid of amplitude `amplitude`, `n_basis` Epanechnikov basis functions on [0, 10].
    ///
    /// >>> import diffsnn
    /// >>> diffsnn.Model.random(2, 0, seed=1) == diffsnn.Model.random(2, 0, seed=1)
    /// True
    #[staticmethod]
    #[pyo3(signature = (n_observed, n_hidden, *, amplitude = 5.0, n_basis = 2, seed = 0))]
    fn random(
        n_observed: usize,
        n_hidden: usize,
        amplitude: f64,
        n_basis: usize,
        seed: u64,
    ) -> PyResult<Self> {
        if n_observed == 0 {
            return Err(argument("n_observed", "must be at least 1"));
        }
        if !(amplitude.is_finite() && amplitude > 0.0) {
            return Err(argument(
                "amplitude",
                format!("must be finite and positive, got {amplitude}"),
            ));
        }
        if n_basis == 0 {
            return Err(argument("n_basis", "must be at least 1"));
        }
        diffsnn_cli::commands::fit::initial_model(n_observed, n_hidden, amplitude, n_basis, seed)
            .map(|inner| Self { inner })
            .map_err(to_py)
    }

    /// Reads a model file (srm-snn/v1, docs/formats.md).
    ///
    /// >>> import diffsnn, os, tempfile
    /// >>> path = os.path.join(tempfile.mkdtemp(), "m.json")
    /// >>> diffsnn.Model.random(1, 1).save(path)
    /// >>> diffsnn.Model.load(path).n_neurons
    /// 2
    #[staticmethod]
    fn load(path: PathBuf) -> PyResult<Self> {
        let text = std::fs::read_to_string(&path).map_err(|e| to_py(CliError::io(&path, e)))?;
        Snn::from_json_str(&text)
            .map(|inner| Self { inner })
            .map_err(|e| {
                to_py(CliError::Mismatch {
                    reason: format!("{}: {e}", path.display()),
                })
            })
    }

    /// Writes the model file atomically (a failed write leaves no partial file).
    fn save(&self, path: PathBuf) -> PyResult<()> {
        let text = self.inner.to_json_string().map_err(to_py)?;
        diffsnn_cli::io::write_atomic(&path, |w| {
            w.write_all(text.as_bytes())
                .and_then(|()| w.write_all(b"\n"))
                .map_err(|e| CliError::io(&path, e))
        })
        .map_err(to_py)
    }

    /// The model from the text of a model file.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Self> {
        Snn::from_json_str(text)
            .map(|inner| Self { inner })
            .map_err(to_py)
    }

    /// The text of the model file (numbers written so that they read back to the same bits).
    fn to_json(&self) -> PyResult<String> {
        self.inner.to_json_string().map_err(to_py)
    }

    /// Observed neurons (the first ones).
    #[getter]
    fn n_observed(&self) -> usize {
        self.inner.n_obs()
    }

    /// Hidden neurons (after the observed ones).
    #[getter]
    fn n_hidden(&self) -> usize {
        self.inner.n_hidden()
    }

    /// All neurons.
    #[getter]
    fn n_neurons(&self) -> usize {
        self.inner.n_neurons()
    }

    /// Basis functions of the filters.
    #[getter]
    fn n_basis(&self) -> usize {
        self.inner.n_basis()
    }

    /// The biases, shape `(n_neurons,)` (a copy).
    #[getter]
    fn bias<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.bias().to_vec().into_pyarray(py)
    }

    /// The weights `w[k, i, j]` of basis `k` from neuron `j` to neuron `i`, shape
    /// `(n_basis, n_neurons, n_neurons)` (a copy).
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray3<f64>>> {
        let (k, n) = (self.inner.n_basis(), self.inner.n_neurons());
        self.inner
            .weights()
            .to_vec()
            .into_pyarray(py)
            .reshape([k, n, n])
    }

    /// The connection mask `c[i, j]` (whether neuron `j` feeds neuron `i`), shape
    /// `(n_neurons, n_neurons)`.
    #[getter]
    fn connection<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<bool>>> {
        let n = self.inner.n_neurons();
        self.inner
            .connection()
            .to_vec()
            .into_pyarray(py)
            .reshape([n, n])
    }

    /// All parameters as one vector: the biases, then the weights in `w[k, i, j]` order (the
    /// order of `log_likelihood_gradient`).
    fn params<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.params().into_pyarray(py)
    }

    /// Sets all parameters from one vector in the order of `params()`.
    fn set_params(&mut self, params: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        // any layout (a strided view, a buffer received from another process)
        let values: Vec<f64> = params.as_array().iter().copied().collect();
        self.inner.set_params(&values).map_err(to_py)
    }

    /// Simulates `sequences` spike trains of every neuron (observed and hidden) on
    /// `[t_start, t_end]` by exact thinning. Sequence `k` uses its own random generator
    /// derived from `(seed, k)`: the same trains, to the bit, as `diffsnn simulate` with the
    /// same seed, for any number of threads. The GIL is released while simulating.
    ///
    /// >>> import diffsnn
    /// >>> m = diffsnn.Model.random(2, 1, seed=7)
    /// >>> a = m.simulate(50.0, sequences=2, seed=1)
    /// >>> (len(a), a[0].n_neurons, a[0].window)
    /// (2, 3, (0.0, 50.0))
    /// >>> bool((a[0].times == m.simulate(50.0, sequences=2, seed=1)[0].times).all())
    /// True
    #[pyo3(signature = (t_end, *, t_start = 0.0, sequences = 1, seed = 0, max_events = DEFAULT_MAX_EVENTS))]
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        t_end: f64,
        t_start: f64,
        sequences: usize,
        seed: u64,
        max_events: usize,
    ) -> PyResult<Bound<'py, PyList>> {
        let window = simulation_window(t_start, t_end, sequences, max_events as u64)?;
        let model = self.inner.clone();
        let simulated = py
            .detach(move || {
                simulate_sequences(
                    &model,
                    "the model",
                    window,
                    sequences,
                    seed,
                    Limits::new(max_events),
                    &indicatif::ProgressBar::hidden(),
                )
            })
            .map_err(to_py)?;
        let trains = simulated
            .into_iter()
            .map(|s| train_of(py, s))
            .collect::<PyResult<Vec<_>>>()?;
        PyList::new(py, trains)
    }

    /// The log-likelihood of each spike train (every neuron observed; no penalty), as
    /// `diffsnn loglik` computes it: a float64 array with one value per train. The compensator
    /// is exact quadrature (default) or Monte Carlo with `mc_points` points (seeded from
    /// `(seed, k)` for train `k`). Uses all cores; the GIL is released.
    ///
    /// >>> import diffsnn, numpy as np, math
    /// >>> m = diffsnn.Model.from_json(diffsnn.Model.random(1, 0).to_json())
    /// >>> m.set_params(np.zeros(m.params().size))          # λ = 5 σ(0) = 2.5
    /// >>> train = diffsnn.SpikeTrain([0.5], [0], (0.0, 2.0), 1)
    /// >>> bool(abs(m.log_likelihood(train)[0] - (math.log(2.5) - 5.0)) < 1e-12)
    /// True
    #[pyo3(signature = (trains, *, compensator = "quadrature", mc_points = None, seed = 0))]
    fn log_likelihood<'py>(
        &self,
        py: Python<'py>,
        trains: &Bound<'py, PyAny>,
        compensator: &str,
        mc_points: Option<usize>,
        seed: u64,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let method = compensator_arg(compensator)?;
        let n_points = match (method, mc_points) {
            (Compensator::Quadrature, Some(_)) => {
                return Err(argument(
                    "mc_points",
                    "applies to compensator='monte-carlo' only",
                ));
            }
            (Compensator::Quadrature, None) => 0,
            (Compensator::MonteCarlo, n) => n.unwrap_or(1000),
        };
        let sequences = sequences_of(trains)?;
        let n = self.inner.n_neurons();
        if let Some(k) = sequences.iter().position(|s| s.dim() != n) {
            return Err(argument(
                "trains",
                format!(
                    "sequence {k} has {} neurons; the model has {n} (every neuron observed)",
                    sequences[k].dim()
                ),
            ));
        }
        let model = self.inner.clone();
        let values = py
            .detach(move || per_sequence_loglik(&model, &sequences, method, n_points, seed))
            .map_err(|(k, e)| to_py(e.evaluating("the model", k)))?;
        Ok(values.into_pyarray(py))
    }

    /// The log-likelihood of one spike train (every neuron observed, exact quadrature) and
    /// its gradient with respect to `params()`, minus the penalty
    /// `regularisation * ||M ⊙ W||_F` and its gradient when `regularisation > 0`.
    ///
    /// >>> import diffsnn
    /// >>> m = diffsnn.Model.random(2, 0, seed=3)
    /// >>> value, grad = m.log_likelihood_gradient(m.simulate(20.0, seed=1)[0])
    /// >>> grad.shape == m.params().shape
    /// True
    #[pyo3(signature = (train, *, regularisation = 0.0))]
    fn log_likelihood_gradient<'py>(
        &self,
        py: Python<'py>,
        train: &Bound<'py, PyAny>,
        regularisation: f64,
    ) -> PyResult<(f64, Bound<'py, PyArray1<f64>>)> {
        let seq = sequence_of(train, "the spike train")?;
        let model = self.inner.clone();
        let options = LikelihoodOptions {
            regularisation,
            ..LikelihoodOptions::default()
        };
        let (value, grad) = py
            .detach(move || -> Result<(f64, Vec<f64>), CliError> {
                let mut grad = vec![0.0; model.n_params()];
                let mut ws = LikelihoodWorkspace::new(&model)?;
                let e = ws.evaluate(&model, &seq, &options, Some(&mut grad))?;
                let value = e.objective();
                if !value.is_finite() || grad.iter().any(|g| !g.is_finite()) {
                    return Err(CliError::Numerical {
                        what: "log-likelihood gradient",
                        detail: format!("the value is {value} or its gradient is not finite"),
                    });
                }
                Ok((value, grad))
            })
            .map_err(to_py)?;
        Ok((value, grad.into_pyarray(py)))
    }

    /// The membrane potentials `u_i(t)` and intensities `λ_i(t)` of every neuron at each of
    /// `times`, given the spikes of `train` before `t` (as `diffsnn intensity`): two arrays of
    /// shape `(len(times), n_neurons)`.
    ///
    /// >>> import diffsnn
    /// >>> m = diffsnn.Model.random(1, 0, seed=2)
    /// >>> u, lam = m.intensity(diffsnn.SpikeTrain([1.0], [0], (0.0, 5.0), 1), [0.5, 1.5])
    /// >>> (u.shape, bool((lam > 0).all()))
    /// ((2, 1), True)
    fn intensity<'py>(
        &self,
        py: Python<'py>,
        train: &Bound<'py, PyAny>,
        times: Vec<f64>,
    ) -> PyResult<(Matrix<'py>, Matrix<'py>)> {
        let seq = sequence_of(train, "the spike train")?;
        let n = self.inner.n_neurons();
        let model = self.inner.clone();
        let rows = py
            .detach(move || intensity_rows(&model, &seq, &times))
            .map_err(to_py)?;
        let mut u = Vec::with_capacity(rows.len() * n);
        let mut lam = Vec::with_capacity(rows.len() * n);
        for r in &rows {
            u.extend_from_slice(&r.potential);
            lam.extend_from_slice(&r.intensity);
        }
        Ok((
            u.into_pyarray(py).reshape([rows.len(), n])?,
            lam.into_pyarray(py).reshape([rows.len(), n])?,
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(n_observed={}, n_hidden={}, n_basis={})",
            self.inner.n_obs(),
            self.inner.n_hidden(),
            self.inner.n_basis()
        )
    }

    /// Pickling (for Dask and multiprocessing) through the model file's text.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = py.get_type::<Model>().getattr("from_json")?;
        Ok((from_json, (self.to_json()?,)))
    }
}
