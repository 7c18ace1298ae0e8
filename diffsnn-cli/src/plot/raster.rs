//! Spike raster of one sequence.

use plotters::prelude::*;
use pp_core::EventSequence;

use super::axes::{DEFAULT_LABELS, X_LABEL_AREA, number_label, right_margin, tick_formatter};
use super::{color, plot_err};
use crate::error::Result;

/// The raster of `seq`: time in s on the x axis (the sequence's window), one row per neuron, a
/// short vertical bar per spike; `title` is the caption.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 3, vec![1.0, 2.5, 7.0], vec![0, 2, 1])?;
/// let svg = diffsnn_cli::plot::raster_svg(&seq, "three spikes")?;
/// assert!(svg.contains("<svg") && svg.contains("three spikes") && svg.contains("time (s)"));
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn raster_svg(seq: &EventSequence, title: &str) -> Result<String> {
    let n = seq.dim();
    let w = seq.window();
    let height = (120 + 30 * n).min(2000) as u32;
    let (x_lo, x_hi) = (w.t0(), w.t1());
    let x_fmt = tick_formatter(x_lo, x_hi);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .margin_right(right_margin(x_lo, x_hi, DEFAULT_LABELS))
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(50)
            .build_cartesian_2d(x_lo..x_hi, -0.5..(n as f64 - 0.5))
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("neuron")
            .x_label_formatter(&x_fmt)
            .y_labels(n.min(20))
            .y_label_formatter(&|y| number_label(y.round(), 0))
            .disable_y_mesh()
            .draw()
            .map_err(plot_err)?;
        chart
            .draw_series(seq.times().iter().zip(seq.marks()).map(|(&t, &m)| {
                let y = m as f64;
                PathElement::new(vec![(t, y - 0.4), (t, y + 0.4)], color(m as usize))
            }))
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
