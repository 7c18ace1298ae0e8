//! The exponential Hawkes log-likelihood and its exact gradient in O(n·D), by recursion
//! (derivation: `pp-core/docs/derivations/exp_hawkes_gradient.md`).
//!
//! With `R_j(t) = Σ_{t_e < t, i_e = j} e^{−β (t − t_e)}` the intensity is
//! `λ_i(t) = μ_i + β Σ_j α_{ij} R_j(t)`, and `R_j` obeys
//! `R_j(t + Δ) = e^{−βΔ} R_j(t)` between events, `R_j += 1` at an event of `j`. Each event costs
//! O(D); buffers of size O(D) (and one O(D²) transpose) are allocated once per call.

use crate::compensator::check_dimension;
use crate::error::{PpError, Result};
use crate::fastmath::{LogSum, exp_neg};
use crate::hawkes::ExpHawkes;
use crate::intensity::{Intensity, LogLikelihood, LogLikelihoodGradient, Parametric};
use crate::sequence::EventSequence;

/// Turns a non-finite result into an error (it cannot happen with valid parameters and a
/// valid sequence unless something overflows).
fn finite(value: f64, what: &'static str) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(PpError::Numerical {
            what,
            detail: format!("the result is {value} (overflow?)"),
        })
    }
}

/// Events are processed in blocks of this many: gaps and decay factors of a block are computed
/// first (independent iterations, which vectorise), then the recursion runs over the block.
const BLOCK: usize = 64;

/// Gaps `dt[k] = t_k − t_{k−1}` (`t_{−1} = previous`) and decays `e^{−β dt[k]}` of a block.
#[inline(always)]
fn gaps_and_decays(
    times: &[f64],
    previous: f64,
    beta: f64,
    dt: &mut [f64; BLOCK],
    decay: &mut [f64; BLOCK],
) {
    let n = times.len();
    dt[0] = times[0] - previous;
    for k in 1..n {
        dt[k] = times[k] - times[k - 1];
    }
    for (d, &g) in decay[..n].iter_mut().zip(&dt[..n]) {
        *d = exp_neg(-beta * g);
    }
}

impl ExpHawkes {
    /// The one-dimensional log-likelihood: the same recursion with scalars (the hot case of
    /// the benchmarks; no inner loops over dimensions).
    fn log_likelihood_1d(&self, seq: &EventSequence) -> f64 {
        let (mu, alpha, beta) = (self.mu()[0], self.alpha()[0], self.beta());
        let beta_alpha = beta * alpha;
        let w = seq.window();
        let mut r = 0.0; // R(t) just after the previous event (included)
        let mut last = w.t0();
        let mut log_sum = LogSum::new();
        let (mut dt, mut decay) = ([0.0; BLOCK], [0.0; BLOCK]);
        for block in seq.times().chunks(BLOCK) {
            gaps_and_decays(block, last, beta, &mut dt, &mut decay);
            for &f in &decay[..block.len()] {
                r *= f;
                log_sum.add_ln(mu + beta_alpha * r);
                r += 1.0;
            }
            last = block[block.len() - 1];
        }
        r *= exp_neg(-beta * (w.t1() - last));
        let n = seq.len() as f64;
        log_sum.value() - mu * w.duration() - alpha * (n - r)
    }

    /// The one-dimensional value and gradient (scalars).
    fn log_likelihood_gradient_1d(&self, seq: &EventSequence, grad: &mut [f64]) -> f64 {
        let (mu, alpha, beta) = (self.mu()[0], self.alpha()[0], self.beta());
        let beta_alpha = beta * alpha;
        let w = seq.window();
        let (mut r, mut q) = (0.0, 0.0);
        let mut last = w.t0();
        let mut log_sum = LogSum::new();
        let (mut g_mu, mut g_r, mut g_beta) = (0.0, 0.0, 0.0);
        let (mut dt, mut decay) = ([0.0; BLOCK], [0.0; BLOCK]);
        for block in seq.times().chunks(BLOCK) {
            gaps_and_decays(block, last, beta, &mut dt, &mut decay);
            for (&f, &g) in decay[..block.len()].iter().zip(&dt[..block.len()]) {
                q = f * (q + g * r);
                r *= f;
                let lambda = mu + beta_alpha * r;
                let inv = 1.0 / lambda;
                log_sum.add_ln(lambda);
                g_mu += inv;
                g_r += r * inv;
                g_beta += (r - beta * q) * inv;
                r += 1.0;
            }
            last = block[block.len() - 1];
        }
        let dt = w.t1() - last;
        let decay = exp_neg(-beta * dt);
        q = decay * (q + dt * r);
        r *= decay;
        let n = seq.len() as f64;
        let big_t = w.duration();
        grad[0] = g_mu - big_t;
        grad[1] = beta * g_r - (n - r);
        grad[2] = alpha * (g_beta - q);
        log_sum.value() - mu * big_t - alpha * (n - r)
    }

