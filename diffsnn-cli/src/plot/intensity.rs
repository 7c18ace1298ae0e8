//! Intensities of chosen neurons over a sequence's window.

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use pp_core::{EventSequence, Intensity};
use snn_model::Snn;

use super::axes::{DEFAULT_LABELS, X_LABEL_AREA, right_margin, tick_formatter, y_label_area};
use super::{check_neurons, check_points, color, padded_range, plot_err};
use crate::error::{CliError, Result};

/// The most neurons [`intensity_svg`] draws when none are chosen.
///
/// ```
/// assert_eq!(diffsnn_cli::plot::DEFAULT_INTENSITY_NEURONS, 4);
/// ```
pub const DEFAULT_INTENSITY_NEURONS: usize = 4;

/// The neurons [`intensity_svg`] draws when none are chosen: the first
/// [`DEFAULT_INTENSITY_NEURONS`] observed neurons (the first neurons if none is observed).
///
/// ```
/// let m = snn_model::SnnBuilder::new(8, 2).check()?;
/// assert_eq!(diffsnn_cli::plot::default_intensity_neurons(&m), vec![0, 1, 2, 3]);
/// let m = snn_model::SnnBuilder::new(2, 3).check()?;
/// assert_eq!(diffsnn_cli::plot::default_intensity_neurons(&m), vec![0, 1]);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub fn default_intensity_neurons(model: &Snn) -> Vec<usize> {
    let pool = if model.n_obs() > 0 {
        model.n_obs()
    } else {
        model.n_neurons()
    };
    (0..pool.min(DEFAULT_INTENSITY_NEURONS)).collect()
}

/// Event times are added to the grid (at the spike and just after it, to show the jumps) when
/// the sequence has at most this many events.
const MAX_EVENTS_IN_GRID: usize = 20_000;

/// The times and intensities drawn by [`intensity_svg`]: `points` evenly spaced times over the
/// window plus, for sequences of at most 20 000 spikes, each spike time and the next
/// representable time after it (the intensity jumps there); `values[r][i]` is `λ_i` at
/// `times[r]` given the spikes strictly before it.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let model = snn_model::SnnBuilder::new(1, 0).bias(vec![0.0]).check()?; // λ = 2.5
/// let seq = EventSequence::new(Window::new(0.0, 4.0)?, 1, vec![2.5], vec![0])?;
/// let (times, values) = diffsnn_cli::plot::intensity_grid(&model, &seq, 5)?;
/// assert_eq!(times.len(), 5 + 2);
/// assert!(times.windows(2).all(|w| w[0] < w[1]));
/// assert!(values.iter().all(|v| v[0] == 2.5));
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn intensity_grid(
    model: &Snn,
    seq: &EventSequence,
    points: usize,
) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    check_points(points)?;
    check_dim(model, seq)?;
    let w = seq.window();
    let mut times: Vec<f64> = (0..points)
        .map(|r| w.t0() + w.duration() * r as f64 / (points - 1) as f64)
        .collect();
    if seq.len() <= MAX_EVENTS_IN_GRID {
        for &t in seq.times() {
            times.push(t);
            if t.next_up() <= w.t1() {
                times.push(t.next_up());
            }
        }
        times.sort_by(f64::total_cmp);
        times.dedup();
    }
    let n = model.n_neurons();
    let values = times
        .iter()
        .map(|&t| {
            let mut lam = vec![0.0; n];
            model.intensities(t, seq.history_before(t), &mut lam);
            lam
        })
        .collect();
    Ok((times, values))
}

fn check_dim(model: &Snn, seq: &EventSequence) -> Result<()> {
    if seq.dim() != model.n_neurons() {
        return Err(CliError::Mismatch {
            reason: format!(
                "the spike trains have {} neurons, but the model has {}",
                seq.dim(),
                model.n_neurons()
            ),
        });
    }
    Ok(())
}

/// The intensities `λ_i(t)` of the neurons in `neurons` (if empty, those of
/// [`default_intensity_neurons`]) over the window of `seq`, on the grid of [`intensity_grid`],
/// one coloured line per neuron with its spikes as ticks under the curves; time in s,
/// intensities in Hz. Hidden neurons are drawn dashed and labelled "(hidden)". An unknown or
/// repeated neuron is an error naming `--neurons`.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let model = snn_model::SnnBuilder::new(1, 1).weights(vec![0.0, 1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0]).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 10.0)?, 2, vec![1.0, 2.0], vec![0, 1])?;
/// let svg = diffsnn_cli::plot::intensity_svg(&model, &seq, &[0, 1], 200)?;
/// assert!(svg.contains("neuron 1 (hidden)") && svg.contains("intensity (Hz)"));
/// let default = diffsnn_cli::plot::intensity_svg(&model, &seq, &[], 200)?;
/// assert!(default.contains("neuron 0") && !default.contains("neuron 1"));
/// assert!(diffsnn_cli::plot::intensity_svg(&model, &seq, &[5], 200).is_err()); // no neuron 5
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn intensity_svg(
    model: &Snn,
    seq: &EventSequence,
    neurons: &[usize],
    points: usize,
) -> Result<String> {
    check_dim(model, seq)?;
    let chosen = if neurons.is_empty() {
        default_intensity_neurons(model)
    } else {
        check_neurons(neurons, model.n_neurons())?
    };
    let (times, values) = intensity_grid(model, seq, points)?;
    let (_, y_hi) = padded_range(
        chosen
            .iter()
            .flat_map(|&i| values.iter().map(move |v| v[i]))
            .chain([0.0]),
    );
    let tick = 0.04 * y_hi;
    let y_lo = -2.0 * tick;
    let w = seq.window();
    let (x_lo, x_hi) = (w.t0(), w.t1());
    let x_fmt = tick_formatter(x_lo, x_hi);
    let y_fmt = tick_formatter(y_lo, y_hi);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1000, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption("conditional intensities", ("sans-serif", 20))
            .margin(10)
            .margin_right(right_margin(x_lo, x_hi, DEFAULT_LABELS))
            .x_label_area_size(X_LABEL_AREA)
            .y_label_area_size(y_label_area(y_lo, y_hi, DEFAULT_LABELS))
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("intensity (Hz)")
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()
            .map_err(plot_err)?;
        for &i in &chosen {
            let c = color(i);
            let curve = times.iter().zip(&values).map(|(&t, v)| (t, v[i]));
            if i >= model.n_obs() {
                chart
                    .draw_series(DashedLineSeries::new(curve, 8, 5, c.into()))
                    .map_err(plot_err)?
                    .label(format!("neuron {i} (hidden)"))
                    .legend(move |(x, y)| {
                        DashedPathElement::new(vec![(x, y), (x + 20, y)], 8, 5, c)
                    });
            } else {
                chart
                    .draw_series(LineSeries::new(curve, c))
                    .map_err(plot_err)?
                    .label(format!("neuron {i}"))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c));
            }
            chart
                .draw_series(
                    seq.times()
                        .iter()
                        .zip(seq.marks())
                        .filter(|&(_, &m)| m as usize == i)
                        .map(|(&t, _)| PathElement::new(vec![(t, y_lo), (t, -0.5 * tick)], c)),
                )
                .map_err(plot_err)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(plot_err)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
