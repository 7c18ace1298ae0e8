//! End-to-end tests of the `reproduce` program and of the library run behind it, on tiny
//! configurations (about a second each in release).

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_reproduce");

fn run_bin(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("the reproduce binary runs")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("summary.json exists"))
        .expect("summary.json is valid JSON")
}

fn finite(v: &Value, what: &str) -> f64 {
    let x = v
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {v}"));
    assert!(x.is_finite(), "{what} = {x} is not finite");
    x
}

/// The required keys of summary.json exist with sane values.
fn check_summary(s: &Value, draws: u64, n_train: &[u64], amplitudes: &[f64]) {
    let e1 = &s["exp1"];
    assert_eq!(e1["draws"].as_u64(), Some(draws));
    for k in [
        "pathwise_mc",
        "score_mc",
        "pathwise_quadrature",
        "score_quadrature",
    ] {
        let m = finite(&e1[k]["mean_std"], k);
        assert!(m > 0.0, "{k}: mean std {m} must be positive");
        let r = finite(&e1[k]["mean_mad_std"], k);
        assert!(r > 0.0, "{k}: robust spread {r} must be positive");
        // the top 1 % of the draws hold at least 1 % of the sum of squares, at most all of it
        for share in ["top1_share", "mean_top1_share"] {
            let t = finite(&e1[k][share], share);
            assert!((0.01..=1.0).contains(&t), "{k}: {share} = {t}");
        }
    }
    assert!(e1["other_instances"].is_array());
    let points = s["exp2"]["points"].as_array().expect("exp2.points");
    assert_eq!(points.len(), n_train.len());
    for (p, &n) in points.iter().zip(n_train) {
        assert_eq!(p["n_train"].as_u64(), Some(n));
        for k in [
            "pathwise",
            "score",
            "true",
            "pathwise_smc",
            "score_smc",
            "true_smc",
            "score_minus_pathwise_smc",
        ] {
            finite(&p[k]["mean"], k);
            let se = finite(&p[k]["se"], k);
            assert!(se >= 0.0, "{k}: se {se} < 0");
        }
        for k in ["true_first_smc", "true_first_elbo"] {
            assert!(p[k].as_u64().is_some(), "{k} missing");
        }
    }
    let e2 = &s["exp2"];
    let trials = e2["trials"].as_u64().expect("exp2.trials") as usize;
    let truth = e2["true_smc_per_trial"]
        .as_array()
        .expect("true_smc_per_trial");
    assert_eq!(truth.len(), trials);
    for v in truth {
        finite(v, "true_smc_per_trial");
    }
    let max_se = finite(&e2["smc_max_se"], "smc_max_se");
    assert!(max_se >= 0.0);
    let points = s["exp3"]["points"].as_array().expect("exp3.points");
    assert_eq!(points.len(), amplitudes.len());
    for (p, &a) in points.iter().zip(amplitudes) {
        assert_eq!(p["amplitude"].as_f64(), Some(a));
        for k in ["pathwise_s", "score_s"] {
            let t = finite(&p[k], k);
            assert!(t > 0.0, "{k}: {t} s per epoch");
        }
    }
}

/// The library run on the tiny configuration: required keys, finite values, and the paper's
/// claim — the path-wise estimator's spread is below the score function's — with each
/// compensator. The seed is fixed, so this is deterministic; at these settings the ratios are
/// far from 1 (about 28 with Monte Carlo and 2 with quadrature at seed 43).
#[test]
fn tiny_run_has_required_keys_and_the_pathwise_spread_is_smaller() {
    let config = bench_suite::Config::tiny();
    let summary = bench_suite::run(&config, false).unwrap();
    let json: Value = serde_json::from_str(&summary.to_json().unwrap()).unwrap();
    check_summary(&json, 6, &[2, 4], &[1.0, 5.0]);
    let e1 = &summary.exp1;
    let f = &e1.fixed;
    assert!(f.pathwise_mc.mean_std < f.score_mc.mean_std);
    assert!(f.pathwise_quadrature.mean_std < f.score_quadrature.mean_std);
    assert!(f.pathwise_mc.mean_mad_std < f.score_mc.mean_mad_std);
    assert!(f.pathwise_quadrature.mean_mad_std < f.score_quadrature.mean_mad_std);
    assert_eq!(e1.n_params, 6 + 2 * 6 * 6);
    // every coordinate of every variant has a positive spread: `coordinates` counts the
    // coordinates whose standard deviation is positive (`stats::mean_positive`)
    for g in [
        &f.pathwise_mc,
        &f.score_mc,
        &f.pathwise_quadrature,
        &f.score_quadrature,
    ] {
        assert_eq!(g.coordinates, e1.n_params);
    }
    // the data model's line is the same at every point (same trials, same test sets)
    let p = &summary.exp2.points;
    assert_eq!(p[0].truth, p[1].truth);
    assert_eq!(summary.exp2.true_per_trial.len(), 2);
}

