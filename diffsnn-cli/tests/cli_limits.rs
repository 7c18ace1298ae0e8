//! Work the program refuses to start, or stops with a message, instead of running for hours or
//! filling the memory without a word: thinning bounds that mean astronomically many candidates,
//! windows and sequence counts beyond `--max-events`, and weights too steep for the exact
//! compensator. Each fails fast, with status 1, a message that names the cause, and no file left.

#[path = "cli_common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;

/// The test model (`MODEL`) with one field replaced in its JSON text.
fn model_with(from: &str, to: &str) -> String {
    assert!(MODEL.contains(from), "{from}");
    MODEL.replace(from, to)
}

/// Fails within `seconds` (the point of the limits: no silent hour-long run). A generous bound:
/// each case takes milliseconds.
fn check_fast(name: &str, files: &[(&str, String)], args: &[&str], expect: &[&str], seconds: f64) {
    let start = Instant::now();
    check(name, files, args, expect);
    let took = start.elapsed().as_secs_f64();
    assert!(took < seconds, "{name}: took {took} s");
}

#[test]
fn simulate_refuses_runaway_work() {
    let huge = model_with("\"amplitude\": 5.0", "\"amplitude\": 1e300");
    check_fast(
        "amplitude 1e300",
        &[("big.json", huge)],
        &[
            "simulate", "--model", "big.json", "--t-end", "50", "--out", "s.json",
        ],
        &["big.json", "thinning candidates", "--max-events"],
        30.0,
    );
    check_fast(
        "a window of 1e9",
        &[],
        &[
            "simulate", "--model", "m.json", "--t-end", "1e9", "--out", "s.json",
        ],
        &["window of length", "--max-events"],
        30.0,
    );
    check_fast(
        "1e11 sequences",
        &[],
        &[
            "simulate",
            "--model",
            "m.json",
            "--t-end",
            "10",
            "--sequences",
            "100000000000",
            "--out",
            "s.json",
        ],
        &["--sequences", "100000000000"],
        30.0,
    );
    // a run that passes the bound's check but makes more spikes than allowed: stopped there
    check_fast(
        "more spikes than --max-events",
        &[],
        &[
            "simulate",
            "--model",
            "m.json",
            "--t-end",
            "200",
            "--sequences",
            "3",
            "--max-events",
            "50",
            "--out",
            "s.json",
        ],
        &["more than 50 spikes", "--max-events"],
        30.0,
    );
}

#[test]
fn a_weight_too_steep_for_exact_quadrature_is_an_error_naming_model_sequence_and_neuron() {
    let dir = workdir();
    let d = dir.path();
    let r = diffsnn(
        d,
        &[
            "simulate", "--model", "m.json", "--t-end", "30", "--out", "s.json",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let spikes = std::fs::read_to_string(d.join("s.json")).unwrap();
    // weight 1e10 from neuron 1 onto neuron 0 (basis 0)
    let steep = model_with("[[-2.0, 1.0, 0.5]", "[[-2.0, 1e10, 0.5]");
    check_fast(
        "weight 1e10",
        &[("steep.json", steep), ("s.json", spikes)],
        &[
            "loglik",
            "--model",
            "steep.json",
            "--spikes",
            "s.json",
            "--out",
            "ll.json",
        ],
        &[
            "steep.json, sequence 0",
            "neuron 0",
            "sub-intervals",
            "weights too large",
        ],
        30.0,
    );
}

/// A recording far longer than the hidden sampler can hold: fit and eval refuse it up front
/// (before they ran out of memory: 14 GB after a minute on a window of 1e300).
#[test]
fn fit_and_eval_refuse_a_window_too_long_for_the_hidden_sampler() {
    let huge = r#"{"format": "spikes/v1", "n_neurons": 2, "sequences": [
        {"window": [0, 10], "times": [1.0], "neurons": [0]},
        {"window": [0, 1e9], "times": [1.0, 3e8], "neurons": [0, 1]}]}"#
        .to_string();
    check_fast(
        "fit on a window of 1e9",
        &[("long.json", huge.clone())],
        &[
            "fit",
            "--spikes",
            "long.json",
            "--hidden",
            "1",
            "--estimator",
            "pathwise",
            "--out",
            "f.json",
        ],
        &[
            "sequence 1",
            "[0, 1e9]",
            "5e9 thinning candidates",
            "shorter sequences",
        ],
        30.0,
    );
    check_fast(
        "eval on a window of 1e9",
        &[("long.json", huge)],
        &["eval", "--model", "m.json", "--spikes", "long.json"],
        &[
            "sequence 1",
            "5e9 thinning candidates",
            "MAX_HIDDEN_CANDIDATES",
        ],
        30.0,
    );
}

/// An exp network that explodes: the message names the model, the sequence, the time and the
/// neuron, and says what to do.
#[test]
fn an_unstable_exp_network_is_named() {
    let exploding = model_with(
        r#"{ "kind": "sigmoid", "amplitude": 5.0 }"#,
        r#"{ "kind": "exp" }"#,
    )
    .replace("[[-2.0, 1.0, 0.5]", "[[4.0, 1.0, 0.5]");
    check_fast(
        "exp with self-excitation",
        &[("boom.json", exploding)],
        &[
            "simulate",
            "--model",
            "boom.json",
            "--t-end",
            "50",
            "--out",
            "s.json",
        ],
        &[
            "boom.json, sequence 0",
            "unstable (exp activation)",
            "rate bound is infinite at time",
            "neuron 0 has potential",
            "bounded activation",
        ],
        30.0,
    );
}
