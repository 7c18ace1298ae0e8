//! Model files in the `srm-snn/v1` format (docs/formats.md), read and written with serde.
//!
//! Reading is strict: unknown formats and versions, missing and unknown fields, wrong JSON types
//! and wrong shapes are errors that name the field (with its index path, e.g. `weights[1][3]`),
//! the expected and the found shape; [`Snn::read_json`] adds the file name.

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::activation::{Activation, HARDTANH_DEFAULT_EPS};
use crate::basis::Basis;
use crate::error::{Result, SnnError};
use crate::model::{Snn, SnnBuilder};

/// The format string this module reads and writes.
pub const FORMAT: &str = "srm-snn/v1";

#[derive(Serialize)]
struct FileOut<'a> {
    format: &'static str,
    n_obs: usize,
    n_hidden: usize,
    activation: Value,
    basis: Value,
    bias: &'a [f64],
    weights: Vec<Vec<&'a [f64]>>,
    connection: Vec<&'a [bool]>,
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(field: &str, expected: &str, found: &Value) -> SnnError {
    SnnError::WrongType {
        field: field.to_string(),
        expected: expected.to_string(),
        found: type_name(found).to_string(),
    }
}

fn object<'a>(v: &'a Value, field: &str) -> Result<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| wrong_type(field, "an object", v))
}

fn required<'a>(obj: &'a Map<String, Value>, prefix: &str, key: &str) -> Result<&'a Value> {
    obj.get(key).ok_or_else(|| SnnError::MissingField {
        field: format!("{prefix}{key}"),
    })
}

fn only_fields(obj: &Map<String, Value>, prefix: &str, allowed: &[&str]) -> Result<()> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(SnnError::UnknownField {
            field: format!("{prefix}{k}"),
        }),
    }
}

fn number(v: &Value, field: &str) -> Result<f64> {
    v.as_f64().ok_or_else(|| wrong_type(field, "a number", v))
}

fn count(v: &Value, field: &str) -> Result<usize> {
    v.as_u64()
        .map(|x| x as usize)
        .ok_or_else(|| wrong_type(field, "a non-negative integer", v))
}

fn array<'a>(v: &'a Value, field: &str) -> Result<&'a Vec<Value>> {
    v.as_array().ok_or_else(|| wrong_type(field, "an array", v))
}

/// A numeric vector of exactly `len` entries (or any length if `len` is `None`).
fn numbers(v: &Value, field: &str, len: Option<usize>) -> Result<Vec<f64>> {
    let a = array(v, field)?;
    if let Some(len) = len
        && a.len() != len
    {
        return Err(SnnError::shape(
            field,
            format!("[{len}]"),
            format!("[{}]", a.len()),
        ));
    }
    a.iter()
        .enumerate()
        .map(|(i, x)| number(x, &format!("{field}[{i}]")))
        .collect()
}

fn parse_activation(v: &Value) -> Result<Activation> {
    let obj = object(v, "activation")?;
    let kind = required(obj, "activation.", "kind")?;
    let kind = kind
        .as_str()
        .ok_or_else(|| wrong_type("activation.kind", "a string", kind))?;
    let amplitude = || {
        number(
            required(obj, "activation.", "amplitude")?,
            "activation.amplitude",
        )
    };
    match kind {
        "sigmoid" => {
            only_fields(obj, "activation.", &["kind", "amplitude"])?;
            Ok(Activation::Sigmoid {
                amplitude: amplitude()?,
            })
        }
        "exp" => {
            only_fields(obj, "activation.", &["kind"])?;
            Ok(Activation::Exp)
        }
        "hardtanh" => {
            only_fields(obj, "activation.", &["kind", "amplitude", "eps"])?;
            let eps = match obj.get("eps") {
                Some(e) => number(e, "activation.eps")?,
                None => HARDTANH_DEFAULT_EPS,
            };
            Ok(Activation::Hardtanh {
                amplitude: amplitude()?,
                eps,
            })
        }
        other => Err(SnnError::invalid(
            "activation.kind",
            format!("{other:?}"),
            "expected \"sigmoid\", \"exp\" or \"hardtanh\"",
        )),
    }
}

