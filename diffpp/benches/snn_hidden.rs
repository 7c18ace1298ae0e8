//! The hidden neurons of an SNN (`snn_model::Snn` through `diffpp::snn::SnnHidden`) sampled as a
//! ∂PP at the reference's settings: 2 observed + 4 hidden neurons, K = 2 (centres {0, 10},
//! scale 1), a = 5 (λ̄ = 20 + 1e-6), T = 50 (about 1,000 candidates), parameters drawn as the
//! reference initialises them, observed spikes a fixed synthetic Poisson train (1 spike per unit
//! time per neuron), τ = 0.3. Forward alone, forward + reverse (path-wise gradient of a loss in
//! the marks, through the SNN-specialised sweep), and the observed log-likelihood `log p(O | H)` with its gradient (parameters and
//! soft weights) at the sampled soft events.

use criterion::{Criterion, criterion_group, criterion_main};
use diffpp::snn::SnnHidden;
use diffpp::{DiffPP, Mode, Noise, ReverseWorkspace, Trace, gradient_through_sample};
use pp_core::{EventSequence, Parametric, Window};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::soft::{SoftEvents, SoftWorkspace};
use snn_model::{CompensatorMethod, Snn, SnnBuilder};
use std::hint::black_box;

fn setup() -> (Snn, EventSequence) {
    let window = Window::new(0.0, 50.0).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let model = SnnBuilder::new(2, 4).random(&mut rng).unwrap();
    let obs = Noise::draw(&mut rng, window, 2.0, 2).unwrap();
    let marks: Vec<u32> = (0..obs.len()).map(|i| (i % 2) as u32).collect();
    let observed = EventSequence::new(window, 2, obs.times().to_vec(), marks).unwrap();
    (model, observed)
}

fn bench(c: &mut Criterion) {
    let (model, observed) = setup();
    let window = observed.window();
    let hidden = SnnHidden::new(&model, &observed, SnnHidden::DEFAULT_EPSILON).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let noise = DiffPP::draw_noise(&hidden, window, &mut rng).unwrap();
    let dpp = DiffPP::new(window, Mode::soft(0.3).unwrap());
    let mut trace = Trace::empty();
    dpp.sample_with_noise_into(&hidden, &noise, &mut trace)
        .unwrap();
    eprintln!(
        "candidates: {}, observed spikes: {}",
        trace.len(),
        observed.len()
    );
    let dl_dy = vec![0.1; trace.y().len()];
    let mut grad = vec![0.0; model.n_params()];
    let mut ws = ReverseWorkspace::new();

    let mut group = c.benchmark_group("snn_hidden_O2_H4_K2_a5_T50");
    group.bench_function("snn_hidden_new", |b| {
        b.iter(|| {
            SnnHidden::new(black_box(&model), black_box(&observed), 1e-6)
                .unwrap()
                .epsilon()
        })
    });
    group.bench_function("forward_soft", |b| {
        b.iter(|| {
            dpp.sample_with_noise_into(black_box(&hidden), black_box(&noise), &mut trace)
                .unwrap();
            black_box(trace.log_q())
        })
    });
    group.bench_function("forward_plus_reverse_soft", |b| {
        b.iter(|| {
            dpp.sample_with_noise_into(black_box(&hidden), black_box(&noise), &mut trace)
                .unwrap();
            gradient_through_sample(&hidden, &trace, 1.0, Some(&dl_dy), &mut grad, &mut ws)
                .unwrap();
            black_box(grad[0])
        })
    });
    let hard = DiffPP::new(window, Mode::Hard);
    group.bench_function("forward_hard", |b| {
        b.iter(|| {
            hard.sample_with_noise_into(black_box(&hidden), black_box(&noise), &mut trace)
                .unwrap();
            black_box(trace.log_q())
        })
    });

    // log p(O | H) at the soft sample
    dpp.sample_with_noise_into(&hidden, &noise, &mut trace)
        .unwrap();
    let soft = SoftEvents::new(trace.times(), trace.weights(), 4).unwrap();
    let mut sws = SoftWorkspace::new(&model);
    let mut gp = vec![0.0; model.n_params()];
    let mut gw = vec![0.0; trace.weights().len()];
    for (name, method) in [
        ("quadrature", CompensatorMethod::default()),
        (
            "monte_carlo_1000",
            CompensatorMethod::monte_carlo(1000, 1).unwrap(),
        ),
    ] {
        group.bench_function(format!("observed_loglik_{name}"), |b| {
            b.iter(|| {
                model
                    .observed_log_likelihood(black_box(&observed), soft, &method, &mut sws)
                    .unwrap()
            })
        });
        group.bench_function(format!("observed_loglik_grad_{name}"), |b| {
            b.iter(|| {
                model
                    .observed_log_likelihood_grad(
                        black_box(&observed),
                        soft,
                        &method,
                        &mut sws,
                        &mut gp,
                        &mut gw,
                    )
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
