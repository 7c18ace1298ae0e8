//! Files: spike trains on disk (the `spikes/v1` JSON and CSV formats are pp-core's
//! [`spike_files`](pp_core::spike_files)), query times, loss curves, and the atomic writer
//! every output goes through. Model files (`srm-snn/v1`) are read and written by
//! [`snn_model::Snn::read_json`] and [`snn_model::Snn::to_json_string`].

mod atomic;
mod loss;
mod query;
mod spikes;
#[cfg(test)]
mod tests;

pub use atomic::{
    install_signal_cleanup, remove_pending_temporaries, write_atomic, write_bytes_atomic,
};
pub use loss::{LossPoint, parse_loss_csv, read_loss_csv};
pub use query::{check_query_window, parse_query_times, read_query_times};
pub use spikes::{ExpectedNeurons, ReadOptions, SpikeFormat, read_spikes, sequence, write_spikes};

/// A [`CliError::Csv`](crate::CliError::Csv) from a `csv` crate error, with the line and a
/// message without the crate's own position prefix.
pub(crate) fn csv_error(path: &str, e: &csv::Error) -> crate::CliError {
    let (line, message) = pp_core::spike_files::csv_error_parts(e);
    crate::CliError::Csv {
        path: path.into(),
        line,
        message,
    }
}