    /// The `D`-dimensional log-likelihood with target-space states
    /// `S_i(t) = Σ_j α_{ij} R_j(t)`, so that `λ_i = μ_i + β S_i`.
    fn log_likelihood_nd(&self, seq: &EventSequence) -> f64 {
        let d = self.dim();
        let (mu, alpha, beta) = (self.mu(), self.alpha(), self.beta());
        // alpha_t[j * d + i] = α_{ij}: the column of source j, contiguous.
        let mut alpha_t = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                alpha_t[j * d + i] = alpha[i * d + j];
            }
        }
        let col_sums: Vec<f64> = alpha_t.chunks_exact(d).map(|c| c.iter().sum()).collect();
        let mut s = vec![0.0; d];
        let w = seq.window();
        let mut last = w.t0();
        let mut log_sum = LogSum::new();
        let mut excitation_total = 0.0; // Σ_e Σ_i α_{i, i_e}
        let (mut dt, mut decay) = ([0.0; BLOCK], [0.0; BLOCK]);
        for (times, marks) in seq.times().chunks(BLOCK).zip(seq.marks().chunks(BLOCK)) {
            gaps_and_decays(times, last, beta, &mut dt, &mut decay);
            for (&f, &m) in decay[..times.len()].iter().zip(marks) {
                let j = m as usize;
                log_sum.add_ln(mu[j] + beta * f * s[j]);
                for (si, &a) in s.iter_mut().zip(&alpha_t[j * d..(j + 1) * d]) {
                    *si = f * *si + a;
                }
                excitation_total += col_sums[j];
            }
            last = times[times.len() - 1];
        }
        let decay = exp_neg(-beta * (w.t1() - last));
        let s_end: f64 = s.iter().sum::<f64>() * decay;
        let mu_total: f64 = mu.iter().sum();
        log_sum.value() - mu_total * w.duration() - (excitation_total - s_end)
    }

    /// The `D`-dimensional value and gradient. States: `R_j` per source (for the α gradient),
    /// and per target `S_i = Σ_j α_{ij} R_j` and `P_i = Σ_j α_{ij} Q_j`, where
    /// `Q_j(t) = Σ_{t_e < t, i_e = j} (t − t_e) e^{−β (t − t_e)} = −∂R_j/∂β`; all updates are
    /// element-wise (no reductions in the event loop).
    fn log_likelihood_gradient_nd(
        &self,
        seq: &EventSequence,
        grad: &mut [f64],
        buf: &mut NdBuffers,
    ) -> f64 {
        let d = self.dim();
        let (mu, alpha, beta) = (self.mu(), self.alpha(), self.beta());
        let NdBuffers {
            r,
            s,
            p,
            counts,
            alpha_t,
        } = buf;
        for i in 0..d {
            for j in 0..d {
                alpha_t[j * d + i] = alpha[i * d + j];
            }
        }
        let w = seq.window();
        let (g_mu, rest) = grad.split_at_mut(d);
        let (g_alpha, g_beta) = rest.split_at_mut(d * d);
        g_mu.fill(0.0);
        g_alpha.fill(0.0);
        let mut gb = 0.0;
        let mut last = w.t0();
        let mut log_sum = LogSum::new();
        let (mut dt, mut decay) = ([0.0; BLOCK], [0.0; BLOCK]);
        for (times, marks) in seq.times().chunks(BLOCK).zip(seq.marks().chunks(BLOCK)) {
            gaps_and_decays(times, last, beta, &mut dt, &mut decay);
            for ((&f, &g), &m) in decay[..times.len()]
                .iter()
                .zip(&dt[..times.len()])
                .zip(marks)
            {
                let i = m as usize;
                let fg = f * g;
                // P ← f (P + g S), S ← f S
                for (pk, sk) in p.iter_mut().zip(s.iter_mut()) {
                    *pk = f * *pk + fg * *sk;
                    *sk *= f;
                }
                let (sr, sq) = (s[i], p[i]);
                let lambda = mu[i] + beta * sr;
                let inv = 1.0 / lambda;
                log_sum.add_ln(lambda);
                g_mu[i] += inv;
                gb += (sr - beta * sq) * inv;
                let scale = beta * inv;
                for (gr, rj) in g_alpha[i * d..(i + 1) * d].iter_mut().zip(r.iter_mut()) {
                    *rj *= f;
                    *gr += scale * *rj;
                }
                r[i] += 1.0;
                counts[i] += 1.0;
                for (sk, &a) in s.iter_mut().zip(&alpha_t[i * d..(i + 1) * d]) {
                    *sk += a;
                }
            }
            last = times[times.len() - 1];
        }
        let dt = w.t1() - last;
        let f = exp_neg(-beta * dt);
        for rj in r.iter_mut() {
            *rj *= f;
        }
        // Σ_j A_j Q_j(T1) = Σ_i P_i(T1)
        let mut p_end = 0.0;
        for (pk, sk) in p.iter().zip(s.iter()) {
            p_end += f * (*pk + dt * *sk);
        }
        let big_t = w.duration();
        let mut compensator = 0.0;
        for (g, &m) in g_mu.iter_mut().zip(mu) {
            *g -= big_t;
            compensator += m * big_t;
        }
        // ∂/∂α_{ij} of the compensator is W_j = n_j − R_j(T1).
        for i in 0..d {
            for j in 0..d {
                let w_j = counts[j] - r[j];
                g_alpha[i * d + j] -= w_j;
                compensator += alpha[i * d + j] * w_j;
            }
        }
        g_beta[0] = gb - p_end;
        log_sum.value() - compensator
    }
}

