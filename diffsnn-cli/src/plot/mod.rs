//! SVG pictures, drawn with `plotters`' SVG backend (no system fonts needed: text is written as
//! SVG `<text>` elements and laid out with a size estimate). Each function returns the SVG
//! document as a string; the `diffsnn plot` commands write it with
//! [`write_atomic`](crate::io::write_atomic).
//!
//! * [`raster_svg`]: the spikes of one sequence, one row per neuron.
//! * [`intensity_svg`]: `λ_i(t)` of chosen neurons over a sequence's window, with its spikes.
//! * [`filters_svg`]: the filters `f_ij(Δ)` of a model, one panel per pair (up to
//!   [`MAX_FILTER_PANEL_NEURONS`] neurons), or [`filters_heatmap_svg`]: one heat map of the
//!   filter integrals [`filter_integrals`] on the [`diverging_color`] scale, for any number.
//! * [`ks_svg`] (with [`ks_summary`] or, hidden neurons integrated out,
//!   [`ks_marginal_summary`]): time-rescaling KS plots, one panel per neuron.
//! * [`loss_svg`]: a loss curve.
//!
//! Axes carry units where they apply (time and lags in s, intensities in Hz) and tick labels
//! with only the digits they need.

mod axes;
mod filters;
mod heatmap;
mod intensity;
mod ks;
mod loss;
mod raster;

pub use filters::{
    MAX_FILTER_PANEL_NEURONS, basis_integral, filter_integrals, filter_lag_range, filter_values,
    filters_svg,
};
pub use heatmap::{
    HEATMAP_BAR_STEPS, NEGATIVE_END, POSITIVE_END, diverging_color, filters_heatmap_svg,
};
pub use intensity::{
    DEFAULT_INTENSITY_NEURONS, default_intensity_neurons, intensity_grid, intensity_svg,
};
pub use ks::{NeuronKs, ks_marginal_summary, ks_summary, ks_svg};
pub use loss::loss_svg;
pub use raster::raster_svg;

use plotters::style::RGBColor;

use crate::error::CliError;

/// Converts a plotters error into a [`CliError::Plot`].
pub(crate) fn plot_err<E: std::fmt::Display>(e: E) -> CliError {
    CliError::Plot(e.to_string())
}

/// Ten well-separated colours (the Tableau 10 palette), cycled.
const COLORS: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// The colour of series `i`.
pub(crate) fn color(i: usize) -> RGBColor {
    let (r, g, b) = COLORS[i % COLORS.len()];
    RGBColor(r, g, b)
}

/// A `[lo, hi]` range for an axis from data, padded by 5 % and never empty.
pub(crate) fn padded_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values {
        if v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        0.05 * span
    } else {
        0.5 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}

/// How the plots name neuron `i`: its number, or `h<number>` for a hidden neuron.
pub(crate) fn neuron_label(model: &snn_model::Snn, i: usize) -> String {
    if i >= model.n_obs() {
        format!("h{i}")
    } else {
        i.to_string()
    }
}

/// Checks a `--neurons` selection against a model of `n` neurons (every neuron exists, none
/// listed twice) and returns it, or every neuron `0..n` if it is empty.
pub(crate) fn check_neurons(neurons: &[usize], n: usize) -> crate::Result<Vec<usize>> {
    if let Some(&bad) = neurons.iter().find(|&&i| i >= n) {
        return Err(CliError::argument(
            "--neurons",
            format!(
                "neuron {bad} does not exist: the model has {n} neurons, numbered 0 to {}",
                n.saturating_sub(1)
            ),
        ));
    }
    let mut seen = vec![false; n];
    for &i in neurons {
        if std::mem::replace(&mut seen[i], true) {
            return Err(CliError::argument(
                "--neurons",
                format!("neuron {i} is listed twice"),
            ));
        }
    }
    Ok(if neurons.is_empty() {
        (0..n).collect()
    } else {
        neurons.to_vec()
    })
}

/// Checks a requested number of grid points (at least 2, at most 10⁶).
pub(crate) fn check_points(points: usize) -> crate::Result<()> {
    if !(2..=1_000_000).contains(&points) {
        return Err(CliError::argument(
            "--points",
            format!("need between 2 and 1000000 grid points, got {points}"),
        ));
    }
    Ok(())
}
