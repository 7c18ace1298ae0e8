//! Files: spike trains (`spikes/v1`, JSON and CSV), query times, loss curves, and the atomic
//! writer every output goes through. Model files (`srm-snn/v1`) are read and written by
//! [`snn_model::Snn::read_json`] and [`snn_model::Snn::to_json_string`].

mod atomic;
mod loss;
mod query;
mod spikes;

pub use atomic::{write_atomic, write_bytes_atomic};
pub use loss::{LossPoint, parse_loss_csv, read_loss_csv};
pub use query::{parse_query_times, read_query_times};
pub use spikes::{
    CSV_HEADER, ExpectedNeurons, MAX_CSV_SEQUENCES, ReadOptions, SPIKES_FORMAT, SpikeFormat,
    SpikeTrains,
};