fn parse_basis(v: &Value) -> Result<Basis> {
    let obj = object(v, "basis")?;
    let kind = required(obj, "basis.", "kind")?;
    let kind = kind
        .as_str()
        .ok_or_else(|| wrong_type("basis.kind", "a string", kind))?;
    match kind {
        "epanechnikov" => {
            only_fields(obj, "basis.", &["kind", "centers", "scale"])?;
            Ok(Basis::Epanechnikov {
                centers: numbers(required(obj, "basis.", "centers")?, "basis.centers", None)?,
                scale: number(required(obj, "basis.", "scale")?, "basis.scale")?,
            })
        }
        "exponential" | "alpha" => {
            only_fields(obj, "basis.", &["kind", "time_constants"])?;
            let time_constants = numbers(
                required(obj, "basis.", "time_constants")?,
                "basis.time_constants",
                None,
            )?;
            Ok(if kind == "alpha" {
                Basis::Alpha { time_constants }
            } else {
                Basis::Exponential { time_constants }
            })
        }
        other => Err(SnnError::invalid(
            "basis.kind",
            format!("{other:?}"),
            "expected \"epanechnikov\", \"exponential\" or \"alpha\"",
        )),
    }
}

fn parse_weights(v: &Value, k: usize, n: usize) -> Result<Vec<f64>> {
    let outer = array(v, "weights")?;
    if outer.len() != k {
        return Err(SnnError::shape(
            "weights",
            format!("[{k}][{n}][{n}] (K = {k} basis functions)"),
            format!("{} matrices", outer.len()),
        ));
    }
    let mut flat = Vec::with_capacity(k * n * n);
    for (kk, m) in outer.iter().enumerate() {
        let field = format!("weights[{kk}]");
        let rows = array(m, &field)?;
        if rows.len() != n {
            return Err(SnnError::shape(
                &field,
                format!("[{n}][{n}]"),
                format!("{} rows", rows.len()),
            ));
        }
        for (i, row) in rows.iter().enumerate() {
            flat.extend(numbers(row, &format!("weights[{kk}][{i}]"), Some(n))?);
        }
    }
    Ok(flat)
}

fn parse_connection(v: &Value, n: usize) -> Result<Vec<bool>> {
    let rows = array(v, "connection")?;
    if rows.len() != n {
        return Err(SnnError::shape(
            "connection",
            format!("[{n}][{n}]"),
            format!("{} rows", rows.len()),
        ));
    }
    let mut flat = Vec::with_capacity(n * n);
    for (i, row) in rows.iter().enumerate() {
        let field = format!("connection[{i}]");
        let r = array(row, &field)?;
        if r.len() != n {
            return Err(SnnError::shape(
                &field,
                format!("[{n}]"),
                format!("[{}]", r.len()),
            ));
        }
        for (j, b) in r.iter().enumerate() {
            flat.push(
                b.as_bool()
                    .ok_or_else(|| wrong_type(&format!("connection[{i}][{j}]"), "a boolean", b))?,
            );
        }
    }
    Ok(flat)
}

impl Snn {
    /// Parses a model from `srm-snn/v1` JSON text.
    ///
    /// ```
    /// let text = r#"{
    ///   "format": "srm-snn/v1", "n_obs": 1, "n_hidden": 0,
    ///   "activation": { "kind": "sigmoid", "amplitude": 5.0 },
    ///   "basis": { "kind": "epanechnikov", "centers": [0.0, 10.0], "scale": 1.0 },
    ///   "bias": [0.5], "weights": [[[-1.0]], [[-2.0]]]
    /// }"#;
    /// let m = snn_model::Snn::from_json_str(text)?;
    /// assert_eq!(m.weight(1, 0, 0), -2.0);
    /// let err = snn_model::Snn::from_json_str(&text.replace("[[-1.0]], ", "")).unwrap_err();
    /// assert!(err.to_string().contains("weights"));
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn from_json_str(text: &str) -> Result<Snn> {
        let v: Value = serde_json::from_str(text).map_err(|e| SnnError::Json {
            line: e.line(),
            column: e.column(),
            message: match pp_core::messages::json_syntax_hint(text, e.line(), e.column()) {
                Some(hint) => format!("{e} ({hint})"),
                None => e.to_string(),
            },
        })?;
        let obj = object(&v, "(top level)")?;
        let format = required(obj, "", "format")?;
        let format = format
            .as_str()
            .ok_or_else(|| wrong_type("format", "a string", format))?;
        if format != FORMAT {
            return Err(if format.starts_with("srm-snn/") {
                SnnError::UnsupportedVersion {
                    found: format.to_string(),
                }
            } else {
                SnnError::UnknownFormat {
                    found: format.to_string(),
                }
            });
        }
        only_fields(
            obj,
            "",
            &[
                "format",
                "n_obs",
                "n_hidden",
                "activation",
                "basis",
                "bias",
                "weights",
                "connection",
            ],
        )?;
        let n_obs = count(required(obj, "", "n_obs")?, "n_obs")?;
        let n_hidden = count(required(obj, "", "n_hidden")?, "n_hidden")?;
        let n = n_obs + n_hidden;
        let activation = parse_activation(required(obj, "", "activation")?)?;
        activation.check()?;
        let basis = parse_basis(required(obj, "", "basis")?)?;
        basis.check()?;
        let k = basis.len();
        let bias = numbers(required(obj, "", "bias")?, "bias", Some(n))?;
        let weights = parse_weights(required(obj, "", "weights")?, k, n)?;
        let mut builder = SnnBuilder::new(n_obs, n_hidden)
            .activation(activation)
            .basis(basis)
            .bias(bias)
            .weights(weights);
        if let Some(c) = obj.get("connection") {
            builder = builder.connection(parse_connection(c, n)?);
        }
        builder.check()
    }

