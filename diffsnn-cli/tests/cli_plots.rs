//! Plots that scale, through the built binary: the filter heat map of a large network (one
//! `<rect>` per cell, in the colours of the filter integrals, a small file), `--neurons`
//! selections and their errors, the default neurons of `plot intensity`, and the axes of every
//! plot (no "10.0" labels, units, no label running off the picture).

#[path = "cli_common/mod.rs"]
mod common;

use std::path::Path;

use common::*;
use diffsnn_cli::plot::{HEATMAP_BAR_STEPS, diverging_color, filter_integrals};
use snn_model::Snn;

/// The value of attribute `name` in the tag `tag` (the text between `<` and `>`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name)
        .unwrap_or_else(|| panic!("no {name} in {tag}"))
        .parse()
        .unwrap()
}

/// The tags `<name ...>` of `svg` (without the angle brackets).
fn tags<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    svg.match_indices(&open)
        .map(|(i, _)| {
            let end = svg[i..].find('>').unwrap();
            &svg[i + 1..i + end]
        })
        .collect()
}

#[derive(Debug)]
struct Text {
    x: f64,
    y: f64,
    size: f64,
    anchor: String,
    /// Plotters' vertical placement: `dy` of 0.76em hangs the text below `y`, 0.5ex centres
    /// it, −0.5ex (or none) sets it on `y`.
    dy: String,
    rotated: bool,
    text: String,
}

/// Every `<text>` element of `svg` (plotters writes the text on its own line).
fn texts(svg: &str) -> Vec<Text> {
    svg.match_indices("<text ")
        .map(|(i, _)| {
            let rest = &svg[i..];
            let end = rest.find('>').unwrap();
            let tag = &rest[1..end];
            let close = rest.find("</text>").unwrap();
            Text {
                x: num(tag, "x"),
                y: num(tag, "y"),
                size: num(tag, "font-size"),
                anchor: attr(tag, "text-anchor").unwrap_or("start").to_string(),
                dy: attr(tag, "dy").unwrap_or("").to_string(),
                rotated: attr(tag, "transform").is_some(),
                text: rest[end + 1..close].trim().to_string(),
            }
        })
        .collect()
}

fn svg_size(svg: &str) -> (f64, f64) {
    let tag = tags(svg, "svg")[0];
    (num(tag, "width"), num(tag, "height"))
}

#[derive(Debug)]
struct Rect {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    fill: String,
}

fn rects(svg: &str) -> Vec<Rect> {
    tags(svg, "rect")
        .into_iter()
        .map(|t| Rect {
            x: num(t, "x") as i64,
            y: num(t, "y") as i64,
            w: num(t, "width") as i64,
            h: num(t, "height") as i64,
            fill: attr(t, "fill").unwrap().to_string(),
        })
        .collect()
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02X}{g:02X}{b:02X}")
}

/// Checks the axes of a plot: no number label with a needless ".0" (or other trailing zeros:
/// "10.0", "2.50"), and every label inside the picture by plotters' own rule of thumb for its
/// width (0.6 em per character; rotated labels are checked along their length).
fn check_labels(name: &str, svg: &str) {
    let (width, height) = svg_size(svg);
    for t in texts(svg) {
        if t.text.parse::<f64>().is_ok() && t.text.contains('.') {
            assert!(
                !t.text.ends_with('0') && !t.text.ends_with('.'),
                "{name}: label {:?} has needless zeros",
                t.text
            );
        }
        let len = 0.6 * t.size * t.text.chars().count() as f64;
        let (lo, hi) = match t.anchor.as_str() {
            "middle" => (-len / 2.0, len / 2.0),
            "end" => (-len, 0.0),
            _ => (0.0, len),
        };
        let (up, down) = match t.dy.as_str() {
            "0.76em" => (0.0, t.size),
            "0.5ex" => (t.size / 2.0, t.size / 2.0),
            _ => (t.size, 0.0),
        };
        let ((a0, a1), (b0, b1)) = if t.rotated {
            ((t.x - t.size, t.x + t.size), (t.y - hi, t.y - lo))
        } else {
            ((t.x + lo, t.x + hi), (t.y - up, t.y + down))
        };
        assert!(
            a0 >= -1.0 && a1 <= width + 1.0 && b0 >= -1.0 && b1 <= height + 1.0,
            "{name}: label {:?} at ({}, {}) runs off the {width} × {height} picture",
            t.text,
            t.x,
            t.y
        );
    }
}

