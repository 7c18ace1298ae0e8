//! Criterion benchmark: exponential Hawkes simulation by thinning, D = 1 and D = 10, about 10⁶
//! events per run (stationary total rate 2 on a window of 5·10⁵).
//!
//! * D = 1: μ = 1, α = 0.5, β = 2 → rate μ/(1 − α) = 2.
//! * D = 10: μ_i = 0.1, α_ij = 0.05 (spectral radius 0.5), β = 2 → rate 0.2 per dimension.
//!
//! Two forms: `sample` (builds the pp-core `EventSequence`) and `stream` (callback, nothing
//! stored). Throughput is reported in events per second (the event count of the benchmark seed).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pp_core::{ExpHawkes, Window};
use pp_thinning::Thinning;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::ops::ControlFlow;

const T_END: f64 = 5.0e5;

fn model(d: usize) -> ExpHawkes {
    if d == 1 {
        ExpHawkes::new(vec![1.0], vec![0.5], 2.0).unwrap()
    } else {
        ExpHawkes::new(vec![0.1; d], vec![0.5 / d as f64; d * d], 2.0).unwrap()
    }
}

fn bench(c: &mut Criterion) {
    for d in [1usize, 10] {
        let sampler = Thinning::new(model(d), Window::new(0.0, T_END).unwrap()).unwrap();
        let events = sampler
            .sample(&mut Xoshiro256PlusPlus::seed_from_u64(1))
            .unwrap()
            .sequence
            .len();
        let mut group = c.benchmark_group(format!("exp_hawkes_D{d}"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(events as u64));
        group.bench_function(format!("sample_{events}_events"), |b| {
            b.iter(|| {
                let s = sampler
                    .sample(&mut Xoshiro256PlusPlus::seed_from_u64(1))
                    .unwrap();
                black_box(s.sequence.len())
            })
        });
        let mut ws = sampler.workspace();
        group.bench_function(format!("stream_{events}_events"), |b| {
            b.iter(|| {
                let mut n = 0u64;
                sampler
                    .sample_with(&mut Xoshiro256PlusPlus::seed_from_u64(1), &mut ws, |e| {
                        n += e.mark as u64 + 1;
                        ControlFlow::Continue(())
                    })
                    .unwrap();
                black_box(n)
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
