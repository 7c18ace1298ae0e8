//! Three planes `q = 0, 1, 2` over the targets, laid end to end in one buffer with a stride:
//! the layout of the engine's quadratics `c0 + c1 x + c2 x²`, of the target windows' sums
//! `Σ a x^q` and of the adjoint moments `Σ c x^q`, so that every loop over the targets is
//! contiguous.

/// The first `len` entries of the planes starting at `0`, `stride` and `2·stride` in `buf`.
#[inline(always)]
pub(super) fn planes(buf: &[f64], stride: usize, len: usize) -> [&[f64]; 3] {
    [
        &buf[..len],
        &buf[stride..stride + len],
        &buf[2 * stride..2 * stride + len],
    ]
}

/// [`planes`], mutable.
#[inline(always)]
pub(super) fn planes_mut(buf: &mut [f64], stride: usize, len: usize) -> [&mut [f64]; 3] {
    let (p0, rest) = buf.split_at_mut(stride);
    let (p1, p2) = rest.split_at_mut(stride);
    [&mut p0[..len], &mut p1[..len], &mut p2[..len]]
}

/// Moments `(g0, g1, g2)` about `mu` re-expressed about `mu − delta`:
/// `(g0, g1 + δ g0, g2 + δ (2 g1 + δ g0))`.
#[inline(always)]
pub(super) fn shifted(g0: f64, g1: f64, g2: f64, delta: f64) -> [f64; 3] {
    [g0, g1 + delta * g0, g2 + delta * (2.0 * g1 + delta * g0)]
}
