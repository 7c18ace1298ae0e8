//! The ∂PP sampler (docs/math.md §5): candidates at constant rate `λ̄`, category log-probabilities
//! (5.1) from the model's hidden intensities given the soft history, and ExpConcrete soft marks
//! (or, in hard mode, Gumbel-max categories) from the same noise. Its output, a [`Trace`], holds
//! the realisation, `log q` (5.2) and everything the reverse sweep needs.

use pp_core::Window;
use rand::Rng;

use crate::error::{DiffppError, Result};
use crate::expconcrete::{
    hard_unchecked, log_density_constant, log_density_unchecked,
    sample_unchecked as expconcrete_sample,
};
use crate::model::SoftHiddenIntensity;
use crate::noise::Noise;
use crate::numeric::{complement, logsumexp};
use pp_core::SoftEvents;

/// Soft (relaxed, ExpConcrete at temperature `tau`) or hard (Gumbel-max one-hot) marks.
///
/// ```
/// use diffpp::Mode;
/// assert!(Mode::soft(0.3).is_ok());
/// assert!(Mode::soft(-1.0).is_err());
/// assert_eq!(Mode::Hard.tau(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Soft marks `y_k = log_softmax((α_k + g_k)/τ)`; use [`Mode::soft`] to validate `tau`.
    Soft {
        /// The temperature `τ > 0`.
        tau: f64,
    },
    /// Hard marks: the category `argmax(α_k + g_k)` as a one-hot vector.
    Hard,
}

impl Mode {
    /// Soft mode with a validated temperature (finite, `> 0`).
    ///
    /// ```
    /// assert_eq!(diffpp::Mode::soft(0.5)?.tau(), Some(0.5));
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn soft(tau: f64) -> Result<Self> {
        if tau.is_finite() && tau > 0.0 {
            Ok(Mode::Soft { tau })
        } else {
            Err(DiffppError::InvalidTemperature { tau })
        }
    }

    /// The temperature of soft mode, `None` in hard mode.
    ///
    /// ```
    /// assert_eq!(diffpp::Mode::Soft { tau: 0.2 }.tau(), Some(0.2));
    /// ```
    pub fn tau(&self) -> Option<f64> {
        match self {
            Mode::Soft { tau } => Some(*tau),
            Mode::Hard => None,
        }
    }

    fn validate(self) -> Result<Self> {
        match self {
            Mode::Soft { tau } => Mode::soft(tau),
            Mode::Hard => Ok(self),
        }
    }
}

/// One ∂PP realisation with everything needed to differentiate it.
///
/// Layout (`M` candidates, `H` hidden dimensions): `times[M]`; `gumbel`, `alpha`, `y` are
/// row-major `[M][H + 1]` (category `H` is 'none'); `weights` is `[M][H]` with
/// `weights[k] = exp(y_k)[0..H]` (the soft hidden spike `d_k`); `categories[k]` is
/// `argmax(α_k + g_k)` (the hard category, `H` = none; in soft mode it is also the arg-max of
/// `y_k`). In hard mode `y_k` is the log of the one-hot vector (`0` and `-inf`).
///
/// `log_q` is (5.2) in soft mode. In hard mode it is the log-probability of the candidate
/// times and the categories, `M log λ̄ − λ̄ (T1 − T0) + Σ_k α_k[c_k]` (the `τ → 0` limit of the
/// discrete part of (5.2); its parameter gradient is a valid score function for REINFORCE).
///
/// A trace can be *scored from* a time inside its window ([`Trace::score_from`]): the
/// candidates before it are a lead-in (warm-up) that acts as history only, `log q` becomes the
/// conditional log-density of the later candidates given them, and the reverse sweeps weight
/// only the scored candidates' log-density terms by `β`.
///
/// ```
/// use diffpp::{DiffPP, LinearSigmoidModel, Mode};
/// use rand::SeedableRng;
/// let model = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 2.0], 1.0)?;
/// let dpp = DiffPP::new(pp_core::Window::new(0.0, 5.0)?, Mode::soft(0.3)?);
/// let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
/// assert_eq!(trace.weights().len(), 2 * trace.len());
/// assert!(trace.log_q().is_finite());
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub(crate) n_hidden: usize,
    pub(crate) mode: Mode,
    pub(crate) window: Window,
    pub(crate) rate: f64,
    pub(crate) support: f64,
    pub(crate) times: Vec<f64>,
    pub(crate) gumbel: Vec<f64>,
    pub(crate) has_noise: bool,
    pub(crate) alpha: Vec<f64>,
    pub(crate) y: Vec<f64>,
    pub(crate) weights: Vec<f64>,
    pub(crate) categories: Vec<usize>,
    pub(crate) history_start: Vec<usize>,
    pub(crate) log_terms: Vec<f64>,
    /// The scored `log q` (the whole sample's unless [`score_from`](Trace::score_from) says
    /// otherwise).
    pub(crate) log_q: f64,
    /// `log q` of the whole sample, as computed by the sampler / `evaluate`.
    pub(crate) log_q_whole: f64,
    /// Index of the first scored candidate (0: all of them).
    pub(crate) scored_from: usize,
}

