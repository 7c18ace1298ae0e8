//! One SVG picture per experiment, drawn with `plotters`' SVG backend (no system fonts:
//! text is written as SVG `<text>` elements). Each function returns the document as a string.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{BenchError, Result};
use crate::exp1::Exp1Result;
use crate::exp2::Exp2Result;
use crate::exp3::Exp3Result;

const SIZE: (u32, u32) = (800, 520);
const BLUE: RGBColor = RGBColor(31, 119, 180);
const ORANGE: RGBColor = RGBColor(255, 127, 14);
const GREY: RGBColor = RGBColor(110, 110, 110);

fn err(name: &str) -> impl Fn(&dyn std::fmt::Display) -> BenchError + '_ {
    move |e| BenchError::Plot {
        name: name.to_string(),
        reason: e.to_string(),
    }
}

/// `[lo, hi]` of the finite values, padded by 5 % and never empty.
fn range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}

fn white(root: &DrawingArea<SVGBackend<'_>, Shift>, name: &str) -> Result<()> {
    root.fill(&WHITE).map_err(|e| err(name)(&e))
}

/// Experiment 1: each coordinate's standard deviation over the draws (log scale), one series
/// per estimator and compensator, with the means in the legend.
///
/// ```
/// let c = bench_suite::Exp1Config { draws: 3, n_train: 1, mc_points: 20, instances: 1 };
/// let r = bench_suite::exp1::run(&c, 7, &indicatif::ProgressBar::hidden())?;
/// assert!(bench_suite::plots::exp1_svg(&r)?.contains("<svg"));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn exp1_svg(r: &Exp1Result) -> Result<String> {
    let name = "exp1_gradient_std.svg";
    let e = err(name);
    let series = [
        ("path-wise, MC", &r.fixed.pathwise_mc, BLUE, true),
        ("score function, MC", &r.fixed.score_mc, ORANGE, true),
        (
            "path-wise, quadrature",
            &r.fixed.pathwise_quadrature,
            BLUE,
            false,
        ),
        (
            "score function, quadrature",
            &r.fixed.score_quadrature,
            ORANGE,
            false,
        ),
    ];
    let positive = || {
        series
            .iter()
            .flat_map(|s| s.1.per_coordinate.iter().copied())
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let lo = positive().fold(f64::INFINITY, f64::min);
    let hi = positive().fold(0.0, f64::max);
    let (lo, hi) = if lo.is_finite() && hi > 0.0 {
        (lo / 2.0, hi * 2.0)
    } else {
        (0.1, 10.0)
    };
    let n = r.n_params as f64;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        white(&root, name)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "gradient std per coordinate over {} draws (sum over {} sequences)",
                    r.draws, r.n_train
                ),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(-1.0..n, (lo..hi).log_scale())
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("coordinate (6 biases, then weights [k][i][j])")
            .y_desc("standard deviation")
            .draw()
            .map_err(|x| e(&x))?;
        for (label, s, c, filled) in series {
            let pts: Vec<(f64, f64)> = s
                .per_coordinate
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite() && **v > 0.0)
                .map(|(i, v)| (i as f64, *v))
                .collect();
            let style = if filled {
                c.filled()
            } else {
                c.stroke_width(1)
            };
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 3, style)))
                .map_err(|x| e(&x))?
                .label(format!("{label}: mean {:.4}", s.mean_std))
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, style));
            let m = s.mean_std;
            if m.is_finite() && m > 0.0 {
                chart
                    .draw_series(LineSeries::new([(-1.0, m), (n, m)], c.stroke_width(1)))
                    .map_err(|x| e(&x))?;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
    }
    Ok(svg)
}

