// Shared helpers of the cli_* tests (a module of each, not a test target of its own).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small fully specified model: 2 observed + 1 hidden neurons, K = 2 Epanechnikov bumps.
pub const MODEL: &str = r#"{
  "format": "srm-snn/v1",
  "n_obs": 2,
  "n_hidden": 1,
  "activation": { "kind": "sigmoid", "amplitude": 5.0 },
  "basis": { "kind": "epanechnikov", "centers": [0.0, 10.0], "scale": 1.0 },
  "bias": [-1.0, -1.5, -0.5],
  "weights": [ [[-2.0, 1.0, 0.5], [0.8, -2.0, 0.3], [0.2, 0.4, -2.0]],
               [[0.1, 0.0, 0.2], [0.0, 0.1, 0.0], [0.3, 0.0, 0.1]] ]
}"#;

pub struct Run {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

fn finish(out: Output) -> Run {
    Run {
        ok: out.status.success(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `diffsnn args...` in `dir`.
pub fn diffsnn(dir: &Path, args: &[&str]) -> Run {
    diffsnn_env(dir, args, &[])
}

/// Runs `diffsnn args...` in `dir` with extra environment variables.
pub fn diffsnn_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_diffsnn"));
    cmd.current_dir(dir).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    finish(cmd.output().expect("the diffsnn binary runs"))
}

/// A temporary directory with `m.json` (the model above) in it.
pub fn workdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.json"), MODEL).unwrap();
    dir
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The names of the files in `dir`, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs `args` in a fresh directory holding the model and `files`; checks that it fails with
/// status 1, that the message starts with `error: ` and contains every `expect` substring, and
/// that the directory holds the same files afterwards (no output, no temporary file).
pub fn check(name: &str, files_to_write: &[(&str, String)], args: &[&str], expect: &[&str]) {
    let dir = workdir();
    let d = dir.path();
    for (f, text) in files_to_write {
        write(d, f, text);
    }
    let before = files(d);
    let r = diffsnn(d, args);
    assert!(
        !r.ok,
        "{name}: expected a failure, got success; stdout: {}",
        r.stdout
    );
    assert_eq!(
        r.code,
        Some(1),
        "{name}: exit code {:?}; stderr: {}",
        r.code,
        r.stderr
    );
    assert!(r.stderr.starts_with("error: "), "{name}: {}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{name}: {}", r.stderr);
    for e in expect {
        assert!(
            r.stderr.contains(e),
            "{name}: message lacks {e:?}: {}",
            r.stderr
        );
    }
    assert_eq!(files(d), before, "{name}: files changed");
}

/// The numbers of a JSON report's `per_sequence` array (`loglik`, `eval`).
pub fn per_sequence(report: &serde_json::Value) -> Vec<f64> {
    report["per_sequence"]
        .as_array()
        .expect("the report has a per_sequence array")
        .iter()
        .map(|x| x.as_f64().expect("a number"))
        .collect()
}

/// The parameters of the model file `name` in `dir`, flattened (biases, then the weights
/// `[k][i][j]`).
pub fn model_params(dir: &Path, name: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let numbers = |a: &serde_json::Value| -> Vec<f64> {
        a.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    let mut out = numbers(&v["bias"]);
    for w in v["weights"].as_array().unwrap() {
        for row in w.as_array().unwrap() {
            out.extend(numbers(row));
        }
    }
    out
}
