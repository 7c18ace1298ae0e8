//! The estimates with a hard sample of `q`'s hidden neurons by thinning: the score-function
//! E and M steps, and the hard-spike densities they (and evaluation) use.

use pp_core::{CompensatorMethod, EventSequence};
use rand::Rng;
use snn_model::soft::SoftWorkspace;
use snn_model::{LikelihoodOptions, Snn};

use super::{DensityBuffers, EstimatorWorkspace, ObjectiveOptions};
use crate::error::Result;
use crate::vi::hidden::sample_hidden;
use crate::vi::model::VariationalModel;

/// The hard-spike densities at a complete sequence (observed and hidden spikes): `log p(O, H; θ)`
/// (the fully observed log-likelihood (1.1) of every neuron under `p`) and `log q(H; φ)` (the
/// hidden neurons' part of (1.1) under `q`: the density of `q`'s thinning sample).
///
/// ```
/// let d = vi_train::vi::HardDensities { log_p: -10.0, log_q: -4.0 };
/// assert_eq!(d.neg_elbo(), 6.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HardDensities {
    /// `log p(O, H; θ)`.
    pub log_p: f64,
    /// `log q(H; φ)`.
    pub log_q: f64,
}

impl HardDensities {
    /// `−log p + log q`, one sample of the negative ELBO (β = 1).
    pub fn neg_elbo(&self) -> f64 {
        -self.log_p + self.log_q
    }
}

/// [`HardDensities`] of the complete sequence `full` (dimension `N`) and, if asked, their
/// gradients: `grad_p` (`p`'s layout) receives `∂ log p/∂θ`, `grad_q` (`q`'s layout) receives
/// `∂ log q/∂φ` (both overwritten).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use vi_train::vi::{EstimatorWorkspace, VariationalModel, hard_densities};
/// let model = VariationalModel::shared(snn_model::SnnBuilder::new(1, 1).check()?)?;
/// let full = EventSequence::new(Window::new(0.0, 2.0)?, 2, vec![0.5, 1.0], vec![0, 1])?;
/// let mut ws = EstimatorWorkspace::new(&model)?;
/// let d = hard_densities(&model, &full, &pp_core::CompensatorMethod::default(), &mut ws, None, None)?;
/// // zero parameters: every λ = 2.5; log q is neuron 1's part
/// assert!((d.log_p - (2.0 * 2.5f64.ln() - 2.0 * 2.5 * 2.0)).abs() < 1e-9);
/// assert!((d.log_q - (2.5f64.ln() - 2.5 * 2.0)).abs() < 1e-9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn hard_densities(
    model: &VariationalModel,
    full: &EventSequence,
    compensator: &CompensatorMethod,
    ws: &mut EstimatorWorkspace,
    grad_p: Option<&mut [f64]>,
    grad_q: Option<&mut [f64]>,
) -> Result<HardDensities> {
    let t0 = full.window().t0();
    densities(model, full, t0, compensator, &mut ws.dens, grad_p, grad_q)
}

/// [`hard_densities`] of the stretch `[from, T1]` of `full` given everything before it.
fn densities(
    model: &VariationalModel,
    full: &EventSequence,
    from: f64,
    compensator: &CompensatorMethod,
    buffers: &mut DensityBuffers,
    grad_p: Option<&mut [f64]>,
    grad_q: Option<&mut [f64]>,
) -> Result<HardDensities> {
    if model.is_shared() {
        return shared_densities(
            model.p(),
            full,
            from,
            compensator,
            &mut buffers.soft,
            &mut buffers.per_neuron,
            grad_p,
            grad_q,
        );
    }
    let options = LikelihoodOptions {
        compensator: *compensator,
        regularisation: 0.0,
    };
    let log_p = buffers
        .lik
        .evaluate_from(model.p(), full, from, &options, grad_p, 1)?
        .log_likelihood();
    let mut grad_q = grad_q;
    if let Some(g) = grad_q.as_deref_mut() {
        g.fill(0.0);
    }
    let log_q =
        model
            .q()
            .hidden_log_likelihood_from(full, from, compensator, &mut buffers.soft, grad_q)?;
    Ok(HardDensities { log_p, log_q })
}

