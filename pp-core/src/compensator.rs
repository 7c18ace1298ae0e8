//! Pluggable compensators `Λ_i = ∫ λ_i(t | H_t) dt`: closed form, adaptive Gauss–Legendre
//! quadrature between breakpoints, and Monte Carlo; and [`CompensatorMethod`], the one
//! specification of "how to integrate" that every layer takes (pp-core's generic integrators,
//! snn-model's likelihood engine, vi-train's estimators, the `diffsnn` program).

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::{PpError, Result};
use crate::intensity::{CumulativeIntensity, Intensity};
use crate::quadrature::gauss_legendre;
use crate::sequence::EventSequence;

/// A way to compute `∫_a^b λ_i(t | H_t) dt` for every dimension `i` of a model `M`.
///
/// ```
/// use pp_core::{ClosedForm, Compensator, EventSequence, Poisson, Quadrature, Window};
/// let model = Poisson::new(vec![1.5, 0.5])?;
/// let seq = EventSequence::new(Window::new(0.0, 4.0)?, 2, vec![1.0], vec![0])?;
/// assert_eq!(ClosedForm.total(&model, &seq)?, 8.0);
/// assert!((Quadrature::default().total(&model, &seq)? - 8.0).abs() < 1e-12);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub trait Compensator<M: Intensity + ?Sized> {
    /// Writes `∫_a^b λ_i(t | H_t) dt` for every `i` into `out` (length `model.dim()`), the
    /// history taken from `seq`. Requires `seq.window().t0() <= a <= b <= seq.window().t1()`
    /// (otherwise [`PpError::InvalidArgument`]).
    ///
    /// ```
    /// use pp_core::{Compensator, EventSequence, ExpHawkes, Quadrature, Window};
    /// let model = ExpHawkes::new(vec![1.0], vec![0.5], 2.0)?;
    /// let seq = EventSequence::new(Window::new(0.0, 5.0)?, 1, vec![1.0], vec![0])?;
    /// let mut out = [0.0];
    /// Quadrature::default().integrate(&model, &seq, 1.0, 2.0, &mut out)?;
    /// let exact = 1.0 + 0.5 * (1.0 - (-2.0f64).exp());
    /// assert!((out[0] - exact).abs() < 1e-13);
    /// assert!(Quadrature::default().integrate(&model, &seq, 2.0, 1.0, &mut out).is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn integrate(
        &self,
        model: &M,
        seq: &EventSequence,
        a: f64,
        b: f64,
        out: &mut [f64],
    ) -> Result<()>;

    /// `Σ_i ∫_{T0}^{T1} λ_i(t | H_t) dt`, the compensator of (1.1).
    ///
    /// ```
    /// use pp_core::{ClosedForm, Compensator, EventSequence, Poisson, Window};
    /// let seq = EventSequence::empty(Window::new(0.0, 2.0)?, 2)?;
    /// assert_eq!(ClosedForm.total(&Poisson::new(vec![1.0, 3.0])?, &seq)?, 8.0);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    fn total(&self, model: &M, seq: &EventSequence) -> Result<f64> {
        let mut out = vec![0.0; model.dim()];
        let w = seq.window();
        self.integrate(model, seq, w.t0(), w.t1(), &mut out)?;
        Ok(out.iter().sum())
    }
}

/// Checks the common preconditions of `Compensator::integrate`.
fn check_range<M: Intensity + ?Sized>(
    model: &M,
    seq: &EventSequence,
    a: f64,
    b: f64,
    out: &[f64],
) -> Result<()> {
    check_dimension(model, seq)?;
    if out.len() != model.dim() {
        return Err(PpError::LengthMismatch {
            what: "compensator output buffer",
            expected: model.dim(),
            found: out.len(),
        });
    }
    let w = seq.window();
    if !(a.is_finite() && b.is_finite() && w.t0() <= a && a <= b && b <= w.t1()) {
        return Err(PpError::InvalidArgument {
            name: "[a, b]",
            reason: format!(
                "integration range [{a}, {b}] must be ordered and inside the window [{}, {}]",
                w.t0(),
                w.t1()
            ),
        });
    }
    Ok(())
}

/// Checks that a model and a sequence have the same number of dimensions.
pub(crate) fn check_dimension<M: Intensity + ?Sized>(model: &M, seq: &EventSequence) -> Result<()> {
    if model.dim() != seq.dim() {
        return Err(PpError::DimensionMismatch {
            what: "sequence",
            expected: model.dim(),
            found: seq.dim(),
        });
    }
    Ok(())
}

