//! The fully observed log-likelihood (docs/math.md (1.1)) of the SNN and its exact gradient in
//! `(bias, weights)`, with the optional penalty `λ_reg ‖M ⊙ W‖_F`.
//!
//! One likelihood engine serves every case: the fully observed likelihood is the one-hot case
//! of the soft engine of [`crate::soft`] with every neuron a target. The compensator is
//! integrated piece by piece between the breakpoints (event times and `t_e + c_k ± s`), where
//! every potential is an explicit function of time. For the Epanechnikov basis with the sigmoid
//! or exponential activation each piece gets a Gauss–Legendre rule whose order is chosen a
//! priori from an analytic error bound (see `docs/derivations/soft_likelihood.md`), otherwise
//! adaptive 7/15-point Gauss–Kronrod quadrature with QUADPACK's error estimate. The gradient
//! is the exact gradient of the *computed* value: the same nodes and weights, differentiated
//! (see `docs/derivations/likelihood_gradient.md`). Monte Carlo integration at the points of
//! [`pp_core::MonteCarlo`] is available on request. The compensator is specified by pp-core's
//! [`CompensatorMethod`], the workspace's one specification type.

pub use pp_core::CompensatorMethod;
use pp_core::{EventSequence, LogLikelihood, LogLikelihoodGradient, PpError, Quadrature, Window};

use crate::error::{Result, SnnError};
use crate::model::Snn;
use crate::soft::SoftWorkspace;

/// Options of [`Snn::objective`].
///
/// ```
/// let o = snn_model::LikelihoodOptions::default();
/// assert_eq!(o.regularisation, 0.1);
/// assert_eq!(snn_model::LikelihoodOptions::unpenalised().regularisation, 0.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LikelihoodOptions {
    /// The compensator.
    pub compensator: CompensatorMethod,
    /// Weight `λ_reg ≥ 0` of the penalty `λ_reg ‖M ⊙ W‖_F` (the reference's 0.1; 0 switches it off).
    pub regularisation: f64,
}

impl Default for LikelihoodOptions {
    fn default() -> Self {
        Self {
            compensator: CompensatorMethod::default(),
            regularisation: 0.1,
        }
    }
}

impl LikelihoodOptions {
    /// Quadrature compensator, no penalty.
    ///
    /// ```
    /// assert_eq!(snn_model::LikelihoodOptions::unpenalised().regularisation, 0.0);
    /// ```
    pub fn unpenalised() -> Self {
        Self {
            regularisation: 0.0,
            ..Self::default()
        }
    }
}

/// The parts of the penalised log-likelihood of one sequence.
///
/// ```
/// let e = snn_model::Evaluation { event_term: -1.0, compensator: 2.0, penalty: 0.5 };
/// assert_eq!(e.log_likelihood(), -3.0);
/// assert_eq!(e.objective(), -3.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// `Σ_e log λ_{i_e}(t_e)`.
    pub event_term: f64,
    /// `Σ_i ∫_{T0}^{T1} λ_i(t) dt` as computed.
    pub compensator: f64,
    /// `λ_reg ‖M ⊙ W‖_F`.
    pub penalty: f64,
}

impl Evaluation {
    /// `event_term − compensator`.
    ///
    /// ```
    /// let e = snn_model::Evaluation { event_term: 1.0, compensator: 0.5, penalty: 0.0 };
    /// assert_eq!(e.log_likelihood(), 0.5);
    /// ```
    pub fn log_likelihood(&self) -> f64 {
        self.event_term - self.compensator
    }

    /// `log_likelihood − penalty`, the quantity whose gradient [`Snn::objective`] returns.
    ///
    /// ```
    /// let e = snn_model::Evaluation { event_term: 1.0, compensator: 0.5, penalty: 0.25 };
    /// assert_eq!(e.objective(), 0.25);
    /// ```
    pub fn objective(&self) -> f64 {
        self.log_likelihood() - self.penalty
    }
}

