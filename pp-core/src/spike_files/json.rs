//! The `spikes/v1` JSON reader.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::{FileError, Result, SPIKES_FORMAT, SpikeTrains, json_field};
use crate::{EventSequence, PpError, Window};

impl SpikeTrains {
    /// Parses `spikes/v1` JSON; `path` is used in error messages only.
    ///
    /// ```
    /// use pp_core::spike_files::SpikeTrains;
    /// let text = r#"{"format": "spikes/v1", "n_neurons": 2,
    ///   "sequences": [{"window": [0, 5], "times": [0.5, 1.0], "neurons": [1, 0]}]}"#;
    /// let t = SpikeTrains::from_json_str(text, "s.json")?;
    /// assert_eq!(t.sequences()[0].marks(), &[1, 0]);
    ///
    /// let err = SpikeTrains::from_json_str(&text.replace("0.5, 1.0", "1.0, 0.5"), "s.json").unwrap_err();
    /// assert!(err.to_string().starts_with("s.json: sequence 0, field `times`: spike 1 at time 0.5"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json_str(text: &str, path: &str) -> Result<Self> {
        if text.trim().is_empty() {
            return Err(FileError::EmptyFile {
                path: path.into(),
                hint: format!(": expected a {SPIKES_FORMAT} JSON object"),
            });
        }
        match fast_path(text) {
            Some(trains) => Ok(trains),
            None => Self::from_json_tree(text, path),
        }
    }

    /// The reader that walks a parsed JSON tree and names the field of any problem (what
    /// [`from_json_str`](Self::from_json_str) falls back to when the file is not well formed).
    pub(super) fn from_json_tree(text: &str, path: &str) -> Result<Self> {
        let v: Value = serde_json::from_str(text).map_err(|e| FileError::Json {
            path: path.into(),
            line: e.line(),
            column: e.column(),
            message: match crate::messages::json_syntax_hint(text, e.line(), e.column()) {
                Some(hint) => format!("{e} ({hint})"),
                None => e.to_string(),
            },
        })?;
        let j = JsonReader { path };
        let obj = j.object(&v, "(top level)")?;
        let format = j.required(obj, "", "format")?;
        let format = format
            .as_str()
            .ok_or_else(|| j.wrong_type("format", "a string", format))?;
        if format != SPIKES_FORMAT {
            return Err(if format.starts_with("spikes/") {
                FileError::UnsupportedVersion {
                    path: path.into(),
                    found: format.into(),
                    expected: SPIKES_FORMAT,
                }
            } else {
                FileError::UnknownFormat {
                    path: path.into(),
                    found: format.into(),
                    expected: SPIKES_FORMAT,
                }
            });
        }
        j.only_fields(obj, "", &["format", "n_neurons", "sequences"])?;
        let n_neurons = j.count(j.required(obj, "", "n_neurons")?, "n_neurons")?;
        if n_neurons == 0 {
            return Err(FileError::field(path, "n_neurons", "must be at least 1"));
        }
        let seqs = j.required(obj, "", "sequences")?;
        let seqs = seqs
            .as_array()
            .ok_or_else(|| j.wrong_type("sequences", "an array", seqs))?;
        if seqs.is_empty() {
            return Err(FileError::field(
                path,
                "sequences",
                "the file has no sequences",
            ));
        }
        let mut sequences = Vec::with_capacity(seqs.len());
        for (s, sv) in seqs.iter().enumerate() {
            let prefix = format!("sequences[{s}].");
            let so = j.object(sv, &format!("sequences[{s}]"))?;
            j.only_fields(so, &prefix, &["window", "times", "neurons"])?;
            let wv = j.required(so, &prefix, "window")?;
            let w = j.numbers(wv, &format!("{prefix}window"))?;
            if w.len() != 2 {
                return Err(FileError::field(
                    path,
                    format!("{prefix}window"),
                    format!("expected [t0, t1], found {} numbers", w.len()),
                ));
            }
            let in_seq = |source: PpError| FileError::Sequence {
                path: path.into(),
                sequence: s,
                field: json_field(&source),
                line: None,
                source,
            };
            let window = Window::new(w[0], w[1]).map_err(in_seq)?;
            let times = j.numbers(j.required(so, &prefix, "times")?, &format!("{prefix}times"))?;
            let neurons = j.neurons(
                j.required(so, &prefix, "neurons")?,
                &format!("{prefix}neurons"),
            )?;
            sequences.push(EventSequence::new(window, n_neurons, times, neurons).map_err(in_seq)?);
        }
        Ok(Self {
            n_neurons,
            sequences,
        })
    }
}