/// [`densities`] when `q = p`: one pass of the per-neuron log-likelihood gives both, since
/// `log q(H)` is the hidden neurons' part of `log p(O, H)` and neuron `i`'s term depends only
/// on its own row of parameters (`b_i`, `W[k][i][·]`), so `∂ log q` is `∂ log p` with the
/// observed rows zeroed.
#[allow(clippy::too_many_arguments)]
fn shared_densities(
    p: &Snn,
    full: &EventSequence,
    from: f64,
    compensator: &CompensatorMethod,
    soft: &mut SoftWorkspace,
    per: &mut Vec<f64>,
    grad_p: Option<&mut [f64]>,
    grad_q: Option<&mut [f64]>,
) -> Result<HardDensities> {
    let (n, n_obs) = (p.n_neurons(), p.n_obs());
    per.resize(n, 0.0);
    let (mut grad_p, mut grad_q) = (grad_p, grad_q);
    let target = match (grad_p.as_deref_mut(), grad_q.as_deref_mut()) {
        (Some(g), _) | (None, Some(g)) => {
            g.fill(0.0);
            Some(g)
        }
        (None, None) => None,
    };
    p.log_likelihood_of_neurons_from(full, 0..n, from, compensator, soft, per, target)?;
    if let Some(gq) = grad_q {
        if let Some(gp) = grad_p.as_deref() {
            gq.copy_from_slice(gp);
        }
        let k = p.n_basis();
        gq[..n_obs].fill(0.0);
        for kk in 0..k {
            for i in 0..n_obs {
                gq[n + (kk * n + i) * n..n + (kk * n + i + 1) * n].fill(0.0);
            }
        }
    }
    Ok(HardDensities {
        log_p: per.iter().sum(),
        log_q: per[n_obs..].iter().sum(),
    })
}

/// One sample of the hard-spike negative ELBO (β = 1) for evaluation: a thinning sample of
/// `q`'s hidden neurons on the whole of `seq`, then `−log p(O, H) + log q(H)` of the stretch
/// `[from, T1]` given everything before it (`from = T0`: the whole sequence).
pub(crate) fn hard_neg_elbo_draw<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    from: f64,
    compensator: &CompensatorMethod,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
) -> Result<f64> {
    let comp = hard_sample(model, seq, compensator, rng, ws)?;
    if model.is_shared() {
        return Ok(-observed_log_likelihood(
            model.p(),
            &ws.full,
            from,
            &comp,
            &mut ws.dens,
            None,
        )?);
    }
    let d = densities(model, &ws.full, from, &comp, &mut ws.dens, None, None)?;
    Ok(d.neg_elbo())
}

/// With `q = p`, `−log p(O, H) + log q(H)` is minus the observed neurons' part of the hard
/// log-likelihood (`log q(H)` is exactly the hidden neurons' part of `log p(O, H)`), so the
/// hidden neurons' compensators need not be computed: this returns that part, with its
/// gradient (observed rows only) added into `grad`; of the stretch `[from, T1]` given
/// everything before it.
fn observed_log_likelihood(
    p: &Snn,
    full: &EventSequence,
    from: f64,
    compensator: &CompensatorMethod,
    buffers: &mut DensityBuffers,
    grad: Option<&mut [f64]>,
) -> Result<f64> {
    let n_obs = p.n_obs();
    buffers.per_neuron.resize(p.n_neurons(), 0.0);
    p.log_likelihood_of_neurons_from(
        full,
        0..n_obs,
        from,
        compensator,
        &mut buffers.soft,
        &mut buffers.per_neuron,
        grad,
    )?;
    Ok(buffers.per_neuron[..n_obs].iter().sum())
}

/// A hard sample of `q`'s hidden neurons by thinning into `ws.full`, then the compensator's
/// draw (this order of the draws is what makes a seed reproduce a step).
fn hard_sample<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    compensator: &CompensatorMethod,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
) -> Result<CompensatorMethod> {
    sample_hidden(model.q(), seq, rng, &mut ws.hidden, &mut ws.full)?;
    Ok(compensator.redrawn(rng))
}

