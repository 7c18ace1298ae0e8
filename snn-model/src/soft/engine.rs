//! The likelihood engine of the soft module: a partial log-likelihood over a contiguous range
//! of *target* neurons (observed or hidden), with every loaded event (one-hot or soft) acting
//! as a source; value and parameter gradient. The gradient's "items" (the adjoints of the
//! targets' potentials at events, nodes and sub-intervals) go to the forward window adjoint
//! (Epanechnikov, `window_adjoint.rs`) or are kept as points for the direct soft-weight
//! gradient (other bases, `window_grad.rs`); see `docs/derivations/soft_likelihood.md`.

use pp_core::{EventSequence, PpError, Window};

use super::SoftEvents;
use super::planes::{planes, planes_mut};
use super::quadrature::{MAX_ORDER, apriori_order_of_planes};
#[cfg(target_arch = "x86_64")]
use super::simd;
use super::split::{self, SoftPart, SoftSegment};
use super::target::{ByMark, SoftRows, TargetWindows, transpose_into};
use super::window_adjoint::{Sources, WindowAdjoint};
use super::window_grad;
use crate::activation::Activation;
use crate::basis::Basis;
use crate::error::{Result, SnnError};
use crate::incremental::Incremental;
use crate::likelihood::TimeSegment;
use crate::model::Snn;
use crate::tracker::BasisTracker;
use pp_core::History;
use pp_core::fastmath::{scaled_logistic, scaled_logistic_in_place};
use pp_core::numeric::dot;
use pp_core::quadrature::gauss_legendre;
use pp_core::quadrature::kronrod::{
    GAUSS as GK_GAUSS, KRONROD as GK_KRONROD, NODES as GK_NODES, qk15_error,
};
use pp_core::{CompensatorMethod, Quadrature};

/// Below this many targets a piece's nodes are evaluated and accepted in one loop over the
/// targets ([`SoftWorkspace::accept_few`]) instead of a dozen loops that vectorise.
const FEW_TARGETS: usize = 8;

/// Whether `nt` targets take the fused loop (tests can ask for the wide loops on their thread).
#[inline(always)]
fn few_targets(nt: usize) -> bool {
    nt < FEW_TARGETS && !wide_only()
}

#[cfg(test)]
thread_local! {
    /// Set by tests to take the wide loops whatever the number of targets.
    static WIDE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn wide_only() -> bool {
    WIDE_ONLY.with(|b| b.get())
}

#[cfg(not(test))]
#[inline(always)]
fn wide_only() -> bool {
    false
}

/// Reusable buffers for the soft evaluations: allocation-free after the first call of a given
/// size (Monte Carlo points are cached per `(n_points, seed, window)`). One per thread; made
/// for one model shape and basis (any parameters), an error otherwise.
///
/// ```
/// let m = snn_model::SnnBuilder::new(2, 4).check()?;
/// let _ws = snn_model::soft::SoftWorkspace::new(&m);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SoftWorkspace {
    n: usize,
    n_obs: usize,
    basis: Basis,
    poly: bool,
    tracker: BasisTracker,
    kink_lags: Vec<f64>,
    /// The merge position in each stream of breakpoints (source times, and each kink lag).
    streams: Vec<usize>,
    coef: Vec<f64>,
    d: Vec<f64>,
    e: Vec<f64>,
    feats: Vec<f64>,
    lam: Vec<f64>,
    dlam: Vec<f64>,
    gacc: Vec<f64>,
    gsub: Vec<f64>,
    pub(super) g_wm: Vec<f64>,
    /// The gradient in the weights and soft weights, accumulated during the pass
    /// (Epanechnikov basis).
    adjoint: WindowAdjoint,
    g_b: Vec<f64>,
    /// Per target neuron: its event terms minus its compensator, for the last run.
    pub(super) per_target: Vec<f64>,
    /// Per target neuron: its compensator since its last event (quadrature runs).
    since_event: Vec<f64>,
    /// Per neuron: the compensator increments between its events (a time-rescaling run).
    rescaled: Vec<Vec<f64>>,
    phi: Vec<f64>,
    stack: Vec<(f64, f64, u32)>,
    /// The times of the point items of the direct soft-weight gradient (bases other than
    /// Epanechnikov; see `window_grad`), with their adjoints in `item_g`.
    pub(super) items: Vec<f64>,
    /// Per point item, the adjoints `c_t` of the targets' potentials.
    pub(super) item_g: Vec<f64>,
    pub(super) v: Vec<f64>,
    pub(super) gd: Vec<f64>,
    mc_key: Option<(usize, u64, f64, f64)>,
    mc_points: Vec<f64>,
    /// Polynomial (Epanechnikov) path: target-space windows over the source events.
    windows: TargetWindows,
    lags: Vec<(f64, f64)>,
    /// Source events (observed one-hot and soft), merged in time order.
    pub(super) src_times: Vec<f64>,
    /// `j < N`: a spike of neuron `j`; `N + b`: soft event `b`.
    pub(super) src_kind: Vec<u32>,
    /// `(M ⊙ W)` transposed, `[k][j][i]`: the amplitudes of a spike of `j` on every target
    /// (read in place, so a spike costs no memory beyond its time and neuron; a soft event's
    /// amplitudes are summed from these columns by its mark when needed).
    wt: Vec<f64>,
    /// The engines of the other stretches when a long sequence is split over the cores.
    pub(super) parts: Vec<SoftPart>,
    /// The stretches of the current observed pass (one unless split).
    segments: Vec<SoftSegment>,
}

/// What one run computes.
struct Job<'s> {
    /// Target neurons `i0..i1`.
    i0: usize,
    i1: usize,
    /// The soft events among the sources (their weights enter the gradient).
    hidden: SoftEvents<'s>,
    /// The model's masked weights `[i][k][j]`.
    wm: &'s [f64],
    window: Window,
    /// Events whose marks in `i0..i1` give log-intensity terms.
    ev_times: &'s [f64],
    ev_marks: &'s [u32],
    /// The index of `ev_times[0]` in its sequence (for errors).
    ev_first: usize,
    want_params: bool,
    want_items: bool,
    /// Record the compensator increments between each target's events (time rescaling).
    rescale: bool,
    /// Potentials from the target-space windows (polynomial bases), else from the source-space
    /// basis tracker. A hard Monte Carlo job takes the tracker even for a polynomial basis: at
    /// a few points its direct weight gradient is cheaper than the windows' adjoint pass.
    poly: bool,
    /// Whether the merged list of source events is needed (the windows, the quadrature's
    /// breakpoints); a hard Monte Carlo job on the tracker needs none.
    merged_sources: bool,
}

