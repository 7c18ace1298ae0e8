//! Bounds `λ̄ ≥ Σ_i λ_i` on the total intensity: global constants and local, history-dependent
//! bounds with a horizon (docs/math.md §2).

use crate::error::{Result, ThinningError};
use pp_core::{ExpHawkes, History, Intensity, PpError};

/// A bound on the total intensity: `Σ_i λ_i(t | H_t) ≤ rate` for every `t` in
/// `(s, valid_until]`, as long as no new event is accepted after `s` (`s` is the time the bound
/// was asked for).
///
/// `valid_until` may be `f64::INFINITY` ("until the next accepted event"). `rate` must be finite
/// and `>= 0`; `valid_until` must be `> s`. A rate of `0` says that no event can occur before
/// `valid_until`.
///
/// ```
/// use pp_thinning::BoundSpec;
/// let b = BoundSpec::until_next_event(3.0);
/// assert_eq!((b.rate, b.valid_until), (3.0, f64::INFINITY));
/// let h = BoundSpec::new(3.0, 10.0);
/// assert_eq!(h.valid_until, 10.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundSpec {
    /// The bound `λ̄` on `Σ_i λ_i`.
    pub rate: f64,
    /// The end of the interval on which `rate` is valid (given no new accepted event).
    pub valid_until: f64,
}

impl BoundSpec {
    /// A bound `rate` valid until `valid_until` (or the next accepted event, if earlier).
    ///
    /// ```
    /// let b = pp_thinning::BoundSpec::new(2.0, 5.0);
    /// assert_eq!((b.rate, b.valid_until), (2.0, 5.0));
    /// ```
    #[inline]
    pub fn new(rate: f64, valid_until: f64) -> Self {
        Self { rate, valid_until }
    }

    /// A bound `rate` valid until the next accepted event (`valid_until = ∞`).
    ///
    /// ```
    /// assert!(pp_thinning::BoundSpec::until_next_event(2.0).valid_until.is_infinite());
    /// ```
    #[inline]
    pub fn until_next_event(rate: f64) -> Self {
        Self {
            rate,
            valid_until: f64::INFINITY,
        }
    }

    /// Checks the bound asked for at time `s`: finite `rate >= 0`, `valid_until > s` (NaN fails).
    ///
    /// ```
    /// use pp_thinning::BoundSpec;
    /// assert!(BoundSpec::new(1.0, 2.0).checked(1.0).is_ok());
    /// assert!(BoundSpec::new(1.0, 1.0).checked(1.0).is_err()); // no progress possible
    /// assert!(BoundSpec::new(f64::NAN, 2.0).checked(1.0).is_err());
    /// ```
    #[inline]
    pub fn checked(self, s: f64) -> Result<Self> {
        if self.rate.is_finite() && self.rate >= 0.0 && self.valid_until > s {
            Ok(self)
        } else {
            Err(ThinningError::InvalidBound {
                time: s,
                rate: self.rate,
                valid_until: self.valid_until,
            })
        }
    }
}

