//! The Rust library's side of the Python overhead benchmark (`bench-suite/scripts/
//! python_overhead.py`): the time of the calls the Python package makes, on the same model
//! and data, without Python. Prints one JSON line of per-call seconds.
//!
//! `cargo run --release -p bench-suite --example library_timings -- MODEL.json OBSERVED.json
//! REPEATS [fit options...]`

use std::time::Instant;

use clap::Parser;
use diffsnn_cli::commands::simulate::{Limits, simulate_sequences};
use diffsnn_cli::commands::{Cli, Command};
use diffsnn_cli::io::{ReadOptions, read_spikes};
use pp_core::Window;
use vi_train::vi::Trainer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model_path, data_path, repeats, fit_options @ ..] = args.as_slice() else {
        return Err("usage: library_timings MODEL.json OBSERVED.json REPEATS [fit options]".into());
    };
    let repeats: usize = repeats.parse()?;
    let model = snn_model::Snn::read_json(model_path)?;
    let data = read_spikes(data_path, &ReadOptions::default())?.into_sequences();
    let window = Window::new(0.0, 50.0)?;

    // simulate: one sequence of the paper's length, as Model.simulate(50.0, seed=k)
    let start = Instant::now();
    let mut spikes = 0;
    for k in 0..repeats {
        let bar = indicatif::ProgressBar::hidden();
        let s = simulate_sequences(
            &model,
            "m",
            window,
            1,
            k as u64,
            Limits::new(50_000_000),
            &bar,
        )?;
        spikes += s[0].len();
    }
    let simulate = start.elapsed().as_secs_f64() / repeats as f64;

    // one fit epoch, as diffsnn.fit(trains, hidden, epochs=1, **options)
    let mut argv: Vec<String> = ["diffsnn", "fit", "--spikes", "-", "--out", "-", "--quiet"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    argv.extend(fit_options.iter().cloned());
    let Command::Fit(fit) = Cli::try_parse_from(&argv)?.command else {
        unreachable!("parsed as fit")
    };
    let start = Instant::now();
    let mut loss = 0.0;
    for _ in 0..repeats {
        let config = fit.config()?;
        let p = fit.initial_p(data[0].dim(), None)?;
        let mut trainer = Trainer::new(fit.variational_model(p)?, config)?;
        let report = trainer.fit_observed_with(&data, None, &mut ())?;
        loss += report.records[0].loss;
    }
    let epoch = start.elapsed().as_secs_f64() / repeats as f64;
    println!(
        "{{\"simulate_seconds\": {simulate}, \"epoch_seconds\": {epoch}, \"spikes\": {spikes}, \"loss\": {}}}",
        loss / repeats as f64
    );
    Ok(())
}