/// Buffers for likelihood evaluations, reused across sequences (no allocation per piece or
/// per event once warmed up). One per thread.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use snn_model::{LikelihoodOptions, LikelihoodWorkspace, SnnBuilder};
/// let m = SnnBuilder::new(2, 0).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 2, vec![1.0, 2.0], vec![0, 1])?;
/// let mut ws = LikelihoodWorkspace::new(&m)?;
/// let mut grad = vec![0.0; 2 + 8];
/// let e = ws.evaluate(&m, &seq, &LikelihoodOptions::default(), Some(&mut grad))?;
/// assert!((e.log_likelihood() - (2.0 * 2.5f64.ln() - 2.0 * 2.5 * 5.0)).abs() < 1e-10);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LikelihoodWorkspace {
    /// The likelihood engine, with every neuron as a target.
    engine: SoftWorkspace,
    /// One engine and one gradient buffer per part of a split evaluation beyond the first
    /// ([`evaluate_split`](Self::evaluate_split)), made when first needed.
    parts: Vec<(SoftWorkspace, Vec<f64>)>,
}

impl LikelihoodWorkspace {
    /// The bytes the workspace holds on the heap after its passes so far (see
    /// [`SoftWorkspace::heap_bytes`](crate::soft::SoftWorkspace::heap_bytes)): `O(events +
    /// K·N²)`, never `O(events × N)`.
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(3, 0).check()?;
    /// let ws = snn_model::LikelihoodWorkspace::new(&m)?;
    /// assert!(ws.heap_bytes() > 0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn heap_bytes(&self) -> usize {
        self.engine.heap_bytes()
            + self
                .parts
                .iter()
                .map(|(e, g)| e.heap_bytes() + 8 * g.capacity())
                .sum::<usize>()
    }

    /// Buffers sized for `model` (and any model with the same shape and basis).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(3, 1).check()?;
    /// let ws = snn_model::LikelihoodWorkspace::new(&m)?;
    /// # let _ = ws;
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn new(model: &Snn) -> Result<Self> {
        Ok(Self {
            engine: SoftWorkspace::new(model),
            parts: Vec::new(),
        })
    }

    /// The penalised log-likelihood of `seq` under `model` and, if `grad` is given (length
    /// `N + K·N·N`, the [`Parametric`](pp_core::Parametric) order `[bias, weights [k][i][j]]`),
    /// the exact gradient of [`Evaluation::objective`] written into it.
    ///
    /// The penalty's gradient is `λ_reg (M ⊙ W)/‖M ⊙ W‖_F`; at `M ⊙ W = 0`, where the norm is
    /// not differentiable, the minimum-norm subgradient 0 is used.
    ///
    /// ```
    /// use pp_core::{EventSequence, MonteCarlo, Window};
    /// use snn_model::{CompensatorMethod, LikelihoodOptions, LikelihoodWorkspace, SnnBuilder};
    /// let m = SnnBuilder::new(1, 0).weights(vec![-1.0, 0.5]).check()?;
    /// let seq = EventSequence::new(Window::new(0.0, 20.0)?, 1, vec![1.0, 5.0, 12.0], vec![0; 3])?;
    /// let mut ws = LikelihoodWorkspace::new(&m)?;
    /// let quad = ws.evaluate(&m, &seq, &LikelihoodOptions::unpenalised(), None)?;
    /// let mc = LikelihoodOptions {
    ///     compensator: CompensatorMethod::MonteCarlo(MonteCarlo::new(20_000, 1)?),
    ///     regularisation: 0.0,
    /// };
    /// let noisy = ws.evaluate(&m, &seq, &mc, None)?;
    /// assert!((quad.compensator - noisy.compensator).abs() < 0.05 * quad.compensator);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn evaluate(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        options: &LikelihoodOptions,
        grad: Option<&mut [f64]>,
    ) -> Result<Evaluation> {
        self.evaluate_split(model, seq, options, grad, 1)
    }

    /// [`evaluate`](Self::evaluate) split into `parts` parts computed in parallel (rayon), each
    /// on an engine of its own, and added in order, so that one long sequence uses all cores.
    /// With the quadrature compensator the parts are stretches of time ([`time_segments`]:
    /// near-equal numbers of events, each conditioned on the spikes of the kernel support before
    /// it): the log-likelihood is additive over disjoint intervals given the history, and each
    /// part costs its own share of the work. With Monte Carlo they are blocks of target neurons
    /// ([`target_blocks`]; the points stay those of the whole window). For a given `parts` the
    /// result does not depend on the number of threads; it differs from the unsplit value only
    /// by the order of the sums and the quadrature's extra breakpoints at the cuts (to about
    /// `1e-12` relative). Each part holds its own source list (12 bytes per spike of its stretch)
    /// and gradient buffer.
    ///
    /// ```
    /// use pp_core::Window;
    /// use snn_model::{LikelihoodOptions, LikelihoodWorkspace, SnnBuilder};
    /// let m = SnnBuilder::new(6, 0).bias(vec![-1.0; 6]).check()?;
    /// let seq = m.simulate(Window::new(0.0, 50.0)?, &mut pp_thinning::sequence_rng(1, 0))?;
    /// let mut ws = LikelihoodWorkspace::new(&m)?;
    /// let whole = ws.evaluate(&m, &seq, &LikelihoodOptions::default(), None)?;
    /// let split = ws.evaluate_split(&m, &seq, &LikelihoodOptions::default(), None, 3)?;
    /// assert!((whole.log_likelihood() - split.log_likelihood()).abs() < 1e-9 * whole.compensator);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_split(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        options: &LikelihoodOptions,
        grad: Option<&mut [f64]>,
        parts: usize,
    ) -> Result<Evaluation> {
        self.evaluate_from(model, seq, seq.window().t0(), options, grad, parts)
    }

    /// [`evaluate_split`](Self::evaluate_split) of the stretch `[from, T1]` of `seq` given the
    /// spikes before `from` as fixed history: its conditional log-likelihood (the events at or
    /// after `from`, the compensator over `[from, T1]`), as for the piece of a
    /// [`ScoredWindow`](pp_core::ScoredWindow) (`seq` its lead-in and piece, `from` where the
    /// piece starts). With a lead-in of at least the kernel support, the pieces of a recording
    /// add up to its log-likelihood. The quadrature compensator is required when
    /// `from > T0` (an error otherwise); the penalty is the whole `options.regularisation`.
    ///
    /// ```
    /// use pp_core::Window;
    /// use snn_model::{LikelihoodOptions, LikelihoodWorkspace, SnnBuilder};
    /// let m = SnnBuilder::new(3, 0).bias(vec![-1.0; 3]).check()?;
    /// let seq = m.simulate(Window::new(0.0, 60.0)?, &mut pp_thinning::sequence_rng(2, 0))?;
    /// let opts = LikelihoodOptions::unpenalised();
    /// let mut ws = LikelihoodWorkspace::new(&m)?;
    /// let whole = ws.evaluate(&m, &seq, &opts, None)?.log_likelihood();
    /// let after = ws.evaluate_from(&m, &seq, 25.0, &opts, None, 1)?.log_likelihood();
    /// let before = ws.evaluate(&m, &seq.split_windows(25.0)?[0], &opts, None)?.log_likelihood();
    /// assert!((before + after - whole).abs() < 1e-9 * whole.abs());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn evaluate_from(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        from: f64,
        options: &LikelihoodOptions,
        grad: Option<&mut [f64]>,
        parts: usize,
    ) -> Result<Evaluation> {
        check_stretch(seq.window(), from, &options.compensator)?;
        let n = model.n_neurons();
        let k = model.n_basis();
        if seq.dim() != n {
            return Err(PpError::DimensionMismatch {
                what: "sequence",
                expected: n,
                found: seq.dim(),
            }
            .into());
        }
        let n_params = n + k * n * n;
        if let Some(g) = grad.as_deref()
            && g.len() != n_params
        {
            return Err(SnnError::shape(
                "gradient buffer",
                format!("[{n_params}]"),
                format!("[{}]", g.len()),
            ));
        }
        let reg = options.regularisation;
        if !(reg.is_finite() && reg >= 0.0) {
            return Err(SnnError::invalid(
                "regularisation",
                reg,
                "must be finite and non-negative",
            ));
        }
        let mut grad = grad;
        if let Some(g) = grad.as_deref_mut() {
            g.fill(0.0);
        }
        let (event_term, compensator) = if parts <= 1 && from == seq.window().t0() {
            self.engine
                .hard(model, seq, 0..n, &options.compensator, grad.as_deref_mut())?
        } else {
            let method = &options.compensator;
            self.split(model, seq, from, method, grad.as_deref_mut(), parts)?
        };
        if !compensator.is_finite() {
            return Err(SnnError::Numerical {
                what: "compensator",
                detail: format!("the integrated intensity is {compensator}"),
            });
        }
        let norm = model.masked_weight_norm();
        let penalty = reg * norm;
        if let Some(g) = grad {
            if reg > 0.0 && norm > 0.0 {
                let wm = model.masked_weights_ikj();
                for kk in 0..k {
                    for i in 0..n {
                        for j in 0..n {
                            if model.connected(i, j) {
                                g[n + (kk * n + i) * n + j] -=
                                    reg * wm[(i * k + kk) * n + j] / norm;
                            }
                        }
                    }
                }
            }
            if let Some(bad) = g.iter().position(|v| !v.is_finite()) {
                return Err(SnnError::Numerical {
                    what: "log-likelihood gradient",
                    detail: format!("coordinate {bad} is {}", g[bad]),
                });
            }
        }
        Ok(Evaluation {
            event_term,
            compensator,
            penalty,
        })
    }

    /// The event term and compensator of `seq` from `from` on over `parts` parts in parallel
    /// (time segments with the quadrature compensator, else target blocks), gradients added
    /// into `grad` in order.
    fn split(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        from: f64,
        method: &CompensatorMethod,
        grad: Option<&mut [f64]>,
        parts: usize,
    ) -> Result<(f64, f64)> {
        use rayon::prelude::*;
        let n = model.n_neurons();
        let p = n + model.n_basis() * n * n;
        let jobs: Vec<(std::ops::Range<usize>, TimeSegment)> = match method {
            CompensatorMethod::Quadrature(_) => {
                time_segments(seq, from, parts, model.basis().support())?
                    .into_iter()
                    .map(|segment| (0..n, segment))
                    .collect()
            }
            CompensatorMethod::MonteCarlo(_) => target_blocks(n, parts)
                .into_iter()
                .map(|targets| (targets, TimeSegment::whole(seq)))
                .collect(),
        };
        while self.parts.len() + 1 < jobs.len() {
            self.parts.push((SoftWorkspace::new(model), Vec::new()));
        }
        let want = grad.is_some();
        let (first, rest) = (&mut self.engine, &mut self.parts[..jobs.len() - 1]);
        let mut first_grad = Vec::new();
        let mut engines: Vec<(&mut SoftWorkspace, &mut Vec<f64>)> =
            std::iter::once((first, &mut first_grad))
                .chain(rest.iter_mut().map(|(e, g)| (e, g)))
                .collect();
        let results: Vec<Result<(f64, f64)>> = engines
            .par_iter_mut()
            .zip(jobs.par_iter())
            .map(|((engine, g), (targets, segment))| {
                g.clear();
                g.resize(if want { p } else { 0 }, 0.0);
                engine.hard_span(
                    model,
                    seq,
                    segment,
                    targets.clone(),
                    method,
                    want.then_some(&mut g[..]),
                )
            })
            .collect();
        let (mut event_term, mut compensator) = (0.0, 0.0);
        for part in results {
            let (e, c) = part?;
            event_term += e;
            compensator += c;
        }
        if let Some(out) = grad {
            for (_, g) in &engines {
                for (o, v) in out.iter_mut().zip(g.iter()) {
                    *o += v;
                }
            }
        }
        Ok((event_term, compensator))
    }

    /// The rescaled intervals of `seq` (docs/math.md §1, time rescaling): per neuron, the
    /// compensator increments between its consecutive events (the first from the window's
    /// start, the censored tail dropped), integrated by the engine's quadrature with the
    /// tolerances of `q`. Under the true model they are i.i.d. Exp(1).
    ///
    /// ```
    /// use pp_core::{EventSequence, Quadrature, Window};
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?; // λ = 2.5, constant
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 3.0], vec![0, 0])?;
    /// let mut ws = snn_model::LikelihoodWorkspace::new(&m)?;
    /// let r = ws.time_rescale(&m, &seq, &Quadrature::default())?;
    /// assert!((r.intervals(0)[0] - 2.5).abs() < 1e-12 && (r.intervals(0)[1] - 5.0).abs() < 1e-12);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn time_rescale(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        q: &Quadrature,
    ) -> Result<pp_core::RescaledIntervals> {
        let n = model.n_neurons();
        if seq.dim() != n {
            return Err(PpError::DimensionMismatch {
                what: "sequence",
                expected: n,
                found: seq.dim(),
            }
            .into());
        }
        let per_dim = self.engine.rescaled_intervals(model, seq, q)?;
        Ok(pp_core::RescaledIntervals::from_per_dimension(per_dim)?)
    }
}