fn has_text(svg: &str, s: &str) -> bool {
    texts(svg).iter().any(|t| t.text == s)
}

/// `diffsnn init` with `n_obs + n_hidden` neurons into `dir/name`.
fn init(dir: &Path, name: &str, n_obs: usize, n_hidden: usize, seed: u64) -> Snn {
    let r = diffsnn(
        dir,
        &[
            "init",
            "--observed",
            &n_obs.to_string(),
            "--hidden",
            &n_hidden.to_string(),
            "--seed",
            &seed.to_string(),
            "--out",
            name,
        ],
    );
    assert!(r.ok, "init: {}", r.stderr);
    Snn::read_json(dir.join(name)).unwrap()
}

/// Checks that `svg` is a heat map of the filter integrals of `neurons` of `model`: after the
/// background, one square `<rect>` per cell, row by row on a regular grid, each filled with
/// the colour of its integral on the ±max scale, then the colour bar's bands; returns the
/// cells' right edge and the scale's max.
fn check_heatmap(svg: &str, model: &Snn, neurons: &[usize]) -> (i64, f64) {
    let n = model.n_neurons();
    let m = neurons.len();
    let rs = rects(svg);
    assert_eq!(
        rs.len(),
        1 + m * m + HEATMAP_BAR_STEPS,
        "background, cells, bar"
    );
    let all = filter_integrals(model);
    let value = |p: usize| all[neurons[p / m] * n + neurons[p % m]];
    let vmax = (0..m * m).map(|p| value(p).abs()).fold(0.0, f64::max);
    assert!(vmax > 0.0);
    let (c, x0, y0) = (rs[1].w, rs[1].x, rs[1].y);
    assert!(c >= 4, "cells of {c} px");
    let mut ends = [false, false];
    for (p, r) in rs[1..=m * m].iter().enumerate() {
        let (i, j) = ((p / m) as i64, (p % m) as i64);
        assert_eq!(
            (r.x, r.y, r.w, r.h),
            (x0 + j * c, y0 + i * c, c, c),
            "cell {p}"
        );
        let expect = hex(diverging_color(value(p), vmax));
        assert_eq!(r.fill, expect, "cell ({i}, {j}): ∫f = {}", value(p));
        ends[0] |= r.fill == hex(diffsnn_cli::plot::NEGATIVE_END);
        ends[1] |= r.fill == hex(diffsnn_cli::plot::POSITIVE_END);
    }
    // The largest |∫f| takes an end colour.
    assert!(ends[0] || ends[1]);
    // The colour bar: from the positive end through white to the negative end.
    let bar = &rs[1 + m * m..];
    assert_eq!(bar[0].fill, hex(diffsnn_cli::plot::POSITIVE_END));
    assert_eq!(bar[HEATMAP_BAR_STEPS / 2].fill, "#FFFFFF");
    assert_eq!(
        bar[HEATMAP_BAR_STEPS - 1].fill,
        hex(diffsnn_cli::plot::NEGATIVE_END)
    );
    assert!(
        bar[0].x > x0 + m as i64 * c,
        "the bar is right of the cells"
    );
    (x0 + m as i64 * c, vmax)
}

/// The colour bar's labels: the numbers right of the cells, top to bottom.
fn bar_labels(svg: &str, right_of: i64) -> Vec<f64> {
    let mut labels: Vec<(f64, f64)> = texts(svg)
        .into_iter()
        .filter(|t| t.x > right_of as f64)
        .filter_map(|t| t.text.parse::<f64>().ok().map(|v| (t.y, v)))
        .collect();
    labels.sort_by(|a, b| a.0.total_cmp(&b.0));
    labels.into_iter().map(|(_, v)| v).collect()
}