/// A well-formed `spikes/v1` file, deserialised straight into the arrays a sequence keeps.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedFile {
    format: String,
    n_neurons: usize,
    sequences: Vec<TypedSequence>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TypedSequence {
    window: [f64; 2],
    times: Vec<f64>,
    neurons: Vec<u32>,
}

/// The spike trains of a valid file without building a JSON tree (a parsed `Value` costs
/// about 200 bytes per spike; this path holds the text and the final arrays only), or `None`
/// if anything is off: the tree-walking reader then finds the problem and names its field.
pub(super) fn fast_path(text: &str) -> Option<SpikeTrains> {
    let file: TypedFile = serde_json::from_str(text).ok()?;
    if file.format != SPIKES_FORMAT || file.n_neurons == 0 || file.sequences.is_empty() {
        return None;
    }
    let mut sequences = Vec::with_capacity(file.sequences.len());
    for s in file.sequences {
        let window = Window::new(s.window[0], s.window[1]).ok()?;
        sequences.push(EventSequence::new(window, file.n_neurons, s.times, s.neurons).ok()?);
    }
    Some(SpikeTrains {
        n_neurons: file.n_neurons,
        sequences,
    })
}

/// Field-path-aware accessors for a parsed JSON value.
struct JsonReader<'p> {
    path: &'p str,
}

fn type_name(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

impl JsonReader<'_> {
    fn wrong_type(&self, field: &str, expected: &str, found: &Value) -> FileError {
        FileError::field(
            self.path,
            field,
            format!("expected {expected}, found {}", type_name(found)),
        )
    }

    fn object<'a>(&self, v: &'a Value, field: &str) -> Result<&'a Map<String, Value>> {
        v.as_object()
            .ok_or_else(|| self.wrong_type(field, "an object", v))
    }

    fn required<'a>(
        &self,
        obj: &'a Map<String, Value>,
        prefix: &str,
        key: &str,
    ) -> Result<&'a Value> {
        obj.get(key)
            .ok_or_else(|| FileError::field(self.path, format!("{prefix}{key}"), "missing"))
    }

    fn only_fields(&self, obj: &Map<String, Value>, prefix: &str, allowed: &[&str]) -> Result<()> {
        match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(FileError::field(
                self.path,
                format!("{prefix}{k}"),
                format!(
                    "unknown field (not part of {SPIKES_FORMAT}; expected one of {})",
                    allowed.join(", ")
                ),
            )),
        }
    }

    fn count(&self, v: &Value, field: &str) -> Result<usize> {
        v.as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| self.wrong_type(field, "a non-negative integer", v))
    }

    fn numbers(&self, v: &Value, field: &str) -> Result<Vec<f64>> {
        let items = v
            .as_array()
            .ok_or_else(|| self.wrong_type(field, "an array of numbers", v))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::Number(n) => n.as_f64().ok_or_else(|| {
                    FileError::field(
                        self.path,
                        format!("{field}[{i}]"),
                        "not representable as f64",
                    )
                }),
                Value::String(s) if s.trim().parse::<f64>().is_ok_and(|x| !x.is_finite()) => {
                    Err(FileError::field(
                        self.path,
                        format!("{field}[{i}]"),
                        format!(
                            "{s:?} is not a finite number (NaN and infinities are not allowed)"
                        ),
                    ))
                }
                other => Err(self.wrong_type(&format!("{field}[{i}]"), "a number", other)),
            })
            .collect()
    }

    fn neurons(&self, v: &Value, field: &str) -> Result<Vec<u32>> {
        let items = v
            .as_array()
            .ok_or_else(|| self.wrong_type(field, "an array of neuron indices", v))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let f = format!("{field}[{i}]");
                if let Some(n) = x.as_u64() {
                    u32::try_from(n).map_err(|_| {
                        FileError::field(self.path, f, format!("neuron {n} is out of range"))
                    })
                } else if let Some(n) = x.as_i64() {
                    Err(FileError::field(
                        self.path,
                        f,
                        format!("neuron {n} is negative"),
                    ))
                } else {
                    Err(self.wrong_type(&f, "a non-negative integer (a neuron index)", x))
                }
            })
            .collect()
    }
}
