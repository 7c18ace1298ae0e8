//! `--window-length L`: every sequence cut into windows of `L` seconds, each a sequence of its
//! own (flattened into `fit`, `eval` and `loglik`). Training on the windows of a long recording
//! bounds the memory of a gradient and the chain of soft spikes the path-wise gradient
//! multiplies along (truncated backpropagation through time); a window that starts from an
//! empty history is the bias, which training and evaluation with hidden neurons reduce with a
//! lead-in before each window (`fit --lead-in`, `eval --lead-in`; docs/math.md, "Windows of a
//! long recording").

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
    /// through time). `fit` and `eval` with hidden neurons take each window after a lead-in
    /// before it (--lead-in, default the kernel support with the quadrature compensator),
    /// sampled but not scored; with `fit --hidden 0` and in `loglik` each window is
    /// conditioned on the spikes of the kernel support before it (`loglik --lead-in`), which
    /// gives the whole recording's objective exactly.
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
        say_cut(
            length,
            sequences.len(),
            out.len(),
            "; each starts from an empty history",
        );
        Ok(out)
    }

    /// The sequences and the lead-in of each (`--lead-in`, `lead_in`): the first `lead`
    /// seconds of every sequence are history only (sampled or filtered, not scored), so that
    /// what is scored is conditioned on the spikes before it. Without `--window-length` the
    /// sequences as read; with it, windows of `L` seconds, each extended back by the lead-in
    /// (the first window's own first seconds serve as its lead-in). The default lead-in is the
    /// kernel `support` on windows with the quadrature compensator, none otherwise (Monte Carlo
    /// points cover a whole sequence: a lead-in is refused with them). Said on standard error,
    /// with `verb` ("trained on", "evaluated") for what is done to each window.
    ///
    /// ```
    /// use diffsnn_cli::commands::windows::WindowSplit;
    /// let s = pp_core::EventSequence::new(pp_core::Window::new(0.0, 30.0)?, 1, vec![1.0, 17.0], vec![0, 0])?;
    /// let split = WindowSplit { window_length: Some(10.0) };
    /// let (windows, lead) = split.apply_with_lead_in(vec![s.clone()], None, 4.0, true, "evaluated")?;
    /// assert_eq!((windows.len(), lead), (3, 4.0));
    /// assert_eq!((windows[1].window().t0(), windows[1].window().t1()), (6.0, 20.0));
    /// let (_, none) = split.apply_with_lead_in(vec![s.clone()], None, 4.0, false, "evaluated")?;
    /// assert_eq!(none, 0.0); // Monte Carlo
    /// let err = split.apply_with_lead_in(vec![s], Some(4.0), 4.0, false, "evaluated").unwrap_err();
    /// assert!(err.to_string().contains("--lead-in"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn apply_with_lead_in(
        &self,
        data: Vec<EventSequence>,
        lead_in: Option<f64>,
        support: f64,
        quadrature: bool,
        verb: &str,
    ) -> Result<(Vec<EventSequence>, f64)> {
        let length = self.window_length;
        let lead = self.lead(lead_in, support, quadrature)?;
        let show = pp_core::messages::show_number;
        let Some(length) = length else {
            check_scorable(&data, lead)?;
            return Ok((data, lead));
        };
        if lead == 0.0 {
            return Ok((self.apply(data)?, 0.0));
        }
        if length <= lead {
            return Err(CliError::argument(
                "--window-length",
                format!(
                    "must be longer than the lead-in before each window ({} s, --lead-in)",
                    show(lead)
                ),
            ));
        }
        let mut out = Vec::new();
        for s in &data {
            let windows = s
                .split_windows_with_history(length, lead)
                .map_err(flag_error)?;
            out.extend(windows.into_iter().map(|w| w.into_sequence()));
        }
        let how = format!(
            ", each {verb} after a lead-in of {} s before it (--lead-in: sampled, not scored; \
             the first window's own first seconds)",
            show(lead)
        );
        say_cut(length, data.len(), out.len(), &how);
        Ok((out, lead))
    }

    /// The lead-in `--lead-in` asks for: given, or by default the kernel `support` on windows
    /// with the quadrature compensator and 0 otherwise; an error unless finite and
    /// non-negative, or when positive with Monte Carlo points (which cover a whole sequence).
    fn lead(&self, lead_in: Option<f64>, support: f64, quadrature: bool) -> Result<f64> {
        let lead = match (lead_in, self.window_length) {
            (Some(lead), _) => lead,
            (None, Some(_)) if quadrature => support,
            (None, _) => 0.0,
        };
        if !(lead.is_finite() && lead >= 0.0) {
            return Err(CliError::argument(
                "--lead-in",
                format!(
                    "must be finite and non-negative, got {} (the default with --window-length \
                     is the kernel support: give one for a basis that reaches back without end)",
                    pp_core::messages::show_number(lead)
                ),
            ));
        }
        if lead > 0.0 && !quadrature {
            return Err(CliError::argument(
                "--lead-in",
                "needs --compensator quadrature: Monte Carlo points cover a whole sequence, \
                 lead-in included (give --lead-in 0, or omit it)",
            ));
        }
        Ok(lead)
    }

    /// For a fully observed log-likelihood: the sequences (cut into windows with
    /// `--window-length`) and where the scored stretch of each starts. Each window comes with
    /// the spikes of the lead-in before it as fixed history and is scored from its own start
    /// (the first window of a sequence from the sequence's start: nothing comes before it), so
    /// that with a lead-in of at least the kernel support the windows add up to the whole
    /// sequences' log-likelihood. Without windows, a lead-in is the first seconds of every
    /// sequence, not scored. Lead-in as [`apply_with_lead_in`](Self::apply_with_lead_in).
    ///
    /// ```
    /// use diffsnn_cli::commands::windows::WindowSplit;
    /// let s = pp_core::EventSequence::new(pp_core::Window::new(0.0, 30.0)?, 1, vec![1.0, 17.0], vec![0, 0])?;
    /// let split = WindowSplit { window_length: Some(10.0) };
    /// let (windows, starts) = split.scored_windows(vec![s], None, 4.0, true)?;
    /// assert_eq!(starts, vec![0.0, 10.0, 20.0]);
    /// assert_eq!((windows[1].window().t0(), windows[1].window().t1()), (6.0, 20.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn scored_windows(
        &self,
        data: Vec<EventSequence>,
        lead_in: Option<f64>,
        support: f64,
        quadrature: bool,
    ) -> Result<(Vec<EventSequence>, Vec<f64>)> {
        let lead = self.lead(lead_in, support, quadrature)?;
        let show = pp_core::messages::show_number;
        let (Some(length), true) = (self.window_length, lead > 0.0) else {
            let data = self.apply(data)?;
            check_scorable(&data, lead)?;
            let starts = data.iter().map(|s| s.window().t0() + lead).collect();
            return Ok((data, starts));
        };
        let (mut windows, mut starts) = (Vec::new(), Vec::new());
        for s in &data {
            for w in s
                .split_windows_with_history(length, lead)
                .map_err(flag_error)?
            {
                starts.push(w.from());
                windows.push(w.into_sequence());
            }
        }
        let how = format!(
            ", each conditioned on the {} s of spikes before it (--lead-in)",
            show(lead)
        );
        say_cut(length, data.len(), windows.len(), &how);
        Ok((windows, starts))
    }
}