/// Removes the wall-clock quantities: the `timings` object and, in experiment 3, everything
/// but the amplitudes.
fn without_timings(mut s: Value) -> Value {
    s.as_object_mut().unwrap().remove("timings");
    for p in s["exp3"]["points"].as_array_mut().unwrap() {
        let a = p["amplitude"].clone();
        *p = serde_json::json!({ "amplitude": a });
    }
    s
}

/// The same seed gives the same summary.json (timings excluded), with 1 and with 2 threads;
/// another seed gives another one.
#[test]
fn same_seed_same_summary_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut summaries = Vec::new();
    for (name, threads, seed) in [("a", "1", "7"), ("b", "2", "7"), ("c", "2", "8")] {
        let out = dir.path().join(name);
        let o = run_bin(&[
            "--tiny",
            "--quiet",
            "--seed",
            seed,
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            o.status.success(),
            "reproduce failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        summaries.push(without_timings(read_json(&out.join("summary.json"))));
    }
    assert_eq!(summaries[0], summaries[1]);
    assert_ne!(summaries[0], summaries[2]);
}

/// The output folder holds exactly the five outputs (no temporary file left), the report has
/// the paper's numbers beside ours and the command, and every plot is an SVG document.
#[test]
fn outputs_are_complete() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let o = run_bin(&[
        "--tiny",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
        "--amplitudes",
        "1,5,2",
        "--n-train",
        "3",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected: Vec<String> = bench_suite::OUTPUT_FILES
        .iter()
        .map(|s| s.to_string())
        .collect();
    expected.sort();
    assert_eq!(names, expected);
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    for needle in [
        "66.3",
        "2490",
        "2.8",
        "--amplitudes 1,5,2",
        "**sum**",
        "R = 6 times",
        "robust spread (mean 1.4826 MAD)",
        "top 1 % share of Σ‖g − ḡ‖²",
        "MC − quadrature (same noise)",
        "particle filter's test negative log-likelihood",
        "8 particles × 2 independent runs",
        "data model first (filter / ELBO)",
        "The data model ranks first in",
    ] {
        assert!(report.contains(needle), "REPORT.md lacks {needle:?}");
    }
    for svg in &bench_suite::OUTPUT_FILES[2..] {
        let text = std::fs::read_to_string(out.join(svg)).unwrap();
        assert!(text.starts_with("<svg") && text.trim_end().ends_with("</svg>"));
    }
    check_summary(
        &read_json(&out.join("summary.json")),
        6,
        &[3],
        &[1.0, 5.0, 2.0],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("exp 1:") && stdout.contains("wrote"));
}

#[test]
fn help_works() {
    let o = run_bin(&["--help"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for flag in [
        "--full",
        "--out",
        "--seed",
        "--draws",
        "--amplitudes",
        "--quiet",
        "--instances",
        "--particles",
        "--smc-runs",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
}

/// Bad arguments: usage errors exit with status 2 (clap), bad values with status 1 and a message
/// naming the option; nothing is written.
#[test]
fn bad_arguments_fail() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never");
    let out = out.to_str().unwrap();
    for (args, status, needle) in [
        (vec!["--bogus"], 2, "--bogus"),
        (vec!["--full", "--tiny"], 2, "cannot be used with"),
        (vec!["--draws", "x"], 2, "invalid value"),
        (vec!["--tiny", "--draws", "1"], 1, "--draws"),
        (vec!["--tiny", "--trials", "1"], 1, "--trials"),
        (vec!["--tiny", "--n-train", "0,3"], 1, "--n-train"),
        (vec!["--tiny", "--amplitudes", "1,-2"], 1, "--amplitudes"),
        (vec!["--tiny", "--eval-samples", "1"], 1, "--eval-samples"),
        (vec!["--tiny", "--threads", "0"], 1, "--threads"),
        (vec!["--tiny", "--mc-points", "0"], 1, "--mc-points"),
        (vec!["--tiny", "--instances", "0"], 1, "--instances"),
        (vec!["--tiny", "--particles", "0"], 1, "--particles"),
        (vec!["--tiny", "--smc-runs", "1"], 1, "--smc-runs"),
    ] {
        let mut all = args.clone();
        all.extend(["--quiet", "--out", out]);
        let o = run_bin(&all);
        assert_eq!(o.status.code(), Some(status), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(needle),
            "{args:?}: stderr {err:?} lacks {needle:?}"
        );
    }
    assert!(!Path::new(out).exists());
}

/// An output path that cannot be a directory is a typed I/O error naming it.
#[test]
fn unwritable_output_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let o = run_bin(&["--tiny", "--quiet", "--out", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: ") && err.contains("file"), "{err}");
}

/// Without `--quiet` and with standard error not a terminal (here a pipe), each stage says when
/// it starts and ends on a plain line (a log shows progress instead of a minute of silence);
/// with `--quiet` nothing is printed there.
#[test]
fn stages_are_announced_on_standard_error_when_it_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    let o = run_bin(&["--tiny", "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    for stage in ["exp 1", "exp 2", "exp 3"] {
        assert!(err.contains(&format!("{stage}: done in")), "{err}");
    }
    assert!(err.contains("exp 1: gradient draws: 24 to do"), "{err}");
    let quiet = run_bin(&["--tiny", "--quiet", "--out", out.to_str().unwrap()]);
    assert!(quiet.status.success());
    assert!(
        quiet.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&quiet.stderr)
    );
}

/// Experiment 2 reports the particle filter's test negative log-likelihood of the data model,
/// and at the fixed seed 43 of the tiny configuration (models trained for one epoch, far from
/// the data model) it ranks the data model first in every trial at every size: its value is
/// below both trained models' by more than the stated margin of 100 nats per sequence in each
/// pair.
#[test]
fn the_data_models_particle_filter_likelihood_is_reported_and_ranks_first() {
    let config = bench_suite::Config::tiny();
    let summary = bench_suite::run(&config, false).unwrap();
    let e2 = &summary.exp2;
    assert_eq!(e2.true_smc_per_trial.len(), config.exp2.trials);
    assert!(e2.true_smc_per_trial.iter().all(|v| v.is_finite()));
    assert_eq!(e2.smc_particles, config.exp2.smc_particles);
    assert!(e2.smc_max_log_sd.is_finite() && e2.true_smc_log_sd >= 0.0);
    for p in &e2.points {
        assert_eq!(
            p.true_first_smc, config.exp2.trials,
            "n_train {}",
            p.n_train
        );
        assert!(p.true_smc.mean.is_finite() && p.true_smc.se >= 0.0);
    }
    for (t, &truth) in e2.true_smc_per_trial.iter().enumerate() {
        for pair in &e2.runs_smc[t] {
            for v in pair.iter().flatten() {
                assert!(
                    truth + 100.0 < *v,
                    "trial {t}: data model {truth}, trained {v}"
                );
            }
        }
    }
}

/// Both compensators of an estimator see the same sampling noise: with a near-exact Monte
/// Carlo compensator (20,000 points) the path-wise gradients of each draw agree with the
/// quadrature's within 5 % (relative norm of the difference; about 1 % at this seed), which
/// independent ∂PP noise could not give (different draws differ by about 100 %).
#[test]
fn compensator_variants_share_the_sampling_noise() {
    use pp_core::CompensatorMethod;
    use vi_train::vi::{Estimator, ObjectiveOptions, VariationalModel};
    let p = bench_suite::setting::problem(43, &[0], 2, 0, 5.0).unwrap();
    let model = VariationalModel::shared(p.init).unwrap();
    let bar = indicatif::ProgressBar::hidden();
    let draws = |compensator| {
        let o = ObjectiveOptions {
            compensator,
            ..ObjectiveOptions::default()
        };
        let path = bench_suite::exp1::noise_path(0, 0);
        bench_suite::exp1::gradient_draws(
            &model,
            &p.train,
            Estimator::Pathwise,
            &o,
            0.3,
            3,
            43,
            &path,
            &bar,
        )
        .unwrap()
    };
    let quad = draws(CompensatorMethod::default());
    let mc = draws(CompensatorMethod::monte_carlo(20_000, 0).unwrap());
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    for (r, (a, b)) in mc.iter().zip(&quad).enumerate() {
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
        let rel = norm(&d) / norm(b);
        assert!(rel < 0.05, "draw {r}: relative difference {rel}");
    }
    let d: Vec<f64> = quad[0].iter().zip(&quad[1]).map(|(x, y)| x - y).collect();
    assert!(norm(&d) / norm(&quad[0]) > 0.2, "two draws should differ");
}

/// With several problem instances (as `--full` runs), each is reported separately: the fixed
/// one at the top level of `exp1`, the others in `exp1.other_instances`, with their own
/// problems (so other numbers), in `summary.json` and in the report.
#[test]
fn several_problem_instances_are_reported_separately() {
    let mut config = bench_suite::Config::tiny();
    config.exp1.instances = 2;
    let summary = bench_suite::run(&config, false).unwrap();
    let e1 = &summary.exp1;
    assert_eq!(e1.other_instances.len(), 1);
    let other = &e1.other_instances[0];
    assert_eq!(other.instance, 1);
    assert!(other.pathwise_mc.mean_mad_std.is_finite() && other.pathwise_mc.mean_mad_std > 0.0);
    assert_ne!(other.pathwise_mc.mean_std, e1.fixed.pathwise_mc.mean_std);
    let json: Value = serde_json::from_str(&summary.to_json().unwrap()).unwrap();
    finite(
        &json["exp1"]["pathwise_mc"]["top1_share"],
        "fixed top1_share",
    );
    finite(
        &json["exp1"]["other_instances"][0]["score_quadrature"]["mean_mad_std"],
        "instance 1",
    );
    let report = bench_suite::report::report_markdown(&summary, &config, "reproduce");
    for needle in [
        "### Problem instance 0 (the fixed problem",
        "### Problem instance 1",
    ] {
        assert!(report.contains(needle), "REPORT.md lacks {needle:?}");
    }
    // the fixed instance is the one-instance run's experiment 1, draw for draw
    let one = bench_suite::run(&bench_suite::Config::tiny(), false).unwrap();
    assert_eq!(one.exp1.fixed, e1.fixed);
}
