//! Unit tests of the program's file handling: reading spike files with what the command line
//! knows, query times, loss curves, and the atomic writer.

use pp_core::Window;

use super::*;
use crate::CliError;

fn json(seqs: &str) -> String {
    format!(r#"{{"format": "spikes/v1", "n_neurons": 3, "sequences": [{seqs}]}}"#)
}

#[test]
fn read_checks_window_and_neuron_count_against_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    std::fs::write(
        &path,
        json(r#"{"window": [0, 1], "times": [], "neurons": []}"#),
    )
    .unwrap();
    let w = ReadOptions::default().window(Window::new(0.0, 1.0).unwrap());
    assert!(matches!(
        read_spikes(&path, &w),
        Err(CliError::InvalidArgument { .. })
    ));
    let n = ReadOptions::default().expect_neurons(4, "the model m.json");
    let err = read_spikes(&path, &n).unwrap_err().to_string();
    assert!(
        err.contains("3 neurons") && err.contains("the model m.json has 4"),
        "{err}"
    );
    assert!(read_spikes(&path, &ReadOptions::default().expect_neurons(3, "m")).is_ok());
    let missing = dir.path().join("none.json");
    let err = read_spikes(&missing, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, CliError::Io { .. }) && err.to_string().contains("none.json"));
}

#[test]
fn query_times_errors_have_line_numbers() {
    assert_eq!(
        parse_query_times("-3\n\n  # x\n2.5#y\n2.5\n4\n", "q").unwrap(),
        vec![-3.0, 2.5, 2.5, 4.0]
    );
    for (text, line) in [
        ("1\n2\nx\n", 3),
        ("inf\n", 1),
        ("\n\n1 2\n", 3),
        ("1\n-NaN\n", 2),
        ("1\n# x\n3\n\n2\n", 5),
    ] {
        match parse_query_times(text, "q").unwrap_err() {
            CliError::QueryTime { line: l, .. } => assert_eq!(l, line, "{text:?}"),
            other => panic!("{text:?}: {other:?}"),
        }
    }
    assert!(matches!(
        parse_query_times("", "q"),
        Err(CliError::NoData { .. })
    ));
}

#[test]
fn loss_csv_reader() {
    let p = parse_loss_csv("loss,epoch\n3.5,0\n2.5,1\n", "l").unwrap();
    assert_eq!(
        p,
        vec![
            LossPoint {
                epoch: 0.0,
                loss: 3.5
            },
            LossPoint {
                epoch: 1.0,
                loss: 2.5
            }
        ]
    );
    assert!(matches!(
        parse_loss_csv("epoch,loss\n", "l"),
        Err(CliError::NoData { .. })
    ));
    assert!(matches!(
        parse_loss_csv("", "l"),
        Err(CliError::EmptyFile { .. })
    ));
    assert!(matches!(
        parse_loss_csv("epoch,loss\n0,1\n1,inf\n", "l"),
        Err(CliError::Csv { line: Some(3), .. })
    ));
    assert!(matches!(
        parse_loss_csv("epoch,loss\n0,1\n1\n", "l"),
        Err(CliError::Csv { line: Some(3), .. })
    ));
}

#[test]
fn atomic_writer_replaces_or_leaves_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.txt");
    write_bytes_atomic(&path, b"old").unwrap();
    // A failure half-way keeps the old content and leaves no temporary file.
    let r = write_atomic(&path, |w| {
        w.write_all(b"new, partial").unwrap();
        Err(CliError::argument("x", "fails"))
    });
    assert!(r.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Success replaces it.
    write_bytes_atomic(&path, b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    // A path in a missing directory is an I/O error naming the path.
    let bad = dir.path().join("no/such/out.txt");
    let err = write_bytes_atomic(&bad, b"x").unwrap_err();
    assert!(matches!(err, CliError::Io { .. }) && err.to_string().contains("out.txt"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // The mode of an ordinary new file (0666 minus the umask), not tempfile's private 0600.
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&plain));
    }
}
