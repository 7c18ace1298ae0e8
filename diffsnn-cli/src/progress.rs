//! What `diffsnn fit` shows and writes while it trains: vi-train reports to a
//! [`TrainObserver`], and [`FitObserver`] turns the reports into a progress bar (on a
//! terminal, counting the sequences of the current epoch), one plain line per epoch on
//! standard error (always), the loss-curve CSV and the model checkpoints.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Map, Value};
use snn_model::Snn;
use vi_train::vi::{EpochRecord, TrainObserver, Trainer, loss_csv_string};

use crate::checkpoint::{Checkpoint, DataSummary};
use crate::error::{CliError, Result};

/// A progress bar on standard error for a stage of `len` units (`unit` names them), drawn
/// only when standard error is a terminal (hidden otherwise, so that logs stay clean).
///
/// ```
/// let bar = diffsnn_cli::progress::stage_bar("simulate", 10, "sequences");
/// bar.inc(1);
/// bar.finish_and_clear();
/// ```
pub fn stage_bar(stage: &str, len: u64, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{stage} {{bar:40}} {{pos}}/{{len}} {unit} [{{elapsed}}<{{eta}}]"
        ))
        .expect("a valid progress template"),
    );
    bar
}

/// Model checkpoints: every `every` epochs the model is written (atomically) to
/// `<dir>/<stem>.epoch<e>.json` (and `q` to `<stem>.epoch<e>.q.json` when it is separate),
/// where `path = <dir>/<stem>.json`, and the whole run's state, from which `fit --resume`
/// continues it exactly, to `<stem>.epoch<e>.state.json`.
///
/// ```
/// let c = diffsnn_cli::progress::Checkpoints { every: 5, path: "out/model.json".into() };
/// assert_eq!(c.file_for(10, false), std::path::PathBuf::from("out/model.epoch10.json"));
/// assert_eq!(c.file_for(10, true), std::path::PathBuf::from("out/model.epoch10.q.json"));
/// assert_eq!(c.state_file_for(10), std::path::PathBuf::from("out/model.epoch10.state.json"));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoints {
    /// Every how many epochs (≥ 1).
    pub every: usize,
    /// The model path the checkpoint names are derived from.
    pub path: PathBuf,
}

impl Checkpoints {
    fn named(&self, epoch: usize, suffix: &str) -> PathBuf {
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into());
        self.path
            .with_file_name(format!("{stem}.epoch{epoch}{suffix}"))
    }

    /// The model checkpoint of epoch `epoch` (1-based count of completed epochs); `q` for the
    /// separate variational network.
    pub fn file_for(&self, epoch: usize, q: bool) -> PathBuf {
        self.named(epoch, if q { ".q.json" } else { ".json" })
    }

    /// The state checkpoint of epoch `epoch` (for `fit --resume`).
    pub fn state_file_for(&self, epoch: usize) -> PathBuf {
        self.named(epoch, ".state.json")
    }
}

/// What a state checkpoint records besides the trainer: the run's settings and its data.
#[derive(Debug, Clone, PartialEq)]
pub struct RunIdentity {
    /// The training settings, flag name → value.
    pub settings: Map<String, Value>,
    /// The data trained on.
    pub data: DataSummary,
}

/// The observer of `diffsnn fit`.
///
/// ```
/// use diffsnn_cli::progress::FitObserver;
/// let observer = FitObserver::new(3, 10, false, None, None);
/// assert!(observer.records().is_empty());
/// ```
#[derive(Debug)]
pub struct FitObserver {
    bar: ProgressBar,
    /// The epochs of the run (for "epoch e/E").
    epochs: usize,
    records: Vec<EpochRecord>,
    loss_csv: Option<PathBuf>,
    checkpoints: Option<(Checkpoints, RunIdentity)>,
    /// Whether each epoch's line is printed on standard error.
    epoch_lines: bool,
}