/// The model's own closed-form compensator ([`CumulativeIntensity`]).
///
/// ```
/// use pp_core::{ClosedForm, Compensator, EventSequence, Poisson, Window};
/// let seq = EventSequence::empty(Window::new(0.0, 2.0)?, 1)?;
/// assert_eq!(ClosedForm.total(&Poisson::new(vec![3.0])?, &seq)?, 6.0);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClosedForm;

impl<M: CumulativeIntensity + ?Sized> Compensator<M> for ClosedForm {
    fn integrate(
        &self,
        model: &M,
        seq: &EventSequence,
        a: f64,
        b: f64,
        out: &mut [f64],
    ) -> Result<()> {
        check_range(model, seq, a, b, out)?;
        model.integrated_intensities(seq, a, b, out);
        check_finite(out, "closed-form compensator")
    }
}

fn check_finite(out: &[f64], what: &'static str) -> Result<()> {
    match out.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(PpError::Numerical {
            what,
            detail: format!("the integral of dimension {i} is {}", out[i]),
        }),
    }
}

/// Adaptive Gauss–Legendre quadrature on the pieces between breakpoints (event times and the
/// model's [`Intensity::breakpoints`]), where the intensities are smooth.
///
/// On each piece the `order`-point rule on the whole piece is compared with the rule on its two
/// halves; the halves are accepted when, for every dimension,
/// `|I_halves − I_whole| <= max(abs_tol, rel_tol · |I_halves|)`, otherwise each half is refined
/// the same way, at most `max_depth` times. Since the error of the halves is far smaller than
/// their difference with the whole, the total relative error is below `rel_tol` in practice;
/// for piecewise polynomials of degree below `2·order` it is rounding error only.
///
/// ```
/// use pp_core::{Compensator, EventSequence, InhomogeneousPoisson, Quadrature, Window};
/// let model = InhomogeneousPoisson::new(1, |t: f64, out: &mut [f64]| out[0] = 1.0 + t.sin())?;
/// let seq = EventSequence::empty(Window::new(0.0, 3.0)?, 1)?;
/// let exact = 3.0 + 1.0 - 3f64.cos();
/// assert!((Quadrature::default().total(&model, &seq)? - exact).abs() < 1e-12);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quadrature {
    order: usize,
    rel_tol: f64,
    abs_tol: f64,
    max_depth: u32,
    max_subintervals: usize,
}

/// The default [`Quadrature::max_subintervals`]: the most sub-intervals one smooth piece may
/// be cut into before the integration gives up with an error (a piece normally needs one or
/// two; this many means an intensity too steep to integrate exactly in reasonable time, such
/// as a weight of 1e10).
pub const DEFAULT_MAX_SUBINTERVALS: usize = 100_000;

impl Default for Quadrature {
    /// 15-point rule, `rel_tol = 1e-10`, `abs_tol = 1e-14`, `max_depth = 40`, at most
    /// [`DEFAULT_MAX_SUBINTERVALS`] sub-intervals per piece.
    fn default() -> Self {
        Self {
            order: 15,
            rel_tol: 1e-10,
            abs_tol: 1e-14,
            max_depth: 40,
            max_subintervals: DEFAULT_MAX_SUBINTERVALS,
        }
    }
}

