//! The randomness of one ∂PP run: candidate times and Gumbel vectors. Holding it fixed makes
//! every soft mark a deterministic, differentiable function of the parameters (common random
//! numbers for finite differences and for comparing estimators).

use pp_core::Window;
use rand::Rng;
use rand_distr::{Distribution, Exp1};

use crate::error::{DiffppError, Result};
use crate::expconcrete::{fill_gumbel, noise_log_density_term};

/// Largest expected number of candidates [`Noise::draw`] accepts (`λ̄ (T1 − T0)`): beyond it
/// the draw is refused with an error instead of running out of memory (or, when the gaps fall
/// below the floating-point spacing of the times, never finishing).
///
/// ```
/// use rand::SeedableRng;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
/// let w = pp_core::Window::new(0.0, 10.0)?;
/// assert!(diffpp::Noise::draw(&mut rng, w, 1e9, 2).is_err());
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
pub const MAX_EXPECTED_CANDIDATES: f64 = 1e9;

/// Candidate times `s_1 < … < s_M` and one Gumbel vector of `n_categories` entries per
/// candidate (row-major `[candidate][category]`).
///
/// [`Noise::draw`] draws the times first (a homogeneous Poisson process by exponential gaps),
/// then all Gumbel vectors in candidate order, so the same seed gives the same bits.
///
/// ```
/// use diffpp::Noise;
/// use pp_core::Window;
/// use rand::SeedableRng;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5);
/// let noise = Noise::draw(&mut rng, Window::new(0.0, 10.0)?, 3.0, 2)?;
/// assert_eq!(noise.gumbel().len(), 2 * noise.len());
/// let again = Noise::draw(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(5),
///     Window::new(0.0, 10.0)?, 3.0, 2)?;
/// assert_eq!(noise, again);
/// # Ok::<(), diffpp::DiffppError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Noise {
    times: Vec<f64>,
    gumbel: Vec<f64>,
    n_categories: usize,
    /// Per candidate, [`noise_log_density_term`] of its Gumbel vector.
    density_terms: Vec<f64>,
}

impl Noise {
    /// Noise from given candidate times (finite, strictly increasing) and Gumbel vectors
    /// (finite, `times.len() * n_categories` of them, `n_categories >= 2`).
    ///
    /// ```
    /// use diffpp::Noise;
    /// assert!(Noise::new(vec![0.1, 0.2], vec![0.0; 4], 2).is_ok());
    /// assert!(Noise::new(vec![0.2, 0.1], vec![0.0; 4], 2).is_err());
    /// assert!(Noise::new(vec![0.1], vec![0.0; 3], 2).is_err());
    /// ```
    pub fn new(times: Vec<f64>, gumbel: Vec<f64>, n_categories: usize) -> Result<Self> {
        if n_categories < 2 {
            return Err(DiffppError::TooFewCategories {
                what: "noise",
                found: n_categories,
                min: 2,
            });
        }
        if gumbel.len() != times.len() * n_categories {
            return Err(DiffppError::LengthMismatch {
                what: "Gumbel noise (candidates × categories)",
                expected: times.len() * n_categories,
                found: gumbel.len(),
            });
        }
        for (index, &value) in gumbel.iter().enumerate() {
            if !value.is_finite() {
                return Err(DiffppError::NonFinite {
                    what: "Gumbel noise",
                    index,
                    value,
                });
            }
        }
        let mut previous = f64::NEG_INFINITY;
        for (index, &value) in times.iter().enumerate() {
            if !value.is_finite() {
                return Err(DiffppError::NonFinite {
                    what: "candidate time",
                    index,
                    value,
                });
            }
            if value <= previous {
                return Err(DiffppError::InvalidNoise {
                    reason: format!(
                        "candidate {index} at time {value} is not after the previous one at {previous}"
                    ),
                });
            }
            previous = value;
        }
        let density_terms = gumbel
            .chunks_exact(n_categories)
            .map(noise_log_density_term)
            .collect();
        Ok(Self {
            times,
            gumbel,
            n_categories,
            density_terms,
        })
    }

