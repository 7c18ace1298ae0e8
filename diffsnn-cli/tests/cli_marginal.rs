//! Test metrics of networks with hidden neurons through the binary: `eval --method
//! elbo|iwae|smc`, `intensity --marginal` and `plot ks --marginal`. The particle filter's negative log-likelihood
//! ranks the data-generating model above a wrong one (a negative control that must fail when
//! the model is wrong), and its output is the same for any number of threads.

#[path = "cli_common/mod.rs"]
mod common;

use std::path::Path;

use common::*;

fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = diffsnn(dir, args);
    assert!(r.ok, "{args:?} failed: {}", r.stderr);
    r
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// The test model (2 observed + 1 hidden) and a wrong one (other random parameters), with
/// spike trains of the test model's observed neurons in `obs.json` (6 sequences of 20 s).
fn setup(d: &Path) {
    ok(
        d,
        &[
            "simulate",
            "--model",
            "m.json",
            "--t-end",
            "20",
            "--sequences",
            "6",
            "--seed",
            "4",
            "--out",
            "all.json",
        ],
    );
    ok(
        d,
        &[
            "init",
            "--observed",
            "2",
            "--hidden",
            "1",
            "--seed",
            "17",
            "--out",
            "wrong.json",
        ],
    );
    let all: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("all.json")).unwrap()).unwrap();
    let mut obs = all.clone();
    obs["n_neurons"] = 2.into();
    for s in obs["sequences"].as_array_mut().unwrap() {
        let keep: Vec<(f64, u64)> = s["times"]
            .as_array()
            .unwrap()
            .iter()
            .zip(s["neurons"].as_array().unwrap())
            .map(|(t, n)| (t.as_f64().unwrap(), n.as_u64().unwrap()))
            .filter(|&(_, n)| n < 2)
            .collect();
        s["times"] = keep.iter().map(|p| p.0).collect();
        s["neurons"] = keep.iter().map(|p| p.1).collect();
    }
    std::fs::write(d.join("obs.json"), obs.to_string()).unwrap();
}

