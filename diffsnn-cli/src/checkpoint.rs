//! Checkpoints that resume a training run exactly (`diffsnn fit --resume`): the model (and a
//! separate `q`), vi-train's [`TrainerState`] (epochs done, the optimisers' buffers, the
//! baseline, the early-stopping state, the loss records), the training settings and a summary
//! of the data. The random draws of every step are functions of the seed, the epoch, the step
//! and the sequence, so this is all a run needs: a run resumed after epoch 2 of 4 ends with the
//! same bits as the run done at once.
//!
//! The file is JSON, `"format": "diffsnn-checkpoint/v1"`; numbers are written in the shortest
//! form that reads back to the same bits.

use std::path::Path;

use serde_json::{Map, Value, json};
use snn_model::Snn;
use snn_model::optim::{OptimizerKind, OptimizerState};
use vi_train::vi::{EpochRecord, TrainerState, VariationalModel};

use crate::error::{CliError, Result};

/// The format string of checkpoint files.
///
/// ```
/// assert_eq!(diffsnn_cli::checkpoint::CHECKPOINT_FORMAT, "diffsnn-checkpoint/v1");
/// ```
pub const CHECKPOINT_FORMAT: &str = "diffsnn-checkpoint/v1";

/// What identifies the data a run trains on (a resumed run must see the same): its size and a
/// fingerprint of every window, spike time (its bits) and neuron.
///
/// ```
/// let d = diffsnn_cli::checkpoint::DataSummary { n_obs: 2, sequences: 10, spikes: 431, fingerprint: 7 };
/// assert_eq!(d.sequences, 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSummary {
    /// Observed neurons.
    pub n_obs: usize,
    /// Sequences.
    pub sequences: usize,
    /// Spikes over all sequences.
    pub spikes: usize,
    /// FNV-1a (64 bits) of the sequences' windows, times and neurons, in order.
    pub fingerprint: u64,
}

/// FNV-1a, 64 bits: a fixed, documented hash (unlike the standard library's, which may change
/// between Rust versions), so that checkpoints stay readable.
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl DataSummary {
    /// The summary of `sequences`.
    ///
    /// ```
    /// let w = pp_core::Window::new(0.0, 1.0)?;
    /// let s = pp_core::EventSequence::new(w, 2, vec![0.5], vec![1])?;
    /// let d = diffsnn_cli::checkpoint::DataSummary::of(&[s.clone()]);
    /// assert_eq!((d.n_obs, d.sequences, d.spikes), (2, 1, 1));
    /// // one spike moved by one ulp is other data
    /// let moved = pp_core::EventSequence::new(w, 2, vec![0.5f64.next_up()], vec![1])?;
    /// assert_ne!(diffsnn_cli::checkpoint::DataSummary::of(&[moved]), d);
    /// # Ok::<(), pp_core::PpError>(())
    /// ```
    pub fn of(sequences: &[pp_core::EventSequence]) -> Self {
        let mut h = 0xcbf2_9ce4_8422_2325;
        for s in sequences {
            h = fnv1a(h, &s.window().t0().to_le_bytes());
            h = fnv1a(h, &s.window().t1().to_le_bytes());
            h = fnv1a(h, &(s.len() as u64).to_le_bytes());
            for (t, m) in s.times().iter().zip(s.marks()) {
                h = fnv1a(h, &t.to_le_bytes());
                h = fnv1a(h, &m.to_le_bytes());
            }
        }
        Self {
            n_obs: sequences.first().map_or(0, |s| s.dim()),
            sequences: sequences.len(),
            spikes: sequences.iter().map(|s| s.len()).sum(),
            fingerprint: h,
        }
    }
}

/// A checkpoint: the run's settings (as the command line gave them: flag name → value), the
/// data it trains on, its model and its trainer state.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The training settings, flag name → value.
    pub settings: Map<String, Value>,
    /// The data trained on.
    pub data: DataSummary,
    /// The model (and a separate `q`).
    pub model: VariationalModel,
    /// The trainer's state after the epoch of the checkpoint.
    pub state: TrainerState,
}

