//! The lead-in of a sequence: its first seconds are history only (sampled or filtered, never
//! scored), so that what is scored is conditioned on the spikes before it — the windows of a
//! long recording (docs/math.md, "Windows of a long recording"). One check and one start of the
//! scored stretch for training ([`ObjectiveOptions`](crate::vi::ObjectiveOptions)) and the
//! test metrics ([`EvalOptions`](crate::vi::EvalOptions),
//! [`IwaeOptions`](crate::marginal::IwaeOptions), [`SmcOptions`](crate::marginal::SmcOptions)).

use pp_core::EventSequence;

use crate::error::{Result, ViError};

/// An error unless `lead_in` is finite and non-negative.
///
/// ```
/// assert!(vi_train::lead_in::check(4.0).is_ok());
/// assert!(vi_train::lead_in::check(-1.0).unwrap_err().to_string().contains("lead-in"));
/// assert!(vi_train::lead_in::check(f64::NAN).is_err());
/// ```
pub fn check(lead_in: f64) -> Result<()> {
    if lead_in.is_finite() && lead_in >= 0.0 {
        return Ok(());
    }
    Err(ViError::argument(
        "lead-in",
        format!("must be finite and non-negative, got {lead_in}"),
    ))
}

/// Where the scored stretch of `seq` starts, `T0 + lead_in`: an error naming the sequence's
/// window when the lead-in leaves nothing to score.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let seq = EventSequence::empty(Window::new(10.0, 20.0)?, 1)?;
/// assert_eq!(vi_train::lead_in::scored_from(&seq, 4.0)?, 14.0);
/// let err = vi_train::lead_in::scored_from(&seq, 10.0).unwrap_err();
/// assert!(err.to_string().contains("leaves nothing to score"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scored_from(seq: &EventSequence, lead_in: f64) -> Result<f64> {
    let w = seq.window();
    let from = w.t0() + lead_in;
    if from < w.t1() {
        return Ok(from);
    }
    Err(ViError::argument(
        "lead-in",
        format!(
            "{lead_in} s leaves nothing to score of a sequence on [{}, {}]",
            w.t0(),
            w.t1()
        ),
    ))
}

/// [`scored_from`] of every sequence of `data` after [`check`]ing `lead_in`: an error naming
/// the first sequence the lead-in leaves nothing of.
///
/// ```
/// use pp_core::{EventSequence, Window};
/// let data = [EventSequence::empty(Window::new(0.0, 5.0)?, 1)?, EventSequence::empty(Window::new(0.0, 2.0)?, 1)?];
/// assert_eq!(vi_train::lead_in::scored_starts(&data[..1], 3.0)?, vec![3.0]);
/// assert!(vi_train::lead_in::scored_starts(&data, 3.0).unwrap_err().to_string().contains("sequence 1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn scored_starts(data: &[EventSequence], lead_in: f64) -> Result<Vec<f64>> {
    check(lead_in)?;
    data.iter()
        .enumerate()
        .map(|(i, seq)| {
            scored_from(seq, lead_in).map_err(|e| {
                ViError::argument("lead-in", format!("sequence {i}: {}", argument_reason(e)))
            })
        })
        .collect()
}

/// The reason of an argument error (the whole message otherwise).
fn argument_reason(e: ViError) -> String {
    match e {
        ViError::InvalidArgument { reason, .. } => reason,
        other => other.to_string(),
    }
}