impl Quadrature {
    /// A quadrature with the given rule order and tolerances (checked: `order` in 1..=256,
    /// tolerances finite and non-negative and not both zero).
    ///
    /// ```
    /// let q = pp_core::Quadrature::new(8, 1e-10, 0.0, 30)?;
    /// assert_eq!((q.order(), q.rel_tol(), q.abs_tol(), q.max_depth()), (8, 1e-10, 0.0, 30));
    /// assert!(pp_core::Quadrature::new(8, -1.0, 0.0, 30).is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn new(order: usize, rel_tol: f64, abs_tol: f64, max_depth: u32) -> Result<Self> {
        let valid = |x: f64| x.is_finite() && x >= 0.0;
        if !valid(rel_tol) || !valid(abs_tol) || (rel_tol == 0.0 && abs_tol == 0.0) {
            return Err(PpError::InvalidArgument {
                name: "rel_tol, abs_tol",
                reason: format!(
                    "tolerances must be finite, non-negative and not both zero, got {rel_tol}, {abs_tol}"
                ),
            });
        }
        gauss_legendre(order)?;
        Ok(Self {
            order,
            rel_tol,
            abs_tol,
            max_depth,
            max_subintervals: DEFAULT_MAX_SUBINTERVALS,
        })
    }

    /// The same quadrature with at most `max` sub-intervals per smooth piece (at least 1);
    /// more is an error that names the piece (see [`DEFAULT_MAX_SUBINTERVALS`]).
    ///
    /// ```
    /// let q = pp_core::Quadrature::default().with_max_subintervals(1000)?;
    /// assert_eq!(q.max_subintervals(), 1000);
    /// assert!(pp_core::Quadrature::default().with_max_subintervals(0).is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn with_max_subintervals(mut self, max: usize) -> Result<Self> {
        if max == 0 {
            return Err(PpError::InvalidArgument {
                name: "max_subintervals",
                reason: "a piece needs at least one sub-interval".into(),
            });
        }
        self.max_subintervals = max;
        Ok(self)
    }

    /// The most sub-intervals one smooth piece may be cut into.
    ///
    /// ```
    /// assert_eq!(pp_core::Quadrature::default().max_subintervals(), pp_core::compensator::DEFAULT_MAX_SUBINTERVALS);
    /// ```
    pub fn max_subintervals(&self) -> usize {
        self.max_subintervals
    }

    /// The number of points of the Gauss–Legendre rule of the generic integrator (models with
    /// their own engine, such as snn-model's SNN, choose their rules from the tolerances).
    ///
    /// ```
    /// assert_eq!(pp_core::Quadrature::default().order(), 15);
    /// ```
    pub fn order(&self) -> usize {
        self.order
    }

    /// The relative tolerance per piece.
    ///
    /// ```
    /// assert_eq!(pp_core::Quadrature::default().rel_tol(), 1e-10);
    /// ```
    pub fn rel_tol(&self) -> f64 {
        self.rel_tol
    }

    /// The absolute tolerance per piece.
    ///
    /// ```
    /// assert_eq!(pp_core::Quadrature::default().abs_tol(), 1e-14);
    /// ```
    pub fn abs_tol(&self) -> f64 {
        self.abs_tol
    }

    /// The largest number of bisections of a piece.
    ///
    /// ```
    /// assert_eq!(pp_core::Quadrature::default().max_depth(), 40);
    /// ```
    pub fn max_depth(&self) -> u32 {
        self.max_depth
    }

    /// Integrates one smooth piece `[p, q]` with a fixed history, adding the result to `out`.
    fn integrate_piece<M: Intensity + ?Sized>(
        &self,
        model: &M,
        history: crate::History<'_>,
        p: f64,
        q: f64,
        scratch: &mut Scratch,
        out: &mut [f64],
    ) -> Result<()> {
        let d = out.len();
        // Explicit stack of intervals to refine: (start, end, depth); the whole-interval value
        // of each is recomputed, which costs one rule evaluation more but no storage per level.
        scratch.stack.clear();
        scratch.stack.push((p, q, 0));
        let mut visited = 0usize;
        while let Some((lo, hi, depth)) = scratch.stack.pop() {
            visited += 1;
            if visited > self.max_subintervals {
                return Err(PpError::Numerical {
                    what: "quadrature compensator",
                    detail: format!(
                        "more than {} sub-intervals on the piece [{p:e}, {q:e}]: the intensity \
                         is too steep there to integrate exactly (parameters too large?)",
                        self.max_subintervals
                    ),
                });
            }
            let mid = 0.5 * (lo + hi);
            self.rule_all(model, history, lo, hi, &mut scratch.whole, &mut scratch.lam);
            self.rule_all(model, history, lo, mid, &mut scratch.left, &mut scratch.lam);
            self.rule_all(
                model,
                history,
                mid,
                hi,
                &mut scratch.right,
                &mut scratch.lam,
            );
            let mut converged = true;
            for i in 0..d {
                let halves = scratch.left[i] + scratch.right[i];
                if !halves.is_finite() {
                    return Err(PpError::Numerical {
                        what: "quadrature compensator",
                        detail: format!("dimension {i} integrates to {halves} on [{lo}, {hi}]"),
                    });
                }
                let err = (halves - scratch.whole[i]).abs();
                if err > self.abs_tol.max(self.rel_tol * halves.abs()) {
                    converged = false;
                }
            }
            if converged {
                for ((o, l), r) in out.iter_mut().zip(&scratch.left).zip(&scratch.right) {
                    *o += l + r;
                }
            } else if depth >= self.max_depth || mid <= lo || mid >= hi {
                return Err(PpError::Numerical {
                    what: "quadrature compensator",
                    detail: format!(
                        "no convergence on [{lo}, {hi}] after {depth} bisections \
                         (is a breakpoint of the intensity missing?)"
                    ),
                });
            } else {
                scratch.stack.push((mid, hi, depth + 1));
                scratch.stack.push((lo, mid, depth + 1));
            }
        }
        Ok(())
    }

    /// The rule on `[lo, hi]` for every dimension.
    fn rule_all<M: Intensity + ?Sized>(
        &self,
        model: &M,
        history: crate::History<'_>,
        lo: f64,
        hi: f64,
        acc: &mut [f64],
        lam: &mut [f64],
    ) {
        acc.fill(0.0);
        let half = 0.5 * (hi - lo);
        let mid = 0.5 * (lo + hi);
        let rule = gauss_legendre(self.order).expect("the order was checked by Quadrature::new");
        for (&x, &w) in rule.nodes().iter().zip(rule.weights()) {
            model.intensities(mid + half * x, history, lam);
            for (a, &l) in acc.iter_mut().zip(lam.iter()) {
                *a += w * l;
            }
        }
        for a in acc.iter_mut() {
            *a *= half;
        }
    }
}