impl Trace {
    /// An empty trace, to be filled by [`DiffPP::sample_with_noise_into`] (buffer reuse).
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().is_empty());
    /// ```
    pub fn empty() -> Self {
        Self {
            n_hidden: 0,
            mode: Mode::Hard,
            window: Window::new(0.0, 1.0).expect("valid constant window"),
            rate: 1.0,
            support: 0.0,
            times: Vec::new(),
            gumbel: Vec::new(),
            has_noise: false,
            alpha: Vec::new(),
            y: Vec::new(),
            weights: Vec::new(),
            categories: Vec::new(),
            history_start: Vec::new(),
            log_terms: Vec::new(),
            log_q: 0.0,
            log_q_whole: 0.0,
            scored_from: 0,
        }
    }

    /// Number of candidates `M`.
    ///
    /// ```
    /// assert_eq!(diffpp::Trace::empty().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are no candidates.
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Number of hidden dimensions `H`.
    ///
    /// ```
    /// assert_eq!(diffpp::Trace::empty().n_hidden(), 0);
    /// ```
    pub fn n_hidden(&self) -> usize {
        self.n_hidden
    }

    /// The mode the trace was made in.
    ///
    /// ```
    /// assert_eq!(diffpp::Trace::empty().mode(), diffpp::Mode::Hard);
    /// ```
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The observation window.
    ///
    /// ```
    /// assert_eq!(diffpp::Trace::empty().window().t1(), 1.0);
    /// ```
    pub fn window(&self) -> Window {
        self.window
    }

    /// The candidate rate `λ̄` used.
    ///
    /// ```
    /// assert_eq!(diffpp::Trace::empty().candidate_rate(), 1.0);
    /// ```
    pub fn candidate_rate(&self) -> f64 {
        self.rate
    }

    /// Candidate times `s_1 < … < s_M`.
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().times().is_empty());
    /// ```
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// The Gumbel noise `[M][H + 1]` of a trace made by [`DiffPP::sample`] or
    /// [`DiffPP::sample_with_noise`]; `None` for one made by [`DiffPP::evaluate`] (a given
    /// realisation has no recorded noise) or by [`DiffPP::sample_with_noise_into`] (the
    /// caller keeps the noise: a long trace holds no second copy of it).
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().gumbel().is_none());
    /// ```
    pub fn gumbel(&self) -> Option<&[f64]> {
        self.has_noise.then_some(&self.gumbel[..])
    }

    /// The category log-probabilities (5.1), `[M][H + 1]`.
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().alpha().is_empty());
    /// ```
    pub fn alpha(&self) -> &[f64] {
        &self.alpha
    }

    /// The (5.1) vector of candidate `k`.
    ///
    /// ```
    /// # use rand::SeedableRng;
    /// # let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// # let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 2.0)?, diffpp::Mode::soft(0.3)?);
    /// # let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
    /// for k in 0..trace.len() {
    ///     assert!(diffpp::numeric::logsumexp(trace.alpha_of(k)).abs() < 1e-12);
    /// }
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn alpha_of(&self, k: usize) -> &[f64] {
        let n = self.n_hidden + 1;
        &self.alpha[k * n..(k + 1) * n]
    }

    /// The marks `y_k` (log domain), `[M][H + 1]`.
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().y().is_empty());
    /// ```
    pub fn y(&self) -> &[f64] {
        &self.y
    }

    /// The mark `y_k` of candidate `k`.
    ///
    /// ```
    /// # use rand::SeedableRng;
    /// # let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// # let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 2.0)?, diffpp::Mode::soft(0.3)?);
    /// # let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
    /// for k in 0..trace.len() {
    ///     assert!(diffpp::numeric::logsumexp(trace.y_of(k)).abs() < 1e-12);
    /// }
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn y_of(&self, k: usize) -> &[f64] {
        let n = self.n_hidden + 1;
        &self.y[k * n..(k + 1) * n]
    }

    /// The soft hidden spikes `d_k = exp(y_k)[0..H]`, `[M][H]`.
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().weights().is_empty());
    /// ```
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The soft hidden spike `d_k` of candidate `k`.
    ///
    /// ```
    /// # use rand::SeedableRng;
    /// # let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// # let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 2.0)?, diffpp::Mode::soft(0.3)?);
    /// # let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
    /// for k in 0..trace.len() {
    ///     assert!(trace.weights_of(k).iter().sum::<f64>() < 1.0);
    /// }
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn weights_of(&self, k: usize) -> &[f64] {
        let h = self.n_hidden;
        &self.weights[k * h..(k + 1) * h]
    }

    /// The arg-max categories `c_k ∈ 0..=H` (`H` = none).
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().categories().is_empty());
    /// ```
    pub fn categories(&self) -> &[usize] {
        &self.categories
    }

    /// The hidden dimension of candidate `k`'s arg-max category, `None` for the 'none'
    /// category (a rejected candidate in hard mode).
    ///
    /// ```
    /// # use rand::SeedableRng;
    /// # let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// # let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 2.0)?, diffpp::Mode::Hard);
    /// # let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
    /// for k in 0..trace.len() {
    ///     assert_eq!(trace.accepted(k).is_some(), trace.weights_of(k).iter().sum::<f64>() == 1.0);
    /// }
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn accepted(&self, k: usize) -> Option<usize> {
        let c = self.categories[k];
        (c < self.n_hidden).then_some(c)
    }

    /// Index of the first candidate in the soft history of candidate `k` (the history is
    /// candidates `history_start(k)..k`).
    ///
    /// ```
    /// # use rand::SeedableRng;
    /// # let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// # let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 5.0)?, diffpp::Mode::soft(0.3)?);
    /// # let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
    /// for k in 0..trace.len() {
    ///     assert!(trace.history_start(k) <= k);
    /// }
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn history_start(&self, k: usize) -> usize {
        self.history_start[k]
    }

    /// The soft history seen by candidate `k`.
    ///
    /// ```
    /// # use rand::SeedableRng;
    /// # let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// # let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 5.0)?, diffpp::Mode::soft(0.3)?);
    /// # let trace = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3))?;
    /// if trace.len() > 1 {
    ///     assert!(trace.history_of(1).times().iter().all(|&t| t < trace.times()[1]));
    /// }
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn history_of(&self, k: usize) -> SoftEvents<'_> {
        let start = self.history_start[k];
        let h = self.n_hidden;
        SoftEvents::from_sorted_unchecked(&self.times[start..k], &self.weights[start * h..k * h], h)
    }

    /// The per-candidate terms of `log q`: `log ExpConcrete(y_k; τ, α_k)` (soft) or
    /// `α_k[c_k]` (hard).
    ///
    /// ```
    /// assert!(diffpp::Trace::empty().log_terms().is_empty());
    /// ```
    pub fn log_terms(&self) -> &[f64] {
        &self.log_terms
    }

    /// The scored `log q`: (5.2) of the whole sample (see the type's doc for hard mode), or,
    /// after [`score_from`](Self::score_from), the conditional log-density of the scored
    /// candidates given the lead-in.
    ///
    /// ```
    /// assert_eq!(diffpp::Trace::empty().log_q(), 0.0);
    /// ```
    pub fn log_q(&self) -> f64 {
        self.log_q
    }

    /// `log q` (5.2) of the whole sample, whatever [`score_from`](Self::score_from) says.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 4.0)?, diffpp::Mode::soft(0.5)?);
    /// let mut t = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
    /// let whole = t.log_q();
    /// t.score_from(2.0)?;
    /// assert_eq!(t.log_q_whole(), whole);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn log_q_whole(&self) -> f64 {
        self.log_q_whole
    }

    /// Scores the trace from time `from`: the candidates before `from` become a lead-in
    /// (warm-up) that is history only. [`log_q`](Self::log_q) becomes the conditional
    /// log-density of the candidates in `[from, T1]` given those before,
    /// `(M − k0) log λ̄ − λ̄ (T1 − from) + Σ_{k ≥ k0} log_terms[k]` with `k0 = #{k : s_k < from}`
    /// ([`scored_from`](Self::scored_from); the same formula with the hard terms in hard
    /// mode), and the reverse sweeps
    /// ([`gradient_through_sample`](crate::gradient_through_sample),
    /// [`gradient_fixed_sample`](crate::gradient_fixed_sample)) weight by `β` only the log
    /// terms of the candidates `k >= k0` — the lead-in still carries the loss adjoint and
    /// influences the later candidates through its soft spikes.
    ///
    /// Recomputed from the stored log terms at every call (not cumulative);
    /// `score_from(T0)` gives back the whole sample's `log q` bit for bit. Sampling or
    /// evaluating into the trace resets it to the whole sample. Errors
    /// ([`DiffppError::InvalidArgument`]) for a `from` that is not a finite time in the
    /// trace's window `[T0, T1]`; the trace is then left unchanged.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 4.0)?, diffpp::Mode::soft(0.5)?);
    /// let mut t = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
    /// let whole = t.log_q();
    /// t.score_from(1.5)?;
    /// assert!(t.times()[..t.scored_from()].iter().all(|&s| s < 1.5));
    /// t.score_from(0.0)?;
    /// assert_eq!(t.log_q().to_bits(), whole.to_bits());
    /// assert!(t.score_from(5.0).is_err());
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn score_from(&mut self, from: f64) -> Result<()> {
        let (t0, t1) = (self.window.t0(), self.window.t1());
        if !(from.is_finite() && t0 <= from && from <= t1) {
            return Err(DiffppError::InvalidArgument {
                name: "from",
                reason: format!(
                    "the scored-from time {from} is not a finite time in the trace's window [{t0}, {t1}]"
                ),
            });
        }
        let k0 = self.times.partition_point(|&t| t < from);
        self.scored_from = k0;
        self.log_q = if k0 == 0 && from == t0 {
            self.log_q_whole
        } else {
            // the sampler's formula and summation order on the scored part
            let scored = &self.log_terms[k0..];
            let sum_terms = scored.iter().fold(0.0, |acc, &term| acc + term);
            scored.len() as f64 * self.rate.ln() - self.rate * (t1 - from) + sum_terms
        };
        Ok(())
    }

    /// Index `k0` of the first scored candidate (see [`score_from`](Self::score_from)); 0
    /// (every candidate scored) after sampling or evaluating.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 4.0)?, diffpp::Mode::soft(0.5)?);
    /// let mut t = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
    /// assert_eq!(t.scored_from(), 0);
    /// t.score_from(4.0)?; // nothing scored
    /// assert_eq!((t.scored_from(), t.log_q()), (t.len(), 0.0));
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn scored_from(&self) -> usize {
        self.scored_from
    }

    fn reset(&mut self, n_hidden: usize, mode: Mode, window: Window, rate: f64, support: f64) {
        self.n_hidden = n_hidden;
        self.mode = mode;
        self.window = window;
        self.rate = rate;
        self.support = support;
        self.times.clear();
        self.gumbel.clear();
        self.has_noise = false;
        self.alpha.clear();
        self.y.clear();
        self.weights.clear();
        self.categories.clear();
        self.history_start.clear();
        self.log_terms.clear();
        self.log_q = 0.0;
        self.log_q_whole = 0.0;
        self.scored_from = 0;
    }
}

