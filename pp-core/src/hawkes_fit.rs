//! Maximum-likelihood fitting of the multivariate exponential Hawkes process (docs/math.md §1)
//! for a fixed decay `β`, as tick's `HawkesExpKern` (derivation and method:
//! `pp-core/docs/derivations/exp_hawkes_fit.md`).
//!
//! For a fixed `β` the log-likelihood separates into one problem per target dimension `i`, in
//! the `D + 1` parameters `θ_i = (μ_i, α_{i0}, …, α_{i,D−1})`:
//!
//! ```text
//! ℓ_i(θ_i) = Σ_{e: i_e = i} log(x_eᵀ θ_i) − cᵀ θ_i,
//! x_e = (1, β R_0(t_e), …, β R_{D−1}(t_e)),   c = (T, W_0, …, W_{D−1}),
//! ```
//!
//! with `R_j(t) = Σ_{t_e' < t, i_e' = j} e^{−β (t − t_e')}` and `W_j = Σ_{e: i_e = j}
//! (1 − e^{−β (T1 − t_e)})`. Each `ℓ_i` is concave (a sum of logarithms of linear functions
//! minus a linear function), `x_e` and `c` depend on `β` only, so they are computed once
//! ([`ExpHawkesFitter::new`], O(n·D) time and memory, one exponential per event), and each row
//! is maximised by a projected Newton method (Bertsekas 1982) on the box `μ_i ≥ floor`,
//! `α_{ij} ≥ 0`: exact gradient and Hessian in one O(n_i·D²) pass without exponentials, a
//! Newton step on the coordinates that are not held at their bound, an Armijo search along the
//! projection arc. The Hessian at the optimum is the observed Fisher information, from which
//! [`HawkesFit::standard_errors`] come.
//!
//! [`fit_exp_hawkes_decay`] fits `β` too, by Newton's method on the profile log-likelihood in
//! `log β` (slope from the envelope theorem, curvature from the exact `β` row of the Hessian).

use crate::error::{PpError, Result};
use crate::fastmath::{LogSum, exp_neg};
use crate::hawkes::ExpHawkes;
use crate::intensity::{LogLikelihoodGradient, Parametric};
use crate::sequence::EventSequence;

/// Events are processed in blocks of this many: when the recursive sums are built, the decay
/// factors of a block are computed first (independent iterations, which vectorise); the sums
/// of each target dimension are stored by blocks of this many events, column major within a
/// block, so that the loops of the iterations run over contiguous columns.
const BLOCK: usize = 64;

/// Sufficient-increase constant of the Armijo search.
const ARMIJO: f64 = 1e-4;

/// Step halvings before the line search gives up (`2^−60 ≈ 1e-18`).
const MAX_HALVINGS: usize = 60;

/// Where the Newton iterations start.
///
/// ```
/// use pp_core::{ExpHawkes, HawkesFitOptions, InitialPoint};
/// let warm = ExpHawkes::new(vec![0.5], vec![0.2], 1.0)?;
/// let options = HawkesFitOptions { initial: InitialPoint::Model(warm), ..Default::default() };
/// assert!(options.check().is_ok());
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum InitialPoint {
    /// Half of each dimension's events attributed to the baseline and half to excitation,
    /// spread evenly over the sources: `μ_i = n_i / (2T)`, `α_{ij} = n_i / (2 Σ_j W_j)` (so
    /// that the compensator of every dimension equals its number of events, as it does at the
    /// optimum).
    #[default]
    Balanced,
    /// A warm start from the `μ` and `α` of a model of the same dimension (its `β` is not
    /// used): `μ` is raised to the floor, then every row is rescaled so that its compensator
    /// equals its number of events (the best multiple of the row, in closed form).
    Model(ExpHawkes),
}

/// Options of [`fit_exp_hawkes`], [`ExpHawkesFitter::fit`] and [`fit_exp_hawkes_decay`].
///
/// ```
/// use pp_core::HawkesFitOptions;
/// let options = HawkesFitOptions { tolerance: 1e-10, ..Default::default() };
/// assert!(options.check().is_ok());
/// assert!(HawkesFitOptions { max_iterations: 0, ..Default::default() }.check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HawkesFitOptions {
    /// A dimension's iterations stop when the log-likelihood gain predicted by its next
    /// projected Newton step (half the Newton decrement on the free coordinates, plus the
    /// first-order gain of moving the held coordinates onto their bound) is at most this many
    /// nats, and its held coordinates are on their bound. Then every free coordinate's gradient
    /// is at most `√(2 tolerance)` times the square root of its information (the estimate is
    /// within about `√(2 tolerance)` standard errors of the optimum). Newton converges
    /// quadratically near the optimum, so a smaller tolerance costs about one more iteration.
    /// With a fitted `β`, the same bound on the predicted gain of a `β` step. Default `1e-8`;
    /// must be finite and `> 0`.
    pub tolerance: f64,
    /// Newton iterations allowed per dimension (each target dimension is a separate problem),
    /// and Newton steps in `β` when it is fitted. Reaching it is not an error: the fit reports
    /// `converged: false`. Default 100; `>= 1`.
    pub max_iterations: usize,
    /// Where the iterations start. Default [`InitialPoint::Balanced`].
    pub initial: InitialPoint,
    /// The lower bound of every baseline `μ_i`, as a fraction of the mean event rate per
    /// dimension `n / (D T)` (`ExpHawkes` needs `μ_i > 0`; the supremum of the likelihood of a
    /// dimension without events is at `μ_i → 0`). A baseline that ends at the floor is reported
    /// as at its bound. Default `1e-10`; must be finite and in `(0, 1)`.
    pub baseline_floor: f64,
}

impl Default for HawkesFitOptions {
    fn default() -> Self {
        Self {
            tolerance: 1e-8,
            max_iterations: 100,
            initial: InitialPoint::Balanced,
            baseline_floor: 1e-10,
        }
    }
}

impl HawkesFitOptions {
    /// Checks the options' domains ([`PpError::InvalidArgument`] naming the option).
    ///
    /// ```
    /// use pp_core::{HawkesFitOptions, PpError};
    /// let bad = HawkesFitOptions { tolerance: f64::NAN, ..Default::default() };
    /// assert!(matches!(bad.check(), Err(PpError::InvalidArgument { name: "tolerance", .. })));
    /// ```
    pub fn check(&self) -> Result<()> {
        if !(self.tolerance.is_finite() && self.tolerance > 0.0) {
            return Err(PpError::InvalidArgument {
                name: "tolerance",
                reason: format!("must be finite and > 0, got {}", self.tolerance),
            });
        }
        if self.max_iterations == 0 {
            return Err(PpError::InvalidArgument {
                name: "max_iterations",
                reason: "at least one iteration is needed".into(),
            });
        }
        if !(self.baseline_floor > 0.0 && self.baseline_floor < 1.0) {
            return Err(PpError::InvalidArgument {
                name: "baseline_floor",
                reason: format!("must be in (0, 1), got {}", self.baseline_floor),
            });
        }
        Ok(())
    }
}

/// Why the iterations of a fit stopped (for a whole fit: the worst over its dimensions, in the
/// order below).
///
/// ```
/// assert!(pp_core::FitStop::Converged < pp_core::FitStop::MaxIterations);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FitStop {
    /// The predicted gain fell below the tolerance.
    Converged,
    /// The iteration limit was reached first.
    MaxIterations,
    /// The line search found no sufficient increase within 60 halvings of the step (rounding
    /// dominates: the tolerance is below what the data's precision allows).
    LineSearch,
}