#[test]
fn filters_of_100_neurons_are_one_small_heat_map_of_the_integrals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = init(d, "m.json", 90, 10, 7);
    let r = diffsnn(
        d,
        &["plot", "filters", "--model", "m.json", "--out", "f.svg"],
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stderr.contains("100 neurons") && r.stderr.contains("heat map"),
        "{}",
        r.stderr
    );
    let svg = std::fs::read_to_string(d.join("f.svg")).unwrap();
    // Size: each of the 10⁴ cells is one `<rect>` of about 86 bytes as plotters writes it
    // (integer coordinates, a fill, opacity and stroke attributes), 0.86 MB in all; labels,
    // frame and colour bar add about 10 kB. The panel grid this replaces was 22.7 MB, and a
    // cell costing more than 100 bytes (or anything drawn per pair besides its cell) would
    // break the bound.
    assert!(svg.len() < 1_000_000, "{} bytes", svg.len());
    let all: Vec<usize> = (0..100).collect();
    let (right, vmax) = check_heatmap(&svg, &model, &all);
    // The colour bar is labelled −max, −max/2, 0, max/2, max (top: +max) and titled.
    let bar = bar_labels(&svg, right);
    assert_eq!(bar.len(), 5, "{bar:?}");
    assert_eq!(bar[2], 0.0);
    assert!((bar[0] - vmax).abs() <= 0.01 * vmax, "{bar:?} vs {vmax}");
    assert_eq!((bar[0], bar[1]), (-bar[4], -bar[3]));
    assert!(svg.contains("∫ f_ij dΔ (potential × s)"));
    // Hidden neurons are labelled h<i>, observed ones by their number; labels are thinned.
    assert!(has_text(&svg, "h90") && has_text(&svg, "0") && !has_text(&svg, "90"));
    assert!(!has_text(&svg, "1"), "100 labels do not fit on 600 pixels");
    // Two thick lines set the hidden neurons off.
    assert_eq!(svg.matches("stroke-width=\"2\"").count(), 2);
    check_labels("heat map", &svg);
}

#[test]
fn neuron_selections_choose_panels_or_heat_map_cells() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = init(d, "m.json", 20, 5, 3);
    let plot = |args: &[&str], out: &str| {
        let mut a = vec!["plot", "filters", "--model", "m.json", "--out", out];
        a.extend_from_slice(args);
        let r = diffsnn(d, &a);
        assert!(r.ok, "{a:?}: {}", r.stderr);
        (std::fs::read_to_string(d.join(out)).unwrap(), r.stderr)
    };

    // 25 neurons: a heat map by default, of 625 cells.
    let (svg, note) = plot(&[], "all.svg");
    assert!(note.contains("25 neurons"), "{note}");
    let all: Vec<usize> = (0..25).collect();
    check_heatmap(&svg, &model, &all);
    assert!(has_text(&svg, "h20"));
    assert!(svg.len() < 100_000, "{} bytes", svg.len());

    // Two neurons: the 2 × 2 panels of their filters, no note.
    let (svg, note) = plot(&["--neurons", "0,3"], "two.svg");
    assert!(note.is_empty(), "{note}");
    let captions: Vec<String> = texts(&svg)
        .into_iter()
        .filter(|t| t.text.contains('→'))
        .map(|t| t.text)
        .collect();
    assert_eq!(captions, ["0 → 0", "3 → 0", "0 → 3", "3 → 3"]);
    assert_eq!(rects(&svg).len(), 1, "panels have no cells");
    assert_eq!(
        texts(&svg).iter().filter(|t| t.text == "lag (s)").count(),
        4
    );
    check_labels("panels", &svg);

    // A hidden neuron in the panels is written h<i>.
    let (svg, _) = plot(&["--neurons", "21,1"], "hidden.svg");
    let captions: Vec<String> = texts(&svg)
        .into_iter()
        .filter(|t| t.text.contains('→'))
        .map(|t| t.text)
        .collect();
    assert_eq!(captions, ["h21 → h21", "1 → h21", "h21 → 1", "1 → 1"]);

    // --heatmap for a few neurons, in the order given; a selection of more than 8 is a heat
    // map on its own.
    let (svg, _) = plot(&["--neurons", "4,2,22", "--heatmap"], "few.svg");
    check_heatmap(&svg, &model, &[4, 2, 22]);
    let nine: Vec<usize> = (10..19).collect();
    let list = nine
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let (svg, note) = plot(&["--neurons", &list], "nine.svg");
    assert!(note.contains("9 neurons"), "{note}");
    check_heatmap(&svg, &model, &nine);
    check_labels(
        "heat map of 3",
        &std::fs::read_to_string(d.join("few.svg")).unwrap(),
    );
}

