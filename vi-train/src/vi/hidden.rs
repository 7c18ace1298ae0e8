//! Exact samples of the hidden neurons given the observed spikes: thinning (docs/math.md §2) of the
//! hidden neurons only, with the observed spike train as a fixed part of the history.
//!
//! `snn-model`'s simulator draws every neuron; conditioning on fixed observed spikes needs the
//! observed spikes to enter the history as time passes without being drawn. [`HiddenThinning`]
//! does that on `pp-thinning`'s [`SequentialIntensity`] interface: its state is an incremental
//! [`BasisTracker`] over all `N` neurons into which the observed spikes strictly before each
//! candidate are pushed before the hidden intensities are evaluated, and the accepted hidden
//! spikes are pushed as they are accepted. The bound is global: `a·H` for the sigmoid
//! (`(a + ε)·H` for the hardtanh); unbounded activations are refused.
//!
//! The density of the result (with respect to the unit-rate Poisson process on the hidden
//! neurons) is the hidden neurons' part of the fully observed log-likelihood (1.1): that is the
//! `log q(H)` of the score-function estimator.

use pp_core::messages::show_number;
use pp_core::{EventSequence, Window};
use pp_thinning::{BoundSpec, SequentialIntensity, Thinning, Workspace};
use rand::Rng;
use snn_model::{BasisTracker, Snn};

use crate::error::{Result, ViError};

/// The hidden neurons of an [`Snn`] as a thinning model, given the observed spikes.
///
/// Dimension `H`: mark `h` is neuron `n_obs + h`. The observed sequence has dimension `n_obs`
/// (or `N`; its marks must be observed neurons).
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use pp_thinning::Thinning;
/// use rand::SeedableRng;
/// let model = snn_model::SnnBuilder::new(1, 2).check()?;
/// let window = Window::new(0.0, 10.0)?;
/// let observed = EventSequence::new(window, 1, vec![1.0, 2.0], vec![0, 0])?;
/// let sampler = Thinning::new(vi_train::vi::HiddenThinning::new(&model, &observed)?, window)?;
/// let hidden = sampler.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
/// assert_eq!(hidden.sequence.dim(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct HiddenThinning<'a> {
    model: &'a Snn,
    observed: &'a EventSequence,
    bound: f64,
}

/// Per-sequence state of [`HiddenThinning`]: the incremental evaluator over all neurons and the
/// position in the observed spike train.
#[derive(Debug, Clone)]
pub struct HiddenState {
    tracker: BasisTracker,
    next_observed: usize,
    phi: Vec<f64>,
    failed: bool,
}

impl<'a> HiddenThinning<'a> {
    /// The hidden neurons of `model` given `observed` (dimension `n_obs` or `N`, every mark an
    /// observed neuron). Errors: no hidden neuron, an unbounded activation (exp), an observed
    /// sequence of another dimension or with a spike of a hidden neuron.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 0).check()?;
    /// let o = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// assert!(vi_train::vi::HiddenThinning::new(&m, &o).is_err()); // no hidden neuron
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(model: &'a Snn, observed: &'a EventSequence) -> Result<Self> {
        let h = model.n_hidden();
        if h == 0 {
            return Err(ViError::argument(
                "model",
                "has no hidden neuron: there is nothing to sample",
            ));
        }
        let bound = hidden_bound(model)?;
        check_observed(model, observed)?;
        Ok(Self {
            model,
            observed,
            bound,
        })
    }

    /// The global bound `Σ_h sup λ_h`.
    ///
    /// ```
    /// use pp_core::{EventSequence, Window};
    /// let m = snn_model::SnnBuilder::new(1, 3).check()?;
    /// let o = EventSequence::empty(Window::new(0.0, 1.0)?, 1)?;
    /// assert_eq!(vi_train::vi::HiddenThinning::new(&m, &o)?.bound(), 15.0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bound(&self) -> f64 {
        self.bound
    }
}

/// `Σ_h sup λ_h` for a bounded activation.
pub(crate) fn hidden_bound(model: &Snn) -> Result<f64> {
    match model.activation().bound() {
        Some(a) => Ok(a * model.n_hidden() as f64),
        None => Err(ViError::argument(
            "model activation",
            "the hidden neurons need a bounded activation (sigmoid or hardtanh): the \
             variational sampler uses the constant candidate rate a·H",
        )),
    }
}