#[test]
fn the_particle_filter_ranks_the_true_model_first() {
    let dir = workdir();
    let d = dir.path();
    setup(d);
    let smc = |model: &str, threads: &str| {
        let r = diffsnn_env(
            d,
            &[
                "eval",
                "--model",
                model,
                "--spikes",
                "obs.json",
                "--method",
                "smc",
                "--particles",
                "200",
                "--runs",
                "3",
                "--seed",
                "2",
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(r.ok, "{}", r.stderr);
        r
    };
    let truth = smc("m.json", "2");
    let v = json(&truth);
    assert_eq!(v["method"], "smc");
    assert_eq!(
        (v["particles"].as_u64(), v["runs"].as_u64()),
        (Some(200), Some(3))
    );
    let seqs = v["per_sequence"].as_array().unwrap();
    assert_eq!(seqs.len(), 6);
    for s in seqs {
        assert!(s["ess_min"].as_f64().unwrap() >= 1.0, "{s}");
        assert!(s["se"].as_f64().unwrap() >= 0.0, "{s}");
        assert!(s["run_spread"].as_f64().unwrap() >= 0.0, "{s}");
    }
    let mean = |v: &serde_json::Value| {
        (
            v["neg_log_likelihood"]["mean"].as_f64().unwrap(),
            v["neg_log_likelihood"]["se"].as_f64().unwrap(),
        )
    };
    let (t, t_se) = mean(&v);
    let (w, w_se) = mean(&json(&smc("wrong.json", "2")));
    // the data model is better by more than four combined standard errors
    assert!(
        w - t > 4.0 * (t_se * t_se + w_se * w_se).sqrt(),
        "true {t} ± {t_se}, wrong {w} ± {w_se}"
    );
    // the same bits with one thread
    assert_eq!(smc("m.json", "1").stdout, truth.stdout);
}

#[test]
fn the_bounds_are_ordered_and_their_flags_checked() {
    let dir = workdir();
    let d = dir.path();
    setup(d);
    let run = |method: &str, extra: &[&str]| {
        let mut args = vec![
            "eval", "--model", "m.json", "--spikes", "obs.json", "--method", method, "--seed", "3",
        ];
        args.extend(extra);
        json(&ok(d, &args))
    };
    let elbo = run("elbo", &["--samples", "20"]);
    let iwae = run("iwae", &["--samples", "20", "--replicates", "3"]);
    let smc = run("smc", &["--particles", "200", "--runs", "3"]);
    assert_eq!(elbo["method"], "elbo");
    assert_eq!(
        (iwae["samples"].as_u64(), iwae["replicates"].as_u64()),
        (Some(20), Some(3))
    );
    let (e, i, s) = (
        elbo["neg_elbo"]["mean"].as_f64().unwrap(),
        iwae["neg_iwae"]["mean"].as_f64().unwrap(),
        smc["neg_log_likelihood"]["mean"].as_f64().unwrap(),
    );
    // −ELBO ≥ −IWAE(20) ≥ −log p(O), each within its error (four standard errors)
    let se = |v: &serde_json::Value, key: &str| v[key]["se"].as_f64().unwrap();
    assert!(e + 4.0 * se(&elbo, "neg_elbo") >= i, "elbo {e}, iwae {i}");
    assert!(
        i + 4.0 * se(&iwae, "neg_iwae") >= s - 4.0 * se(&smc, "neg_log_likelihood"),
        "iwae {i}, smc {s}"
    );
    let spikes = std::fs::read_to_string(d.join("obs.json")).unwrap();
    for (name, args, expect) in [
        (
            "particles with elbo",
            vec!["--particles", "10"],
            vec!["--particles", "applies to --method smc only"],
        ),
        (
            "replicates with smc",
            vec!["--method", "smc", "--replicates", "2"],
            vec!["--replicates", "applies to --method iwae only"],
        ),
        (
            "zero particles",
            vec!["--method", "smc", "--particles", "0"],
            vec!["--particles", "at least 1"],
        ),
        (
            "q with smc",
            vec!["--method", "smc", "--variational", "m.json"],
            vec!["--variational", "uses no q"],
        ),
    ] {
        let mut all = vec!["eval", "--model", "m.json", "--spikes", "obs.json"];
        all.extend(args);
        check(name, &[("obs.json", spikes.clone())], &all, &expect);
    }
}

#[test]
fn the_predictive_intensity_of_a_file_of_observed_neurons() {
    let dir = workdir();
    let d = dir.path();
    setup(d);
    write(d, "q.txt", "0.5\n5\n12.25\n19\n");
    let args = [
        "intensity",
        "--model",
        "m.json",
        "--spikes",
        "obs.json",
        "--at",
        "q.txt",
        "--particles",
        "100",
        "--runs",
        "2",
    ];
    // the file holds the observed neurons only: marginal by default, with a note
    let r = ok(d, &args);
    assert!(r.stderr.contains("--marginal"), "{}", r.stderr);
    let rows: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    for row in &rows {
        let lam = row["intensity"].as_array().unwrap();
        assert_eq!(lam.len(), 2);
        // a sigmoid with amplitude 5: every intensity, hence every mean, is in (0, 5)
        for v in lam {
            let v = v.as_f64().unwrap();
            assert!(v > 0.0 && v < 5.0, "{row}");
        }
        assert_eq!(row["se"].as_array().unwrap().len(), 2);
    }
    // explicit --marginal gives the same; CSV has the same numbers
    let mut explicit = args.to_vec();
    explicit.push("--marginal");
    assert_eq!(ok(d, &explicit).stdout, r.stdout);
    explicit.push("--csv");
    let csv = ok(d, &explicit).stdout;
    assert!(csv.starts_with("t,lambda_0,lambda_1,se_0,se_1\n"), "{csv}");
    let first: Vec<f64> = csv
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .map(|x| x.parse().unwrap())
        .collect();
    assert_eq!(first[1], rows[0]["intensity"][0].as_f64().unwrap());
    // the full file (hidden spikes included) gives the exact intensity, and the filter's
    // flags are refused there
    let full = ok(
        d,
        &[
            "intensity",
            "--model",
            "m.json",
            "--spikes",
            "all.json",
            "--at",
            "q.txt",
        ],
    );
    assert!(full.stdout.contains("\"potential\""), "{}", full.stdout);
    let spikes = std::fs::read_to_string(d.join("all.json")).unwrap();
    check(
        "particles without --marginal",
        &[("all.json", spikes), ("q.txt", "1\n".into())],
        &[
            "intensity",
            "--model",
            "m.json",
            "--spikes",
            "all.json",
            "--at",
            "q.txt",
            "--particles",
            "10",
        ],
        &["--particles", "--marginal"],
    );
}

/// One JSON line per neuron of `plot ks`: (neuron, n, p-value).
fn ks_lines(r: &Run) -> Vec<(u64, u64, f64)> {
    r.stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["neuron"].as_u64().unwrap(),
                v["n"].as_u64().unwrap(),
                v["p_value"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_marginal_ks_check_accepts_the_data_model_and_rejects_a_wrong_one() {
    let dir = workdir();
    let d = dir.path();
    setup(d);
    let ks = |model: &str, spikes: &str| {
        ok(
            d,
            &[
                "plot",
                "ks",
                "--model",
                model,
                "--spikes",
                spikes,
                "--out",
                "k.svg",
                "--particles",
                "200",
                "--runs",
                "2",
            ],
        )
    };
    // the file holds the observed neurons only: the hidden one is integrated out, with a note
    let truth = ks("m.json", "obs.json");
    assert!(truth.stderr.contains("integrated out"), "{}", truth.stderr);
    let t = ks_lines(&truth);
    assert_eq!(t.iter().map(|l| l.0).collect::<Vec<_>>(), [0, 1]);
    // every observed spike ends one interval (the first one's starts at the window's start)
    let obs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("obs.json")).unwrap()).unwrap();
    let spikes_of = |i: u64| -> u64 {
        obs["sequences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                s["neurons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|n| n.as_u64() == Some(i))
                    .count() as u64
            })
            .sum()
    };
    for &(i, n, _) in &t {
        assert_eq!(n, spikes_of(i), "neuron {i}");
    }
    // fixed seeds; the data model passes at the 1 % level, the wrong model fails at 1e-6
    assert!(t.iter().all(|l| l.2 > 0.01), "{}", truth.stdout);
    let wrong = ks("wrong.json", "obs.json");
    assert!(
        ks_lines(&wrong).iter().all(|l| l.2 < 1e-6),
        "{}",
        wrong.stdout
    );
    assert!(
        std::fs::read_to_string(d.join("k.svg"))
            .unwrap()
            .contains("<svg")
    );
    // the file with the hidden spikes: the exact rescaling of all three neurons
    let full = ks_lines(&ok(
        d,
        &[
            "plot", "ks", "--model", "m.json", "--spikes", "all.json", "--out", "k.svg",
        ],
    ));
    assert_eq!(full.iter().map(|l| l.0).collect::<Vec<_>>(), [0, 1, 2]);
}

#[test]
fn runs_that_disagree_are_reported_beside_the_standard_error() {
    let dir = workdir();
    let d = dir.path();
    setup(d);
    let smc = |model: &str, particles: &str| {
        ok(
            d,
            &[
                "eval",
                "--model",
                model,
                "--spikes",
                "obs.json",
                "--method",
                "smc",
                "--particles",
                particles,
                "--runs",
                "4",
                "--seed",
                "1",
            ],
        )
    };
    // two particles of a wrong model: runs tens of nats apart, while the delta-method error
    // stays at most 1 by construction; the warning says so
    let few = smc("wrong.json", "2");
    let v = json(&few);
    let seqs = v["per_sequence"].as_array().unwrap();
    let spread = |s: &serde_json::Value| s["run_spread"].as_f64().unwrap();
    assert!(seqs.iter().any(|s| spread(s) > 1.0), "{}", few.stdout);
    assert!(
        seqs.iter()
            .all(|s| s["se"].as_f64().unwrap() <= 1.0 + 1e-12)
    );
    assert!(few.stderr.contains("runs disagree"), "{}", few.stderr);
    // enough particles of the data model: no warning
    let many = smc("m.json", "400");
    assert!(!many.stderr.contains("runs disagree"), "{}", many.stderr);
}
