//! The workflow on one's own data, through the binary: a model file from `init`, the observed
//! neurons picked out of a `simulate` file, a run resumed from its state checkpoint ending with
//! the bits of the run never interrupted, and strict reading of hand-written CSV files.

#[path = "cli_common/mod.rs"]
mod common;

use std::path::Path;

use common::*;

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = diffsnn(dir, args);
    assert!(r.ok, "{args:?} failed: {}", r.stderr);
    r
}

/// Spike trains of all three neurons of the test model (2 observed + 1 hidden): 4 sequences.
fn simulated(dir: &Path) {
    ok(
        dir,
        &[
            "simulate",
            "--model",
            "m.json",
            "--t-end",
            "20",
            "--sequences",
            "4",
            "--seed",
            "3",
            "--out",
            "all.json",
        ],
    );
}

#[test]
fn init_writes_the_model_fit_starts_from() {
    let dir = workdir();
    let d = dir.path();
    let r = ok(
        d,
        &[
            "init",
            "--observed",
            "2",
            "--hidden",
            "1",
            "--seed",
            "11",
            "--out",
            "m0.json",
        ],
    );
    assert!(r.stderr.contains("2 observed and 1 hidden"), "{}", r.stderr);
    let m = snn_model::Snn::read_json(d.join("m0.json")).unwrap();
    assert_eq!((m.n_obs(), m.n_hidden(), m.n_basis()), (2, 1, 2));
    // the refractory clamp holds and the draws are not all equal
    assert!((0..3).all(|i| m.weight(0, i, i) <= -0.1));
    assert_ne!(m.weight(0, 0, 1), m.weight(0, 1, 0));
    // fit --epochs 0 writes its initial model: the same file as init with the same seed
    simulated(d);
    ok(
        d,
        &[
            "fit",
            "--spikes",
            "all.json",
            "--n-observed",
            "2",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--epochs",
            "0",
            "--seed",
            "11",
            "--out",
            "f0.json",
        ],
    );
    assert_eq!(read(d, "f0.json"), read(d, "m0.json"));
    // and the model file is accepted by simulate and by fit --init
    ok(
        d,
        &[
            "simulate", "--model", "m0.json", "--t-end", "5", "--out", "s0.json",
        ],
    );
    ok(
        d,
        &[
            "fit",
            "--spikes",
            "all.json",
            "--observed",
            "0,1",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--epochs",
            "1",
            "--init",
            "m0.json",
            "--out",
            "f1.json",
            "--quiet",
        ],
    );
    // zero parameters, other bases
    ok(
        d,
        &[
            "init",
            "--observed",
            "3",
            "--basis",
            "alpha",
            "--n-basis",
            "3",
            "--init",
            "zero",
            "--out",
            "z.json",
        ],
    );
    let z = snn_model::Snn::read_json(d.join("z.json")).unwrap();
    assert_eq!((z.n_obs(), z.n_hidden(), z.n_basis()), (3, 0, 3));
    assert_eq!(
        (z.bias()[1], z.weight(2, 0, 1), z.weight(2, 1, 1)),
        (0.0, 0.0, -0.1)
    );
    check(
        "init without observed neurons",
        &[],
        &["init", "--observed", "0", "--out", "x.json"],
        &["--observed", "at least one observed neuron"],
    );
}