impl SoftWorkspace {
    /// Buffers for `model` (and any model with the same numbers of neurons and basis).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// let ws = snn_model::soft::SoftWorkspace::new(&m);
    /// # let _ = ws;
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn new(model: &Snn) -> Self {
        let (n, k) = (model.n_neurons(), model.n_basis());
        let p = model.basis().n_features();
        let basis = model.basis().clone();
        Self {
            n,
            n_obs: model.n_obs(),
            poly: matches!(basis, Basis::Epanechnikov { .. }),
            tracker: BasisTracker::new(&basis, n)
                .expect("a checked model has a valid basis and at least one neuron"),
            kink_lags: basis.kink_lags(),
            basis,
            streams: Vec::new(),
            coef: vec![0.0; k * n * p],
            d: vec![0.0; n * k * p],
            e: vec![0.0; n * 3],
            feats: vec![0.0; 15 * k * p],
            lam: vec![0.0; 15 * n],
            dlam: vec![0.0; 15 * n],
            gacc: vec![0.0; n * k * p],
            gsub: vec![0.0; n * 3],
            g_wm: vec![0.0; n * k * n],
            adjoint: WindowAdjoint::default(),
            g_b: vec![0.0; n],
            per_target: vec![0.0; n],
            since_event: vec![0.0; n],
            rescaled: Vec::new(),
            phi: vec![0.0; k * n],
            stack: Vec::with_capacity(64),
            items: Vec::new(),
            item_g: Vec::new(),
            v: vec![0.0; k * n],
            gd: Vec::new(),
            mc_key: None,
            mc_points: Vec::new(),
            windows: TargetWindows::default(),
            lags: (0..k).map(|kk| model.basis().lag_interval(kk)).collect(),
            src_times: Vec::new(),
            src_kind: Vec::new(),
            wt: vec![0.0; k * n * n],
            parts: Vec::new(),
            segments: Vec::new(),
        }
    }

