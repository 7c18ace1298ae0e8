//! The observed neurons' compensator on one piece of a particle's walk (docs/math.md §3,
//! docs/derivations/marginal.md §2), with the likelihood engine's rules: Gauss–Legendre of the
//! a priori order ([`snn_model::soft::apriori_order`]) for quadratic potentials and the sigmoid
//! or exp activation, adaptive Gauss–Kronrod 7/15 with QUADPACK's error estimate otherwise
//! (decaying kernels, hardtanh), or — only when asked for — the fixed Monte Carlo points.
//! Allocation-free: the buffers are the slot's [`Scratch`].

use pp_core::quadrature::gauss_legendre;
use pp_core::quadrature::kronrod::{
    GAUSS as GK_GAUSS, KRONROD as GK_KRONROD, NODES as GK_NODES, qk15_error,
};
use pp_core::{MonteCarlo, Quadrature};
use snn_model::soft::{APRIORI_MAX_ORDER, apriori_order};

use super::network::{Integration, Network};
use super::particle::Particle;
use crate::error::{Result, ViError};

/// A piece on which every potential is one explicit function of `x = t − origin`.
pub(super) struct Piece<'a> {
    pub(super) net: &'a Network,
    pub(super) particle: &'a Particle,
    /// Epanechnikov: the observed neurons' potentials as quadratics, `[o][3]`. Empty for the
    /// decaying kernels: then the particle's sums, advanced to `origin`, give them.
    pub(super) quadratics: &'a [f64],
    pub(super) origin: f64,
}

/// The working buffers of the rules.
#[derive(Debug)]
pub(super) struct Scratch {
    /// Observed values at the nodes, `[node][o]` (Kronrod) or `[o][node]` (Gauss–Legendre).
    nodes: Vec<f64>,
    /// Sub-intervals still to integrate, with their bisection depth.
    stack: Vec<(f64, f64, u32)>,
    /// The decaying kernels' features `e^{−x/τ_k}`.
    pub(super) feats: Vec<f64>,
}

impl Scratch {
    /// Buffers for `net`.
    pub(super) fn new(net: &Network) -> Self {
        Self {
            nodes: vec![0.0; 15.max(APRIORI_MAX_ORDER) * net.n_obs],
            stack: Vec::with_capacity(16),
            feats: vec![0.0; net.k],
        }
    }

    /// The heap bytes of the buffers.
    pub(super) fn bytes(&self) -> usize {
        (self.nodes.capacity() + self.feats.capacity()) * std::mem::size_of::<f64>()
            + self.stack.capacity() * std::mem::size_of::<(f64, f64, u32)>()
    }
}

/// The Monte Carlo points of a run and their weight `(T1 − T0)/n` (empty for quadrature).
#[derive(Debug, Clone, Copy)]
pub(super) struct McPoints<'a> {
    pub(super) points: &'a [f64],
    pub(super) scale: f64,
}

/// The sorted Monte Carlo points of `mc` on `[t0, t1]` (shared by the particles of a sequence).
pub(super) fn mc_points(mc: &MonteCarlo, t0: f64, t1: f64) -> Vec<f64> {
    mc.points(t0, t1)
}

/// `∫_a^b λ_o` on the piece for every observed neuron, added to `cell`; returns their sum.
/// `mc_next` is the walker's position in the Monte Carlo points.
pub(super) fn integrate(
    piece: &Piece<'_>,
    a: f64,
    b: f64,
    mc: McPoints<'_>,
    mc_next: &mut usize,
    scratch: &mut Scratch,
    cell: &mut [f64],
) -> Result<f64> {
    match piece.net.integration {
        Integration::Apriori(q) => apriori(piece, a, b, &q, scratch, cell),
        Integration::Kronrod(q) => kronrod(piece, a, b, &q, scratch, cell),
        Integration::MonteCarlo(_) => Ok(monte_carlo(piece, b, mc, mc_next, scratch, cell)),
    }
}

/// Gauss–Legendre of the engine's a priori order on quadratic potentials, bisecting when
/// twelve nodes are not enough.
fn apriori(
    piece: &Piece<'_>,
    a: f64,
    b: f64,
    q: &Quadrature,
    scratch: &mut Scratch,
    cell: &mut [f64],
) -> Result<f64> {
    let (net, e, origin) = (piece.net, piece.quadratics, piece.origin);
    let n_obs = net.n_obs;
    let mut total = 0.0;
    scratch.stack.clear();
    scratch.stack.push((a, b, 0));
    while let Some((a, b, depth)) = scratch.stack.pop() {
        let xc = 0.5 * (a + b) - origin;
        let h = 0.5 * (b - a);
        let tiny = h <= 4.0 * f64::EPSILON * (origin.abs() + 1.0);
        let slopes = e[..3 * n_obs].chunks_exact(3).map(|c| (c[1], c[2]));
        let order = apriori_order(slopes, xc, h, q.rel_tol()).or(if tiny {
            Some(APRIORI_MAX_ORDER)
        } else {
            None
        });
        let Some(order) = order else {
            if depth >= q.max_depth() {
                return Err(no_convergence(a, b, depth));
            }
            let c = 0.5 * (a + b);
            scratch.stack.push((c, b, depth + 1));
            scratch.stack.push((a, c, depth + 1));
            continue;
        };
        let rule = gauss_legendre(order).expect("orders up to the a priori maximum exist");
        let (xi, w) = (rule.nodes(), rule.weights());
        // the potentials at every node first, then the intensities in one pass (their
        // exponentials and divisions are independent and overlap), then the sums
        let m = xi.len();
        let vals = &mut scratch.nodes[..n_obs * m];
        for o in 0..n_obs {
            let c = &e[3 * o..3 * o + 3];
            for (v, &z) in vals[o * m..(o + 1) * m].iter_mut().zip(xi) {
                let x = xc + h * z;
                *v = c[0] + x * (c[1] + x * c[2]);
            }
        }
        for v in vals.iter_mut() {
            *v = net.intensity(*v);
        }
        let mut sum = 0.0;
        for o in 0..n_obs {
            let mut acc = 0.0;
            for (&v, &wn) in vals[o * m..(o + 1) * m].iter().zip(w) {
                acc += wn * v;
            }
            let v = h * acc;
            cell[o] += v;
            sum += v;
        }
        if !sum.is_finite() {
            return Err(non_finite(a, b, sum));
        }
        total += sum;
    }
    Ok(total)
}

