//! Maximum-likelihood fit of the ten-dimensional exponential Hawkes process of the comparison
//! with tick (`examples/hawkes_fit_vs_tick/data.rs`: about 10⁵ events, fixed β = 2, the same
//! simulated events as the example), with the window ending at the last event as in the
//! example's file: the precomputation (`ExpHawkesFitter::new`: one pass with one exponential
//! per event), the Newton iterations (`fit`), both together (what tick's `fit` times), and one
//! exact log-likelihood + gradient evaluation for scale.

#[path = "../examples/hawkes_fit_vs_tick/data.rs"]
mod data;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pp_core::{
    EventSequence, ExpHawkesFitter, HawkesFitOptions, LogLikelihoodGradient, Parametric, Window,
};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let simulated = data::events();
    let last = *simulated.times().last().unwrap();
    let seq = EventSequence::new(
        Window::new(0.0, last).unwrap(),
        simulated.dim(),
        simulated.times().to_vec(),
        simulated.marks().to_vec(),
    )
    .unwrap();
    let options = HawkesFitOptions::default();
    let mut group = c.benchmark_group(format!("hawkes_fit_d10_n{}", seq.len()));
    group.throughput(Throughput::Elements(seq.len() as u64));
    group.sample_size(20);
    group.bench_function("precompute", |b| {
        b.iter(|| black_box(ExpHawkesFitter::new([black_box(&seq)], data::BETA).unwrap()))
    });
    let fitter = ExpHawkesFitter::new([&seq], data::BETA).unwrap();
    group.bench_function("newton", |b| {
        b.iter(|| black_box(fitter.fit(black_box(&options)).unwrap()))
    });
    group.bench_function("precompute_and_newton", |b| {
        b.iter(|| {
            let fitter = ExpHawkesFitter::new([black_box(&seq)], data::BETA).unwrap();
            black_box(fitter.fit(&options).unwrap())
        })
    });
    let truth = data::truth();
    let mut grad = vec![0.0; truth.n_params()];
    group.bench_function("loglik_grad", |b| {
        b.iter(|| {
            black_box(
                truth
                    .log_likelihood_gradient(black_box(&seq), &mut grad)
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
