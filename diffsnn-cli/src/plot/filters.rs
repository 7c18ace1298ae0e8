//! The filters `f_ij(Δ) = Σ_k M_ij W_kij φ_k(Δ)` of a model: their values, their integrals and
//! the panel grid.

use plotters::prelude::*;
use snn_model::{Basis, Snn};

use super::axes::{X_LABEL_AREA, right_margin, tick_formatter, y_label_area};
use super::{check_neurons, check_points, color, neuron_label, padded_range, plot_err};
use crate::error::Result;

/// The largest number of neurons whose filters `diffsnn plot filters` draws as a panel grid
/// (`n²` panels); for more it draws one heat map of the integrals
/// ([`filters_heatmap_svg`](super::filters_heatmap_svg)).
///
/// ```
/// assert_eq!(diffsnn_cli::plot::MAX_FILTER_PANEL_NEURONS, 8); // 64 panels at most
/// ```
pub const MAX_FILTER_PANEL_NEURONS: usize = 8;

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
    (0.0, 6.0 * plot_lag_end(basis))
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

/// `∫₀^∞ φ_k(Δ) dΔ`, in closed form: `s ∫_a^1 ¾(1 − u²) du` with `a = max(−1, −c_k/s)` for an
/// Epanechnikov bump (`s` for a bump wholly at positive lags, `s/2` for one centred at 0), `τ_k`
/// for an exponential, `e τ_k` for an alpha function. A basis kind this version does not know
/// is integrated numerically (Simpson) over the lags the plots show, [`filter_lag_range`].
///
/// ```
/// use snn_model::Basis;
/// use diffsnn_cli::plot::basis_integral;
/// let b = Basis::epanechnikov_default(2); // centres {0, 10}, scale 1
/// assert_eq!((basis_integral(&b, 0), basis_integral(&b, 1)), (0.5, 1.0));
/// assert_eq!(basis_integral(&Basis::Exponential { time_constants: vec![2.0] }, 0), 2.0);
/// let alpha = basis_integral(&Basis::Alpha { time_constants: vec![2.0] }, 0);
/// assert!((alpha - 2.0 * std::f64::consts::E).abs() < 1e-15);
/// ```
pub fn basis_integral(basis: &Basis, k: usize) -> f64 {
    match basis {
        Basis::Epanechnikov { centers, scale } => {
            let a = (-centers[k] / scale).clamp(-1.0, 1.0);
            scale * (0.5 - 0.75 * (a - a * a * a / 3.0))
        }
        Basis::Exponential { time_constants } => time_constants[k],
        Basis::Alpha { time_constants } => std::f64::consts::E * time_constants[k],
        _ => {
            let (lo, hi) = basis.lag_interval(k);
            let hi = if hi.is_finite() {
                hi
            } else {
                6.0 * plot_lag_end(basis)
            };
            simpson(|x| basis.value(k, x), lo, hi, 20_000)
        }
    }
}

/// Composite Simpson's rule with `intervals` (even) sub-intervals; the left end is taken just
/// above `lo`, since every basis function is 0 at lag 0 but not just after it.
fn simpson(f: impl Fn(f64) -> f64, lo: f64, hi: f64, intervals: usize) -> f64 {
    if hi <= lo {
        return 0.0;
    }
    let h = (hi - lo) / intervals as f64;
    let at = |r: usize| {
        if r == 0 {
            f(lo.next_up())
        } else {
            f(lo + h * r as f64)
        }
    };
    let inner: f64 = (1..intervals)
        .map(|r| if r % 2 == 1 { 4.0 } else { 2.0 } * at(r))
        .sum();
    h / 3.0 * (at(0) + inner + at(intervals))
}

/// A sixth of [`filter_lag_range`]'s end (the largest time constant for exponential and alpha
/// kernels).
fn plot_lag_end(basis: &Basis) -> f64 {
    match basis {
        Basis::Exponential { time_constants } | Basis::Alpha { time_constants } => {
            time_constants.iter().copied().fold(0.0, f64::max)
        }
        _ => 10.0 / 6.0,
    }
}

