//! One run of the particle filter on one observed sequence (docs/derivations/marginal.md
//! §2–§3): the segments between observed spikes, every particle walked through each segment
//! in parallel, the weights multiplied by the observed neurons' likelihood increment, the
//! effective sample size, systematic resampling below the threshold, and the estimate
//! `log p̂(O)`. Callers that need the particle system inside a segment (the predictive
//! intensity, the predictive time rescaling) ask for extra stops through an [`Observer`].

use pp_core::EventSequence;
use pp_thinning::sequence_rng;
use rand::RngExt;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

use super::integrate::{McPoints, mc_points};
use super::network::{Integration, Network};
use super::options::SmcOptions;
use super::particle::Particle;
use super::resample::{effective_sample_size, log_mean_exp, systematic};
use super::walk::Walker;
use crate::error::{Result, ViError};

/// Particles per rayon task: a particle's segment is a few microseconds of work.
const MIN_PARTICLES_PER_TASK: usize = 8;

/// The index of the resampling generator of a run (the particles use `0..particles`).
const RESAMPLING_STREAM: u64 = u64::MAX;

/// The seeds of the `runs` runs of the filter on sequence `sequence`: the first `runs` outputs
/// of `pp_thinning::sequence_rng(seed, sequence)`. Particle `i` of a run with seed `s` draws
/// from `sequence_rng(s, i)`, its resampling from `sequence_rng(s, u64::MAX)`: every random
/// number is a function of `(seed, sequence, run, particle)` alone.
///
/// ```
/// let a = vi_train::marginal::run_seeds(7, 3, 2);
/// assert_eq!(a.len(), 2);
/// assert_eq!(a, vi_train::marginal::run_seeds(7, 3, 2));
/// assert_ne!(a, vi_train::marginal::run_seeds(7, 4, 2));
/// ```
pub fn run_seeds(seed: u64, sequence: usize, runs: usize) -> Vec<u64> {
    let mut g = sequence_rng(seed, sequence as u64);
    (0..runs).map(|_| g.random::<u64>()).collect()
}

/// What a caller sees of a run inside the segments.
pub(super) trait Observer {
    /// Appends the times at which all particles stop in segment `segment` = `[a, b]`:
    /// increasing, in `[a, b]`, the last one `b`. By default only `b`.
    fn stops(&mut self, _segment: usize, _a: f64, b: f64, out: &mut Vec<f64>) {
        out.push(b);
    }

    /// Called when every particle has reached the stop `t`, with the log weights of the
    /// particles at the segment's start (`log_w`, not normalised) and their walkers (the
    /// compensator since the segment's start and since the previous stop, the observed
    /// potentials at `t`).
    fn at_stop(
        &mut self,
        _segment: usize,
        _t: f64,
        _log_w: &[f64],
        _walkers: &[Walker],
    ) -> Result<()> {
        Ok(())
    }
}

/// An observer that asks for nothing.
pub(super) struct Plain;

impl Observer for Plain {}

/// What one run found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RunOutcome {
    pub(super) log_p: f64,
    pub(super) ess_min: f64,
    pub(super) ess_mean: f64,
    pub(super) resamplings: usize,
    pub(super) segments: usize,
    pub(super) peak_bytes: usize,
}

/// Calls `f` on every particle slot (particle, walker, generator): in parallel on the current
/// rayon pool, or in this thread when the pool has one thread (no hand-over per segment).
/// Each slot's work depends on the slot alone, so the result is the same either way.
fn for_each_slot<F>(
    particles: &mut [Particle],
    walkers: &mut [Walker],
    rngs: &mut [Xoshiro256PlusPlus],
    f: F,
) where
    F: Fn(&mut Particle, &mut Walker, &mut Xoshiro256PlusPlus) + Sync + Send,
{
    if rayon::current_num_threads() > 1 {
        particles
            .par_iter_mut()
            .zip(walkers.par_iter_mut())
            .zip(rngs.par_iter_mut())
            .with_min_len(MIN_PARTICLES_PER_TASK)
            .for_each(|((p, w), rng)| f(p, w, rng));
    } else {
        for ((p, w), rng) in particles
            .iter_mut()
            .zip(walkers.iter_mut())
            .zip(rngs.iter_mut())
        {
            f(p, w, rng);
        }
    }
}