/// The result of a fit: the fitted model, the log-likelihood it reaches, how the iterations
/// ended, and the observed Fisher information for standard errors.
///
/// ```
/// use pp_core::{EventSequence, HawkesFitOptions, Window, fit_exp_hawkes};
/// let seq = EventSequence::new(
///     Window::new(0.0, 10.0)?, 1, vec![0.5, 0.6, 0.7, 3.0, 6.0, 6.1, 8.0], vec![0; 7],
/// )?;
/// let fit = fit_exp_hawkes([&seq], 2.0, &HawkesFitOptions::default())?;
/// assert!(fit.converged);
/// assert_eq!(fit.model.beta(), 2.0);
/// assert!(fit.log_likelihood.is_finite());
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct HawkesFit {
    /// The fitted model (`β` as given, or fitted by [`fit_exp_hawkes_decay`]).
    pub model: ExpHawkes,
    /// Its log-likelihood, summed over the sequences, evaluated by
    /// [`ExpHawkes::log_likelihood_gradient`] (independently of the fitter's own sums).
    pub log_likelihood: f64,
    /// The exact gradient of the log-likelihood at the fitted model, in the order of
    /// [`Parametric::params`] (`μ`, `α` row major, `β`).
    pub gradient: Vec<f64>,
    /// The largest absolute projected gradient over `μ` and `α` (and `β` if it was fitted):
    /// `|∂ℓ/∂θ_k|` for a parameter inside its domain, `max(∂ℓ/∂θ_k, 0)` for one at its lower
    /// bound (KKT).
    pub projected_gradient_norm: f64,
    /// Newton iterations of the slowest dimension (each target dimension is a separate
    /// problem); with a fitted `β`, summed over the fits at each decay tried.
    pub iterations: usize,
    /// Newton iterations summed over the dimensions (and the decays tried).
    pub total_iterations: usize,
    /// Whether `β` was fitted ([`fit_exp_hawkes_decay`]).
    pub decay_fitted: bool,
    /// Newton iterations on `log β` (0 if `β` was fixed).
    pub decay_iterations: usize,
    /// Whether every dimension (and the decay, if fitted) met the tolerance.
    pub converged: bool,
    /// Why the iterations stopped (the worst over the dimensions and the decay).
    pub stop: FitStop,
    /// Number of events fitted.
    pub n_events: usize,
    /// Per parameter of `μ` and `α` (order of [`Parametric::params`] without `β`): whether it
    /// ended at its lower bound (`α_{ij} = 0`, or `μ_i` at the floor).
    pub at_bound: Vec<bool>,
    /// Row `i`'s observed information, `(D + 1)²` row major in `(μ_i, α_{i0}, …, α_{i,D−1})`.
    information: Vec<f64>,
    /// The information's `β` row when `β` was fitted.
    decay: Option<DecayInformation>,
}

/// The `β` row of the observed information: `−∂²ℓ/∂β²` and `−∂²ℓ/∂θ∂β` for every row's
/// coordinates `θ_i = (μ_i, α_{i·})` (`D (D + 1)` values, row after row).
#[derive(Debug, Clone, PartialEq)]
struct DecayInformation {
    beta_beta: f64,
    cross: Vec<f64>,
}

impl HawkesFit {
    /// The observed Fisher information of target dimension `i`'s parameters `(μ_i, α_{i0}, …,
    /// α_{i,D−1})` at the fitted model: the negative Hessian of the log-likelihood,
    /// `Σ_{e: i_e = i} x_e x_eᵀ / λ_e²`, `(D + 1) × (D + 1)` row major. Parameters of different
    /// target dimensions are uncoupled for a fixed `β` (the information is block diagonal).
    /// `None` if `i >= D`.
    ///
    /// ```
    /// use pp_core::{EventSequence, HawkesFitOptions, Window, fit_exp_hawkes};
    /// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 1, vec![1.0, 1.2, 5.0], vec![0; 3])?;
    /// let fit = fit_exp_hawkes([&seq], 1.0, &HawkesFitOptions::default())?;
    /// let block = fit.information_block(0).unwrap();
    /// assert_eq!(block.len(), 4);
    /// assert!(block[0] > 0.0 && block[1] == block[2]); // Σ 1/λ², symmetric
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn information_block(&self, i: usize) -> Option<&[f64]> {
        let m = self.model.mu().len() + 1;
        self.information.get(i * m * m..(i + 1) * m * m)
    }

    /// When `β` was fitted, its row of the observed information: `(−∂²ℓ/∂β², c)` with `c` the
    /// `D (D + 1)` values `−∂²ℓ/∂θ_{i,k} ∂β` for `θ_i = (μ_i, α_{i0}, …, α_{i,D−1})`, row `i`
    /// after row `i` (the layout of [`information_block`](Self::information_block)). `None`
    /// for a fixed `β`.
    ///
    /// ```
    /// use pp_core::{EventSequence, HawkesFitOptions, Window, fit_exp_hawkes, fit_exp_hawkes_decay};
    /// let seq = EventSequence::new(
    ///     Window::new(0.0, 20.0)?, 1, vec![0.5, 0.6, 0.7, 3.0, 6.0, 6.1, 8.0, 12.0, 12.2], vec![0; 9],
    /// )?;
    /// let fit = fit_exp_hawkes_decay([&seq], 1.0, &HawkesFitOptions::default())?;
    /// let (beta_beta, cross) = fit.decay_information().unwrap();
    /// assert!(beta_beta.is_finite() && cross.len() == 2);
    /// assert!(fit_exp_hawkes([&seq], 1.0, &HawkesFitOptions::default())?.decay_information().is_none());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn decay_information(&self) -> Option<(f64, &[f64])> {
        self.decay
            .as_ref()
            .map(|x| (x.beta_beta, x.cross.as_slice()))
    }

    /// Standard errors from the observed Fisher information (the inverse of the negative
    /// Hessian at the optimum, restricted to the parameters inside their domain). A parameter
    /// at its bound (`α_{ij} = 0`, `μ_i` at the floor) gets `None`: the asymptotic normal
    /// approximation does not hold there, and it is held fixed when the others' errors are
    /// computed. `beta` is `None` for a fixed `β`; when `β` was fitted, the information couples
    /// all rows through `β`, and the errors come from the block inverse (the Schur complement
    /// `s = I_ββ − Σ_i i_iᵀ I_i⁻¹ i_i` gives `var β = 1/s`, `var θ_k = (I_i⁻¹)_kk +
    /// (I_i⁻¹ i_i)_k² / s`).
    ///
    /// Errors: [`PpError::Numerical`] if the information of the free parameters of some
    /// dimension (or the Schur complement of `β`) is not positive: parameters not identifiable
    /// from the data.
    ///
    /// ```
    /// use pp_core::{EventSequence, HawkesFitOptions, Window, fit_exp_hawkes};
    /// let seq = EventSequence::new(
    ///     Window::new(0.0, 10.0)?, 1, vec![0.5, 0.6, 0.7, 3.0, 6.0, 6.1, 8.0], vec![0; 7],
    /// )?;
    /// let fit = fit_exp_hawkes([&seq], 2.0, &HawkesFitOptions::default())?;
    /// let se = fit.standard_errors()?;
    /// assert!(se.mu[0].unwrap() > 0.0);
    /// assert_eq!(se.beta, None);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    #[cfg(feature = "linalg")]
    pub fn standard_errors(&self) -> Result<StandardErrors> {
        use nalgebra::{DMatrix, DVector};
        let d = self.model.mu().len();
        let m = d + 1;
        // Per row: the free coordinates, the inverse of their information block and, with a
        // fitted β, I_i⁻¹ i_i (i_i: the row's β column on its free coordinates).
        let mut rows = Vec::with_capacity(d);
        let mut schur = self.decay.as_ref().map(|x| x.beta_beta);
        for i in 0..d {
            let block = &self.information[i * m * m..(i + 1) * m * m];
            // Row coordinate k ↦ its index in at_bound: μ_i, then α_{i, k−1}.
            let index = |k: usize| if k == 0 { i } else { d + i * d + k - 1 };
            let free: Vec<usize> = (0..m).filter(|&k| !self.at_bound[index(k)]).collect();
            let sub = DMatrix::from_fn(free.len(), free.len(), |a, b| block[free[a] * m + free[b]]);
            let inverse = if free.is_empty() {
                sub
            } else {
                sub.cholesky()
                    .ok_or_else(|| PpError::Numerical {
                        what: "standard errors",
                        detail: format!(
                            "the observed information of dimension {i}'s free parameters is \
                             not positive definite (not identifiable from these events)"
                        ),
                    })?
                    .inverse()
            };
            let coupling = self.decay.as_ref().map(|x| {
                let column = DVector::from_fn(free.len(), |a, _| x.cross[i * m + free[a]]);
                let w = &inverse * &column;
                if let Some(s) = schur.as_mut() {
                    *s -= column.dot(&w);
                }
                w
            });
            rows.push((free, inverse, coupling));
        }
        let beta = match schur {
            None => None,
            Some(s) if s.is_finite() && s > 0.0 => Some(s),
            Some(s) => {
                return Err(PpError::Numerical {
                    what: "standard errors",
                    detail: format!(
                        "the information of beta given the other parameters is {s} (beta is not \
                         identifiable from these events)"
                    ),
                });
            }
        };
        let mut mu = vec![None; d];
        let mut alpha = vec![None; d * d];
        for (i, (free, inverse, coupling)) in rows.iter().enumerate() {
            for (a, &k) in free.iter().enumerate() {
                let mut variance = inverse[(a, a)];
                if let (Some(w), Some(s)) = (coupling, beta) {
                    variance += w[a] * w[a] / s;
                }
                if !(variance.is_finite() && variance > 0.0) {
                    return Err(PpError::Numerical {
                        what: "standard errors",
                        detail: format!("variance {variance} for dimension {i}, coordinate {k}"),
                    });
                }
                let se = Some(variance.sqrt());
                if k == 0 {
                    mu[i] = se;
                } else {
                    alpha[i * d + k - 1] = se;
                }
            }
        }
        Ok(StandardErrors {
            mu,
            alpha,
            beta: beta.map(|s| (1.0 / s).sqrt()),
        })
    }
}