    /// Draws candidate times from a homogeneous Poisson process of rate `rate` on `window` and
    /// a standard Gumbel vector of `n_categories` entries for each.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let n = diffpp::Noise::draw(&mut rng, pp_core::Window::new(0.0, 100.0)?, 2.0, 3)?;
    /// assert!(n.len() > 100 && n.len() < 300);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn draw<R: Rng + ?Sized>(
        rng: &mut R,
        window: Window,
        rate: f64,
        n_categories: usize,
    ) -> Result<Self> {
        let mut noise = Self::default();
        noise.redraw(rng, window, rate, n_categories)?;
        Ok(noise)
    }

    /// Like [`draw`](Self::draw), reusing this value's buffers.
    ///
    /// ```
    /// use rand::SeedableRng;
    /// let w = pp_core::Window::new(0.0, 5.0)?;
    /// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1);
    /// let mut n = diffpp::Noise::draw(&mut rng, w, 2.0, 3)?;
    /// n.redraw(&mut rng, w, 2.0, 3)?;
    /// assert_eq!(n.n_categories(), 3);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn redraw<R: Rng + ?Sized>(
        &mut self,
        rng: &mut R,
        window: Window,
        rate: f64,
        n_categories: usize,
    ) -> Result<()> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(DiffppError::InvalidModel {
                what: "candidate rate",
                value: rate,
                reason: "need a finite rate > 0",
            });
        }
        if n_categories < 2 {
            return Err(DiffppError::TooFewCategories {
                what: "noise",
                found: n_categories,
                min: 2,
            });
        }
        if rate * window.duration() > MAX_EXPECTED_CANDIDATES {
            return Err(DiffppError::InvalidModel {
                what: "candidate rate × window duration",
                value: rate * window.duration(),
                reason: "more than 1e9 expected candidates: refusing to draw them",
            });
        }
        self.times.clear();
        self.gumbel.clear();
        self.n_categories = n_categories;
        let mut s = window.t0();
        loop {
            let gap: f64 = Exp1.sample(rng);
            s += gap / rate;
            if s > window.t1() {
                break;
            }
            // a zero gap (probability ~1e-300) would duplicate a time: skip it
            if self.times.last().is_some_and(|&last| s <= last) {
                continue;
            }
            self.times.push(s);
        }
        self.gumbel.resize(self.times.len() * n_categories, 0.0);
        fill_gumbel(rng, &mut self.gumbel);
        self.density_terms.clear();
        self.density_terms.extend(
            self.gumbel
                .chunks_exact(n_categories)
                .map(noise_log_density_term),
        );
        Ok(())
    }

    /// Candidate times.
    ///
    /// ```
    /// assert_eq!(diffpp::Noise::new(vec![0.5], vec![0.0, 1.0], 2)?.times(), &[0.5]);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn times(&self) -> &[f64] {
        &self.times
    }

    /// All Gumbel vectors, row-major `[candidate][category]`.
    ///
    /// ```
    /// assert_eq!(diffpp::Noise::new(vec![0.5], vec![0.0, 1.0], 2)?.gumbel(), &[0.0, 1.0]);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn gumbel(&self) -> &[f64] {
        &self.gumbel
    }

    /// The Gumbel vector of candidate `k` (panics if `k >= len()`).
    ///
    /// ```
    /// assert_eq!(diffpp::Noise::new(vec![0.5], vec![0.0, 1.0], 2)?.gumbel_of(0), &[0.0, 1.0]);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn gumbel_of(&self, k: usize) -> &[f64] {
        &self.gumbel[k * self.n_categories..(k + 1) * self.n_categories]
    }

    /// Per candidate, the noise's part of the ExpConcrete log density (4.1) at the sample it
    /// gives, whatever the logits: [`noise_log_density_term`] of its Gumbel vector.
    ///
    /// ```
    /// let noise = diffpp::Noise::new(vec![0.5], vec![0.0, 1.0], 2)?;
    /// let expected = diffpp::expconcrete::noise_log_density_term(&[0.0, 1.0]);
    /// assert_eq!(noise.density_terms(), &[expected]);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn density_terms(&self) -> &[f64] {
        &self.density_terms
    }

    /// Number of candidates `M`.
    ///
    /// ```
    /// assert_eq!(diffpp::Noise::new(vec![], vec![], 2)?.len(), 0);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are no candidates.
    ///
    /// ```
    /// assert!(diffpp::Noise::new(vec![], vec![], 2)?.is_empty());
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Entries per Gumbel vector (`H + 1` for a ∂PP with `H` hidden dimensions).
    ///
    /// ```
    /// assert_eq!(diffpp::Noise::new(vec![], vec![], 5)?.n_categories(), 5);
    /// # Ok::<(), diffpp::DiffppError>(())
    /// ```
    pub fn n_categories(&self) -> usize {
        self.n_categories
    }
}
