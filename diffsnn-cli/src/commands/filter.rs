//! The particle-filter arguments of the commands that can integrate hidden neurons out
//! (`intensity`, `plot ks`): `--marginal`, `--no-marginal`, `--particles`, `--runs`, `--seed`, and the rule that
//! a model with hidden neurons given a file of its observed neurons only is read marginally.

use std::path::Path;

use clap::Args;
use pp_core::EventSequence;
use pp_core::spike_files::SpikeTrains;
use snn_model::Snn;
use vi_train::marginal::SmcOptions;

use super::input::SpikeInput;
use super::select::first_neurons;
use crate::error::{CliError, Result};

/// The particle-filter arguments (flattened into `intensity` and `plot ks`).
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "intensity", "--model", "m.json", "--spikes", "s.json", "--at", "t.txt",
///     "--marginal", "--particles", "200",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Intensity(args) = cli.command else { unreachable!() };
/// assert!(args.filter.marginal && args.filter.particles == Some(200));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct FilterArgs {
    /// Integrate the hidden neurons out (particle filter): the observed neurons given the
    /// observed spikes only (the default when the model has hidden neurons and the file only
    /// the observed ones).
    #[arg(long)]
    pub marginal: bool,
    /// Read the file as the spikes of all the model's neurons even if no hidden neuron fired in
    /// it (a CSV file has no neuron count: without a hidden neuron's spike it reads as the
    /// observed neurons' only, and the hidden ones would be integrated out).
    #[arg(long, conflicts_with = "marginal")]
    pub no_marginal: bool,
    /// Particles of the filter (marginal only; default 1000).
    #[arg(long, value_name = "P")]
    pub particles: Option<usize>,
    /// Independent runs of the filter (marginal only; default 4).
    #[arg(long, value_name = "R")]
    pub runs: Option<usize>,
    /// Seed of the filter (marginal only; default 0).
    #[arg(long)]
    pub seed: Option<u64>,
}

impl FilterArgs {
    /// The spike file, read as it is, if the hidden neurons are to be integrated out:
    /// `--marginal`, or a model with hidden neurons and a spike file of no more than its
    /// observed neurons (said on standard error); `None` otherwise (the caller reads the file
    /// with the model's neuron count). The filter's flags without it are an error; so is
    /// `--marginal` for a model without hidden neurons.
    pub fn marginal_input(
        &self,
        model: &Snn,
        model_path: &Path,
        input: &SpikeInput,
    ) -> Result<Option<SpikeTrains>> {
        if self.marginal && model.n_hidden() == 0 {
            return Err(CliError::argument(
                "--marginal",
                format!(
                    "{} has no hidden neuron: nothing to integrate out",
                    model_path.display()
                ),
            ));
        }
        let candidate = if self.marginal || (!self.no_marginal && model.n_hidden() > 0) {
            Some(input.read(None)?)
        } else {
            None
        };
        let marginal = self.marginal
            || candidate
                .as_ref()
                .is_some_and(|t| t.n_neurons() <= model.n_obs());
        let given = [
            ("--particles", self.particles.is_some()),
            ("--runs", self.runs.is_some()),
            ("--seed", self.seed.is_some()),
        ]
        .iter()
        .find_map(|(f, given)| given.then_some(*f));
        if let (false, Some(flag)) = (marginal, given) {
            return Err(CliError::argument(
                flag,
                "applies to the hidden neurons integrated out (--marginal) only",
            ));
        }
        if marginal && !self.marginal {
            eprintln!(
                "note: {} has {} hidden neuron{} and {} only the observed ones: the hidden \
                 neurons are integrated out (--marginal; --no-marginal reads the file as all \
                 neurons' spikes)",
                model_path.display(),
                model.n_hidden(),
                if model.n_hidden() == 1 { "" } else { "s" },
                input.label()
            );
        }
        Ok(candidate.filter(|_| marginal))
    }

    /// The filter's settings (checked; errors name the flag).
    ///
    /// ```
    /// let f = diffsnn_cli::commands::filter::FilterArgs { particles: Some(0), ..Default::default() };
    /// assert!(f.options().unwrap_err().to_string().contains("--particles"));
    /// ```
    pub fn options(&self) -> Result<SmcOptions> {
        let options = SmcOptions {
            particles: self.particles.unwrap_or(1000),
            runs: self.runs.unwrap_or(4),
            seed: self.seed.unwrap_or(0),
            ..SmcOptions::default()
        };
        options.check().map_err(|e| match e {
            vi_train::ViError::InvalidArgument { name, reason } => {
                CliError::argument(format!("--{name}"), reason)
            }
            other => other.into(),
        })?;
        Ok(options)
    }
}

/// The observed neurons `0..n_obs` of `sequences` (read from `label`); spikes of other neurons
/// are dropped with a warning. Sequences of fewer neurons are an error.
///
/// ```
/// let w = pp_core::Window::new(0.0, 5.0)?;
/// let s = pp_core::EventSequence::new(w, 3, vec![1.0, 2.0], vec![0, 2])?;
/// let kept = diffsnn_cli::commands::filter::observed_sequences(&[s], 2, "s.json", "m.json")?;
/// assert_eq!((kept[0].dim(), kept[0].len()), (2, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn observed_sequences(
    sequences: &[EventSequence],
    n_obs: usize,
    label: &str,
    model_label: &str,
) -> Result<Vec<EventSequence>> {
    let n = sequences.first().map_or(n_obs, EventSequence::dim);
    if n < n_obs {
        return Err(CliError::Mismatch {
            reason: format!(
                "{label} has {n} neurons; the model {model_label} has {n_obs} observed neurons"
            ),
        });
    }
    let (kept, dropped) = first_neurons(sequences, n_obs)?;
    if dropped > 0 {
        eprintln!(
            "warning: {label}: dropped {dropped} spikes of neurons >= {n_obs} (hidden neurons \
             are integrated out, not read)"
        );
    }
    Ok(kept)
}