    /// The model as pretty-printed `srm-snn/v1` JSON (numbers written so that they read back
    /// bit for bit; the connection mask is always written).
    ///
    /// ```
    /// let m = snn_model::SnnBuilder::new(2, 1).check()?;
    /// let back = snn_model::Snn::from_json_str(&m.to_json_string()?)?;
    /// assert_eq!(back, m);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn to_json_string(&self) -> Result<String> {
        let n = self.n_neurons();
        let activation = match self.activation() {
            Activation::Sigmoid { amplitude } => {
                serde_json::json!({ "kind": "sigmoid", "amplitude": amplitude })
            }
            Activation::Exp => serde_json::json!({ "kind": "exp" }),
            Activation::Hardtanh { amplitude, eps } => {
                serde_json::json!({ "kind": "hardtanh", "amplitude": amplitude, "eps": eps })
            }
        };
        let basis = match self.basis() {
            Basis::Epanechnikov { centers, scale } => {
                serde_json::json!({ "kind": "epanechnikov", "centers": centers, "scale": scale })
            }
            Basis::Exponential { time_constants } => {
                serde_json::json!({ "kind": "exponential", "time_constants": time_constants })
            }
            Basis::Alpha { time_constants } => {
                serde_json::json!({ "kind": "alpha", "time_constants": time_constants })
            }
        };
        let out = FileOut {
            format: FORMAT,
            n_obs: self.n_obs(),
            n_hidden: self.n_hidden(),
            activation,
            basis,
            bias: self.bias(),
            weights: self
                .weights()
                .chunks(n * n)
                .map(|m| m.chunks(n).collect())
                .collect(),
            connection: self.connection().chunks(n).collect(),
        };
        serde_json::to_string_pretty(&out).map_err(|e| SnnError::Numerical {
            what: "model serialisation",
            detail: e.to_string(),
        })
    }

    /// Reads a model file; errors name the file.
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("m.json");
    /// let err = snn_model::Snn::read_json(&path).unwrap_err();
    /// assert!(err.to_string().contains("m.json"));
    /// ```
    pub fn read_json(path: impl AsRef<Path>) -> Result<Snn> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            SnnError::Io {
                message: e.to_string(),
            }
            .in_file(&shown)
        })?;
        Snn::from_json_str(&text).map_err(|e| e.in_file(shown))
    }

    /// Writes the model to a file (`srm-snn/v1`).
    ///
    /// ```
    /// let dir = tempfile::tempdir().unwrap();
    /// let path = dir.path().join("m.json");
    /// let m = snn_model::SnnBuilder::new(1, 1).check()?;
    /// m.write_json(&path)?;
    /// assert_eq!(snn_model::Snn::read_json(&path)?, m);
    /// # Ok::<(), snn_model::SnnError>(())
    /// ```
    pub fn write_json(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = self.to_json_string()?;
        std::fs::write(path, text + "\n").map_err(|e| {
            SnnError::Io {
                message: e.to_string(),
            }
            .in_file(path.display().to_string())
        })
    }
}
