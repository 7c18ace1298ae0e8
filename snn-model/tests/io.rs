//! `srm-snn/v1` model files: round trips and one error test per malformed case.

mod common;

use serde_json::{Value, json};
use snn_model::{Activation, Basis, Snn, SnnError};

fn valid() -> Value {
    json!({
        "format": "srm-snn/v1",
        "n_obs": 1,
        "n_hidden": 1,
        "activation": { "kind": "sigmoid", "amplitude": 5.0 },
        "basis": { "kind": "epanechnikov", "centers": [0.0, 10.0], "scale": 1.0 },
        "bias": [0.1, -0.3],
        "weights": [[[-1.0, 0.5], [0.25, -2.0]], [[-0.5, 1.5], [2.5, -3.0]]],
        "connection": [[true, false], [true, true]]
    })
}

fn parse(v: &Value) -> Result<Snn, SnnError> {
    Snn::from_json_str(&v.to_string())
}

#[test]
fn valid_file_reads() {
    let m = parse(&valid()).unwrap();
    assert_eq!((m.n_obs(), m.n_hidden()), (1, 1));
    assert_eq!(m.weight(1, 1, 0), 2.5);
    assert!(!m.connected(0, 1));
    // connection is optional (default all on)
    let mut v = valid();
    v.as_object_mut().unwrap().remove("connection");
    assert!(parse(&v).unwrap().connection().iter().all(|&c| c));
}

#[test]
fn round_trips_every_kind_bit_for_bit() {
    let mut rng = common::rng(11);
    for kind in 0..3u8 {
        for act in [
            Activation::Sigmoid { amplitude: 3.5 },
            Activation::Exp,
            Activation::Hardtanh {
                amplitude: 2.0,
                eps: 1e-6,
            },
        ] {
            let basis = common::random_basis(&mut rng, kind, 3);
            let m = common::random_model(&mut rng, 4, basis, act, 1.0);
            let back = Snn::from_json_str(&m.to_json_string().unwrap()).unwrap();
            assert_eq!(back, m);
        }
    }
    let fx = common::load();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fixture_model.json");
    fx.model.write_json(&path).unwrap();
    assert_eq!(Snn::read_json(&path).unwrap(), fx.model);
}

/// Applies `edit` to the valid file and expects an error matching `check` whose message
/// contains `needle`.
fn expect_err(edit: impl FnOnce(&mut Value), check: impl Fn(&SnnError) -> bool, needle: &str) {
    let mut v = valid();
    edit(&mut v);
    let err = parse(&v).unwrap_err();
    assert!(check(&err), "unexpected error variant: {err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(needle),
        "message {msg:?} should mention {needle:?}"
    );
}

fn set(v: &mut Value, path: &[&str], new: Value) {
    let mut cur = v;
    for p in &path[..path.len() - 1] {
        cur = &mut cur[*p];
    }
    cur[path[path.len() - 1]] = new;
}

fn remove(v: &mut Value, path: &[&str]) {
    let mut cur = v;
    for p in &path[..path.len() - 1] {
        cur = &mut cur[*p];
    }
    cur.as_object_mut().unwrap().remove(path[path.len() - 1]);
}

#[test]
fn format_errors() {
    expect_err(
        |v| set(v, &["format"], json!("spikes/v1")),
        |e| matches!(e, SnnError::UnknownFormat { .. }),
        "spikes/v1",
    );
    expect_err(
        |v| set(v, &["format"], json!("srm-snn/v2")),
        |e| matches!(e, SnnError::UnsupportedVersion { .. }),
        "srm-snn/v2",
    );
    expect_err(
        |v| remove(v, &["format"]),
        |e| matches!(e, SnnError::MissingField { .. }),
        "format",
    );
    expect_err(
        |v| set(v, &["format"], json!(1)),
        |e| matches!(e, SnnError::WrongType { .. }),
        "format",
    );
    let err = Snn::from_json_str("{ \"format\": ").unwrap_err();
    assert!(matches!(err, SnnError::Json { line: 1, .. }), "{err:?}");
    let err = Snn::from_json_str("[1, 2]").unwrap_err();
    assert!(matches!(err, SnnError::WrongType { .. }), "{err:?}");
}

