//! The fully observed log-likelihood (MATH.md (1.1)) of the SNN and its exact gradient in
//! `(bias, weights)`, with the optional penalty `λ_reg ‖M ⊙ W‖_F`.
//!
//! The compensator is integrated piece by piece between the breakpoints (event times and
//! `t_e + c_k ± s`), where every basis activation is an explicit function of time (a quadratic
//! for Epanechnikov, [`BasisTracker::expansion`]). For the Epanechnikov basis with the sigmoid
//! or exponential activation each piece gets a Gauss–Legendre rule whose order is chosen a
//! priori from an analytic error bound (the engine of [`crate::soft`], with every neuron as a
//! target; see `docs/derivations/soft_likelihood.md`), otherwise adaptive 7/15-point
//! Gauss–Kronrod quadrature. The gradient is the exact gradient of the *computed* value: the
//! same nodes and weights, differentiated (see `docs/derivations/likelihood_gradient.md`).
//! Monte Carlo integration at the points of [`pp_core::MonteCarlo`] is available on request.

use pp_core::{EventSequence, LogLikelihood, LogLikelihoodGradient, MonteCarlo, PpError};

use crate::basis::Basis;
use crate::error::{Result, SnnError};
use crate::kronrod;
use crate::model::{Snn, dot};
use crate::soft::SoftWorkspace;
use crate::tracker::BasisTracker;

/// Tolerances of the quadrature compensator.
///
/// With the Epanechnikov basis and the sigmoid or exponential activation, each smooth piece
/// gets the smallest Gauss–Legendre order (≤ 8, else the piece is bisected) whose a priori
/// error bound is at most `rel_tol` times the piece's integral. Otherwise, on each smooth piece the 15-point Kronrod value is accepted when, for every neuron, the
/// error estimate of QUADPACK's `qk15` is at most `max(abs_tol, rel_tol |K15|)`; otherwise the
/// piece is bisected (at most `max_depth` times). The estimate is
/// `R · min(1, (200 |K15 − G7| / R)^{3/2})` with `R = ∫ |f − mean f|` (by the Kronrod rule),
/// floored at `50 ε ∫|f|`: `|K15 − G7|` is the error of G7, and the error of K15 is much
/// smaller, as the 3/2 power models (Piessens et al. 1983).
///
/// ```
/// let q = snn_model::QuadratureOptions::default();
/// assert_eq!((q.rel_tol, q.abs_tol, q.max_depth), (1e-10, 1e-14, 40));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuadratureOptions {
    /// Relative tolerance on each piece's integral.
    pub rel_tol: f64,
    /// Absolute tolerance on each piece's integral.
    pub abs_tol: f64,
    /// Maximum number of bisections of a piece.
    pub max_depth: u32,
}

impl Default for QuadratureOptions {
    fn default() -> Self {
        Self {
            rel_tol: 1e-10,
            abs_tol: 1e-14,
            max_depth: 40,
        }
    }
}

/// How the compensator `∫ λ_i` is computed.
///
/// ```
/// use snn_model::{CompensatorMethod, QuadratureOptions};
/// assert_eq!(CompensatorMethod::default(), CompensatorMethod::Quadrature(QuadratureOptions::default()));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum CompensatorMethod {
    /// Quadrature between breakpoints: near exact (the default). Gauss–Legendre of an a
    /// priori order for the Epanechnikov basis with the sigmoid or exp activation, adaptive
    /// Gauss–Kronrod otherwise (see [`QuadratureOptions`]).
    Quadrature(QuadratureOptions),
    /// `(T1 − T0)/n Σ_p λ_i(u_p)` at the `n_points` uniform points of
    /// [`pp_core::MonteCarlo::points`] for `seed` (the reference's unbiased, noisy estimator).
    MonteCarlo {
        /// Number of uniform points (≥ 1).
        n_points: usize,
        /// Seed of the points.
        seed: u64,
    },
}

