//! The training loop: recovery on synthetic data, reproducibility across thread counts, the
//! typed divergence error, the observer's reports and stop, early stopping.

mod common;

use common::{observed_data, random_snn};
use std::ops::ControlFlow;

use pp_core::EventSequence;
use snn_model::{Snn, SnnBuilder};
use vi_train::ViError;
use vi_train::vi::{
    BatchGradients, EarlyStop, EpochRecord, Estimator, EstimatorWorkspace, EvalOptions,
    OptimizerKind, StepRequest, StepScheme, StepValue, TrainConfig, TrainObserver, Trainer,
    TrainerState, VariationalModel, evaluate, fit,
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
            matches!(err, ViError::Diverged { epoch: 1, .. }),
            "{estimator:?}: {err}"
        );
        assert!(
            err.to_string().starts_with("training diverged at epoch 1"),
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

/// Records what a run reports, and stops after `stop_after` epochs.
struct Recorder {
    batches: Vec<(usize, usize, usize)>,
    epochs: Vec<EpochRecord>,
    models: Vec<VariationalModel>,
    states: Vec<TrainerState>,
    stop_after: usize,
}

impl TrainObserver for Recorder {
    type Error = ViError;

    fn on_batch(&mut self, epoch: usize, done: usize, total: usize) {
        self.batches.push((epoch, done, total));
    }

    fn on_epoch(
        &mut self,
        record: &EpochRecord,
        trainer: &Trainer,
    ) -> Result<ControlFlow<()>, ViError> {
        self.epochs.push(*record);
        self.models.push(trainer.model().clone());
        self.states.push(trainer.state());
        Ok(if self.epochs.len() >= self.stop_after {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    }
}

#[test]
fn the_observer_sees_every_batch_and_epoch_and_can_stop_the_run_and_early_stop_works() {
    let data = observed_data(&truth(), 10.0, 5, 5);
    let config = TrainConfig {
        epochs: 4,
        batch_size: 2,
        estimator: Estimator::Score,
        ..Default::default()
    };
    let mut trainer = Trainer::new(initial(), config.clone()).unwrap();
    let mut observer = Recorder {
        batches: Vec::new(),
        epochs: Vec::new(),
        models: Vec::new(),
        states: Vec::new(),
        stop_after: usize::MAX,
    };
    let report = trainer.fit_observed(&data, &mut observer).unwrap();
    // batches of 2, 2 and 1 sequences: the count restarts every epoch
    let expected: Vec<(usize, usize, usize)> = (1..=4)
        .flat_map(|e| [(e, 2, 5), (e, 4, 5), (e, 5, 5)])
        .collect();
    assert_eq!(observer.batches, expected);
    assert_eq!(observer.epochs, report.records);
    assert_eq!(
        report.records.iter().map(|r| r.epoch).collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    // the model reported after an epoch is the model after that epoch
    assert_eq!(observer.models.last(), Some(trainer.model()));
    assert_ne!(observer.models[0], observer.models[3]);
    assert!(!report.stopped_by_observer && !report.stopped_early);

    // the observer stops the run after its second epoch report
    let mut trainer = Trainer::new(initial(), config).unwrap();
    let mut observer = Recorder {
        batches: Vec::new(),
        epochs: Vec::new(),
        models: Vec::new(),
        states: Vec::new(),
        stop_after: 2,
    };
    let report = trainer.fit_observed(&data, &mut observer).unwrap();
    assert!(report.stopped_by_observer);
    assert_eq!(report.records.len(), 2);

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
    let (_, report) = fit(initial(), &data, config.clone()).unwrap();
    assert!(report.stopped_early);
    assert_eq!(report.records.len(), 2);

    // the states the observer saw resume the early-stopped run: from epoch 1 it runs one more
    // epoch and stops; from epoch 2 (where it stopped) it runs none
    let mut trainer = Trainer::new(initial(), config.clone()).unwrap();
    let mut observer = Recorder {
        batches: Vec::new(),
        epochs: Vec::new(),
        models: Vec::new(),
        states: Vec::new(),
        stop_after: usize::MAX,
    };
    trainer.fit_observed(&data, &mut observer).unwrap();
    for (done, expect_more) in [(1, 1), (2, 0)] {
        let state = observer.states[done - 1].clone();
        let model = observer.models[done - 1].clone();
        let mut resumed = Trainer::resume(model, config.clone(), state).unwrap();
        let rest = resumed.fit(&data).unwrap();
        assert!(rest.stopped_early, "resumed after epoch {done}");
        assert_eq!(
            rest.records.len(),
            expect_more,
            "resumed after epoch {done}"
        );
        assert_eq!(resumed.model(), trainer.model());
    }
}

#[test]
fn resume_refuses_a_state_of_another_run() {
    let data = observed_data(&truth(), 10.0, 3, 5);
    let config = TrainConfig {
        epochs: 2,
        estimator: Estimator::Score,
        ..Default::default()
    };
    let mut trainer = Trainer::new(initial(), config.clone()).unwrap();
    trainer.fit(&data).unwrap();
    let state = trainer.state();
    let model = trainer.model().clone();
    // another optimiser
    let adam = TrainConfig {
        optimizer: OptimizerKind::Adam,
        ..config.clone()
    };
    let err = Trainer::resume(model.clone(), adam, state.clone()).unwrap_err();
    assert!(err.to_string().contains("adagrad"), "{err}");
    // records that disagree with the epoch count
    let mut bad = state.clone();
    bad.records.pop();
    let err = Trainer::resume(model.clone(), config.clone(), bad).unwrap_err();
    assert!(
        err.to_string().contains("done 2 epochs but records 1"),
        "{err}"
    );
    // a q optimiser where the run has none
    let mut bad = state.clone();
    bad.optimizer_q = Some(state.optimizer_p.clone());
    assert!(Trainer::resume(model.clone(), config.clone(), bad).is_err());
    // a non-finite accumulator
    let mut bad = state;
    bad.optimizer_p.buffers[0][0] = f64::NAN;
    let err = Trainer::resume(model, config, bad).unwrap_err();
    assert!(err.to_string().contains("finite"), "{err}");
}

/// A gradient source that computes each gradient alone, in reverse batch order, with a fresh
/// workspace (as remote workers would) and records the batches it was asked for.
struct Remote<'a> {
    data: &'a [EventSequence],
    batches: Vec<Vec<usize>>,
}

impl BatchGradients for Remote<'_> {
    fn gradients(
        &mut self,
        model: &VariationalModel,
        config: &TrainConfig,
        request: &StepRequest,
        batch: &[usize],
        grads: &mut [Vec<f64>],
    ) -> Vec<vi_train::Result<StepValue>> {
        self.batches.push(batch.to_vec());
        let mut out: Vec<_> = batch
            .iter()
            .zip(grads.iter_mut())
            .rev()
            .map(|(&k, g)| {
                let mut ws = EstimatorWorkspace::new(model)?;
                request.estimate(model, config, &self.data[k], k, &mut ws, g)
            })
            .collect();
        out.reverse();
        out
    }
}

#[test]
fn gradients_computed_elsewhere_give_the_same_model() {
    let data = observed_data(&truth(), 15.0, 7, 3);
    let separate = VariationalModel::separate(random_snn(2, 1, 1), random_snn(2, 1, 2)).unwrap();
    for (estimator, model, shuffle) in [
        (Estimator::Pathwise, initial(), true),
        (Estimator::Score, initial(), false),
        (Estimator::Pathwise, separate, false),
    ] {
        let config = TrainConfig {
            epochs: 2,
            estimator,
            batch_size: 3,
            shuffle,
            baseline: if estimator == Estimator::Score {
                vi_train::vi::Baseline::RunningMean { decay: 0.5 }
            } else {
                vi_train::vi::Baseline::None
            },
            ..Default::default()
        };
        let mut local = Trainer::new(model.clone(), config.clone()).unwrap();
        let local_report = local.fit(&data).unwrap();
        let mut remote = Trainer::new(model, config).unwrap();
        let mut source = Remote {
            data: &data,
            batches: Vec::new(),
        };
        let remote_report = remote
            .fit_observed_with(&data, Some(&mut source), &mut ())
            .unwrap();
        assert_eq!(remote.model(), local.model(), "{estimator:?}");
        let losses =
            |r: &vi_train::vi::TrainReport| r.records.iter().map(|e| e.loss).collect::<Vec<_>>();
        assert_eq!(losses(&remote_report), losses(&local_report));
        // 2 epochs x 3 batches (3 + 3 + 1) x 2 phases, every sequence once per phase
        assert_eq!(source.batches.len(), 12);
        assert_eq!(
            source.batches.iter().map(Vec::len).sum::<usize>(),
            2 * 2 * 7
        );
    }
}

#[test]
fn a_source_that_returns_too_few_results_is_an_error() {
    struct Short;
    impl BatchGradients for Short {
        fn gradients(
            &mut self,
            _: &VariationalModel,
            _: &TrainConfig,
            _: &StepRequest,
            _: &[usize],
            _: &mut [Vec<f64>],
        ) -> Vec<vi_train::Result<StepValue>> {
            Vec::new()
        }
    }
    let data = observed_data(&truth(), 10.0, 2, 3);
    let mut t = Trainer::new(initial(), TrainConfig::default()).unwrap();
    let err = t
        .fit_observed_with(&data, Some(&mut Short), &mut ())
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("the gradient source returned 0 results for a batch of 1 sequences"),
        "{err}"
    );
}
