//! A timing probe (ignored by default, no assertions on time): per-call cost of the SRM ∂PP
//! operations at the reference settings, for quick measurements on a loaded machine with
//! `perf stat` (cycles of this process only):
//!
//! `cargo test -p diffpp --release --test srm_timing -- --ignored --nocapture <name>`
//! with `<name>` one of `forward`, `reverse`, `observed_value`, `observed_grad`.

use diffpp::srm::SrmHidden;
use diffpp::{DiffPP, Mode, Noise, ReverseWorkspace, Trace, gradient_through_sample};
use pp_core::{EventSequence, Parametric, Window};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::soft::{SoftEvents, SoftWorkspace};
use snn_model::{CompensatorMethod, SnnBuilder};
use std::time::Instant;

fn run(what: &str) {
    let window = Window::new(0.0, 50.0).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    let model = SnnBuilder::new(2, 4).random(&mut rng).unwrap();
    let obs = Noise::draw(&mut rng, window, 2.0, 2).unwrap();
    let marks: Vec<u32> = (0..obs.len()).map(|i| (i % 2) as u32).collect();
    let observed = EventSequence::new(window, 2, obs.times().to_vec(), marks).unwrap();
    let hidden = SrmHidden::new(&model, &observed, SrmHidden::DEFAULT_EPSILON).unwrap();
    let noise =
        DiffPP::draw_noise(&hidden, window, &mut Xoshiro256PlusPlus::seed_from_u64(7)).unwrap();
    let dpp = DiffPP::new(window, Mode::soft(0.3).unwrap());
    let mut trace = Trace::empty();
    dpp.sample_with_noise_into(&hidden, &noise, &mut trace)
        .unwrap();
    let dl_dy = vec![0.1; trace.y().len()];
    let mut grad = vec![0.0; model.n_params()];
    let mut ws = ReverseWorkspace::new();
    let weights = trace.weights().to_vec();
    let times = trace.times().to_vec();
    let soft = SoftEvents::new(&times, &weights, 4).unwrap();
    let mut sws = SoftWorkspace::new(&model);
    let mut gw = vec![0.0; weights.len()];
    let q = CompensatorMethod::default();
    let reps = 300;
    let start = Instant::now();
    for _ in 0..reps {
        match what {
            "forward" => dpp
                .sample_with_noise_into(&hidden, &noise, &mut trace)
                .unwrap(),
            "reverse" => {
                dpp.sample_with_noise_into(&hidden, &noise, &mut trace)
                    .unwrap();
                gradient_through_sample(&hidden, &trace, 1.0, Some(&dl_dy), &mut grad, &mut ws)
                    .unwrap();
            }
            "observed_value" => {
                model
                    .observed_log_likelihood(&observed, soft, &q, &mut sws)
                    .unwrap();
            }
            "observed_grad" => {
                model
                    .observed_log_likelihood_grad(&observed, soft, &q, &mut sws, &mut grad, &mut gw)
                    .unwrap();
            }
            _ => unreachable!(),
        }
    }
    eprintln!(
        "{what}: {:.1} µs per call (wall clock, {} candidates)",
        start.elapsed().as_secs_f64() * 1e6 / reps as f64,
        times.len()
    );
}

#[test]
#[ignore]
fn forward() {
    run("forward");
}

#[test]
#[ignore]
fn reverse() {
    run("reverse");
}

#[test]
#[ignore]
fn observed_value() {
    run("observed_value");
}

#[test]
#[ignore]
fn observed_grad() {
    run("observed_grad");
}
