//! Query-time files: one time per line; blank lines and `#` comments are ignored.

use std::path::Path;

use crate::error::{CliError, Result};

/// Parses query times (one finite number per line, blank lines and everything after a `#`
/// ignored), in increasing order (equal times may repeat); `path` is used in error messages
/// only. A file without any time is an error.
///
/// ```
/// let times = diffsnn_cli::io::parse_query_times("# times\n0.5\n\n 2.25  # comment\n1e1\n", "q.txt")?;
/// assert_eq!(times, vec![0.5, 2.25, 10.0]);
///
/// let err = diffsnn_cli::io::parse_query_times("1\nNaN\n", "q.txt").unwrap_err();
/// assert_eq!(err.to_string(), "q.txt, line 2: `NaN` is not a finite time");
/// let err = diffsnn_cli::io::parse_query_times("2\n1\n", "q.txt").unwrap_err();
/// assert!(err.to_string().contains("line 2: time 1 comes before the time 2 of line 1"));
/// assert!(diffsnn_cli::io::parse_query_times("# nothing\n", "q.txt").is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn parse_query_times(text: &str, path: &str) -> Result<Vec<f64>> {
    let mut times: Vec<(usize, f64)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let content = raw.split('#').next().unwrap_or("").trim();
        if content.is_empty() {
            continue;
        }
        let err = |reason: String| CliError::QueryTime {
            path: path.into(),
            line: i + 1,
            reason,
        };
        let t: f64 = content
            .parse()
            .map_err(|_| err(format!("`{content}` is not a number")))?;
        if !t.is_finite() {
            return Err(err(format!("`{content}` is not a finite time")));
        }
        if let Some(&(prev_line, prev)) = times.last()
            && t < prev
        {
            return Err(err(format!(
                "time {} comes before the time {} of line {prev_line}: query times must be in \
                 increasing order",
                pp_core::messages::show_number(t),
                pp_core::messages::show_number(prev)
            )));
        }
        times.push((i + 1, t));
    }
    if times.is_empty() {
        return Err(CliError::NoData {
            path: path.into(),
            what: "query times (one time per line)".into(),
        });
    }
    Ok(times.into_iter().map(|(_, t)| t).collect())
}

/// Checks that every query time lies in `window` (the sequence's); the error names the file,
/// the time's position and the window.
///
/// ```
/// let w = pp_core::Window::new(0.0, 10.0)?;
/// assert!(diffsnn_cli::io::check_query_window(&[0.0, 10.0], w, "q.txt").is_ok());
/// let err = diffsnn_cli::io::check_query_window(&[1.0, 12.5], w, "q.txt").unwrap_err();
/// assert!(err.to_string().contains("time 2 of q.txt (12.5) is outside the window [0, 10]"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_query_window(times: &[f64], window: pp_core::Window, path: &str) -> Result<()> {
    match times.iter().position(|&t| !window.contains(t)) {
        None => Ok(()),
        Some(k) => Err(CliError::Mismatch {
            reason: format!(
                "query time {} of {path} ({}) is outside the window [{}, {}] of the sequence: \
                 the intensity is defined on the observation window only",
                k + 1,
                pp_core::messages::show_number(times[k]),
                pp_core::messages::show_number(window.t0()),
                pp_core::messages::show_number(window.t1())
            ),
        }),
    }
}

/// Reads a query-time file (see [`parse_query_times`]); errors name the file.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("q.txt");
/// std::fs::write(&path, "1.0\n2.0\n").unwrap();
/// assert_eq!(diffsnn_cli::io::read_query_times(&path)?, vec![1.0, 2.0]);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn read_query_times(path: impl AsRef<Path>) -> Result<Vec<f64>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))?;
    parse_query_times(&text, &path.display().to_string())
}
