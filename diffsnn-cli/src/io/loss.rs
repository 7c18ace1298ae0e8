//! Loss-curve CSV files: a header with (at least) the columns `epoch` and `loss`, one row per
//! epoch. The training loop writes them; `diffsnn plot loss` reads them.

use std::path::Path;

use crate::error::{CliError, Result};
use crate::io::csv_error;

/// One point of a loss curve.
///
/// ```
/// let p = diffsnn_cli::io::LossPoint { epoch: 1.0, loss: 12.5 };
/// assert_eq!(p.loss, 12.5);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LossPoint {
    /// The epoch (a number, so fractional epochs are allowed).
    pub epoch: f64,
    /// The loss at that epoch.
    pub loss: f64,
}

/// Parses a loss CSV: the columns `epoch` and `loss` are found by name (other columns are
/// ignored); every value must be a finite number. `path` is used in error messages only.
///
/// ```
/// let pts = diffsnn_cli::io::parse_loss_csv("epoch,loss,seconds\n0,10.5,0.1\n1,9.25,0.1\n", "l.csv")?;
/// assert_eq!(pts.len(), 2);
/// assert_eq!(pts[1].loss, 9.25);
/// let err = diffsnn_cli::io::parse_loss_csv("epoch,loss\n0,NaN\n", "l.csv").unwrap_err();
/// assert!(err.to_string().contains("line 2") && err.to_string().contains("loss"));
/// assert!(diffsnn_cli::io::parse_loss_csv("epoch,value\n0,1\n", "l.csv").is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn parse_loss_csv(text: &str, path: &str) -> Result<Vec<LossPoint>> {
    if text.trim().is_empty() {
        return Err(CliError::EmptyFile {
            path: path.into(),
            hint: ": expected a header with the columns `epoch` and `loss`".into(),
        });
    }
    let csv_err = |line: Option<u64>, message: String| CliError::Csv {
        path: path.into(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            csv_err(
                Some(1),
                format!(
                    "no column `{name}` in the header `{}` (need `epoch` and `loss`)",
                    headers.iter().collect::<Vec<_>>().join(",")
                ),
            )
        })
    };
    let (ce, cl) = (column("epoch")?, column("loss")?);
    let mut points = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(path, &e))?;
        let line = record.position().map(|p| p.line());
        let value = |c: usize, name: &str| -> Result<f64> {
            let text = &record[c];
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(csv_err(
                    line,
                    format!("column `{name}`: `{text}` is not a finite number"),
                )),
            }
        };
        points.push(LossPoint {
            epoch: value(ce, "epoch")?,
            loss: value(cl, "loss")?,
        });
    }
    if points.is_empty() {
        return Err(CliError::NoData {
            path: path.into(),
            what: "loss rows after the header".into(),
        });
    }
    Ok(points)
}

/// Reads a loss CSV file (see [`parse_loss_csv`]); errors name the file.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("loss.csv");
/// std::fs::write(&path, "epoch,loss\n0,3\n1,2\n").unwrap();
/// assert_eq!(diffsnn_cli::io::read_loss_csv(&path)?.len(), 2);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn read_loss_csv(path: impl AsRef<Path>) -> Result<Vec<LossPoint>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).map_err(|e| CliError::io(path, e))?;
    parse_loss_csv(&text, &path.display().to_string())
}
