//! The particle filter's marginal log-likelihood of one sequence at the reference's
//! experiment-3 setting (docs/math.md §7): a random 2 + 4 network with a = 5, K = 2, simulated on
//! `[0, 50]` (the data model of `benches/epoch.rs`), evaluated under that same network with
//! 1,000 particles, one run, the default (quadrature) compensator. Run with
//! `RAYON_NUM_THREADS=1` for the one-core time.

use criterion::{Criterion, criterion_group, criterion_main};
use pp_core::{EventSequence, Window};
use snn_model::{Activation, Snn, SnnBuilder};
use vi_train::marginal::{SmcOptions, marginal_log_likelihood};

fn setting() -> (Snn, Vec<EventSequence>) {
    let truth = SnnBuilder::new(2, 4)
        .activation(Activation::Sigmoid { amplitude: 5.0 })
        .random(&mut pp_thinning::sequence_rng(1, 0))
        .unwrap();
    let data = truth
        .simulate_many(Window::new(0.0, 50.0).unwrap(), 2, 10)
        .unwrap()
        .into_iter()
        .map(|s| s.split_dimensions(2).unwrap().0)
        .collect();
    (truth, data)
}

fn marginal(c: &mut Criterion) {
    let (truth, data) = setting();
    let one = &data[..1];
    let options = SmcOptions {
        particles: 1000,
        runs: 1,
        ..SmcOptions::default()
    };
    let report = marginal_log_likelihood(&truth, one, &options).unwrap();
    let s = &report.per_sequence[0];
    eprintln!(
        "sequence 0: {} observed spikes, log p̂ = {:.3}, ESS min {:.1} / mean {:.1}, {} resamplings, \
         peak particle state {:.2} MB ({} bytes per particle)",
        one[0].len(),
        s.log_p,
        s.ess_min,
        s.ess_mean,
        s.resamplings,
        report.peak_particle_bytes() as f64 / 1e6,
        report.peak_particle_bytes() / options.particles,
    );
    let mut group = c.benchmark_group("marginal_exp3");
    group.sample_size(10);
    group.bench_function("smc_1000_particles_one_sequence", |b| {
        b.iter(|| marginal_log_likelihood(&truth, one, &options).unwrap())
    });
    group.finish();
}

criterion_group!(benches, marginal);
criterion_main!(benches);
