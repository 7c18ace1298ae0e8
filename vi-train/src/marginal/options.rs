//! The settings of the particle filter ([`SmcOptions`]) and of the importance-weighted bound
//! ([`IwaeOptions`]), each checked once before any work starts.

use pp_core::CompensatorMethod;

use crate::error::{Result, ViError};

/// Settings of the particle filter ([`marginal_log_likelihood`](super::marginal_log_likelihood),
/// [`predictive_intensity`](super::predictive_intensity),
/// [`marginal_time_rescale`](super::marginal_time_rescale)).
///
/// ```
/// let o = vi_train::marginal::SmcOptions::default();
/// assert_eq!((o.particles, o.runs, o.ess_threshold, o.seed), (1000, 4, 0.5, 0));
/// assert!(o.check().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmcOptions {
    /// Particles per run (≥ 1).
    pub particles: usize,
    /// Independent runs of the filter per sequence (≥ 1; ≥ 2 for a standard error). The
    /// reported estimate pools them (the log of the mean of their `p̂`).
    pub runs: usize,
    /// Resample when the effective sample size falls below `ess_threshold · particles`
    /// (in `(0, 1]`; 1 resamples after every segment whose weights are not all equal).
    pub ess_threshold: f64,
    /// Run `r` of sequence `s` draws from generators derived from `(seed, s, r)` only
    /// (see [`run_seeds`](super::run_seeds)): the same bits for any number of threads.
    pub seed: u64,
    /// The compensator of the observed neurons over each segment: quadrature (the default,
    /// accurate to its `rel_tol`, `1e-10`) or, only if asked for, Monte Carlo at the fixed
    /// points of the [`pp_core::MonteCarlo`] specification (then `p̂` is no longer unbiased:
    /// `exp` of an unbiased estimate of `−Λ` is biased).
    pub compensator: CompensatorMethod,
    /// The predictive time rescaling ([`marginal_time_rescale`](super::marginal_time_rescale))
    /// splits the marginal compensator among the observed neurons on cells at most this long
    /// (the total over the neurons is exact whatever the cell; docs/derivations/marginal.md §5).
    /// Positive and finite; default `0.05`.
    pub rescale_step: f64,
    /// Seconds at the start of every sequence that are filtered but not scored (0: none):
    /// [`marginal_log_likelihood`](super::marginal_log_likelihood) then estimates
    /// `log p(O after the lead-in | O of the lead-in)` as the difference of one run's estimates
    /// at the end and at the lead-in's end (consistent in the particles; [`crate::lead_in`]).
    /// The predictive intensity and time rescaling cover the whole sequence and ignore it.
    pub lead_in: f64,
}

impl Default for SmcOptions {
    fn default() -> Self {
        Self {
            particles: 1000,
            runs: 4,
            ess_threshold: 0.5,
            seed: 0,
            compensator: CompensatorMethod::default(),
            rescale_step: 0.05,
            lead_in: 0.0,
        }
    }
}

impl SmcOptions {
    /// Checks every setting: `particles ≥ 1`, `runs ≥ 1`, `ess_threshold` in `(0, 1]`,
    /// `rescale_step` positive and finite (the compensator was checked by its constructor).
    ///
    /// ```
    /// use vi_train::marginal::SmcOptions;
    /// assert!(SmcOptions { particles: 0, ..SmcOptions::default() }.check().is_err());
    /// assert!(SmcOptions { ess_threshold: 0.0, ..SmcOptions::default() }.check().is_err());
    /// assert!(SmcOptions { ess_threshold: 1.0, ..SmcOptions::default() }.check().is_ok());
    /// let e = SmcOptions { runs: 0, ..SmcOptions::default() }.check().unwrap_err();
    /// assert_eq!(e.to_string(), "runs: must be at least 1, got 0");
    /// ```
    pub fn check(&self) -> Result<()> {
        if self.particles == 0 {
            return Err(ViError::argument("particles", "must be at least 1, got 0"));
        }
        if self.runs == 0 {
            return Err(ViError::argument("runs", "must be at least 1, got 0"));
        }
        if !(self.ess_threshold > 0.0 && self.ess_threshold <= 1.0) {
            return Err(ViError::argument(
                "ESS threshold",
                format!(
                    "must be in (0, 1] (a fraction of the particles), got {}",
                    self.ess_threshold
                ),
            ));
        }
        if !(self.rescale_step.is_finite() && self.rescale_step > 0.0) {
            return Err(ViError::argument(
                "rescale step",
                format!("must be positive and finite, got {}", self.rescale_step),
            ));
        }
        crate::lead_in::check(self.lead_in)
    }

    /// [`check`](Self::check), and at least two runs: what a standard error needs.
    ///
    /// ```
    /// use vi_train::marginal::SmcOptions;
    /// assert!(SmcOptions { runs: 1, ..SmcOptions::default() }.check_for_standard_error().is_err());
    /// assert!(SmcOptions { runs: 2, ..SmcOptions::default() }.check_for_standard_error().is_ok());
    /// ```
    pub fn check_for_standard_error(&self) -> Result<()> {
        self.check()?;
        if self.runs < 2 {
            return Err(ViError::argument(
                "runs",
                format!(
                    "a standard error needs at least 2 independent runs, got {}",
                    self.runs
                ),
            ));
        }
        Ok(())
    }
}

/// Settings of the importance-weighted bound ([`iwae_bound`](super::iwae_bound)).
///
/// ```
/// let o = vi_train::marginal::IwaeOptions::default();
/// assert_eq!((o.samples, o.replicates, o.seed), (10, 4, 0));
/// assert!(o.check().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IwaeOptions {
    /// `K`, the hidden samples inside one bound (≥ 1; 1 is the ELBO).
    pub samples: usize,
    /// Independent replicates of the `K`-sample bound per sequence (≥ 1; ≥ 2 for a standard
    /// error); the estimate is their mean.
    pub replicates: usize,
    /// Sequence `i` draws from `pp_thinning::sequence_rng(seed, i)`, replicate after replicate
    /// (so `K = 1` draws exactly what [`evaluate`](crate::vi::evaluate) draws).
    pub seed: u64,
    /// The compensator of the hard-spike log-likelihoods (as in [`crate::vi::EvalOptions`]).
    pub compensator: CompensatorMethod,
    /// Seconds at the start of every sequence that are sampled but not scored (as in
    /// [`crate::vi::EvalOptions::lead_in`]).
    pub lead_in: f64,
}

impl Default for IwaeOptions {
    fn default() -> Self {
        Self {
            samples: 10,
            replicates: 4,
            seed: 0,
            compensator: CompensatorMethod::default(),
            lead_in: 0.0,
        }
    }
}

impl IwaeOptions {
    /// Checks `samples ≥ 1`, `replicates ≥ 1` and the lead-in.
    ///
    /// ```
    /// use vi_train::marginal::IwaeOptions;
    /// assert!(IwaeOptions { samples: 0, ..IwaeOptions::default() }.check().is_err());
    /// assert!(IwaeOptions { replicates: 0, ..IwaeOptions::default() }.check().is_err());
    /// ```
    pub fn check(&self) -> Result<()> {
        if self.samples == 0 {
            return Err(ViError::argument(
                "samples",
                "the importance-weighted bound needs at least 1 sample, got 0",
            ));
        }
        if self.replicates == 0 {
            return Err(ViError::argument("replicates", "must be at least 1, got 0"));
        }
        crate::lead_in::check(self.lead_in)
    }
}
