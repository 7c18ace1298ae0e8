//! Loss curve.

use plotters::prelude::*;

use super::{color, padded_range, plot_err};
use crate::error::{CliError, Result};
use crate::io::LossPoint;

/// The loss curve `loss` against `epoch`, as a line with a marker per point.
///
/// ```
/// use diffsnn_cli::io::LossPoint;
/// let pts: Vec<LossPoint> = (0..10).map(|e| LossPoint { epoch: e as f64, loss: 100.0 / (1.0 + e as f64) }).collect();
/// let svg = diffsnn_cli::plot::loss_svg(&pts)?;
/// assert!(svg.contains("<svg"));
/// assert!(diffsnn_cli::plot::loss_svg(&[]).is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn loss_svg(points: &[LossPoint]) -> Result<String> {
    if points.is_empty() {
        return Err(CliError::argument("loss", "no points to plot"));
    }
    let (x_lo, x_hi) = padded_range(points.iter().map(|p| p.epoch));
    let (y_lo, y_hi) = padded_range(points.iter().map(|p| p.loss));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (800, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("training loss", ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(65)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss")
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
