//! `REPORT.md`: the human-readable result of a run — the settings, the command, the time each
//! experiment took, and tables with the paper's numbers beside ours.

use std::fmt::Write as _;

use crate::config::{Config, PAPER_PATHWISE_STD, PAPER_SCORE_STD, PAPER_TIME_RATIO};
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
        "* Experiment 1: {} draws per variant, {} training sequences, temperature {}.",
        e1.draws, e1.n_train, e1.temperature
    );
    let _ = writeln!(
        s,
        "* Experiment 2: training sequences {:?}, {} trials, {} epochs, {} test sequences, {} \
         hidden samples per test sequence, evaluation compensator Monte Carlo with {} points.",
        config.exp2.n_train,
        e2.trials,
        e2.epochs,
        e2.n_test,
        e2.eval_samples,
        config.exp2.eval_mc_points
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

    let _ = writeln!(
        s,
        "## Experiment 1: gradient standard deviation at the initial parameters\n"
    );
    let _ = writeln!(
        s,
        "One gradient is the **sum** over the {} training sequences of the per-sequence \
         E-step gradients (each with its own sample), as the reference differentiates the \
         objective summed over its sequences; the table gives the mean over the {} \
         coordinates (biases and weights) of each coordinate's standard deviation over {} \
         draws. The paper's numbers are for the Monte Carlo compensator (the reference's \
         protocol). The path-wise gradient is heavy-tailed (rare draws hundreds of times larger \
         than the median one), so its standard deviation over R draws is itself noisy; the \
         robust column (per coordinate 1.4826 × the median absolute deviation, the standard \
         deviation for normal data) shows the typical spread.\n",
        e1.n_train, e1.n_params, e1.draws
    );
    let _ = writeln!(
        s,
        "| estimator | compensator | mean std (ours) | paper | mean robust std (1.4826 MAD) | mean abs. mean gradient | largest std |"
    );
    let _ = writeln!(s, "| --- | --- | ---: | ---: | ---: | ---: | ---: |");
    let mc = format!("Monte Carlo ({} points)", e1.mc_points);
    for (est, comp, g, paper) in [
        (
            "path-wise",
            mc.as_str(),
            &e1.pathwise_mc,
            num(PAPER_PATHWISE_STD),
        ),
        (
            "score function",
            mc.as_str(),
            &e1.score_mc,
            num(PAPER_SCORE_STD),
        ),
        (
            "path-wise",
            "quadrature",
            &e1.pathwise_quadrature,
            "—".into(),
        ),
        (
            "score function",
            "quadrature",
            &e1.score_quadrature,
            "—".into(),
        ),
    ] {
        let _ = writeln!(
            s,
            "| {est} | {comp} | {} | {paper} | {} | {} | {} |",
            num(g.mean_std),
            num(g.mean_mad_std),
            num(g.mean_abs_mean),
            num(g.max_std)
        );
    }
    let _ = writeln!(
        s,
        "\nRatio score function / path-wise: {} with Monte Carlo (paper {}), {} with quadrature.\n",
        num(e1.score_mc.mean_std / e1.pathwise_mc.mean_std),
        num(PAPER_SCORE_STD / PAPER_PATHWISE_STD),
        num(e1.score_quadrature.mean_std / e1.pathwise_quadrature.mean_std),
    );
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
            "| {} | {} ± {} | {} ± {} | {} ± {} | {} ± {} | {} / {} |",
            p.n_train,
            num(p.pathwise.mean),
            num(p.pathwise.se),
            num(p.score.mean),
            num(p.score.se),
            num(p.truth.mean),
            num(p.truth.se),
            num(p.score_minus_pathwise.mean),
            num(p.score_minus_pathwise.se),
            p.pathwise_failed,
            p.score_failed
        );
    }
    let _ = writeln!(s, "\n![experiment 2](exp2_test_loss.svg)\n");

    let _ = writeln!(
        s,
        "## Experiment 3: per-epoch training time against the amplitude a\n"
    );
    let _ = writeln!(
        s,
        "Wall-clock seconds per epoch ({} sequences, E and M steps each), runs timed one after \
         the other on one thread. Paper: the path-wise estimator costs about {}× the score \
         function.\n",
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
