//! One heat map of the filter integrals `∫ f_ij(Δ) dΔ`, for networks too large for a panel
//! per pair: `n²` coloured cells on a diverging scale, a colour bar and neuron labels.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use snn_model::Snn;

use super::axes::{number_label, text_px, tick_decimals};
use super::{check_neurons, filter_integrals, neuron_label, plot_err};
use crate::error::Result;

/// The colour of the most negative value of a [`diverging_color`] scale (blue, ColorBrewer's
/// RdBu end).
///
/// ```
/// assert_eq!(diffsnn_cli::plot::diverging_color(-1.0, 1.0), diffsnn_cli::plot::NEGATIVE_END);
/// ```
pub const NEGATIVE_END: (u8, u8, u8) = (33, 102, 172);

/// The colour of the most positive value of a [`diverging_color`] scale (red, ColorBrewer's
/// RdBu end).
///
/// ```
/// assert_eq!(diffsnn_cli::plot::diverging_color(2.0, 2.0), diffsnn_cli::plot::POSITIVE_END);
/// ```
pub const POSITIVE_END: (u8, u8, u8) = (178, 24, 43);

/// The number of bands of the heat map's colour bar (odd, so that the middle band is 0 and
/// white, and the end bands are `±max` in the end colours); each is one SVG `<rect>`.
///
/// ```
/// assert_eq!(diffsnn_cli::plot::HEATMAP_BAR_STEPS % 2, 1);
/// ```
pub const HEATMAP_BAR_STEPS: usize = 65;

/// The colour of `v` on a diverging scale symmetric about 0: white at 0, blending linearly
/// (per RGB channel) to [`NEGATIVE_END`] at `−vmax` and to [`POSITIVE_END`] at `+vmax`; values
/// beyond `±vmax` take the end colours. NaN (or `vmax` not positive and finite) is grey.
///
/// ```
/// use diffsnn_cli::plot::{diverging_color, NEGATIVE_END, POSITIVE_END};
/// assert_eq!(diverging_color(0.0, 3.0), (255, 255, 255));
/// assert_eq!(diverging_color(3.0, 3.0), POSITIVE_END);
/// assert_eq!(diverging_color(-7.0, 3.0), NEGATIVE_END); // clipped
/// assert_eq!(diverging_color(1.5, 3.0), (217, 140, 149)); // half way to red
/// ```
pub fn diverging_color(v: f64, vmax: f64) -> (u8, u8, u8) {
    if v.is_nan() || !(vmax.is_finite() && vmax > 0.0) {
        return (128, 128, 128);
    }
    let t = (v / vmax).clamp(-1.0, 1.0);
    let (r, g, b) = if t < 0.0 { NEGATIVE_END } else { POSITIVE_END };
    let mix = |end: u8| (255.0 + t.abs() * (f64::from(end) - 255.0)).round() as u8;
    (mix(r), mix(g), mix(b))
}

/// The largest `|v|`, or 1 if every value is 0 (then every cell is white).
fn scale_max(values: &[f64]) -> f64 {
    let m = values
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, |m, v| m.max(v.abs()));
    if m > 0.0 { m } else { 1.0 }
}

/// The smallest of 1, 2, 5, 10, 20, 50, … neurons between labels that leaves `need` pixels per
/// label on cells `cell` pixels wide.
fn label_step(cell: i32, need: i32) -> usize {
    let mut base = 1;
    loop {
        for s in [base, 2 * base, 5 * base] {
            if s as i32 * cell >= need {
                return s;
            }
        }
        base *= 10;
    }
}

/// Width in pixels of `text` at `size` points (the default labels are 12 points).
fn text_px_at(text: &str, size: u32) -> i32 {
    (text_px(text) * size).div_ceil(12) as i32
}