impl Snn {
    /// The penalised log-likelihood of `seq` ([`Evaluation`]) and, if `grad` is given, the exact
    /// gradient of [`Evaluation::objective`] (`log p − λ_reg ‖M ⊙ W‖_F`) in the
    /// [`Parametric`](pp_core::Parametric) order `[bias, weights [k][i][j]]`. Allocates a
    /// [`LikelihoodWorkspace`]; reuse one for many sequences.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::{LikelihoodOptions, SnnBuilder};
    /// let m = SnnBuilder::new(1, 0).bias(vec![0.0]).weights(vec![-1.0, -1.0]).check()?;
    /// let seq = EventSequence::new(Window::new(0.0, 3.0)?, 1, vec![1.0], vec![0])?;
    /// let mut grad = vec![0.0; 3];
    /// let e = m.objective(&seq, &LikelihoodOptions::default(), Some(&mut grad))?;
    /// assert!((e.penalty - 0.1 * 2f64.sqrt()).abs() < 1e-15);
    /// assert!(e.objective() < e.log_likelihood());
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn objective(
        &self,
        seq: &EventSequence,
        options: &LikelihoodOptions,
        grad: Option<&mut [f64]>,
    ) -> Result<Evaluation> {
        LikelihoodWorkspace::new(self)?.evaluate(self, seq, options, grad)
    }
}

