//! Axis labels shared by the plots: numbers written with only the digits they need ("10", not
//! "10.0"), and label areas and margins wide enough for the labels that will be drawn.

use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;

/// Plotters' default number of labels per axis (`MeshStyle`).
pub(crate) const DEFAULT_LABELS: usize = 11;

/// A generous width of one character of the default 12-point label font, in pixels (the SVG
/// backend writes it at 9.7 px; digits are about 0.55 em wide).
const CHAR_PX: u32 = 7;

/// `v` with `decimals` decimals, trailing zeros (and a trailing point) removed, and `-0` written
/// as `0`.
///
/// ```text
/// number_label(10.0, 3) == "10"; number_label(2.5, 3) == "2.5"; number_label(-0.0001, 2) == "0"
/// ```
pub(crate) fn number_label(v: f64, decimals: usize) -> String {
    let mut s = format!("{v:.decimals$}");
    if s.contains('.') {
        let trimmed = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(trimmed);
    }
    if s == "-0" { "0".to_string() } else { s }
}

/// The decimals that tick labels on `[lo, hi]` need: ticks are multiples of 1, 2 or 5 × 10^e
/// with at least `span / 10` between them, so three decimals below the span's order of
/// magnitude always suffice (the zeros the ticks do not need are trimmed by [`number_label`]).
pub(crate) fn tick_decimals(lo: f64, hi: f64) -> usize {
    let span = (hi - lo).abs();
    if !(span.is_finite() && span > 0.0) {
        return 3;
    }
    (3 - span.log10().floor() as i32).clamp(0, 15) as usize
}

/// The label formatter of an axis over `[lo, hi]`.
pub(crate) fn tick_formatter(lo: f64, hi: f64) -> impl Fn(&f64) -> String {
    let decimals = tick_decimals(lo, hi);
    move |v: &f64| number_label(*v, decimals)
}

/// The labels plotters draws on an axis over `[lo, hi]` with at most `n` labels.
pub(crate) fn tick_labels(lo: f64, hi: f64, n: usize) -> Vec<String> {
    let f = tick_formatter(lo, hi);
    RangedCoordf64::from(lo..hi)
        .key_points(n)
        .iter()
        .map(&f)
        .collect()
}

/// Width in pixels of `text` in the default label font (an over-estimate).
pub(crate) fn text_px(text: &str) -> u32 {
    CHAR_PX * text.chars().count() as u32
}

/// The width of a y label area holding the labels of `[lo, hi]` (at most `n`) and a rotated
/// axis description: the widest label, the tick marks and the description's line.
pub(crate) fn y_label_area(lo: f64, hi: f64, n: usize) -> u32 {
    let widest = tick_labels(lo, hi, n)
        .iter()
        .map(|s| text_px(s))
        .max()
        .unwrap_or(0);
    widest + 34
}

/// A right margin wide enough for half of the last x label (labels are centred on their tick,
/// and the last tick may sit on the right edge of the plotting area).
pub(crate) fn right_margin(lo: f64, hi: f64, n: usize) -> u32 {
    let last = tick_labels(lo, hi, n)
        .last()
        .map(|s| text_px(s))
        .unwrap_or(0);
    (last / 2 + 8).max(15)
}

/// The x label area: the labels' line, a gap and the axis description's line.
pub(crate) const X_LABEL_AREA: u32 = 45;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_carry_only_the_digits_they_need() {
        assert_eq!(number_label(10.0, 3), "10");
        assert_eq!(number_label(0.0, 3), "0");
        assert_eq!(number_label(-0.0, 3), "0");
        assert_eq!(number_label(-1e-9, 3), "0");
        assert_eq!(number_label(2.5, 3), "2.5");
        assert_eq!(number_label(0.1 + 0.2, 4), "0.3");
        assert_eq!(number_label(-3.25, 1), "-3.2");
        assert_eq!(number_label(1200.0, 0), "1200");
        assert_eq!(number_label(100.0, 0), "100");
    }

    #[test]
    fn integer_axes_get_integer_labels() {
        for (lo, hi) in [(0.0, 20.0), (0.0, 11.0), (-0.5, 99.5), (0.0, 1000.0)] {
            let labels = tick_labels(lo, hi, DEFAULT_LABELS);
            assert!(labels.len() >= 3, "{labels:?}");
            assert!(labels.iter().all(|l| !l.contains('.')), "{labels:?}");
        }
        assert_eq!(tick_labels(0.0, 20.0, 11)[5], "10");
        // Half steps: the whole numbers among them still without ".0".
        let l = tick_labels(-0.15, 3.15, DEFAULT_LABELS);
        assert_eq!(l, ["0", "0.5", "1", "1.5", "2", "2.5", "3"]);
        // Fractional ticks keep their digits, no more.
        let l = tick_labels(0.0, 1.0, 6);
        assert_eq!(l, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        let l = tick_labels(0.0, 0.003, 4);
        assert_eq!(l, ["0", "0.001", "0.002", "0.003"]);
    }

    #[test]
    fn label_areas_grow_with_the_labels() {
        assert!(y_label_area(0.0, 1e6, 11) > y_label_area(0.0, 1.0, 11));
        assert_eq!(y_label_area(0.0, 5.0, 11), text_px("4.5") + 34);
        assert!(right_margin(0.0, 12345.0, 11) >= text_px("12000") / 2);
    }
}