/// Work buffers of the `D`-dimensional gradient, allocated once per call.
struct NdBuffers {
    r: Vec<f64>,
    s: Vec<f64>,
    p: Vec<f64>,
    counts: Vec<f64>,
    alpha_t: Vec<f64>,
}

impl NdBuffers {
    fn new(d: usize) -> Self {
        Self {
            r: vec![0.0; d],
            s: vec![0.0; d],
            p: vec![0.0; d],
            counts: vec![0.0; d],
            alpha_t: vec![0.0; d * d],
        }
    }
}

impl LogLikelihood for ExpHawkes {
    type Error = PpError;

    /// The exact log-likelihood (1.1) in O(n·D) time and O(D²) memory: recursive event term,
    /// closed-form compensator `Σ_i μ_i (T1 − T0) + Σ_e Σ_i α_{i,i_e} (1 − e^{−β (T1 − t_e)})`.
    ///
    /// ```
    /// use pp_core::{log_likelihood, ClosedForm, EventSequence, ExpHawkes, LogLikelihood, Window};
    /// let model = ExpHawkes::new(vec![0.5, 0.2], vec![0.3, 0.1, 0.2, 0.4], 1.5)?;
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 2, vec![0.5, 1.0, 2.5, 4.0], vec![0, 1, 1, 0])?;
    /// let fast = model.log_likelihood(&seq)?;
    /// let naive = log_likelihood(&model, &seq, &ClosedForm)?; // O(n²) direct sums
    /// assert!((fast - naive).abs() < 1e-12);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn log_likelihood(&self, seq: &EventSequence) -> Result<f64> {
        check_dimension(self, seq)?;
        let value = if self.dim() == 1 {
            self.log_likelihood_1d(seq)
        } else {
            self.log_likelihood_nd(seq)
        };
        finite(value, "ExpHawkes log-likelihood")
    }
}

impl LogLikelihoodGradient for ExpHawkes {
    /// The log-likelihood and its exact gradient in `(μ, α, β)` (order of
    /// [`Parametric::params`]) in O(n·D) time: one more recursion, for
    /// `Q_j = −∂R_j/∂β`, gives the β-derivative.
    ///
    /// ```
    /// use pp_core::{EventSequence, ExpHawkes, LogLikelihood, LogLikelihoodGradient, Parametric, Window};
    /// let model = ExpHawkes::new(vec![0.5], vec![0.3], 1.5)?;
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![0.5, 1.0, 2.5], vec![0; 3])?;
    /// let mut grad = vec![0.0; model.n_params()];
    /// let value = model.log_likelihood_gradient(&seq, &mut grad)?;
    /// assert_eq!(value, model.log_likelihood(&seq)?);
    /// // central difference in β
    /// let h = 1e-6;
    /// let ll = |b: f64| ExpHawkes::new(vec![0.5], vec![0.3], b).unwrap().log_likelihood(&seq).unwrap();
    /// assert!((grad[2] - (ll(1.5 + h) - ll(1.5 - h)) / (2.0 * h)).abs() < 1e-7);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn log_likelihood_gradient(&self, seq: &EventSequence, grad: &mut [f64]) -> Result<f64> {
        check_dimension(self, seq)?;
        if grad.len() != self.n_params() {
            return Err(PpError::LengthMismatch {
                what: "gradient buffer (D + D² + 1)",
                expected: self.n_params(),
                found: grad.len(),
            });
        }
        let d = self.dim();
        let value = if d == 1 {
            self.log_likelihood_gradient_1d(seq, grad)
        } else {
            self.log_likelihood_gradient_nd(seq, grad, &mut NdBuffers::new(d))
        };
        if let Some(k) = grad.iter().position(|g| !g.is_finite()) {
            return Err(PpError::Numerical {
                what: "ExpHawkes log-likelihood gradient",
                detail: format!("gradient coordinate {k} is {}", grad[k]),
            });
        }
        finite(value, "ExpHawkes log-likelihood")
    }
}