/// Standard errors of the fitted parameters ([`HawkesFit::standard_errors`]); `None` for a
/// parameter at its bound (or not fitted).
///
/// ```
/// let se = pp_core::StandardErrors { mu: vec![Some(0.1)], alpha: vec![None], beta: None };
/// assert_eq!(se.mu[0], Some(0.1));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StandardErrors {
    /// Of each `μ_i`.
    pub mu: Vec<Option<f64>>,
    /// Of each `α_{ij}`, row major.
    pub alpha: Vec<Option<f64>>,
    /// Of `β` (`None`: held fixed).
    pub beta: Option<f64>,
}

/// The data of a fixed-`β` fit, computed once: for every event, grouped by target dimension,
/// the vector `β R(t_e)` (`D` values), and the compensator coefficients `T`, `W_j`. Fits from it
/// do no exponentials: each Newton iteration costs O(n·D²).
///
/// Memory: `n · D` floats (8 MB for 10⁵ events and `D = 10`).
///
/// ```
/// use pp_core::{EventSequence, ExpHawkesFitter, HawkesFitOptions, Window};
/// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 2, vec![1.0, 1.5, 4.0, 4.2], vec![0, 1, 0, 1])?;
/// let fitter = ExpHawkesFitter::new([&seq], 2.0)?;
/// assert_eq!((fitter.dim(), fitter.n_events(), fitter.beta()), (2, 4, 2.0));
/// let fit = fitter.fit(&HawkesFitOptions::default())?;
/// assert!(fit.converged);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExpHawkesFitter<'s> {
    sequences: Vec<&'s EventSequence>,
    dim: usize,
    beta: f64,
    /// `c = (T, W_0, …, W_{D−1})`, `T` the summed window durations.
    c: Vec<f64>,
    /// Events per target dimension, summed over the sequences.
    counts: Vec<usize>,
    /// `starts[i]..starts[i + 1]`: the storage of target `i`'s events in `x`
    /// (`⌈counts[i] / BLOCK⌉` blocks of `D · BLOCK` values).
    starts: Vec<usize>,
    /// `β R_j(t_e)` for the events of each target dimension in time order: event `e` of
    /// target `i` is in block `b = e / BLOCK`, at `starts[i] + b · D · BLOCK + j · BLOCK + e %
    /// BLOCK` (zero padding after the last event).
    x: Vec<f64>,
}

impl<'s> ExpHawkesFitter<'s> {
    /// Builds the fitting data for decay `beta` from one or several sequences of the same
    /// dimension (the log-likelihood is the sum over the sequences, each on its own window).
    ///
    /// Errors: no sequence or no event at all ([`PpError::InvalidArgument`]), sequences of
    /// different dimensions ([`PpError::DimensionMismatch`]), `beta` not finite and `> 0`
    /// ([`PpError::InvalidParameter`]), `β · n` overflowing ([`PpError::Numerical`]).
    ///
    /// ```
    /// use pp_core::{EventSequence, ExpHawkesFitter, PpError, Window};
    /// let w = Window::new(0.0, 1.0)?;
    /// let empty = EventSequence::empty(w, 2)?;
    /// assert!(matches!(ExpHawkesFitter::new([&empty], 1.0), Err(PpError::InvalidArgument { .. })));
    /// let seq = EventSequence::new(w, 2, vec![0.5], vec![0])?;
    /// assert!(matches!(ExpHawkesFitter::new([&seq], -1.0), Err(PpError::InvalidParameter { .. })));
    /// # Ok::<(), PpError>(())
    /// ```
    pub fn new<I>(sequences: I, beta: f64) -> Result<Self>
    where
        I: IntoIterator<Item = &'s EventSequence>,
    {
        let sequences: Vec<&EventSequence> = sequences.into_iter().collect();
        let Some(first) = sequences.first() else {
            return Err(PpError::InvalidArgument {
                name: "sequences",
                reason: "no sequence to fit".into(),
            });
        };
        let d = first.dim();
        if let Some(other) = sequences.iter().find(|s| s.dim() != d) {
            return Err(PpError::DimensionMismatch {
                what: "sequence (all sequences of a fit must have the first one's dimension)",
                expected: d,
                found: other.dim(),
            });
        }
        if !(beta.is_finite() && beta > 0.0) {
            return Err(PpError::InvalidParameter {
                name: "beta".into(),
                value: beta,
                reason: "the decay rate must be finite and > 0",
            });
        }
        let mut counts = vec![0usize; d];
        for seq in &sequences {
            for &m in seq.marks() {
                counts[m as usize] += 1;
            }
        }
        let n: usize = counts.iter().sum();
        if n == 0 {
            return Err(PpError::InvalidArgument {
                name: "sequences",
                reason: "no events: the likelihood has no maximum with μ > 0".into(),
            });
        }
        if !(beta * n as f64).is_finite() {
            return Err(PpError::Numerical {
                what: "Hawkes fit data",
                detail: format!("β · n = {beta} · {n} overflows"),
            });
        }
        let mut starts = Vec::with_capacity(d + 1);
        starts.push(0);
        for &k in &counts {
            starts.push(starts[starts.len() - 1] + k.div_ceil(BLOCK) * d * BLOCK);
        }
        let mut cursor = vec![0usize; d];
        let mut x = vec![0.0; starts[d]];
        let mut c = vec![0.0; d + 1];
        let mut r = vec![0.0; d];
        let mut decay = [0.0; BLOCK];
        for seq in &sequences {
            let w = seq.window();
            c[0] += w.duration();
            r.fill(0.0);
            let mut last = w.t0();
            for (times, marks) in seq.times().chunks(BLOCK).zip(seq.marks().chunks(BLOCK)) {
                let mut previous = last;
                for (f, &t) in decay.iter_mut().zip(times) {
                    *f = exp_neg(-beta * (t - previous));
                    previous = t;
                }
                for (&f, &m) in decay.iter().zip(marks) {
                    let i = m as usize;
                    let (block, lane) = (cursor[i] / BLOCK, cursor[i] % BLOCK);
                    let base = starts[i] + block * d * BLOCK + lane;
                    for (j, rj) in r.iter_mut().enumerate() {
                        *rj *= f;
                        x[base + j * BLOCK] = beta * *rj;
                    }
                    cursor[i] += 1;
                    r[i] += 1.0;
                }
                last = previous;
            }
            // W_j += n_j − R_j(T1⁺): Σ_e (1 − e^{−β (T1 − t_e)}) over the events of j.
            let f = exp_neg(-beta * (w.t1() - last));
            let seq_counts = seq.counts();
            for ((cj, rj), &nj) in c[1..].iter_mut().zip(&r).zip(&seq_counts) {
                *cj += nj as f64 - rj * f;
            }
        }
        Ok(Self {
            sequences,
            dim: d,
            beta,
            c,
            counts,
            starts,
            x,
        })
    }

