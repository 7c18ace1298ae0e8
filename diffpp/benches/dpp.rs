//! Sampling the hidden part of one sequence at the reference's settings: 4 hidden neurons,
//! a = 5 (λ̄ = a·H + ε = 20), T = 50 (about 1,000 candidates), K = 2 basis functions with centres
//! {0, 10} and scale 1 (support 11), 2 observed neurons with ~1 spike per unit time each,
//! weights uniform on [−5, 5], biases on [−1, 1] — with the reference model
//! `LinearSigmoidModel`. Forward alone, and forward + reverse (path-wise gradient of
//! log q + a linear loss in the marks).

use criterion::{Criterion, criterion_group, criterion_main};
use diffpp::{
    DiffPP, LinearSigmoidModel, Mode, Noise, ReverseWorkspace, Trace, gradient_through_sample,
};
use pp_core::Window;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;

fn setup() -> (LinearSigmoidModel, Window, Noise) {
    let t1 = 50.0;
    let window = Window::new(0.0, t1).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let obs = Noise::draw(&mut rng, window, 2.0, 2).unwrap();
    let marks: Vec<u32> = (0..obs.len()).map(|i| (i % 2) as u32).collect();
    let mut model = LinearSigmoidModel::new(4, 5.0, 1e-6, vec![0.0, 10.0], 1.0)
        .unwrap()
        .with_observed(2, obs.times().to_vec(), marks)
        .unwrap();
    model.randomize(&mut rng, 1.0, 5.0);
    let noise = DiffPP::draw_noise(&model, window, &mut rng).unwrap();
    (model, window, noise)
}

fn bench(c: &mut Criterion) {
    let (model, window, noise) = setup();
    let dpp = DiffPP::new(window, Mode::soft(0.3).unwrap());
    let mut trace = Trace::empty();
    dpp.sample_with_noise_into(&model, &noise, &mut trace)
        .unwrap();
    eprintln!("candidates: {}", trace.len());
    let dl_dy = vec![0.1; trace.y().len()];
    let mut grad = vec![0.0; model.n_params()];
    let mut ws = ReverseWorkspace::new();

    let mut group = c.benchmark_group("dpp_H4_a5_T50");
    group.bench_function("forward_soft", |b| {
        b.iter(|| {
            dpp.sample_with_noise_into(black_box(&model), black_box(&noise), &mut trace)
                .unwrap();
            black_box(trace.log_q())
        })
    });
    group.bench_function("forward_plus_reverse_soft", |b| {
        b.iter(|| {
            dpp.sample_with_noise_into(black_box(&model), black_box(&noise), &mut trace)
                .unwrap();
            gradient_through_sample(&model, &trace, 1.0, Some(&dl_dy), &mut grad, &mut ws).unwrap();
            black_box(grad[0])
        })
    });
    let hard = DiffPP::new(window, Mode::Hard);
    group.bench_function("forward_hard", |b| {
        b.iter(|| {
            hard.sample_with_noise_into(black_box(&model), black_box(&noise), &mut trace)
                .unwrap();
            black_box(trace.log_q())
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