fn optimizer_json(o: &OptimizerState) -> Value {
    json!({ "kind": o.kind.name(), "steps": o.steps, "buffers": o.buffers })
}

fn model_json(m: &Snn) -> Result<Value> {
    Ok(serde_json::from_str(&m.to_json_string()?).expect("a model file is JSON"))
}

impl Checkpoint {
    /// The checkpoint as JSON text.
    pub fn to_json_string(&self) -> Result<String> {
        let s = &self.state;
        let records: Vec<Value> = s
            .records
            .iter()
            .map(|r| {
                json!({
                    "epoch": r.epoch, "loss": r.loss, "temperature": r.temperature,
                    "seconds": r.seconds,
                })
            })
            .collect();
        let q = if self.model.is_shared() {
            Value::Null
        } else {
            model_json(self.model.q())?
        };
        let value = json!({
            "format": CHECKPOINT_FORMAT,
            "settings": self.settings,
            "data": {
                "n_obs": self.data.n_obs, "sequences": self.data.sequences,
                "spikes": self.data.spikes,
                "fingerprint": format!("{:016x}", self.data.fingerprint),
            },
            "model": model_json(self.model.p())?,
            "variational": q,
            "epoch": s.epoch,
            "optimizer_p": optimizer_json(&s.optimizer_p),
            "optimizer_q": s.optimizer_q.as_ref().map(optimizer_json),
            "baseline": s.baseline,
            "best_loss": s.best_loss,
            "since_best": s.since_best,
            "records": records,
        });
        Ok(value.to_string())
    }

