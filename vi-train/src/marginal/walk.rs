//! Moving one particle forward in time between observed spikes: exact thinning of its hidden
//! neurons given the observed history and its own hidden history, and the exact compensator
//! of the observed neurons on the way (docs/derivations/marginal.md §2).
//!
//! The walk goes from breakpoint to breakpoint. Between two consecutive breakpoints of the
//! particle (its events' times and, for the Epanechnikov basis, every `t_e + lo_k` and
//! `t_e + hi_k`) every potential is one explicit function of time: a quadratic from the
//! windows' expansion at the piece's midpoint, or the decaying sums. On such a piece the
//! thinning candidates (a Poisson process of rate `λ̄ = Σ_h sup ψ`, memoryless, so one pending
//! candidate carries over from piece to piece) are evaluated from that function; an accepted
//! candidate ends the piece (it is a new breakpoint). The observed neurons' intensities are
//! integrated on every piece by the rules of [`integrate`](super::integrate). Nothing here
//! allocates: every buffer belongs to the [`Walker`] of the particle's slot.

use pp_thinning::{BOUND_SLACK, ThinningError};
use rand::{Rng, RngExt};
use snn_model::SnnError;

use super::integrate::{McPoints, Piece, Scratch, integrate};
use super::network::{Kernel, Network};
use super::particle::Particle;
use crate::error::{Result, ViError};

/// The per-slot working state of a walk: where the particle is, its pending thinning
/// candidate, what was integrated since the segment's start and since the last stop, the
/// observed potentials at the last stop, and scratch buffers.
#[derive(Debug)]
pub(super) struct Walker {
    pos: f64,
    candidate: f64,
    /// `Σ_o ∫ λ_o` since the start of the segment.
    seg_comp: f64,
    /// `∫ λ_o` per observed neuron since the last stop.
    cell: Vec<f64>,
    /// The observed neurons' potentials at the last stop (history strictly before it).
    u_obs: Vec<f64>,
    /// Next Monte Carlo point (index into the run's points).
    mc_next: usize,
    /// Quadratic expansion of every potential on the current piece, `[N][3]`.
    e: Vec<f64>,
    /// Hidden intensities at a candidate.
    lam: Vec<f64>,
    /// The integration rules' buffers.
    scratch: Scratch,
    /// The error of the last step (kept here so that parallel steps need no allocation).
    pub(super) error: Option<ViError>,
}

impl Walker {
    /// Buffers for `net`.
    pub(super) fn new(net: &Network) -> Self {
        Self {
            pos: f64::NEG_INFINITY,
            candidate: f64::INFINITY,
            seg_comp: 0.0,
            cell: vec![0.0; net.n_obs],
            u_obs: vec![0.0; net.n_obs],
            mc_next: 0,
            e: vec![0.0; 3 * net.n],
            lam: vec![0.0; net.n],
            scratch: Scratch::new(net),
            error: None,
        }
    }

    /// `Σ_o ∫ λ_o` of this particle since the start of the segment.
    #[inline]
    pub(super) fn segment_compensator(&self) -> f64 {
        self.seg_comp
    }

    /// `∫ λ_o` per observed neuron since the previous stop.
    #[inline]
    pub(super) fn cell(&self) -> &[f64] {
        &self.cell
    }

    /// The observed neurons' potentials at the last stop.
    #[inline]
    pub(super) fn observed_potentials(&self) -> &[f64] {
        &self.u_obs
    }