/// Buffers reused across the pieces of one integration.
struct Scratch {
    stack: Vec<(f64, f64, u32)>,
    whole: Vec<f64>,
    left: Vec<f64>,
    right: Vec<f64>,
    lam: Vec<f64>,
}

impl<M: Intensity + ?Sized> Compensator<M> for Quadrature {
    fn integrate(
        &self,
        model: &M,
        seq: &EventSequence,
        a: f64,
        b: f64,
        out: &mut [f64],
    ) -> Result<()> {
        check_range(model, seq, a, b, out)?;
        out.fill(0.0);
        if a == b {
            return Ok(());
        }
        // Only the events before b can shape the intensity on [a, b], and only those inside
        // (a, b) are cuts: binary searches keep a short integration cheap on a long sequence
        // (time rescaling calls this once per event).
        let times = seq.times();
        let first = times.partition_point(|&s| s <= a);
        let end = times.partition_point(|&s| s < b);
        let history = seq.history().prefix(end);
        let mut cuts = Vec::with_capacity(end - first + 2);
        model.breakpoints(history, seq.window(), &mut cuts);
        cuts.retain(|&c| c > a && c < b);
        cuts.extend_from_slice(&times[first..end]);
        cuts.push(a);
        cuts.push(b);
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let d = model.dim();
        let mut scratch = Scratch {
            stack: Vec::with_capacity(64),
            whole: vec![0.0; d],
            left: vec![0.0; d],
            right: vec![0.0; d],
            lam: vec![0.0; d],
        };
        let mut seen = first;
        for piece in cuts.windows(2) {
            let (p, q) = (piece[0], piece[1]);
            while seen < times.len() && times[seen] <= p {
                seen += 1;
            }
            // For t in (p, q], the events strictly before t are exactly those at or before p.
            self.integrate_piece(model, history.prefix(seen), p, q, &mut scratch, out)?;
        }
        Ok(())
    }
}

/// Monte Carlo compensator: `(b − a)/n · Σ_j λ_i(u_j)` with `n` uniform points `u_j` on
/// `[a, b]` drawn from a generator seeded with `seed` (the reference's unbiased, noisy
/// estimator; the same seed gives the same points on every call).
///
/// ```
/// use pp_core::{Compensator, EventSequence, MonteCarlo, Poisson, Window};
/// let seq = EventSequence::empty(Window::new(0.0, 2.0)?, 1)?;
/// // A constant intensity is integrated exactly whatever the points.
/// assert!((MonteCarlo::new(100, 7)?.total(&Poisson::new(vec![3.0])?, &seq)? - 6.0).abs() < 1e-12);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonteCarlo {
    n_points: usize,
    seed: u64,
}