    /// Reads a checkpoint file; errors name the file and the field.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))?;
        Self::from_json_str(&text, &path.display().to_string())
    }

    /// Parses a checkpoint (`label` names it in errors).
    ///
    /// ```
    /// let err = diffsnn_cli::checkpoint::Checkpoint::from_json_str("{\"format\": \"x\"}", "c.json")
    ///     .unwrap_err();
    /// assert!(err.to_string().contains("c.json") && err.to_string().contains("diffsnn-checkpoint/v1"));
    /// ```
    pub fn from_json_str(text: &str, label: &str) -> Result<Self> {
        let field = |f: &str, reason: &str| CliError::field(label, f, reason);
        let v: Value = serde_json::from_str(text).map_err(|e| {
            let hint = pp_core::messages::json_syntax_hint(text, e.line(), e.column())
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            field("(file)", &format!("not valid JSON: {e}{hint}"))
        })?;
        let get = |f: &str| v.get(f).ok_or_else(|| field(f, "missing"));
        if get("format")?.as_str() != Some(CHECKPOINT_FORMAT) {
            return Err(field(
                "format",
                &format!("expected \"{CHECKPOINT_FORMAT}\" (a checkpoint written by diffsnn fit)"),
            ));
        }
        let count = |value: &Value, f: &str| -> Result<usize> {
            value
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| field(f, "expected a non-negative integer"))
        };
        let number = |value: &Value, f: &str| -> Result<f64> {
            value.as_f64().ok_or_else(|| field(f, "expected a number"))
        };
        let optional_number = |value: &Value, f: &str| -> Result<Option<f64>> {
            if value.is_null() {
                Ok(None)
            } else {
                number(value, f).map(Some)
            }
        };
        let settings = get("settings")?
            .as_object()
            .ok_or_else(|| field("settings", "expected an object"))?
            .clone();
        let data = get("data")?;
        let data = DataSummary {
            n_obs: count(&data["n_obs"], "data.n_obs")?,
            sequences: count(&data["sequences"], "data.sequences")?,
            spikes: count(&data["spikes"], "data.spikes")?,
            fingerprint: data["fingerprint"]
                .as_str()
                .and_then(|h| u64::from_str_radix(h, 16).ok())
                .ok_or_else(|| field("data.fingerprint", "expected 16 hexadecimal digits"))?,
        };
        let snn = |value: &Value, f: &str| -> Result<Snn> {
            Snn::from_json_str(&value.to_string()).map_err(|e| field(f, &e.to_string()))
        };
        let p = snn(get("model")?, "model")?;
        let model = match get("variational")? {
            Value::Null => VariationalModel::shared(p)?,
            q => VariationalModel::separate(p, snn(q, "variational")?)?,
        };
        let optimizer = |value: &Value, f: &str| -> Result<OptimizerState> {
            let kind = match value["kind"].as_str() {
                Some("adagrad") => OptimizerKind::Adagrad,
                Some("adam") => OptimizerKind::Adam,
                Some("sgd") => OptimizerKind::Sgd,
                _ => return Err(field(&format!("{f}.kind"), "expected adagrad, adam or sgd")),
            };
            let steps = value["steps"]
                .as_u64()
                .ok_or_else(|| field(&format!("{f}.steps"), "expected a non-negative integer"))?;
            let buffers = value["buffers"]
                .as_array()
                .ok_or_else(|| field(&format!("{f}.buffers"), "expected an array"))?
                .iter()
                .enumerate()
                .map(|(b, buffer)| {
                    buffer
                        .as_array()
                        .ok_or_else(|| field(&format!("{f}.buffers[{b}]"), "expected an array"))?
                        .iter()
                        .map(|x| number(x, &format!("{f}.buffers[{b}]")))
                        .collect::<Result<Vec<f64>>>()
                })
                .collect::<Result<Vec<Vec<f64>>>>()?;
            Ok(OptimizerState {
                kind,
                steps,
                buffers,
            })
        };
        let records = get("records")?
            .as_array()
            .ok_or_else(|| field("records", "expected an array"))?
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let f = |name: &str| format!("records[{i}].{name}");
                Ok(EpochRecord {
                    epoch: count(&r["epoch"], &f("epoch"))?,
                    loss: number(&r["loss"], &f("loss"))?,
                    temperature: number(&r["temperature"], &f("temperature"))?,
                    seconds: number(&r["seconds"], &f("seconds"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let optimizer_q = match get("optimizer_q")? {
            Value::Null => None,
            q => Some(optimizer(q, "optimizer_q")?),
        };
        let state = TrainerState {
            epoch: count(get("epoch")?, "epoch")?,
            optimizer_p: optimizer(get("optimizer_p")?, "optimizer_p")?,
            optimizer_q,
            baseline: optional_number(get("baseline")?, "baseline")?,
            best_loss: optional_number(get("best_loss")?, "best_loss")?,
            since_best: count(get("since_best")?, "since_best")?,
            records,
        };
        Ok(Self {
            settings,
            data,
            model,
            state,
        })
    }

    /// Checks that a run with `settings` on `data` continues this checkpoint: every setting
    /// the same as the checkpoint's (the error names the first flag that differs, with both
    /// values), and the same data.
    pub fn check_continues(
        &self,
        settings: &Map<String, Value>,
        data: &DataSummary,
        label: &str,
    ) -> Result<()> {
        let mut flags: Vec<&String> = settings.keys().chain(self.settings.keys()).collect();
        flags.sort();
        flags.dedup();
        for flag in flags {
            // a flag not given matches a checkpoint written before the flag existed
            let given = |v: Option<&'_ Value>| v.filter(|v| !v.is_null()).cloned();
            let (now, saved) = (settings.get(flag), self.settings.get(flag));
            if given(now) != given(saved) {
                let show = |v: Option<&Value>| match v {
                    None | Some(Value::Null) => "(not given)".to_string(),
                    Some(v) => v.to_string(),
                };
                return Err(CliError::argument(
                    flag.clone(),
                    format!(
                        "is {} here but {} in the run of {label}: a resumed run keeps its \
                         settings (only --epochs, the outputs and --quiet may change)",
                        show(now),
                        show(saved)
                    ),
                ));
            }
        }
        if data != &self.data {
            return Err(CliError::Mismatch {
                reason: format!(
                    "{label} was written for other data ({} observed neurons, {} sequences, {} \
                     spikes, fingerprint {:016x}); the spike file has {} observed neurons, {} \
                     sequences, {} spikes, fingerprint {:016x}",
                    self.data.n_obs,
                    self.data.sequences,
                    self.data.spikes,
                    self.data.fingerprint,
                    data.n_obs,
                    data.sequences,
                    data.spikes,
                    data.fingerprint
                ),
            });
        }
        Ok(())
    }
}
