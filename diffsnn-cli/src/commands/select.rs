//! Which neurons of a spike file a command takes as the observed ones: `--observed 0,2,5`
//! (those neurons, renumbered 0, 1, 2 in that order) or `--n-observed N` (the first N), so
//! that a file from `simulate`, which holds the hidden neurons' spikes too, can be used
//! directly. Without either, every neuron of the file is observed (and `fit` asks the reader
//! to refuse a CSV file that skips neuron numbers: a typo such as neuron 7 in a 3-neuron file
//! would silently make an 8-neuron network).

use clap::Args;
use pp_core::EventSequence;
use pp_core::spike_files::SpikeTrains;

use crate::error::{CliError, Result};

/// The neuron-selection arguments (flattened into `fit`, `eval` and `loglik`).
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "1", "--estimator", "score",
///     "--out", "m.json", "--observed", "0,2",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
/// assert_eq!(args.neurons.observed, Some(vec![0, 2]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct NeuronSelection {
    /// The neurons of the spike file taken as observed, renumbered 0, 1, ... in this order
    /// (e.g. `0,1` of a file from `simulate` that also holds hidden neurons).
    #[arg(
        long,
        value_name = "i,j,...",
        value_delimiter = ',',
        conflicts_with = "n_observed"
    )]
    pub observed: Option<Vec<u32>>,
    /// The first N neurons of the spike file are the observed ones (the rest are dropped).
    #[arg(long, value_name = "N")]
    pub n_observed: Option<usize>,
}

impl NeuronSelection {
    /// The flag the selection was given with (`--observed` or `--n-observed`), for messages.
    pub fn flag(&self) -> &'static str {
        if self.observed.is_some() {
            "--observed"
        } else {
            "--n-observed"
        }
    }

    /// Whether a selection was given.
    pub fn is_given(&self) -> bool {
        self.observed.is_some() || self.n_observed.is_some()
    }

    /// The selected neurons of `trains` (read from `label`), renumbered; without a selection,
    /// all of them.
    ///
    /// ```
    /// use diffsnn_cli::commands::select::NeuronSelection;
    /// let w = pp_core::Window::new(0.0, 5.0)?;
    /// let s = pp_core::EventSequence::new(w, 3, vec![1.0, 2.0, 3.0], vec![0, 2, 1])?;
    /// let t = pp_core::spike_files::SpikeTrains::new(3, vec![s])?;
    /// let pick = NeuronSelection { observed: Some(vec![2, 0]), n_observed: None };
    /// let seqs = pick.apply(&t, "s.json")?;
    /// assert_eq!((seqs[0].dim(), seqs[0].marks()), (2, &[1, 0][..]));
    /// let first = NeuronSelection { observed: None, n_observed: Some(1) };
    /// assert_eq!(first.apply(&t, "s.json")?[0].times(), &[1.0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&self, trains: &SpikeTrains, label: &str) -> Result<Vec<EventSequence>> {
        let n = trains.n_neurons();
        let keep: Vec<u32> = match (&self.observed, self.n_observed) {
            (Some(list), _) => {
                if list.is_empty() {
                    return Err(CliError::argument(
                        "--observed",
                        "needs at least one neuron",
                    ));
                }
                if let Some(&bad) = list.iter().find(|&&j| j as usize >= n) {
                    return Err(CliError::argument(
                        "--observed",
                        format!("{label} has neurons 0..{n}; there is no neuron {bad}"),
                    ));
                }
                let mut sorted = list.clone();
                sorted.sort_unstable();
                if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
                    return Err(CliError::argument(
                        "--observed",
                        format!("neuron {} is listed twice", w[0]),
                    ));
                }
                list.clone()
            }
            (None, Some(k)) => {
                if k == 0 || k > n {
                    return Err(CliError::argument(
                        "--n-observed",
                        format!(
                            "{label} has {n} neurons; --n-observed must be in 1..={n}, got {k}"
                        ),
                    ));
                }
                (0..k as u32).collect()
            }
            (None, None) => return Ok(trains.sequences().to_vec()),
        };
        Ok(trains
            .sequences()
            .iter()
            .map(|s| s.select_dimensions(&keep))
            .collect::<pp_core::Result<Vec<_>>>()?)
    }
}

/// The neurons `0..n` of every sequence (the observed ones of a model with `n` observed
/// neurons) and the number of spikes of other neurons dropped.
///
/// ```
/// let w = pp_core::Window::new(0.0, 5.0)?;
/// let s = pp_core::EventSequence::new(w, 3, vec![1.0, 2.0], vec![0, 2])?;
/// let (kept, dropped) = diffsnn_cli::commands::select::first_neurons(&[s], 2)?;
/// assert_eq!((kept[0].dim(), kept[0].len(), dropped), (2, 1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn first_neurons(sequences: &[EventSequence], n: usize) -> Result<(Vec<EventSequence>, usize)> {
    let keep: Vec<u32> = (0..n as u32).collect();
    let mut dropped = 0;
    let mut out = Vec::with_capacity(sequences.len());
    for s in sequences {
        let kept = s.select_dimensions(&keep)?;
        dropped += s.len() - kept.len();
        out.push(kept);
    }
    Ok((out, dropped))
}
