//! Loss curve.

use plotters::prelude::*;

use super::axes::{DEFAULT_LABELS, X_LABEL_AREA, right_margin, tick_formatter, y_label_area};
use super::{color, padded_range, plot_err};
use crate::error::{CliError, Result};
use crate::io::LossPoint;

/// The loss curve `loss` against `epoch`, as a line with a marker per point; the epoch axis has
/// whole-number labels only (at most 11).
///
/// ```
/// use diffsnn_cli::io::LossPoint;
/// let pts: Vec<LossPoint> = (0..10).map(|e| LossPoint { epoch: e as f64, loss: 100.0 / (1.0 + e as f64) }).collect();
/// let svg = diffsnn_cli::plot::loss_svg(&pts)?;
/// assert!(svg.contains("<svg") && svg.contains(">\n9\n<") && !svg.contains(">\n0.5\n<"));
/// assert!(diffsnn_cli::plot::loss_svg(&[]).is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn loss_svg(points: &[LossPoint]) -> Result<String> {
    if points.is_empty() {
        return Err(CliError::argument("loss", "no points to plot"));
    }
    let (x_lo, x_hi) = padded_range(points.iter().map(|p| p.epoch));
    let (y_lo, y_hi) = padded_range(points.iter().map(|p| p.loss));
    // At most one label per whole epoch: plotters' steps are 1, 2 or 5 × 10^e, so a label count
    // below the span + 1 never yields a step below 1.
    let x_labels = ((x_hi - x_lo).floor() as usize + 1).clamp(1, DEFAULT_LABELS);
    let (x_fmt, y_fmt) = (tick_formatter(x_lo, x_hi), tick_formatter(y_lo, y_hi));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("training loss", ("sans-serif", 20))
            .margin(10)
            .margin_right(right_margin(x_lo, x_hi, x_labels))
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_label_area(y_lo, y_hi, DEFAULT_LABELS))
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss")
            .x_labels(x_labels)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()
            .map_err(plot_err)?;
        let c = color(0);
        chart
            .draw_series(LineSeries::new(points.iter().map(|p| (p.epoch, p.loss)), c))
            .map_err(plot_err)?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|p| Circle::new((p.epoch, p.loss), 3, c.filled())),
            )
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
