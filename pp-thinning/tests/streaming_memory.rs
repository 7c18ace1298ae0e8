//! The streaming form of the sampler (`Thinning::sample_with`) stores nothing per event: with a
//! workspace made beforehand, a long exp-Hawkes stream makes no heap allocation at all, so its
//! memory does not grow with the number of events (README: "an exp-Hawkes stream needs constant
//! memory").
//!
//! Allocations are counted by a global allocator that wraps the system allocator and counts,
//! per thread, the calls that obtain memory (`alloc`, `alloc_zeroed`, `realloc`). The count is
//! per thread because the test harness's other threads allocate too; `sample_with` runs on the
//! calling thread. This file holds one test so that nothing else runs in this binary.

use pp_core::{ExpHawkes, Window};
use pp_thinning::Thinning;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ops::ControlFlow;

struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with`: no count (and no panic) while the thread's locals are being torn down.
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to the system allocator; the counter is a
// `const`-initialised thread-local `Cell` without destructor, which never allocates.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on unchanged.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as for `alloc`; `ptr` and `layout` come from this allocator.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`; `ptr` and `layout` come from this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// About 10^6 events (stationary rate μ/(1 − α) = 2 on [0, 5·10^5]) through the callback: zero
/// allocations on this thread between the start and the end of the stream; the times increase,
/// and the stream is not cut short (the count matches the sampler's statistics and is within 5
/// standard deviations of 10^6). Control: the counter does see allocations — the storing form
/// `sample` on a shorter window makes some.
#[test]
fn a_long_stream_runs_in_constant_memory() {
    let model = ExpHawkes::new(vec![1.0], vec![0.5], 2.0).unwrap();
    let sampler = Thinning::new(model, Window::new(0.0, 5.0e5).unwrap()).unwrap();
    let mut ws = sampler.workspace();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
    let mut n = 0u64;
    let mut last = f64::NEG_INFINITY;
    let mut increasing = true;
    let before = allocations();
    let stats = sampler
        .sample_with(&mut rng, &mut ws, |e| {
            n += 1;
            increasing &= e.time > last;
            last = e.time;
            ControlFlow::Continue(())
        })
        .unwrap();
    let during = allocations() - before;
    assert!(increasing);
    assert_eq!(n, stats.accepted);
    // Var N(T) = T μ/(1 − α)^3 = 4 · 10^6 asymptotically: sd 2000; false failure ≈ 6e-7.
    assert!((n as f64 - 1.0e6).abs() < 5.0 * 2000.0, "{n} events");
    assert_eq!(
        during, 0,
        "{during} allocations during a stream of {n} events"
    );

    let short = Thinning::new(sampler.model().clone(), Window::new(0.0, 1.0e3).unwrap()).unwrap();
    let before = allocations();
    let stored = short.sample(&mut rng).unwrap();
    assert!(stored.sequence.len() > 1000);
    assert!(allocations() > before, "the counter saw no allocation");
}