#[test]
fn fit_takes_the_observed_neurons_of_a_simulated_file() {
    let dir = workdir();
    let d = dir.path();
    simulated(d);
    let common = [
        "fit",
        "--spikes",
        "all.json",
        "--hidden",
        "1",
        "--estimator",
        "score",
        "--epochs",
        "1",
        "--quiet",
    ];
    let run = |extra: &[&str]| {
        let args: Vec<&str> = common.iter().chain(extra).copied().collect();
        ok(d, &args)
    };
    let by_list = run(&["--observed", "0,1", "--out", "a.json"]);
    assert!(by_list.stdout.contains("\"n_obs\":2"), "{}", by_list.stdout);
    run(&["--n-observed", "2", "--out", "b.json"]);
    assert_eq!(read(d, "a.json"), read(d, "b.json"));
    // the order of the list is the new numbering
    run(&["--observed", "1,0", "--out", "c.json"]);
    assert_ne!(read(d, "a.json"), read(d, "c.json"));
    // without a selection every neuron of the file is observed
    let all = run(&["--out", "d.json"]);
    assert!(all.stdout.contains("\"n_obs\":3"), "{}", all.stdout);
    for (name, args, expect) in [
        (
            "a neuron the file lacks",
            vec!["--observed", "0,5"],
            vec!["--observed", "no neuron 5", "0..3"],
        ),
        (
            "a neuron twice",
            vec!["--observed", "1,1"],
            vec!["neuron 1 is listed twice"],
        ),
        (
            "too many",
            vec!["--n-observed", "4"],
            vec!["--n-observed", "1..=3"],
        ),
    ] {
        let mut all_args: Vec<&str> = common.to_vec();
        all_args.extend(args);
        all_args.extend(["--out", "x.json"]);
        let spikes = read(d, "all.json");
        check(name, &[("all.json", spikes)], &all_args, &expect);
    }
}

#[test]
fn eval_and_loglik_take_the_neurons_named() {
    let dir = workdir();
    let d = dir.path();
    simulated(d);
    // loglik: the model's 3 neurons in the order of the file, named or not
    let all = ok(d, &["loglik", "--model", "m.json", "--spikes", "all.json"]);
    let named = ok(
        d,
        &[
            "loglik",
            "--model",
            "m.json",
            "--spikes",
            "all.json",
            "--observed",
            "0,1,2",
        ],
    );
    assert_eq!(all.stdout, named.stdout);
    let swapped = ok(
        d,
        &[
            "loglik",
            "--model",
            "m.json",
            "--spikes",
            "all.json",
            "--observed",
            "1,0,2",
        ],
    );
    assert_ne!(all.stdout, swapped.stdout);
    // eval: the observed neurons; naming them drops the hidden one without a warning
    let default = ok(d, &["eval", "--model", "m.json", "--spikes", "all.json"]);
    assert!(default.stderr.contains("warning"), "{}", default.stderr);
    let picked = ok(
        d,
        &[
            "eval",
            "--model",
            "m.json",
            "--spikes",
            "all.json",
            "--n-observed",
            "2",
        ],
    );
    assert!(!picked.stderr.contains("warning"), "{}", picked.stderr);
    assert_eq!(default.stdout, picked.stdout);
    let spikes = read(d, "all.json");
    check(
        "loglik with fewer neurons than the model",
        &[("all.json", spikes.clone())],
        &[
            "loglik",
            "--model",
            "m.json",
            "--spikes",
            "all.json",
            "--observed",
            "0,1",
        ],
        &[
            "--observed picks 2 neurons of all.json",
            "m.json has 3 neurons",
        ],
    );
    let unobserved = MODEL.replace(
        "\"n_obs\": 2,\n  \"n_hidden\": 1",
        "\"n_obs\": 0,\n  \"n_hidden\": 3",
    );
    assert_ne!(unobserved, MODEL);
    check(
        "eval of a model without observed neurons",
        &[("all.json", spikes.clone()), ("z.json", unobserved)],
        &["eval", "--model", "z.json", "--spikes", "all.json"],
        &["z.json", "no observed neuron"],
    );
    check(
        "eval with more neurons than observed",
        &[("all.json", spikes)],
        &[
            "eval",
            "--model",
            "m.json",
            "--spikes",
            "all.json",
            "--n-observed",
            "3",
        ],
        &["--n-observed picks 3 neurons", "2 observed neurons"],
    );
}