impl Default for Trace {
    fn default() -> Self {
        Self::empty()
    }
}

/// The ∂PP sampler configuration: an observation window and a [`Mode`].
///
/// ```
/// use diffpp::{DiffPP, LinearSigmoidModel, Mode, Noise};
/// use rand::SeedableRng;
/// let model = LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0, 2.0], 1.0)?;
/// let window = pp_core::Window::new(0.0, 5.0)?;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(9);
/// let noise = DiffPP::draw_noise(&model, window, &mut rng)?;
/// // the same noise in soft and hard mode (common random numbers)
/// let soft = DiffPP::new(window, Mode::soft(0.1)?).sample_with_noise(&model, &noise)?;
/// let hard = DiffPP::new(window, Mode::Hard).sample_with_noise(&model, &noise)?;
/// assert_eq!(soft.len(), hard.len());
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffPP {
    window: Window,
    mode: Mode,
}

/// Checks a model's self-description.
pub(crate) fn check_model<M: SoftHiddenIntensity + ?Sized>(model: &M) -> Result<(f64, f64)> {
    let h = model.n_hidden();
    if h == 0 {
        return Err(DiffppError::InvalidModel {
            what: "n_hidden",
            value: 0.0,
            reason: "need at least one hidden dimension",
        });
    }
    let rate = model.candidate_rate();
    if !(rate.is_finite() && rate > 0.0) {
        return Err(DiffppError::InvalidModel {
            what: "candidate_rate",
            value: rate,
            reason: "need a finite rate > 0",
        });
    }
    let support = model.support();
    if support.is_nan() || support < 0.0 {
        return Err(DiffppError::InvalidModel {
            what: "support",
            value: support,
            reason: "need a support >= 0 (infinity allowed)",
        });
    }
    Ok((rate, support))
}