/// The observed intensities at `origin + x` into `out` (length `n_obs`).
#[inline]
fn observed_at(piece: &Piece<'_>, x: f64, feats: &mut [f64], out: &mut [f64]) {
    let net = piece.net;
    if piece.quadratics.is_empty() {
        piece.particle.decay_potentials(net, x, 0, feats, out);
    } else {
        for (o, v) in out.iter_mut().enumerate() {
            let c = &piece.quadratics[3 * o..3 * o + 3];
            *v = c[0] + x * (c[1] + x * c[2]);
        }
    }
    for v in out.iter_mut() {
        *v = net.intensity(*v);
    }
}

/// Adaptive Gauss–Kronrod 7/15, each sub-interval accepted as the likelihood engine accepts it
/// (`error ≤ max(abs_tol, rel_tol · |K15|)` for every neuron, or a sub-interval too small to
/// split).
fn kronrod(
    piece: &Piece<'_>,
    a: f64,
    b: f64,
    q: &Quadrature,
    scratch: &mut Scratch,
    cell: &mut [f64],
) -> Result<f64> {
    let (n_obs, origin) = (piece.net.n_obs, piece.origin);
    let mut total = 0.0;
    scratch.stack.clear();
    scratch.stack.push((a, b, 0));
    while let Some((a, b, depth)) = scratch.stack.pop() {
        let xc = 0.5 * (a + b) - origin;
        let h = 0.5 * (b - a);
        let tiny = h <= 4.0 * f64::EPSILON * (origin.abs() + 1.0);
        for (node, &z) in GK_NODES.iter().enumerate() {
            let out = &mut scratch.nodes[node * n_obs..(node + 1) * n_obs];
            observed_at(piece, xc + h * z, &mut scratch.feats, out);
        }
        let nodes = &scratch.nodes;
        let mut converged = true;
        for o in 0..n_obs {
            let (mut kv, mut gv) = (0.0, 0.0);
            for node in 0..15 {
                kv += GK_KRONROD[node] * nodes[node * n_obs + o];
                gv += GK_GAUSS[node] * nodes[node * n_obs + o];
            }
            let value = h * kv;
            if !value.is_finite() {
                return Err(non_finite(a, b, value));
            }
            let mean = 0.5 * kv;
            let mut resasc = 0.0;
            for node in 0..15 {
                resasc += GK_KRONROD[node] * (nodes[node * n_obs + o] - mean).abs();
            }
            let err = qk15_error(kv, gv, resasc * h.abs(), h);
            if err > q.abs_tol().max(q.rel_tol() * value.abs()) {
                converged = false;
            }
        }
        if converged || tiny {
            for o in 0..n_obs {
                let mut kv = 0.0;
                for node in 0..15 {
                    kv += GK_KRONROD[node] * nodes[node * n_obs + o];
                }
                cell[o] += h * kv;
                total += h * kv;
            }
        } else if depth >= q.max_depth() {
            return Err(no_convergence(a, b, depth));
        } else {
            let c = 0.5 * (a + b);
            scratch.stack.push((c, b, depth + 1));
            scratch.stack.push((a, c, depth + 1));
        }
    }
    Ok(total)
}

/// The Monte Carlo points from `mc_next` up to `b` (excluded): `(T1 − T0)/n · λ_o(u)` each.
fn monte_carlo(
    piece: &Piece<'_>,
    b: f64,
    mc: McPoints<'_>,
    mc_next: &mut usize,
    scratch: &mut Scratch,
    cell: &mut [f64],
) -> f64 {
    let n_obs = piece.net.n_obs;
    let mut total = 0.0;
    while *mc_next < mc.points.len() && mc.points[*mc_next] < b {
        let u = mc.points[*mc_next];
        let out = &mut scratch.nodes[..n_obs];
        observed_at(piece, u - piece.origin, &mut scratch.feats, out);
        for o in 0..n_obs {
            let v = mc.scale * scratch.nodes[o];
            cell[o] += v;
            total += v;
        }
        *mc_next += 1;
    }
    total
}

fn no_convergence(a: f64, b: f64, depth: u32) -> ViError {
    ViError::Numerical {
        what: "particle filter compensator",
        detail: format!("no convergence on [{a}, {b}] after {depth} bisections"),
    }
}

fn non_finite(a: f64, b: f64, value: f64) -> ViError {
    ViError::Numerical {
        what: "particle filter compensator",
        detail: format!("the observed intensities integrate to {value} on [{a}, {b}]"),
    }
}