/// An error naming the first sequence of `data` that a lead-in of `lead` seconds leaves
/// nothing to score of.
fn check_scorable(data: &[EventSequence], lead: f64) -> Result<()> {
    let Some((k, s)) = data
        .iter()
        .enumerate()
        .find(|(_, s)| s.window().duration() <= lead)
    else {
        return Ok(());
    };
    let show = pp_core::messages::show_number;
    Err(CliError::argument(
        "--lead-in",
        format!(
            "{} s leaves nothing to score of sequence {k} (window [{}, {}])",
            show(lead),
            show(s.window().t0()),
            show(s.window().t1())
        ),
    ))
}

/// Says on standard error how many windows of `length` were cut from how many sequences, and
/// `how` each is taken.
fn say_cut(length: f64, sequences: usize, windows: usize, how: &str) {
    eprintln!(
        "note: --window-length {} cut {sequences} sequence{} into {windows} windows{how}",
        pp_core::messages::show_number(length),
        if sequences == 1 { "" } else { "s" },
    );
}

/// A window-cutting error of pp-core as an error of `--window-length`.
pub(crate) fn flag_error(e: PpError) -> CliError {
    match e {
        PpError::InvalidArgument { reason, .. } => CliError::argument("--window-length", reason),
        other => other.into(),
    }
}