    /// Number of dimensions `D`.
    ///
    /// ```
    /// # use pp_core::{EventSequence, ExpHawkesFitter, Window};
    /// let seq = EventSequence::new(Window::new(0.0, 1.0)?, 3, vec![0.5], vec![2])?;
    /// assert_eq!(ExpHawkesFitter::new([&seq], 1.0)?.dim(), 3);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The decay `β` the data were built for.
    ///
    /// ```
    /// # use pp_core::{EventSequence, ExpHawkesFitter, Window};
    /// let seq = EventSequence::new(Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
    /// assert_eq!(ExpHawkesFitter::new([&seq], 1.5)?.beta(), 1.5);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// Number of events over all sequences.
    ///
    /// ```
    /// # use pp_core::{EventSequence, ExpHawkesFitter, Window};
    /// let a = EventSequence::new(Window::new(0.0, 1.0)?, 1, vec![0.5], vec![0])?;
    /// let b = EventSequence::new(Window::new(0.0, 2.0)?, 1, vec![0.5, 1.5], vec![0, 0])?;
    /// assert_eq!(ExpHawkesFitter::new([&a, &b], 1.0)?.n_events(), 3);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn n_events(&self) -> usize {
        self.counts.iter().sum()
    }

    /// The log-likelihood at `μ`, `α` (and the fitter's `β`) from the precomputed data, O(n·D)
    /// without exponentials: `Σ_i ℓ_i(θ_i)`. Equal to [`ExpHawkes`]'s own log-likelihood summed
    /// over the sequences, up to rounding.
    ///
    /// ```
    /// use pp_core::{EventSequence, ExpHawkes, ExpHawkesFitter, LogLikelihood, Window};
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 2, vec![0.5, 1.0, 2.5], vec![0, 1, 0])?;
    /// let model = ExpHawkes::new(vec![0.5, 0.2], vec![0.3, 0.1, 0.2, 0.4], 1.5)?;
    /// let fitter = ExpHawkesFitter::new([&seq], 1.5)?;
    /// let ll = fitter.log_likelihood(model.mu(), model.alpha())?;
    /// assert!((ll - model.log_likelihood(&seq)?).abs() < 1e-12);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn log_likelihood(&self, mu: &[f64], alpha: &[f64]) -> Result<f64> {
        let d = self.dim;
        crate::hawkes::check_params(mu, alpha, self.beta)?;
        if mu.len() != d {
            return Err(PpError::DimensionMismatch {
                what: "parameters",
                expected: d,
                found: mu.len(),
            });
        }
        let mut theta = vec![0.0; d + 1];
        let mut lambda = vec![0.0; self.counts.iter().copied().max().unwrap_or(0)];
        let mut total = 0.0;
        for i in 0..d {
            theta[0] = mu[i];
            theta[1..].copy_from_slice(&alpha[i * d..(i + 1) * d]);
            let n = self.counts[i];
            total += row_value(self.row_x(i), d, &theta, &self.c, &mut lambda[..n]);
        }
        finite(total, "Hawkes fit log-likelihood")
    }

    /// The blocks of target `i`'s events.
    fn row_x(&self, i: usize) -> &[f64] {
        &self.x[self.starts[i]..self.starts[i + 1]]
    }

    /// Maximises the log-likelihood over `μ > 0` (at least the floor) and `α ≥ 0` for the
    /// fitter's `β`: one projected Newton problem of `D + 1` parameters per target dimension.
    ///
    /// A dimension without events gets `μ_i` at the floor and `α_{i·} = 0` (the supremum of its
    /// likelihood is at `μ_i → 0`), reported at their bounds. An excitation `α_{ij}` whose
    /// source never fired before an event of `i` does not change the event term, so its MLE is
    /// `0` (and it is not identifiable when `W_j = 0` too): it is held at 0, at its bound.
    ///
    /// Errors: bad options ([`HawkesFitOptions::check`]), a warm start of another dimension
    /// ([`PpError::DimensionMismatch`]), a non-finite value during the iterations
    /// ([`PpError::Numerical`]; not expected with valid data).
    ///
    /// ```
    /// use pp_core::{EventSequence, ExpHawkesFitter, HawkesFitOptions, Window};
    /// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 2, vec![1.0, 1.5, 4.0, 4.2], vec![0, 1, 0, 1])?;
    /// let fit = ExpHawkesFitter::new([&seq], 2.0)?.fit(&HawkesFitOptions::default())?;
    /// assert!(fit.projected_gradient_norm < 1e-3);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn fit(&self, options: &HawkesFitOptions) -> Result<HawkesFit> {
        options.check()?;
        let d = self.dim;
        let m = d + 1;
        let n = self.n_events();
        let floor =
            (options.baseline_floor * n as f64 / (d as f64 * self.c[0])).max(f64::MIN_POSITIVE);
        let mut lower = vec![0.0; m];
        lower[0] = floor;
        let warm = match &options.initial {
            InitialPoint::Balanced => None,
            InitialPoint::Model(model) => {
                if model.mu().len() != d {
                    return Err(PpError::DimensionMismatch {
                        what: "initial model",
                        expected: d,
                        found: model.mu().len(),
                    });
                }
                Some(model)
            }
        };
        let max_n = self.counts.iter().copied().max().unwrap_or(0);
        let mut ws = RowWorkspace::new(m, max_n);
        let mut mu = vec![0.0; d];
        let mut alpha = vec![0.0; d * d];
        let mut at_bound = vec![false; d + d * d];
        let mut information = vec![0.0; d * m * m];
        let (mut iterations, mut total_iterations) = (0, 0);
        let mut stop = FitStop::Converged;
        let w_total: f64 = self.c[1..].iter().sum();
        for i in 0..d {
            let theta = &mut ws.theta;
            match warm {
                None => {
                    let ni = self.counts[i] as f64;
                    theta[0] = ni / (2.0 * self.c[0]);
                    let a = if w_total > 0.0 {
                        ni / (2.0 * w_total)
                    } else {
                        0.0
                    };
                    theta[1..].fill(a);
                }
                Some(model) => {
                    theta[0] = model.mu()[i];
                    theta[1..].copy_from_slice(&model.alpha()[i * d..(i + 1) * d]);
                }
            }
            let outcome = self.fit_row(i, &lower, options, &mut ws)?;
            iterations = iterations.max(outcome.iterations);
            total_iterations += outcome.iterations;
            stop = stop.max(outcome.stop);
            mu[i] = ws.theta[0];
            alpha[i * d..(i + 1) * d].copy_from_slice(&ws.theta[1..]);
            at_bound[i] = ws.theta[0] <= floor;
            for j in 0..d {
                at_bound[d + i * d + j] = ws.theta[1 + j] <= 0.0;
            }
            information[i * m * m..(i + 1) * m * m].copy_from_slice(&ws.info);
        }
        let model = ExpHawkes::new(mu, alpha, self.beta)?;
        let mut gradient = vec![0.0; model.n_params()];
        let mut g = vec![0.0; model.n_params()];
        let mut log_likelihood = 0.0;
        for seq in &self.sequences {
            log_likelihood += model.log_likelihood_gradient(seq, &mut g)?;
            for (a, b) in gradient.iter_mut().zip(&g) {
                *a += b;
            }
        }
        let log_likelihood = finite(log_likelihood, "Hawkes fit log-likelihood")?;
        let projected_gradient_norm = gradient[..d + d * d]
            .iter()
            .zip(&at_bound)
            .map(|(&g, &bound)| if bound { g.max(0.0) } else { g.abs() })
            .fold(0.0, f64::max);
        Ok(HawkesFit {
            model,
            log_likelihood,
            gradient,
            projected_gradient_norm,
            iterations,
            total_iterations,
            decay_fitted: false,
            decay_iterations: 0,
            converged: stop == FitStop::Converged,
            stop,
            n_events: n,
            at_bound,
            information,
            decay: None,
        })
    }

    /// Projected Newton on row `i` from `ws.theta` (overwritten with the optimum); leaves the
    /// information at the final point in `ws.info`.
    fn fit_row(
        &self,
        i: usize,
        lower: &[f64],
        options: &HawkesFitOptions,
        ws: &mut RowWorkspace,
    ) -> Result<RowOutcome> {
        let d = self.dim;
        let m = d + 1;
        let n = self.counts[i];
        let xs = self.row_x(i);
        let c = &self.c;
        let RowWorkspace {
            theta,
            trial,
            grad,
            info,
            dir,
            hff,
            rhs,
            free,
            fixed,
            active,
            lambda,
            trial_lambda,
            zt,
            tiles,
        } = ws;
        if n == 0 {
            theta.copy_from_slice(lower);
            info.fill(0.0);
            return Ok(RowOutcome {
                iterations: 0,
                stop: FitStop::Converged,
            });
        }
        let mut lambda = &mut lambda[..n];
        let mut trial_lambda = &mut trial_lambda[..n];
        // Coordinates whose column of x is identically zero are held at 0 (the event term does
        // not depend on them and the compensator decreases in them).
        fixed.fill(false);
        for k in 1..m {
            fixed[k] = xs
                .chunks_exact(d * BLOCK)
                .all(|block| block[(k - 1) * BLOCK..k * BLOCK].iter().all(|&v| v == 0.0));
        }
        for k in 0..m {
            theta[k] = if fixed[k] {
                0.0
            } else if theta[k].is_finite() {
                theta[k].max(lower[k])
            } else {
                lower[k]
            };
        }
        // The best multiple of θ (f(sθ) = n log s + … − s cᵀθ is maximal at s = n / cᵀθ).
        let ctheta: f64 = c.iter().zip(theta.iter()).map(|(a, b)| a * b).sum();
        if ctheta > 0.0 && ctheta.is_finite() {
            let s = n as f64 / ctheta;
            for (t, &l) in theta.iter_mut().zip(lower) {
                *t = (*t * s).max(l);
            }
        }
        let mut value = finite(
            row_value(xs, d, theta, c, lambda),
            "Hawkes fit log-likelihood",
        )?;
        let mut iterations = 0;
        loop {
            row_derivatives(xs, d, lambda, c, grad, info, zt, tiles);
            // Held coordinates: at (or within one diagonal Newton step of) their bound with the
            // gradient pushing outwards (Bertsekas's ε-active set, with the diagonal scaling).
            free.clear();
            for k in 0..m {
                let h = info[k * m + k];
                active[k] = fixed[k] || (grad[k] < 0.0 && (theta[k] - lower[k]) * h <= -grad[k]);
                if !active[k] {
                    free.push(k);
                }
            }
            let nf = free.len();
            for (a, &p) in free.iter().enumerate() {
                rhs[a] = grad[p];
                for (b, &q) in free.iter().enumerate() {
                    hff[a * nf + b] = info[p * m + q];
                }
            }
            solve_spd(&mut hff[..nf * nf], nf, &mut rhs[..nf]);
            let mut gain_free = 0.0;
            let mut gain_held = 0.0;
            let mut held_inside = false;
            dir.fill(0.0);
            for (a, &p) in free.iter().enumerate() {
                dir[p] = rhs[a];
                gain_free += grad[p] * rhs[a];
            }
            for k in 0..m {
                if active[k] && !fixed[k] {
                    dir[k] = grad[k] / info[k * m + k];
                    gain_held -= grad[k] * (theta[k] - lower[k]);
                    held_inside |= theta[k] > lower[k];
                }
            }
            let predicted = 0.5 * gain_free + gain_held;
            if !predicted.is_finite() {
                return Err(PpError::Numerical {
                    what: "Hawkes fit",
                    detail: format!("dimension {i}: the Newton step is not finite"),
                });
            }
            // Converged: the predicted gain is small and every held coordinate is on its bound
            // (otherwise one more step puts it there, so that the gradient of every coordinate
            // inside the domain is small).
            if predicted <= options.tolerance && !held_inside {
                return Ok(RowOutcome {
                    iterations,
                    stop: FitStop::Converged,
                });
            }
            if iterations == options.max_iterations {
                return Ok(RowOutcome {
                    iterations,
                    stop: FitStop::MaxIterations,
                });
            }
            // Armijo search along the projection arc θ(s) = max(lower, θ + s d).
            let mut s = 1.0;
            let mut accepted = false;
            for _ in 0..MAX_HALVINGS {
                let mut expected = s * gain_free;
                for k in 0..m {
                    trial[k] = if fixed[k] {
                        0.0
                    } else {
                        (theta[k] + s * dir[k]).max(lower[k])
                    };
                    if active[k] && !fixed[k] {
                        expected += grad[k] * (trial[k] - theta[k]);
                    }
                }
                let v = row_value(xs, d, trial, c, trial_lambda);
                if v.is_finite() && v - value >= ARMIJO * expected {
                    theta.copy_from_slice(trial);
                    std::mem::swap(&mut lambda, &mut trial_lambda);
                    value = v;
                    accepted = true;
                    break;
                }
                s *= 0.5;
            }
            if !accepted {
                // θ is unchanged: `info` is still the information at θ.
                return Ok(RowOutcome {
                    iterations,
                    stop: FitStop::LineSearch,
                });
            }
            iterations += 1;
        }
    }
}