/// A bound on the total intensity of the model `I`, computed from the time `s` and the accepted
/// history. Used with [`Bounded`](crate::Bounded), which turns any [`Intensity`] plus a bound into
/// a [`SequentialIntensity`](crate::SequentialIntensity).
///
/// **Contract.** `history` holds every accepted event with `t_e ≤ s` (an event accepted *at* `s`
/// is included: the bound must cover the intensity just after it). The returned
/// [`BoundSpec`] must satisfy `Σ_i λ_i(t | H_t) ≤ rate` for all `t ∈ (s, valid_until]` under the
/// assumption that no event is accepted in `(s, t)`. The sampler asks again after every candidate
/// (accepted or not) and when the horizon is reached, so a bound may tighten as time goes on.
/// A bound that is too small is detected at the first candidate where it fails
/// ([`ThinningError::BoundViolation`]), never silently clipped.
///
/// ```
/// use pp_core::{History, Poisson};
/// use pp_thinning::{Bound, BoundSpec};
/// /// Twice the largest Poisson rate per dimension, valid for one time unit (a silly but valid bound).
/// struct Loose;
/// impl Bound<Poisson> for Loose {
///     fn bound(&self, model: &Poisson, s: f64, _h: History<'_>) -> BoundSpec {
///         let max = model.rates().iter().cloned().fold(0.0, f64::max);
///         BoundSpec::new(2.0 * max * model.rates().len() as f64, s + 1.0)
///     }
/// }
/// let m = Poisson::new(vec![1.0, 3.0])?;
/// assert_eq!(Loose.bound(&m, 0.0, History::empty()), BoundSpec::new(12.0, 1.0));
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub trait Bound<I: ?Sized> {
    /// The bound valid from `s` (see the trait documentation for the contract).
    fn bound(&self, model: &I, s: f64, history: History<'_>) -> BoundSpec;
}

impl<I: ?Sized, B: Bound<I> + ?Sized> Bound<I> for &B {
    #[inline]
    fn bound(&self, model: &I, s: f64, history: History<'_>) -> BoundSpec {
        (**self).bound(model, s, history)
    }
}

/// A constant bound valid for all time, e.g. `Σ_i a_i` for sigmoid intensities `a_i σ(u_i)`.
///
/// ```
/// use pp_core::{History, Poisson};
/// use pp_thinning::{Bound, BoundSpec, GlobalBound};
/// let b = GlobalBound::new(5.0)?;
/// let m = Poisson::new(vec![1.0])?;
/// assert_eq!(b.bound(&m, 3.0, History::empty()), BoundSpec::until_next_event(5.0));
/// assert!(GlobalBound::new(-1.0).is_err());
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlobalBound {
    rate: f64,
}

impl GlobalBound {
    /// A constant bound `rate` (finite, `>= 0`).
    pub fn new(rate: f64) -> Result<Self> {
        if rate.is_finite() && rate >= 0.0 {
            Ok(Self { rate })
        } else {
            Err(PpError::InvalidParameter {
                name: "global bound".into(),
                value: rate,
                reason: "a bound must be finite and >= 0",
            }
            .into())
        }
    }

    /// The constant rate.
    ///
    /// ```
    /// assert_eq!(pp_thinning::GlobalBound::new(2.5)?.rate(), 2.5);
    /// # Ok::<(), pp_thinning::ThinningError>(())
    /// ```
    #[inline]
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

impl<I: ?Sized> Bound<I> for GlobalBound {
    #[inline]
    fn bound(&self, _model: &I, _s: f64, _history: History<'_>) -> BoundSpec {
        BoundSpec::until_next_event(self.rate)
    }
}

/// The local bound of an exponential Hawkes process with non-negative excitations: the total
/// intensity just after `s`, `Σ_i μ_i + Σ_{t_e ≤ s} Σ_i α_{i,i_e} β e^{−β (s − t_e)}`, valid until
/// the next accepted event (between events every `λ_i` is non-increasing).
///
/// This is the simple O(n·D) version for the history-based path ([`Bounded`](crate::Bounded));
/// [`ExpHawkes`] itself implements [`SequentialIntensity`](crate::SequentialIntensity) with the
/// same bound in O(1) per candidate, and is what you should simulate with. This one is the oracle
/// the fast path is tested against.
///
/// ```
/// use pp_core::{ExpHawkes, History};
/// use pp_thinning::{Bound, ExpHawkesBound};
/// let m = ExpHawkes::new(vec![0.5], vec![0.8], 2.0)?;
/// let h = History::new(&[1.0], &[0])?;
/// let b = ExpHawkesBound.bound(&m, 1.0, h);
/// assert!((b.rate - (0.5 + 0.8 * 2.0)).abs() < 1e-15);
/// assert!(b.valid_until.is_infinite());
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ExpHawkesBound;

impl Bound<ExpHawkes> for ExpHawkesBound {
    fn bound(&self, model: &ExpHawkes, s: f64, history: History<'_>) -> BoundSpec {
        let d = model.dim();
        let beta = model.beta();
        let alpha = model.alpha();
        let mut rate: f64 = model.mu().iter().sum();
        for (te, j) in history.iter() {
            let k = beta * (-beta * (s - te)).exp();
            let col: f64 = (0..d).map(|i| alpha[i * d + j as usize]).sum();
            rate += col * k;
        }
        BoundSpec::until_next_event(rate)
    }
}

/// A local bound given by a function `f(model, s, history) -> BoundSpec`, for models whose
/// intensity has no global bound (exp or softplus activations): the function can, for example,
/// bound the activation over the next `h` time units and return `valid_until = s + h`.
///
/// ```
/// use pp_core::{History, InhomogeneousPoisson};
/// use pp_thinning::{Bound, BoundSpec, FnBound};
/// // λ(t) = t is bounded on (s, s + 1] by s + 1.
/// let model = InhomogeneousPoisson::new(1, |t: f64, out: &mut [f64]| out[0] = t)?;
/// let bound = FnBound::new(|_m: &_, s: f64, _h: History<'_>| BoundSpec::new(s + 1.0, s + 1.0));
/// assert_eq!(bound.bound(&model, 2.0, History::empty()), BoundSpec::new(3.0, 3.0));
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Clone, Copy)]
pub struct FnBound<F> {
    f: F,
}

impl<F> FnBound<F> {
    /// Wraps the function `f(model, s, history)`.
    ///
    /// ```
    /// use pp_core::History;
    /// let b = pp_thinning::FnBound::new(|_m: &(), _s: f64, _h: History<'_>| {
    ///     pp_thinning::BoundSpec::until_next_event(1.0)
    /// });
    /// # let _ = b;
    /// ```
    pub fn new(f: F) -> Self {
        Self { f }
    }
}

impl<F> std::fmt::Debug for FnBound<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FnBound").finish_non_exhaustive()
    }
}

impl<I: ?Sized, F: Fn(&I, f64, History<'_>) -> BoundSpec> Bound<I> for FnBound<F> {
    #[inline]
    fn bound(&self, model: &I, s: f64, history: History<'_>) -> BoundSpec {
        (self.f)(model, s, history)
    }
}