/// The log-likelihood with the default quadrature compensator and no penalty.
///
/// ```
/// use pp_core::{log_likelihood, EventSequence, LogLikelihood, Quadrature, Window};
/// let m = snn_model::SnnBuilder::new(2, 0).weights(vec![-1.0, 2.0, 0.5, -1.0, 1.0, 0.0, 0.0, -2.0]).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 20.0)?, 2, vec![1.0, 1.5, 4.0, 12.0], vec![0, 1, 1, 0])?;
/// let fast = m.log_likelihood(&seq)?;
/// let generic = log_likelihood(&m, &seq, &Quadrature::default())?;
/// assert!((fast - generic).abs() < 1e-9 * generic.abs());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl LogLikelihood for Snn {
    type Error = SnnError;

    fn log_likelihood(&self, seq: &EventSequence) -> Result<f64> {
        self.objective(seq, &LikelihoodOptions::unpenalised(), None)
            .map(|e| e.log_likelihood())
    }
}

/// The exact gradient of [`LogLikelihood::log_likelihood`] (no penalty).
///
/// ```
/// use pp_core::{EventSequence, LogLikelihoodGradient, Parametric, Window};
/// let m = snn_model::SnnBuilder::new(1, 0).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 2.0)?, 1, vec![0.5], vec![0])?;
/// let mut g = vec![0.0; m.n_params()];
/// m.log_likelihood_gradient(&seq, &mut g)?;
/// // ∂/∂b of log(5σ(b)) − 2·5σ(b) at b = 0 (no event before 0.5, and W = 0): 0.5 − 10·0.25
/// assert!((g[0] - (0.5 - 2.5)).abs() < 1e-12);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl LogLikelihoodGradient for Snn {
    fn log_likelihood_gradient(&self, seq: &EventSequence, grad: &mut [f64]) -> Result<f64> {
        self.objective(seq, &LikelihoodOptions::unpenalised(), Some(grad))
            .map(|e| e.log_likelihood())
    }
}

