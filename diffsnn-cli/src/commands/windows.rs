//! `--window-length L`: every sequence cut into windows of `L` seconds, each a sequence of its
//! own (flattened into `fit`, `eval` and `loglik`). Training on the windows of a long recording
//! bounds the memory of a gradient and the chain of soft spikes the path-wise gradient
//! multiplies along (truncated backpropagation through time); a window that starts from an
//! empty history is the bias, which path-wise training reduces with a lead-in before each
//! window (`fit --lead-in`; docs/math.md, "Windows of a long recording").

use clap::Args;
use pp_core::{EventSequence, PpError};

use crate::error::{CliError, Result};

/// The window-cutting argument.
///
/// ```
/// use clap::Parser;
/// let cli = diffsnn_cli::commands::Cli::try_parse_from([
///     "diffsnn", "loglik", "--model", "m.json", "--spikes", "s.json", "--window-length", "100",
/// ]).unwrap();
/// let diffsnn_cli::commands::Command::Loglik(args) = cli.command else { unreachable!() };
/// assert_eq!(args.windows.window_length, Some(100.0));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Args)]
pub struct WindowSplit {
    /// Cut every sequence into windows of this length (in s): bounds the memory of a long
    /// recording and the path-wise gradient's growth along it (truncated backpropagation
    /// through time). In `loglik`, `eval` and `fit --estimator score` each window is a sequence
    /// of its own that starts from an empty history (the spikes before each cut are not seen
    /// by the window after it); `fit --estimator pathwise` trains on each window after a
    /// lead-in before it (--lead-in, default the kernel support), sampled but not scored; with
    /// `fit --hidden 0` each window is conditioned on the spikes of the kernel support before
    /// it, which gives the whole recording's objective exactly.
    #[arg(long, value_name = "L")]
    pub window_length: Option<f64>,
}

impl WindowSplit {
    /// The sequences cut into windows (unchanged without `--window-length`); says on standard
    /// error how many windows were made of how many sequences.
    ///
    /// ```
    /// use diffsnn_cli::commands::windows::WindowSplit;
    /// let s = pp_core::EventSequence::new(pp_core::Window::new(0.0, 10.0)?, 1, vec![1.0, 7.0], vec![0, 0])?;
    /// let cut = WindowSplit { window_length: Some(4.0) }.apply(vec![s])?;
    /// assert_eq!(cut.len(), 3);
    /// let err = WindowSplit { window_length: Some(-1.0) }.apply(cut).unwrap_err();
    /// assert!(err.to_string().contains("--window-length"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply(&self, sequences: Vec<EventSequence>) -> Result<Vec<EventSequence>> {
        let Some(length) = self.window_length else {
            return Ok(sequences);
        };
        let mut out = Vec::new();
        for s in &sequences {
            out.extend(s.split_windows(length).map_err(flag_error)?);
        }
        eprintln!(
            "note: --window-length {} cut {} sequence{} into {} windows; each starts from an \
             empty history",
            pp_core::messages::show_number(length),
            sequences.len(),
            if sequences.len() == 1 { "" } else { "s" },
            out.len()
        );
        Ok(out)
    }
}

/// A window-cutting error of pp-core as an error of `--window-length`.
pub(crate) fn flag_error(e: PpError) -> CliError {
    match e {
        PpError::InvalidArgument { reason, .. } => CliError::argument("--window-length", reason),
        other => other.into(),
    }
}
