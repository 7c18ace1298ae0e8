//! Time-rescaling goodness of fit: KS plots per neuron (Brown et al. 2002).

use plotters::prelude::*;
use pp_core::{EventSequence, KsPlot, KsTest, ks_exp1, ks_plot_exp1};
use snn_model::{LikelihoodWorkspace, Snn};
use vi_train::marginal::{SmcOptions, marginal_time_rescale};

use super::axes::{X_LABEL_AREA, tick_formatter, y_label_area};
use super::{color, plot_err};
use crate::error::{CliError, Result};

/// The time-rescaling check of one neuron: its rescaled intervals pooled over all sequences,
/// their KS test against Exp(1) and the points of the KS plot (`None` for a neuron that never
/// fired). The test can fail where the plot does not (pp-core's exact small-sample p-value
/// refuses tied intervals): then `test` is `None` and `test_error` says why.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let model = snn_model::SnnBuilder::new(1, 0).check()?; // λ = 2.5, constant
/// let seq = EventSequence::new(Window::new(0.0, 2.0)?, 1, vec![0.4, 0.9, 1.6], vec![0, 0, 0])?;
/// let ks = diffsnn_cli::plot::ks_summary(&model, &[seq])?;
/// assert_eq!(ks[0].test.unwrap().n, 3); // intervals 2.5·(0.4, 0.5, 0.7)
/// assert_eq!(ks[0].plot.as_ref().unwrap().model_quantiles.len(), 3);
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NeuronKs {
    /// The neuron.
    pub neuron: usize,
    /// The KS test of its rescaled intervals, if it fired.
    pub test: Option<KsTest>,
    /// The KS plot points, if it fired.
    pub plot: Option<KsPlot>,
    /// Why there is no test although the neuron fired (e.g. tied intervals), if so.
    pub test_error: Option<String>,
}

/// Rescales every sequence under `model` (the quadrature compensator of snn-model, between
/// consecutive spikes of each neuron, the censored interval after its last spike left out) and
/// returns one [`NeuronKs`] per neuron, the intervals pooled over the sequences (all are
/// i.i.d. Exp(1) under the true model).
pub fn ks_summary(model: &Snn, sequences: &[EventSequence]) -> Result<Vec<NeuronKs>> {
    let n = model.n_neurons();
    if let Some((k, s)) = sequences.iter().enumerate().find(|(_, s)| s.dim() != n) {
        return Err(CliError::Mismatch {
            reason: format!(
                "sequence {k} has {} neurons, but the model has {n}",
                s.dim()
            ),
        });
    }
    let mut ws = LikelihoodWorkspace::new(model)?;
    let q = pp_core::Quadrature::default();
    let mut pooled: Vec<Vec<f64>> = vec![Vec::new(); n];
    for seq in sequences {
        let r = ws.time_rescale(model, seq, &q)?;
        for (i, p) in pooled.iter_mut().enumerate() {
            p.extend_from_slice(r.intervals(i));
        }
    }
    ks_from_intervals(&pooled)
}

/// The time-rescaling check of the observed neurons of a model with hidden neurons, the hidden
/// ones integrated out: each observed neuron's spikes rescaled by its predictive intensity
/// given the observed spikes only (vi-train's particle filter,
/// [`vi_train::marginal::marginal_time_rescale`]), pooled over the sequences. `sequences` hold
/// the observed neurons `0..model.n_obs()` only.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// // no weight from the hidden neuron: the observed neuron's λ̂ = 2.5, constant
/// let model = snn_model::SnnBuilder::new(1, 1).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 2.0)?, 1, vec![0.4, 0.9, 1.6], vec![0, 0, 0])?;
/// let options = vi_train::marginal::SmcOptions { particles: 8, runs: 1, ..Default::default() };
/// let ks = diffsnn_cli::plot::ks_marginal_summary(&model, &[seq], &options)?;
/// assert_eq!((ks.len(), ks[0].test.unwrap().n), (1, 3));
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn ks_marginal_summary(
    model: &Snn,
    sequences: &[EventSequence],
    options: &SmcOptions,
) -> Result<Vec<NeuronKs>> {
    let r = marginal_time_rescale(model, sequences, options)?;
    let pooled: Vec<Vec<f64>> = (0..model.n_obs())
        .map(|o| r.intervals(o).to_vec())
        .collect();
    ks_from_intervals(&pooled)
}