/// The number of parts a sequence is split into ([`LikelihoodWorkspace::evaluate_split`]) when
/// a batch holds fewer sequences than this, so that one long recording uses every core. A
/// number fixed by the data, never by the threads: the same bits for any thread count.
pub const SPLIT_PARTS: usize = 4;

/// The parts each sequence of a batch of `n_sequences` is split into: [`SPLIT_PARTS`] for fewer
/// sequences than that, else 1 (the sequences alone keep the cores busy).
///
/// ```
/// use snn_model::likelihood::{split_parts, SPLIT_PARTS};
/// assert_eq!((split_parts(1), split_parts(SPLIT_PARTS)), (SPLIT_PARTS, 1));
/// ```
pub fn split_parts(n_sequences: usize) -> usize {
    if n_sequences >= SPLIT_PARTS {
        1
    } else {
        SPLIT_PARTS
    }
}

/// One stretch of a sequence in a time-split evaluation ([`time_segments`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSegment {
    /// The stretch of the observation window.
    pub window: Window,
    /// The indices of the sequence's events inside it (their log-intensity terms).
    pub events: std::ops::Range<usize>,
    /// The indices of its sources: its events and those before it within the kernel support.
    pub sources: std::ops::Range<usize>,
}

impl TimeSegment {
    /// The whole of `seq`: its window, every event a term and a source.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let seq = EventSequence::new(Window::new(0.0, 4.0)?, 1, vec![1.0, 2.0], vec![0, 0])?;
    /// let whole = snn_model::likelihood::TimeSegment::whole(&seq);
    /// assert_eq!((whole.window, whole.events, whole.sources), (seq.window(), 0..2, 0..2));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn whole(seq: &EventSequence) -> Self {
        TimeSegment {
            window: seq.window(),
            events: 0..seq.len(),
            sources: 0..seq.len(),
        }
    }

    /// The stretch `[from, T1]` of `seq`: its events at or after `from`, its sources reaching
    /// back `support` before it (the one stretch of [`time_segments`]`(seq, from, 1, support)`,
    /// without allocating). An error when `from` is not in `[T0, T1)`.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::likelihood::{time_segments, TimeSegment};
    /// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 1, vec![1.0, 2.0, 5.0, 9.0], vec![0; 4])?;
    /// let s = TimeSegment::after(&seq, 4.0, 2.5)?;
    /// assert_eq!((s.events.clone(), s.sources.clone()), (2..4, 1..4));
    /// assert_eq!(s, time_segments(&seq, 4.0, 1, 2.5)?[0]);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn after(seq: &EventSequence, from: f64, support: f64) -> Result<Self> {
        check_from(seq.window(), from)?;
        let times = seq.times();
        Ok(TimeSegment {
            window: Window::new(from, seq.window().t1())?,
            events: times.partition_point(|&t| t < from)..times.len(),
            sources: times.partition_point(|&t| t < from - support)..times.len(),
        })
    }
}

