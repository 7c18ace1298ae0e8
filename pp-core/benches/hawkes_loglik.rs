//! Exponential Hawkes log-likelihood, and log-likelihood + gradient, at D = 1 and D = 10 with
//! 10⁶ events (a sorted uniform sequence with uniform random marks, generated once outside the
//! timing loop). Throughput is reported in events per second.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pp_core::{EventSequence, ExpHawkes, LogLikelihood, LogLikelihoodGradient, Parametric, Window};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

const N_EVENTS: usize = 1_000_000;

/// `n` sorted uniform times on `[0, n / rate]` with uniform marks in `0..dim`.
fn sequence(dim: usize, n: usize, rate: f64, seed: u64) -> EventSequence {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let t1 = n as f64 / rate;
    let mut times: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * t1).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let marks = (0..times.len())
        .map(|_| rng.random_range(0..dim as u32))
        .collect();
    EventSequence::new(Window::new(0.0, t1).unwrap(), dim, times, marks).unwrap()
}

fn model(dim: usize) -> ExpHawkes {
    let mu = vec![0.5; dim];
    let alpha = (0..dim * dim)
        .map(|k| 0.5 / dim as f64 * (1.0 + 0.1 * (k % 3) as f64))
        .collect();
    ExpHawkes::new(mu, alpha, 2.0).unwrap()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("exp_hawkes");
    group.throughput(Throughput::Elements(N_EVENTS as u64));
    group.sample_size(20);
    for dim in [1usize, 10] {
        let seq = sequence(dim, N_EVENTS, 1.0, 7);
        let m = model(dim);
        let mut grad = vec![0.0; m.n_params()];
        group.bench_with_input(BenchmarkId::new("loglik", dim), &dim, |b, _| {
            b.iter(|| black_box(m.log_likelihood(black_box(&seq)).unwrap()))
        });
        group.bench_with_input(BenchmarkId::new("loglik_grad", dim), &dim, |b, _| {
            b.iter(|| {
                black_box(
                    m.log_likelihood_gradient(black_box(&seq), &mut grad)
                        .unwrap(),
                )
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
