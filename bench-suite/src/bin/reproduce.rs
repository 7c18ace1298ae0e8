//! `reproduce`: reruns the three synthetic experiments of the ∂SNN paper (docs/math.md §7) and
//! writes `REPORT.md`, `summary.json` and one SVG plot per experiment.
//!
//! ```text
//! cargo run --release -p bench-suite --bin reproduce            # reduced defaults, under a minute
//! cargo run --release -p bench-suite --bin reproduce -- --full  # the reference's protocol
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use bench_suite::{BenchError, Config};
use clap::Parser;

/// Reproduce the ∂SNN paper's synthetic experiments: (1) gradient spread of the path-wise and
/// score-function estimators, (2) test negative ELBO and the particle filter's test negative
/// log-likelihood against the number of training sequences, (3) per-epoch training time
/// against the amplitude a.
///
/// Without options: reduced versions that finish in under a minute on two cores. With --full:
/// the reference's protocol (1,000 gradient draws on 3 problem instances; 10…200 training
/// sequences × 24 trials × 10 epochs, the filter with 128 particles; a = 1…20 with 100 timed
/// epochs), about 30–40 minutes (estimated). Options below
/// override single settings.
#[derive(Debug, Parser)]
#[command(name = "reproduce", version)]
struct Args {
    /// Run the reference's full protocol instead of the reduced defaults.
    #[arg(long, conflicts_with = "tiny")]
    full: bool,
    /// Run a tiny configuration (seconds; for smoke tests).
    #[arg(long)]
    tiny: bool,
    /// Output folder (created if needed).
    #[arg(long, value_name = "DIR", default_value = "results")]
    out: PathBuf,
    /// Master seed of every random draw.
    #[arg(long, default_value_t = 43)]
    seed: u64,
    /// No progress bars.
    #[arg(long, short)]
    quiet: bool,
    /// Worker threads (default: rayon's, one per core). Results other than timings do not
    /// depend on it.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Experiment 1: gradient draws per estimator, compensator and problem instance.
    #[arg(long, value_name = "R")]
    draws: Option<usize>,
    /// Experiment 1: problem instances, each reported separately (default 1; --full 3).
    #[arg(long, value_name = "N")]
    instances: Option<usize>,
    /// Experiment 2: numbers of training sequences, comma separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    n_train: Option<Vec<usize>>,
    /// Experiment 2: trials per number of training sequences.
    #[arg(long, value_name = "N")]
    trials: Option<usize>,
    /// Experiment 2: training epochs.
    #[arg(long, value_name = "N")]
    epochs: Option<usize>,
    /// Experiment 2: hidden samples per test sequence in the evaluation.
    #[arg(long, value_name = "N")]
    eval_samples: Option<usize>,
    /// Experiment 2: particles of the particle filter's test log-likelihood (default 16;
    /// --full 128).
    #[arg(long, value_name = "N")]
    particles: Option<usize>,
    /// Experiment 2: independent runs of the particle filter per test sequence (≥ 2).
    #[arg(long, value_name = "N")]
    smc_runs: Option<usize>,
    /// Experiment 3: amplitudes a, comma separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    amplitudes: Option<Vec<f64>>,
    /// Experiment 3: timed epochs per run (Monte Carlo compensator).
    #[arg(long, value_name = "N")]
    timing_epochs: Option<usize>,
    /// Experiment 3: timed epochs per run with the quadrature compensator (0 skips).
    #[arg(long, value_name = "N")]
    quadrature_epochs: Option<usize>,
    /// Points of the Monte Carlo compensator in training and in experiment 1 (the
    /// reference's 100).
    #[arg(long, value_name = "N")]
    mc_points: Option<usize>,
}

impl Args {
    fn config(&self) -> Config {
        let mut c = if self.full {
            Config::full()
        } else if self.tiny {
            Config::tiny()
        } else {
            Config::default()
        };
        c.seed = self.seed;
        if let Some(v) = self.draws {
            c.exp1.draws = v;
        }
        if let Some(v) = self.instances {
            c.exp1.instances = v;
        }
        if let Some(v) = &self.n_train {
            c.exp2.n_train = v.clone();
        }
        if let Some(v) = self.trials {
            c.exp2.trials = v;
        }
        if let Some(v) = self.epochs {
            c.exp2.epochs = v;
        }
        if let Some(v) = self.eval_samples {
            c.exp2.eval_samples = v;
        }
        if let Some(v) = self.particles {
            c.exp2.smc_particles = v;
        }
        if let Some(v) = self.smc_runs {
            c.exp2.smc_runs = v;
        }
        if let Some(v) = &self.amplitudes {
            c.exp3.amplitudes = v.clone();
        }
        if let Some(v) = self.timing_epochs {
            c.exp3.epochs = v;
        }
        if let Some(v) = self.quadrature_epochs {
            c.exp3.quadrature_epochs = v;
        }
        if let Some(v) = self.mc_points {
            c.exp1.mc_points = v;
            c.exp2.mc_points = v;
            c.exp3.mc_points = v;
        }
        c
    }
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut s = String::from("cargo run --release -p bench-suite --bin reproduce");
    if !args.is_empty() {
        s.push_str(" -- ");
        s.push_str(&args.join(" "));
    }
    s
}

fn main_inner(args: &Args) -> Result<(), BenchError> {
    let config = args.config();
    config.check()?;
    if let Some(n) = args.threads {
        if n == 0 {
            return Err(BenchError::config("--threads", "must be at least 1"));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| BenchError::config("--threads", e.to_string()))?;
    }
    let summary = bench_suite::run(&config, !args.quiet)?;
    let files = bench_suite::write_outputs(&summary, &config, &args.out, &command_line())?;
    for i in summary.exp1.instances() {
        println!(
            "exp 1: instance {}: robust spread 1.4826 MAD over {} draws: path-wise {:.4} / score {:.4} \
             (Monte Carlo), {:.4} / {:.4} (quadrature); std {:.4} / {:.4} (Monte Carlo; paper 66.3 / 2490); \
             top 1 % share of the sum of squares {:.3} / {:.3}",
            i.instance,
            summary.exp1.draws,
            i.pathwise_mc.mean_mad_std,
            i.score_mc.mean_mad_std,
            i.pathwise_quadrature.mean_mad_std,
            i.score_quadrature.mean_mad_std,
            i.pathwise_mc.mean_std,
            i.score_mc.mean_std,
            i.pathwise_mc.top1_share,
            i.score_mc.top1_share,
        );
    }
    for p in &summary.exp2.points {
        println!(
            "exp 2: {:>4} training sequences: test -ELBO path-wise {:.2} ± {:.2}, score {:.2} ± {:.2}, data model {:.2} ± {:.2}; \
             SMC -log p(O) path-wise {:.2} ± {:.2}, score {:.2} ± {:.2}, data model {:.2} ± {:.2}",
            p.n_train,
            p.pathwise.mean,
            p.pathwise.se,
            p.score.mean,
            p.score.se,
            p.truth.mean,
            p.truth.se,
            p.pathwise_smc.mean,
            p.pathwise_smc.se,
            p.score_smc.mean,
            p.score_smc.se,
            p.true_smc.mean,
            p.true_smc.se,
        );
    }
    for p in &summary.exp3.points {
        println!(
            "exp 3: a = {:>4}: {:.4} s / {:.4} s per epoch (path-wise / score, ratio {:.2})",
            p.amplitude, p.pathwise_s, p.score_s, p.ratio
        );
    }
    println!(
        "total {:.1} s; wrote {}",
        summary.timings.total_s,
        files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    match main_inner(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