/// Runs the filter with `options.particles` particles and the generators of `run_seed` on
/// `seq` (its observed spikes already checked against the network). Its estimate is of the
/// stretch `[from, T1]` given the observed spikes before it: the estimate at the end less the
/// estimate at `from` (an extra stop; `from = T0`: the whole sequence).
pub(super) fn run_filter<O: Observer>(
    net: &Network,
    seq: &EventSequence,
    from: f64,
    options: &SmcOptions,
    run_seed: u64,
    observer: &mut O,
) -> Result<RunOutcome> {
    let np = options.particles;
    let window = seq.window();
    let (t0, t1) = (window.t0(), window.t1());
    let (times, marks) = (seq.times(), seq.marks());
    let points = match &net.integration {
        Integration::MonteCarlo(mc) => mc_points(mc, t0, t1),
        _ => Vec::new(),
    };
    let mc = McPoints {
        points: &points,
        scale: if points.is_empty() {
            0.0
        } else {
            (t1 - t0) / points.len() as f64
        },
    };
    let mut cur: Vec<Particle> = (0..np).map(|_| Particle::new(net)).collect();
    let mut next: Vec<Particle> = (0..np).map(|_| Particle::new(net)).collect();
    let mut walkers: Vec<Walker> = (0..np).map(|_| Walker::new(net)).collect();
    let mut rngs: Vec<Xoshiro256PlusPlus> =
        (0..np).map(|i| sequence_rng(run_seed, i as u64)).collect();
    let mut resampling_rng = sequence_rng(run_seed, RESAMPLING_STREAM);
    let mut log_w = vec![0.0; np];
    let mut ancestors = vec![0usize; np];
    let mut scratch = vec![0.0; np];
    let mut stops = Vec::new();
    for w in &mut walkers {
        w.start_run(t0);
    }

    let n_segments = times.len() + 1;
    let mut log_z = 0.0;
    let (mut ess_min, mut ess_sum) = (f64::INFINITY, 0.0);
    let mut resamplings = 0;
    let mut peak_bytes = 0;
    let mut spike: Option<(f64, usize)> = None;
    // log p̂ of the observed spikes before `from` (the lead-in), at the stop `from`
    let mut log_p_lead = 0.0;
    for j in 0..n_segments {
        let a = if j == 0 { t0 } else { times[j - 1] };
        let b = if j < times.len() { times[j] } else { t1 };
        stops.clear();
        observer.stops(j, a, b, &mut stops);
        debug_assert!(stops.last() == Some(&b) && stops.windows(2).all(|s| s[0] <= s[1]));
        let lead_stop = from > t0 && a < from && from <= b;
        if lead_stop && !stops.contains(&from) {
            let at = stops.partition_point(|&t| t < from);
            stops.insert(at, from);
        }

        for_each_slot(&mut cur, &mut walkers, &mut rngs, |p, w, rng| {
            w.start_segment(net, p, rng, spike)
        });
        for &t in &stops {
            for_each_slot(&mut cur, &mut walkers, &mut rngs, |p, w, rng| {
                if let Err(e) = w.advance_to(net, p, rng, t, mc) {
                    w.error = Some(e);
                }
            });
            // the error of the lowest-numbered particle: independent of the thread count
            if let Some(e) = walkers.iter_mut().find_map(|w| w.error.take()) {
                return Err(e);
            }
            if lead_stop && t == from {
                // the weights with the compensator so far and without the event at b >= from
                for ((x, lw), w) in scratch.iter_mut().zip(&log_w).zip(&walkers) {
                    *x = lw - w.segment_compensator();
                }
                log_p_lead = log_z + log_mean_exp(&scratch);
            }
            observer.at_stop(j, t, &log_w, &walkers)?;
        }

        let observed = (j < times.len()).then(|| marks[j] as usize);
        for (i, (lw, w)) in log_w.iter_mut().zip(&walkers).enumerate() {
            let event = observed.map_or(0.0, |o| net.act.log_value(w.observed_potentials()[o]));
            *lw += event - w.segment_compensator();
            if !lw.is_finite() {
                return Err(ViError::Numerical {
                    what: "particle filter weight",
                    detail: format!(
                        "particle {i} has log weight {lw} after segment {j} [{a}, {b}] \
                         (log-intensity {event}, compensator {})",
                        w.segment_compensator()
                    ),
                });
            }
        }
        let ess = effective_sample_size(&log_w);
        ess_min = ess_min.min(ess);
        ess_sum += ess;
        if j + 1 < n_segments && ess < options.ess_threshold * np as f64 {
            log_z += log_mean_exp(&log_w);
            let u = resampling_rng.random::<f64>();
            systematic(&log_w, u, &mut scratch, &mut ancestors);
            if rayon::current_num_threads() > 1 {
                next.par_iter_mut()
                    .zip(ancestors.par_iter())
                    .with_min_len(MIN_PARTICLES_PER_TASK)
                    .for_each(|(p, &a)| p.copy_from(&cur[a]));
            } else {
                for (p, &a) in next.iter_mut().zip(&ancestors) {
                    p.copy_from(&cur[a]);
                }
            }
            std::mem::swap(&mut cur, &mut next);
            log_w.fill(0.0);
            resamplings += 1;
        }
        spike = observed.map(|o| (b, o));
        let bytes: usize = cur.iter().chain(&next).map(|p| p.bytes(net)).sum::<usize>()
            + walkers.iter().map(Walker::bytes).sum::<usize>();
        peak_bytes = peak_bytes.max(bytes);
    }
    let log_p = log_z + log_mean_exp(&log_w) - log_p_lead;
    if !log_p.is_finite() {
        return Err(ViError::Numerical {
            what: "particle filter estimate",
            detail: format!("log p̂ = {log_p}"),
        });
    }
    Ok(RunOutcome {
        log_p,
        ess_min,
        ess_mean: ess_sum / n_segments as f64,
        resamplings,
        segments: n_segments,
        peak_bytes,
    })
}
