//! Query-time files: one time per line; blank lines and `#` comments are ignored.

use std::path::Path;

use crate::error::{CliError, Result};

/// Parses query times (one finite number per line, blank lines and everything after a `#`
/// ignored), in the order given; `path` is used in error messages only. A file without any
/// time is an error.
///
/// ```
/// let times = diffsnn_cli::io::parse_query_times("# times\n0.5\n\n 2.25  # comment\n1e1\n", "q.txt")?;
/// assert_eq!(times, vec![0.5, 2.25, 10.0]);
///
/// let err = diffsnn_cli::io::parse_query_times("1\nNaN\n", "q.txt").unwrap_err();
/// assert_eq!(err.to_string(), "q.txt, line 2: `NaN` is not a finite time");
/// assert!(diffsnn_cli::io::parse_query_times("# nothing\n", "q.txt").is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn parse_query_times(text: &str, path: &str) -> Result<Vec<f64>> {
    let mut times = Vec::new();
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
        times.push(t);
    }
    if times.is_empty() {
        return Err(CliError::NoData {
            path: path.into(),
            what: "query times (one time per line)".into(),
        });
    }
    Ok(times)
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