#[test]
fn bad_neuron_selections_fail_with_the_flag_the_neuron_and_the_count() {
    // The model of the common module has 3 neurons (2 observed, 1 hidden).
    let spikes = "sequence,time,neuron\n0,1.0,0\n0,2.0,1\n".to_string();
    for (name, args, expect) in [
        (
            "filters: neuron out of range",
            vec![
                "plot",
                "filters",
                "--model",
                "m.json",
                "--neurons",
                "0,3",
                "--out",
                "f.svg",
            ],
            vec!["--neurons", "neuron 3 does not exist", "3 neurons"],
        ),
        (
            "filters heat map: neuron out of range",
            vec![
                "plot",
                "filters",
                "--model",
                "m.json",
                "--heatmap",
                "--neurons",
                "7",
                "--out",
                "f.svg",
            ],
            vec!["--neurons", "neuron 7 does not exist", "3 neurons"],
        ),
        (
            "filters: neuron twice",
            vec![
                "plot",
                "filters",
                "--model",
                "m.json",
                "--neurons",
                "1,1",
                "--out",
                "f.svg",
            ],
            vec!["--neurons", "neuron 1 is listed twice"],
        ),
        (
            "intensity: neuron out of range",
            vec![
                "plot",
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.csv",
                "--window",
                "0,5",
                "--neurons",
                "2,3",
                "--out",
                "i.svg",
            ],
            vec!["--neurons", "neuron 3 does not exist", "3 neurons"],
        ),
    ] {
        check(name, &[("s.csv", spikes.clone())], &args, &expect);
    }
}