/// Fits a multivariate exponential Hawkes process by maximum likelihood for a fixed decay
/// `beta` (as tick's `HawkesExpKern`): `μ > 0`, `α ≥ 0`, one or several sequences.
/// Shorthand for [`ExpHawkesFitter::new`] then [`ExpHawkesFitter::fit`] (see both for the
/// errors and the treatment of dimensions without events).
///
/// ```
/// use pp_core::{EventSequence, HawkesFitOptions, Window, fit_exp_hawkes};
/// let seq = EventSequence::new(
///     Window::new(0.0, 20.0)?, 2,
///     vec![1.0, 1.1, 1.3, 5.0, 5.2, 9.0, 12.0, 12.1, 15.0, 18.0],
///     vec![0, 1, 0, 1, 1, 0, 0, 1, 1, 0],
/// )?;
/// let fit = fit_exp_hawkes([&seq], 3.0, &HawkesFitOptions::default())?;
/// assert!(fit.converged);
/// println!("μ = {:?}, α = {:?}, ℓ = {}", fit.model.mu(), fit.model.alpha(), fit.log_likelihood);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub fn fit_exp_hawkes<'s, I>(
    sequences: I,
    beta: f64,
    options: &HawkesFitOptions,
) -> Result<HawkesFit>
where
    I: IntoIterator<Item = &'s EventSequence>,
{
    options.check()?;
    ExpHawkesFitter::new(sequences, beta)?.fit(options)
}

