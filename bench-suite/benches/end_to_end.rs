//! End-to-end hot paths of the reproduction, at the experiments' settings (the fixed problem of
//! `reproduce` with seed 43: 2 observed + 4 hidden neurons, K = 2, a = 5, T = 50):
//!
//! * `simulate`: one exact sample of the data model (all 6 neurons) by thinning;
//! * `gradient`: one per-sequence E-step gradient draw (experiment 1's unit of work), path-wise
//!   and score function, Monte Carlo compensator (100 points) and quadrature;
//! * `hard_densities`: `log p(O, H)` and `log q(H)` with their gradients on a complete
//!   sequence (the score function's and the evaluation's inner step);
//! * `eval_neg_elbo`: the test negative ELBO of one sequence with two hidden samples
//!   (experiment 2's evaluation), Monte Carlo compensator with 1000 points and quadrature.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pp_core::CompensatorMethod;
use pp_core::Parametric;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use vi_train::vi::{
    EstimatorWorkspace, EvalOptions, GradientStep, ObjectiveOptions, VariationalModel, evaluate,
    hard_densities,
};

fn benches(c: &mut Criterion) {
    let p = bench_suite::setting::problem(43, &[bench_suite::setting::FIXED], 1, 1, 5.0).unwrap();
    let model = VariationalModel::shared(p.init.clone()).unwrap();
    let seq = &p.train[0];
    let window = bench_suite::setting::window();

    let mut g = c.benchmark_group("simulate");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    g.bench_function("data_model_T50", |b| {
        b.iter(|| p.truth.simulate(window, &mut rng).unwrap())
    });
    g.finish();

    let compensators = [
        ("mc100", CompensatorMethod::monte_carlo(100, 0).unwrap()),
        ("quadrature", CompensatorMethod::default()),
    ];
    let mut g = c.benchmark_group("gradient");
    g.sample_size(20);
    let mut ws = EstimatorWorkspace::new(&model).unwrap();
    let mut grad = vec![0.0; model.n_params()];
    for (name, compensator) in compensators {
        let o = ObjectiveOptions {
            compensator,
            ..ObjectiveOptions::default()
        };
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
        g.bench_function(BenchmarkId::new("pathwise", name), |b| {
            b.iter(|| {
                GradientStep::PathwiseE { tau: 0.3 }
                    .estimate(&model, seq, &o, &mut rng, &mut ws, &mut grad)
                    .unwrap()
            })
        });
        g.bench_function(BenchmarkId::new("score", name), |b| {
            b.iter(|| {
                GradientStep::ScoreE { baseline: 0.0 }
                    .estimate(&model, seq, &o, &mut rng, &mut ws, &mut grad)
                    .unwrap()
            })
        });
    }
    g.finish();

    // a complete sequence of the initial model given the observed spikes (as the score
    // function draws it)
    let mut g = c.benchmark_group("hard_densities");
    g.sample_size(20);
    let full = p
        .init
        .simulate(window, &mut Xoshiro256PlusPlus::seed_from_u64(3))
        .unwrap();
    let n = p.init.n_params();
    let (mut gp, mut gq) = (vec![0.0; n], vec![0.0; n]);
    for (name, method) in [
        ("mc100", CompensatorMethod::monte_carlo(100, 4).unwrap()),
        ("quadrature", CompensatorMethod::default()),
    ] {
        g.bench_function(BenchmarkId::new("value_and_gradient", name), |b| {
            b.iter(|| {
                hard_densities(
                    &model,
                    &full,
                    &method,
                    &mut ws,
                    Some(&mut gp),
                    Some(&mut gq),
                )
                .unwrap()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("eval_neg_elbo");
    g.sample_size(20);
    let test = std::slice::from_ref(&p.test[0]);
    for (name, compensator) in [
        ("mc1000", CompensatorMethod::monte_carlo(1000, 0).unwrap()),
        ("quadrature", CompensatorMethod::default()),
    ] {
        let o = EvalOptions {
            samples: 2,
            seed: 5,
            compensator,
            ..EvalOptions::default()
        };
        g.bench_function(BenchmarkId::new("one_sequence_2_samples", name), |b| {
            b.iter(|| evaluate(&model, test, &o).unwrap())
        });
    }
    g.finish();
}

criterion_group!(end_to_end, benches);
criterion_main!(end_to_end);