impl MonteCarlo {
    /// `n_points >= 1` uniform points from the given seed.
    ///
    /// ```
    /// assert!(pp_core::MonteCarlo::new(100, 42).is_ok());
    /// assert!(pp_core::MonteCarlo::new(0, 42).is_err());
    /// ```
    pub fn new(n_points: usize, seed: u64) -> Result<Self> {
        if n_points == 0 {
            return Err(PpError::InvalidArgument {
                name: "n_points",
                reason: "Monte Carlo integration needs at least one point".into(),
            });
        }
        Ok(Self { n_points, seed })
    }

    /// The number of points.
    ///
    /// ```
    /// assert_eq!(pp_core::MonteCarlo::new(100, 42)?.n_points(), 100);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn n_points(&self) -> usize {
        self.n_points
    }

    /// The seed of the points.
    ///
    /// ```
    /// assert_eq!(pp_core::MonteCarlo::new(100, 42)?.seed(), 42);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The sorted uniform points on `[a, b]` this estimator uses.
    ///
    /// ```
    /// let pts = pp_core::MonteCarlo::new(5, 1)?.points(0.0, 1.0);
    /// assert_eq!(pts.len(), 5);
    /// assert!(pts.windows(2).all(|w| w[0] <= w[1]) && pts.iter().all(|&u| (0.0..=1.0).contains(&u)));
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn points(&self, a: f64, b: f64) -> Vec<f64> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        let mut pts: Vec<f64> = (0..self.n_points)
            .map(|_| a + (b - a) * rng.random::<f64>())
            .collect();
        pts.sort_by(f64::total_cmp);
        pts
    }
}

impl<M: Intensity + ?Sized> Compensator<M> for MonteCarlo {
    fn integrate(
        &self,
        model: &M,
        seq: &EventSequence,
        a: f64,
        b: f64,
        out: &mut [f64],
    ) -> Result<()> {
        check_range(model, seq, a, b, out)?;
        out.fill(0.0);
        let mut lam = vec![0.0; model.dim()];
        let history = seq.history();
        let mut seen = 0;
        for u in self.points(a, b) {
            while seen < history.len() && history.times()[seen] < u {
                seen += 1;
            }
            model.intensities(u, history.prefix(seen), &mut lam);
            for (o, &l) in out.iter_mut().zip(&lam) {
                *o += l;
            }
        }
        let scale = (b - a) / self.n_points as f64;
        for o in out.iter_mut() {
            *o *= scale;
        }
        check_finite(out, "Monte Carlo compensator")
    }
}

/// How a compensator is computed: the one specification used by every layer (pp-core's
/// generic [`log_likelihood`], snn-model's likelihood engine, vi-train's estimators, the
/// `diffsnn` program's `--compensator`). Quadrature (near exact, the default) or Monte Carlo.
///
/// It is itself a [`Compensator`] for any [`Intensity`] (the generic integrators); models
/// with an engine of their own read its settings.
///
/// ```
/// use pp_core::{CompensatorMethod, EventSequence, MonteCarlo, Poisson, Window, log_likelihood};
/// let model = Poisson::new(vec![2.0])?;
/// let seq = EventSequence::new(Window::new(0.0, 3.0)?, 1, vec![0.5], vec![0])?;
/// let exact = 2f64.ln() - 6.0;
/// assert!((log_likelihood(&model, &seq, &CompensatorMethod::default())? - exact).abs() < 1e-12);
/// let mc = CompensatorMethod::MonteCarlo(MonteCarlo::new(10, 1)?);
/// assert!((log_likelihood(&model, &seq, &mc)? - exact).abs() < 1e-12); // a constant rate
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CompensatorMethod {
    /// Quadrature between breakpoints (near exact; the default).
    Quadrature(Quadrature),
    /// Monte Carlo at uniform points (unbiased, noisy; the reference's estimator).
    MonteCarlo(MonteCarlo),
}

impl Default for CompensatorMethod {
    fn default() -> Self {
        CompensatorMethod::Quadrature(Quadrature::default())
    }
}