/// Fits `μ`, `α` and the decay `β` by maximum likelihood, from `initial_beta`: Newton's method
/// on the profile log-likelihood `ℓ_p(β) = max_{μ, α} ℓ(μ, α, β)` in `log β`, each profile
/// value a fixed-`β` fit ([`ExpHawkesFitter`], warm-started from the previous decay's
/// optimum). The profile's slope is `∂ℓ/∂β` at the inner optimum (envelope theorem) and its
/// curvature the Schur complement of the exact observed information (one O(n·D) pass for the
/// `β` row of the Hessian); steps are at most a factor `e` in `β` and halved until the profile
/// increases. Iterations stop when the predicted gain of the next `β` step is at most
/// `options.tolerance` (the inner fits use a tenth of it); `options.max_iterations` also
/// bounds the `β` steps. The result has `decay_fitted`, its `β` row of the information
/// ([`HawkesFit::decay_information`]) and a standard error for `β`.
///
/// Where every fitted excitation is 0 the profile is flat (the likelihood does not depend on
/// `β` there: slope and curvature exactly 0). From such a point the fit tries `β` × 10, ÷ 10,
/// × 100, ÷ 100 and continues from the first that raises the likelihood by more than the
/// tolerance (a start whose decay is far too fast or too slow for any excitation to fit);
/// if none does (Poisson-like data), it stops there, and `β` has no standard error
/// ([`HawkesFit::standard_errors`] is an error).
///
/// Errors: those of [`fit_exp_hawkes`].
///
/// ```
/// use pp_core::{EventSequence, HawkesFitOptions, Window, fit_exp_hawkes_decay};
/// let seq = EventSequence::new(
///     Window::new(0.0, 20.0)?, 1,
///     vec![0.5, 0.6, 0.7, 3.0, 6.0, 6.1, 8.0, 12.0, 12.2, 12.25, 17.0],
///     vec![0; 11],
/// )?;
/// let fit = fit_exp_hawkes_decay([&seq], 1.0, &HawkesFitOptions::default())?;
/// assert!(fit.converged && fit.decay_fitted);
/// assert!(fit.gradient[2].abs() < 1e-3); // ∂ℓ/∂β ≈ 0 at the fitted decay
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub fn fit_exp_hawkes_decay<'s, I>(
    sequences: I,
    initial_beta: f64,
    options: &HawkesFitOptions,
) -> Result<HawkesFit>
where
    I: IntoIterator<Item = &'s EventSequence>,
{
    options.check()?;
    let sequences: Vec<&EventSequence> = sequences.into_iter().collect();
    let mut inner = HawkesFitOptions {
        tolerance: options.tolerance / 10.0,
        ..options.clone()
    };
    let mut current = ProfilePoint::at(&sequences, initial_beta, &inner)?;
    let (mut iterations, mut total_iterations) =
        (current.fit.iterations, current.fit.total_iterations);
    let mut decay_iterations = 0;
    let stop = loop {
        let beta = current.fit.model.beta();
        // d/du and d²/du² of ℓ_p(e^u) at u = log β
        let g_u = beta * current.slope;
        let h_u = -beta * beta * current.information + beta * current.slope;
        let predicted = if g_u == 0.0 {
            0.0
        } else if h_u < 0.0 {
            0.5 * g_u * g_u / -h_u
        } else {
            f64::INFINITY
        };
        if predicted.is_nan() {
            return Err(PpError::Numerical {
                what: "Hawkes decay fit",
                detail: format!("the profile slope or curvature is not finite at beta = {beta}"),
            });
        }
        let flat = current.slope == 0.0 && current.information == 0.0;
        if decay_iterations >= options.max_iterations && (flat || predicted > options.tolerance) {
            break FitStop::MaxIterations;
        }
        if flat {
            // Flat: no excitation fits at this β. Probe decades around it.
            inner.initial = InitialPoint::Balanced;
            let mut better = None;
            for factor in [10.0, 0.1, 100.0, 0.01] {
                let Ok(candidate) = ProfilePoint::at(&sequences, beta * factor, &inner) else {
                    continue;
                };
                iterations += candidate.fit.iterations;
                total_iterations += candidate.fit.total_iterations;
                if candidate.fit.log_likelihood > current.fit.log_likelihood + options.tolerance {
                    better = Some(candidate);
                    break;
                }
            }
            match better {
                Some(candidate) => {
                    current = candidate;
                    decay_iterations += 1;
                    continue;
                }
                None => break FitStop::Converged,
            }
        }
        if predicted <= options.tolerance {
            break FitStop::Converged;
        }
        let mut step = if h_u < 0.0 { -g_u / h_u } else { g_u.signum() };
        step = step.clamp(-1.0, 1.0);
        inner.initial = InitialPoint::Model(current.fit.model.clone());
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            match ProfilePoint::at(&sequences, beta * step.exp(), &inner) {
                Ok(candidate) => {
                    iterations += candidate.fit.iterations;
                    total_iterations += candidate.fit.total_iterations;
                    if candidate.fit.log_likelihood >= current.fit.log_likelihood {
                        accepted = Some(candidate);
                        break;
                    }
                }
                // β so large that β·n (or β itself) overflows: a shorter step
                Err(PpError::Numerical { .. } | PpError::InvalidParameter { .. }) => {}
                Err(e) => return Err(e),
            }
            step *= 0.5;
        }
        match accepted {
            Some(candidate) => {
                current = candidate;
                decay_iterations += 1;
            }
            None => break FitStop::LineSearch,
        }
    };
    let ProfilePoint {
        mut fit,
        slope,
        decay,
        ..
    } = current;
    fit.iterations = iterations;
    fit.total_iterations = total_iterations;
    fit.decay_fitted = true;
    fit.decay_iterations = decay_iterations;
    fit.stop = fit.stop.max(stop);
    fit.converged = fit.stop == FitStop::Converged;
    fit.projected_gradient_norm = fit.projected_gradient_norm.max(slope.abs());
    fit.decay = Some(decay);
    Ok(fit)
}