/// The flags of the resume test runs besides the outputs.
fn resume_settings(estimator: &str, extra: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = [
        "fit",
        "--spikes",
        "all.json",
        "--n-observed",
        "2",
        "--hidden",
        "1",
        "--estimator",
        estimator,
        "--epochs",
        "4",
        "--seed",
        "5",
        "--shuffle",
        "--batch-size",
        "2",
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

fn run_strings(d: &Path, args: &[String], more: &[&str]) -> Run {
    let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
    all.extend(more);
    ok(d, &all)
}

#[test]
fn a_resumed_run_ends_with_the_bits_of_the_run_never_interrupted() {
    let dir = workdir();
    let d = dir.path();
    simulated(d);
    for (estimator, extra) in [
        (
            "pathwise",
            &["--separate-variational", "--optimizer", "adam"][..],
        ),
        (
            "score",
            &["--baseline", "running-mean", "--patience", "10"][..],
        ),
    ] {
        let settings = resume_settings(estimator, extra);
        run_strings(
            d,
            &settings,
            &[
                "--out",
                "straight.json",
                "--loss-csv",
                "straight.csv",
                "--checkpoint-every",
                "2",
            ],
        );
        let resumed = run_strings(
            d,
            &settings,
            &[
                "--out",
                "resumed.json",
                "--loss-csv",
                "resumed.csv",
                "--resume",
                "straight.epoch2.state.json",
            ],
        );
        assert!(
            resumed.stdout.contains("\"epochs\":4"),
            "{}",
            resumed.stdout
        );
        assert_eq!(
            read(d, "resumed.json"),
            read(d, "straight.json"),
            "{estimator}"
        );
        if extra.contains(&"--separate-variational") {
            assert_eq!(read(d, "resumed.q.json"), read(d, "straight.q.json"));
        }
        // the loss curve continues the saved one: the same epochs and losses
        let losses = |name: &str| -> Vec<(f64, f64)> {
            diffsnn_cli::io::read_loss_csv(d.join(name))
                .unwrap()
                .iter()
                .map(|p| (p.epoch, p.loss))
                .collect()
        };
        assert_eq!(losses("resumed.csv"), losses("straight.csv"));
        assert_eq!(losses("resumed.csv").len(), 4);
        // only the epochs after the checkpoint ran
        assert_eq!(
            resumed.stderr.matches("epoch ").count(),
            2,
            "{}",
            resumed.stderr
        );
    }
}

#[test]
fn resume_refuses_another_run() {
    let dir = workdir();
    let d = dir.path();
    simulated(d);
    let settings = resume_settings("score", &[]);
    run_strings(
        d,
        &settings,
        &["--out", "a.json", "--checkpoint-every", "2"],
    );
    let state = read(d, "a.epoch2.state.json");
    let spikes = read(d, "all.json");
    let with = |changes: &[(&str, &str)], more: &[&str]| -> Vec<String> {
        let mut v = settings.clone();
        for (flag, value) in changes {
            let i = v.iter().position(|a| a == flag).unwrap();
            v[i + 1] = value.to_string();
        }
        v.extend(more.iter().map(|s| s.to_string()));
        v.extend(["--out", "b.json", "--resume", "s.json"].map(String::from));
        v
    };
    let files = [("all.json", spikes.clone()), ("s.json", state.clone())];
    let cases: Vec<(&str, Vec<String>, Vec<&str>)> = vec![
        (
            "another learning rate",
            with(&[], &["--lr", "0.1"]),
            vec!["--lr", "0.1", "0.05", "s.json", "keeps its settings"],
        ),
        (
            "another seed",
            with(&[("--seed", "6")], &[]),
            vec!["--seed", "is 6 here but 5"],
        ),
        (
            "fewer epochs than done",
            with(&[("--epochs", "1")], &[]),
            vec!["--epochs", "has done 2 epochs", "at least 2"],
        ),
        (
            "other data",
            with(&[("--n-observed", "3")], &[]),
            vec!["--n-observed", "is 3 here but 2"],
        ),
    ];
    for (name, args, expect) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(name, &files, &args, &expect);
    }
    // the same settings on other spike trains of the same size: one spike moved
    let mut moved: serde_json::Value = serde_json::from_str(&spikes).unwrap();
    let first = &mut moved["sequences"][0]["times"][0];
    *first = serde_json::json!(first.as_f64().unwrap() / 2.0);
    let other = moved.to_string();
    let args = with(&[], &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    check(
        "other spikes",
        &[("all.json", other), ("s.json", state.clone())],
        &args,
        &[
            "s.json",
            "other data",
            "2 observed neurons, 4 sequences",
            "fingerprint",
        ],
    );
    check(
        "not a checkpoint",
        &[("all.json", spikes.clone()), ("s.json", read(d, "m.json"))],
        &args,
        &["s.json", "format", "diffsnn-checkpoint/v1"],
    );
    let truncated = state[..state.len() / 2].to_string();
    check(
        "a truncated checkpoint",
        &[("all.json", spikes), ("s.json", truncated)],
        &args,
        &["s.json", "not valid JSON"],
    );
}

#[test]
fn fit_reads_hand_written_csv_strictly() {
    let fit = |spikes: &str| -> Vec<String> {
        [
            "fit",
            "--spikes",
            spikes,
            "--window",
            "0,10",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--epochs",
            "1",
            "--quiet",
            "--out",
            "x.json",
        ]
        .map(String::from)
        .to_vec()
    };
    let typo = "sequence,time,neuron\n0,1.0,0\n0,2.0,1\n0,3.0,7\n1,1.5,0\n".to_string();
    let args = fit("t.csv");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    check(
        "a typo'd neuron number",
        &[("t.csv", typo.clone())],
        &args,
        &[
            "t.csv",
            "largest neuron number is 7",
            "2, 3, 4, 5, 6",
            "--observed",
        ],
    );
    // with the observed neurons named, neuron 7's spikes are left out
    let dir = workdir();
    let d = dir.path();
    write(d, "t.csv", &typo);
    let mut picked = args.clone();
    picked.extend(["--n-observed", "2"]);
    let r = ok(d, &picked);
    assert!(r.stdout.contains("\"n_obs\":2"), "{}", r.stdout);

    let gap = "sequence,time,neuron\n0,1.0,0\n0,2.0,1\n2,3.0,0\n2,4.0,1\n".to_string();
    check(
        "a gap in the sequence numbers",
        &[("g.csv", gap.clone())],
        &fit("g.csv").iter().map(String::as_str).collect::<Vec<_>>(),
        &[
            "g.csv",
            "sequence number 1 of 0..3 has no rows",
            "--allow-empty-sequences",
        ],
    );
    write(d, "g.csv", &gap);
    let mut allowed = fit("g.csv");
    allowed.push("--allow-empty-sequences".into());
    ok(d, &allowed.iter().map(String::as_str).collect::<Vec<_>>());

    // without --window: a warning that names the window taken
    let r = ok(
        d,
        &[
            "fit",
            "--spikes",
            "g.csv",
            "--allow-empty-sequences",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--epochs",
            "1",
            "--out",
            "y.json",
        ],
    );
    assert!(
        r.stderr.contains("warning: g.csv") && r.stderr.contains("[0, 4]"),
        "{}",
        r.stderr
    );
    // standard error is not a terminal here: one plain line per epoch
    assert!(r.stderr.contains("epoch    1/1  loss"), "{}", r.stderr);
}

/// A 2-neuron network inside the refractory constraint (every self-weight <= -0.1), so that the
/// constrained maximum likelihood can reach the truth.
const FULLY_OBSERVED: &str = r#"{"format": "srm-snn/v1", "n_obs": 2, "n_hidden": 0,
 "activation": { "kind": "sigmoid", "amplitude": 5.0 },
 "basis": { "kind": "epanechnikov", "centers": [0.0, 10.0], "scale": 1.0 },
 "bias": [-1.0, -0.5],
 "weights": [ [[-2.0, 1.0], [0.8, -2.0]], [[-0.5, 0.0], [0.3, -0.5]] ]}"#;

fn loglik_of(d: &Path, model: &str, spikes: &str) -> f64 {
    let r = ok(d, &["loglik", "--model", model, "--spikes", spikes]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    v["loglik"].as_f64().unwrap()
}

#[test]
fn fit_without_hidden_neurons_is_maximum_likelihood() {
    let dir = workdir();
    let d = dir.path();
    write(d, "truth.json", FULLY_OBSERVED);
    ok(
        d,
        &[
            "simulate",
            "--model",
            "truth.json",
            "--t-end",
            "50",
            "--sequences",
            "20",
            "--seed",
            "1",
            "--out",
            "s.json",
        ],
    );
    let fit = [
        "fit",
        "--spikes",
        "s.json",
        "--hidden",
        "0",
        "--epochs",
        "300",
        "--optimizer",
        "adam",
        "--regularisation",
        "0",
        "--quiet",
        "--checkpoint-every",
        "100",
        "--loss-csv",
        "l.csv",
    ];
    let run = |out: &str, threads: &str| {
        let mut args = fit.to_vec();
        args.extend(["--out", out]);
        let r = diffsnn_env(d, &args, &[("RAYON_NUM_THREADS", threads)]);
        assert!(r.ok, "{}", r.stderr);
        r
    };
    let r = run("f.json", "2");
    assert!(r.stdout.contains("\"estimator\":\"mle\""), "{}", r.stdout);
    assert!(r.stdout.contains("\"epochs\":300"), "{}", r.stdout);
    // the maximum of the likelihood on the training data is at least the truth's (the truth
    // is inside the constraint set), and far above the initial model's
    let (fitted, truth) = (
        loglik_of(d, "f.json", "s.json"),
        loglik_of(d, "truth.json", "s.json"),
    );
    ok(
        d,
        &[
            "fit", "--spikes", "s.json", "--hidden", "0", "--epochs", "0", "--out", "f0.json",
        ],
    );
    let initial = loglik_of(d, "f0.json", "s.json");
    assert!(fitted >= truth, "fitted {fitted} < truth {truth}");
    assert!(initial < truth - 1000.0, "initial {initial}, truth {truth}");
    // the loss curve: one row per epoch, falling overall
    let losses = diffsnn_cli::io::read_loss_csv(d.join("l.csv")).unwrap();
    assert_eq!(losses.len(), 300);
    assert!(losses[299].loss < losses[0].loss);
    // model checkpoints (no state: there is nothing to resume)
    for e in [100, 200, 300] {
        assert!(d.join(format!("f.epoch{e}.json")).exists());
    }
    assert!(!d.join("f.epoch100.state.json").exists());
    // the same bits for any number of threads
    run("g.json", "1");
    assert_eq!(read(d, "f.json"), read(d, "g.json"));
    let spikes = read(d, "s.json");
    for (flag, extra) in [
        ("--estimator", &["--estimator", "score"][..]),
        ("--separate-variational", &["--separate-variational"][..]),
        ("--batch-size", &["--batch-size", "4"][..]),
    ] {
        let mut args = vec![
            "fit", "--spikes", "s.json", "--hidden", "0", "--out", "x.json",
        ];
        args.extend(extra);
        check(
            flag,
            &[("s.json", spikes.clone())],
            &args,
            &[flag, "variational training", "maximum likelihood"],
        );
    }
    check(
        "no estimator with hidden neurons",
        &[("s.json", spikes)],
        &[
            "fit", "--spikes", "s.json", "--hidden", "1", "--out", "x.json",
        ],
        &["--estimator", "is required with hidden neurons"],
    );
}