    /// The bytes this workspace holds on the heap (the capacities of its buffers): the
    /// accounting behind the memory model in `docs/design.md` — per source event a time and a
    /// neuron (12 bytes), per soft event its `K·N` amplitudes, per (neuron, basis function) a
    /// few running sums; nothing per (spike × neuron).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(3, 1).check()?;
    /// let ws = snn_model::soft::SoftWorkspace::new(&m);
    /// assert!(ws.heap_bytes() > 0);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn heap_bytes(&self) -> usize {
        fn b<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        let vectors = [
            b(&self.kink_lags),
            b(&self.streams),
            b(&self.coef),
            b(&self.d),
            b(&self.e),
            b(&self.feats),
            b(&self.lam),
            b(&self.dlam),
            b(&self.gacc),
            b(&self.gsub),
            b(&self.g_wm),
            b(&self.g_b),
            b(&self.per_target),
            b(&self.since_event),
            b(&self.rescaled) + self.rescaled.iter().map(b).sum::<usize>(),
            b(&self.phi),
            b(&self.stack),
            b(&self.items),
            b(&self.item_g),
            self.adjoint.heap_bytes(),
            b(&self.v),
            b(&self.gd),
            b(&self.mc_points),
            b(&self.lags),
            b(&self.src_times),
            b(&self.src_kind),
            b(&self.wt),
            b(&self.segments),
        ];
        let parts: usize = self.parts.iter().map(SoftPart::heap_bytes).sum();
        vectors.iter().sum::<usize>()
            + self.windows.heap_bytes()
            + self.tracker.heap_bytes()
            + parts
    }

    fn check_shape(&self, model: &Snn) -> Result<()> {
        if self.n != model.n_neurons()
            || self.n_obs != model.n_obs()
            || &self.basis != model.basis()
        {
            return Err(SnnError::invalid(
                "soft workspace",
                format!("{} neurons ({} observed)", self.n, self.n_obs),
                "was made for a model of another shape or basis",
            ));
        }
        Ok(())
    }

    /// `log p(O | H)` of the stretch `[from, T1]` (its events' terms and its compensator, every
    /// spike and soft event before `from` a source only) and, with `grads`, its gradient added
    /// into them (inputs checked; `from = T0` for the whole window). A long stretch is split
    /// over the cores (see [`super::split`]).
    pub(super) fn observed(
        &mut self,
        model: &Snn,
        observed: &EventSequence,
        from: f64,
        hidden: SoftEvents<'_>,
        method: &CompensatorMethod,
        grads: Option<(&mut [f64], &mut [f64])>,
    ) -> Result<f64> {
        self.check_shape(model)?;
        let mut segments = std::mem::take(&mut self.segments);
        let result = split::soft_segments(model, observed, from, hidden, method, &mut segments)
            .and_then(|()| match (&segments[..], grads) {
                ([only], None) => self.observed_span(model, observed, hidden, only, method, None),
                ([only], Some((gp, gw))) => {
                    let ll = self.observed_span(model, observed, hidden, only, method, Some(gp))?;
                    for (g, d) in gw.iter_mut().zip(&self.gd) {
                        *g += d;
                    }
                    Ok(ll)
                }
                (many, grads) => {
                    split::observed_split(self, model, observed, hidden, many, method, grads)
                }
            });
        self.segments = segments;
        result
    }

    /// `log p(O | H)` of one stretch `segment` (its observed events' terms and the compensator
    /// over its window, its sources as history); with `grad_params`, its parameter gradient
    /// added into it and its gradient in the weights of the soft events `segment.hidden` left
    /// in `self.gd` (`[event][hidden neuron]`, checked finite).
    pub(super) fn observed_span(
        &mut self,
        model: &Snn,
        observed: &EventSequence,
        hidden: SoftEvents<'_>,
        segment: &SoftSegment,
        method: &CompensatorMethod,
        grad_params: Option<&mut [f64]>,
    ) -> Result<f64> {
        let want = grad_params.is_some();
        let (times, marks) = (observed.times(), observed.marks());
        let events = segment.events.clone();
        let hidden = hidden.slice(segment.hidden.clone());
        let job = Job {
            i0: 0,
            i1: model.n_obs(),
            hidden,
            wm: model.masked_weights_ikj(),
            window: segment.window,
            ev_times: &times[events.clone()],
            ev_marks: &marks[events.clone()],
            ev_first: events.start,
            want_params: want,
            // polynomial path: the weight gradients come from the window adjoint too
            want_items: want && (self.poly || (!hidden.is_empty() && model.n_hidden() > 0)),
            rescale: false,
            poly: self.poly,
            merged_sources: true,
        };
        let sources = segment.sources.clone();
        let sources = History::from_sorted_unchecked(&times[sources.clone()], &marks[sources]);
        self.load_sources(model, &job, sources, hidden)?;
        self.gd.clear();
        if want {
            self.gd.resize(hidden.len() * model.n_hidden(), 0.0);
        }
        let (event_term, compensator) = self.run(model, &job, method)?;
        let ll = event_term - compensator;
        if let Some(gp) = grad_params {
            if self.poly {
                self.finish_window_adjoint(model, &job);
            } else if job.want_items {
                window_grad::soft_gradient_direct(self, model, job.i0, job.i1, hidden);
            }
            if let Some(bad) = self.gd.iter().position(|g| !g.is_finite()) {
                let h = model.n_hidden().max(1);
                return Err(SnnError::Numerical {
                    what: "soft weight gradient",
                    detail: format!(
                        "coordinate [{}][{}] is {}",
                        segment.hidden.start + bad / h,
                        bad % h,
                        self.gd[bad]
                    ),
                });
            }
            self.add_param_gradient(model, gp)?;
        }
        Ok(ll)
    }

    /// The hidden part of the hard log-likelihood of `full` (inputs checked).
    pub(super) fn hidden(
        &mut self,
        model: &Snn,
        full: &EventSequence,
        from: f64,
        method: &CompensatorMethod,
        grad: Option<&mut [f64]>,
    ) -> Result<f64> {
        self.check_shape(model)?;
        let hidden = model.n_obs()..model.n_neurons();
        let (event_term, compensator) = self.hard_from(model, full, from, hidden, method, grad)?;
        Ok(event_term - compensator)
    }

    /// [`hard`](Self::hard) of the stretch `[from, T1]` of `full`, every spike before `from`
    /// a source only (`from = T0`: the whole window, the same segment as `hard`'s).
    pub(crate) fn hard_from(
        &mut self,
        model: &Snn,
        full: &EventSequence,
        from: f64,
        targets: std::ops::Range<usize>,
        method: &CompensatorMethod,
        grad: Option<&mut [f64]>,
    ) -> Result<(f64, f64)> {
        let stretch = TimeSegment::after(full, from, model.basis().support())?;
        self.hard_span(model, full, &stretch, targets, method, grad)
    }

    /// The hard-spike log-likelihood terms `(Σ_{e: i_e ∈ targets} log λ_{i_e}(t_e),
    /// Σ_{i ∈ targets} ∫ λ_i)` of `full` and, with `grad`, the gradient of their difference
    /// added into it (`Parametric` layout). Checks only the number of neurons and the basis
    /// (the observed/hidden split plays no part), so the fully observed likelihood can use it.
    pub(crate) fn hard(
        &mut self,
        model: &Snn,
        full: &EventSequence,
        targets: std::ops::Range<usize>,
        method: &CompensatorMethod,
        grad: Option<&mut [f64]>,
    ) -> Result<(f64, f64)> {
        self.hard_span(
            model,
            full,
            &TimeSegment::whole(full),
            targets,
            method,
            grad,
        )
    }

    /// [`hard`](Self::hard) on a stretch `segment` of `full`: the terms of its events and the
    /// compensator over its window, its sources (the spikes before it included) as history.
    pub(crate) fn hard_span(
        &mut self,
        model: &Snn,
        full: &EventSequence,
        segment: &TimeSegment,
        targets: std::ops::Range<usize>,
        method: &CompensatorMethod,
        grad: Option<&mut [f64]>,
    ) -> Result<(f64, f64)> {
        if self.n != model.n_neurons() || &self.basis != model.basis() {
            return Err(SnnError::invalid(
                "soft workspace",
                format!("{} neurons", self.n),
                "was made for a model of another shape or basis",
            ));
        }
        let poly = self.poly && matches!(method, CompensatorMethod::Quadrature(_));
        let (times, marks) = (full.times(), full.marks());
        let (events, sources) = (segment.events.clone(), segment.sources.clone());
        let job = Job {
            i0: targets.start,
            i1: targets.end,
            hidden: SoftEvents::empty(0),
            wm: model.masked_weights_ikj(),
            window: segment.window,
            ev_times: &times[events.clone()],
            ev_marks: &marks[events.clone()],
            ev_first: events.start,
            want_params: grad.is_some(),
            want_items: grad.is_some() && poly,
            rescale: false,
            poly,
            merged_sources: poly || matches!(method, CompensatorMethod::Quadrature(_)),
        };
        let sources = History::from_sorted_unchecked(&times[sources.clone()], &marks[sources]);
        self.load_sources(model, &job, sources, SoftEvents::empty(0))?;
        self.gd.clear();
        let terms = self.run(model, &job, method)?;
        if let Some(g) = grad {
            if poly {
                self.finish_window_adjoint(model, &job);
            }
            self.add_param_gradient(model, g)?;
        }
        Ok(terms)
    }

    /// The time-rescaling increments of `full` (every neuron a target, quadrature `q`): per
    /// neuron, the compensator between its consecutive events, the first from the window's
    /// start (the censored tail after the last event dropped).
    pub(crate) fn rescaled_intervals(
        &mut self,
        model: &Snn,
        full: &EventSequence,
        q: &Quadrature,
    ) -> Result<Vec<Vec<f64>>> {
        let n = model.n_neurons();
        if self.n != n || &self.basis != model.basis() {
            return Err(SnnError::invalid(
                "soft workspace",
                format!("{} neurons", self.n),
                "was made for a model of another shape or basis",
            ));
        }
        let job = Job {
            i0: 0,
            i1: n,
            hidden: SoftEvents::empty(0),
            wm: model.masked_weights_ikj(),
            window: full.window(),
            ev_times: full.times(),
            ev_marks: full.marks(),
            ev_first: 0,
            want_params: false,
            want_items: false,
            rescale: true,
            poly: self.poly,
            merged_sources: true,
        };
        self.load_sources(model, &job, full.history(), SoftEvents::empty(0))?;
        self.rescaled.clear();
        self.rescaled.resize(n, Vec::new());
        self.run(model, &job, &CompensatorMethod::Quadrature(*q))?;
        Ok(std::mem::take(&mut self.rescaled))
    }

    /// Merges the one-hot spikes of `history` and the soft events of `hidden` into the source
    /// list; for the polynomial path, computes the target-space amplitudes and rewinds the
    /// windows, otherwise loads the basis tracker.
    fn load_sources(
        &mut self,
        model: &Snn,
        job: &Job<'_>,
        history: History<'_>,
        hidden: SoftEvents<'_>,
    ) -> Result<()> {
        let n = model.n_neurons();
        let (ot, om) = (history.times(), history.marks());
        let st = hidden.times();
        self.src_times.clear();
        self.src_kind.clear();
        let (mut a, mut b) = (0, 0);
        while job.merged_sources && (a < ot.len() || b < st.len()) {
            if b >= st.len() || (a < ot.len() && ot[a] <= st[b]) {
                if om[a] as usize >= n {
                    return Err(SnnError::NeuronOutOfRange {
                        neuron: om[a] as usize,
                        n_neurons: n,
                    });
                }
                self.src_times.push(ot[a]);
                self.src_kind.push(om[a]);
                a += 1;
            } else {
                self.src_times.push(st[b]);
                self.src_kind.push((n + b) as u32);
                b += 1;
            }
        }
        if !job.poly {
            self.tracker.clear();
            return self.tracker.extend_merged(history, hidden, model.n_obs());
        }
        let Basis::Epanechnikov { centers, scale } = model.basis() else {
            unreachable!("poly means Epanechnikov");
        };
        let (k, n_obs) = (model.n_basis(), model.n_obs());
        let nt = job.i1 - job.i0;
        let wm = model.masked_weights_ikj();
        transpose_into(wm, n, k, &mut self.wt);
        // (the soft events' amplitudes are computed from their marks when they enter and
        // leave a window: nothing stored per soft event)
        self.windows.reset(centers, *scale, &self.lags, nt);
        if job.want_items {
            self.adjoint
                .reset(centers, *scale, &self.lags, (n, n_obs, job.i0..job.i1));
        }
        Ok(())
    }

    /// Closes the window adjoint's open windows and adds its weight gradient, accumulated
    /// transposed, into `g_wm` (zero before on the polynomial path).
    fn finish_window_adjoint(&mut self, model: &Snn, job: &Job<'_>) {
        let src = sources_of(&self.src_times, &self.src_kind, job);
        self.adjoint.finish(&src, &mut self.gd);
        let (n, kk, nt) = (model.n_neurons(), model.n_basis(), job.i1 - job.i0);
        for t in 0..nt {
            for k in 0..kk {
                let row = &mut self.g_wm[((job.i0 + t) * kk + k) * n..][..n];
                for (j, g) in row.iter_mut().enumerate() {
                    *g += self.adjoint.g_wm_t[(k * n + j) * nt + t];
                }
            }
        }
    }

    /// Moves the target windows to `t`: spikes enter with their column of the transposed
    /// weights, soft events with amplitudes computed from their marks.
    #[inline(always)]
    fn advance_windows(&mut self, t: f64, job: &Job<'_>) {
        let rows = ByMark {
            marks: &self.src_kind,
            wt: &self.wt,
            soft: SoftRows::Marks {
                weights: job.hidden.weights(),
                first: self.n - job.hidden.n_marks(),
            },
            n: self.n,
            k: self.lags.len(),
            i0: job.i0,
            nt: job.i1 - job.i0,
        };
        self.windows.advance_with(t, &self.src_times, &rows);
    }

    /// Adds the accumulated `∂/∂b`, `∂/∂(M ⊙ W)` into `grad` in the `Parametric` layout.
    fn add_param_gradient(&self, model: &Snn, grad: &mut [f64]) -> Result<()> {
        let (n, k) = (model.n_neurons(), model.n_basis());
        let bad = self
            .g_b
            .iter()
            .chain(&self.g_wm)
            .position(|g| !g.is_finite());
        if let Some(bad) = bad {
            return Err(SnnError::Numerical {
                what: "log-likelihood gradient",
                detail: format!("internal coordinate {bad} is not finite"),
            });
        }
        for (g, b) in grad[..n].iter_mut().zip(&self.g_b) {
            *g += b;
        }
        for kk in 0..k {
            for i in 0..n {
                for j in 0..n {
                    if model.connected(i, j) {
                        grad[n + (kk * n + i) * n + j] += self.g_wm[(i * k + kk) * n + j];
                    }
                }
            }
        }
        Ok(())
    }

    /// `(event term, compensator)` of the job; their difference is checked to be finite.
    fn run(
        &mut self,
        model: &Snn,
        job: &Job<'_>,
        method: &CompensatorMethod,
    ) -> Result<(f64, f64)> {
        self.g_b.fill(0.0);
        self.g_wm.fill(0.0);
        self.per_target.fill(0.0);
        self.since_event.fill(0.0);
        self.items.clear();
        self.item_g.clear();
        let (event_term, compensator) = match *method {
            CompensatorMethod::Quadrature(q) => self.run_quadrature_fastest(model, job, &q)?,
            CompensatorMethod::MonteCarlo(mc) => {
                self.run_monte_carlo(model, job, mc.n_points(), mc.seed())?
            }
        };
        let ll = event_term - compensator;
        if !ll.is_finite() {
            return Err(SnnError::Numerical {
                what: "soft log-likelihood",
                detail: format!("event term {event_term}, compensator {compensator}"),
            });
        }
        Ok((event_term, compensator))
    }

    /// `log λ_i(t)` of the event `index` at `t` of target neuron `i`, with the tracker moved to
    /// `t`; adds its gradient and its item.
    #[inline(always)]
    fn event(&mut self, model: &Snn, job: &Job<'_>, index: usize, t: f64, i: usize) -> Result<f64> {
        let kn = model.n_basis() * model.n_neurons();
        let u = if job.poly {
            self.advance_windows(t, job);
            model.bias()[i] + self.windows.value_of(t, i - job.i0)
        } else {
            self.tracker.activations_at(t, &mut self.phi)?;
            let row = &model.masked_weights_ikj()[i * kn..(i + 1) * kn];
            model.bias()[i] + dot(row, &self.phi)
        };
        let (l, dl) = model.activation().log_value_and_derivative(u);
        self.per_target[i] += l;
        if job.rescale {
            self.rescaled[i].push(self.since_event[i]);
        }
        self.since_event[i] = 0.0;
        if !l.is_finite() {
            return Err(PpError::NonPositiveIntensity {
                index: job.ev_first + index,
                time: t,
                mark: i as u32,
                value: model.activation().value(u),
            }
            .into());
        }
        if job.want_params {
            self.g_b[i] += dl;
            if !job.poly {
                let g = &mut self.g_wm[i * kn..(i + 1) * kn];
                for (gv, &p) in g.iter_mut().zip(&self.phi) {
                    *gv += dl * p;
                }
            }
        }
        if job.want_items {
            if job.poly {
                let src = sources_of(&self.src_times, &self.src_kind, job);
                self.adjoint
                    .add_event(t, i - job.i0, dl, &src, &mut self.gd);
            } else {
                let nt = job.i1 - job.i0;
                self.items.push(t);
                let start = self.item_g.len();
                self.item_g.resize(start + nt, 0.0);
                self.item_g[start + (i - job.i0)] = dl;
            }
        }
        Ok(l)
    }

    /// Processes the events `next..` with time `<= until` (or all when `until` is `None`).
    #[inline(always)]
    fn events_until(
        &mut self,
        model: &Snn,
        job: &Job<'_>,
        next: &mut usize,
        until: Option<f64>,
    ) -> Result<f64> {
        let mut sum = 0.0;
        while *next < job.ev_times.len() && until.is_none_or(|u| job.ev_times[*next] <= u) {
            let i = job.ev_marks[*next] as usize;
            if (job.i0..job.i1).contains(&i) {
                sum += self.event(model, job, *next, job.ev_times[*next], i)?;
            }
            *next += 1;
        }
        Ok(sum)
    }

    /// [`run_quadrature`](Self::run_quadrature), or its AVX2 twin when the processor has
    /// AVX2 (the same bits, see `simd.rs`).
    fn run_quadrature_fastest(
        &mut self,
        model: &Snn,
        job: &Job<'_>,
        q: &Quadrature,
    ) -> Result<(f64, f64)> {
        #[cfg(target_arch = "x86_64")]
        if simd::use_avx2() {
            // SAFETY: the processor supports AVX2 (checked by `use_avx2`).
            return unsafe { self.run_quadrature_avx2(model, job, q) };
        }
        self.run_quadrature(model, job, q)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn run_quadrature_avx2(
        &mut self,
        model: &Snn,
        job: &Job<'_>,
        q: &Quadrature,
    ) -> Result<(f64, f64)> {
        self.run_quadrature(model, job, q)
    }

    // (inlined into its AVX2 twin, as are the functions of the piece loop it calls)
    #[inline(always)]
    fn run_quadrature(&mut self, model: &Snn, job: &Job<'_>, q: &Quadrature) -> Result<(f64, f64)> {
        let (t0, t1) = (job.window.t0(), job.window.t1());
        self.streams.clear();
        self.streams.resize(1 + self.kink_lags.len(), 0);
        let mut next = 0;
        let mut event_term = 0.0;
        let mut compensator = 0.0;
        let mut p = t0;
        loop {
            // the pieces' ends are made one at a time: no list of breakpoints per spike
            let (r, last) =
                match next_cut(&mut self.streams, &self.src_times, &self.kink_lags, p, t1) {
                    Some(c) => (c, false),
                    None => (t1, true),
                };
            if job.ev_times.get(next).is_some_and(|&t| t <= p) {
                event_term += self.events_until(model, job, &mut next, Some(p))?;
            }
            if job.i1 > job.i0 {
                compensator += self.piece(model, job, p, r, q)?;
            }
            p = r;
            if last {
                break;
            }
        }
        event_term += self.events_until(model, job, &mut next, None)?;
        Ok((event_term, compensator))
    }

    /// `Σ_{targets} ∫_p^r λ_i` on one smooth piece; adds the gradient and hands on the items.
    #[inline(always)]
    fn piece(&mut self, model: &Snn, job: &Job<'_>, p: f64, r: f64, q: &Quadrature) -> Result<f64> {
        let (n, k) = (model.n_neurons(), model.n_basis());
        let np = model.basis().n_features();
        let kp = k * np;
        let nt = job.i1 - job.i0;
        let mid = 0.5 * (p + r);
        let wm = model.masked_weights_ikj();
        let bias = model.bias();
        let kn = k * n;
        if job.poly {
            // u_t(x) = c0 + c1 x + c2 x² around the piece's centre, from the target windows
            self.advance_windows(mid, job);
            let [c0, c1, c2] = planes_mut(&mut self.e, n, nt);
            c0.copy_from_slice(&bias[job.i0..job.i1]);
            c1.fill(0.0);
            c2.fill(0.0);
            self.windows.expansion(mid, c0, c1, c2);
        } else {
            self.tracker.advance(mid)?;
            self.tracker.expansion(mid, &mut self.coef);
            // each target's coefficients of the tracker's features
            for t in 0..nt {
                let i = job.i0 + t;
                let wrow = &wm[i * kn..(i + 1) * kn];
                for kk in 0..k {
                    let wk = &wrow[kk * n..(kk + 1) * n];
                    for f in 0..np {
                        let mut s = 0.0;
                        for (j, &wv) in wk.iter().enumerate() {
                            s += wv * self.coef[(kk * n + j) * np + f];
                        }
                        self.d[t * kp + kk * np + f] = s;
                    }
                }
            }
        }
        let want_grad = job.want_params || job.want_items;
        if want_grad && !job.poly {
            self.gacc[..nt * kp].fill(0.0);
        }
        let act = model.activation();
        // the a priori order bounds the error relative to the integral: it needs rel_tol > 0
        let apriori = job.poly
            && q.rel_tol() > 0.0
            && matches!(act, Activation::Sigmoid { .. } | Activation::Exp);
        let mut total = 0.0;
        self.stack.clear();
        self.stack.push((p, r, 0));
        let mut visited = 0usize;
        while let Some((a, b, depth)) = self.stack.pop() {
            visited += 1;
            if visited > q.max_subintervals() {
                return Err(self.too_steep(model, job, p, r, q.max_subintervals()));
            }
            let xc = 0.5 * (a + b) - mid;
            let h = 0.5 * (b - a);
            let tiny = h <= 4.0 * f64::EPSILON * (mid.abs() + 1.0);
            if apriori {
                let [_, c1, c2] = planes(&self.e, n, nt);
                let order = apriori_order_of_planes(c1, c2, xc, h, q.rel_tol()).or(if tiny {
                    Some(MAX_ORDER)
                } else {
                    None
                });
                match order {
                    Some(order) => {
                        let rule = gauss_legendre(order).expect("orders up to MAX_ORDER exist");
                        let (xi, w) = (rule.nodes(), rule.weights());
                        let add = if few_targets(nt) {
                            self.accept_few(model, job, a, mid, xc, h, xi, w)
                        } else {
                            self.eval_nodes(model, job, xc, h, xi);
                            self.accept(job, a, mid, xc, h, xi, w, np)
                        };
                        total += add;
                    }
                    None if depth < q.max_depth() => {
                        let c = 0.5 * (a + b);
                        self.stack.push((c, b, depth + 1));
                        self.stack.push((a, c, depth + 1));
                    }
                    None => return Err(no_convergence(a, b, depth)),
                }
            } else {
                self.eval_nodes(model, job, xc, h, &GK_NODES);
                let mut converged = true;
                for t in 0..nt {
                    let (mut kv, mut gv) = (0.0, 0.0);
                    for node in 0..15 {
                        kv += GK_KRONROD[node] * self.lam[node * n + t];
                        gv += GK_GAUSS[node] * self.lam[node * n + t];
                    }
                    let value = h * kv;
                    if !value.is_finite() {
                        return Err(SnnError::Numerical {
                            what: "quadrature compensator",
                            detail: format!(
                                "neuron {} integrates to {value} on [{a}, {b}]",
                                job.i0 + t
                            ),
                        });
                    }
                    // QUADPACK's estimate (λ ≥ 0, so ∫|f| = K15)
                    let mean = 0.5 * kv;
                    let mut resasc = 0.0;
                    for node in 0..15 {
                        resasc += GK_KRONROD[node] * (self.lam[node * n + t] - mean).abs();
                    }
                    let err = qk15_error(kv, gv, resasc * h.abs(), h);
                    if err > q.abs_tol().max(q.rel_tol() * value.abs()) {
                        converged = false;
                    }
                }
                if converged || tiny {
                    total += self.accept(job, a, mid, xc, h, &GK_NODES, &GK_KRONROD, np);
                } else if depth >= q.max_depth() {
                    return Err(no_convergence(a, b, depth));
                } else {
                    let c = 0.5 * (a + b);
                    self.stack.push((c, b, depth + 1));
                    self.stack.push((a, c, depth + 1));
                }
            }
        }
        if !total.is_finite() {
            return Err(SnnError::Numerical {
                what: "quadrature compensator",
                detail: format!("the piece [{p}, {r}] integrates to {total}"),
            });
        }
        if job.want_params && !job.poly {
            // ∂/∂wm[i][k][j] of Σ_nodes c_t g_kp(x) coef[k][j][p]
            for t in 0..nt {
                let i = job.i0 + t;
                for kk in 0..k {
                    let acc = &self.gacc[t * kp + kk * np..t * kp + (kk + 1) * np];
                    let grow = &mut self.g_wm[(i * k + kk) * n..(i * k + kk + 1) * n];
                    for (j, gv) in grow.iter_mut().enumerate() {
                        *gv += dot(&self.coef[(kk * n + j) * np..(kk * n + j + 1) * np], acc);
                    }
                }
            }
        }
        Ok(total)
    }

    /// The error for a piece that needs more than `limit` sub-intervals: names the target
    /// neuron whose potential varies most across the piece (by how much) and the piece.
    #[cold]
    fn too_steep(&mut self, model: &Snn, job: &Job<'_>, p: f64, r: f64, limit: usize) -> SnnError {
        let mid = 0.5 * (p + r);
        let h = 0.5 * (r - p);
        let nt = job.i1 - job.i0;
        let mut worst = (job.i0, 0.0f64);
        for t in 0..nt {
            // the variation of u_t over the piece: from the expansion (windows) or, for other
            // bases, from the potentials at the ends and the middle
            let variation = if job.poly {
                let n = self.n;
                self.e[n + t].abs() * h + self.e[2 * n + t].abs() * h * h
            } else {
                let i = job.i0 + t;
                let k = model.n_basis();
                let np = model.basis().n_features();
                let d = &self.d[t * k * np..(t + 1) * k * np];
                let mut u = [0.0; 3];
                for (slot, x) in u.iter_mut().zip([-h, 0.0, h]) {
                    let g = &mut self.feats[..k * np];
                    self.basis.features(x, g);
                    *slot = model.bias()[i] + dot(d, g);
                }
                let (lo, hi) = (u[0].min(u[1]).min(u[2]), u[0].max(u[1]).max(u[2]));
                hi - lo
            };
            if variation > worst.1 || t == 0 {
                worst = (job.i0 + t, variation);
            }
        }
        SnnError::QuadratureBudget {
            neuron: worst.0,
            t0: mid - h,
            t1: mid + h,
            variation: worst.1,
            limit,
        }
    }

    /// Intensities and derivatives at the nodes `xc + h ξ` (relative to the piece's centre) for every target, into
    /// `lam[node·N + t]`, `dlam[node·N + t]` (and the features, non-polynomial bases).
    #[inline(always)]
    fn eval_nodes(&mut self, model: &Snn, job: &Job<'_>, xc: f64, h: f64, xi: &[f64]) {
        let n = model.n_neurons();
        let nt = job.i1 - job.i0;
        let act = model.activation();
        let kp = model.n_basis() * model.basis().n_features();
        for (node, &z) in xi.iter().enumerate() {
            let x = xc + h * z;
            if job.poly {
                // potentials first; the activation in a separate pass below, so that the
                // independent exponentials and divisions overlap
                let [c0, c1, c2] = planes(&self.e, n, nt);
                let lam = &mut self.lam[node * n..node * n + nt];
                for t in 0..nt {
                    lam[t] = c0[t] + x * (c1[t] + x * c2[t]);
                }
            } else {
                let g = &mut self.feats[node * kp..(node + 1) * kp];
                self.basis.features(x, g);
                for t in 0..nt {
                    let u = model.bias()[job.i0 + t] + dot(&self.d[t * kp..(t + 1) * kp], g);
                    let (l, dl) = value_and_derivative(act, u);
                    self.lam[node * n + t] = l;
                    self.dlam[node * n + t] = dl;
                }
            }
        }
        if job.poly {
            for node in 0..xi.len() {
                let lam = &mut self.lam[node * n..node * n + nt];
                let dlam = &mut self.dlam[node * n..node * n + nt];
                match act {
                    Activation::Sigmoid { amplitude } => {
                        scaled_logistic_in_place(amplitude, lam, dlam);
                    }
                    _ => {
                        for (l, dl) in lam.iter_mut().zip(dlam.iter_mut()) {
                            (*l, *dl) = act.value_and_derivative(*l);
                        }
                    }
                }
            }
        }
    }

    /// Accepts the sub-interval `[a, b]` (centre `mid + xc`, half-width `h`) with the rule
    /// `(xi, w)` whose node values are in `lam`/`dlam`: returns `Σ_t h Σ w λ_t` and adds the
    /// gradient accumulators and hands the items on (to the window adjoint, or as points).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn accept(
        &mut self,
        job: &Job<'_>,
        a: f64,
        mid: f64,
        xc: f64,
        h: f64,
        xi: &[f64],
        w: &[f64],
        np: usize,
    ) -> f64 {
        let n = self.n;
        let nt = job.i1 - job.i0;
        let k = self.basis.len();
        let kp = k * np;
        // Σ_nodes w λ per target, node by node (the same order of additions as a sum per
        // target, in loops over the targets that vectorise)
        let part = &mut self.gsub[..nt];
        part.fill(0.0);
        for (node, &wn) in w.iter().enumerate() {
            for (p, &l) in part.iter_mut().zip(&self.lam[node * n..node * n + nt]) {
                *p += wn * l;
            }
        }
        let mut total = 0.0;
        for &p in part.iter() {
            total += h * p;
        }
        let targets = job.i0..job.i1;
        for (r, &p) in self.per_target[targets.clone()].iter_mut().zip(part.iter()) {
            *r -= h * p;
        }
        for (r, &p) in self.since_event[targets].iter_mut().zip(part.iter()) {
            *r += h * p;
        }
        if !(job.want_params || job.want_items) {
            return total;
        }
        if job.poly {
            // the moments Σ_nodes c (1, x, x²) of each target, as three planes
            let [g0, g1, g2] = planes_mut(&mut self.gsub, nt, nt);
            g0.fill(0.0);
            g1.fill(0.0);
            g2.fill(0.0);
            for (node, (&z, &wn)) in xi.iter().zip(w).enumerate() {
                let x = xc + h * z;
                let dlam = &self.dlam[node * n..node * n + nt];
                for t in 0..nt {
                    let c = -h * wn * dlam[t];
                    g0[t] += c;
                    g1[t] += c * x;
                    g2[t] += c * x * x;
                }
            }
            self.hand_on_moments(job, a, mid);
        } else {
            for (node, &wn) in w.iter().enumerate() {
                let x = xc + h * xi[node];
                let start = self.item_g.len();
                if job.want_items {
                    self.items.push(mid + x);
                    self.item_g.resize(start + nt, 0.0);
                }
                for t in 0..nt {
                    let c = -h * wn * self.dlam[node * n + t];
                    if job.want_params {
                        self.g_b[job.i0 + t] += c;
                        let g = &self.feats[node * kp..(node + 1) * kp];
                        let acc = &mut self.gacc[t * kp..(t + 1) * kp];
                        for (av, &gv) in acc.iter_mut().zip(g) {
                            *av += c * gv;
                        }
                    }
                    if job.want_items {
                        self.item_g[start + t] = c;
                    }
                }
            }
        }
        total
    }

    /// [`eval_nodes`](Self::eval_nodes) and [`accept`](Self::accept) on the windows' path in
    /// one loop over the targets, for fewer than [`FEW_TARGETS`] of them (a dozen loops over two
    /// or three targets cost more in set-up than in work): the same operations per target in
    /// the same order, so the same bits.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn accept_few(
        &mut self,
        model: &Snn,
        job: &Job<'_>,
        a: f64,
        mid: f64,
        xc: f64,
        h: f64,
        xi: &[f64],
        w: &[f64],
    ) -> f64 {
        let (n, nt) = (self.n, job.i1 - job.i0);
        let act = model.activation();
        let moments = job.want_params || job.want_items;
        let [c0, c1, c2] = planes(&self.e, n, nt);
        let [g0, g1, g2] = planes_mut(&mut self.gsub, nt, nt);
        let per_target = &mut self.per_target[job.i0..job.i1];
        let since_event = &mut self.since_event[job.i0..job.i1];
        let mut total = 0.0;
        for t in 0..nt {
            let (mut p, mut m0, mut m1, mut m2) = (0.0, 0.0, 0.0, 0.0);
            for (&z, &wn) in xi.iter().zip(w) {
                let x = xc + h * z;
                let u = c0[t] + x * (c1[t] + x * c2[t]);
                let (l, dl) = match act {
                    Activation::Sigmoid { amplitude } => scaled_logistic(amplitude, u),
                    _ => act.value_and_derivative(u),
                };
                p += wn * l;
                if moments {
                    let c = -h * wn * dl;
                    m0 += c;
                    m1 += c * x;
                    m2 += c * x * x;
                }
            }
            total += h * p;
            per_target[t] -= h * p;
            since_event[t] += h * p;
            (g0[t], g1[t], g2[t]) = (m0, m1, m2);
        }
        if moments {
            self.hand_on_moments(job, a, mid);
        }
        total
    }

    /// Hands the moments of the accepted sub-interval starting at `a` (planes `gsub`, about
    /// the piece's centre `mid`) on: the bias gradient, and the window adjoint's items.
    #[inline(always)]
    fn hand_on_moments(&mut self, job: &Job<'_>, a: f64, mid: f64) {
        let nt = job.i1 - job.i0;
        let [g0, g1, g2] = planes(&self.gsub, nt, nt);
        if job.want_params {
            // (the weight gradients come from the window adjoint)
            for (g, &v) in self.g_b[job.i0..job.i1].iter_mut().zip(g0.iter()) {
                *g += v;
            }
        }
        if job.want_items {
            let src = sources_of(&self.src_times, &self.src_kind, job);
            self.adjoint
                .add_interval(a, mid, [g0, g1, g2], &src, &mut self.gd);
        }
    }

    fn run_monte_carlo(
        &mut self,
        model: &Snn,
        job: &Job<'_>,
        n_points: usize,
        seed: u64,
    ) -> Result<(f64, f64)> {
        let w = job.window;
        let key = (n_points, seed, w.t0(), w.t1());
        if self.mc_key != Some(key) {
            self.mc_points = pp_core::MonteCarlo::new(n_points, seed)?.points(w.t0(), w.t1());
            self.mc_key = Some(key);
        }
        let points = std::mem::take(&mut self.mc_points);
        let result = self.monte_carlo_with(model, job, &points);
        self.mc_points = points;
        result
    }

    fn monte_carlo_with(
        &mut self,
        model: &Snn,
        job: &Job<'_>,
        points: &[f64],
    ) -> Result<(f64, f64)> {
        let scale = job.window.duration() / points.len() as f64;
        let n = model.n_neurons();
        let kn = model.n_basis() * n;
        let nt = job.i1 - job.i0;
        let act = model.activation();
        let wm = model.masked_weights_ikj();
        let mut next = 0;
        let mut event_term = 0.0;
        let mut compensator = 0.0;
        for &x in points {
            event_term += self.events_until(model, job, &mut next, Some(x))?;
            if nt == 0 {
                continue;
            }
            if job.poly {
                self.advance_windows(x, job);
                let [c0, c1, c2] = planes_mut(&mut self.e, n, nt);
                c0.fill(0.0);
                c1.fill(0.0);
                c2.fill(0.0);
                self.windows.expansion(x, c0, c1, c2);
            } else {
                self.tracker.activations_at(x, &mut self.phi)?;
            }
            let start = self.item_g.len();
            if job.want_items && !job.poly {
                self.items.push(x);
                self.item_g.resize(start + nt, 0.0);
            }
            for t in 0..nt {
                let i = job.i0 + t;
                let u = if job.poly {
                    model.bias()[i] + self.e[t]
                } else {
                    model.bias()[i] + dot(&wm[i * kn..(i + 1) * kn], &self.phi)
                };
                let (l, dl) = value_and_derivative(act, u);
                compensator += scale * l;
                self.per_target[i] -= scale * l;
                let c = -scale * dl;
                if job.want_params {
                    self.g_b[i] += c;
                }
                if job.want_params && c != 0.0 && !job.poly {
                    let g = &mut self.g_wm[i * kn..(i + 1) * kn];
                    for (gv, &pv) in g.iter_mut().zip(&self.phi) {
                        *gv += c * pv;
                    }
                }
                if job.want_items {
                    if job.poly {
                        self.gsub[t] = c;
                    } else {
                        self.item_g[start + t] = c;
                    }
                }
            }
            if job.want_items && job.poly {
                let src = sources_of(&self.src_times, &self.src_kind, job);
                self.adjoint
                    .add_point(x, &self.gsub[..nt], &src, &mut self.gd);
            }
        }
        event_term += self.events_until(model, job, &mut next, None)?;
        Ok((event_term, compensator))
    }
}

