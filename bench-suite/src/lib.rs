//! # bench-suite
//!
//! The `reproduce` program — the three synthetic experiments of the ∂SNN paper (docs/math.md §7)
//! rerun on this workspace — and end-to-end criterion benchmarks.
//!
//! * [`exp1`]: the spread of the path-wise and score-function gradient estimators at the
//!   initial parameters (robust spread, standard deviation, top 1 % tail share), with the
//!   Monte Carlo compensator (the reference's protocol) and with quadrature, on the same
//!   sampling noise;
//! * [`exp2`]: the test negative ELBO and the particle filter's test negative log-likelihood
//!   against the number of training sequences, both estimators and the data model;
//! * [`exp3`]: the per-epoch training time against the amplitude `a`, both estimators.
//!
//! [`Config`] holds the settings ([`Config::default`]: reduced, a few minutes on two cores;
//! [`Config::full`]: the reference's protocol); [`run`] runs the three experiments and returns
//! a [`Summary`]; [`write_outputs`] writes `REPORT.md`, `summary.json` and one SVG plot per
//! experiment, each atomically. Every random draw comes from its own generator derived from the
//! master seed ([`setting::stream`]), so a seed gives the same results (all but the timings)
//! for any number of threads.
//!
//! ```
//! let config = bench_suite::Config::tiny();
//! let summary = bench_suite::run(&config, false)?;
//! assert!(summary.exp1.fixed.pathwise_mc.mean_mad_std < summary.exp1.fixed.score_mc.mean_mad_std);
//! let dir = tempfile::tempdir().unwrap();
//! let files = bench_suite::write_outputs(&summary, &config, dir.path(), "reproduce")?;
//! assert!(files.iter().any(|f| f.ends_with("summary.json")));
//! # Ok::<(), bench_suite::BenchError>(())
//! ```

#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod exp1;
pub mod exp2;
pub mod exp3;
pub mod plots;
pub mod report;
pub mod setting;
pub mod stats;
pub mod summary;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

pub use config::{Config, Exp1Config, Exp2Config, Exp3Config};
pub use error::{BenchError, Result};
pub use summary::Summary;

/// The names of the files [`write_outputs`] writes, in order.
pub const OUTPUT_FILES: [&str; 5] = [
    "summary.json",
    "REPORT.md",
    "exp1_gradient_std.svg",
    "exp2_test_loss.svg",
    "exp3_epoch_time.svg",
];

/// A progress bar for a stage, drawn on a terminal; when standard error is not a terminal (a
/// log, a CI run), one plain line says the stage started instead.
fn bar(len: u64, message: &'static str, progress: bool) -> ProgressBar {
    if !progress {
        return ProgressBar::hidden();
    }
    if !std::io::stderr().is_terminal() {
        eprintln!("{message}: {len} to do");
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:<34} [{bar:30}] {pos}/{len} ({elapsed}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// Ends a stage: the bar stays on a terminal; otherwise one plain line with the stage's time.
fn finish(bar: &ProgressBar, stage: &str, seconds: f64, progress: bool) {
    if bar.is_hidden() {
        if progress {
            eprintln!("{stage}: done in {seconds:.1} s");
        }
    } else {
        bar.finish();
    }
}

/// Runs the three experiments with `config` (checked first), with progress on standard error
/// when `progress` is true: bars on a terminal, one plain line per stage otherwise.
///
/// ```
/// let mut config = bench_suite::Config::tiny();
/// config.exp2.trials = 0;
/// assert!(bench_suite::run(&config, false).is_err());
/// ```
pub fn run(config: &Config, progress: bool) -> Result<Summary> {
    config.check()?;
    let load_before = summary::load_average();
    let start = Instant::now();
    let seed = config.seed;

    let c1 = &config.exp1;
    let b = bar(
        (4 * c1.draws * c1.instances) as u64,
        "exp 1: gradient draws",
        progress,
    );
    let t = Instant::now();
    let exp1 = exp1::run(c1, seed, &b)?;
    let exp1_s = t.elapsed().as_secs_f64();
    finish(&b, "exp 1", exp1_s, progress);

    let c2 = &config.exp2;
    let runs = 2 * c2.trials * c2.n_train.len();
    let b = bar(runs as u64, "exp 2: training runs", progress);
    let t = Instant::now();
    let exp2 = exp2::run(c2, seed, &b)?;
    let exp2_s = t.elapsed().as_secs_f64();
    finish(&b, "exp 2", exp2_s, progress);

    let c3 = &config.exp3;
    let per_a = if c3.quadrature_epochs > 0 { 4 } else { 2 };
    let b = bar(
        (per_a * c3.amplitudes.len()) as u64,
        "exp 3: timed training runs",
        progress,
    );
    let t = Instant::now();
    let exp3 = exp3::run(c3, seed, &b)?;
    let exp3_s = t.elapsed().as_secs_f64();
    finish(&b, "exp 3", exp3_s, progress);

    Ok(Summary {
        seed,
        settings: summary::Settings::current(),
        exp1,
        exp2,
        exp3,
        timings: summary::Timings {
            exp1_s,
            exp2_s,
            exp3_s,
            total_s: start.elapsed().as_secs_f64(),
            threads: rayon::current_num_threads(),
            load_before,
            load_after: summary::load_average(),
        },
    })
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    diffsnn_cli::io::write_bytes_atomic(path, text.as_bytes())?;
    Ok(())
}

/// Writes the outputs of `summary` (a run of `config` started by `command`) into `dir`
/// (created if needed): [`OUTPUT_FILES`] — `summary.json`, `REPORT.md` and the three plots.
/// Every file is written to a temporary file in `dir` and renamed into place. Returns the
/// paths written.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let config = bench_suite::Config::tiny();
/// let summary = bench_suite::run(&config, false)?;
/// let out = dir.path().join("nested/results");
/// let files = bench_suite::write_outputs(&summary, &config, &out, "reproduce")?;
/// assert_eq!(files.len(), 5);
/// assert!(std::fs::read_to_string(out.join("REPORT.md")).unwrap().contains("Experiment 3"));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn write_outputs(
    summary: &Summary,
    config: &Config,
    dir: &Path,
    command: &str,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| BenchError::io(dir, e))?;
    let mut json = summary.to_json()?;
    json.push('\n');
    let contents = [
        json,
        report::report_markdown(summary, config, command),
        plots::exp1_svg(&summary.exp1)?,
        plots::exp2_svg(&summary.exp2)?,
        plots::exp3_svg(&summary.exp3)?,
    ];
    let mut written = Vec::with_capacity(OUTPUT_FILES.len());
    for (name, text) in OUTPUT_FILES.iter().zip(contents) {
        let path = dir.join(name);
        write_text(&path, &text)?;
        written.push(path);
    }
    Ok(written)
}