impl DiffPP {
    /// A sampler on `window` in `mode` (validated: use [`Mode::soft`] or check the temperature
    /// yourself; an invalid temperature is reported by the sampling methods).
    ///
    /// ```
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 1.0)?, diffpp::Mode::Hard);
    /// assert_eq!(dpp.mode(), diffpp::Mode::Hard);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn new(window: Window, mode: Mode) -> Self {
        Self { window, mode }
    }

    /// The window.
    ///
    /// ```
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 1.0)?, diffpp::Mode::Hard);
    /// assert_eq!(dpp.window().t1(), 1.0);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn window(&self) -> Window {
        self.window
    }

    /// The mode.
    ///
    /// ```
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 1.0)?, diffpp::Mode::soft(0.2)?);
    /// assert_eq!(dpp.mode().tau(), Some(0.2));
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Draws the noise of one run for `model` on `window`: candidates at rate
    /// `model.candidate_rate()` and Gumbel vectors of `H + 1` entries.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let model = diffpp::LinearSigmoidModel::new(3, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let noise = diffpp::DiffPP::draw_noise(&model, pp_core::Window::new(0.0, 1.0)?,
    ///     &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
    /// assert_eq!(noise.n_categories(), 4);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn draw_noise<M: SoftHiddenIntensity + ?Sized, R: Rng + ?Sized>(
        model: &M,
        window: Window,
        rng: &mut R,
    ) -> Result<Noise> {
        let (rate, _) = check_model(model)?;
        Noise::draw(rng, window, rate, model.n_hidden() + 1)
    }

    /// Draws noise and samples (see [`sample_with_noise`](Self::sample_with_noise)).
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 3.0)?, diffpp::Mode::soft(0.5)?);
    /// let a = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
    /// let b = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
    /// assert_eq!(a, b); // same seed, same bits
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn sample<M: SoftHiddenIntensity + ?Sized, R: Rng + ?Sized>(
        &self,
        model: &M,
        rng: &mut R,
    ) -> Result<Trace> {
        let noise = Self::draw_noise(model, self.window, rng)?;
        self.sample_with_noise(model, &noise)
    }

    /// Runs the ∂PP with the given noise (common random numbers): for each candidate `s_k`,
    /// `α_k` from (5.1) given the soft history of earlier candidates inside the model's
    /// support, then the mark from `g_k`. Returns the trace with `log q` (5.2).
    ///
    /// Errors: invalid temperature or model description, noise with the wrong number of
    /// categories or times outside the window, a non-finite log-intensity, and a bound
    /// violation `Σ_h λ_h(s_k) >= λ̄` ([`DiffppError::BoundViolation`], never clipped;
    /// equality is an error too, since the 'none' category would have probability 0).
    ///
    /// ```
    /// let model = diffpp::LinearSigmoidModel::new(1, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let noise = diffpp::Noise::new(vec![0.5, 0.7], vec![3.0, 0.0, 0.0, 3.0], 2)?;
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 1.0)?, diffpp::Mode::Hard);
    /// let t = dpp.sample_with_noise(&model, &noise)?;
    /// // λ = 5 σ(0) = 2.5 of λ̄ ≈ 5: log-probabilities ≈ (ln ½, ln ½), so the noise decides
    /// assert_eq!(t.categories(), &[0, 1]);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn sample_with_noise<M: SoftHiddenIntensity + ?Sized>(
        &self,
        model: &M,
        noise: &Noise,
    ) -> Result<Trace> {
        let mut trace = Trace::empty();
        self.sample_with_noise_into(model, noise, &mut trace)?;
        trace.gumbel.extend_from_slice(noise.gumbel());
        trace.has_noise = true;
        Ok(trace)
    }

    /// [`sample_with_noise`](Self::sample_with_noise) into a reused trace (no allocation once
    /// the trace's buffers are large enough).
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let w = pp_core::Window::new(0.0, 3.0)?;
    /// let dpp = diffpp::DiffPP::new(w, diffpp::Mode::soft(0.5)?);
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let mut noise = diffpp::DiffPP::draw_noise(&model, w, &mut rng)?;
    /// let mut trace = diffpp::Trace::empty();
    /// for _ in 0..3 {
    ///     noise.redraw(&mut rng, w, model.candidate_rate(), 3)?;
    ///     dpp.sample_with_noise_into(&model, &noise, &mut trace)?;
    /// }
    /// # use diffpp::SoftHiddenIntensity;
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn sample_with_noise_into<M: SoftHiddenIntensity + ?Sized>(
        &self,
        model: &M,
        noise: &Noise,
        trace: &mut Trace,
    ) -> Result<()> {
        let mode = self.mode.validate()?;
        let (rate, support) = check_model(model)?;
        let h = model.n_hidden();
        let n = h + 1;
        if noise.n_categories() != n {
            return Err(DiffppError::LengthMismatch {
                what: "noise categories (H + 1)",
                expected: n,
                found: noise.n_categories(),
            });
        }
        if let (Some(&first), Some(&last)) = (noise.times().first(), noise.times().last())
            && (!self.window.contains(first) || !self.window.contains(last))
        {
            return Err(DiffppError::InvalidNoise {
                reason: format!(
                    "candidate times [{first}, {last}] are not inside the window [{}, {}]",
                    self.window.t0(),
                    self.window.t1()
                ),
            });
        }
        let m = noise.len();
        trace.reset(h, mode, self.window, rate, support);
        trace.times.extend_from_slice(noise.times());
        // the caller holds the noise: no second copy of `M·(H + 1)` floats
        trace.has_noise = false;
        trace.alpha.resize(m * n, 0.0);
        trace.y.resize(m * n, 0.0);
        trace.weights.resize(m * h, 0.0);
        trace.categories.resize(m, 0);
        trace.history_start.resize(m, 0);
        trace.log_terms.resize(m, 0.0);
        let log_rate = rate.ln();
        let constant = mode.tau().map_or(0.0, |tau| log_density_constant(n, tau));
        let mut start = 0usize;
        let mut sum_terms = 0.0;
        for k in 0..m {
            let s = trace.times[k];
            start = advance_start(&trace.times, start, k, s, support);
            trace.history_start[k] = start;
            {
                let (done_w, _) = trace.weights.split_at(k * h);
                let hist = SoftEvents::from_sorted_unchecked(
                    &trace.times[start..k],
                    &done_w[start * h..],
                    h,
                );
                let alpha_k = &mut trace.alpha[k * n..(k + 1) * n];
                alpha_at(model, k, s, hist, log_rate, rate, alpha_k)?;
            }
            let alpha_k = &trace.alpha[k * n..(k + 1) * n];
            let g_k = noise.gumbel_of(k);
            let c = hard_unchecked(alpha_k, g_k);
            trace.categories[k] = c;
            let y_k = &mut trace.y[k * n..(k + 1) * n];
            let term = match mode {
                Mode::Soft { tau } => {
                    expconcrete_sample(tau, alpha_k, g_k, y_k);
                    // (4.1) at the reparameterised sample depends on the noise alone
                    constant + noise.density_terms()[k]
                }
                Mode::Hard => {
                    y_k.fill(f64::NEG_INFINITY);
                    y_k[c] = 0.0;
                    alpha_k[c]
                }
            };
            // d = exp(y) exactly as `evaluate` computes it, so that evaluating a sample
            // reproduces it bit for bit
            for j in 0..h {
                trace.weights[k * h + j] = trace.y[k * n + j].exp();
            }
            trace.log_terms[k] = term;
            sum_terms += term;
        }
        trace.log_q = m as f64 * log_rate - rate * self.window.duration() + sum_terms;
        trace.log_q_whole = trace.log_q;
        if !trace.log_q.is_finite() {
            return Err(DiffppError::Core(pp_core::PpError::Numerical {
                what: "dPP log density",
                detail: format!("log q = {} is not finite", trace.log_q),
            }));
        }
        Ok(())
    }

    /// Evaluates a given soft realisation (candidate times and marks `y`, `[M][H + 1]`) under
    /// `model`: recomputes `α_k` (5.1) from the soft history `d_k = exp(y_k)[0..H]` and returns
    /// a trace with `log q` (5.2) but no noise. This is the hidden part of the model density
    /// `log p(H; θ)` at a sample drawn from another model `q`, and the trace feeds
    /// [`gradient_fixed_sample`](crate::gradient_fixed_sample).
    ///
    /// Soft mode only. Each `y_k` must be finite and normalised: `|logsumexp y_k| <= 1e-6`
    /// (the formula is then evaluated at `y` as given).
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let model = diffpp::LinearSigmoidModel::new(2, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 3.0)?, diffpp::Mode::soft(0.5)?);
    /// let t = dpp.sample(&model, &mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
    /// let e = dpp.evaluate(&model, t.times(), t.y())?;
    /// assert!((e.log_q() - t.log_q()).abs() < 1e-9 * t.log_q().abs().max(1.0));
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn evaluate<M: SoftHiddenIntensity + ?Sized>(
        &self,
        model: &M,
        times: &[f64],
        y: &[f64],
    ) -> Result<Trace> {
        let mut trace = Trace::empty();
        self.evaluate_into(model, times, y, &mut trace)?;
        Ok(trace)
    }

    /// [`evaluate`](Self::evaluate) into a reused trace.
    ///
    /// ```
    /// let model = diffpp::LinearSigmoidModel::new(1, 5.0, 1e-6, vec![0.0], 1.0)?;
    /// let dpp = diffpp::DiffPP::new(pp_core::Window::new(0.0, 1.0)?, diffpp::Mode::soft(0.5)?);
    /// let mut trace = diffpp::Trace::empty();
    /// dpp.evaluate_into(&model, &[0.5], &[0.5f64.ln(), 0.5f64.ln()], &mut trace)?;
    /// assert_eq!(trace.len(), 1);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn evaluate_into<M: SoftHiddenIntensity + ?Sized>(
        &self,
        model: &M,
        times: &[f64],
        y: &[f64],
        trace: &mut Trace,
    ) -> Result<()> {
        const TOLERANCE: f64 = 1e-6;
        let mode = self.mode.validate()?;
        let Mode::Soft { tau } = mode else {
            return Err(DiffppError::ModeMismatch {
                reason: "evaluate needs soft mode (hard realisations have no ExpConcrete density)",
            });
        };
        let (rate, support) = check_model(model)?;
        let h = model.n_hidden();
        let n = h + 1;
        let m = times.len();
        if y.len() != m * n {
            return Err(DiffppError::LengthMismatch {
                what: "soft marks y (candidates × (H + 1))",
                expected: m * n,
                found: y.len(),
            });
        }
        // validates the times (order, finiteness) with the same rules as supplied noise
        let mut previous = f64::NEG_INFINITY;
        for (index, &t) in times.iter().enumerate() {
            if !t.is_finite() {
                return Err(DiffppError::NonFinite {
                    what: "candidate time",
                    index,
                    value: t,
                });
            }
            if t <= previous || !self.window.contains(t) {
                return Err(DiffppError::InvalidNoise {
                    reason: format!(
                        "candidate {index} at time {t} is not after the previous one ({previous}) or outside the window"
                    ),
                });
            }
            previous = t;
        }
        for (index, &value) in y.iter().enumerate() {
            if !value.is_finite() {
                return Err(DiffppError::NonFinite {
                    what: "soft mark y",
                    index,
                    value,
                });
            }
        }
        for k in 0..m {
            let log_sum = logsumexp(&y[k * n..(k + 1) * n]);
            if log_sum.abs() > TOLERANCE {
                return Err(DiffppError::NotNormalised {
                    index: k,
                    log_sum,
                    tolerance: TOLERANCE,
                });
            }
        }
        trace.reset(h, mode, self.window, rate, support);
        trace.times.extend_from_slice(times);
        trace.y.extend_from_slice(y);
        trace.alpha.resize(m * n, 0.0);
        trace.weights.resize(m * h, 0.0);
        trace.categories.resize(m, 0);
        trace.history_start.resize(m, 0);
        trace.log_terms.resize(m, 0.0);
        for k in 0..m {
            for j in 0..h {
                trace.weights[k * h + j] = y[k * n + j].exp();
            }
        }
        let log_rate = rate.ln();
        let mut start = 0usize;
        let mut sum_terms = 0.0;
        for k in 0..m {
            let s = times[k];
            start = advance_start(times, start, k, s, support);
            trace.history_start[k] = start;
            let hist = SoftEvents::from_sorted_unchecked(
                &times[start..k],
                &trace.weights[start * h..k * h],
                h,
            );
            let alpha_k = &mut trace.alpha[k * n..(k + 1) * n];
            alpha_at(model, k, s, hist, log_rate, rate, alpha_k)?;
            let y_k = &y[k * n..(k + 1) * n];
            trace.categories[k] = crate::numeric::argmax(y_k).unwrap_or(h);
            let term = log_density_unchecked(tau, alpha_k, y_k);
            trace.log_terms[k] = term;
            sum_terms += term;
        }
        trace.log_q = m as f64 * log_rate - rate * self.window.duration() + sum_terms;
        trace.log_q_whole = trace.log_q;
        if !trace.log_q.is_finite() {
            return Err(DiffppError::Core(pp_core::PpError::Numerical {
                what: "dPP log density",
                detail: format!("log q = {} is not finite", trace.log_q),
            }));
        }
        Ok(())
    }
}

