//! Every bad-input path of the `diffsnn` program: a non-zero exit, an `error: ` message that
//! names the problem and where it is, and no output file (nor temporary file) left behind.

#[path = "cli_common/mod.rs"]
mod common;

use common::*;

/// Name, files to create, arguments, substrings of the message.
type ErrorCase = (
    &'static str,
    Vec<(&'static str, String)>,
    Vec<&'static str>,
    Vec<&'static str>,
);

const HEADER: &str = "sequence,time,neuron";

fn spikes_json(seq: &str) -> String {
    format!(r#"{{"format": "spikes/v1", "n_neurons": 3, "sequences": [{seq}]}}"#)
}

/// Spike-file errors, checked through `loglik --out` (so that "no output file" is tested too),
/// `intensity --out` and `plot raster`.
#[test]
fn bad_spike_files() {
    let good_seq = r#"{"window": [0, 10], "times": [1.0, 2.0, 3.0], "neurons": [0, 1, 2]}"#;
    let json_cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "unsorted times",
            spikes_json(r#"{"window": [0, 10], "times": [1.0, 3.0, 2.0], "neurons": [0, 1, 2]}"#),
            vec!["s.json", "sequence 0", "field `times`", "spike 2 at time 2", "must be increasing"],
        ),
        (
            "duplicate times",
            spikes_json(&format!(r#"{good_seq}, {{"window": [0, 10], "times": [1.0, 2.0, 2.0], "neurons": [0, 1, 2]}}"#)),
            vec!["s.json", "sequence 1", "field `times`", "share the time 2"],
        ),
        (
            "spike outside the window",
            spikes_json(r#"{"window": [0, 10], "times": [1.0, 12.0], "neurons": [0, 1]}"#),
            vec!["s.json", "sequence 0", "spike 1 at time 12", "outside the window [0, 10]"],
        ),
        (
            "neuron out of range",
            spikes_json(r#"{"window": [0, 10], "times": [1.0, 2.0], "neurons": [0, 3]}"#),
            vec!["s.json", "sequence 0", "field `neurons`", "spike 1 is of neuron 3", "only 3 neurons (0..3)"],
        ),
        (
            "negative neuron",
            spikes_json(r#"{"window": [0, 10], "times": [1.0], "neurons": [-1]}"#),
            vec!["s.json", "sequences[0].neurons[0]", "negative"],
        ),
        (
            "NaN string",
            spikes_json(r#"{"window": [0, 10], "times": [1.0, "NaN"], "neurons": [0, 1]}"#),
            vec!["s.json", "sequences[0].times[1]", "not a finite number"],
        ),
        (
            "a literal NaN",
            spikes_json(r#"{"window": [0, 10], "times": [1.0, NaN], "neurons": [0, 1]}"#),
            vec!["s.json", "invalid JSON", "JSON has no NaN"],
        ),
        (
            "huge times",
            spikes_json(r#"{"window": [0, 1e300], "times": [3e299, 1e298], "neurons": [0, 1]}"#),
            vec!["s.json", "spike 1 at time 1e298 comes before the previous spike at 3e299"],
        ),
        (
            "reversed window",
            spikes_json(r#"{"window": [10, 0], "times": [], "neurons": []}"#),
            vec!["s.json", "sequence 0", "field `window`", "invalid window [10, 0]"],
        ),
        (
            "length mismatch",
            spikes_json(r#"{"window": [0, 10], "times": [1.0, 2.0], "neurons": [0]}"#),
            vec!["s.json", "sequence 0", "length mismatch", "expected 2, found 1"],
        ),
        (
            "unknown format",
            r#"{"format": "spikes-csv/v1", "n_neurons": 3, "sequences": []}"#.into(),
            vec!["s.json", "unknown format \"spikes-csv/v1\"", "spikes/v1"],
        ),
        (
            "unknown version",
            r#"{"format": "spikes/v2", "n_neurons": 3, "sequences": []}"#.into(),
            vec!["s.json", "unsupported version \"spikes/v2\""],
        ),
        (
            "missing format",
            r#"{"n_neurons": 3, "sequences": []}"#.into(),
            vec!["s.json", "field `format`", "missing"],
        ),
        (
            "truncated file",
            spikes_json(good_seq)[..60].to_string(),
            vec!["s.json", "invalid JSON", "EOF"],
        ),
        ("empty file", String::new(), vec!["s.json", "the file is empty"]),
        (
            "no sequences",
            spikes_json(""),
            vec!["s.json", "field `sequences`", "no sequences"],
        ),
        (
            "unknown field",
            spikes_json(r#"{"window": [0, 10], "times": [], "neurons": [], "marks": []}"#),
            vec!["s.json", "sequences[0].marks", "unknown field"],
        ),
        (
            "neuron count differs from the model",
            r#"{"format": "spikes/v1", "n_neurons": 2, "sequences": [{"window": [0, 1], "times": [], "neurons": []}]}"#.into(),
            vec!["s.json", "2 neurons", "the model m.json has 3"],
        ),
    ];
    for (name, text, expect) in &json_cases {
        for args in [
            &[
                "loglik", "--model", "m.json", "--spikes", "s.json", "--out", "out.json",
            ][..],
            &[
                "plot",
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--out",
                "out.svg",
            ][..],
        ] {
            check(name, &[("s.json", text.clone())], args, expect);
        }
    }
}

#[test]
fn bad_csv_spike_files() {
    let cases: Vec<(&str, String, &[&str], Vec<&str>)> = vec![
        (
            "duplicate time",
            format!("{HEADER}\n0,1.5,0\n0,0.5,1\n0,1.5,2\n"),
            &[],
            vec!["s.csv", "sequence 0", "(line 4)", "share the time 1.5"],
        ),
        (
            "NaN time",
            format!("{HEADER}\n0,1.5,0\n0,NaN,1\n"),
            &["--window", "0,10"],
            vec![
                "s.csv",
                "sequence 0",
                "field `time`",
                "(line 3)",
                "spike 1 at time NaN: times must be finite",
            ],
        ),
        (
            "time outside the window",
            format!("{HEADER}\n0,1.5,0\n1,11,1\n"),
            &["--window", "0,10"],
            vec![
                "s.csv",
                "sequence 1",
                "(line 3)",
                "outside the window [0, 10]",
            ],
        ),
        (
            "neuron out of range",
            format!("{HEADER}\n0,1.5,0\n0,2.5,7\n"),
            &[],
            vec![
                "s.csv",
                "field `neuron`",
                "(line 3)",
                "spike 1 is of neuron 7",
                "only 3 neurons",
            ],
        ),
        (
            "negative neuron",
            format!("{HEADER}\n0,1.5,-2\n"),
            &[],
            vec!["s.csv", "line 2", "neuron -2 is negative"],
        ),
        (
            "not a number",
            format!("{HEADER}\n0,1.5,0\n0,abc,1\n"),
            &[],
            vec!["s.csv", "line 3", "`abc` is not a number"],
        ),
        (
            "truncated row",
            format!("{HEADER}\n0,1.5,0\n0,2.5"),
            &[],
            vec!["s.csv", "line 3", "found 2 fields, expected 3"],
        ),
        (
            "missing header",
            "0,1.5,0\n0,2.5,1\n".to_string(),
            &[],
            vec![
                "s.csv",
                "line 1",
                "expected the header `sequence,time,neuron`",
            ],
        ),
        (
            "empty file",
            String::new(),
            &[],
            vec!["s.csv", "the file is empty", "header"],
        ),
        (
            "header only",
            format!("{HEADER}\n"),
            &[],
            vec!["s.csv", "no spike rows"],
        ),
        (
            "empty default window",
            format!("{HEADER}\n0,-1.0,0\n"),
            &[],
            vec!["s.csv", "default window", "--window"],
        ),
        (
            "reversed --window",
            format!("{HEADER}\n0,1.0,0\n"),
            &["--window", "5,1"],
            vec!["--window", "invalid window [5, 1]"],
        ),
    ];
    for (name, text, extra, expect) in cases {
        let mut args = vec![
            "loglik", "--model", "m.json", "--spikes", "s.csv", "--out", "out.json",
        ];
        args.extend_from_slice(extra);
        check(name, &[("s.csv", text)], &args, &expect);
    }
}

#[test]
fn bad_models_durations_and_arguments() {
    let bad_shape = MODEL.replace("[0.3, 0.0, 0.1]", "[0.3, 0.0]");
    let bad_version = MODEL.replace("srm-snn/v1", "srm-snn/v9");
    let spikes = spikes_json(r#"{"window": [0, 10], "times": [1.0, 2.0], "neurons": [0, 1]}"#);
    let cases: Vec<ErrorCase> = vec![
        (
            "wrong weight shape",
            vec![("bad.json", bad_shape)],
            vec![
                "simulate", "--model", "bad.json", "--t-end", "5", "--out", "out.json",
            ],
            vec!["bad.json", "weights[1][2]", "expected shape"],
        ),
        (
            "unknown model version",
            vec![("bad.json", bad_version)],
            vec!["plot", "filters", "--model", "bad.json", "--out", "out.svg"],
            vec!["bad.json", "srm-snn/v9"],
        ),
        (
            "missing model file",
            vec![],
            vec![
                "simulate",
                "--model",
                "nope.json",
                "--t-end",
                "5",
                "--out",
                "out.json",
            ],
            vec!["nope.json"],
        ),
        (
            "negative duration",
            vec![],
            vec![
                "simulate", "--model", "m.json", "--t-end", "-1", "--out", "out.json",
            ],
            vec!["--t-end", "duration must be positive"],
        ),
        (
            "zero duration",
            vec![],
            vec![
                "simulate", "--model", "m.json", "--t-end", "0", "--out", "out.json",
            ],
            vec!["--t-end", "duration must be positive"],
        ),
        (
            "t-end before t-start",
            vec![],
            vec![
                "simulate",
                "--model",
                "m.json",
                "--t-start",
                "10",
                "--t-end",
                "5",
                "--out",
                "out.json",
            ],
            vec!["--t-end 5 is not after --t-start 10"],
        ),
        (
            "zero sequences",
            vec![],
            vec![
                "simulate",
                "--model",
                "m.json",
                "--t-end",
                "5",
                "--sequences",
                "0",
                "--out",
                "out.json",
            ],
            vec!["--sequences", "at least 1"],
        ),
        (
            "sequence index out of range",
            vec![("s.json", spikes.clone()), ("t.txt", "1.0\n".into())],
            vec![
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--at",
                "t.txt",
                "--sequence",
                "3",
                "--out",
                "out.jsonl",
            ],
            vec!["sequence 3 does not exist", "1 sequence"],
        ),
        (
            "bad query time",
            vec![
                ("s.json", spikes.clone()),
                ("t.txt", "1.0\n# ok\nfoo\n".into()),
            ],
            vec![
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--at",
                "t.txt",
                "--out",
                "out.jsonl",
            ],
            vec!["t.txt, line 3", "`foo` is not a number"],
        ),
        (
            "NaN query time",
            vec![("s.json", spikes.clone()), ("t.txt", "nan\n".into())],
            vec![
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--at",
                "t.txt",
                "--out",
                "out.jsonl",
            ],
            vec!["t.txt, line 1", "not a finite time"],
        ),
        (
            "query times out of order",
            vec![
                ("s.json", spikes.clone()),
                ("t.txt", "1.0\n# ok\n3.0\n2.0\n".into()),
            ],
            vec![
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--at",
                "t.txt",
                "--out",
                "out.jsonl",
            ],
            vec![
                "t.txt, line 4",
                "time 2 comes before the time 3 of line 3",
                "increasing",
            ],
        ),
        (
            "a query time outside the window",
            vec![("s.json", spikes.clone()), ("t.txt", "1.0\n2e20\n".into())],
            vec![
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--at",
                "t.txt",
                "--out",
                "out.jsonl",
            ],
            vec!["query time 2 of t.txt (2e20) is outside the window [0, 10]"],
        ),
        (
            "empty query file",
            vec![
                ("s.json", spikes.clone()),
                ("t.txt", "# nothing\n\n".into()),
            ],
            vec![
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--at",
                "t.txt",
                "--out",
                "out.jsonl",
            ],
            vec!["t.txt", "no query times"],
        ),
        (
            "--window with a JSON spike file",
            vec![("s.json", spikes.clone())],
            vec![
                "loglik", "--model", "m.json", "--spikes", "s.json", "--window", "0,10",
            ],
            vec!["--window", "JSON file"],
        ),
        (
            "--mc-points with quadrature",
            vec![("s.json", spikes.clone())],
            vec![
                "loglik",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--mc-points",
                "10",
            ],
            vec!["--mc-points", "monte-carlo only"],
        ),
        (
            "zero Monte Carlo points",
            vec![("s.json", spikes.clone())],
            vec![
                "loglik",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--compensator",
                "monte-carlo",
                "--mc-points",
                "0",
            ],
            vec!["--mc-points", "at least 1"],
        ),
        (
            "unknown neuron in plot intensity",
            vec![("s.json", spikes.clone())],
            vec![
                "plot",
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--neurons",
                "0,5",
                "--out",
                "out.svg",
            ],
            vec!["--neurons", "neuron 5 does not exist"],
        ),
        (
            "unknown spike file type",
            vec![("s.dat", "hello\n".into())],
            vec!["plot", "raster", "--spikes", "s.dat", "--out", "out.svg"],
            vec!["s.dat", "not a spike file"],
        ),
        (
            "loss CSV without a loss column",
            vec![("loss.csv", "epoch,value\n0,1\n".into())],
            vec!["plot", "loss", "--csv", "loss.csv", "--out", "out.svg"],
            vec!["loss.csv", "no column `loss`"],
        ),
        (
            "loss CSV with NaN",
            vec![("loss.csv", "epoch,loss\n0,1\n1,NaN\n".into())],
            vec!["plot", "loss", "--csv", "loss.csv", "--out", "out.svg"],
            vec!["loss.csv", "line 3", "not a finite number"],
        ),
        (
            "output directory does not exist",
            vec![],
            vec![
                "plot",
                "filters",
                "--model",
                "m.json",
                "--out",
                "no/such/dir/f.svg",
            ],
            vec!["no/such/dir/f.svg"],
        ),
    ];
    for (name, files_to_write, args, expect) in cases {
        check(name, &files_to_write, &args, &expect);
    }
}

#[test]
fn usage_errors_exit_with_status_2() {
    let dir = workdir();
    for args in [
        &["simulate", "--model", "m.json", "--out", "s.json"][..], // --t-end missing
        &[
            "loglik",
            "--model",
            "m.json",
            "--spikes",
            "s.json",
            "--compensator",
            "trapezoid",
        ][..],
        &[
            "simulate", "--model", "m.json", "--t-end", "abc", "--out", "s.json",
        ][..],
        &[
            "loglik", "--model", "m.json", "--spikes", "s.csv", "--window", "0,x",
        ][..],
    ] {
        let r = diffsnn(dir.path(), args);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
    }
    assert_eq!(files(dir.path()), ["m.json"]);
}
