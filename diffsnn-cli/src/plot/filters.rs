//! The filters `f_ij(Δ) = Σ_k M_ij W_kij φ_k(Δ)` of a model.

use plotters::prelude::*;
use snn_model::{Basis, Snn};

use super::{check_points, color, padded_range, plot_err};
use crate::error::Result;

/// The lags shown for the filters of `model`: `[0, support]` for bases of finite support
/// (Epanechnikov: `max_k c_k + s`), `[0, 6 max_k τ_k]` for exponential and alpha kernels.
///
/// ```
/// let m = snn_model::SnnBuilder::new(1, 0).check()?; // Epanechnikov, centres {0, 10}, scale 1
/// assert_eq!(diffsnn_cli::plot::filter_lag_range(&m), (0.0, 11.0));
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub fn filter_lag_range(model: &Snn) -> (f64, f64) {
    let basis = model.basis();
    let support = basis.support();
    if support.is_finite() && support > 0.0 {
        return (0.0, support);
    }
    let tau_max = match basis {
        Basis::Exponential { time_constants } | Basis::Alpha { time_constants } => {
            time_constants.iter().copied().fold(0.0, f64::max)
        }
        _ => 10.0 / 6.0,
    };
    (0.0, 6.0 * tau_max)
}

/// `f_ij(Δ)` (the filter from neuron `j` to neuron `i`, connection mask applied) at each lag of
/// `lags`.
///
/// ```
/// let m = snn_model::SnnBuilder::new(1, 0).weights(vec![-2.0, 1.0]).check()?;
/// let f = diffsnn_cli::plot::filter_values(&m, 0, 0, &[0.5, 10.0]);
/// assert_eq!(f, vec![-2.0 * 0.75 * 0.75, 1.0 * 0.75]);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub fn filter_values(model: &Snn, i: usize, j: usize, lags: &[f64]) -> Vec<f64> {
    let (n, kk) = (model.n_neurons(), model.n_basis());
    let wm = model.masked_weights_ikj();
    lags.iter()
        .map(|&lag| {
            (0..kk)
                .map(|k| wm[(i * kk + k) * n + j] * model.basis().value(k, lag))
                .sum()
        })
        .collect()
}

/// One panel per pair `(i, j)` (row `i` = target, column `j` = source) with `f_ij(Δ)` on
/// `points` lags over [`filter_lag_range`]; every panel has the same y range, so the panels
/// can be compared.
///
/// ```
/// let m = snn_model::SnnBuilder::new(2, 1).weights(vec![0.5; 2 * 9]).check()?;
/// let svg = diffsnn_cli::plot::filters_svg(&m, 100)?;
/// assert!(svg.contains("<svg") && svg.contains("2 → 1"));
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn filters_svg(model: &Snn, points: usize) -> Result<String> {
    check_points(points)?;
    let n = model.n_neurons();
    let (d0, d1) = filter_lag_range(model);
    let lags: Vec<f64> = (0..points)
        .map(|r| d0 + (d1 - d0) * r as f64 / (points - 1) as f64)
        .collect();
    let values: Vec<Vec<f64>> = (0..n * n)
        .map(|p| filter_values(model, p / n, p % n, &lags))
        .collect();
    let (y_lo, y_hi) = padded_range(values.iter().flatten().copied().chain([0.0]));
    let panel = (3600 / n.max(1)).clamp(60, 220) as u32;
    let size = (panel * n as u32 + 20, panel * n as u32 + 60);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let root = root
            .titled(
                "filters f_ij(lag), row i = target, column j = source",
                ("sans-serif", 20),
            )
            .map_err(plot_err)?;
        let panels = root.margin(0, 10, 10, 10).split_evenly((n, n));
        let small = panel < 120;
        for (p, area) in panels.iter().enumerate() {
            let (i, j) = (p / n, p % n);
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!("{j} → {i}"),
                    ("sans-serif", if small { 9 } else { 13 }),
                )
                .margin(4)
                .x_label_area_size(if small { 0 } else { 18 })
                .y_label_area_size(if small { 0 } else { 35 })
                .build_cartesian_2d(d0..d1, y_lo..y_hi)
                .map_err(plot_err)?;
            if !small {
                chart
                    .configure_mesh()
                    .x_labels(3)
                    .y_labels(3)
                    .label_style(("sans-serif", 9))
                    .draw()
                    .map_err(plot_err)?;
            }
            chart
                .draw_series(LineSeries::new([(d0, 0.0), (d1, 0.0)], BLACK.mix(0.3)))
                .map_err(plot_err)?;
            chart
                .draw_series(LineSeries::new(
                    lags.iter().copied().zip(values[p].iter().copied()),
                    color(j),
                ))
                .map_err(plot_err)?;
        }
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
