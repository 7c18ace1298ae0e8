//! The likelihood engine's hot pass (the quadrature pass, with the gradient's window adjoint
//! inside it) has a twin compiled for AVX2 (four `f64` lanes instead of SSE2's two in the
//! loops over target neurons), taken when the processor has it. No fused multiply-add is
//! enabled, and the pass does no reassociation, so both builds perform the same operations in
//! the same order: the same bits on any x86-64 processor (tested in `engine.rs`). The twin is
//! a `#[target_feature(enable = "avx2")]` function calling the pass, whose body and callees
//! are `#[inline(always)]` so that they are compiled into it.

/// Whether to take the AVX2 twins: the processor supports AVX2 (and, in tests, the thread has
/// not asked for the baseline build).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(super) fn use_avx2() -> bool {
    !baseline_only() && std::arch::is_x86_feature_detected!("avx2")
}

#[cfg(all(test, target_arch = "x86_64"))]
thread_local! {
    /// Set by tests to take the baseline build on their own thread.
    pub(super) static BASELINE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(all(test, target_arch = "x86_64"))]
fn baseline_only() -> bool {
    BASELINE_ONLY.with(|b| b.get())
}

#[cfg(all(not(test), target_arch = "x86_64"))]
#[inline(always)]
fn baseline_only() -> bool {
    false
}