/// A hard sample of the whole sequence and the densities of its scored stretch
/// ([`ObjectiveOptions::scored_from`]) with gradients into `ws.g_a` (θ) and `ws.g_b` (φ). After
/// a lead-in, also the score of the whole sample, `∇_φ log q(H)` (the lead-in's hidden spikes
/// are drawn from `q` too), into `ws.g_s`; returns whether there was a lead-in.
fn hard_draw<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
) -> Result<(HardDensities, bool)> {
    let from = options.scored_from(seq)?;
    let comp = hard_sample(model, seq, &options.compensator, rng, ws)?;
    let np = pp_core::Parametric::n_params(model.p());
    let nq = pp_core::Parametric::n_params(model.q());
    let d = densities(
        model,
        &ws.full,
        from,
        &comp,
        &mut ws.dens,
        Some(&mut ws.g_a[..np]),
        Some(&mut ws.g_b[..nq]),
    )?;
    let lead_in = from > seq.window().t0();
    if lead_in {
        let g_s = &mut ws.g_s[..nq];
        g_s.fill(0.0);
        model
            .q()
            .hidden_log_likelihood(&ws.full, &comp, &mut ws.dens.soft, Some(g_s))?;
    }
    Ok((d, lead_in))
}

/// The score-function E step: writes `(f − baseline) ∇_φ log q + ∇_{θ,φ} f` into `grad`
/// (zeroed by the caller) and returns `f = −log p + β log q` at a fresh hard sample.
pub(super) fn score_e<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    baseline: f64,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
    grad: &mut [f64],
) -> Result<f64> {
    let (d, lead_in) = hard_draw(model, seq, options, rng, ws)?;
    let beta = options.beta;
    let f = -d.log_p + beta * d.log_q;
    let np = pp_core::Parametric::n_params(model.p());
    // (f − b) ∇_φ log q(H) + ∇_φ (β log q): without a lead-in both are of the same density
    let q_part = |i: usize| {
        if lead_in {
            (f - baseline) * ws.g_s[i] + beta * ws.g_b[i]
        } else {
            (f - baseline + beta) * ws.g_b[i]
        }
    };
    if model.is_shared() {
        for i in 0..np {
            grad[i] = q_part(i) - ws.g_a[i];
        }
    } else {
        for i in 0..np {
            grad[i] = -ws.g_a[i];
        }
        for (i, gi) in model.q_range().enumerate() {
            grad[gi] = q_part(i);
        }
    }
    Ok(f)
}

/// The score-function M step: a fresh hard sample held fixed; writes the gradient of
/// `−log p + log q` in `θ` into `grad` (zeroed by the caller; with `q = p` also through `q`'s
/// dependence, which cancels the hidden neurons' part of `log p`) and returns that value.
pub(super) fn score_m<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    options: &ObjectiveOptions,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
    grad: &mut [f64],
) -> Result<f64> {
    let np = pp_core::Parametric::n_params(model.p());
    if model.is_shared() {
        // −∇log p + ∇log q is minus the observed rows of ∇log p (see observed_log_likelihood)
        let from = options.scored_from(seq)?;
        let comp = hard_sample(model, seq, &options.compensator, rng, ws)?;
        let ll_obs = observed_log_likelihood(
            model.p(),
            &ws.full,
            from,
            &comp,
            &mut ws.dens,
            Some(&mut grad[..np]),
        )?;
        for g in &mut grad[..np] {
            *g = -*g;
        }
        Ok(-ll_obs)
    } else {
        let (d, _) = hard_draw(model, seq, options, rng, ws)?;
        for i in 0..np {
            grad[i] = -ws.g_a[i];
        }
        Ok(d.neg_elbo())
    }
}

/// [`hard_sample`] for the unit tests: the same draws as an estimate's prologue.
#[cfg(test)]
pub(super) fn hard_sample_for_tests<R: Rng + ?Sized>(
    model: &VariationalModel,
    seq: &EventSequence,
    compensator: &CompensatorMethod,
    rng: &mut R,
    ws: &mut EstimatorWorkspace,
) -> CompensatorMethod {
    hard_sample(model, seq, compensator, rng, ws).unwrap()
}