/// The most thinning candidates the hidden sampler may expect on one sequence, `a·H·(T1 − T0)`
/// (`a` the activation's bound, `H` the hidden neurons): 10⁸. Training and evaluation refuse a
/// longer sequence up front (split the recording into shorter sequences) instead of filling the
/// memory: each candidate of a soft (path-wise) sample keeps its weights.
///
/// ```
/// assert_eq!(vi_train::vi::MAX_HIDDEN_CANDIDATES, 1e8);
/// ```
pub const MAX_HIDDEN_CANDIDATES: f64 = 1e8;

/// Refuses sequence `k` when the hidden sampler would expect more than
/// [`MAX_HIDDEN_CANDIDATES`] candidates on its window.
pub(crate) fn check_hidden_work(model: &Snn, observed: &EventSequence, k: usize) -> Result<()> {
    let bound = hidden_bound(model)?;
    let w = observed.window();
    let expected = bound * (w.t1() - w.t0());
    if expected.is_finite() && expected <= MAX_HIDDEN_CANDIDATES {
        return Ok(());
    }
    Err(ViError::Mismatch {
        reason: format!(
            "sequence {k}: its window [{}, {}] with {} hidden neurons of rate up to {} means \
             about {} thinning candidates per hidden sample, more than the limit of {:e} \
             (vi_train::vi::MAX_HIDDEN_CANDIDATES): split the recording into shorter sequences",
            show_number(w.t0()),
            show_number(w.t1()),
            model.n_hidden(),
            show_number(bound / model.n_hidden() as f64),
            show_number(expected),
            MAX_HIDDEN_CANDIDATES
        ),
    })
}

/// The observed sequence must have dimension `n_obs` or `N` and only observed spikes.
pub(crate) fn check_observed(model: &Snn, observed: &EventSequence) -> Result<()> {
    let (n_obs, n) = (model.n_obs(), model.n_neurons());
    if observed.dim() != n_obs && observed.dim() != n {
        return Err(ViError::Mismatch {
            reason: format!(
                "the observed sequence has {} neurons; the model has {n_obs} observed neurons",
                observed.dim()
            ),
        });
    }
    if let Some(e) = observed.marks().iter().position(|&m| m as usize >= n_obs) {
        return Err(ViError::Mismatch {
            reason: format!(
                "observed spike {e} (time {}) is of neuron {}, which is not an observed neuron \
                 (the model has {n_obs})",
                show_number(observed.times()[e]),
                observed.marks()[e]
            ),
        });
    }
    Ok(())
}

impl SequentialIntensity for HiddenThinning<'_> {
    type State = HiddenState;

    fn dim(&self) -> usize {
        self.model.n_hidden()
    }

    fn new_state(&self) -> HiddenState {
        let (n, k) = (self.model.n_neurons(), self.model.n_basis());
        HiddenState {
            tracker: BasisTracker::new(self.model.basis(), n)
                .expect("a checked model has a valid basis and at least one neuron"),
            next_observed: 0,
            phi: vec![0.0; k * n],
            failed: false,
        }
    }

    fn reset(&self, st: &mut HiddenState, _t0: f64) {
        st.tracker.clear();
        st.next_observed = 0;
        st.failed = false;
    }

    fn intensities_at(&self, st: &mut HiddenState, s: f64, out: &mut [f64]) {
        let (times, marks) = (self.observed.times(), self.observed.marks());
        while st.next_observed < times.len() && times[st.next_observed] < s {
            let e = st.next_observed;
            if st.tracker.push_spike(times[e], marks[e] as usize).is_err() {
                st.failed = true;
            }
            st.next_observed += 1;
        }
        if st.failed || st.tracker.activations_at(s, &mut st.phi).is_err() {
            // Only reachable if the sampler broke its call protocol: reported by the sampler
            // as an invalid intensity (NaN), never a panic.
            st.failed = true;
            out.fill(f64::NAN);
            return;
        }
        let m = self.model;
        let (n_obs, kn) = (m.n_obs(), m.n_basis() * m.n_neurons());
        let wm = m.masked_weights_ikj();
        let act = m.activation();
        for (h, o) in out.iter_mut().enumerate() {
            let i = n_obs + h;
            let u = m.bias()[i] + pp_core::numeric::dot(&wm[i * kn..(i + 1) * kn], &st.phi);
            *o = act.value(u);
        }
    }

    fn accept(&self, st: &mut HiddenState, s: f64, mark: u32) {
        if st
            .tracker
            .push_spike(s, self.model.n_obs() + mark as usize)
            .is_err()
        {
            st.failed = true;
        }
    }

    fn bound(&self, _st: &mut HiddenState, _s: f64) -> BoundSpec {
        BoundSpec::until_next_event(self.bound)
    }
}

