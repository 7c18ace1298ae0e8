//! The observer of `diffsnn fit` on a real training run: the loss curve written after every
//! epoch (equal to the run's records) and checkpoints every n epochs (the last equal to the
//! trained model; the state checkpoint of an earlier one resumes the run to the same bits).

use diffsnn_cli::checkpoint::{Checkpoint, DataSummary};
use diffsnn_cli::io::read_loss_csv;
use diffsnn_cli::progress::{Checkpoints, FitObserver, RunIdentity};
use pp_core::Window;
use snn_model::{Snn, SnnBuilder};
use vi_train::vi::{Estimator, TrainConfig, Trainer, VariationalModel};

#[test]
fn loss_csv_and_checkpoints_follow_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = pp_thinning::sequence_rng(5, 0);
    let truth = SnnBuilder::new(2, 1).random(&mut rng).unwrap();
    let data: Vec<_> = truth
        .simulate_many(Window::new(0.0, 10.0).unwrap(), 3, 2)
        .unwrap()
        .into_iter()
        .map(|s| s.split_dimensions(2).unwrap().0)
        .collect();
    let init = VariationalModel::shared(SnnBuilder::new(2, 1).random(&mut rng).unwrap()).unwrap();
    let config = TrainConfig {
        epochs: 4,
        estimator: Estimator::Score,
        ..Default::default()
    };
    let csv = dir.path().join("loss.csv");
    let out = dir.path().join("m.json");
    let mut trainer = Trainer::new(init, config.clone()).unwrap();
    let mut observer = FitObserver::new(
        4,
        data.len(),
        false,
        Some(csv.clone()),
        Some((
            Checkpoints {
                every: 2,
                path: out.clone(),
            },
            RunIdentity {
                settings: serde_json::Map::new(),
                data: DataSummary::of(&data),
            },
        )),
    );
    let report = trainer.fit_observed(&data, &mut observer).unwrap();
    assert_eq!(observer.records(), &report.records[..]);
    let points = read_loss_csv(&csv).unwrap();
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
    assert_ne!(&second, trainer.model().p());
    assert_eq!(&fourth, trainer.model().p());

    // the state saved after epoch 2, read back from its file, finishes the run bit for bit
    let saved = Checkpoint::read(&dir.path().join("m.epoch2.state.json")).unwrap();
    assert_eq!(saved.state.epoch, 2);
    assert_eq!(saved.state.records, report.records[..2]);
    assert_eq!(saved.model.p(), &second);
    saved
        .check_continues(
            &serde_json::Map::new(),
            &DataSummary::of(&data),
            "m.epoch2.state.json",
        )
        .unwrap();
    let mut resumed = Trainer::resume(saved.model, config, saved.state).unwrap();
    let rest = resumed.fit(&data).unwrap();
    assert_eq!(rest.records.len(), 2);
    assert_eq!(resumed.model(), trainer.model());
}
