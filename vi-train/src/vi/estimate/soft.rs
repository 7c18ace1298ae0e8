//! The estimates with a soft ∂PP sample of `q`: the path-wise E and M steps and the relaxed
//! score function. They share one prologue ([`SoftDraw::new`]: the noise, the compensator's
//! draw, the sample, the observed neurons' log-likelihood and its gradients).

use diffpp::snn::SnnHidden;
use diffpp::{
    DiffPP, Mode, SoftHiddenIntensity, gradient_fixed_sample, gradient_through_sample,
    weight_adjoint_to_mark_adjoint,
};
use pp_core::{CompensatorMethod, EventSequence, SoftEvents};
use rand::Rng;
use snn_model::Snn;

use super::{EstimatorWorkspace, ObjectiveOptions};
use crate::error::Result;
use crate::vi::model::VariationalModel;

/// A soft sample of `q` drawn into the workspace (`trace_q`), with `log q`, the observed
/// neurons' `log p_obs(O | d; θ)` and its gradients (`g_obs` in `θ`, `g_w` in the soft spikes).
/// It keeps `q`'s hidden model, whose record of the sample's potentials the reverse sweep
/// reuses; [`finish`](Self::finish) hands its buffers back to the workspace.
pub(super) struct SoftDraw<'a> {
    model: &'a VariationalModel,
    seq: &'a EventSequence,
    options: &'a ObjectiveOptions,
    q_hidden: SnnHidden<'a>,
    dpp: DiffPP,
    /// Where the scored stretch starts (the sequence's start without a lead-in).
    from: f64,
    log_q: f64,
    ll_obs: f64,
}

impl<'a> SoftDraw<'a> {
    /// Draws the ∂PP noise for `q` on the sequence's window, then the compensator, samples
    /// `q` softly at temperature `tau` into `ws.trace_q` and computes the observed part (this
    /// order of the draws is what makes a seed reproduce a step). With a lead-in
    /// ([`ObjectiveOptions::lead_in`]) the sample covers the whole window, and `log q` and the
    /// observed part are those of the scored stretch after it.
    pub(super) fn new<R: Rng + ?Sized>(
        model: &'a VariationalModel,
        seq: &'a EventSequence,
        options: &'a ObjectiveOptions,
        tau: f64,
        rng: &mut R,
        ws: &mut EstimatorWorkspace,
    ) -> Result<Self> {
        let (p, q) = (model.p(), model.q());
        let h = p.n_hidden();
        let from = options.scored_from(seq)?;
        let q_hidden =
            SnnHidden::with_state(q, seq, options.epsilon, std::mem::take(&mut ws.state_q))?;
        let window = seq.window();
        let dpp = DiffPP::new(window, Mode::soft(tau)?);
        ws.noise
            .redraw(rng, window, q_hidden.candidate_rate(), h + 1)?;
        let comp = options.compensator.redrawn(rng);
        dpp.sample_with_noise_into(&q_hidden, &ws.noise, &mut ws.trace_q)?;
        ws.trace_q.score_from(from)?;
        let log_q = ws.trace_q.log_q();
        let ll_obs = observed_part(p, seq, from, &comp, ws)?;
        Ok(Self {
            model,
            seq,
            options,
            q_hidden,
            dpp,
            from,
            log_q,
            ll_obs,
        })
    }

    /// Gives `q`'s hidden-model buffers back to the workspace for the next estimate.
    pub(super) fn finish(self, ws: &mut EstimatorWorkspace) {
        ws.state_q = self.q_hidden.into_state();
    }

    /// The path-wise E step: writes the total derivative of `ℓ` (without the regulariser)
    /// into `grad` (zeroed by the caller) and returns `f = −log p + β log q`.
    pub(super) fn pathwise_e(&self, ws: &mut EstimatorWorkspace, grad: &mut [f64]) -> Result<f64> {
        let (model, options) = (self.model, self.options);
        let (p, q) = (model.p(), model.q());
        let h = p.n_hidden();
        // L = −log p_obs as a loss in the marks
        for g in ws.g_w.iter_mut() {
            *g = -*g;
        }
        resize_marks(ws, h, !model.is_shared());
        weight_adjoint_to_mark_adjoint(&ws.trace_q, &ws.g_w, &mut ws.dl_dy)?;
        let np = pp_core::Parametric::n_params(p);
        let nq = pp_core::Parametric::n_params(q);
        let log_p_hidden;
        if model.is_shared() {
            // log p_hidden = log q, whose path-wise derivative vanishes
            log_p_hidden = self.log_q;
            gradient_through_sample(
                &self.q_hidden,
                &ws.trace_q,
                0.0,
                Some(&ws.dl_dy),
                &mut ws.g_a[..np],
                &mut ws.reverse,
            )?;
            for i in 0..np {
                grad[i] = ws.g_a[i] - ws.g_obs[i];
            }
        } else {
            log_p_hidden = self.p_hidden_on_sample(true, ws)?;
            gradient_through_sample(
                &self.q_hidden,
                &ws.trace_q,
                options.beta,
                Some(&ws.ybar),
                &mut ws.g_b[..nq],
                &mut ws.reverse,
            )?;
            for (i, gi) in model.p_range().enumerate() {
                grad[gi] += ws.g_a[i] - ws.g_obs[i];
            }
            for (i, gi) in model.q_range().enumerate() {
                grad[gi] += ws.g_b[i];
            }
        }
        Ok(-self.ll_obs - log_p_hidden + options.beta * self.log_q)
    }