/// Reusable buffers of [`sample_hidden`]: the thinning state and the merged sequence.
///
/// ```
/// let m = snn_model::SnnBuilder::new(1, 1).check()?;
/// let _ws = vi_train::vi::HiddenSampleWorkspace::new(&m)?;
/// # Ok::<(), vi_train::ViError>(())
/// ```
#[derive(Debug, Clone)]
pub struct HiddenSampleWorkspace {
    thinning: Workspace<HiddenState>,
    hidden_times: Vec<f64>,
    hidden_marks: Vec<u32>,
}

impl HiddenSampleWorkspace {
    /// Buffers for models of the shape of `model` (which needs at least one hidden neuron).
    pub fn new(model: &Snn) -> Result<Self> {
        if model.n_hidden() == 0 {
            return Err(ViError::argument(
                "model",
                "has no hidden neuron: there is nothing to sample",
            ));
        }
        // The workspace only depends on the state type; any observed sequence will do.
        let window = Window::new(0.0, 1.0)?;
        let empty = EventSequence::empty(window, model.n_obs())?;
        let shape = HiddenThinning {
            model,
            observed: &empty,
            bound: 1.0,
        };
        let thinning = Thinning::new(shape, window)
            .map_err(thinning_error)?
            .workspace();
        Ok(Self {
            thinning,
            hidden_times: Vec::new(),
            hidden_marks: Vec::new(),
        })
    }
}

/// Draws the hidden spikes of `model` given the observed sequence `observed` (dimension
/// `n_obs` or `N`) on its window by exact thinning, and writes the complete sequence (observed
/// and hidden spikes, dimension `N`) into `full` (its buffers are reused). Returns the number of
/// hidden spikes.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// use rand::SeedableRng;
/// let model = snn_model::SnnBuilder::new(1, 1).check()?;
/// let w = Window::new(0.0, 20.0)?;
/// let observed = EventSequence::new(w, 1, vec![1.0, 5.0], vec![0, 0])?;
/// let mut ws = vi_train::vi::HiddenSampleWorkspace::new(&model)?;
/// let mut full = EventSequence::empty(w, 2)?;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(4);
/// let n_hidden = vi_train::vi::sample_hidden(&model, &observed, &mut rng, &mut ws, &mut full)?;
/// assert_eq!(full.len(), 2 + n_hidden);
/// assert_eq!(full.marks().iter().filter(|&&m| m == 0).count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sample_hidden<R: Rng + ?Sized>(
    model: &Snn,
    observed: &EventSequence,
    rng: &mut R,
    ws: &mut HiddenSampleWorkspace,
    full: &mut EventSequence,
) -> Result<usize> {
    let sampler = Thinning::new(HiddenThinning::new(model, observed)?, observed.window())
        .map_err(thinning_error)?;
    ws.hidden_times.clear();
    ws.hidden_marks.clear();
    let (times, marks) = (&mut ws.hidden_times, &mut ws.hidden_marks);
    sampler
        .sample_with(rng, &mut ws.thinning, |e| {
            times.push(e.time);
            marks.push(e.mark);
            std::ops::ControlFlow::Continue(())
        })
        .map_err(thinning_error)?;
    merge_into(model, observed, &ws.hidden_times, &ws.hidden_marks, full)?;
    Ok(ws.hidden_times.len())
}

fn thinning_error(e: pp_thinning::ThinningError) -> ViError {
    ViError::Snn(snn_model::SnnError::from(e))
}

/// Writes the observed spikes and the hidden spikes (`hidden_marks` in `0..H`) merged in time
/// order into `full` (dimension `N`, window of `observed`).
pub(crate) fn merge_into(
    model: &Snn,
    observed: &EventSequence,
    hidden_times: &[f64],
    hidden_marks: &[u32],
    full: &mut EventSequence,
) -> Result<()> {
    let n = model.n_neurons();
    let n_obs = model.n_obs() as u32;
    if full.dim() != n || full.window() != observed.window() {
        *full = EventSequence::empty(observed.window(), n)?;
    } else {
        full.clear();
    }
    let (ot, om) = (observed.times(), observed.marks());
    let (mut a, mut b) = (0, 0);
    while a < ot.len() || b < hidden_times.len() {
        let take_observed = b >= hidden_times.len() || (a < ot.len() && ot[a] <= hidden_times[b]);
        if take_observed {
            full.push(ot[a], om[a])?;
            a += 1;
        } else {
            full.push(hidden_times[b], n_obs + hidden_marks[b])?;
            b += 1;
        }
    }
    Ok(())
}
