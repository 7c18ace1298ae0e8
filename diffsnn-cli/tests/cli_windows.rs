//! `--window-length L` through the binary: every sequence cut into windows of `L` seconds, each
//! a sequence of its own. Variational training on the cut file is training on the windows
//! written as sequences (the same bytes), each after a lead-in (`--lead-in`, sampled but not
//! scored) or from an empty history; fully observed fitting on windows conditioned on
//! their lead-ins is fitting the whole recording; the log-likelihood of the windows is the
//! whole recording's after their lead-ins (and without them when the model has no history
//! dependence), and differs from it when a window loses history (the bias); evaluation takes
//! the lead-in as training does; a bad length or lead-in names the flag.

#[path = "cli_common/mod.rs"]
mod common;

use std::path::Path;

use common::*;
use serde_json::{Value, json};

fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = diffsnn(dir, args);
    assert!(r.ok, "{args:?} failed: {}", r.stderr);
    r
}

fn read_json(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

/// One sequence of the test model's three neurons on [0, 60].
fn recording(d: &Path) {
    ok(
        d,
        &[
            "simulate", "--model", "m.json", "--t-end", "60", "--seed", "8", "--out", "all.json",
        ],
    );
}

/// The spike file's sequences cut by hand into windows of `length` (an event on a cut goes to
/// the later window), each extended back by `lead` seconds (clipped at the sequence's start).
fn cut_by_hand(file: &Value, length: f64, lead: f64) -> Value {
    let mut out = file.clone();
    let mut pieces = Vec::new();
    for s in file["sequences"].as_array().unwrap() {
        let (t0, t1) = (
            s["window"][0].as_f64().unwrap(),
            s["window"][1].as_f64().unwrap(),
        );
        let n = ((t1 - t0) / length).ceil() as usize;
        for k in 0..n {
            let a = (t0 + k as f64 * length - lead).max(t0);
            let b = if k + 1 == n {
                t1
            } else {
                t0 + (k + 1) as f64 * length
            };
            let inside: Vec<(f64, u64)> = s["times"]
                .as_array()
                .unwrap()
                .iter()
                .zip(s["neurons"].as_array().unwrap())
                .map(|(t, i)| (t.as_f64().unwrap(), i.as_u64().unwrap()))
                .filter(|&(t, _)| t >= a && (t < b || k + 1 == n))
                .collect();
            pieces.push(json!({
                "window": [a, b],
                "times": inside.iter().map(|p| p.0).collect::<Vec<_>>(),
                "neurons": inside.iter().map(|p| p.1).collect::<Vec<_>>(),
            }));
        }
    }
    out["sequences"] = Value::Array(pieces);
    out
}

/// `fit --hidden 1 --estimator pathwise` on the recording of `all.json` (seed 5, 2 epochs) with
/// `extra` arguments, into `out`.
fn fit_with(d: &Path, estimator: &str, spikes: &str, extra: &[&str], out: &str) -> Run {
    let mut args = vec![
        "fit",
        "--spikes",
        spikes,
        "--n-observed",
        "2",
        "--hidden",
        "1",
        "--estimator",
        estimator,
        "--epochs",
        "2",
        "--seed",
        "5",
        "--quiet",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    ok(d, &args)
}

fn same_file(d: &Path, a: &str, b: &str) -> bool {
    std::fs::read_to_string(d.join(a)).unwrap() == std::fs::read_to_string(d.join(b)).unwrap()
}

/// For both estimators (the score function's score is then the whole sample's).
#[test]
fn fitting_on_windows_is_fitting_on_the_windows_as_sequences() {
    let dir = workdir();
    let d = dir.path();
    recording(d);
    let all = read_json(d, "all.json");
    let cut = cut_by_hand(&all, 15.0, 0.0);
    assert_eq!(cut["sequences"].as_array().unwrap().len(), 4);
    std::fs::write(d.join("cut.json"), cut.to_string()).unwrap();
    let cut_led = cut_by_hand(&all, 15.0, 11.0);
    assert_eq!(cut_led["sequences"][1]["window"], json!([4.0, 30.0]));
    std::fs::write(d.join("cut_led.json"), cut_led.to_string()).unwrap();
    for estimator in ["pathwise", "score"] {
        let fit =
            |spikes: &str, extra: &[&str], out: &str| fit_with(d, estimator, spikes, extra, out);
        // windows from an empty history: the windows written as sequences
        let windowed = fit(
            "all.json",
            &["--window-length", "15", "--lead-in", "0"],
            "w.json",
        );
        assert!(
            windowed.stderr.contains("cut 1 sequence into 4 windows"),
            "{}",
            windowed.stderr
        );
        fit("cut.json", &[], "c.json");
        assert!(same_file(d, "w.json", "c.json"), "{estimator}");
        // by default each window comes after a lead-in of the kernel support (11 s), sampled
        // but not scored: the windows extended back by 11 s, written as sequences, each
        // trained on after an 11 s lead-in
        let led = fit("all.json", &["--window-length", "15"], "wl.json");
        assert!(
            led.stderr
                .contains("into 4 windows, each trained on after a lead-in of 11 s"),
            "{}",
            led.stderr
        );
        fit("cut_led.json", &["--lead-in", "11"], "cl.json");
        assert!(same_file(d, "wl.json", "cl.json"), "{estimator}");
        assert!(!same_file(d, "wl.json", "w.json"), "{estimator}");
        // a window that covers the recording is the recording, with the same lead-in
        fit(
            "all.json",
            &["--window-length", "60", "--lead-in", "0"],
            "cover.json",
        );
        fit("all.json", &[], "plain.json");
        assert!(same_file(d, "cover.json", "plain.json"), "{estimator}");
        fit("all.json", &["--window-length", "60"], "cover_led.json");
        fit("all.json", &["--lead-in", "11"], "plain_led.json");
        assert!(
            same_file(d, "cover_led.json", "plain_led.json"),
            "{estimator}"
        );
        // Monte Carlo points cover a whole sequence: its windows take no lead-in by default
        let mc = ["--window-length", "15", "--compensator", "monte-carlo"];
        let r = fit("all.json", &mc, "mc.json");
        assert!(
            r.stderr
                .contains("into 4 windows; each starts from an empty history"),
            "{}",
            r.stderr
        );
    }
}

/// A lead-in that cannot be honoured is refused before anything is written, naming the flag.
#[test]
fn a_bad_lead_in_names_the_flag() {
    let dir = workdir();
    let d = dir.path();
    recording(d);
    let cases: [(&[&str], &str); 6] = [
        (
            &[
                "--estimator",
                "score",
                "--compensator",
                "monte-carlo",
                "--lead-in",
                "5",
            ],
            "needs --compensator quadrature",
        ),
        (
            &["--estimator", "pathwise", "--window-length", "10"],
            "longer than the lead-in",
        ),
        (
            &["--estimator", "pathwise", "--lead-in", "60"],
            "nothing to score of sequence 0",
        ),
        (
            &["--estimator", "pathwise", "--lead-in", "-1"],
            "non-negative",
        ),
        (&["--estimator", "pathwise", "--lead-in", "NaN"], "finite"),
        (&["--hidden", "0", "--lead-in", "5"], "hidden neurons"),
    ];
    for (extra, says) in cases {
        let mut args = vec![
            "fit", "--spikes", "all.json", "--epochs", "1", "--out", "x.json",
        ];
        if !extra.contains(&"--hidden") {
            args.extend(["--hidden", "1"]);
        }
        args.extend_from_slice(extra);
        let r = diffsnn(d, &args);
        assert!(
            !r.ok && (r.stderr.contains("--lead-in") || r.stderr.contains("--window-length")),
            "{args:?}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(!d.join("x.json").exists());
    }
}

#[test]
fn fully_observed_fitting_on_conditioned_windows_is_fitting_the_whole_recording() {
    let dir = workdir();
    let d = dir.path();
    recording(d);
    let mle = |extra: &[&str], out: &str| {
        let mut args = vec![
            "fit", "--spikes", "all.json", "--hidden", "0", "--lr", "0.1", "--quiet", "--out", out,
        ];
        args.extend_from_slice(extra);
        ok(d, &args)
    };
    let windowed = mle(&["--epochs", "3", "--window-length", "7"], "w.json");
    assert!(
        windowed
            .stderr
            .contains("into 9 windows, each conditioned on the 11 s"),
        "{}",
        windowed.stderr
    );
    mle(&["--epochs", "3"], "whole.json");
    let (w, whole) = (model_params(d, "w.json"), model_params(d, "whole.json"));
    assert_eq!(w.len(), 3 + 2 * 9);
    for (a, b) in w.iter().zip(&whole) {
        assert!((a - b).abs() < 1e-9 * (1.0 + b.abs()), "{a} vs {b}");
    }
    // the fit moved: the check compares trained models, not two copies of the start
    mle(&["--epochs", "0"], "start.json");
    let start = model_params(d, "start.json");
    assert!(whole.iter().zip(&start).any(|(a, b)| (a - b).abs() > 1e-3));
    // with Monte Carlo compensators there is no exact lead-in
    let r = diffsnn(
        d,
        &[
            "fit",
            "--spikes",
            "all.json",
            "--hidden",
            "0",
            "--epochs",
            "1",
            "--window-length",
            "7",
            "--compensator",
            "monte-carlo",
            "--out",
            "x.json",
        ],
    );
    assert!(!r.ok && r.stderr.contains("quadrature"), "{}", r.stderr);
    // nor with filters that reach back without end
    ok(
        d,
        &[
            "init",
            "--observed",
            "3",
            "--basis",
            "exponential",
            "--init",
            "zero",
            "--out",
            "e.json",
        ],
    );
    let r = diffsnn(
        d,
        &[
            "fit",
            "--spikes",
            "all.json",
            "--hidden",
            "0",
            "--epochs",
            "1",
            "--init",
            "e.json",
            "--window-length",
            "7",
            "--loss-csv",
            "x.csv",
            "--out",
            "x.json",
        ],
    );
    assert!(
        !r.ok && r.stderr.contains("--window-length") && r.stderr.contains("finite support"),
        "{}",
        r.stderr
    );
    assert!(!d.join("x.json").exists() && !d.join("x.csv").exists());
}

#[test]
fn the_windows_log_likelihood_adds_up_to_the_recording_after_their_lead_ins() {
    let dir = workdir();
    let d = dir.path();
    recording(d);
    let loglik = |model: &str, extra: &[&str]| -> (f64, usize) {
        let mut args = vec!["loglik", "--model", model, "--spikes", "all.json"];
        args.extend_from_slice(extra);
        let v: Value = serde_json::from_str(ok(d, &args).stdout.trim()).unwrap();
        let per = per_sequence(&v);
        let total = v["loglik"].as_f64().unwrap();
        assert!((per.iter().sum::<f64>() - total).abs() < 1e-9 * total.abs());
        (total, per.len())
    };
    // the test model's filters reach back 11 s: windows alone (no lead-in) lose the history
    // at the cuts and change the log-likelihood
    let (whole, n) = loglik("m.json", &[]);
    assert_eq!(n, 1);
    let (cut, n) = loglik("m.json", &["--window-length", "15", "--lead-in", "0"]);
    assert_eq!(n, 4);
    assert!((cut - whole).abs() > 1e-6, "whole {whole}, windows {cut}");
    // by default each window is conditioned on the 11 s before it: the windows add up to the
    // recording (to rounding: the cuts are extra quadrature breakpoints); a shorter lead-in
    // loses part of the history
    let (led, n) = loglik("m.json", &["--window-length", "15"]);
    assert_eq!(n, 4);
    assert!(
        (led - whole).abs() < 1e-9 * whole.abs(),
        "whole {whole}, windows {led}"
    );
    let (short, _) = loglik("m.json", &["--window-length", "15", "--lead-in", "5"]);
    assert!(
        (short - whole).abs() > 1e-6,
        "whole {whole}, windows {short}"
    );
    // a window as long as the recording is the recording
    assert_eq!(loglik("m.json", &["--window-length", "60"]).0, whole);
    // a model without weights has no history to lose: the same value to rounding
    let mut flat = read_json(d, "m.json");
    for w in flat["weights"].as_array_mut().unwrap() {
        for row in w.as_array_mut().unwrap() {
            for x in row.as_array_mut().unwrap() {
                *x = json!(0.0);
            }
        }
    }
    std::fs::write(d.join("flat.json"), flat.to_string()).unwrap();
    let (whole, _) = loglik("flat.json", &[]);
    let (cut, n) = loglik("flat.json", &["--window-length", "7", "--lead-in", "0"]);
    assert_eq!(n, 9);
    assert!((cut - whole).abs() < 1e-9 * whole.abs(), "{whole} vs {cut}");
}

#[test]
fn a_bad_window_length_names_the_flag() {
    let dir = workdir();
    let d = dir.path();
    recording(d);
    for (bad, expect) in [
        ("0", "finite and positive"),
        ("-3", "finite and positive"),
        ("1e-9", "pieces"),
    ] {
        let flag = format!("--window-length={bad}");
        let r = diffsnn(
            d,
            &["loglik", "--model", "m.json", "--spikes", "all.json", &flag],
        );
        assert!(!r.ok);
        assert!(
            r.stderr.contains("--window-length") && r.stderr.contains(expect),
            "{bad}: {}",
            r.stderr
        );
    }
}

/// `eval --window-length` takes each window after a lead-in of the kernel support by default:
/// for each method, the report is that of the windows extended back by 11 s written as
/// sequences and evaluated with `--lead-in 11` (the same bytes), and differs from the windows
/// alone; Monte Carlo compensators take no lead-in, and refuse one by name.
#[test]
fn evaluating_windows_is_evaluating_them_after_their_lead_in() {
    let dir = workdir();
    let d = dir.path();
    recording(d);
    fit_with(d, "pathwise", "all.json", &[], "m.json");
    let all = read_json(d, "all.json");
    std::fs::write(
        d.join("cut_led.json"),
        cut_by_hand(&all, 15.0, 11.0).to_string(),
    )
    .unwrap();
    std::fs::write(d.join("cut.json"), cut_by_hand(&all, 15.0, 0.0).to_string()).unwrap();
    let eval = |spikes: &str, extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--model",
            "m.json",
            "--spikes",
            spikes,
            "--samples",
            "3",
            "--seed",
            "2",
        ];
        args.extend_from_slice(extra);
        ok(d, &args)
    };
    for method in [
        &["--method", "elbo"][..],
        &["--method", "iwae", "--replicates", "2"],
        &["--method", "smc", "--particles", "20", "--runs", "2"],
    ] {
        let windowed = eval(
            "all.json",
            &[&["--window-length", "15"][..], method].concat(),
        );
        assert!(
            windowed
                .stderr
                .contains("into 4 windows, each evaluated after a lead-in of 11 s"),
            "{}",
            windowed.stderr
        );
        let by_hand = eval("cut_led.json", &[&["--lead-in", "11"][..], method].concat());
        assert_eq!(windowed.stdout, by_hand.stdout, "{method:?}");
        let alone = eval("cut.json", method);
        assert_ne!(windowed.stdout, alone.stdout, "{method:?}");
        let no_lead = eval(
            "all.json",
            &[&["--window-length", "15", "--lead-in", "0"][..], method].concat(),
        );
        assert_eq!(no_lead.stdout, alone.stdout, "{method:?}");
    }
    let mc = eval(
        "all.json",
        &["--window-length", "15", "--compensator", "monte-carlo"],
    );
    assert!(
        mc.stderr.contains("each starts from an empty history"),
        "{}",
        mc.stderr
    );
    let r = diffsnn(
        d,
        &[
            "eval",
            "--model",
            "m.json",
            "--spikes",
            "all.json",
            "--compensator",
            "monte-carlo",
            "--lead-in",
            "5",
        ],
    );
    assert!(!r.ok && r.stderr.contains("--lead-in"), "{}", r.stderr);
}