impl Default for CompensatorMethod {
    fn default() -> Self {
        CompensatorMethod::Quadrature(QuadratureOptions::default())
    }
}

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
    tracker: BasisTracker,
    cuts: Vec<f64>,
    kink_lags: Vec<f64>,
    stack: Vec<(f64, f64, u32)>,
    phi: Vec<f64>,
    coef: Vec<f64>,
    /// `D[i][k][p] = Σ_j wm[i][k][j] coef[k][j][p]`.
    d: Vec<f64>,
    /// Per node: features `[node][k·P + p]`.
    feats: Vec<f64>,
    /// Per node: `λ'_i` `[node][i]`.
    dlam: Vec<f64>,
    /// Per node: `λ_i` `[node][i]`.
    lamv: Vec<f64>,
    kron: Vec<f64>,
    gauss: Vec<f64>,
    /// Per piece accumulator `G[i][k·P + p]`.
    gacc: Vec<f64>,
    /// Gradient w.r.t. masked weights `[i][k][j]` and bias.
    g_wm: Vec<f64>,
    g_b: Vec<f64>,
    u: Vec<f64>,
    lam: Vec<f64>,
    /// Per-neuron integrals accumulated by `piece` (used by time rescaling).
    per_neuron: Vec<f64>,
    /// Polynomial (Epanechnikov) bases: the target-space engine with a priori Gauss–Legendre
    /// orders, which computes the quadrature likelihood and its gradient.
    engine: Option<SoftWorkspace>,
    /// The engine's gradient, `Parametric` layout.
    g_engine: Vec<f64>,
}

impl LikelihoodWorkspace {
    /// Buffers sized for `model` (and any model with the same shape and basis).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(3, 1).check()?;
    /// let ws = snn_model::LikelihoodWorkspace::new(&m)?;
    /// # let _ = ws;
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn new(model: &Snn) -> Result<Self> {
        let (n, k, p) = (
            model.n_neurons(),
            model.n_basis(),
            model.basis().n_features(),
        );
        Ok(Self {
            tracker: BasisTracker::new(model.basis(), n)?,
            cuts: Vec::new(),
            kink_lags: model.basis().kink_lags(),
            stack: Vec::with_capacity(64),
            phi: vec![0.0; k * n],
            coef: vec![0.0; k * n * p],
            d: vec![0.0; n * k * p],
            feats: vec![0.0; 15 * k * p],
            dlam: vec![0.0; 15 * n],
            lamv: vec![0.0; 15 * n],
            kron: vec![0.0; n],
            gauss: vec![0.0; n],
            gacc: vec![0.0; n * k * p],
            g_wm: vec![0.0; n * k * n],
            g_b: vec![0.0; n],
            u: vec![0.0; n],
            lam: vec![0.0; n],
            per_neuron: vec![0.0; n],
            engine: matches!(model.basis(), Basis::Epanechnikov { .. })
                .then(|| SoftWorkspace::new(model)),
            g_engine: vec![0.0; n + k * n * n],
        })
    }

    fn check_shape(&self, model: &Snn) -> Result<()> {
        if self.tracker.n_neurons() != model.n_neurons() || self.tracker.basis() != model.basis() {
            return Err(SnnError::invalid(
                "likelihood workspace",
                format!(
                    "{} neurons, {} basis functions",
                    self.tracker.n_neurons(),
                    self.tracker.n_basis()
                ),
                "was made for a model of another shape or basis",
            ));
        }
        Ok(())
    }

