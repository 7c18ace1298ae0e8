//! `ExpHawkes`: the multivariate Hawkes process with exponential kernels of pp-core, its exact
//! simulation (pp-thinning), log-likelihood and gradient, and maximum-likelihood fit.

use numpy::{
    AllowTypeChange, IntoPyArray, PyArray1, PyArray2, PyArrayLike1, PyArrayLike2, PyArrayMethods,
};
use pp_core::{
    ExpHawkes as Hawkes, HawkesFitOptions, InitialPoint, LogLikelihood, LogLikelihoodGradient,
    Parametric, fit_exp_hawkes, fit_exp_hawkes_decay,
};
use pp_thinning::Thinning;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::{argument, to_py};
use crate::sequences::{sequences_of, simulation_window, train_of};

/// A multivariate Hawkes process with exponential kernels:
/// `λ_i(t) = μ_i + Σ_j α_ij Σ_{t_e < t, i_e = j} β exp(−β (t − t_e))`
/// (docs/math.md §2; `α_ij` is the expected number of events of `i` each event of `j`
/// triggers).
///
/// >>> import diffsnn, numpy as np
/// >>> h = diffsnn.ExpHawkes([0.5, 0.2], [[0.2, 0.1], [0.3, 0.1]], 1.5)
/// >>> (h.dim, h.beta, h.alpha.shape)
/// (2, 1.5, (2, 2))
#[pyclass(
    module = "diffsnn._native",
    name = "ExpHawkes",
    eq,
    skip_from_py_object
)]
#[derive(Debug, Clone, PartialEq)]
pub struct ExpHawkes {
    inner: Hawkes,
}

/// The process from numpy arrays.
fn hawkes_from(
    mu: PyArrayLike1<'_, f64, AllowTypeChange>,
    alpha: PyArrayLike2<'_, f64, AllowTypeChange>,
    beta: f64,
) -> PyResult<Hawkes> {
    let d = mu.as_array().len();
    let shape = alpha.as_array().shape().to_vec();
    if shape != [d, d] {
        return Err(argument(
            "alpha",
            format!("must have shape ({d}, {d}) for {d} baselines, got {shape:?}"),
        ));
    }
    let alpha: Vec<f64> = alpha.as_array().iter().copied().collect();
    Hawkes::new(mu.as_array().to_vec(), alpha, beta).map_err(to_py)
}

#[pymethods]
impl ExpHawkes {
    #[new]
    fn new(
        mu: PyArrayLike1<'_, f64, AllowTypeChange>,
        alpha: PyArrayLike2<'_, f64, AllowTypeChange>,
        beta: f64,
    ) -> PyResult<Self> {
        hawkes_from(mu, alpha, beta).map(|inner| Self { inner })
    }

    /// Dimensions.
    #[getter]
    fn dim(&self) -> usize {
        self.inner.mu().len()
    }

