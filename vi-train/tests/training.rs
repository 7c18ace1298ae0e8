//! The training loop: recovery on synthetic data, reproducibility across thread counts, the
//! typed divergence error, loss CSV and checkpoints, early stopping.

mod common;

use common::{observed_data, random_snn};
use pp_core::EventSequence;
use snn_model::{Snn, SnnBuilder};
use vi_train::ViError;
use vi_train::vi::{
    Checkpoints, EarlyStop, Estimator, EvalOptions, OptimizerKind, StepScheme, TrainConfig,
    VariationalModel, evaluate, fit,
};

/// The data-generating model: 2 observed + 1 hidden neuron; the hidden neuron drives both
/// observed neurons (so inferring it matters), everything refractory.
fn truth() -> Snn {
    let n = 3;
    let mut w = vec![0.0; 2 * n * n];
    for i in 0..n {
        w[i * n + i] = -4.0;
        w[(n + i) * n + i] = -1.0;
    }
    w[2] = 3.0; // hidden → observed 0 (basis 0)
    w[n + 2] = -3.0; // hidden → observed 1
    w[2 * n] = 1.0; // observed 0 → hidden
    SnnBuilder::new(2, 1)
        .bias(vec![-1.0, 0.5, -0.5])
        .weights(w)
        .check()
        .unwrap()
}

fn initial() -> VariationalModel {
    VariationalModel::shared(random_snn(2, 1, 4242)).unwrap()
}

fn neg_elbo(model: &VariationalModel, data: &[EventSequence]) -> f64 {
    evaluate(
        model,
        data,
        &EvalOptions {
            samples: 8,
            seed: 99,
            ..Default::default()
        },
    )
    .unwrap()
    .mean
}

/// After a few epochs the test −ELBO has come most of the way from the untrained model's to
/// the true model's: `trained < true + 0.35 (untrained − true)` (and far below the untrained).
fn recovery(estimator: Estimator, epochs: usize) {
    let truth = truth();
    let train = observed_data(&truth, 20.0, 40, 1);
    let test = observed_data(&truth, 20.0, 20, 2);
    let true_loss = neg_elbo(&VariationalModel::shared(truth).unwrap(), &test);
    let untrained = neg_elbo(&initial(), &test);
    let config = TrainConfig {
        epochs,
        estimator,
        seed: 3,
        ..Default::default()
    };
    let (trained, report) = fit(initial(), &train, config).unwrap();
    let trained_loss = neg_elbo(&trained, &test);
    println!(
        "{estimator:?}: true {true_loss:.2}, untrained {untrained:.2}, trained {trained_loss:.2}, losses {:?}",
        report.records.iter().map(|r| r.loss).collect::<Vec<_>>()
    );
    assert!(
        untrained > true_loss + 20.0,
        "the untrained model is not worse: {untrained} vs {true_loss}"
    );
    assert!(
        trained_loss < true_loss + 0.35 * (untrained - true_loss),
        "{estimator:?}: true {true_loss}, untrained {untrained}, trained {trained_loss}"
    );
}

#[test]
fn score_function_training_recovers() {
    recovery(Estimator::Score, 6);
}

#[test]
fn pathwise_training_recovers() {
    recovery(Estimator::Pathwise, 6);
}

fn train_in_pool(threads: usize, estimator: Estimator, scheme: StepScheme) -> Vec<f64> {
    let data = observed_data(&truth(), 15.0, 6, 7);
    let config = TrainConfig {
        epochs: 2,
        estimator,
        scheme,
        batch_size: 3,
        shuffle: true,
        seed: 11,
        ..Default::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| fit(initial(), &data, config).unwrap().0.params())
}

#[test]
fn same_seed_same_bits_for_any_thread_count() {
    for (estimator, scheme) in [
        (Estimator::Pathwise, StepScheme::ExpectationMaximisation),
        (Estimator::Score, StepScheme::Joint),
    ] {
        let one = train_in_pool(1, estimator, scheme);
        let two = train_in_pool(2, estimator, scheme);
        assert_eq!(one, two, "{estimator:?}");
        assert_ne!(one, initial().params());
    }
}

#[test]
fn divergence_is_a_typed_error_not_nan_parameters() {
    let data = observed_data(&truth(), 15.0, 3, 7);
    for estimator in [Estimator::Pathwise, Estimator::Score] {
        let config = TrainConfig {
            epochs: 3,
            estimator,
            optimizer: OptimizerKind::Sgd,
            learning_rate: 1e300,
            ..Default::default()
        };
        let err = fit(initial(), &data, config).unwrap_err();
        assert!(
            matches!(err, ViError::Diverged { epoch: 0, .. }),
            "{estimator:?}: {err}"
        );
        assert!(
            err.to_string().starts_with("training diverged at epoch 0"),
            "{err}"
        );
    }
    // a loss limit is divergence too
    let config = TrainConfig {
        epochs: 1,
        max_loss: 1.0,
        ..Default::default()
    };
    let err = fit(initial(), &data, config).unwrap_err();
    assert!(
        matches!(&err, ViError::Diverged { sequence: 0, reason, .. } if reason.contains("loss reached")),
        "{err}"
    );
}

#[test]
fn loss_csv_checkpoints_and_early_stop() {
    let dir = tempfile::tempdir().unwrap();
    let data = observed_data(&truth(), 10.0, 2, 5);
    let csv = dir.path().join("loss.csv");
    let out = dir.path().join("m.json");
    let config = TrainConfig {
        epochs: 4,
        estimator: Estimator::Score,
        loss_csv: Some(csv.clone()),
        checkpoints: Some(Checkpoints {
            every: 2,
            path: out.clone(),
        }),
        ..Default::default()
    };
    let (model, report) = fit(initial(), &data, config).unwrap();
    let points = vi_train::io::read_loss_csv(&csv).unwrap();
    assert_eq!(points.len(), 4);
    for (p, r) in points.iter().zip(&report.records) {
        assert_eq!((p.epoch, p.loss), (r.epoch as f64, r.loss));
    }
    assert!(
        std::fs::read_to_string(&csv)
            .unwrap()
            .starts_with("epoch,loss,temperature,seconds\n")
    );
    let second = Snn::read_json(dir.path().join("m.epoch2.json")).unwrap();
    let fourth = Snn::read_json(dir.path().join("m.epoch4.json")).unwrap();
    assert!(
        !dir.path().join("m.epoch1.json").exists() && !dir.path().join("m.epoch3.json").exists()
    );
    assert_ne!(&second, model.p());
    assert_eq!(&fourth, model.p());

    // patience 0 with a loss that cannot improve (learning rate ~0): stops after epoch 2
    let config = TrainConfig {
        epochs: 10,
        estimator: Estimator::Score,
        optimizer: OptimizerKind::Sgd,
        learning_rate: 1e-300,
        early_stop: Some(EarlyStop {
            patience: 0,
            min_delta: 1e9,
        }),
        ..Default::default()
    };
    let (_, report) = fit(initial(), &data, config).unwrap();
    assert!(report.stopped_early);
    assert_eq!(report.records.len(), 2);
}
