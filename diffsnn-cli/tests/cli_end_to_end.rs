//! The `diffsnn` program end to end on small files: simulate → loglik → intensity → every plot,
//! reproducibility (same seed, any number of threads), and the command-line surface.

#[path = "cli_common/mod.rs"]
mod common;

use common::*;
use diffsnn_cli::io::{ReadOptions, read_spikes};
use pp_core::{Intensity, Quadrature, log_likelihood};
use snn_model::Snn;

fn simulate(dir: &std::path::Path, out: &str, seed: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "simulate",
        "--model",
        "m.json",
        "--t-end",
        "30",
        "--sequences",
        "4",
        "--seed",
        seed,
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    diffsnn(dir, &args)
}

#[test]
fn simulate_then_loglik_intensity_and_every_plot() {
    let dir = workdir();
    let d = dir.path();
    let r = simulate(d, "s.json", "5", &[]);
    assert!(r.ok, "simulate failed: {}", r.stderr);
    let model = Snn::read_json(d.join("m.json")).unwrap();
    let trains = read_spikes(d.join("s.json"), &ReadOptions::default()).unwrap();
    assert_eq!(trains.n_neurons(), 3);
    assert_eq!(trains.sequences().len(), 4);
    for s in trains.sequences() {
        assert_eq!((s.window().t0(), s.window().t1()), (0.0, 30.0));
        // With rates between 5σ(−2.5) ≈ 0.38 and 5 per neuron, 30 time units give spikes.
        assert!(s.len() > 10, "only {} spikes", s.len());
    }

    // loglik: one value per sequence, the total is their sum, and each agrees with pp-core's
    // generic Gauss–Legendre log-likelihood (an independent integration path).
    let r = diffsnn(d, &["loglik", "--model", "m.json", "--spikes", "s.json"]);
    assert!(r.ok, "loglik failed: {}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["compensator"], "quadrature");
    let per = per_sequence(&v);
    assert_eq!(per.len(), 4);
    let total = v["loglik"].as_f64().unwrap();
    assert!((total - per.iter().sum::<f64>()).abs() <= 1e-9 * total.abs());
    for (seq, &ll) in trains.sequences().iter().zip(&per) {
        let generic = log_likelihood(&model, seq, &Quadrature::default()).unwrap();
        assert!(
            (ll - generic).abs() <= 1e-7 * generic.abs(),
            "diffsnn {ll} vs pp-core {generic}"
        );
    }

    // Monte Carlo: a different estimate, reproducible for a seed, close to quadrature with many
    // points (|error| of the compensator ~ a few units / sqrt(n)).
    let mc = |seed: &str| {
        let r = diffsnn(
            d,
            &[
                "loglik",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--compensator",
                "monte-carlo",
                "--mc-points",
                "20000",
                "--seed",
                seed,
            ],
        );
        assert!(r.ok, "{}", r.stderr);
        r.stdout
    };
    let (a, b) = (mc("1"), mc("1"));
    assert_eq!(a, b);
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    assert_eq!(v["compensator"], "monte-carlo");
    let mc_total = v["loglik"].as_f64().unwrap();
    assert!(mc_total != total);
    assert!(
        (mc_total - total).abs() < 5.0,
        "MC {mc_total} vs quadrature {total}"
    );

    // intensity: JSON lines and CSV, each λ = 5σ(u) and equal to the model's intensities
    // given the spikes strictly before t.
    write(d, "t.txt", "# query times\n0.5\n\n7.25\n29.0 # last\n");
    let r = diffsnn(
        d,
        &[
            "intensity",
            "--model",
            "m.json",
            "--spikes",
            "s.json",
            "--at",
            "t.txt",
            "--sequence",
            "2",
        ],
    );
    assert!(r.ok, "intensity failed: {}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3);
    let seq = &trains.sequences()[2];
    for (line, t) in lines.iter().zip([0.5, 7.25, 29.0]) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["t"].as_f64().unwrap(), t);
        let u: Vec<f64> = v["potential"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let lam: Vec<f64> = v["intensity"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let mut expect = [0.0; 3];
        model.intensities(t, seq.history_before(t), &mut expect);
        for i in 0..3 {
            assert!((lam[i] - 5.0 / (1.0 + (-u[i]).exp())).abs() < 1e-12);
            assert_eq!(lam[i], expect[i]);
        }
    }
    let r = diffsnn(
        d,
        &[
            "intensity",
            "--model",
            "m.json",
            "--spikes",
            "s.json",
            "--at",
            "t.txt",
            "--csv",
            "--out",
            "i.csv",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let csv = std::fs::read_to_string(d.join("i.csv")).unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("t,u_0,u_1,u_2,lambda_0,lambda_1,lambda_2")
    );
    assert_eq!(rows.count(), 3);

    // Every plot.
    write(
        d,
        "loss.csv",
        "epoch,loss\n0,120.5\n1,101.25\n2,99.0\n3,98.5\n",
    );
    let plots: [(&str, &[&str]); 5] = [
        (
            "raster.svg",
            &[
                "plot",
                "raster",
                "--spikes",
                "s.json",
                "--sequence",
                "1",
                "--out",
                "raster.svg",
            ],
        ),
        (
            "intensity.svg",
            &[
                "plot",
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--neurons",
                "0,2",
                "--points",
                "300",
                "--out",
                "intensity.svg",
            ],
        ),
        (
            "filters.svg",
            &[
                "plot",
                "filters",
                "--model",
                "m.json",
                "--out",
                "filters.svg",
            ],
        ),
        (
            "ks.svg",
            &[
                "plot", "ks", "--model", "m.json", "--spikes", "s.json", "--out", "ks.svg",
            ],
        ),
        (
            "loss.svg",
            &["plot", "loss", "--csv", "loss.csv", "--out", "loss.svg"],
        ),
    ];
    for (file, args) in plots {
        let r = diffsnn(d, args);
        assert!(r.ok, "{args:?} failed: {}", r.stderr);
        let svg = std::fs::read_to_string(d.join(file)).unwrap();
        assert!(
            svg.contains("<svg") && svg.trim_end().ends_with("</svg>"),
            "{file} is not an SVG"
        );
        assert!(svg.contains("<text"), "{file} has no labels");
    }
    // The KS summary: one JSON line per neuron; the data come from the model itself.
    let r = diffsnn(
        d,
        &[
            "plot", "ks", "--model", "m.json", "--spikes", "s.json", "--out", "ks.svg",
        ],
    );
    let ks: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(ks.len(), 3);
    for (i, k) in ks.iter().enumerate() {
        assert_eq!(k["neuron"], i);
        // Fixed seed; the KS test of the true model rejects at 1e-3 with probability 1e-3 per
        // neuron for a random seed.
        assert!(k["p_value"].as_f64().unwrap() > 1e-3, "{k}");
    }
    // Nothing but the expected files: no temporary files left over.
    assert_eq!(
        files(d),
        [
            "filters.svg",
            "i.csv",
            "intensity.svg",
            "ks.svg",
            "loss.csv",
            "loss.svg",
            "m.json",
            "raster.svg",
            "s.json",
            "t.txt"
        ]
    );
}

#[test]
fn same_seed_same_bytes_for_any_thread_count() {
    let dir = workdir();
    let d = dir.path();
    let one = diffsnn_env(
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
            "9",
            "--out",
            "a.json",
        ],
        &[("RAYON_NUM_THREADS", "1")],
    );
    let two = diffsnn_env(
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
            "9",
            "--out",
            "b.json",
        ],
        &[("RAYON_NUM_THREADS", "2")],
    );
    let again = simulate(d, "c.json", "9", &[]);
    let other = diffsnn(
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
            "10",
            "--out",
            "d.json",
        ],
    );
    assert!(one.ok && two.ok && again.ok && other.ok);
    let read = |f: &str| std::fs::read(d.join(f)).unwrap();
    assert_eq!(read("a.json"), read("b.json"));
    assert_ne!(read("a.json"), read("d.json"));
    // Same seed, other settings (T = 30, 4 sequences) → another file; run it twice.
    let again2 = simulate(d, "e.json", "9", &[]);
    assert!(again2.ok);
    assert_eq!(read("c.json"), read("e.json"));

    // loglik with Monte Carlo is thread-count independent too.
    let ll = |threads: &str| {
        let r = diffsnn_env(
            d,
            &[
                "loglik",
                "--model",
                "m.json",
                "--spikes",
                "a.json",
                "--compensator",
                "monte-carlo",
                "--seed",
                "4",
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        assert!(r.ok, "{}", r.stderr);
        r.stdout
    };
    assert_eq!(ll("1"), ll("2"));
}

#[test]
fn csv_output_reads_back_to_the_same_spikes() {
    let dir = workdir();
    let d = dir.path();
    assert!(simulate(d, "s.json", "3", &[]).ok);
    let r = simulate(d, "s.csv", "3", &["--csv"]);
    assert!(r.ok, "{}", r.stderr);
    let text = std::fs::read_to_string(d.join("s.csv")).unwrap();
    assert!(text.starts_with("sequence,time,neuron\n"));
    let json = read_spikes(d.join("s.json"), &ReadOptions::default()).unwrap();
    let opts = ReadOptions::default()
        .window(pp_core::Window::new(0.0, 30.0).unwrap())
        .expect_neurons(3, "the test");
    let csv = read_spikes(d.join("s.csv"), &opts).unwrap();
    assert_eq!(csv, json); // bit-exact times
    // loglik from the CSV file (with --window) equals loglik from the JSON file.
    let a = diffsnn(d, &["loglik", "--model", "m.json", "--spikes", "s.json"]);
    let b = diffsnn(
        d,
        &[
            "loglik", "--model", "m.json", "--spikes", "s.csv", "--window", "0,30",
        ],
    );
    assert!(a.ok && b.ok, "{}{}", a.stderr, b.stderr);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn help_lists_every_command_and_its_options() {
    let dir = workdir();
    let d = dir.path();
    let top = diffsnn(d, &["--help"]);
    assert!(top.ok);
    for cmd in ["simulate", "intensity", "loglik", "fit", "eval", "plot"] {
        assert!(top.stdout.contains(cmd), "{cmd} missing from --help");
    }
    let cases: [(&[&str], &[&str]); 9] = [
        (
            &["simulate", "--help"],
            &[
                "--model",
                "--t-end",
                "--t-start",
                "--sequences",
                "--seed",
                "--out",
                "--csv",
            ],
        ),
        (
            &["intensity", "--help"],
            &[
                "--model",
                "--spikes",
                "--at",
                "--sequence",
                "--csv",
                "--out",
            ],
        ),
        (
            &["loglik", "--help"],
            &[
                "--compensator",
                "quadrature",
                "monte-carlo",
                "--mc-points",
                "--seed",
            ],
        ),
        (
            &["plot", "--help"],
            &["raster", "intensity", "filters", "ks", "loss"],
        ),
        (
            &["plot", "raster", "--help"],
            &["--spikes", "--sequence", "--out"],
        ),
        (
            &["plot", "intensity", "--help"],
            &["--model", "--spikes", "--neurons", "--out"],
        ),
        (&["plot", "filters", "--help"], &["--model", "--out"]),
        (&["plot", "ks", "--help"], &["--model", "--spikes", "--out"]),
        (&["plot", "loss", "--help"], &["--csv", "--out"]),
    ];
    for (args, words) in cases {
        let r = diffsnn(d, args);
        assert!(r.ok, "{args:?}: {}", r.stderr);
        for w in words {
            assert!(
                r.stdout.contains(w),
                "{args:?} help lacks {w}:\n{}",
                r.stdout
            );
        }
    }
    // the long help texts reach `--help` (clap reads them from the subcommands)
    for (args, phrase) in [
        (
            &["simulate", "--help"][..],
            "whatever the number of threads",
        ),
        (&["intensity", "--help"][..], "strictly before t"),
        (&["loglik", "--help"][..], "taken as fully observed"),
        (&["plot", "ks", "--help"][..], "Brown et al. 2002"),
    ] {
        let r = diffsnn(d, args);
        assert!(
            r.stdout.contains(phrase),
            "{args:?} lacks its long help:\n{}",
            r.stdout
        );
        // and `-h` keeps the short one
        let mut short = args.to_vec();
        *short.last_mut().unwrap() = "-h";
        assert!(!diffsnn(d, &short).stdout.contains(phrase), "{args:?} -h");
    }
    // fit and eval exist now (tests/cli_fit_eval.rs): without arguments they are usage errors
    for command in ["fit", "eval"] {
        let r = diffsnn(d, &[command]);
        assert!(
            !r.ok && r.code == Some(2) && r.stderr.contains("required arguments"),
            "{command}: {}",
            r.stderr
        );
    }
}

#[test]
fn ks_plot_survives_tied_intervals() {
    // A constant-rate model (no weights) and evenly spaced spikes: every rescaled interval is the
    // same, which the exact KS p-value refuses; the plot is still drawn and the summary says why.
    let dir = workdir();
    let d = dir.path();
    let flat = MODEL
        .replace(
            "[[-2.0, 1.0, 0.5], [0.8, -2.0, 0.3], [0.2, 0.4, -2.0]]",
            "[[0, 0, 0], [0, 0, 0], [0, 0, 0]]",
        )
        .replace(
            "[[0.1, 0.0, 0.2], [0.0, 0.1, 0.0], [0.3, 0.0, 0.1]]",
            "[[0, 0, 0], [0, 0, 0], [0, 0, 0]]",
        );
    write(d, "flat.json", &flat);
    write(
        d,
        "s.csv",
        "sequence,time,neuron\n0,1,0\n0,2,0\n0,3,0\n0,3.5,1\n",
    );
    let r = diffsnn(
        d,
        &[
            "plot",
            "ks",
            "--model",
            "flat.json",
            "--spikes",
            "s.csv",
            "--window",
            "0,4",
            "--out",
            "ks.svg",
            // neuron 2 (hidden) never fired: read the file as all neurons' spikes
            "--no-marginal",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let lines: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["n"], 3);
    assert!(lines[0]["p_value"].is_null());
    assert!(
        lines[0]["note"].as_str().unwrap().contains("ties"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["n"], 1);
    assert!(lines[1]["p_value"].as_f64().is_some());
    assert!(lines[2]["n"].is_null()); // neuron 2 never fired
    assert!(
        std::fs::read_to_string(d.join("ks.svg"))
            .unwrap()
            .contains("no KS p-value")
    );
}