    /// The baselines `μ`, shape `(dim,)`.
    #[getter]
    fn mu<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        self.inner.mu().to_vec().into_pyarray(py)
    }

    /// The excitations `α[i, j]` (of `i` by `j`), shape `(dim, dim)`.
    #[getter]
    fn alpha<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let d = self.dim();
        self.inner.alpha().to_vec().into_pyarray(py).reshape([d, d])
    }

    /// The decay `β`.
    #[getter]
    fn beta(&self) -> f64 {
        self.inner.beta()
    }

    /// The spectral radius of `α` (the process is stationary below 1).
    fn spectral_radius(&self) -> PyResult<f64> {
        self.inner.spectral_radius().map_err(to_py)
    }

    /// Simulates `sequences` trains on `[t_start, t_end]` by exact thinning; sequence `k`
    /// uses the generator of `(seed, k)` (the same bits for any number of threads). Refuses
    /// to go beyond `max_events` events per sequence (an explosive process).
    ///
    /// >>> import diffsnn
    /// >>> h = diffsnn.ExpHawkes([1.0], [[0.5]], 2.0)
    /// >>> a = h.simulate(100.0, seed=3)[0]
    /// >>> bool(len(a) > 50 and (a.times == h.simulate(100.0, seed=3)[0].times).all())
    /// True
    #[pyo3(signature = (t_end, *, t_start = 0.0, sequences = 1, seed = 0, max_events = 10_000_000))]
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        t_end: f64,
        t_start: f64,
        sequences: usize,
        seed: u64,
        max_events: u64,
    ) -> PyResult<Bound<'py, PyList>> {
        let window = simulation_window(t_start, t_end, sequences, max_events)?;
        let model = self.inner.clone();
        let samples = py
            .detach(move || {
                Thinning::new(model, window).and_then(|s| {
                    s.max_candidates(max_events.saturating_mul(100))
                        .sample_many(seed, sequences)
                })
            })
            .map_err(|e| match e {
                pp_thinning::ThinningError::TooManyCandidates { .. }
                | pp_thinning::ThinningError::TooManyEvents { .. } => argument(
                    "max_events",
                    format!(
                        "{e} (spectral radius {:.3}: an explosive process has no end); simulate a \
                         shorter window or raise max_events",
                        self.inner.spectral_radius().unwrap_or(f64::NAN)
                    ),
                ),
                other => PyValueError::new_err(other.to_string()),
            })?;
        let mut trains = Vec::with_capacity(samples.len());
        for (k, sample) in samples.into_iter().enumerate() {
            if sample.is_truncated() || sample.sequence.len() as u64 > max_events {
                return Err(argument(
                    "max_events",
                    format!(
                        "sequence {k} stopped at {} events (spectral radius {:.3}: an explosive \
                         process has no end); simulate a shorter window or raise max_events",
                        sample.sequence.len(),
                        self.inner.spectral_radius().unwrap_or(f64::NAN)
                    ),
                ));
            }
            trains.push(train_of(py, sample.sequence)?);
        }
        PyList::new(py, trains)
    }

    /// The log-likelihood of each train (closed form): a float64 array.
    fn log_likelihood<'py>(
        &self,
        py: Python<'py>,
        trains: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let sequences = sequences_of(trains)?;
        let model = self.inner.clone();
        let values = py
            .detach(move || {
                sequences
                    .iter()
                    .map(|s| model.log_likelihood(s))
                    .collect::<Result<Vec<_>, _>>()
            })
            .map_err(to_py)?;
        Ok(values.into_pyarray(py))
    }

    /// The log-likelihood of one train and its gradient with respect to `(μ, α row major,
    /// β)`.
    fn log_likelihood_gradient<'py>(
        &self,
        py: Python<'py>,
        train: &Bound<'py, PyAny>,
    ) -> PyResult<(f64, Bound<'py, PyArray1<f64>>)> {
        let seq = crate::sequences::sequence_of(train, "the spike train")?;
        let mut grad = vec![0.0; self.inner.n_params()];
        let value = self
            .inner
            .log_likelihood_gradient(&seq, &mut grad)
            .map_err(to_py)?;
        Ok((value, grad.into_pyarray(py)))
    }

    /// Maximum-likelihood fit to `trains` (projected Newton per dimension, pp-core's
    /// `fit_exp_hawkes`), with `β` held at `beta`, or fitted from it when `fit_decay=True`.
    /// Returns a dict: `model` (an `ExpHawkes`), `log_likelihood`, `converged`,
    /// `iterations`, `n_events`, and the standard errors `se_mu`, `se_alpha`, `se_beta`
    /// (from the observed Fisher information; NaN where a parameter is on its bound).
    ///
    /// >>> import diffsnn
    /// >>> truth = diffsnn.ExpHawkes([0.5, 0.3], [[0.3, 0.1], [0.2, 0.2]], 2.0)
    /// >>> fit = diffsnn.ExpHawkes.fit(truth.simulate(2000.0, sequences=2, seed=1), 2.0)
    /// >>> bool(fit["converged"] and abs(fit["model"].mu[0] - 0.5) < 4 * fit["se_mu"][0])
    /// True
    #[staticmethod]
    #[pyo3(signature = (trains, beta, *, fit_decay = false, tolerance = 1e-8, max_iterations = 100, init = None))]
    fn fit<'py>(
        py: Python<'py>,
        trains: &Bound<'py, PyAny>,
        beta: f64,
        fit_decay: bool,
        tolerance: f64,
        max_iterations: usize,
        init: Option<PyRef<'py, ExpHawkes>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let sequences = sequences_of(trains)?;
        let options = HawkesFitOptions {
            tolerance,
            max_iterations,
            initial: match init {
                Some(m) => InitialPoint::Model(m.inner.clone()),
                None => InitialPoint::Balanced,
            },
            ..HawkesFitOptions::default()
        };
        let (fit, se) = py
            .detach(move || {
                let fit = if fit_decay {
                    fit_exp_hawkes_decay(&sequences, beta, &options)?
                } else {
                    fit_exp_hawkes(&sequences, beta, &options)?
                };
                let se = fit.standard_errors()?;
                Ok::<_, pp_core::PpError>((fit, se))
            })
            .map_err(to_py)?;
        let d = fit.model.mu().len();
        let nan = |v: &[Option<f64>]| v.iter().map(|x| x.unwrap_or(f64::NAN)).collect::<Vec<_>>();
        let out = PyDict::new(py);
        out.set_item(
            "model",
            Py::new(
                py,
                ExpHawkes {
                    inner: fit.model.clone(),
                },
            )?,
        )?;
        out.set_item("log_likelihood", fit.log_likelihood)?;
        out.set_item("converged", fit.converged)?;
        out.set_item("iterations", fit.total_iterations)?;
        out.set_item("n_events", fit.n_events)?;
        out.set_item("se_mu", nan(&se.mu).into_pyarray(py))?;
        out.set_item("se_alpha", nan(&se.alpha).into_pyarray(py).reshape([d, d])?)?;
        out.set_item("se_beta", se.beta.unwrap_or(f64::NAN))?;
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!("ExpHawkes(dim={}, beta={})", self.dim(), self.inner.beta())
    }
}