/// `(ψ(u), ψ'(u))`: for the scaled sigmoid pp-core's branch-free `scaled_logistic` (the one
/// the Epanechnikov nodes' loop applies over a slice), other activations as
/// [`Activation::value_and_derivative`].
#[inline]
fn value_and_derivative(act: Activation, u: f64) -> (f64, f64) {
    match act {
        Activation::Sigmoid { amplitude } => scaled_logistic(amplitude, u),
        _ => act.value_and_derivative(u),
    }
}

fn no_convergence(a: f64, b: f64, depth: u32) -> SnnError {
    SnnError::Numerical {
        what: "quadrature compensator",
        detail: format!("no convergence on [{a}, {b}] after {depth} bisections"),
    }
}

/// What the window adjoint reads about the sources of `job` (`times`, `kinds`: the merged
/// source list).
#[inline(always)]
fn sources_of<'a>(times: &'a [f64], kinds: &'a [u32], job: &Job<'a>) -> Sources<'a> {
    Sources {
        times,
        kinds,
        hidden: job.hidden,
        wm: job.wm,
    }
}

/// The next breakpoint after `last` and before `t1`: the smallest of the streams `times[e] +
/// lag` (lag 0 for the first stream, `lags[s − 1]` for stream `s`), each stream's position in
/// `streams`, skipping values not after `last`; `None` when the streams reach `t1`. Called
/// until `None` from `last = t0`, it yields the sorted distinct breakpoints inside `(t0, t1)`
/// (every source event time and every `t_e + lag`) one at a time.
#[inline(always)]
fn next_cut(streams: &mut [usize], times: &[f64], lags: &[f64], last: f64, t1: f64) -> Option<f64> {
    loop {
        let mut best = f64::INFINITY;
        let mut which = usize::MAX;
        for (s, &e) in streams.iter().enumerate() {
            if e < times.len() {
                let lag = if s == 0 { 0.0 } else { lags[s - 1] };
                let c = times[e] + lag;
                if c < best {
                    best = c;
                    which = s;
                }
            }
        }
        if which == usize::MAX || best >= t1 {
            return None;
        }
        streams[which] += 1;
        if best > last {
            return Some(best);
        }
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::SnnBuilder;
    use pp_core::{Parametric, SoftEvents};
    use rand::SeedableRng;

    /// The bits of a value pass and a gradient pass, for observed and hidden targets with
    /// soft sources, of a small network (3 observed, 2 hidden), with `set(flag)` called on the
    /// thread before the passes and `set(false)` after.
    type PassBits = (u64, Vec<u64>, Vec<u64>, u64, Vec<u64>);
    fn small_network_bits(flag: bool, set: impl Fn(bool)) -> PassBits {
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(7);
        let model = SnnBuilder::new(3, 2).random(&mut rng).unwrap();
        let window = Window::new(0.0, 40.0).unwrap();
        let full = model.simulate(window, &mut rng).unwrap();
        let (times, marks) = (full.times(), full.marks());
        let observed_idx: Vec<usize> = (0..times.len()).filter(|&e| marks[e] < 3).collect();
        let observed = EventSequence::new(
            window,
            3,
            observed_idx.iter().map(|&e| times[e]).collect(),
            observed_idx.iter().map(|&e| marks[e]).collect(),
        )
        .unwrap();
        // soft candidates: every hidden spike, with a spread mark
        let hidden_times: Vec<f64> = (0..times.len())
            .filter(|&e| marks[e] >= 3)
            .map(|e| times[e])
            .collect();
        let hidden_weights: Vec<f64> = (0..hidden_times.len())
            .flat_map(|b| {
                let m = 0.2 + 0.6 * ((b % 5) as f64 / 4.0);
                [m, 1.0 - m]
            })
            .collect();
        assert!(observed.len() > 10 && hidden_times.len() > 10);
        let q = CompensatorMethod::default();
        set(flag);
        let hidden = SoftEvents::new(&hidden_times, &hidden_weights, 2).unwrap();
        let mut ws = SoftWorkspace::new(&model);
        let mut gp = vec![0.0; model.n_params()];
        let mut gd = vec![0.0; hidden_times.len() * 2];
        let v = model
            .observed_log_likelihood_grad(&observed, hidden, &q, &mut ws, &mut gp, &mut gd)
            .unwrap();
        let mut gh = vec![0.0; model.n_params()];
        let h = model
            .hidden_log_likelihood(&full, &q, &mut ws, Some(&mut gh))
            .unwrap();
        set(false);
        let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        (v.to_bits(), bits(&gp), bits(&gd), h.to_bits(), bits(&gh))
    }

    /// The AVX2 build of the quadrature pass gives the same bits as the baseline build: the
    /// value, the parameter gradient and the soft weights' gradient (its items), for observed
    /// and hidden targets.
    #[test]
    fn the_avx2_pass_gives_the_baseline_bits() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            // both calls would take the baseline build: nothing to compare on this processor
            eprintln!("skipped: the processor has no AVX2");
            return;
        }
        let baseline = |b: bool| simd::BASELINE_ONLY.with(|c| c.set(b));
        assert_eq!(
            small_network_bits(false, baseline),
            small_network_bits(true, baseline)
        );
    }

    /// A few targets take the fused loop over the targets; it gives the bits of the wide loops.
    #[test]
    fn the_fused_loop_for_few_targets_gives_the_wide_loops_bits() {
        const { assert!(3 < FEW_TARGETS) };
        let wide = |b: bool| WIDE_ONLY.with(|c| c.set(b));
        assert_eq!(
            small_network_bits(false, wide),
            small_network_bits(true, wide)
        );
    }
}