/// A point of the profile log-likelihood: the fixed-`β` fit, the profile's slope `∂ℓ/∂β` and
/// information `−ℓ_p''(β)`, and the `β` row of the observed information.
struct ProfilePoint {
    fit: HawkesFit,
    slope: f64,
    information: f64,
    decay: DecayInformation,
}

impl ProfilePoint {
    fn at(sequences: &[&EventSequence], beta: f64, options: &HawkesFitOptions) -> Result<Self> {
        let fit = ExpHawkesFitter::new(sequences.iter().copied(), beta)?.fit(options)?;
        let decay = decay_information(&fit.model, sequences)?;
        let d = fit.model.mu().len();
        let m = d + 1;
        // −ℓ_p'' = I_ββ − Σ_i i_iᵀ I_i⁻¹ i_i over each row's free coordinates.
        let mut information = decay.beta_beta;
        let mut a = vec![0.0; m * m];
        let mut b = vec![0.0; m];
        for i in 0..d {
            let block = &fit.information[i * m * m..(i + 1) * m * m];
            let free: Vec<usize> = (0..m)
                .filter(|&k| !fit.at_bound[if k == 0 { i } else { d + i * d + k - 1 }])
                .collect();
            let nf = free.len();
            for (x, &p) in free.iter().enumerate() {
                b[x] = decay.cross[i * m + p];
                for (y, &q) in free.iter().enumerate() {
                    a[x * nf + y] = block[p * m + q];
                }
            }
            let column = b[..nf].to_vec();
            solve_spd(&mut a[..nf * nf], nf, &mut b[..nf]);
            information -= column.iter().zip(&b[..nf]).map(|(x, y)| x * y).sum::<f64>();
        }
        let slope = fit.gradient[d + d * d];
        Ok(Self {
            fit,
            slope,
            information,
            decay,
        })
    }
}

/// The `β` row of the observed information at `model`: `−∂²ℓ/∂β²` and `−∂²ℓ/∂θ_{i,k}∂β` for
/// `θ_i = (μ_i, α_{i·})`, in one O(n·D) pass with the recursions of `R_j`, `Q_j = −∂R_j/∂β`
/// and `U_j = −∂Q_j/∂β` (derivation: `pp-core/docs/derivations/exp_hawkes_fit.md` §5).
fn decay_information(model: &ExpHawkes, sequences: &[&EventSequence]) -> Result<DecayInformation> {
    let d = model.mu().len();
    let m = d + 1;
    let (mu, alpha, beta) = (model.mu(), model.alpha(), model.beta());
    let column_sums: Vec<f64> = (0..d)
        .map(|j| (0..d).map(|i| alpha[i * d + j]).sum())
        .collect();
    let mut h_bb = 0.0; // ∂²ℓ/∂β²
    let mut cross = vec![0.0; d * m]; // ∂²ℓ/∂θ∂β
    let (mut r, mut q, mut u) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
    let decay_to = |r: &mut [f64], q: &mut [f64], u: &mut [f64], dt: f64| {
        let f = exp_neg(-beta * dt);
        for ((rj, qj), uj) in r.iter_mut().zip(q.iter_mut()).zip(u.iter_mut()) {
            *uj = f * (*uj + dt * (2.0 * *qj + dt * *rj));
            *qj = f * (*qj + dt * *rj);
            *rj *= f;
        }
    };
    for seq in sequences {
        r.fill(0.0);
        q.fill(0.0);
        u.fill(0.0);
        let w = seq.window();
        let mut last = w.t0();
        for (&t, &mark) in seq.times().iter().zip(seq.marks()) {
            decay_to(&mut r, &mut q, &mut u, t - last);
            last = t;
            let i = mark as usize;
            let row = &alpha[i * d..(i + 1) * d];
            let (mut sr, mut sq, mut su) = (0.0, 0.0, 0.0);
            for (((&a, &rj), &qj), &uj) in row.iter().zip(&r).zip(&q).zip(&u) {
                sr += a * rj;
                sq += a * qj;
                su += a * uj;
            }
            let inv = 1.0 / (mu[i] + beta * sr);
            let d1 = sr - beta * sq; // ∂λ/∂β
            let d2 = beta * su - 2.0 * sq; // ∂²λ/∂β²
            h_bb += d2 * inv - d1 * d1 * inv * inv;
            let c = &mut cross[i * m..(i + 1) * m];
            c[0] -= d1 * inv * inv;
            for ((ck, &rj), &qj) in c[1..].iter_mut().zip(&r).zip(&q) {
                *ck += (rj - beta * qj) * inv - beta * rj * d1 * inv * inv;
            }
            r[i] += 1.0;
        }
        decay_to(&mut r, &mut q, &mut u, w.t1() - last);
        for j in 0..d {
            h_bb += column_sums[j] * u[j];
            for i in 0..d {
                cross[i * m + 1 + j] -= q[j];
            }
        }
    }
    if !h_bb.is_finite() || cross.iter().any(|c| !c.is_finite()) {
        return Err(PpError::Numerical {
            what: "Hawkes decay information",
            detail: format!("a second derivative in beta = {beta} is not finite"),
        });
    }
    for c in &mut cross {
        *c = -*c;
    }
    Ok(DecayInformation {
        beta_beta: -h_bb,
        cross,
    })
}

/// How one row's iterations ended.
struct RowOutcome {
    iterations: usize,
    stop: FitStop,
}

/// Buffers of one row's iterations, allocated once per fit.
struct RowWorkspace {
    theta: Vec<f64>,
    trial: Vec<f64>,
    grad: Vec<f64>,
    info: Vec<f64>,
    dir: Vec<f64>,
    hff: Vec<f64>,
    rhs: Vec<f64>,
    free: Vec<usize>,
    fixed: Vec<bool>,
    active: Vec<bool>,
    lambda: Vec<f64>,
    trial_lambda: Vec<f64>,
    /// `z_e = (1, x_e) / λ_e` for one block, column major, `D + 1` columns rounded up to an
    /// even number (the extra column stays zero).
    zt: Vec<f64>,
    /// The information accumulated over the blocks, `m_even²` (`m_even` = `D + 1` rounded up
    /// to an even number).
    tiles: Vec<f64>,
}

impl RowWorkspace {
    fn new(m: usize, max_n: usize) -> Self {
        Self {
            theta: vec![0.0; m],
            trial: vec![0.0; m],
            grad: vec![0.0; m],
            info: vec![0.0; m * m],
            dir: vec![0.0; m],
            hff: vec![0.0; m * m],
            rhs: vec![0.0; m],
            free: Vec::with_capacity(m),
            fixed: vec![false; m],
            active: vec![false; m],
            lambda: vec![0.0; max_n],
            trial_lambda: vec![0.0; max_n],
            zt: vec![0.0; m.next_multiple_of(2) * BLOCK],
            tiles: vec![0.0; m.next_multiple_of(2).pow(2)],
        }
    }
}

