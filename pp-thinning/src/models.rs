//! Fast [`SequentialIntensity`] implementations for pp-core's Markovian models: homogeneous
//! Poisson (no state) and exponential Hawkes (O(D) recursive state, no history).

use crate::bound::BoundSpec;
use crate::sequential::SequentialIntensity;
use pp_core::{ExpHawkes, Intensity, Poisson};

/// A homogeneous Poisson process: the exact bound `Σ_i μ_i` makes every candidate an event.
///
/// ```
/// use pp_core::{Poisson, Window};
/// use pp_thinning::Thinning;
/// use rand::SeedableRng;
/// let sampler = Thinning::new(Poisson::new(vec![1.0, 2.0])?, Window::new(0.0, 100.0)?)?;
/// let sample = sampler.sample(&mut rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(1))?;
/// assert_eq!(sample.stats.acceptance_rate(), Some(1.0));
/// # Ok::<(), pp_thinning::ThinningError>(())
/// ```
impl SequentialIntensity for Poisson {
    /// The total rate `Σ_i μ_i`, computed once per sequence.
    type State = f64;

    #[inline]
    fn dim(&self) -> usize {
        Intensity::dim(self)
    }

    fn new_state(&self) -> f64 {
        self.rates().iter().sum()
    }

    #[inline]
    fn reset(&self, total: &mut f64, _t0: f64) {
        *total = self.rates().iter().sum();
    }

    #[inline]
    fn intensities_at(&self, _total: &mut f64, _s: f64, out: &mut [f64]) {
        out.copy_from_slice(self.rates());
    }

    #[inline]
    fn accept(&self, _total: &mut f64, _s: f64, _mark: u32) {}

    #[inline]
    fn bound(&self, total: &mut f64, _s: f64) -> BoundSpec {
        BoundSpec::until_next_event(*total)
    }
}

/// The recursive state of an exponential Hawkes process along one sequence (docs/math.md §1):
/// `r_i(t) = Σ_{t_e < t} α_{i,i_e} β e^{−β (t − t_e)}` kept at the time of the last update, so
/// that one candidate costs one `exp` and O(D) multiply-adds, and an accepted event O(D) adds.
/// Memory is O(D²) (a transposed copy of `αβ`) whatever the number of events.
///
/// ```
/// use pp_core::ExpHawkes;
/// use pp_thinning::SequentialIntensity;
/// let m = ExpHawkes::new(vec![0.5], vec![0.8], 2.0)?;
/// let mut st = m.new_state();
/// m.reset(&mut st, 0.0);
/// let mut out = [0.0];
/// m.intensities_at(&mut st, 1.0, &mut out);
/// m.accept(&mut st, 1.0, 0);
/// assert!((m.bound(&mut st, 1.0).rate - (0.5 + 1.6)).abs() < 1e-15);
/// m.intensities_at(&mut st, 1.5, &mut out);
/// assert!((out[0] - (0.5 + 1.6 * (-1.0f64).exp())).abs() < 1e-15);
/// # Ok::<(), pp_core::PpError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ExpHawkesState {
    /// `r_i` at time `t_ref`.
    r: Vec<f64>,
    /// `jump[j * D + i] = α_{i,j} β`: the jump of `r_i` caused by an event of `j` (transposed so
    /// that an accepted event reads one contiguous row).
    jump: Vec<f64>,
    /// `Σ_i μ_i`.
    mu_total: f64,
    /// Time at which `r` is stored.
    t_ref: f64,
    /// `Σ_i r_i` at `t_ref`: recomputed exactly at every accepted event, multiplied by the
    /// decay factor at every candidate (so rounding drift is limited to one rounding per
    /// rejected candidate since the last event).
    sum_r: f64,
}

impl ExpHawkesState {
    /// The excitations `r_i` (intensity minus baseline) at the time of the last update.
    ///
    /// ```
    /// use pp_thinning::SequentialIntensity;
    /// let m = pp_core::ExpHawkes::new(vec![0.5], vec![0.8], 2.0)?;
    /// let mut st = m.new_state();
    /// m.reset(&mut st, 0.0);
    /// m.accept(&mut st, 0.0, 0);
    /// assert_eq!(st.excitations(), &[1.6]);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn excitations(&self) -> &[f64] {
        &self.r
    }
}

impl SequentialIntensity for ExpHawkes {
    type State = ExpHawkesState;

    #[inline]
    fn dim(&self) -> usize {
        Intensity::dim(self)
    }

    fn new_state(&self) -> ExpHawkesState {
        let d = Intensity::dim(self);
        let beta = self.beta();
        let alpha = self.alpha();
        let mut jump = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..d {
                jump[j * d + i] = alpha[i * d + j] * beta;
            }
        }
        let mu_total = self.mu().iter().sum();
        ExpHawkesState {
            r: vec![0.0; d],
            jump,
            mu_total,
            t_ref: f64::NEG_INFINITY,
            sum_r: 0.0,
        }
    }

    #[inline]
    fn reset(&self, st: &mut ExpHawkesState, t0: f64) {
        st.r.fill(0.0);
        st.t_ref = t0;
        st.sum_r = 0.0;
    }

    #[inline]
    fn intensities_at(&self, st: &mut ExpHawkesState, s: f64, out: &mut [f64]) {
        let f = (-self.beta() * (s - st.t_ref)).exp();
        for ((o, r), &mu) in out.iter_mut().zip(st.r.iter_mut()).zip(self.mu()) {
            *r *= f;
            *o = mu + *r;
        }
        st.sum_r *= f;
        st.t_ref = s;
    }

    #[inline]
    fn accept(&self, st: &mut ExpHawkesState, _s: f64, mark: u32) {
        let d = st.r.len();
        let j = mark as usize;
        let row = &st.jump[j * d..(j + 1) * d];
        let mut sum = 0.0;
        for (r, &a) in st.r.iter_mut().zip(row) {
            *r += a;
            sum += *r;
        }
        st.sum_r = sum;
    }

    /// `Σ_i λ_i` just after the last update (the intensity is non-increasing until the next
    /// event because every `α ≥ 0`): O(1).
    #[inline]
    fn bound(&self, st: &mut ExpHawkesState, s: f64) -> BoundSpec {
        // The total at the last update `t_ref <= s` bounds every later time until the next event.
        let _ = s;
        BoundSpec::until_next_event(st.mu_total + st.sum_r)
    }
}