/// The integrals `∫₀^∞ f_ij(Δ) dΔ = Σ_k M_ij W_kij ∫ φ_k` of every filter (the net effect of one
/// spike of `j` on the potential of `i`, summed over lags), row-major: `[i * n + j]` for target
/// `i` and source `j`.
///
/// ```
/// // Weights [k][i][j]; Epanechnikov centres {0, 10}, scale 1: ∫φ_0 = 0.5, ∫φ_1 = 1.
/// let m = snn_model::SnnBuilder::new(2, 0)
///     .weights(vec![-2.0, 1.0, 0.0, -2.0, /* k = 1 */ 0.5, 0.0, 4.0, 0.0])
///     .check()?;
/// assert_eq!(diffsnn_cli::plot::filter_integrals(&m), vec![-0.5, 0.5, 4.0, -1.0]);
/// # Ok::<(), snn_model::SnnError>(())
/// ```
pub fn filter_integrals(model: &Snn) -> Vec<f64> {
    let (n, kk) = (model.n_neurons(), model.n_basis());
    let basis: Vec<f64> = (0..kk).map(|k| basis_integral(model.basis(), k)).collect();
    let wm = model.masked_weights_ikj();
    (0..n * n)
        .map(|p| {
            let (i, j) = (p / n, p % n);
            (0..kk).map(|k| wm[(i * kk + k) * n + j] * basis[k]).sum()
        })
        .collect()
}