/// One heat map of the filter integrals [`filter_integrals`] of the neurons in `neurons` (all
/// if empty, in the order given): row = target `i`, column = source `j`, one SVG `<rect>` per
/// cell (row by row), coloured by [`diverging_color`] on `±max |∫ f_ij|` over the cells drawn,
/// with a colour bar of [`HEATMAP_BAR_STEPS`] bands labelled `−max, −max/2, 0, max/2, max`.
/// Hidden neurons are labelled `h<i>` and set off from the observed ones by a line. Cells are
/// 4 to 48 pixels wide, so 100 neurons take 600 × 600 pixels; labels are thinned to fit.
/// An unknown or repeated neuron is an error naming `--neurons`.
///
/// ```
/// // 2 observed + 1 hidden neurons; K = 2 Epanechnikov bumps (∫φ = 0.5 and 1).
/// let m = snn_model::SnnBuilder::new(2, 1).weights((0..18).map(|x| x as f64 - 9.0).collect()).check()?;
/// let svg = diffsnn_cli::plot::filters_heatmap_svg(&m, &[])?;
/// let rects = svg.matches("<rect").count();
/// assert_eq!(rects, 1 + 9 + diffsnn_cli::plot::HEATMAP_BAR_STEPS); // background, cells, bar
/// assert!(svg.contains(">\nh2\n<")); // the hidden neuron's label
/// assert!(diffsnn_cli::plot::filters_heatmap_svg(&m, &[0, 4]).is_err());
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn filters_heatmap_svg(model: &Snn, neurons: &[usize]) -> Result<String> {
    let n = model.n_neurons();
    let chosen = check_neurons(neurons, n)?;
    let m = chosen.len();
    let all = filter_integrals(model);
    let cells: Vec<f64> = (0..m * m)
        .map(|p| all[chosen[p / m] * n + chosen[p % m]])
        .collect();
    let vmax = scale_max(&cells);
    let hidden = |i: usize| i >= model.n_obs();

    // Geometry, in pixels.
    let cell = (640 / m as i32).clamp(4, 48);
    let grid = cell * m as i32;
    let labels: Vec<String> = chosen.iter().map(|&i| neuron_label(model, i)).collect();
    let label_w = labels.iter().map(|s| text_px_at(s, 12)).max().unwrap_or(0);
    let row_step = label_step(cell, 14);
    let col_step = label_step(cell, label_w + 6);
    let title = "filter integrals ∫ f_ij(Δ) dΔ: row i = target, column j = source";
    let bar_title = "∫ f_ij dΔ (potential × s)";
    let note = if chosen.iter().any(|&i| hidden(i)) {
        "h<i>: hidden neuron i (lines separate observed and hidden neurons); white = 0"
    } else {
        "white = 0; the scale is symmetric about 0"
    };
    let decimals = tick_decimals(-vmax, vmax);
    let bar_marks: Vec<(usize, String)> = [0, 1, 2, 3, 4]
        .iter()
        .map(|&q| {
            let k = q * (HEATMAP_BAR_STEPS - 1) / 4;
            (k, number_label(bar_value(k, vmax), decimals))
        })
        .collect();
    let bar_label_w = bar_marks
        .iter()
        .map(|(_, s)| text_px_at(s, 12))
        .max()
        .unwrap_or(0);
    let left = 10 + 18 + 10 + label_w + 6;
    let top = 60;
    let bar_h = grid.max(200);
    let bar_x = left + grid + 30;
    let bar_w = 18;
    let bottom = 6 + 14 + 10 + 16 + 10 + 16 + 10;
    let width = [
        bar_x + (bar_w + 8 + bar_label_w).max(text_px_at(bar_title, 13)) + 15,
        text_px_at(title, 18) + 20,
        left + text_px_at(note, 12) + 15,
    ]
    .into_iter()
    .max()
    .unwrap_or(0);
    let height = top + bar_h + bottom;

    let font = |size: u32, h: HPos, v: VPos| {
        ("sans-serif", size)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(h, v))
    };
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (width as u32, height as u32)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        root.draw_text(title, &font(18, HPos::Center, VPos::Top), (width / 2, 12))
            .map_err(plot_err)?;
        // The cells, row by row.
        for (p, &v) in cells.iter().enumerate() {
            let (r, c) = ((p / m) as i32, (p % m) as i32);
            let (x, y) = (left + c * cell, top + r * cell);
            let (cr, cg, cb) = diverging_color(v, vmax);
            root.draw(&Rectangle::new(
                [(x, y), (x + cell, y + cell)],
                RGBColor(cr, cg, cb).filled(),
            ))
            .map_err(plot_err)?;
        }
        // The frame and the observed | hidden boundaries.
        let (x1, y1) = (left + grid, top + grid);
        root.draw(&PathElement::new(
            vec![(left, top), (x1, top), (x1, y1), (left, y1), (left, top)],
            BLACK.mix(0.5),
        ))
        .map_err(plot_err)?;
        for p in 1..m {
            if hidden(chosen[p]) != hidden(chosen[p - 1]) {
                let at = p as i32 * cell;
                let line = BLACK.stroke_width(2);
                root.draw(&PathElement::new(
                    vec![(left - 4, top + at), (x1 + 4, top + at)],
                    line,
                ))
                .map_err(plot_err)?;
                root.draw(&PathElement::new(
                    vec![(left + at, top - 4), (left + at, y1 + 4)],
                    line,
                ))
                .map_err(plot_err)?;
            }
        }
        // Neuron labels and axis descriptions.
        for p in (0..m).step_by(row_step) {
            let y = top + p as i32 * cell + cell / 2;
            root.draw_text(
                &labels[p],
                &font(12, HPos::Right, VPos::Center),
                (left - 6, y),
            )
            .map_err(plot_err)?;
        }
        for p in (0..m).step_by(col_step) {
            let x = left + p as i32 * cell + cell / 2;
            root.draw_text(&labels[p], &font(12, HPos::Center, VPos::Top), (x, y1 + 6))
                .map_err(plot_err)?;
        }
        root.draw_text(
            "source neuron j",
            &font(13, HPos::Center, VPos::Top),
            (left + grid / 2, y1 + 6 + 14 + 10),
        )
        .map_err(plot_err)?;
        root.draw_text(
            "target neuron i",
            &("sans-serif", 13)
                .into_font()
                .transform(FontTransform::Rotate270)
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
            (10, top + grid / 2),
        )
        .map_err(plot_err)?;
        root.draw_text(
            note,
            &font(12, HPos::Left, VPos::Top),
            (left, y1 + 6 + 14 + 10 + 16 + 10),
        )
        .map_err(plot_err)?;
        // The colour bar: band k holds bar_value(k), from +max at the top to −max at the bottom.
        let band = |k: usize| top + (k as i32 * bar_h) / HEATMAP_BAR_STEPS as i32;
        for k in 0..HEATMAP_BAR_STEPS {
            let (cr, cg, cb) = diverging_color(bar_value(k, vmax), vmax);
            root.draw(&Rectangle::new(
                [(bar_x, band(k)), (bar_x + bar_w, band(k + 1))],
                RGBColor(cr, cg, cb).filled(),
            ))
            .map_err(plot_err)?;
        }
        root.draw_text(
            bar_title,
            &font(13, HPos::Left, VPos::Bottom),
            (bar_x, top - 8),
        )
        .map_err(plot_err)?;
        for (k, label) in &bar_marks {
            let y = (band(*k) + band(k + 1)) / 2;
            root.draw(&PathElement::new(
                vec![(bar_x + bar_w, y), (bar_x + bar_w + 4, y)],
                BLACK,
            ))
            .map_err(plot_err)?;
            root.draw_text(
                label,
                &font(12, HPos::Left, VPos::Center),
                (bar_x + bar_w + 8, y),
            )
            .map_err(plot_err)?;
        }
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The value of band `k` of the colour bar: `vmax (1 − 2k/(STEPS − 1))`, exactly 0 in the
/// middle band.
fn bar_value(k: usize, vmax: f64) -> f64 {
    let half = (HEATMAP_BAR_STEPS - 1) / 2;
    vmax * (half as f64 - k as f64) / half as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_colour_map_is_white_at_zero_and_ends_at_plus_minus_max() {
        for vmax in [1e-6, 1.0, 37.5] {
            assert_eq!(diverging_color(0.0, vmax), (255, 255, 255));
            assert_eq!(diverging_color(-0.0, vmax), (255, 255, 255));
            assert_eq!(diverging_color(vmax, vmax), POSITIVE_END);
            assert_eq!(diverging_color(-vmax, vmax), NEGATIVE_END);
            assert_eq!(diverging_color(10.0 * vmax, vmax), POSITIVE_END);
            assert_eq!(diverging_color(-10.0 * vmax, vmax), NEGATIVE_END);
        }
        assert_eq!(diverging_color(f64::NAN, 1.0), (128, 128, 128));
        assert_eq!(diverging_color(1.0, 0.0), (128, 128, 128));
    }

    #[test]
    fn the_colour_map_is_monotone_and_signed() {
        // Towards red: green and blue fall, red stays ≥ the end's; towards blue: red falls.
        let mut last = (255u8, 255u8, 255u8);
        for q in 1..=20 {
            let c = diverging_color(q as f64 / 20.0, 1.0);
            assert!(
                c.1 <= last.1 && c.2 <= last.2 && c != last,
                "{c:?} after {last:?}"
            );
            last = c;
        }
        let mut last = (255u8, 255u8, 255u8);
        for q in 1..=20 {
            let c = diverging_color(-q as f64 / 20.0, 1.0);
            assert!(
                c.0 <= last.0 && c.1 <= last.1 && c != last,
                "{c:?} after {last:?}"
            );
            last = c;
        }
        // Symmetric in magnitude: ±v are equally far from white.
        let dist = |c: (u8, u8, u8)| {
            let d = |x: u8| 255.0 - f64::from(x);
            d(c.0) + d(c.1) + d(c.2)
        };
        let (p, n) = (diverging_color(0.5, 1.0), diverging_color(-0.5, 1.0));
        let (pe, ne) = (dist(POSITIVE_END), dist(NEGATIVE_END));
        assert!((dist(p) / pe - 0.5).abs() < 0.01 && (dist(n) / ne - 0.5).abs() < 0.01);
    }

    #[test]
    fn the_colour_bar_runs_from_plus_to_minus_max_through_zero() {
        let last = HEATMAP_BAR_STEPS - 1;
        assert_eq!(bar_value(0, 2.5), 2.5);
        assert_eq!(bar_value(last / 2, 2.5), 0.0);
        assert_eq!(bar_value(last, 2.5), -2.5);
        assert_eq!(scale_max(&[0.0, -3.0, 2.0]), 3.0);
        assert_eq!(scale_max(&[0.0, 0.0]), 1.0);
    }

    #[test]
    fn labels_are_thinned_to_fit_the_cells() {
        assert_eq!(label_step(48, 14), 1);
        assert_eq!(label_step(6, 14), 5);
        assert_eq!(label_step(6, 27), 5);
        assert_eq!(label_step(4, 27), 10);
        assert_eq!(label_step(1, 150), 200);
    }
}