#[test]
fn missing_and_unknown_fields() {
    for field in [
        "n_obs",
        "n_hidden",
        "activation",
        "basis",
        "bias",
        "weights",
    ] {
        expect_err(
            |v| remove(v, &[field]),
            |e| matches!(e, SnnError::MissingField { .. }),
            field,
        );
    }
    expect_err(
        |v| remove(v, &["activation", "amplitude"]),
        |e| matches!(e, SnnError::MissingField { .. }),
        "activation.amplitude",
    );
    expect_err(
        |v| remove(v, &["basis", "scale"]),
        |e| matches!(e, SnnError::MissingField { .. }),
        "basis.scale",
    );
    expect_err(
        |v| set(v, &["conection"], json!([])),
        |e| matches!(e, SnnError::UnknownField { .. }),
        "conection",
    );
    expect_err(
        |v| set(v, &["basis", "width"], json!(1.0)),
        |e| matches!(e, SnnError::UnknownField { .. }),
        "basis.width",
    );
    expect_err(
        |v| set(v, &["activation", "kind"], json!("relu")),
        |e| matches!(e, SnnError::InvalidValue { .. }),
        "activation.kind",
    );
    expect_err(
        |v| set(v, &["basis", "kind"], json!("gaussian")),
        |e| matches!(e, SnnError::InvalidValue { .. }),
        "basis.kind",
    );
}

#[test]
fn wrong_types() {
    let wt = |e: &SnnError| matches!(e, SnnError::WrongType { .. });
    expect_err(|v| set(v, &["n_obs"], json!(-1)), wt, "n_obs");
    expect_err(|v| set(v, &["n_hidden"], json!(1.5)), wt, "n_hidden");
    expect_err(|v| set(v, &["bias"], json!("0.1")), wt, "bias");
    expect_err(|v| set(v, &["bias"], json!([0.1, "x"])), wt, "bias[1]");
    expect_err(|v| set(v, &["weights"], json!(3)), wt, "weights");
    expect_err(
        |v| {
            set(
                v,
                &["weights"],
                json!([[[-1.0, 0.5], [0.25, -2.0]], [[-0.5, null], [2.5, -3.0]]]),
            )
        },
        wt,
        "weights[1][0][1]",
    );
    expect_err(
        |v| set(v, &["connection"], json!([[true, 1], [true, true]])),
        wt,
        "connection[0][1]",
    );
    expect_err(
        |v| set(v, &["activation"], json!("sigmoid")),
        wt,
        "activation",
    );
    expect_err(
        |v| set(v, &["basis", "centers"], json!(0.0)),
        wt,
        "basis.centers",
    );
}

#[test]
fn wrong_shapes_name_field_expected_and_found() {
    let shape = |e: &SnnError| matches!(e, SnnError::Shape { .. });
    expect_err(
        |v| set(v, &["bias"], json!([0.1, 0.2, 0.3])),
        shape,
        "bias: expected shape [2], found [3]",
    );
    expect_err(
        |v| set(v, &["weights"], json!([[[-1.0, 0.5], [0.25, -2.0]]])),
        shape,
        "found 1 matrices",
    );
    expect_err(
        |v| {
            set(
                v,
                &["weights"],
                json!([[[-1.0, 0.5]], [[-0.5, 1.5], [2.5, -3.0]]]),
            )
        },
        shape,
        "weights[0]: expected shape [2][2], found 1 rows",
    );
    expect_err(
        |v| {
            set(
                v,
                &["weights"],
                json!([[[-1.0, 0.5], [0.25]], [[-0.5, 1.5], [2.5, -3.0]]]),
            )
        },
        shape,
        "weights[0][1]: expected shape [2], found [1]",
    );
    expect_err(
        |v| set(v, &["connection"], json!([[true, true]])),
        shape,
        "connection: expected shape [2][2], found 1 rows",
    );
    expect_err(
        |v| set(v, &["connection"], json!([[true, true], [true]])),
        shape,
        "connection[1]: expected shape [2], found [1]",
    );
    // K follows the basis: three centres need three matrices
    expect_err(
        |v| set(v, &["basis", "centers"], json!([0.0, 5.0, 10.0])),
        shape,
        "K = 3",
    );
}

#[test]
fn invalid_values() {
    let inv = |e: &SnnError| matches!(e, SnnError::InvalidValue { .. });
    expect_err(
        |v| set(v, &["activation", "amplitude"], json!(-1.0)),
        inv,
        "activation.amplitude",
    );
    expect_err(
        |v| set(v, &["basis", "scale"], json!(0.0)),
        inv,
        "basis.scale",
    );
    expect_err(|v| set(v, &["basis", "centers"], json!([])), inv, "basis");
    expect_err(
        |v| {
            set(v, &["n_obs"], json!(0));
            set(v, &["n_hidden"], json!(0));
            set(v, &["bias"], json!([]));
            set(v, &["weights"], json!([[], []]));
            remove(v, &["connection"]);
        },
        inv,
        "at least one neuron",
    );
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken_model.json");
    let mut v = valid();
    set(&mut v, &["bias"], json!([1.0]));
    std::fs::write(&path, v.to_string()).unwrap();
    let err = Snn::read_json(&path).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("broken_model.json") && msg.contains("bias"),
        "{msg}"
    );
    assert!(matches!(err, SnnError::InFile { .. }));
    let missing = Snn::read_json(dir.path().join("nope.json")).unwrap_err();
    assert!(missing.to_string().contains("nope.json"));
    let _ = Basis::epanechnikov_default(1);
}
