//! The observed neurons' soft log-likelihood `log p(O | H)` of one long sequence split over
//! the cores: the stretch `[from, T1]` is cut into stretches of time holding near-equal numbers
//! of observed spikes ([`time_segments`]), each evaluated by an engine of its own given the
//! spikes and soft events of the kernel support before it as fixed history, and the values and
//! gradients are added in the stretches' order. The log-likelihood is additive over disjoint
//! intervals given the history (docs/math.md, "One sequence on all cores"), so the split only
//! moves the last bits (the cuts are extra quadrature breakpoints); the cuts depend on the data
//! alone, so a seed gives the same bits for any number of threads.
//!
//! A sequence is split only when it is long enough for the parts to outweigh their set-up
//! ([`MIN_SOURCES_PER_PART`] sources each, at most [`SPLIT_PARTS`] parts), with the quadrature
//! compensator and a basis of finite support (Epanechnikov): a short sequence (the paper's
//! experiments) is evaluated whole, with the same bits as before the split existed.

use std::ops::Range;

use pp_core::{CompensatorMethod, EventSequence, Window};

use super::SoftEvents;
use super::engine::SoftWorkspace;
use crate::basis::Basis;
use crate::error::Result;
use crate::likelihood::{SPLIT_PARTS, time_segments};
use crate::model::Snn;

/// The least number of source events (observed spikes and soft events) per part when
/// [`Snn::observed_log_likelihood_from`] splits a long sequence over the cores: sequences with
/// fewer than twice as many are evaluated whole.
///
/// ```
/// // the paper's sequences (6 neurons, 50 time units: a few hundred events) are never split
/// assert!(snn_model::soft::MIN_SOURCES_PER_PART > 1000);
/// ```
pub const MIN_SOURCES_PER_PART: usize = 8192;

/// One stretch of a split evaluation: its window, its observed spikes' terms and sources, and
/// its soft events (sources).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SoftSegment {
    /// The stretch of the observation window.
    pub(super) window: Window,
    /// The observed spikes inside it (their log-intensity terms).
    pub(super) events: Range<usize>,
    /// The observed spikes acting on it (inside it and within the support before it).
    pub(super) sources: Range<usize>,
    /// The soft events acting on it.
    pub(super) hidden: Range<usize>,
}

/// The engine of one part (which keeps its soft weight gradient) and its parameter gradient.
#[derive(Debug, Clone)]
pub(super) struct SoftPart {
    ws: SoftWorkspace,
    grad_params: Vec<f64>,
}

impl SoftPart {
    pub(super) fn heap_bytes(&self) -> usize {
        self.ws.heap_bytes() + 8 * self.grad_params.capacity()
    }
}

/// The stretches `[from, T1]` of `observed` is evaluated in, into `out` (cleared; no
/// allocation once it has grown): one (the whole stretch, every event a source) unless the
/// sequence is long enough to split (see the module documentation).
pub(super) fn soft_segments(
    model: &Snn,
    observed: &EventSequence,
    from: f64,
    hidden: SoftEvents<'_>,
    method: &CompensatorMethod,
    out: &mut Vec<SoftSegment>,
) -> Result<()> {
    out.clear();
    let parts = ((observed.len() + hidden.len()) / MIN_SOURCES_PER_PART).min(SPLIT_PARTS);
    let support = model.basis().support();
    let splittable = matches!(method, CompensatorMethod::Quadrature(_))
        && matches!(model.basis(), Basis::Epanechnikov { .. })
        && support.is_finite();
    if parts < 2 || !splittable {
        let first = observed.times().partition_point(|&t| t < from);
        out.push(SoftSegment {
            window: Window::new(from, observed.window().t1())?,
            events: first..observed.len(),
            sources: 0..observed.len(),
            hidden: 0..hidden.len(),
        });
        return Ok(());
    }
    let soft_times = hidden.times();
    let segments = time_segments(observed, from, parts, support)?;
    let last = segments.len() - 1;
    out.extend(segments.into_iter().enumerate().map(|(s, segment)| {
        let (t0, t1) = (segment.window.t0(), segment.window.t1());
        let lead = soft_times.partition_point(|&t| t < t0 - support);
        let end = if s == last {
            soft_times.len()
        } else {
            soft_times.partition_point(|&t| t < t1)
        };
        SoftSegment {
            window: segment.window,
            events: segment.events,
            sources: segment.sources,
            hidden: lead..end,
        }
    }));
    Ok(())
}

/// `log p(O | H)` over `segments` in parallel, on the parts' engines kept in `ws`, added in
/// order; with `grads`, the parameter gradients added into `grads.0` and each part's soft
/// weight gradient into its soft events' rows of `grads.1`, in order.
pub(super) fn observed_split(
    ws: &mut SoftWorkspace,
    model: &Snn,
    observed: &EventSequence,
    hidden: SoftEvents<'_>,
    segments: &[SoftSegment],
    method: &CompensatorMethod,
    grads: Option<(&mut [f64], &mut [f64])>,
) -> Result<f64> {
    use rayon::prelude::*;
    let (n, h) = (model.n_neurons(), model.n_hidden());
    let n_params = n + model.n_basis() * n * n;
    while ws.parts.len() < segments.len() {
        ws.parts.push(SoftPart {
            ws: SoftWorkspace::new(model),
            grad_params: Vec::new(),
        });
    }
    let want = grads.is_some();
    let parts = &mut ws.parts[..segments.len()];
    let results: Vec<Result<f64>> = parts
        .par_iter_mut()
        .zip(segments.par_iter())
        .map(|(part, segment)| {
            part.grad_params.clear();
            part.grad_params
                .resize(if want { n_params } else { 0 }, 0.0);
            let grad = want.then_some(&mut part.grad_params[..]);
            part.ws
                .observed_span(model, observed, hidden, segment, method, grad)
        })
        .collect();
    let mut ll = 0.0;
    for part in results {
        ll += part?;
    }
    if let Some((gp, gw)) = grads {
        for (part, segment) in parts.iter().zip(segments) {
            for (g, v) in gp.iter_mut().zip(&part.grad_params) {
                *g += v;
            }
            let rows = &mut gw[segment.hidden.start * h..segment.hidden.end * h];
            for (g, v) in rows.iter_mut().zip(&part.ws.gd) {
                *g += v;
            }
        }
    }
    Ok(ll)
}
