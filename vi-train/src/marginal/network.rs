//! The network as every particle sees it: the amplitudes of a spike of each neuron on every
//! neuron's potential (target space, shared by all particles, so that a particle holds only
//! its events and running sums), the basis, the activation, the thinning bound of the hidden
//! neurons and the rule that integrates the observed neurons' intensities.

use pp_core::{CompensatorMethod, MonteCarlo, Quadrature};
use snn_model::soft::target::Amplitudes;
use snn_model::{Activation, Basis, Snn};

use crate::error::{Result, ViError};

/// How a particle's potentials are kept.
#[derive(Debug, Clone)]
pub(super) enum Kernel {
    /// Epanechnikov: target-space windowed sums over the events of the last `max_k c_k + s`;
    /// between breakpoints every potential is a quadratic.
    Windows {
        centers: Vec<f64>,
        scale: f64,
        /// `(lo_k, hi_k)` of [`Basis::lag_interval`].
        lags: Vec<(f64, f64)>,
    },
    /// Exponential and alpha kernels: decaying sums in target space (no events kept).
    Decay { taus: Vec<f64>, alpha: bool },
}

/// How a piece's compensator is integrated.
#[derive(Debug, Clone, Copy)]
pub(super) enum Integration {
    /// Gauss–Legendre of the likelihood engine's a priori order (quadratic potentials and an
    /// analytic activation), bisecting when twelve points are not enough.
    Apriori(Quadrature),
    /// Adaptive Gauss–Kronrod 7/15 (other bases, hardtanh), as the likelihood engine.
    Kronrod(Quadrature),
    /// `(T1 − T0)/n Σ λ` at the fixed points of the specification.
    MonteCarlo(MonteCarlo),
}

/// The shared, read-only part of the filter.
#[derive(Debug, Clone)]
pub(super) struct Network {
    pub(super) n: usize,
    pub(super) n_obs: usize,
    pub(super) n_hid: usize,
    pub(super) k: usize,
    pub(super) bias: Vec<f64>,
    /// `(M ⊙ W)` as `[k][j][i]`: the row `[k][j][·]` is the effect of a spike of `j` through
    /// `φ_k` on every neuron.
    pub(super) wt: Vec<f64>,
    pub(super) kernel: Kernel,
    pub(super) act: Activation,
    /// `Σ_h sup ψ`, the candidate rate of the hidden neurons' thinning (0 without hidden
    /// neurons).
    pub(super) bound: f64,
    pub(super) integration: Integration,
}

impl Network {
    /// The filter's view of `model`. Errors: no observed neuron; hidden neurons with an
    /// unbounded activation (exact thinning needs the constant bound `a·H`).
    pub(super) fn new(model: &Snn, compensator: &CompensatorMethod) -> Result<Self> {
        let (n, n_obs, n_hid, k) = (
            model.n_neurons(),
            model.n_obs(),
            model.n_hidden(),
            model.n_basis(),
        );
        if n_obs == 0 {
            return Err(ViError::argument(
                "model",
                "has no observed neuron: there is no likelihood to estimate",
            ));
        }
        let act = model.activation();
        let bound = if n_hid == 0 {
            0.0
        } else {
            match act.bound() {
                Some(a) => a * n_hid as f64,
                None => {
                    return Err(ViError::argument(
                        "model activation",
                        "the particle filter draws the hidden neurons by thinning with the \
                         constant bound a·H: it needs a bounded activation (sigmoid or hardtanh)",
                    ));
                }
            }
        };
        let wm = model.masked_weights_ikj();
        let mut wt = vec![0.0; k * n * n];
        for i in 0..n {
            for kk in 0..k {
                for j in 0..n {
                    wt[(kk * n + j) * n + i] = wm[(i * k + kk) * n + j];
                }
            }
        }
        let kernel = match model.basis() {
            Basis::Epanechnikov { centers, scale } => Kernel::Windows {
                centers: centers.clone(),
                scale: *scale,
                lags: (0..k).map(|kk| model.basis().lag_interval(kk)).collect(),
            },
            Basis::Exponential { time_constants } => Kernel::Decay {
                taus: time_constants.clone(),
                alpha: false,
            },
            Basis::Alpha { time_constants } => Kernel::Decay {
                taus: time_constants.clone(),
                alpha: true,
            },
            other => {
                return Err(ViError::argument(
                    "model basis",
                    format!("the particle filter does not know the basis {other:?}"),
                ));
            }
        };
        let polynomial = matches!(kernel, Kernel::Windows { .. });
        let integration = match *compensator {
            CompensatorMethod::MonteCarlo(mc) => Integration::MonteCarlo(mc),
            CompensatorMethod::Quadrature(q)
                if polynomial
                    && q.rel_tol() > 0.0
                    && matches!(act, Activation::Sigmoid { .. } | Activation::Exp) =>
            {
                Integration::Apriori(q)
            }
            CompensatorMethod::Quadrature(q) => Integration::Kronrod(q),
        };
        Ok(Self {
            n,
            n_obs,
            n_hid,
            k,
            bias: model.bias().to_vec(),
            wt,
            kernel,
            act,
            bound,
            integration,
        })
    }

    /// The amplitudes of an event of `neuron` through `φ_k` on every neuron.
    #[inline]
    pub(super) fn row(&self, neuron: usize, k: usize) -> &[f64] {
        &self.wt[(k * self.n + neuron) * self.n..][..self.n]
    }

    /// The intensity `ψ(u)` (the scaled sigmoid with one exponential, its argument floored at
    /// −700 as the likelihood engine does: below it `σ < 1e-304`).
    #[inline]
    pub(super) fn intensity(&self, u: f64) -> f64 {
        match self.act {
            Activation::Sigmoid { amplitude } => amplitude / (1.0 + (-u.max(-700.0)).exp()),
            act => act.value(u),
        }
    }
}

/// The amplitude rows of a particle's events (their marks are neurons).
pub(super) struct Rows<'a> {
    pub(super) marks: &'a [u32],
    pub(super) net: &'a Network,
}

impl Amplitudes for Rows<'_> {
    #[inline]
    fn row<'a>(&'a self, e: usize, k: usize, _scratch: &'a mut [f64]) -> &'a [f64] {
        self.net.row(self.marks[e] as usize, k)
    }
}