/// `ℓ_i(θ) = Σ_e log(θ_0 + x_e · θ_{1..}) − c · θ` over the blocks `xs` of one target
/// dimension (`lambda.len()` events), writing each `λ_e` into `lambda`. Columns with a zero
/// coefficient are skipped.
fn row_value(xs: &[f64], d: usize, theta: &[f64], c: &[f64], lambda: &mut [f64]) -> f64 {
    let (mu, a) = (theta[0], &theta[1..]);
    let mut log_sum = LogSum::new();
    for (block, lam) in xs.chunks_exact(d * BLOCK).zip(lambda.chunks_mut(BLOCK)) {
        lam.fill(mu);
        for (column, &ak) in block.chunks_exact(BLOCK).zip(a) {
            if ak != 0.0 {
                for (l, &x) in lam.iter_mut().zip(column) {
                    *l += ak * x;
                }
            }
        }
        for &l in lam.iter() {
            log_sum.add_ln(l);
        }
    }
    let linear: f64 = c.iter().zip(theta).map(|(a, b)| a * b).sum();
    log_sum.value() - linear
}

/// Gradient `Σ_e z_e − c` and information `Σ_e z_e z_eᵀ` with `z_e = (1, x_e) / λ_e` (the
/// negative Hessian), `info` full and symmetric, row major. Block by block: the columns of `z`
/// (`zt`, column major), their sums, and the upper triangle of `Zᵀ Z` by 2 × 2 tiles of column
/// dot products (each loaded column serves two products), accumulated in `tiles`.
#[allow(clippy::too_many_arguments)]
fn row_derivatives(
    xs: &[f64],
    d: usize,
    lambda: &[f64],
    c: &[f64],
    grad: &mut [f64],
    info: &mut [f64],
    zt: &mut [f64],
    tiles: &mut [f64],
) {
    let m = d + 1;
    let me = m.next_multiple_of(2);
    grad.fill(0.0);
    tiles.fill(0.0);
    for (block, lam) in xs.chunks_exact(d * BLOCK).zip(lambda.chunks(BLOCK)) {
        let len = lam.len();
        let (inv, rest) = zt.split_at_mut(BLOCK);
        for (v, &l) in inv.iter_mut().zip(lam) {
            *v = 1.0 / l;
        }
        for (zcol, xcol) in rest.chunks_exact_mut(BLOCK).zip(block.chunks_exact(BLOCK)) {
            for ((z, &x), &v) in zcol[..len].iter_mut().zip(&xcol[..len]).zip(&inv[..len]) {
                *z = x * v;
            }
        }
        let column = |k: usize| &zt[k * BLOCK..k * BLOCK + len];
        for (p, g) in grad.iter_mut().enumerate() {
            *g += sum(column(p));
        }
        for p in (0..me).step_by(2) {
            for q in (p..me).step_by(2) {
                let t = tile(column(p), column(p + 1), column(q), column(q + 1));
                tiles[p * me + q] += t[0];
                tiles[p * me + q + 1] += t[1];
                tiles[(p + 1) * me + q] += t[2];
                tiles[(p + 1) * me + q + 1] += t[3];
            }
        }
    }
    for p in 0..m {
        grad[p] -= c[p];
        for q in p..m {
            info[p * m + q] = tiles[p * me + q];
            info[q * m + p] = tiles[p * me + q];
        }
    }
}

/// `(a0·b0, a0·b1, a1·b0, a1·b1)` in one pass, four lanes per product (vectorises).
#[inline(always)]
fn tile(a0: &[f64], a1: &[f64], b0: &[f64], b1: &[f64]) -> [f64; 4] {
    let mut s00 = [0.0; 4];
    let mut s01 = [0.0; 4];
    let mut s10 = [0.0; 4];
    let mut s11 = [0.0; 4];
    let n = a0.len();
    let full = n - n % 4;
    let (a0, a1, b0, b1) = (&a0[..n], &a1[..n], &b0[..n], &b1[..n]);
    let mut k = 0;
    while k < full {
        for l in 0..4 {
            let (x0, x1, y0, y1) = (a0[k + l], a1[k + l], b0[k + l], b1[k + l]);
            s00[l] += x0 * y0;
            s01[l] += x0 * y1;
            s10[l] += x1 * y0;
            s11[l] += x1 * y1;
        }
        k += 4;
    }
    let lanes = |s: [f64; 4]| (s[0] + s[1]) + (s[2] + s[3]);
    let mut out = [lanes(s00), lanes(s01), lanes(s10), lanes(s11)];
    for k in full..n {
        out[0] += a0[k] * b0[k];
        out[1] += a0[k] * b1[k];
        out[2] += a1[k] * b0[k];
        out[3] += a1[k] * b1[k];
    }
    out
}

/// `Σ a_k` with four partial sums.
#[inline(always)]
fn sum(a: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let ca = a.chunks_exact(4);
    let tail: f64 = ca.remainder().iter().sum();
    for x in ca {
        for l in 0..4 {
            acc[l] += x[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Solves `A y = b` for a symmetric positive semi-definite `A` (`n × n`, row major; destroyed)
/// into `b`, by Cholesky. A pivot below `1e-12` of its diagonal entry (a singular or
/// ill-conditioned `A`) adds a ridge `τ diag(A)`, `τ = 1e-10, 1e-8, …`, and starts again; `b` is
/// set to `diag(A)^{-1} b` if even `τ = 1` fails.
fn solve_spd(a: &mut [f64], n: usize, b: &mut [f64]) {
    let diag: Vec<f64> = (0..n).map(|k| a[k * n + k]).collect();
    let original = a.to_vec();
    let mut tau = 0.0;
    loop {
        if tau > 0.0 {
            a.copy_from_slice(&original);
            for k in 0..n {
                a[k * n + k] += tau * diag[k];
            }
        }
        if cholesky_in_place(a, n, &diag) {
            break;
        }
        tau = if tau == 0.0 { 1e-10 } else { tau * 100.0 };
        if tau > 1.0 {
            for (bk, &dk) in b.iter_mut().zip(&diag) {
                *bk = if dk > 0.0 { *bk / dk } else { 0.0 };
            }
            return;
        }
    }
    // L y = b, then Lᵀ x = y.
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
    for i in (0..n).rev() {
        let mut s = b[i];
        for k in i + 1..n {
            s -= a[k * n + i] * b[k];
        }
        b[i] = s / a[i * n + i];
    }
}

/// Lower Cholesky factor of `a` in place (lower triangle); false if a pivot is not above
/// `1e-12` times its original diagonal entry.
fn cholesky_in_place(a: &mut [f64], n: usize, diag: &[f64]) -> bool {
    for j in 0..n {
        let mut s = a[j * n + j];
        for k in 0..j {
            s -= a[j * n + k] * a[j * n + k];
        }
        if !(s > 1e-12 * diag[j] && s.is_finite()) {
            return false;
        }
        let l = s.sqrt();
        a[j * n + j] = l;
        for i in j + 1..n {
            let mut t = a[i * n + j];
            for k in 0..j {
                t -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = t / l;
        }
    }
    true
}

/// Turns a non-finite result into an error.
fn finite(value: f64, what: &'static str) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(PpError::Numerical {
            what,
            detail: format!("the result is {value}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solve_spd_solves_and_survives_singular_matrices() {
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let mut b = vec![2.0, 1.0];
        solve_spd(&mut a, 2, &mut b);
        // [[4, 2], [2, 3]]⁻¹ (2, 1) = (0.5, 0)
        assert!((b[0] - 0.5).abs() < 1e-15 && b[1].abs() < 1e-15);
        let mut a = vec![1.0, 1.0, 1.0, 1.0];
        let mut b = vec![1.0, 1.0];
        solve_spd(&mut a, 2, &mut b);
        assert!(b.iter().all(|v| v.is_finite()));
        let mut a = vec![0.0];
        let mut b = vec![1.0];
        solve_spd(&mut a, 1, &mut b);
        assert_eq!(b[0], 0.0);
    }
}
