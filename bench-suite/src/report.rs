//! `REPORT.md`: the human-readable result of a run — the settings, the command, the time each
//! experiment took, and tables with the paper's numbers beside ours.

use std::fmt::Write as _;

use crate::config::{Config, PAPER_PATHWISE_STD, PAPER_SCORE_STD, PAPER_TIME_RATIO};
use crate::exp1::{Exp1Instance, Exp1Result, GradientSpread};
use crate::exp2::{Exp2Point, Exp2Result};
use crate::stats::MeanSe;
use crate::summary::Summary;

fn num(x: f64) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let a = x.abs();
    if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.01 {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    }
}

fn secs(x: f64) -> String {
    if x >= 1.0 {
        format!("{x:.2} s")
    } else {
        format!("{:.1} ms", 1e3 * x)
    }
}

fn opt_secs(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), secs)
}

/// How many paired differences (score − path-wise) are more than two standard errors above 0
/// (path-wise better), more than two below (score function better), and neither.
///
/// ```
/// use bench_suite::stats::MeanSe;
/// let d = [MeanSe { mean: 5.0, se: 1.0, n: 6 }, MeanSe { mean: -1.0, se: 1.0, n: 6 },
///          MeanSe { mean: -3.0, se: 1.0, n: 6 }];
/// assert_eq!(bench_suite::report::estimator_wins(&d), [1, 1, 1]);
/// ```
pub fn estimator_wins(differences: &[MeanSe]) -> [usize; 3] {
    let mut wins = [0; 3];
    for d in differences {
        let k = if d.se.is_finite() && d.mean > 2.0 * d.se {
            0
        } else if d.se.is_finite() && d.mean < -2.0 * d.se {
            2
        } else {
            1
        };
        wins[k] += 1;
    }
    wins
}

/// The sentence saying which estimator wins on a metric: the (trial, size) pairs in which
/// path-wise is lower (`lower` of `pairs`) with the sign test, and the paired differences per
/// size against two standard errors.
fn verdict(metric: &str, differences: &[MeanSe], lower: usize, pairs: usize) -> String {
    let [pathwise, neither, score] = estimator_wins(differences);
    let n = differences.len();
    let p = crate::stats::sign_test_p(lower, pairs);
    let winner = if p >= 0.05 {
        "neither estimator wins clearly"
    } else if 2 * lower > pairs {
        "the path-wise estimator wins"
    } else {
        "the score-function estimator wins"
    };
    format!(
        "On the {metric}, {winner}: the path-wise model is lower in {lower} of {pairs} \
         (trial, size) pairs (two-sided sign test p = {}; pairs of one trial share its data, so \
         this is indicative), and the paired difference score − path-wise is more than two \
         standard errors above 0 (path-wise better) at {pathwise} of {n} training sizes, more \
         than two below (score function better) at {score}, within two at {neither}.",
        num(p)
    )
}

fn spread_row(s: &mut String, est: &str, comp: &str, g: &GradientSpread, paper: &str) {
    let _ = writeln!(
        s,
        "| {est} | {comp} | {} | {} | {paper} | {} | {} | {} | {} |",
        num(g.mean_mad_std),
        num(g.mean_std),
        num(g.top1_share),
        num(g.mean_top1_share),
        num(g.mean_abs_mean),
        num(g.max_std)
    );
}

