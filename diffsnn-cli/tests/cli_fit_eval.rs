//! `diffsnn fit` and `diffsnn eval` end to end on small files, and their bad-input paths
//! (non-zero exit, a message naming the problem, no output file left behind).

#[path = "cli_common/mod.rs"]
mod common;

use common::*;
use diffsnn_cli::io::{ReadOptions, read_spikes};
use pp_core::Parametric;
use pp_core::spike_files::SpikeTrains;
use std::path::Path;

/// Simulates the 2 + 1 model of `m.json` (3 sequences, T = 20) into `full.json` and writes the
/// observed neurons only into `obs.json`.
fn data(dir: &Path) {
    let r = diffsnn(
        dir,
        &[
            "simulate",
            "--model",
            "m.json",
            "--t-end",
            "20",
            "--sequences",
            "3",
            "--seed",
            "4",
            "--out",
            "full.json",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let full = read_spikes(dir.join("full.json"), &ReadOptions::default()).unwrap();
    let obs: Vec<_> = full
        .sequences()
        .iter()
        .map(|s| s.select_dimensions(&[0, 1]).unwrap())
        .collect();
    std::fs::write(
        dir.join("obs.json"),
        SpikeTrains::new(2, obs).unwrap().to_json_string(),
    )
    .unwrap();
}

#[test]
fn fit_then_eval() {
    let dir = workdir();
    let d = dir.path();
    data(d);

    // --epochs 0 writes the seeded initial model
    let r = diffsnn(
        d,
        &[
            "fit",
            "--spikes",
            "obs.json",
            "--hidden",
            "1",
            "--estimator",
            "pathwise",
            "--epochs",
            "0",
            "--seed",
            "3",
            "--out",
            "init.json",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let init = snn_model::Snn::read_json(d.join("init.json")).unwrap();
    assert_eq!(
        init,
        diffsnn_cli::commands::fit::initial_model(2, 1, 5.0, 2, 3).unwrap()
    );
    let summary: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(summary["epochs"], 0);

    // two epochs of each estimator change the model and write the loss curve
    for estimator in ["pathwise", "score"] {
        let out = format!("{estimator}.json");
        let csv = format!("{estimator}.csv");
        let r = diffsnn(
            d,
            &[
                "fit",
                "--spikes",
                "obs.json",
                "--hidden",
                "1",
                "--estimator",
                estimator,
                "--epochs",
                "2",
                "--seed",
                "3",
                "--out",
                &out,
                "--loss-csv",
                &csv,
                "--checkpoint-every",
                "1",
            ],
        );
        assert!(r.ok, "{estimator}: {}", r.stderr);
        let trained = snn_model::Snn::read_json(d.join(&out)).unwrap();
        assert_ne!(trained.params(), init.params());
        assert!((0..3).all(|i| trained.weight(0, i, i) <= -0.1 && trained.weight(1, i, i) <= -0.1));
        let losses = diffsnn_cli::io::read_loss_csv(d.join(&csv)).unwrap();
        assert_eq!(losses.len(), 2);
        assert!(d.join(format!("{estimator}.epoch1.json")).exists());
        assert_eq!(
            snn_model::Snn::read_json(d.join(format!("{estimator}.epoch2.json"))).unwrap(),
            trained
        );
        let r = diffsnn(
            d,
            &[
                "plot",
                "loss",
                "--csv",
                &csv,
                "--out",
                &format!("{estimator}.svg"),
            ],
        );
        assert!(r.ok, "{}", r.stderr);

        // eval on the full file: the hidden neuron's spikes are dropped with a warning
        let r = diffsnn(
            d,
            &[
                "eval",
                "--model",
                &out,
                "--spikes",
                "full.json",
                "--samples",
                "4",
                "--seed",
                "1",
            ],
        );
        assert!(r.ok, "{}", r.stderr);
        assert!(
            r.stderr.contains("warning") && r.stderr.contains("dropped"),
            "{}",
            r.stderr
        );
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(v["n_sequences"], 3);
        assert_eq!(v["samples_per_sequence"], 4);
        assert_eq!(v["per_sequence"].as_array().unwrap().len(), 3);
        let mean = v["neg_elbo"]["mean"].as_f64().unwrap();
        let se = v["neg_elbo"]["se"].as_f64().unwrap();
        assert!(mean.is_finite() && se > 0.0 && se < mean.abs());
        let per = per_sequence(&v);
        assert!((per.iter().sum::<f64>() / 3.0 - mean).abs() < 1e-9 * mean.abs());
        // on the observed-only file: the same numbers, no warning
        let r2 = diffsnn(
            d,
            &[
                "eval",
                "--model",
                &out,
                "--spikes",
                "obs.json",
                "--samples",
                "4",
                "--seed",
                "1",
            ],
        );
        assert!(r2.ok && !r2.stderr.contains("warning"), "{}", r2.stderr);
        assert_eq!(r2.stdout, r.stdout);
    }

    // a separate variational network is written next to the model and read back by eval
    let r = diffsnn(
        d,
        &[
            "fit",
            "--spikes",
            "obs.json",
            "--hidden",
            "1",
            "--estimator",
            "pathwise",
            "--epochs",
            "1",
            "--separate-variational",
            "--out",
            "sep.json",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(d.join("sep.q.json").exists());
    let r = diffsnn(
        d,
        &[
            "eval",
            "--model",
            "sep.json",
            "--variational",
            "sep.q.json",
            "--spikes",
            "obs.json",
            "--samples",
            "3",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
}

#[test]
fn fit_is_reproducible_across_thread_counts() {
    let dir = workdir();
    let d = dir.path();
    data(d);
    for estimator in ["pathwise", "score"] {
        let mut outputs = Vec::new();
        for threads in ["1", "2"] {
            let out = format!("{estimator}{threads}.json");
            let r = diffsnn_env(
                d,
                &[
                    "fit",
                    "--spikes",
                    "obs.json",
                    "--hidden",
                    "2",
                    "--estimator",
                    estimator,
                    "--epochs",
                    "2",
                    "--batch-size",
                    "2",
                    "--shuffle",
                    "--seed",
                    "9",
                    "--out",
                    &out,
                ],
                &[("RAYON_NUM_THREADS", threads)],
            );
            assert!(r.ok, "{}", r.stderr);
            outputs.push(std::fs::read(d.join(&out)).unwrap());
        }
        assert_eq!(outputs[0], outputs[1], "{estimator}");
        let mut evals = Vec::new();
        for threads in ["1", "2"] {
            let r = diffsnn_env(
                d,
                &[
                    "eval",
                    "--model",
                    &format!("{estimator}1.json"),
                    "--spikes",
                    "obs.json",
                    "--samples",
                    "3",
                    "--seed",
                    "5",
                ],
                &[("RAYON_NUM_THREADS", threads)],
            );
            assert!(r.ok, "{}", r.stderr);
            evals.push(r.stdout);
        }
        assert_eq!(evals[0], evals[1]);
    }
}

/// Runs a failing command in a fresh directory with the data; checks status 1, the message and
/// that no file appeared.
fn fails(args: &[&str], extra: &[(&str, &str)], expect: &[&str]) {
    let dir = workdir();
    let d = dir.path();
    data(d);
    for (name, text) in extra {
        write(d, name, text);
    }
    let before = files(d);
    let r = diffsnn(d, args);
    assert!(!r.ok, "{args:?}: expected a failure; stdout {}", r.stdout);
    assert_eq!(r.code, Some(1), "{args:?}: {}", r.stderr);
    assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
    for e in expect {
        assert!(r.stderr.contains(e), "{args:?}: `{e}` not in {}", r.stderr);
    }
    assert_eq!(files(d), before, "{args:?}: files changed");
}

#[test]
fn bad_inputs_are_typed_errors_without_output() {
    // the base arguments, with `extra` replacing an option of the same name
    let fit = |extra: &[&'static str]| {
        let mut a = vec![
            "fit",
            "--spikes",
            "obs.json",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--epochs",
            "1",
            "--out",
            "out.json",
        ];
        for pair in extra.chunks(2) {
            match a.iter().position(|x| *x == pair[0]) {
                Some(i) => a[i + 1] = pair[1],
                None => a.extend_from_slice(pair),
            }
        }
        a
    };
    // --hidden 0 is maximum likelihood: the variational flags are refused there
    fails(
        &fit(&["--hidden", "0"]),
        &[],
        &["--estimator", "applies to variational training"],
    );
    fails(&fit(&["--lr", "-1"]), &[], &["--lr", "positive"]);
    fails(&fit(&["--temperature", "0"]), &[], &["--temperature"]);
    fails(&fit(&["--batch-size", "0"]), &[], &["--batch-size"]);
    fails(
        &fit(&["--mc-points", "10"]),
        &[],
        &["--mc-points", "monte-carlo only"],
    );
    fails(
        &fit(&["--compensator", "monte-carlo", "--mc-points", "0"]),
        &[],
        &["--mc-points"],
    );
    fails(&fit(&["--amplitude", "nan"]), &[], &["--amplitude"]);
    fails(
        &fit(&["--baseline", "running-mean", "--estimator", "pathwise"]),
        &[],
        &["--baseline"],
    );
    fails(
        &fit(&["--baseline-decay", "1.5", "--baseline", "running-mean"]),
        &[],
        &["--baseline-decay"],
    );
    fails(
        &fit(&["--checkpoint-every", "0"]),
        &[],
        &["--checkpoint-every"],
    );
    fails(
        &[
            "fit",
            "--spikes",
            "obs.json",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--out",
            "no/such/dir/m.json",
        ],
        &[],
        &["--out", "does not exist"],
    );
    fails(
        &[
            "fit",
            "--spikes",
            "missing.json",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--out",
            "out.json",
        ],
        &[],
        &["missing.json"],
    );
    fails(
        &[
            "fit",
            "--spikes",
            "bad.json",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--out",
            "out.json",
        ],
        &[(
            "bad.json",
            r#"{"format": "spikes/v1", "n_neurons": 2, "sequences": [{"window": [0, 5], "times": [2.0, 1.0], "neurons": [0, 1]}]}"#,
        )],
        &["bad.json", "times", "spike 1 at time 1"],
    );
    fails(
        &[
            "fit",
            "--spikes",
            "trunc.json",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--out",
            "out.json",
        ],
        &[(
            "trunc.json",
            r#"{"format": "spikes/v1", "n_neurons": 2, "sequences": [{"window": [0, 5], "times": [1.0"#,
        )],
        &["trunc.json", "invalid JSON"],
    );
    fails(
        &[
            "fit",
            "--spikes",
            "v2.json",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--out",
            "out.json",
        ],
        &[(
            "v2.json",
            r#"{"format": "spikes/v2", "n_neurons": 2, "sequences": []}"#,
        )],
        &["v2.json", "version"],
    );
    fails(
        &[
            "fit",
            "--spikes",
            "obs.json",
            "--hidden",
            "2",
            "--estimator",
            "score",
            "--init",
            "m.json",
            "--out",
            "out.json",
        ],
        &[],
        &["m.json", "initial model"],
    );

    let eval = |extra: &[&'static str]| {
        let mut a = vec!["eval", "--model", "m.json", "--spikes", "obs.json"];
        a.extend_from_slice(extra);
        a
    };
    fails(
        &eval(&["--samples", "1"]),
        &[],
        &["--samples", "at least 2"],
    );
    fails(&eval(&["--mc-points", "5"]), &[], &["--mc-points"]);
    fails(
        &eval(&["--out", "r.json", "--window", "0,5"]),
        &[],
        &["--window", "JSON"],
    );
    fails(
        &["eval", "--model", "m.json", "--spikes", "one.json"],
        &[(
            "one.json",
            r#"{"format": "spikes/v1", "n_neurons": 1, "sequences": [{"window": [0, 5], "times": [1.0], "neurons": [0]}]}"#,
        )],
        &["one.json", "1 neurons", "2 observed"],
    );
    fails(
        &["eval", "--model", "nohidden.json", "--spikes", "obs.json"],
        &[(
            "nohidden.json",
            &MODEL
                .replace("\"n_hidden\": 1", "\"n_hidden\": 0")
                .replace("\"n_obs\": 2", "\"n_obs\": 3"),
        )],
        &["hidden neuron"],
    );
    fails(
        &[
            "eval",
            "--model",
            "m.json",
            "--variational",
            "other.json",
            "--spikes",
            "obs.json",
        ],
        &[(
            "other.json",
            &MODEL
                .replace("\"n_hidden\": 1", "\"n_hidden\": 0")
                .replace("\"n_obs\": 2", "\"n_obs\": 3"),
        )],
        &["variational"],
    );
    fails(
        &eval(&[
            "--out",
            "r.json",
            "--compensator",
            "monte-carlo",
            "--mc-points",
            "0",
        ]),
        &[],
        &["--mc-points"],
    );
}

#[test]
fn help_describes_fit_and_eval() {
    let dir = workdir();
    for (cmd, words) in [
        (
            "fit",
            vec![
                "--hidden",
                "--estimator",
                "--epochs",
                "--loss-csv",
                "--checkpoint-every",
            ],
        ),
        ("eval", vec!["--samples", "--seed", "neg_elbo"]),
    ] {
        let r = diffsnn(dir.path(), &[cmd, "--help"]);
        assert!(r.ok);
        for w in words {
            assert!(r.stdout.contains(w), "{cmd} --help lacks {w}");
        }
    }
}

/// An initial model whose self-weights break the refractory constraint (the test model's
/// second bump has +0.1 on the diagonal) is lowered onto it before training, and `fit` says
/// so: with no epoch the written model is the projected start.
#[test]
fn an_initial_model_above_the_refractory_bound_is_projected_with_a_note() {
    let dir = workdir();
    let d = dir.path();
    write(d, "m.json", MODEL);
    data(d);
    let r = diffsnn(
        d,
        &[
            "fit",
            "--spikes",
            "obs.json",
            "--hidden",
            "1",
            "--estimator",
            "score",
            "--init",
            "m.json",
            "--epochs",
            "0",
            "--quiet",
            "--out",
            "start.json",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("m.json: 3 self-weights above the refractory bound lowered"),
        "{}",
        r.stderr
    );
    let start = snn_model::Snn::read_json(d.join("start.json")).unwrap();
    let mut want = snn_model::Snn::read_json(d.join("m.json")).unwrap();
    assert_ne!(start, want);
    want.project();
    assert_eq!(start.weights(), want.weights());
}
