//! One particle: a hidden spike history, kept as the incremental evaluator of every neuron's
//! potential given the observed spikes and the particle's own hidden spikes.
//!
//! The state is compact. For the Epanechnikov basis it is the events (observed and hidden)
//! still inside some basis window — at most `max_k c_k + s` old, older ones are dropped — and
//! snn-model's target-space [`TargetWindows`] over them (`K·N` running sums of three moments);
//! for the exponential and alpha kernels it is the `K·N` decaying sums (and `K·N` more for
//! alpha), no events at all. The weights are the [`Network`]'s, shared by all particles.
//! Copying a particle (resampling) reuses the destination's buffers.

use snn_model::soft::target::TargetWindows;

use super::network::{Kernel, Network, Rows};

/// Drop the events that left every window once at least this many have (and at least a quarter
/// of the list): amortised `O(1)` per event (each compaction moves at most three events per
/// event dropped), the list at most 4/3 of the events in the kernel window plus this many.
const COMPACT_AT: usize = 16;

/// A particle's potentials (see the module documentation).
#[derive(Debug)]
pub(super) struct Particle {
    /// Events still in use (Epanechnikov only), in time order.
    times: Vec<f64>,
    /// Their neurons.
    marks: Vec<u32>,
    state: State,
}

#[derive(Debug)]
enum State {
    Windows(TargetWindows),
    Decay(Decay),
}

/// Decaying sums in target space at time `now`: `a[k·N + i] = Σ_e w_{i,j_e,k} e^{−(now − t_e)/τ_k}`
/// and, for the alpha kernel, `b[k·N + i] = Σ_e w (now − t_e) e^{−(now − t_e)/τ_k}`.
#[derive(Debug, Clone)]
struct Decay {
    now: f64,
    a: Vec<f64>,
    b: Vec<f64>,
}

impl Particle {
    /// An empty history for `net`.
    pub(super) fn new(net: &Network) -> Self {
        let state = match &net.kernel {
            Kernel::Windows {
                centers,
                scale,
                lags,
            } => {
                let mut w = TargetWindows::default();
                w.reset(centers, *scale, lags, net.n);
                State::Windows(w)
            }
            Kernel::Decay { alpha, .. } => State::Decay(Decay {
                now: f64::NEG_INFINITY,
                a: vec![0.0; net.k * net.n],
                b: if *alpha {
                    vec![0.0; net.k * net.n]
                } else {
                    Vec::new()
                },
            }),
        };
        Self {
            times: Vec::new(),
            marks: Vec::new(),
            state,
        }
    }

    /// Appends a spike of `neuron` at `t` (not before the last event nor the current time).
    #[inline]
    pub(super) fn push(&mut self, net: &Network, t: f64, neuron: usize) {
        match &mut self.state {
            State::Windows(w) => {
                let old = w.oldest_in_use();
                if old >= COMPACT_AT && 4 * old >= self.times.len() {
                    self.times.drain(..old);
                    self.marks.drain(..old);
                    w.forget_front(old);
                }
                self.times.push(t);
                self.marks.push(neuron as u32);
            }
            State::Decay(d) => {
                d.advance(net, t);
                let n = net.n;
                for k in 0..net.k {
                    let row = net.row(neuron, k);
                    for (a, &w) in d.a[k * n..(k + 1) * n].iter_mut().zip(row) {
                        *a += w;
                    }
                }
            }
        }
    }

    /// Moves the running sums to `t`. For the windows, `t` may lie before the last time
    /// advanced to as long as no breakpoint lies between them (membership is the same).
    #[inline]
    pub(super) fn advance(&mut self, net: &Network, t: f64) {
        match &mut self.state {
            State::Windows(w) => {
                let rows = Rows {
                    marks: &self.marks,
                    net,
                };
                w.advance_with(t, &self.times, &rows);
            }
            State::Decay(d) => d.advance(net, t),
        }
    }

    /// The next time after `t` at which an event enters or leaves a basis window (`+inf` for
    /// the decaying kernels: only new events change them), the sums advanced to `t`.
    #[inline]
    pub(super) fn next_change(&self, t: f64) -> f64 {
        match &self.state {
            State::Windows(w) => w.next_change(t, &self.times),
            State::Decay(_) => f64::INFINITY,
        }
    }