    /// The penalised log-likelihood of `seq` under `model` and, if `grad` is given (length
    /// `N + K·N·N`, the [`Parametric`](pp_core::Parametric) order `[bias, weights [k][i][j]]`),
    /// the exact gradient of [`Evaluation::objective`] written into it.
    ///
    /// The penalty's gradient is `λ_reg (M ⊙ W)/‖M ⊙ W‖_F`; at `M ⊙ W = 0`, where the norm is
    /// not differentiable, the minimum-norm subgradient 0 is used.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// use snn_model::{CompensatorMethod, LikelihoodOptions, LikelihoodWorkspace, SnnBuilder};
    /// let m = SnnBuilder::new(1, 0).weights(vec![-1.0, 0.5]).check()?;
    /// let seq = EventSequence::new(Window::new(0.0, 20.0)?, 1, vec![1.0, 5.0, 12.0], vec![0; 3])?;
    /// let mut ws = LikelihoodWorkspace::new(&m)?;
    /// let quad = ws.evaluate(&m, &seq, &LikelihoodOptions::unpenalised(), None)?;
    /// let mc = LikelihoodOptions {
    ///     compensator: CompensatorMethod::MonteCarlo { n_points: 20_000, seed: 1 },
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
        self.check_shape(model)?;
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
        let want_grad = grad.is_some();
        self.g_wm.fill(0.0);
        self.g_b.fill(0.0);
        let (event_term, compensator) = match (options.compensator, self.engine.as_mut()) {
            (CompensatorMethod::Quadrature(q), Some(engine)) => {
                check_tolerances(&q)?;
                self.g_engine.fill(0.0);
                let g = want_grad.then_some(&mut self.g_engine[..]);
                let terms = engine.hard(model, seq, 0..n, &options.compensator, g)?;
                if want_grad {
                    self.unpack_engine_gradient(n, k);
                }
                terms
            }
            (CompensatorMethod::Quadrature(q), None) => {
                check_tolerances(&q)?;
                self.load(seq)?;
                self.run_quadrature(model, seq, &q, want_grad)?
            }
            (CompensatorMethod::MonteCarlo { n_points, seed }, _) => {
                let mc = MonteCarlo::new(n_points, seed)?;
                self.load(seq)?;
                self.run_monte_carlo(model, seq, &mc, want_grad)?
            }
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
            g[..n].copy_from_slice(&self.g_b);
            let wm = model.masked_weights_ikj();
            for kk in 0..k {
                for i in 0..n {
                    for j in 0..n {
                        let out = &mut g[n + (kk * n + i) * n + j];
                        if !model.connected(i, j) {
                            *out = 0.0;
                            continue;
                        }
                        let idx = (i * k + kk) * n + j;
                        let mut v = self.g_wm[idx];
                        if reg > 0.0 && norm > 0.0 {
                            v -= reg * wm[idx] / norm;
                        }
                        *out = v;
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

    /// Loads the events of `seq` into the basis tracker.
    fn load(&mut self, seq: &EventSequence) -> Result<()> {
        self.tracker.clear();
        self.tracker.extend_from_history(seq.history())
    }

    /// Copies the engine's gradient (`Parametric` layout `[bias, weights [k][i][j]]`) into
    /// `g_b` and `g_wm` (`[i][k][j]`).
    fn unpack_engine_gradient(&mut self, n: usize, k: usize) {
        self.g_b.copy_from_slice(&self.g_engine[..n]);
        for kk in 0..k {
            for i in 0..n {
                let from = &self.g_engine[n + (kk * n + i) * n..n + (kk * n + i + 1) * n];
                self.g_wm[(i * k + kk) * n..(i * k + kk + 1) * n].copy_from_slice(from);
            }
        }
    }

    /// The event terms (see [`event`](Self::event)) of the events from `*next_event` up to and
    /// including time `until`, advancing `*next_event` past them.
    fn events_through(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        next_event: &mut usize,
        until: f64,
        want_grad: bool,
    ) -> Result<f64> {
        let (times, marks) = (seq.times(), seq.marks());
        let mut sum = 0.0;
        while *next_event < times.len() && times[*next_event] <= until {
            let e = *next_event;
            sum += self.event(model, e, times[e], marks[e] as usize, want_grad)?;
            *next_event += 1;
        }
        Ok(sum)
    }

    /// Log-intensity of the event `e` (time `t`, neuron `i`) with the tracker at `t`; adds its
    /// gradient.
    fn event(&mut self, model: &Snn, e: usize, t: f64, i: usize, want_grad: bool) -> Result<f64> {
        self.tracker.activations_at(t, &mut self.phi)?;
        let kn = model.n_basis() * model.n_neurons();
        let row = &model.masked_weights_ikj()[i * kn..(i + 1) * kn];
        let u = model.bias()[i] + dot(row, &self.phi);
        let (l, dl) = model.activation().log_value_and_derivative(u);
        if !l.is_finite() {
            return Err(PpError::NonPositiveIntensity {
                index: e,
                time: t,
                mark: i as u32,
                value: model.activation().value(u),
            }
            .into());
        }
        if want_grad {
            self.g_b[i] += dl;
            let g = &mut self.g_wm[i * kn..(i + 1) * kn];
            for (gv, &p) in g.iter_mut().zip(&self.phi) {
                *gv += dl * p;
            }
        }
        Ok(l)
    }

    fn run_quadrature(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        q: &QuadratureOptions,
        want_grad: bool,
    ) -> Result<(f64, f64)> {
        self.build_cuts(seq);
        let mut next_event = 0;
        let mut event_term = 0.0;
        let mut compensator = 0.0;
        let cuts = std::mem::take(&mut self.cuts);
        let result = (|| -> Result<()> {
            for piece in cuts.windows(2) {
                let (p, r) = (piece[0], piece[1]);
                event_term += self.events_through(model, seq, &mut next_event, p, want_grad)?;
                compensator += self.piece(model, p, r, q, want_grad)?;
            }
            event_term +=
                self.events_through(model, seq, &mut next_event, f64::INFINITY, want_grad)?;
            Ok(())
        })();
        self.cuts = cuts;
        result?;
        Ok((event_term, compensator))
    }

    /// `Σ_i ∫_p^r λ_i` on one smooth piece; adds the gradient of the value computed.
    fn piece(
        &mut self,
        model: &Snn,
        p: f64,
        r: f64,
        q: &QuadratureOptions,
        want_grad: bool,
    ) -> Result<f64> {
        let n = model.n_neurons();
        let k = model.n_basis();
        let basis = model.basis();
        let np = basis.n_features();
        let kp = k * np;
        let mid = 0.5 * (p + r);
        self.tracker.advance(mid)?;
        self.tracker.expansion(mid, &mut self.coef);
        // D[i][k·P + p] = Σ_j wm[i][k][j] coef[k][j][p]
        let wm = model.masked_weights_ikj();
        for i in 0..n {
            for kk in 0..k {
                let wrow = &wm[(i * k + kk) * n..(i * k + kk + 1) * n];
                for f in 0..np {
                    let mut s = 0.0;
                    for (j, &wv) in wrow.iter().enumerate() {
                        s += wv * self.coef[(kk * n + j) * np + f];
                    }
                    self.d[i * kp + kk * np + f] = s;
                }
            }
        }
        if want_grad {
            self.gacc.fill(0.0);
        }
        let act = model.activation();
        let bias = model.bias();
        let mut total = 0.0;
        self.stack.clear();
        self.stack.push((p - mid, r - mid, 0));
        while let Some((lo, hi, depth)) = self.stack.pop() {
            let half = 0.5 * (hi - lo);
            let centre = 0.5 * (lo + hi);
            self.kron.fill(0.0);
            self.gauss.fill(0.0);
            for (node, &xi) in kronrod::NODES.iter().enumerate() {
                let x = centre + half * xi;
                let g = &mut self.feats[node * kp..(node + 1) * kp];
                basis.features(x, g);
                for i in 0..n {
                    let u = bias[i] + dot(&self.d[i * kp..(i + 1) * kp], g);
                    let (lam, dlam) = act.value_and_derivative(u);
                    self.kron[i] += kronrod::KRONROD[node] * lam;
                    self.gauss[i] += kronrod::GAUSS[node] * lam;
                    self.dlam[node * n + i] = dlam;
                    self.lamv[node * n + i] = lam;
                }
            }
            let mut converged = true;
            for i in 0..n {
                let kv = half * self.kron[i];
                // QUADPACK qk15 error estimate (λ ≥ 0, so ∫|f| = K15).
                let mean = 0.5 * self.kron[i];
                let mut resasc = 0.0;
                for node in 0..15 {
                    resasc += kronrod::KRONROD[node] * (self.lamv[node * n + i] - mean).abs();
                }
                resasc *= half.abs();
                let mut err = (kv - half * self.gauss[i]).abs();
                if resasc != 0.0 && err != 0.0 {
                    err = resasc * (200.0 * err / resasc).powf(1.5).min(1.0);
                }
                err = err.max(50.0 * f64::EPSILON * kv.abs());
                if !kv.is_finite() {
                    return Err(SnnError::Numerical {
                        what: "quadrature compensator",
                        detail: format!(
                            "neuron {i} integrates to {kv} on [{}, {}]",
                            mid + lo,
                            mid + hi
                        ),
                    });
                }
                if err > q.abs_tol.max(q.rel_tol * kv.abs()) {
                    converged = false;
                }
            }
            if converged || half * 2.0 <= f64::EPSILON * (mid.abs() + 1.0) {
                for i in 0..n {
                    total += half * self.kron[i];
                    self.per_neuron[i] += half * self.kron[i];
                }
                if want_grad {
                    for node in 0..15 {
                        let wgt = half * kronrod::KRONROD[node];
                        let g = &self.feats[node * kp..(node + 1) * kp];
                        for i in 0..n {
                            let c = wgt * self.dlam[node * n + i];
                            if c == 0.0 {
                                continue;
                            }
                            self.g_b[i] -= c;
                            let acc = &mut self.gacc[i * kp..(i + 1) * kp];
                            for (a, &gv) in acc.iter_mut().zip(g) {
                                *a += c * gv;
                            }
                        }
                    }
                }
            } else if depth >= q.max_depth {
                return Err(SnnError::Numerical {
                    what: "quadrature compensator",
                    detail: format!(
                        "no convergence on [{}, {}] after {depth} bisections",
                        mid + lo,
                        mid + hi
                    ),
                });
            } else {
                self.stack.push((centre, hi, depth + 1));
                self.stack.push((lo, centre, depth + 1));
            }
        }
        if want_grad {
            // ∂/∂wm[i][k][j] of −Σ w λ'_i g_kp coef[k][j][p]
            for i in 0..n {
                for kk in 0..k {
                    let acc = &self.gacc[i * kp + kk * np..i * kp + (kk + 1) * np];
                    if acc.iter().all(|&a| a == 0.0) {
                        continue;
                    }
                    let grow = &mut self.g_wm[(i * k + kk) * n..(i * k + kk + 1) * n];
                    for (j, gv) in grow.iter_mut().enumerate() {
                        let c = &self.coef[(kk * n + j) * np..(kk * n + j + 1) * np];
                        *gv -= dot(c, acc);
                    }
                }
            }
        }
        Ok(total)
    }

    /// The rescaled intervals of `seq` (MATH.md §1, time rescaling): per neuron, the
    /// compensator increments between its consecutive events, integrated by adaptive
    /// Gauss–Kronrod quadrature between breakpoints (tolerances `q`). Under the true model they
    /// are i.i.d. Exp(1).
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?; // λ = 2.5, constant
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0, 3.0], vec![0, 0])?;
    /// let mut ws = snn_model::LikelihoodWorkspace::new(&m)?;
    /// let r = ws.time_rescale(&m, &seq, &snn_model::QuadratureOptions::default())?;
    /// assert!((r.intervals(0)[0] - 2.5).abs() < 1e-12 && (r.intervals(0)[1] - 5.0).abs() < 1e-12);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn time_rescale(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        q: &QuadratureOptions,
    ) -> Result<pp_core::RescaledIntervals> {
        self.check_shape(model)?;
        let n = model.n_neurons();
        if seq.dim() != n {
            return Err(PpError::DimensionMismatch {
                what: "sequence",
                expected: n,
                found: seq.dim(),
            }
            .into());
        }
        self.tracker.clear();
        self.tracker.extend_from_history(seq.history())?;
        let mut per_dim: Vec<Vec<f64>> = vec![Vec::new(); n];
        self.per_neuron.fill(0.0);
        self.build_cuts(seq);
        let cuts = std::mem::take(&mut self.cuts);
        let (times, marks) = (seq.times(), seq.marks());
        let mut next_event = 0;
        let result = (|| -> Result<()> {
            for piece in cuts.windows(2) {
                let (p, r) = (piece[0], piece[1]);
                while next_event < times.len() && times[next_event] <= p {
                    let i = marks[next_event] as usize;
                    per_dim[i].push(self.per_neuron[i]);
                    self.per_neuron[i] = 0.0;
                    next_event += 1;
                }
                self.piece(model, p, r, q, false)?;
            }
            for e in next_event..times.len() {
                let i = marks[e] as usize;
                per_dim[i].push(self.per_neuron[i]);
                self.per_neuron[i] = 0.0;
            }
            Ok(())
        })();
        self.cuts = cuts;
        result?;
        Ok(pp_core::RescaledIntervals::from_per_dimension(per_dim)?)
    }

    /// Sorted breakpoints of `seq` inside its window, with the window's ends.
    fn build_cuts(&mut self, seq: &EventSequence) {
        let w = seq.window();
        let (t0, t1) = (w.t0(), w.t1());
        self.cuts.clear();
        self.cuts.push(t0);
        self.cuts.push(t1);
        for &te in seq.times() {
            if te > t0 && te < t1 {
                self.cuts.push(te);
            }
            for &lag in &self.kink_lags {
                let c = te + lag;
                if c > t0 && c < t1 {
                    self.cuts.push(c);
                }
            }
        }
        self.cuts.sort_unstable_by(f64::total_cmp);
        self.cuts.dedup();
    }

    fn run_monte_carlo(
        &mut self,
        model: &Snn,
        seq: &EventSequence,
        mc: &MonteCarlo,
        want_grad: bool,
    ) -> Result<(f64, f64)> {
        let w = seq.window();
        let points = mc.points(w.t0(), w.t1());
        let scale = w.duration() / points.len() as f64;
        let n = model.n_neurons();
        let kn = model.n_basis() * n;
        let mut next_event = 0;
        let mut event_term = 0.0;
        let mut compensator = 0.0;
        let act = model.activation();
        for &u_t in &points {
            event_term += self.events_through(model, seq, &mut next_event, u_t, want_grad)?;
            self.tracker.activations_at(u_t, &mut self.phi)?;
            model.potentials_from_activations(&self.phi, &mut self.u);
            for i in 0..n {
                let (lam, dlam) = act.value_and_derivative(self.u[i]);
                self.lam[i] = lam;
                compensator += scale * lam;
                if want_grad && dlam != 0.0 {
                    let c = scale * dlam;
                    self.g_b[i] -= c;
                    let g = &mut self.g_wm[i * kn..(i + 1) * kn];
                    for (gv, &pv) in g.iter_mut().zip(&self.phi) {
                        *gv -= c * pv;
                    }
                }
            }
        }
        event_term += self.events_through(model, seq, &mut next_event, f64::INFINITY, want_grad)?;
        Ok((event_term, compensator))
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
    fn log_likelihood(&self, seq: &EventSequence) -> pp_core::Result<f64> {
        self.objective(seq, &LikelihoodOptions::unpenalised(), None)
            .map(|e| e.log_likelihood())
            .map_err(into_pp)
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
    fn log_likelihood_gradient(
        &self,
        seq: &EventSequence,
        grad: &mut [f64],
    ) -> pp_core::Result<f64> {
        self.objective(seq, &LikelihoodOptions::unpenalised(), Some(grad))
            .map(|e| e.log_likelihood())
            .map_err(into_pp)
    }
}

/// Maps an [`SnnError`] to the trait's [`PpError`] (wrapped errors are unwrapped).
/// Rejects tolerances no quadrature can meet.
fn check_tolerances(q: &QuadratureOptions) -> Result<()> {
    if !(q.rel_tol > 0.0 && q.abs_tol >= 0.0) {
        return Err(SnnError::invalid(
            "quadrature tolerance",
            format!("rel_tol {}, abs_tol {}", q.rel_tol, q.abs_tol),
            "rel_tol must be > 0 and abs_tol >= 0",
        ));
    }
    Ok(())
}

fn into_pp(e: SnnError) -> PpError {
    match e {
        SnnError::Pp(p) => p,
        SnnError::Numerical { what, detail } => PpError::Numerical { what, detail },
        SnnError::Shape {
            field,
            expected,
            found,
        } => PpError::InvalidArgument {
            name: "gradient buffer",
            reason: format!("{field}: expected {expected}, found {found}"),
        },
        other => PpError::InvalidArgument {
            name: "snn-model",
            reason: other.to_string(),
        },
    }
}