/// Splits the stretch `[from, T1]` of `seq`'s window into at most `parts` consecutive
/// stretches holding near-equal numbers of events, cut half-way between two events (the cuts
/// depend on the data only). Each stretch's sources reach back `support` before it (the spikes
/// that still act there, those before `from` included), so its log-likelihood given them is
/// its share of the whole: the stretches' event terms and compensators add up to those of
/// `[from, T1]` given the spikes before `from`. Fewer stretches when there are fewer events.
/// An error when `from` is not in `[T0, T1)` or `support` is negative or NaN.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use snn_model::likelihood::time_segments;
/// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 1, vec![1.0, 2.0, 5.0, 9.0], vec![0; 4])?;
/// let s = time_segments(&seq, 0.0, 2, 3.5)?;
/// assert_eq!(s.len(), 2);
/// assert_eq!((s[0].window.t0(), s[0].window.t1(), s[1].window.t1()), (0.0, 3.5, 10.0));
/// assert_eq!((s[0].events.clone(), s[1].events.clone()), (0..2, 2..4));
/// assert_eq!(s[1].sources, 0..4); // 1.0 is 2.5 before the cut, within the support
/// // from 1.5 on: the event at 1.0 is history only
/// let late = time_segments(&seq, 1.5, 1, 3.5)?;
/// assert_eq!((late[0].window.t0(), late[0].events.clone(), late[0].sources.clone()), (1.5, 1..4, 0..4));
/// assert!(time_segments(&seq, 10.0, 2, 3.5).is_err());
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub fn time_segments(
    seq: &EventSequence,
    from: f64,
    parts: usize,
    support: f64,
) -> Result<Vec<TimeSegment>> {
    check_from(seq.window(), from)?;
    if support.is_nan() || support < 0.0 {
        return Err(SnnError::invalid(
            "support",
            support,
            "must be non-negative (the kernel support)",
        ));
    }
    let (times, w) = (seq.times(), seq.window());
    let first = times.partition_point(|&t| t < from);
    let m = times.len() - first;
    let parts = parts.clamp(1, m.max(1));
    let mut cuts = vec![(from, first)];
    for b in 1..parts {
        let e = first + b * m / parts;
        let c = 0.5 * (times[e - 1] + times[e]);
        let last = cuts[cuts.len() - 1].0;
        if c > last && c < w.t1() && times[e - 1] < c {
            cuts.push((c, e));
        }
    }
    cuts.push((w.t1(), times.len()));
    cuts.windows(2)
        .map(|pair| {
            let ((s, first), (e, end)) = (pair[0], pair[1]);
            let lead = times.partition_point(|&t| t < s - support);
            Ok(TimeSegment {
                // the cuts increase strictly inside the window (checked above)
                window: Window::new(s, e)?,
                events: first..end,
                sources: lead..end,
            })
        })
        .collect()
}