impl FitObserver {
    /// An observer of a run of `epochs` epochs over `n_sequences` sequences, with a progress
    /// bar when `progress` is set and standard error is a terminal, writing the loss curve
    /// to `loss_csv` and checkpoints as asked after every epoch (the state checkpoints carry
    /// the run's identity).
    pub fn new(
        epochs: usize,
        n_sequences: usize,
        progress: bool,
        loss_csv: Option<PathBuf>,
        checkpoints: Option<(Checkpoints, RunIdentity)>,
    ) -> Self {
        let bar = if progress && std::io::stderr().is_terminal() {
            let bar = ProgressBar::with_draw_target(
                Some(n_sequences as u64),
                ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} epoch {msg} [{bar:30}] {pos}/{len} sequences ({eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        } else {
            ProgressBar::hidden()
        };
        Self {
            bar,
            epochs,
            records: Vec::new(),
            loss_csv,
            checkpoints,
            epoch_lines: true,
        }
    }

    /// The same observer without the epoch lines on standard error (the loss curve and the
    /// checkpoints are still written): for callers that report epochs themselves.
    ///
    /// ```
    /// use diffsnn_cli::progress::FitObserver;
    /// let observer = FitObserver::new(3, 10, false, None, None).without_epoch_lines();
    /// assert!(observer.records().is_empty());
    /// ```
    pub fn without_epoch_lines(mut self) -> Self {
        self.epoch_lines = false;
        self
    }

    /// The records of the epochs reported so far (with those of a resumed run before them).
    pub fn records(&self) -> &[EpochRecord] {
        &self.records
    }

    /// Continues the loss curve of a resumed run: its earlier epochs come first.
    pub fn with_earlier_records(mut self, records: &[EpochRecord]) -> Self {
        self.records = records.to_vec();
        self
    }

    /// Removes the progress bar (at the end of the run, or before an error is printed).
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    fn checkpoint(&self, epoch: usize, trainer: &Trainer) -> Result<()> {
        let Some((c, identity)) = &self.checkpoints else {
            return Ok(());
        };
        let model = trainer.model();
        write_text(&c.file_for(epoch, false), &model.p().to_json_string()?)?;
        if !model.is_shared() {
            write_text(&c.file_for(epoch, true), &model.q().to_json_string()?)?;
        }
        let state = Checkpoint {
            settings: identity.settings.clone(),
            data: identity.data,
            model: model.clone(),
            state: trainer.state(),
        };
        write_text(&c.state_file_for(epoch), &state.to_json_string()?)
    }
}

impl TrainObserver for FitObserver {
    type Error = CliError;

    fn on_batch(&mut self, epoch: usize, done: usize, total: usize) {
        self.bar.set_message(format!("{epoch}/{}", self.epochs));
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
    }

    fn on_epoch(&mut self, record: &EpochRecord, trainer: &Trainer) -> Result<ControlFlow<()>> {
        if self.log_epoch(record)? {
            self.checkpoint(record.epoch, trainer)?;
        }
        Ok(ControlFlow::Continue(()))
    }
}

impl FitObserver {
    /// Prints the epoch line, keeps the record and rewrites the loss curve; whether a
    /// checkpoint is due after this epoch.
    fn log_epoch(&mut self, record: &EpochRecord) -> Result<bool> {
        if self.epoch_lines {
            let line = format!(
                "epoch {:>4}/{}  loss {:>14.6}  temperature {:.4}  {:.3} s",
                record.epoch, self.epochs, record.loss, record.temperature, record.seconds
            );
            if self.bar.is_hidden() {
                eprintln!("{line}");
            } else {
                self.bar.println(line);
            }
        }
        self.records.push(*record);
        if let Some(path) = &self.loss_csv {
            write_text(path, &loss_csv_string(&self.records))?;
        }
        Ok(self
            .checkpoints
            .as_ref()
            .is_some_and(|(c, _)| record.epoch.is_multiple_of(c.every)))
    }

    /// Reports an epoch of a run without a [`Trainer`] (`fit --hidden 0`, maximum likelihood):
    /// the epoch line, the loss curve and, when due, the model checkpoint (there is no state
    /// to resume from).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let out = dir.path().join("m.json");
    /// let c = diffsnn_cli::progress::Checkpoints { every: 1, path: out.clone() };
    /// let identity = diffsnn_cli::progress::RunIdentity {
    ///     settings: Default::default(),
    ///     data: diffsnn_cli::checkpoint::DataSummary { n_obs: 1, sequences: 1, spikes: 0, fingerprint: 0 },
    /// };
    /// let mut observer = diffsnn_cli::progress::FitObserver::new(1, 1, false, None, Some((c, identity)));
    /// let model = snn_model::SnnBuilder::new(1, 0).check()?;
    /// let record = vi_train::vi::EpochRecord { epoch: 1, loss: 2.0, temperature: 0.0, seconds: 0.1 };
    /// observer.record_epoch(&record, &model)?;
    /// assert!(dir.path().join("m.epoch1.json").exists());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn record_epoch(&mut self, record: &EpochRecord, model: &Snn) -> Result<()> {
        if self.log_epoch(record)?
            && let Some((c, _)) = &self.checkpoints
        {
            write_text(&c.file_for(record.epoch, false), &model.to_json_string()?)?;
        }
        Ok(())
    }
}

/// Writes `text` (plus a final newline if missing) atomically.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("a.txt");
/// diffsnn_cli::progress::write_text(&path, "hello")?;
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    crate::io::write_atomic(path, |w| {
        w.write_all(text.as_bytes())
            .and_then(|()| {
                if text.ends_with('\n') {
                    Ok(())
                } else {
                    w.write_all(b"\n")
                }
            })
            .map_err(|e| CliError::io(path, e))
    })
}