fn instance_table(s: &mut String, e1: &Exp1Result, i: &Exp1Instance) {
    let _ = writeln!(
        s,
        "| estimator | compensator | robust spread (mean 1.4826 MAD) | std (mean) | paper (std) | top 1 % share of Σ‖g − ḡ‖² | top 1 % share per coordinate (mean) | mean abs. mean gradient | largest std |"
    );
    let _ = writeln!(
        s,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    let mc = format!("Monte Carlo ({} points)", e1.mc_points);
    let rows = [
        (
            "path-wise",
            mc.as_str(),
            &i.pathwise_mc,
            num(PAPER_PATHWISE_STD),
        ),
        (
            "score function",
            mc.as_str(),
            &i.score_mc,
            num(PAPER_SCORE_STD),
        ),
        (
            "path-wise",
            "quadrature",
            &i.pathwise_quadrature,
            "—".into(),
        ),
        (
            "score function",
            "quadrature",
            &i.score_quadrature,
            "—".into(),
        ),
        (
            "path-wise",
            "MC − quadrature (same noise)",
            &i.pathwise_mc_minus_quadrature,
            "—".into(),
        ),
        (
            "score function",
            "MC − quadrature (same noise)",
            &i.score_mc_minus_quadrature,
            "—".into(),
        ),
    ];
    for (est, comp, g, paper) in rows {
        spread_row(s, est, comp, g, &paper);
    }
    let ratio =
        |a: &GradientSpread, b: &GradientSpread, f: fn(&GradientSpread) -> f64| num(f(a) / f(b));
    let _ = writeln!(
        s,
        "\nRatio score function / path-wise, robust spread: {} with Monte Carlo, {} with \
         quadrature; standard deviation: {} with Monte Carlo (paper {}), {} with quadrature.\n",
        ratio(&i.score_mc, &i.pathwise_mc, |g| g.mean_mad_std),
        ratio(&i.score_quadrature, &i.pathwise_quadrature, |g| g
            .mean_mad_std),
        ratio(&i.score_mc, &i.pathwise_mc, |g| g.mean_std),
        num(PAPER_SCORE_STD / PAPER_PATHWISE_STD),
        ratio(&i.score_quadrature, &i.pathwise_quadrature, |g| g.mean_std),
    );
}

fn experiment1(s: &mut String, e1: &Exp1Result) {
    let _ = writeln!(
        s,
        "## Experiment 1: gradient spread at the initial parameters\n"
    );
    let _ = writeln!(
        s,
        "One gradient is the **sum** over the {} training sequences of the per-sequence \
         E-step gradients (each with its own sample), as the reference differentiates the \
         objective summed over its sequences. Each variant is drawn R = {} times; every number \
         is a mean over the {} coordinates (biases and weights) of a per-coordinate statistic \
         over the draws. Both compensators of an estimator see the same sampling noise (the same \
         ∂PP Gumbel and uniform draws, or the same hidden samples), so their difference is the \
         compensator's alone (rows \"MC − quadrature\": the spread of that difference draw by \
         draw).\n",
        e1.n_train, e1.draws, e1.n_params
    );
    let _ = writeln!(
        s,
        "The path-wise gradient is heavy-tailed (rare draws hundreds of times larger than the \
         median one), so its plain standard deviation over R draws is dominated by a few draws \
         and grows with R. The table leads with the robust spread, per coordinate 1.4826 × the \
         median absolute deviation (the standard deviation for normal data). The tail \
         diagnostic is the share of the sum of squared deviations from the mean contributed by \
         the top 1 % of the R draws ({} of {}): at least 0.01 by construction, about 0.085 for \
         one normal coordinate, near 1 when a few draws make the variance. The paper's numbers \
         are standard deviations with the Monte Carlo compensator (the reference's protocol).\n",
        crate::stats::top_count(e1.draws, crate::exp1::TAIL_PERCENT),
        e1.draws
    );
    for i in e1.instances() {
        if !e1.other_instances.is_empty() {
            let what = if i.instance == 0 {
                "the fixed problem, shared with experiment 3".to_string()
            } else {
                format!("seed path {:?}", crate::exp1::problem_path(i.instance))
            };
            let _ = writeln!(s, "### Problem instance {} ({what})\n", i.instance);
        }
        instance_table(s, e1, i);
    }
}

fn smc_row(s: &mut String, p: &Exp2Point, trials: usize) {
    let _ = writeln!(
        s,
        "| {} | {} | {} / {} of {trials} |",
        p.n_train,
        metric_cells([
            &p.pathwise_smc,
            &p.score_smc,
            &p.true_smc,
            &p.score_minus_pathwise_smc
        ]),
        p.true_first_smc,
        p.true_first_elbo,
    );
}

/// Experiment 2's four metric cells (path-wise, score function, data model, paired
/// difference), each `mean ± se`, joined by the table's separators.
fn metric_cells(cells: [&MeanSe; 4]) -> String {
    cells
        .iter()
        .map(|c| format!("{} ± {}", num(c.mean), num(c.se)))
        .collect::<Vec<_>>()
        .join(" | ")
}

fn experiment2_smc(s: &mut String, e2: &Exp2Result) {
    let _ = writeln!(
        s,
        "\n### The honest metric: the particle filter's test negative log-likelihood\n"
    );
    let _ = writeln!(
        s,
        "Every model above, and the data model, on the same test sequences: −log p̂(O) per \
         sequence with the hidden neurons integrated out by the particle filter \
         (`vi_train::marginal`; {} particles × {} independent runs per sequence, quadrature \
         compensator, so p̂(O) is unbiased; the same filter seed for every model of a trial). \
         Mean ± standard error over the trials; lower is better. The data model minimises the \
         expected value over data, so it should rank first up to noise; the last column counts \
         the trials where it has the lowest value of the three models (the data model and the \
         two trained ones), on this metric and on the negative ELBO. The filter is noisy: \
         independent runs of one sequence differ, log p̂ having a standard deviation over the \
         runs of {} nats on average over the data models' test sequences and up to {} for the \
         worst model (its reported delta-method standard error, at most {} here, is bounded \
         with 2 runs and understates this). Since E[log p̂] ≤ log p, −log p̂ is biased upwards, \
         by more with fewer particles and for models whose hidden neurons matter most (the \
         data models): their values here are upper bounds in expectation, and more particles \
         (`--particles`) lower them.\n",
        e2.smc_particles,
        e2.smc_runs,
        num(e2.true_smc_log_sd),
        num(e2.smc_max_log_sd),
        num(e2.smc_max_se),
    );
    let _ = writeln!(
        s,
        "| training sequences | path-wise | score function | data model | score − path-wise (paired) | data model first (filter / ELBO) |"
    );
    let _ = writeln!(s, "| ---: | ---: | ---: | ---: | ---: | :---: |");
    for p in &e2.points {
        smc_row(s, p, e2.trials);
    }
    let smc: Vec<MeanSe> = e2
        .points
        .iter()
        .map(|p| p.score_minus_pathwise_smc)
        .collect();
    let elbo: Vec<MeanSe> = e2.points.iter().map(|p| p.score_minus_pathwise).collect();
    let first_smc: usize = e2.points.iter().map(|p| p.true_first_smc).sum();
    let first_elbo: usize = e2.points.iter().map(|p| p.true_first_elbo).sum();
    let pairs = e2.trials * e2.points.len();
    let paired = |f: fn(&Exp2Point) -> MeanSe| e2.points.iter().map(|p| f(p).n).sum::<usize>();
    let lower_smc: usize = e2.points.iter().map(|p| p.pathwise_lower_smc).sum();
    let lower_elbo: usize = e2.points.iter().map(|p| p.pathwise_lower_elbo).sum();
    let _ = writeln!(
        s,
        "\n{}\n\n{}\n\nThe data model ranks first in {first_smc} of {pairs} (trial, size) pairs \
         on the particle filter's metric and in {first_elbo} of {pairs} on the negative ELBO.",
        verdict(
            "particle filter's test negative log-likelihood",
            &smc,
            lower_smc,
            paired(|p| p.score_minus_pathwise_smc)
        ),
        verdict(
            "test negative ELBO",
            &elbo,
            lower_elbo,
            paired(|p| p.score_minus_pathwise)
        ),
    );
}

/// The report of `summary`, a run of `config` started by `command`.
///
/// ```
/// let c = bench_suite::Config::tiny();
/// let s = bench_suite::run(&c, false)?;
/// let text = bench_suite::report::report_markdown(&s, &c, "reproduce --tiny");
/// assert!(text.contains("66.3") && text.contains("reproduce --tiny"));
/// # Ok::<(), bench_suite::BenchError>(())
/// ```
pub fn report_markdown(summary: &Summary, config: &Config, command: &str) -> String {
    let mut s = String::new();
    let t = &summary.timings;
    let e1 = &summary.exp1;
    let e2 = &summary.exp2;
    let e3 = &summary.exp3;
    let st = &summary.settings;
    let _ = writeln!(s, "# ∂SNN synthetic experiments: reproduction report\n");
    let _ = writeln!(s, "Command: `{command}`  ");
    let _ = writeln!(
        s,
        "Seed {} · {} threads · load average before {} / after {} (1, 5, 15 min)  ",
        summary.seed,
        t.threads,
        t.load_before.as_deref().unwrap_or("n/a"),
        t.load_after.as_deref().unwrap_or("n/a"),
    );
    let _ = writeln!(
        s,
        "Time: {} in all — experiment 1 {}, experiment 2 {}, experiment 3 {}.\n",
        secs(t.total_s),
        secs(t.exp1_s),
        secs(t.exp2_s),
        secs(t.exp3_s)
    );
    let _ = writeln!(s, "## Settings\n");
    let _ = writeln!(
        s,
        "* Data model: a random SNN with {} observed + {} hidden neurons, K = {} Epanechnikov \
         bases (centres 0 and 10, scale 1), sigmoid amplitude a = {}, sequences on [0, {}]; \
         weights U({}, {}), diagonal U({}, {}), biases U({}, {}); training models drawn the \
         same way from another seed.",
        st.n_obs,
        st.n_hidden,
        st.n_basis,
        st.data_amplitude,
        st.length,
        st.init_weights[0],
        st.init_weights[1],
        st.init_diagonal[0],
        st.init_diagonal[1],
        st.init_bias[0],
        st.init_bias[1],
    );
    let _ = writeln!(
        s,
        "* Training: q = p (shared parameters), {}, {} with learning rate {}, temperature {} × \
         {}^epoch, regulariser {} ‖W‖_F, Monte Carlo compensator with {} points.",
        st.scheme,
        st.optimizer,
        st.learning_rate,
        st.temperature,
        st.temperature_decay,
        st.regularisation,
        config.exp2.mc_points,
    );
    let _ = writeln!(
        s,
        "* Experiment 1: {} draws per variant, {} training sequences, temperature {}, {} problem \
         instance{}.",
        e1.draws,
        e1.n_train,
        e1.temperature,
        1 + e1.other_instances.len(),
        if e1.other_instances.is_empty() {
            ""
        } else {
            "s"
        }
    );
    let _ = writeln!(
        s,
        "* Experiment 2: training sequences {:?}, {} trials, {} epochs, {} test sequences, {} \
         hidden samples per test sequence, evaluation compensator Monte Carlo with {} points; \
         particle filter with {} particles × {} runs per test sequence (quadrature compensator).",
        config.exp2.n_train,
        e2.trials,
        e2.epochs,
        e2.n_test,
        e2.eval_samples,
        config.exp2.eval_mc_points,
        e2.smc_particles,
        e2.smc_runs
    );
    let _ = writeln!(
        s,
        "* Experiment 3: amplitudes {:?}, {} training sequences, {} timed epochs per run \
         (Monte Carlo compensator){}.\n",
        config.exp3.amplitudes,
        config.exp3.n_train,
        e3.epochs,
        if e3.quadrature_epochs > 0 {
            format!(", {} with quadrature", e3.quadrature_epochs)
        } else {
            String::new()
        }
    );

    experiment1(&mut s, e1);
    let _ = writeln!(s, "![experiment 1](exp1_gradient_std.svg)\n");

    let _ = writeln!(
        s,
        "## Experiment 2: test negative ELBO against the number of training sequences\n"
    );
    let _ = writeln!(
        s,
        "Mean ± standard error over {} trials of the test negative ELBO per sequence (lower is \
         better; no regulariser). Each trial has its own data model, data and initial model, so \
         the means vary mostly between trials; the paired column compares the two estimators \
         within trials (positive: the path-wise estimator is better). The paper reports that \
         the path-wise estimator gives the lower loss. The data model's line is its negative \
         ELBO with its own prior over the hidden spikes as `q` (q = p, as every model here is \
         evaluated): a reference line, not a bound. With q = p the hidden neurons' densities \
         cancel and the negative ELBO is −E[log p(O | H)] with H drawn from the model's own \
         hidden intensities given the observed spikes so far (not from its posterior), so a trained model that explains the observed spikes \
         without relying on its hidden neurons can go below the data model.\n",
        e2.trials
    );
    let _ = writeln!(
        s,
        "| training sequences | path-wise | score function | data model (q = p) | score − path-wise (paired) | diverged runs (path-wise / score) |"
    );
    let _ = writeln!(s, "| ---: | ---: | ---: | ---: | ---: | :---: |");
    for p in &e2.points {
        let _ = writeln!(
            s,
            "| {} | {} | {} / {} |",
            p.n_train,
            metric_cells([&p.pathwise, &p.score, &p.truth, &p.score_minus_pathwise]),
            p.pathwise_failed,
            p.score_failed
        );
    }
    experiment2_smc(&mut s, e2);
    let _ = writeln!(s, "\n![experiment 2](exp2_test_loss.svg)\n");

    let _ = writeln!(
        s,
        "## Experiment 3: per-epoch training time against the amplitude a\n"
    );
    let _ = writeln!(
        s,
        "Wall-clock seconds per epoch ({} sequences, E and M steps each) on one thread, the \
         path-wise and the score-function run of each amplitude with their epochs interleaved. \
         Paper: the path-wise estimator costs about {}× the score function.\n",
        config.exp3.n_train, PAPER_TIME_RATIO
    );
    let _ = writeln!(
        s,
        "| a | path-wise (MC) | score function (MC) | ratio (paper ≈ {}) | path-wise (quadrature) | score function (quadrature) | ratio (quadrature) |",
        PAPER_TIME_RATIO
    );
    let _ = writeln!(s, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for p in &e3.points {
        let qr = match (p.pathwise_quadrature_s, p.score_quadrature_s) {
            (Some(a), Some(b)) => num(a / b),
            _ => "—".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} |",
            p.amplitude,
            secs(p.pathwise_s),
            secs(p.score_s),
            num(p.ratio),
            opt_secs(p.pathwise_quadrature_s),
            opt_secs(p.score_quadrature_s),
            qr
        );
    }
    let diverged: Vec<String> = e3
        .points
        .iter()
        .flat_map(|p| {
            p.runs.iter().filter_map(move |r| {
                r.diverged_at
                    .map(|e| format!("a = {} (epoch {e})", p.amplitude))
            })
        })
        .collect();
    if !diverged.is_empty() {
        let _ = writeln!(
            s,
            "\nRuns that diverged (timed over the epochs completed): {}.",
            diverged.join(", ")
        );
    }
    let _ = writeln!(s, "\n![experiment 3](exp3_epoch_time.svg)");
    s
}