/// An error unless `from` lies in `[T0, T1)` of `window`.
/// A stretch `[from, T1]` after a lead-in: `from` in the window, and a compensator that can
/// integrate over the stretch alone (quadrature; Monte Carlo draws its points over the whole
/// window).
pub(crate) fn check_stretch(window: Window, from: f64, method: &CompensatorMethod) -> Result<()> {
    check_from(window, from)?;
    if from > window.t0() && matches!(method, CompensatorMethod::MonteCarlo(_)) {
        return Err(SnnError::invalid(
            "compensator",
            "monte-carlo",
            "a stretch after a lead-in needs the quadrature compensator",
        ));
    }
    Ok(())
}

fn check_from(window: Window, from: f64) -> Result<()> {
    if from >= window.t0() && from < window.t1() {
        Ok(())
    } else {
        Err(SnnError::invalid(
            "from",
            from,
            format!(
                "must lie in the sequence's window [{}, {})",
                window.t0(),
                window.t1()
            ),
        ))
    }
}

/// The `blocks` contiguous ranges of target neurons of a split evaluation with the Monte Carlo
/// compensator: near-equal sizes, at most one block per neuron.
///
/// ```
/// use snn_model::likelihood::target_blocks;
/// assert_eq!(target_blocks(10, 4), [0..2, 2..5, 5..7, 7..10]);
/// assert_eq!(target_blocks(2, 3), [0..1, 1..2]);
/// ```
pub fn target_blocks(n: usize, blocks: usize) -> Vec<std::ops::Range<usize>> {
    let blocks = blocks.clamp(1, n.max(1));
    (0..blocks)
        .map(|b| b * n / blocks..(b + 1) * n / blocks)
        .collect()
}