#[test]
fn intensity_draws_four_observed_neurons_by_default_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    init(d, "m.json", 8, 2, 11);
    let r = diffsnn(
        d,
        &[
            "simulate", "--model", "m.json", "--t-end", "20", "--seed", "1", "--out", "s.json",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let plot = |extra: &[&str]| {
        let mut a = vec![
            "plot",
            "intensity",
            "--model",
            "m.json",
            "--spikes",
            "s.json",
            "--points",
            "300",
            "--out",
            "i.svg",
        ];
        a.extend_from_slice(extra);
        let r = diffsnn(d, &a);
        assert!(r.ok, "{}", r.stderr);
        (std::fs::read_to_string(d.join("i.svg")).unwrap(), r.stderr)
    };
    let legend = |svg: &str| -> Vec<String> {
        texts(svg)
            .into_iter()
            .filter(|t| t.text.starts_with("neuron "))
            .map(|t| t.text)
            .collect()
    };

    let (svg, note) = plot(&[]);
    assert_eq!(
        legend(&svg),
        ["neuron 0", "neuron 1", "neuron 2", "neuron 3"]
    );
    assert!(
        note.starts_with("note: ")
            && note.contains("neurons 0, 1, 2, 3 of 10")
            && note.contains("--neurons"),
        "{note}"
    );
    assert!(has_text(&svg, "time (s)") && has_text(&svg, "intensity (Hz)"));
    check_labels("intensity", &svg);

    // Chosen neurons: no note; the hidden one says so.
    let (svg, note) = plot(&["--neurons", "9,0"]);
    assert_eq!(legend(&svg), ["neuron 9 (hidden)", "neuron 0"]);
    assert!(note.is_empty(), "{note}");
    check_labels("intensity with a hidden neuron", &svg);
}

#[test]
fn every_plot_has_whole_number_ticks_units_and_labels_inside() {
    let dir = workdir();
    let d = dir.path();
    let r = diffsnn(
        d,
        &[
            "simulate",
            "--model",
            "m.json",
            "--t-end",
            "20",
            "--sequences",
            "2",
            "--seed",
            "4",
            "--out",
            "s.json",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    write(
        d,
        "loss.csv",
        "epoch,loss\n0,120.5\n1,101.25\n2,99.0\n3,98.5\n4,98.25\n",
    );
    let cases: [(&str, &[&str], &[&str]); 5] = [
        (
            "raster",
            &[
                "plot",
                "raster",
                "--spikes",
                "s.json",
                "--out",
                "raster.svg",
            ],
            &["time (s)", "neuron"],
        ),
        (
            "intensity",
            &[
                "plot",
                "intensity",
                "--model",
                "m.json",
                "--spikes",
                "s.json",
                "--neurons",
                "0,1,2",
                "--out",
                "intensity.svg",
            ],
            &["time (s)", "intensity (Hz)", "neuron 2 (hidden)"],
        ),
        (
            "filters",
            &[
                "plot",
                "filters",
                "--model",
                "m.json",
                "--out",
                "filters.svg",
            ],
            &["lag (s)"],
        ),
        (
            "ks",
            &[
                "plot", "ks", "--model", "m.json", "--spikes", "s.json", "--out", "ks.svg",
            ],
            &["model quantile", "empirical quantile"],
        ),
        (
            "loss",
            &["plot", "loss", "--csv", "loss.csv", "--out", "loss.svg"],
            &["epoch", "loss"],
        ),
    ];
    for (name, args, units) in cases {
        let r = diffsnn(d, args);
        assert!(r.ok, "{name}: {}", r.stderr);
        let svg = std::fs::read_to_string(d.join(format!("{name}.svg"))).unwrap();
        for u in units {
            assert!(has_text(&svg, u), "{name}: no label {u:?}");
        }
        check_labels(name, &svg);
    }
    // The integer axes carry integer labels: the window [0, 20] of the raster and the
    // intensity (ticks every 2 s), the lags [0, 11] of the filters, the epochs 0..4.
    let labels = |name: &str| -> Vec<String> {
        let svg = std::fs::read_to_string(d.join(format!("{name}.svg"))).unwrap();
        texts(&svg).into_iter().map(|t| t.text).collect()
    };
    for name in ["raster", "intensity"] {
        let l = labels(name);
        for t in ["0", "10", "20"] {
            assert!(l.iter().any(|x| x == t), "{name}: no tick {t}: {l:?}");
        }
    }
    let l = labels("filters");
    assert!(l.iter().any(|x| x == "10"), "{l:?}");
    let l = labels("loss");
    for e in ["0", "1", "2", "3", "4"] {
        assert!(l.iter().any(|x| x == e), "loss: no epoch {e}: {l:?}");
    }
    assert!(!l.iter().any(|x| x == "0.5" || x == "1.5"), "{l:?}");
    assert!(l.iter().any(|x| x == "120"), "loss axis: {l:?}");
}

#[test]
fn the_label_check_catches_a_needless_decimal_and_a_label_off_the_picture() {
    // The checker itself: plotters' old default labels would fail it.
    let svg = |label: &str, x: u32| {
        format!(
            "<svg width=\"100\" height=\"50\" viewBox=\"0 0 100 50\">\n<text x=\"{x}\" y=\"20\" \
             dy=\"0.76em\" text-anchor=\"middle\" font-family=\"sans-serif\" font-size=\"9.6\" \
             opacity=\"1\" fill=\"#000000\">\n{label}\n</text>\n</svg>\n"
        )
    };
    check_labels("fine", &svg("10", 50));
    for (label, x) in [("10.0", 50), ("2.50", 50), ("20", 99)] {
        let s = svg(label, x);
        let r = std::panic::catch_unwind(|| check_labels("bad", &s));
        assert!(r.is_err(), "{label} at {x} passed");
    }
}
