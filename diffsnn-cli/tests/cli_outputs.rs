//! Output files are never clobbered: a symbolic link is followed (the file it points to is
//! replaced, the link stays), a named pipe or a device is written straight through (never
//! replaced by a regular file), write errors are reported (`/dev/full`), `-` is the standard
//! output, and an interrupted command leaves no temporary file behind.

#![cfg(unix)]

#[path = "cli_common/mod.rs"]
mod common;

use std::os::unix::fs::FileTypeExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

fn simulate_to(d: &std::path::Path, out: &str) -> Run {
    diffsnn(
        d,
        &[
            "simulate", "--model", "m.json", "--t-end", "5", "--seed", "3", "--out", out,
        ],
    )
}

#[test]
fn a_symbolic_link_is_followed_and_stays_a_link() {
    let dir = workdir();
    let d = dir.path();
    std::fs::write(d.join("real.json"), "old").unwrap();
    std::os::unix::fs::symlink("real.json", d.join("link.json")).unwrap();
    let r = simulate_to(d, "link.json");
    assert!(r.ok, "{}", r.stderr);
    let link = std::fs::symlink_metadata(d.join("link.json")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let text = std::fs::read_to_string(d.join("real.json")).unwrap();
    assert!(text.starts_with(r#"{"format":"spikes/v1""#), "{text}");
    // a dangling link: the file it names is created, the link kept
    std::os::unix::fs::symlink("new.json", d.join("dangling.json")).unwrap();
    assert!(simulate_to(d, "dangling.json").ok);
    assert!(
        std::fs::symlink_metadata(d.join("dangling.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(d.join("new.json")).unwrap(), text);
    // no temporary file anywhere
    assert!(
        files(d).iter().all(|f| !f.ends_with(".tmp")),
        "{:?}",
        files(d)
    );
}

#[test]
fn devices_and_pipes_are_written_through_and_write_errors_reported() {
    let dir = workdir();
    let d = dir.path();
    let r = simulate_to(d, "/dev/null");
    assert!(r.ok, "{}", r.stderr);
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    if std::path::Path::new("/dev/full").exists() {
        let r = simulate_to(d, "/dev/full");
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert!(
            r.stderr.contains("/dev/full") && r.stderr.contains("No space left on device"),
            "{}",
            r.stderr
        );
        assert!(
            std::fs::metadata("/dev/full")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }
    // a named pipe with a reader: the data arrive, the pipe stays a pipe
    let fifo = d.join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let r = simulate_to(d, "fifo");
    assert!(r.ok, "{}", r.stderr);
    let received = reader.join().unwrap();
    assert!(
        received.starts_with(r#"{"format":"spikes/v1""#),
        "{received}"
    );
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    // the same bytes as a regular file
    assert!(simulate_to(d, "s.json").ok);
    assert_eq!(std::fs::read_to_string(d.join("s.json")).unwrap(), received);
    // `-`: the standard output
    let r = simulate_to(d, "-");
    assert!(r.ok, "{}", r.stderr);
    assert_eq!(r.stdout, received);
    assert!(r.stderr.contains("(standard output)"));
}

/// SIGINT or SIGTERM during a command: it exits with status 130 through the program's handler
/// (which removes the temporary files of outputs being written: see `remove_pending_temporaries`)
/// and leaves no file behind.
#[test]
fn an_interrupted_command_exits_130_and_leaves_no_file() {
    for signal in ["-INT", "-TERM"] {
        let dir = workdir();
        let d = dir.path();
        let r = diffsnn(
            d,
            &[
                "simulate", "--model", "m.json", "--t-end", "50", "--out", "obs.json",
            ],
        );
        assert!(r.ok);
        let before = files(d);
        // a long training run, interrupted after a moment
        let mut child = Command::new(env!("CARGO_BIN_EXE_diffsnn"))
            .current_dir(d)
            .args([
                "fit",
                "--spikes",
                "obs.json",
                "--hidden",
                "2",
                "--estimator",
                "score",
                "--epochs",
                "100000",
                "--quiet",
                "--loss-csv",
                "loss.csv",
                "--out",
                "fit.json",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let killed = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{signal}: {status:?}");
        let after: Vec<String> = files(d)
            .into_iter()
            .filter(|f| !before.contains(f) && f != "loss.csv")
            .collect();
        // no model (training did not finish), no temporary file; the loss curve so far is a
        // complete file (written atomically after each epoch)
        assert!(after.is_empty(), "{signal}: {after:?}");
        if let Ok(text) = std::fs::read_to_string(d.join("loss.csv")) {
            assert!(
                text.starts_with("epoch,loss,temperature,seconds\n"),
                "{text}"
            );
        }
    }
}