/// One panel per pair `(i, j)` of the neurons in `neurons` (all if empty; row `i` = target,
/// column `j` = source, in the order given) with `f_ij(Δ)` on `points` lags over
/// [`filter_lag_range`]; every panel has the same y range, so the panels can be compared.
/// Hidden neurons are written `h<i>`. Meant for a few neurons (`diffsnn plot filters` draws at
/// most [`MAX_FILTER_PANEL_NEURONS`] this way); an unknown or repeated neuron is an error
/// naming `--neurons`.
///
/// ```
/// let m = snn_model::SnnBuilder::new(2, 1).weights(vec![0.5; 2 * 9]).check()?;
/// let svg = diffsnn_cli::plot::filters_svg(&m, &[], 100)?;
/// assert!(svg.contains("h2 → 1") && svg.contains("lag (s)"));
/// let two = diffsnn_cli::plot::filters_svg(&m, &[0, 2], 100)?;
/// assert!(two.contains("h2 → 0") && !two.contains("1 → 0"));
/// assert!(diffsnn_cli::plot::filters_svg(&m, &[3], 100).is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn filters_svg(model: &Snn, neurons: &[usize], points: usize) -> Result<String> {
    check_points(points)?;
    let chosen = check_neurons(neurons, model.n_neurons())?;
    let m = chosen.len();
    let (d0, d1) = filter_lag_range(model);
    let lags: Vec<f64> = (0..points)
        .map(|r| d0 + (d1 - d0) * r as f64 / (points - 1) as f64)
        .collect();
    let values: Vec<Vec<f64>> = (0..m * m)
        .map(|p| filter_values(model, chosen[p / m], chosen[p % m], &lags))
        .collect();
    let (y_lo, y_hi) = padded_range(values.iter().flatten().copied().chain([0.0]));
    let labels = 5;
    let panel = 260u32;
    let size = (panel * m as u32 + 20, panel * m as u32 + 60);
    let x_fmt = tick_formatter(d0, d1);
    let y_fmt = tick_formatter(y_lo, y_hi);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let hidden_note = if chosen.iter().any(|&i| i >= model.n_obs()) {
            " (h: hidden)"
        } else {
            ""
        };
        let root = root
            .titled(
                &format!("filters f_ij(lag), row i = target, column j = source{hidden_note}"),
                ("sans-serif", 20),
            )
            .map_err(plot_err)?;
        let panels = root.margin(0, 10, 10, 10).split_evenly((m, m));
        for (p, area) in panels.iter().enumerate() {
            let (i, j) = (chosen[p / m], chosen[p % m]);
            let caption = format!("{} → {}", neuron_label(model, j), neuron_label(model, i));
            let mut chart = ChartBuilder::on(area)
                .caption(caption, ("sans-serif", 14))
                .margin(4)
                .margin_right(right_margin(d0, d1, labels))
                .x_label_area_size(X_LABEL_AREA - 5)
                .y_label_area_size(y_label_area(y_lo, y_hi, labels) - 14)
                .build_cartesian_2d(d0..d1, y_lo..y_hi)
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_labels(labels)
                .y_labels(labels)
                .x_label_formatter(&x_fmt)
                .y_label_formatter(&y_fmt)
                .x_desc("lag (s)")
                .draw()
                .map_err(plot_err)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use snn_model::SnnBuilder;

    /// Weights that differ per entry (some negative), no randomness.
    fn weights(len: usize) -> Vec<f64> {
        (0..len)
            .map(|x| ((x * 7 + 3) % 11) as f64 / 2.0 - 2.5)
            .collect()
    }

    /// `∫₀^L f_ij` by Simpson's rule on `filter_values`, split at the basis' kinks (the
    /// Epanechnikov filters are quadratic between them, where Simpson is exact).
    fn numerical_integral(model: &Snn, i: usize, j: usize, end: f64, intervals: usize) -> f64 {
        let mut cuts = vec![0.0];
        cuts.extend(model.basis().kink_lags().into_iter().filter(|&l| l < end));
        cuts.push(end);
        cuts.windows(2)
            .map(|w| {
                simpson(
                    |x| filter_values(model, i, j, &[x])[0],
                    w[0],
                    w[1],
                    intervals,
                )
            })
            .sum()
    }

    fn check_against_numerical(model: &Snn, end: f64, intervals: usize, tol: f64) {
        let n = model.n_neurons();
        let exact = filter_integrals(model);
        let mut nonzero = 0;
        for i in 0..n {
            for j in 0..n {
                let num = numerical_integral(model, i, j, end, intervals);
                let e = exact[i * n + j];
                assert!(
                    (e - num).abs() <= tol * (1.0 + num.abs()),
                    "{:?}: ∫f_{i}{j} = {e}, numerically {num}",
                    model.basis()
                );
                nonzero += usize::from(e != 0.0);
            }
        }
        assert!(nonzero > n * n / 2, "the check compared mostly zeros");
    }

    #[test]
    fn epanechnikov_integrals_match_simpson_on_the_filters() {
        // The default bumps (one cut in half at lag 0), bumps partly below lag 0, and a bump
        // wholly at positive lags; with a connection mask (masked filters integrate to 0).
        for basis in [
            Basis::epanechnikov_default(2),
            Basis::Epanechnikov {
                centers: vec![0.4, 3.0, -0.5],
                scale: 1.5,
            },
            Basis::Epanechnikov {
                centers: vec![2.0],
                scale: 0.25,
            },
        ] {
            let k = basis.len();
            let end = basis.support();
            let mask: Vec<bool> = (0..9).map(|p| p != 5).collect();
            let m = SnnBuilder::new(2, 1)
                .basis(basis)
                .weights(weights(k * 9))
                .connection(mask)
                .check()
                .unwrap();
            check_against_numerical(&m, end, 64, 1e-12);
            assert_eq!(filter_integrals(&m)[5], 0.0);
        }
    }

    #[test]
    fn exponential_and_alpha_integrals_match_simpson_on_the_filters() {
        for basis in [
            Basis::Exponential {
                time_constants: vec![0.5, 2.0],
            },
            Basis::Alpha {
                time_constants: vec![1.0, 3.0],
            },
        ] {
            let k = basis.len();
            let m = SnnBuilder::new(3, 0)
                .basis(basis)
                .weights(weights(k * 9))
                .check()
                .unwrap();
            // 80 time constants: the tail beyond is below e^-70 of the peak.
            check_against_numerical(&m, 240.0, 200_000, 1e-9);
        }
    }

    #[test]
    fn a_wrong_integral_would_be_caught() {
        // The oracle is sensitive: the filter of a half bump is not the integral of a whole one.
        let m = SnnBuilder::new(1, 0)
            .weights(vec![1.0, 0.0])
            .check()
            .unwrap();
        let num = numerical_integral(&m, 0, 0, 11.0, 64);
        assert!((num - 0.5).abs() < 1e-12, "{num}");
        assert!((num - 1.0).abs() > 0.1);
    }
}