    /// The path-wise M step (the sample held fixed, `θ` only): writes the gradient of
    /// `−log p + log q` into `grad` and returns that value.
    pub(super) fn pathwise_m(&self, ws: &mut EstimatorWorkspace, grad: &mut [f64]) -> Result<f64> {
        let model = self.model;
        let np = pp_core::Parametric::n_params(model.p());
        let log_p_hidden = if model.is_shared() {
            for i in 0..np {
                grad[i] = -ws.g_obs[i];
            }
            self.log_q
        } else {
            let log_p_hidden = self.p_hidden_on_sample(false, ws)?;
            for i in 0..np {
                grad[i] = ws.g_a[i] - ws.g_obs[i];
            }
            log_p_hidden
        };
        Ok(-self.ll_obs - log_p_hidden + self.log_q)
    }

    /// The relaxed score function (the sample held fixed, the score of `q`'s soft density):
    /// writes `f ∇_φ log q + ∇_{θ,φ} f` into `grad` and returns `f`.
    pub(super) fn relaxed_score(
        &self,
        ws: &mut EstimatorWorkspace,
        grad: &mut [f64],
    ) -> Result<f64> {
        let model = self.model;
        if self.from > self.seq.window().t0() {
            // its score would be that of the whole sample, its f that of the scored stretch
            return Err(crate::error::ViError::argument(
                "lead-in",
                "the relaxed score function (an unbiasedness check) takes no lead-in",
            ));
        }
        let (p, q) = (model.p(), model.q());
        let np = pp_core::Parametric::n_params(p);
        let nq = pp_core::Parametric::n_params(q);
        // the score ∇_φ log q(y; φ) with the marks fixed
        gradient_fixed_sample(
            &self.q_hidden,
            &ws.trace_q,
            1.0,
            None,
            &mut ws.g_b[..nq],
            None,
            &mut ws.reverse,
        )?;
        let beta = self.options.beta;
        let f;
        if model.is_shared() {
            // log p_hidden = log q: ∂_θ(−log p_hidden) = −score
            f = -self.ll_obs - self.log_q + beta * self.log_q;
            for i in 0..np {
                grad[i] = f * ws.g_b[i] - ws.g_obs[i] + (beta - 1.0) * ws.g_b[i];
            }
        } else {
            let log_p_hidden = self.p_hidden_on_sample(false, ws)?;
            f = -self.ll_obs - log_p_hidden + beta * self.log_q;
            for i in 0..np {
                grad[i] = ws.g_a[i] - ws.g_obs[i];
            }
            for (i, gi) in model.q_range().enumerate() {
                grad[gi] = (f + beta) * ws.g_b[i];
            }
        }
        Ok(f)
    }

    /// `log p_hidden(H; θ)` of `q`'s soft sample (in `ws.trace_q`) under `p` (into
    /// `ws.trace_p`), with the gradient of `−log p_hidden` in `θ` written into
    /// `ws.g_a[..n_params(p)]`. With `through_marks`, the loss also has the mark adjoint
    /// `ws.dl_dy`, and the total adjoint of the marks is written into `ws.ybar` (to be swept
    /// through `q`); otherwise the marks are fixed.
    fn p_hidden_on_sample(&self, through_marks: bool, ws: &mut EstimatorWorkspace) -> Result<f64> {
        let p = self.model.p();
        let np = pp_core::Parametric::n_params(p);
        let p_hidden = SnnHidden::with_state(
            p,
            self.seq,
            self.options.epsilon,
            std::mem::take(&mut ws.state_p),
        )?;
        let swept = self
            .dpp
            .evaluate_into(
                &p_hidden,
                ws.trace_q.times(),
                ws.trace_q.y(),
                &mut ws.trace_p,
            )
            .and_then(|()| ws.trace_p.score_from(self.from))
            .and_then(|()| {
                gradient_fixed_sample(
                    &p_hidden,
                    &ws.trace_p,
                    -1.0,
                    through_marks.then_some(&ws.dl_dy[..]),
                    &mut ws.g_a[..np],
                    through_marks.then_some(&mut ws.ybar[..]),
                    &mut ws.reverse,
                )
            });
        ws.state_p = p_hidden.into_state();
        swept?;
        Ok(ws.trace_p.log_q())
    }
}

/// `log p_obs(O | d; θ)` of the observed neurons on `[from, T1]` with the soft hidden spikes of
/// `ws.trace_q` (those before `from` as history); writes `∂/∂θ` into `ws.g_obs` and `∂/∂d` into
/// `ws.g_w`.
fn observed_part(
    p: &Snn,
    seq: &EventSequence,
    from: f64,
    comp: &CompensatorMethod,
    ws: &mut EstimatorWorkspace,
) -> Result<f64> {
    let h = p.n_hidden();
    let m = ws.trace_q.len();
    ws.g_w.clear();
    ws.g_w.resize(m * h, 0.0);
    ws.g_obs.fill(0.0);
    let events = SoftEvents::from_sorted_unchecked(ws.trace_q.times(), ws.trace_q.weights(), h);
    let ll = p.observed_log_likelihood_from(
        seq,
        from,
        events,
        comp,
        &mut ws.soft,
        Some((&mut ws.g_obs, &mut ws.g_w)),
    )?;
    Ok(ll)
}

/// Sizes the mark adjoints for the sample in `ws.trace_q`: `dl_dy`, and `ybar` only when `p`
/// has its own parameters (with a shared model it is never written: no `M·(H + 1)` floats
/// for nothing on a long recording).
fn resize_marks(ws: &mut EstimatorWorkspace, h: usize, own_p: bool) {
    let len = ws.trace_q.len() * (h + 1);
    ws.dl_dy.clear();
    ws.dl_dy.resize(len, 0.0);
    ws.ybar.clear();
    if own_p {
        ws.ybar.resize(len, 0.0);
    }
}