    /// The heap bytes of the buffers.
    pub(super) fn bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + (self.cell.capacity()
                + self.u_obs.capacity()
                + self.e.capacity()
                + self.lam.capacity())
                * std::mem::size_of::<f64>()
            + self.scratch.bytes()
    }

    /// Starts a run at the window's start `t0` (the particle must be empty).
    pub(super) fn start_run(&mut self, t0: f64) {
        self.pos = t0;
        self.mc_next = 0;
        self.seg_comp = 0.0;
        self.error = None;
    }

    /// Starts the segment at `a` (the current position): pushes the observed spike that ended
    /// the previous segment, if any, and draws the first thinning candidate afresh (the
    /// candidates are a Poisson process: restarting at `a` is exact).
    pub(super) fn start_segment<R: Rng + ?Sized>(
        &mut self,
        net: &Network,
        particle: &mut Particle,
        rng: &mut R,
        spike: Option<(f64, usize)>,
    ) {
        if let Some((t, neuron)) = spike {
            particle.push(net, t, neuron);
        }
        self.seg_comp = 0.0;
        self.candidate = next_candidate(self.pos, net.bound, rng);
    }

    /// Moves the particle from its position to `t` (not before it, inside the segment): thins
    /// its hidden neurons on the way, integrates the observed intensities into
    /// [`cell`](Self::cell) (reset first) and the segment's compensator, and leaves the
    /// observed potentials at `t` in [`observed_potentials`](Self::observed_potentials).
    pub(super) fn advance_to<R: Rng + ?Sized>(
        &mut self,
        net: &Network,
        particle: &mut Particle,
        rng: &mut R,
        t: f64,
        mc: McPoints<'_>,
    ) -> Result<()> {
        self.cell.fill(0.0);
        let windows = matches!(net.kernel, Kernel::Windows { .. });
        while self.pos < t {
            let pos = self.pos;
            // The sums are where the previous piece left them (advanced to its midpoint, or to
            // the previous stop): no breakpoint lies between there and `pos`, and the scan of
            // `next_change` skips every entry and exit at or before `pos`.
            let r = particle.next_change(pos).min(t);
            // the origin of the piece's closed form
            let n_obs = net.n_obs;
            let origin = if windows {
                let mid = 0.5 * (pos + r);
                particle.advance(net, mid);
                particle.expansion(net, mid, 0, &mut self.e[..3 * n_obs]);
                mid
            } else {
                pos
            };
            let mut end = r;
            let mut accepted = None;
            // the hidden potentials' expansion, once a candidate falls in the piece
            let mut hidden_ready = !windows;
            while self.candidate < r {
                let s = self.candidate;
                if !hidden_ready {
                    particle.expansion(net, origin, n_obs, &mut self.e[3 * n_obs..]);
                    hidden_ready = true;
                }
                let total = self.hidden_intensities(net, particle, s - origin, windows);
                // (false for NaN: a NaN intensity is reported too)
                let within = total <= net.bound * (1.0 + BOUND_SLACK);
                if !within {
                    return Err(self.bound_error(net, s, total));
                }
                let target = rng.random::<f64>() * net.bound;
                if target < total {
                    accepted = Some((s, pick(&self.lam[..net.n_hid], target)));
                    end = s;
                    break;
                }
                self.candidate = next_candidate(s, net.bound, rng);
            }
            let piece = Piece {
                net,
                particle,
                quadratics: if windows { &self.e[..3 * n_obs] } else { &[] },
                origin,
            };
            self.seg_comp += integrate(
                &piece,
                pos,
                end,
                mc,
                &mut self.mc_next,
                &mut self.scratch,
                &mut self.cell,
            )?;
            if let Some((s, h)) = accepted {
                particle.push(net, s, net.n_obs + h);
                self.candidate = next_candidate(s, net.bound, rng);
            }
            self.pos = end;
        }
        particle.potentials_at(net, t, 0, &mut self.scratch.feats, &mut self.u_obs);
        Ok(())
    }

    /// The hidden intensities at `origin + x` into `lam[..H]`; returns their sum.
    #[inline]
    fn hidden_intensities(
        &mut self,
        net: &Network,
        particle: &Particle,
        x: f64,
        windows: bool,
    ) -> f64 {
        let (n_obs, n_hid) = (net.n_obs, net.n_hid);
        if windows {
            for h in 0..n_hid {
                let c = &self.e[3 * (n_obs + h)..3 * (n_obs + h) + 3];
                self.lam[h] = c[0] + x * (c[1] + x * c[2]);
            }
        } else {
            particle.decay_potentials(
                net,
                x,
                n_obs,
                &mut self.scratch.feats,
                &mut self.lam[..n_hid],
            );
        }
        let mut total = 0.0;
        for l in &mut self.lam[..n_hid] {
            *l = net.intensity(*l);
            total += *l;
        }
        total
    }

    #[cold]
    fn bound_error(&self, net: &Network, time: f64, total: f64) -> ViError {
        let lam = &self.lam[..net.n_hid];
        let e = match lam.iter().position(|&x| !(x >= 0.0 && x.is_finite())) {
            Some(dim) => ThinningError::InvalidIntensity {
                time,
                dim,
                value: lam[dim],
            },
            None => ThinningError::BoundViolation {
                time,
                intensity: total,
                bound: net.bound,
            },
        };
        ViError::Snn(SnnError::from(e))
    }
}

/// The next candidate after `s` of a Poisson process of rate `rate` (`+inf` for rate 0): one
/// `Exp(1)` draw by inversion, `−ln(1 − U)`, never repeating `s`.
#[inline]
fn next_candidate<R: Rng + ?Sized>(s: f64, rate: f64, rng: &mut R) -> f64 {
    if rate <= 0.0 {
        return f64::INFINITY;
    }
    let gap = -(1.0 - rng.random::<f64>()).ln();
    let c = s + gap / rate;
    if c > s { c } else { s.next_up() }
}

/// The first `h` with `Σ_{k ≤ h} λ_k > target` (`target < Σ λ`), as pp-thinning picks.
#[inline]
fn pick(lam: &[f64], target: f64) -> usize {
    let mut cum = 0.0;
    for (h, &x) in lam.iter().enumerate() {
        cum += x;
        if target < cum {
            return h;
        }
    }
    lam.iter().rposition(|&x| x > 0.0).unwrap_or(0)
}
