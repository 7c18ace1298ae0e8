//! Unit tests of the spike-file parsers and writers: round trips (property tests), and every
//! error variant with its location.

use crate::{EventSequence, PpError, Window};
use proptest::prelude::*;

use super::*;

fn json(seqs: &str) -> String {
    format!(r#"{{"format": "spikes/v1", "n_neurons": 3, "sequences": [{seqs}]}}"#)
}

fn read_json(text: &str) -> Result<SpikeTrains> {
    SpikeTrains::from_json_str(text, "s.json")
}

fn read_csv(text: &str, options: &CsvOptions) -> Result<SpikeTrains> {
    SpikeTrains::from_csv_str(text, "s.csv", options)
}

/// Random valid spike trains: 1..4 sequences, 1..5 neurons, distinct times in a random window.
fn trains() -> impl Strategy<Value = SpikeTrains> {
    (1usize..5, 1usize..4).prop_flat_map(|(n, n_seq)| {
        prop::collection::vec(
            (
                -50.0f64..50.0,
                0.001f64..100.0,
                prop::collection::vec((0.0f64..1.0, 0..n as u32), 0..30),
            ),
            n_seq,
        )
        .prop_map(move |seqs| {
            let sequences = seqs
                .into_iter()
                .map(|(t0, len, events)| {
                    let w = Window::new(t0, t0 + len).unwrap();
                    let mut ev: Vec<(f64, u32)> =
                        events.into_iter().map(|(u, m)| (t0 + u * len, m)).collect();
                    ev.sort_by(|a, b| a.0.total_cmp(&b.0));
                    ev.dedup_by(|a, b| a.0 == b.0);
                    let (t, m) = ev.into_iter().unzip();
                    EventSequence::new(w, n, t, m).unwrap()
                })
                .collect();
            SpikeTrains::new(n, sequences).unwrap()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// JSON keeps everything, bit for bit.
    #[test]
    fn json_round_trip_is_exact(t in trains()) {
        prop_assert_eq!(read_json(&t.to_json_string()).unwrap(), t);
    }

    /// The typed fast path and the tree-walking reader read a valid file alike, also written
    /// by hand (integers for times, another field order, spaces).
    #[test]
    fn the_fast_path_reads_what_the_tree_reads(t in trains()) {
        let text = t.to_json_string();
        prop_assert_eq!(json::fast_path(&text), Some(SpikeTrains::from_json_tree(&text, "s.json").unwrap()));
        let by_hand = format!(
            r#"{{ "sequences": [{}], "n_neurons": {}, "format": "spikes/v1" }}"#,
            t.sequences().iter().map(|q| format!(
                r#"{{"neurons": {:?}, "times": [{}], "window": [{}, {}]}}"#,
                q.marks(),
                q.times().iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", "),
                q.window().t0().floor(), q.window().t1().ceil() + 1.0,
            )).collect::<Vec<_>>().join(", "),
            t.n_neurons(),
        );
        let tree = SpikeTrains::from_json_tree(&by_hand, "s.json").unwrap();
        prop_assert_eq!(json::fast_path(&by_hand), Some(tree));
    }

    /// CSV keeps the spikes bit for bit (with the window and the neuron count given back), and
    /// the row order does not matter.
    #[test]
    fn csv_round_trip_is_exact_in_any_row_order(t in trains(), rotate in 0usize..50) {
        // CSV has one window for the file and cannot hold trailing empty sequences.
        let w = t.sequences()[0].window();
        let seqs: Vec<EventSequence> = t.sequences().iter().map(|s| {
            let (_, n, times, marks) = s.clone().into_parts();
            let keep: Vec<usize> = (0..times.len()).filter(|&e| w.contains(times[e])).collect();
            EventSequence::new(w, n, keep.iter().map(|&e| times[e]).collect(),
                keep.iter().map(|&e| marks[e]).collect()).unwrap()
        }).collect();
        let last = seqs.iter().rposition(|s| !s.is_empty());
        prop_assume!(last.is_some());
        let seqs = seqs[..=last.unwrap()].to_vec();
        let t = SpikeTrains::new(t.n_neurons(), seqs).unwrap();
        let text = t.to_csv_string();
        let mut rows: Vec<&str> = text.lines().skip(1).collect();
        let k = rotate % rows.len();
        rows.rotate_left(k);
        rows.reverse();
        let shuffled = format!("{CSV_HEADER}\n{}\n", rows.join("\n"));
        let opts = CsvOptions { window: Some(w), n_neurons: Some(t.n_neurons()) };
        prop_assert_eq!(read_csv(&shuffled, &opts).unwrap(), t);
    }
}

/// The pp-core error inside a [`FileError::Sequence`], with its location.
fn sequence_error(e: FileError) -> (usize, &'static str, Option<u64>, PpError) {
    match e {
        FileError::Sequence {
            sequence,
            field,
            line,
            source,
            ..
        } => (sequence, field, line, source),
        other => panic!("expected a sequence error, got {other:?}"),
    }
}

#[test]
fn json_sequence_errors_are_located() {
    let ok = r#"{"window": [0, 10], "times": [1], "neurons": [0]}"#;
    let cases = [
        (
            r#"{"window": [0, 10], "times": [1, 3, 2], "neurons": [0, 1, 2]}"#,
            "times",
        ),
        (
            r#"{"window": [0, 10], "times": [1, 2, 2], "neurons": [0, 1, 2]}"#,
            "times",
        ),
        (
            r#"{"window": [0, 10], "times": [1, 2, 11], "neurons": [0, 1, 2]}"#,
            "times",
        ),
        (
            r#"{"window": [0, 10], "times": [1, 2, 3], "neurons": [0, 1, 3]}"#,
            "neurons",
        ),
        (
            r#"{"window": [0, 10], "times": [1, 2, 3], "neurons": [0, 1]}"#,
            "neurons",
        ),
        (
            r#"{"window": [10, 0], "times": [], "neurons": []}"#,
            "window",
        ),
    ];
    for (k, (seq, field)) in cases.into_iter().enumerate() {
        let err = read_json(&json(&format!("{ok}, {seq}"))).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(&format!("s.json: sequence 1, field `{field}`")),
            "{err}"
        );
        let (s, f, line, source) = sequence_error(err);
        assert_eq!((s, f, line), (1, field, None));
        match k {
            0 => assert!(matches!(source, PpError::Unsorted { index: 2, .. })),
            1 => assert!(matches!(source, PpError::DuplicateTime { index: 2, .. })),
            2 => assert!(matches!(source, PpError::OutsideWindow { index: 2, .. })),
            3 => assert!(matches!(
                source,
                PpError::MarkOutOfRange {
                    index: 2,
                    mark: 3,
                    dim: 3
                }
            )),
            4 => assert!(matches!(
                source,
                PpError::LengthMismatch {
                    expected: 3,
                    found: 2,
                    ..
                }
            )),
            _ => assert!(matches!(source, PpError::InvalidWindow { .. })),
        }
    }
}

#[test]
fn json_file_errors_name_the_field() {
    let seq = r#"{"window": [0, 10], "times": [1], "neurons": [0]}"#;
    let field_cases = [
        (
            json(r#"{"window": [0, 10], "times": [1, "NaN"], "neurons": [0, 1]}"#),
            "sequences[0].times[1]",
            "not a finite number",
        ),
        (
            json(r#"{"window": [0, 10], "times": [1, "-inf"], "neurons": [0, 1]}"#),
            "sequences[0].times[1]",
            "not a finite number",
        ),
        (
            json(r#"{"window": [0, 10], "times": [1, "x"], "neurons": [0, 1]}"#),
            "sequences[0].times[1]",
            "expected a number, found the string \"x\"",
        ),
        (
            json(r#"{"window": [0, 10], "times": [1], "neurons": [-4]}"#),
            "sequences[0].neurons[0]",
            "neuron -4 is negative",
        ),
        (
            json(r#"{"window": [0, 10], "times": [1], "neurons": [0.5]}"#),
            "sequences[0].neurons[0]",
            "non-negative integer",
        ),
        (
            json(r#"{"window": [0, 10], "times": [1], "neurons": [4294967296]}"#),
            "sequences[0].neurons[0]",
            "out of range",
        ),
        (
            json(r#"{"window": [0], "times": [], "neurons": []}"#),
            "sequences[0].window",
            "expected [t0, t1]",
        ),
        (
            json(r#"{"times": [], "neurons": []}"#),
            "sequences[0].window",
            "missing",
        ),
        (
            json(r#"{"window": [0, 1], "times": [], "neurons": [], "extra": 1}"#),
            "sequences[0].extra",
            "unknown field",
        ),
        (json(r#"[1]"#), "sequences[0]", "expected an object"),
        (json(""), "sequences", "no sequences"),
        (
            format!(r#"{{"format": "spikes/v1", "n_neurons": 0, "sequences": [{seq}]}}"#),
            "n_neurons",
            "at least 1",
        ),
        (
            format!(r#"{{"format": "spikes/v1", "n_neurons": -1, "sequences": [{seq}]}}"#),
            "n_neurons",
            "non-negative integer",
        ),
        (
            format!(r#"{{"format": "spikes/v1", "sequences": [{seq}]}}"#),
            "n_neurons",
            "missing",
        ),
        (
            format!(r#"{{"format": 1, "n_neurons": 3, "sequences": [{seq}]}}"#),
            "format",
            "expected a string",
        ),
        ("[]".to_string(), "(top level)", "expected an object"),
    ];
    for (text, field, reason) in field_cases {
        match read_json(&text).unwrap_err() {
            FileError::Field {
                path,
                field: f,
                reason: r,
            } => {
                assert_eq!((path.as_str(), f.as_str()), ("s.json", field), "{text}");
                assert!(r.contains(reason), "{text}: {r}");
            }
            other => panic!("{text}: {other:?}"),
        }
    }
    assert!(matches!(
        read_json(r#"{"format": "spikes/v2", "n_neurons": 1, "sequences": []}"#),
        Err(FileError::UnsupportedVersion { found, .. }) if found == "spikes/v2"
    ));
    assert!(matches!(
        read_json(r#"{"format": "srm-snn/v1", "n_neurons": 1, "sequences": []}"#),
        Err(FileError::UnknownFormat { found, .. }) if found == "srm-snn/v1"
    ));
    let full = json(seq);
    for cut in [1, 20, full.len() / 2, full.len() - 1] {
        assert!(
            matches!(read_json(&full[..cut]), Err(FileError::Json { .. })),
            "cut at {cut}"
        );
    }
    assert!(matches!(
        read_json(" \n\t"),
        Err(FileError::EmptyFile { .. })
    ));
    // A literal NaN is not JSON.
    assert!(matches!(
        read_json(&json(
            r#"{"window": [0, 1], "times": [NaN], "neurons": [0]}"#
        )),
        Err(FileError::Json { .. })
    ));
}

#[test]
fn csv_errors_are_located_by_line() {
    let o = CsvOptions::default();
    let w10 = CsvOptions {
        window: Some(Window::new(0.0, 10.0).unwrap()),
        n_neurons: None,
    };
    let at = |text: &str, opts: &CsvOptions| sequence_error(read_csv(text, opts).unwrap_err());

    let (s, f, line, e) = at("sequence,time,neuron\n0,2,0\n1,1,0\n0,1,1\n0,2,2\n", &o);
    assert_eq!((s, f, line), (0, "time", Some(5)));
    assert!(matches!(e, PpError::DuplicateTime { .. }));

    let (s, f, line, e) = at("sequence,time,neuron\n0,2,0\n0,NaN,1\n0,1,0\n", &w10);
    assert_eq!((s, f, line), (0, "time", Some(3)));
    assert!(matches!(e, PpError::NonFiniteTime { .. }));

    let (s, f, line, e) = at("sequence,time,neuron\n0,2,0\n1,-inf,1\n", &w10);
    assert_eq!((s, f, line), (1, "time", Some(3)));
    assert!(matches!(e, PpError::NonFiniteTime { .. }));

    let (s, line, e) = {
        let (s, _, l, e) = at("sequence,time,neuron\n0,2,0\n0,12,1\n", &w10);
        (s, l, e)
    };
    assert_eq!((s, line), (0, Some(3)));
    assert!(matches!(e, PpError::OutsideWindow { .. }));

    let with_n = CsvOptions {
        window: None,
        n_neurons: Some(2),
    };
    let (s, f, line, e) = at("sequence,time,neuron\n0,2,0\n0,1,2\n", &with_n);
    assert_eq!((s, f, line), (0, "neuron", Some(3)));
    assert!(matches!(
        e,
        PpError::MarkOutOfRange {
            mark: 2,
            dim: 2,
            ..
        }
    ));

    let csv_line = |text: &str, opts: &CsvOptions| match read_csv(text, opts).unwrap_err() {
        FileError::Csv { line, message, .. } => (line, message),
        other => panic!("{text}: {other:?}"),
    };
    assert_eq!(
        csv_line("sequence,time,neuron\n0,1,0\n0,2\n", &o).0,
        Some(3)
    );
    assert_eq!(csv_line("sequence,time,neuron\n0,1,0,9\n", &o).0, Some(2));
    assert!(
        csv_line("time,sequence,neuron\n1,0,0\n", &o)
            .1
            .contains("expected the header")
    );
    assert!(
        csv_line("sequence,time,neuron\nx,1,0\n", &o)
            .1
            .contains("column `sequence`")
    );
    assert!(
        csv_line("sequence,time,neuron\n-1,1,0\n", &o)
            .1
            .contains("column `sequence`")
    );
    assert!(
        csv_line("sequence,time,neuron\n5000000,1,0\n", &o)
            .1
            .contains("too large")
    );
    assert!(
        csv_line("sequence,time,neuron\n0,1,-3\n", &o)
            .1
            .contains("neuron -3 is negative")
    );
    assert!(
        csv_line("sequence,time,neuron\n0,1,1.5\n", &o)
            .1
            .contains("column `neuron`")
    );
    assert!(
        csv_line("sequence,time,neuron\n0,1,99999999999\n", &o)
            .1
            .contains("out of range")
    );
    assert!(matches!(
        read_csv("sequence,time,neuron\n0,0,0\n", &o),
        Err(FileError::EmptyDefaultWindow {
            last_spike: 0.0,
            ..
        })
    ));
    assert!(matches!(
        read_csv("sequence,time,neuron\n", &o),
        Err(FileError::NoData { .. })
    ));
    assert!(matches!(read_csv("", &o), Err(FileError::EmptyFile { .. })));
}

#[test]
fn csv_defaults_gaps_and_spaces() {
    let t = read_csv(
        "sequence, time, neuron\n2, 4.0, 1\n0, 1.0, 0\n",
        &CsvOptions::default(),
    )
    .unwrap();
    assert_eq!((t.n_neurons(), t.sequences().len()), (2, 3));
    assert!(t.sequences()[1].is_empty()); // no rows: an empty sequence
    for s in t.sequences() {
        assert_eq!((s.window().t0(), s.window().t1()), (0.0, 4.0)); // [0, last spike of the file]
    }
}