    /// Epanechnikov: the potentials of the neurons `first..first + e.len() / 3` as quadratics
    /// in `x = t − origin`, `e[3r..3r+3]` (bias included), exact between the breakpoints around
    /// `origin` (the sums advanced to `origin`).
    #[inline]
    pub(super) fn expansion(&self, net: &Network, origin: f64, first: usize, e: &mut [f64]) {
        for (c, &b) in e.chunks_exact_mut(3).zip(&net.bias[first..]) {
            c[0] = b;
            c[1] = 0.0;
            c[2] = 0.0;
        }
        if let State::Windows(w) = &self.state {
            w.expansion_interleaved(origin, first, e);
        }
    }

    /// Decaying kernels: the potentials of the neurons `first..first + out.len()` at
    /// `now + x` (`x ≥ 0`), with `feats` (length `K`) as scratch.
    #[inline]
    pub(super) fn decay_potentials(
        &self,
        net: &Network,
        x: f64,
        first: usize,
        feats: &mut [f64],
        out: &mut [f64],
    ) {
        let State::Decay(d) = &self.state else {
            return;
        };
        let Kernel::Decay { taus, alpha } = &net.kernel else {
            return;
        };
        for (f, &tau) in feats.iter_mut().zip(taus) {
            *f = (-x / tau).exp();
        }
        let n = net.n;
        for (r, o) in out.iter_mut().enumerate() {
            let i = first + r;
            let mut u = net.bias[i];
            for (k, (&g, &tau)) in feats.iter().zip(taus).enumerate() {
                let a = d.a[k * n + i];
                u += if *alpha {
                    std::f64::consts::E / tau * (d.b[k * n + i] + x * a) * g
                } else {
                    a * g
                };
            }
            *o = u;
        }
    }

    /// The potentials of the neurons `first..first + out.len()` at `t` exactly (events at `t`
    /// do not count), the sums advanced to `t`; `feats` (length `K`) is scratch.
    #[inline]
    pub(super) fn potentials_at(
        &mut self,
        net: &Network,
        t: f64,
        first: usize,
        feats: &mut [f64],
        out: &mut [f64],
    ) {
        self.advance(net, t);
        match &self.state {
            State::Windows(w) => {
                for (r, o) in out.iter_mut().enumerate() {
                    *o = net.bias[first + r] + w.value_of(t, first + r);
                }
            }
            State::Decay(_) => self.decay_potentials(net, 0.0, first, feats, out),
        }
    }

    /// Copies `source` into `self` reusing `self`'s buffers (resampling).
    pub(super) fn copy_from(&mut self, source: &Self) {
        self.times.clone_from(&source.times);
        self.marks.clone_from(&source.marks);
        match (&mut self.state, &source.state) {
            (State::Windows(a), State::Windows(b)) => a.clone_from(b),
            (State::Decay(a), State::Decay(b)) => {
                a.now = b.now;
                a.a.clone_from(&b.a);
                a.b.clone_from(&b.b);
            }
            (a, State::Windows(b)) => *a = State::Windows(b.clone()),
            (a, State::Decay(b)) => *a = State::Decay(b.clone()),
        }
    }

    /// The heap bytes held by this particle's buffers (their capacities), and its own size.
    pub(super) fn bytes(&self, net: &Network) -> usize {
        let events = self.times.capacity() * std::mem::size_of::<f64>()
            + self.marks.capacity() * std::mem::size_of::<u32>();
        let sums = match &self.state {
            // TargetWindows: centres, lags (2), references and the K·N·3 sums, enter/leave
            State::Windows(_) => {
                net.k * (4 * std::mem::size_of::<f64>() + 2 * std::mem::size_of::<usize>())
                    + 3 * net.k * net.n * std::mem::size_of::<f64>()
            }
            State::Decay(d) => (d.a.capacity() + d.b.capacity()) * std::mem::size_of::<f64>(),
        };
        std::mem::size_of::<Self>() + events + sums
    }
}

impl Decay {
    #[inline]
    fn advance(&mut self, net: &Network, t: f64) {
        if t <= self.now || t.is_nan() {
            return;
        }
        if self.now == f64::NEG_INFINITY {
            // nothing pushed yet: the sums are zero
            self.now = t;
            return;
        }
        let Kernel::Decay { taus, alpha } = &net.kernel else {
            return;
        };
        let d = t - self.now;
        let n = net.n;
        for (k, &tau) in taus.iter().enumerate() {
            let decay = (-d / tau).exp();
            let a = &mut self.a[k * n..(k + 1) * n];
            if *alpha {
                let b = &mut self.b[k * n..(k + 1) * n];
                for (bv, av) in b.iter_mut().zip(a.iter_mut()) {
                    *bv = (*bv + d * *av) * decay;
                    *av *= decay;
                }
            } else {
                for av in a.iter_mut() {
                    *av *= decay;
                }
            }
        }
        self.now = t;
    }
}