/// First index `>= start` of a candidate inside the support window `(s − support, s)`.
#[inline]
fn advance_start(times: &[f64], mut start: usize, k: usize, s: f64, support: f64) -> usize {
    let cutoff = s - support;
    while start < k && times[start] <= cutoff {
        start += 1;
    }
    start
}

/// Fills `alpha_k` (length `H + 1`) with (5.1) at candidate `k`.
#[inline]
fn alpha_at<M: SoftHiddenIntensity + ?Sized>(
    model: &M,
    k: usize,
    s: f64,
    hist: SoftEvents<'_>,
    log_rate: f64,
    rate: f64,
    alpha_k: &mut [f64],
) -> Result<()> {
    let h = alpha_k.len() - 1;
    let slack = model.hidden_log_intensities_and_slack(s, hist, &mut alpha_k[..h]);
    for (hidden, a) in alpha_k[..h].iter_mut().enumerate() {
        if !a.is_finite() {
            return Err(DiffppError::NonFiniteIntensity {
                candidate: k,
                time: s,
                hidden,
                value: *a,
            });
        }
        *a -= log_rate;
    }
    if let Some(log_slack) = slack {
        // the model's own log(λ̄ − Σ λ_h) (at most log λ̄ up to rounding); a bound violation
        // makes it NaN or −inf
        if log_slack.is_finite() {
            alpha_k[h] = (log_slack - log_rate).min(0.0);
            return Ok(());
        }
        return Err(DiffppError::BoundViolation {
            candidate: k,
            time: s,
            total: rate * logsumexp(&alpha_k[..h]).exp(),
            rate,
        });
    }
    match complement(&alpha_k[..h]) {
        Ok(last) => {
            alpha_k[h] = last;
            Ok(())
        }
        Err(DiffppError::SumNotBelowOne { log_sum }) => Err(DiffppError::BoundViolation {
            candidate: k,
            time: s,
            total: rate * log_sum.exp(),
            rate,
        }),
        Err(e) => Err(e),
    }
}
