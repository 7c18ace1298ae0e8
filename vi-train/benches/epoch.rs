//! One training epoch of each estimator at the reference's experiment-3 settings: 10
//! sequences of length T = 50 simulated from a random 2 + 4 data model with a = 5 (docs/math.md §7),
//! K = 2, a random initial model with amplitude a = 1, 5, 10, 20. Default training settings
//! (E step + M step per sequence, Adagrad, quadrature compensator), plus the reference's
//! Monte Carlo compensator with 100 points.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use pp_core::CompensatorMethod;
use pp_core::{EventSequence, Window};
use snn_model::{Activation, SnnBuilder};
use vi_train::vi::{Estimator, ObjectiveOptions, TrainConfig, Trainer, VariationalModel};

fn setting(a: f64) -> (VariationalModel, Vec<EventSequence>) {
    let builder = |a: f64| SnnBuilder::new(2, 4).activation(Activation::Sigmoid { amplitude: a });
    // the data model has a = 5 whatever the trained model's amplitude (docs/math.md §7)
    let truth = builder(5.0)
        .random(&mut pp_thinning::sequence_rng(1, 0))
        .unwrap();
    let data = truth
        .simulate_many(Window::new(0.0, 50.0).unwrap(), 2, 10)
        .unwrap()
        .into_iter()
        .map(|s| s.split_dimensions(2).unwrap().0)
        .collect();
    let init = builder(a)
        .random(&mut pp_thinning::sequence_rng(3, 0))
        .unwrap();
    (VariationalModel::shared(init).unwrap(), data)
}

fn epoch(c: &mut Criterion) {
    let mut group = c.benchmark_group("epoch_exp3");
    group.sample_size(10);
    for a in [1.0, 5.0, 10.0, 20.0] {
        let (init, data) = setting(a);
        for (name, estimator, compensator) in [
            ("score", Estimator::Score, CompensatorMethod::default()),
            (
                "pathwise",
                Estimator::Pathwise,
                CompensatorMethod::default(),
            ),
            (
                "score_mc100",
                Estimator::Score,
                CompensatorMethod::monte_carlo(100, 0).unwrap(),
            ),
            (
                "pathwise_mc100",
                Estimator::Pathwise,
                CompensatorMethod::monte_carlo(100, 0).unwrap(),
            ),
        ] {
            let config = TrainConfig {
                epochs: 1,
                estimator,
                objective: ObjectiveOptions {
                    compensator,
                    ..ObjectiveOptions::default()
                },
                ..TrainConfig::default()
            };
            group.bench_with_input(BenchmarkId::new(name, a), &a, |b, _| {
                b.iter(|| {
                    let mut trainer = Trainer::new(init.clone(), config.clone()).unwrap();
                    trainer.run_epoch(&data).unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, epoch);
criterion_main!(benches);