/// One [`NeuronKs`] per entry of `per_neuron` (the rescaled intervals of each neuron).
fn ks_from_intervals(per_neuron: &[Vec<f64>]) -> Result<Vec<NeuronKs>> {
    per_neuron
        .iter()
        .enumerate()
        .map(|(neuron, taus)| {
            if taus.is_empty() {
                return Ok(NeuronKs {
                    neuron,
                    test: None,
                    plot: None,
                    test_error: None,
                });
            }
            let (test, test_error) = match ks_exp1(taus) {
                Ok(t) => (Some(t), None),
                Err(e) => (None, Some(e.to_string())),
            };
            Ok(NeuronKs {
                neuron,
                test,
                plot: Some(ks_plot_exp1(taus)?),
                test_error,
            })
        })
        .collect()
}

/// KS plots of the neurons in `summary` (from [`ks_summary`]), one panel each: the sorted
/// `1 − e^{−τ}` against the uniform quantiles `(k − ½)/n`, the diagonal, and the 95 % band
/// `± 1.36/√n`; the caption gives `n` and the KS p-value. Both axes are unitless quantiles in
/// `[0, 1]`.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let model = snn_model::SnnBuilder::new(2, 0).check()?;
/// let seq = EventSequence::new(Window::new(0.0, 3.0)?, 2, vec![0.5, 1.2, 2.0], vec![0, 0, 0])?;
/// let svg = diffsnn_cli::plot::ks_svg(&diffsnn_cli::plot::ks_summary(&model, &[seq])?)?;
/// assert!(svg.contains("<svg") && svg.contains("no spikes")); // neuron 1 never fired
/// # Ok::<(), diffsnn_cli::CliError>(())
/// ```
pub fn ks_svg(summary: &[NeuronKs]) -> Result<String> {
    let n = summary.len().max(1);
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let panel = 320u32;
    let labels = 6;
    let unit = tick_formatter(0.0, 1.0);
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (panel * cols as u32, panel * rows as u32 + 40))
                .into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let root = root
            .titled("time-rescaling KS plots (95 % band)", ("sans-serif", 20))
            .map_err(plot_err)?;
        for (s, area) in summary.iter().zip(root.split_evenly((rows, cols))) {
            let caption = match (&s.test, &s.plot) {
                (Some(t), _) => format!("neuron {}: n = {}, p = {:.3}", s.neuron, t.n, t.p_value),
                (None, Some(p)) => format!(
                    "neuron {}: n = {}, no KS p-value",
                    s.neuron,
                    p.model_quantiles.len()
                ),
                (None, None) => format!("neuron {}: no spikes", s.neuron),
            };
            let mut chart = ChartBuilder::on(&area)
                .caption(caption, ("sans-serif", 14))
                .margin(8)
                .margin_right(15)
                .x_label_area_size(X_LABEL_AREA - 5)
                .y_label_area_size(y_label_area(0.0, 1.0, labels))
                .build_cartesian_2d(0.0..1.0, 0.0..1.0)
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_desc("model quantile")
                .y_desc("empirical quantile")
                .x_labels(labels)
                .y_labels(labels)
                .x_label_formatter(&unit)
                .y_label_formatter(&unit)
                .label_style(("sans-serif", 10))
                .draw()
                .map_err(plot_err)?;
            chart
                .draw_series(LineSeries::new([(0.0, 0.0), (1.0, 1.0)], BLACK))
                .map_err(plot_err)?;
            let Some(plot) = &s.plot else { continue };
            let band = plot.band;
            if band < 1.0 {
                // y = x ± band, clipped to the unit square.
                for line in [
                    [(0.0, band), (1.0 - band, 1.0)],
                    [(band, 0.0), (1.0, 1.0 - band)],
                ] {
                    chart
                        .draw_series(LineSeries::new(line, BLACK.mix(0.4)))
                        .map_err(plot_err)?;
                }
            }
            chart
                .draw_series(LineSeries::new(
                    plot.model_quantiles
                        .iter()
                        .copied()
                        .zip(plot.empirical_quantiles.iter().copied()),
                    color(s.neuron),
                ))
                .map_err(plot_err)?;
        }
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}