impl CompensatorMethod {
    /// Monte Carlo with `n_points >= 1` uniform points from `seed` (see [`MonteCarlo::new`]).
    ///
    /// ```
    /// let mc = pp_core::CompensatorMethod::monte_carlo(100, 7)?;
    /// assert_eq!(mc.name(), "monte-carlo");
    /// assert!(pp_core::CompensatorMethod::monte_carlo(0, 7).is_err());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn monte_carlo(n_points: usize, seed: u64) -> Result<Self> {
        Ok(CompensatorMethod::MonteCarlo(MonteCarlo::new(
            n_points, seed,
        )?))
    }

    /// The method for one estimate whose Monte Carlo points are part of its noise: Monte Carlo
    /// with a fresh seed drawn from `rng` (one `u64`); quadrature as it is, drawing nothing.
    ///
    /// ```
    /// use pp_core::{CompensatorMethod, MonteCarlo};
    /// use rand::SeedableRng;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let mc = CompensatorMethod::MonteCarlo(MonteCarlo::new(100, 0)?);
    /// let CompensatorMethod::MonteCarlo(drawn) = mc.redrawn(&mut rng) else { unreachable!() };
    /// assert_eq!(drawn.n_points(), 100);
    /// assert_eq!(CompensatorMethod::default().redrawn(&mut rng), CompensatorMethod::default());
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn redrawn<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Self {
        match *self {
            CompensatorMethod::Quadrature(q) => CompensatorMethod::Quadrature(q),
            CompensatorMethod::MonteCarlo(mc) => CompensatorMethod::MonteCarlo(MonteCarlo {
                n_points: mc.n_points,
                seed: rng.next_u64(),
            }),
        }
    }

    /// A short name: `"quadrature"` or `"monte-carlo"`.
    ///
    /// ```
    /// assert_eq!(pp_core::CompensatorMethod::default().name(), "quadrature");
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            CompensatorMethod::Quadrature(_) => "quadrature",
            CompensatorMethod::MonteCarlo(_) => "monte-carlo",
        }
    }
}

impl<M: Intensity + ?Sized> Compensator<M> for CompensatorMethod {
    fn integrate(
        &self,
        model: &M,
        seq: &EventSequence,
        a: f64,
        b: f64,
        out: &mut [f64],
    ) -> Result<()> {
        match self {
            CompensatorMethod::Quadrature(q) => q.integrate(model, seq, a, b, out),
            CompensatorMethod::MonteCarlo(mc) => mc.integrate(model, seq, a, b, out),
        }
    }
}

/// `Σ_e log λ_{i_e}(t_e | H_{t_e})`, the event term of (1.1), by direct evaluation.
///
/// ```
/// use pp_core::{event_log_intensity_sum, EventSequence, Poisson, Window};
/// let seq = EventSequence::new(Window::new(0.0, 1.0)?, 2, vec![0.1, 0.2], vec![0, 1])?;
/// let s = event_log_intensity_sum(&Poisson::new(vec![2.0, 3.0])?, &seq)?;
/// assert!((s - 6f64.ln()).abs() < 1e-15);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub fn event_log_intensity_sum<M: Intensity + ?Sized>(
    model: &M,
    seq: &EventSequence,
) -> Result<f64> {
    check_dimension(model, seq)?;
    let history = seq.history();
    let mut sum = 0.0;
    for (index, (t, mark)) in history.iter().enumerate() {
        let log_lambda = model.log_intensity(t, history.prefix(index), mark as usize);
        if !log_lambda.is_finite() {
            return Err(PpError::NonPositiveIntensity {
                index,
                time: t,
                mark,
                value: log_lambda.exp(),
            });
        }
        sum += log_lambda;
    }
    Ok(sum)
}

/// The log-likelihood (1.1) with the given compensator:
/// `Σ_e log λ_{i_e}(t_e) − Σ_i ∫_{T0}^{T1} λ_i`.
///
/// ```
/// use pp_core::{log_likelihood, ClosedForm, EventSequence, Poisson, Quadrature, Window};
/// let model = Poisson::new(vec![2.0])?;
/// let seq = EventSequence::new(Window::new(0.0, 3.0)?, 1, vec![0.5, 1.0], vec![0, 0])?;
/// let exact = 2.0 * 2f64.ln() - 6.0;
/// assert!((log_likelihood(&model, &seq, &ClosedForm)? - exact).abs() < 1e-14);
/// assert!((log_likelihood(&model, &seq, &Quadrature::default())? - exact).abs() < 1e-12);
/// # Ok::<(), pp_core::PpError>(())
/// ```
pub fn log_likelihood<M, C>(model: &M, seq: &EventSequence, compensator: &C) -> Result<f64>
where
    M: Intensity + ?Sized,
    C: Compensator<M> + ?Sized,
{
    let events = event_log_intensity_sum(model, seq)?;
    Ok(events - compensator.total(model, seq)?)
}