/// Experiment 2: the test negative ELBO (thick lines, dots) and the particle filter's test
/// negative log-likelihood (thin lines, triangles), mean ± standard error over trials, against
/// the number of training sequences, per estimator and for the data model.
///
/// ```
/// let c = bench_suite::Exp2Config { n_train: vec![1, 2], trials: 2, epochs: 1, n_test: 1,
///     eval_samples: 2, eval_mc_points: 50, mc_points: 50, smc_particles: 4, smc_runs: 2 };
/// let r = bench_suite::exp2::run(&c, 5, &indicatif::ProgressBar::hidden())?;
/// assert!(bench_suite::plots::exp2_svg(&r)?.contains("<svg"));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn exp2_svg(r: &Exp2Result) -> Result<String> {
    let name = "exp2_test_loss.svg";
    let e = err(name);
    let (x_lo, x_hi) = range(r.points.iter().map(|p| p.n_train as f64));
    let (y_lo, y_hi) = range(r.points.iter().flat_map(|p| {
        [
            &p.pathwise,
            &p.score,
            &p.truth,
            &p.pathwise_smc,
            &p.score_smc,
            &p.true_smc,
        ]
        .into_iter()
        .flat_map(|m| [m.mean - m.se.max(0.0), m.mean + m.se.max(0.0)])
    }));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        white(&root, name)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!(
                    "test −ELBO (thick) and particle filter −log p̂(O) (thin), {} trials, {} epochs",
                    r.trials, r.epochs
                ),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(80)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("number of training sequences")
            .y_desc("per test sequence (lower is better)")
            .draw()
            .map_err(|x| e(&x))?;
        type Get = fn(&crate::exp2::Exp2Point) -> crate::stats::MeanSe;
        let series: [(&str, RGBColor, Get, u32); 6] = [
            ("path-wise (∂SNN), −ELBO", BLUE, |p| p.pathwise, 2),
            ("score function, −ELBO", ORANGE, |p| p.score, 2),
            ("data model (true), −ELBO", GREY, |p| p.truth, 2),
            ("path-wise, filter", BLUE, |p| p.pathwise_smc, 1),
            ("score function, filter", ORANGE, |p| p.score_smc, 1),
            ("data model, filter", GREY, |p| p.true_smc, 1),
        ];
        for (label, c, get, width) in series {
            let pts: Vec<(f64, f64, f64)> = r
                .points
                .iter()
                .map(|p| {
                    let m = get(p);
                    (p.n_train as f64, m.mean, m.se)
                })
                .filter(|(_, m, _)| m.is_finite())
                .collect();
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.0, p.1)),
                    c.stroke_width(width),
                ))
                .map_err(|x| e(&x))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], c.stroke_width(width))
                });
            if width > 1 {
                chart
                    .draw_series(pts.iter().map(|p| Circle::new((p.0, p.1), 4, c.filled())))
                    .map_err(|x| e(&x))?;
            } else {
                chart
                    .draw_series(
                        pts.iter()
                            .map(|p| TriangleMarker::new((p.0, p.1), 5, c.filled())),
                    )
                    .map_err(|x| e(&x))?;
            }
            chart
                .draw_series(pts.iter().filter(|p| p.2.is_finite()).map(|p| {
                    PathElement::new([(p.0, p.1 - p.2), (p.0, p.1 + p.2)], c.stroke_width(width))
                }))
                .map_err(|x| e(&x))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
    }
    Ok(svg)
}

/// Experiment 3: seconds per training epoch against the amplitude `a`, per estimator (Monte
/// Carlo compensator; quadrature dashed when timed).
///
/// ```
/// let c = bench_suite::Exp3Config { amplitudes: vec![1.0, 2.0], epochs: 1, quadrature_epochs: 0,
///     n_train: 1, mc_points: 20 };
/// let r = bench_suite::exp3::run(&c, 7, &indicatif::ProgressBar::hidden())?;
/// assert!(bench_suite::plots::exp3_svg(&r)?.contains("<svg"));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn exp3_svg(r: &Exp3Result) -> Result<String> {
    let name = "exp3_epoch_time.svg";
    let e = err(name);
    let (x_lo, x_hi) = range(r.points.iter().map(|p| p.amplitude));
    let (_, y_hi) = range(r.points.iter().flat_map(|p| {
        [
            Some(p.pathwise_s),
            Some(p.score_s),
            p.pathwise_quadrature_s,
            p.score_quadrature_s,
        ]
        .into_iter()
        .flatten()
    }));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        white(&root, name)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "per-epoch training time (10 sequences, T = 50)",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(x_lo..x_hi, 0.0..y_hi)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("amplitude a of the trained model")
            .y_desc("seconds per epoch")
            .draw()
            .map_err(|x| e(&x))?;
        type Get = fn(&crate::exp3::Exp3Point) -> Option<f64>;
        let series: [(&str, RGBColor, bool, Get); 4] = [
            ("path-wise, MC", BLUE, true, |p| Some(p.pathwise_s)),
            ("score function, MC", ORANGE, true, |p| Some(p.score_s)),
            ("path-wise, quadrature", BLUE, false, |p| {
                p.pathwise_quadrature_s
            }),
            ("score function, quadrature", ORANGE, false, |p| {
                p.score_quadrature_s
            }),
        ];
        for (label, c, solid, get) in series {
            let pts: Vec<(f64, f64)> = r
                .points
                .iter()
                .filter_map(|p| get(p).map(|s| (p.amplitude, s)))
                .collect();
            if pts.is_empty() {
                continue;
            }
            let width = if solid { 2 } else { 1 };
            chart
                .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(width)))
                .map_err(|x| e(&x))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], c.stroke_width(width))
                });
            let style = if solid { c.filled() } else { c.stroke_width(1) };
            chart
                .draw_series(pts.iter().map(|&p| Circle::new(p, 4, style)))
                .map_err(|x| e(&x))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperLeft)
            .draw()
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
    }
    Ok(svg)
}
