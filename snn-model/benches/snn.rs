//! Criterion benchmarks: potential queries (fast vs direct), simulation of one sequence at the
//! reference's settings, log-likelihood + gradient of one sequence.
//!
//! Run: `cargo bench -p snn-model --bench snn -- --warm-up-time 1 --measurement-time 3`

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use pp_core::{EventSequence, Window};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use snn_model::{
    Basis, BasisTracker, Incremental, LikelihoodOptions, LikelihoodWorkspace, PotentialTracker,
    Snn, SnnBuilder,
};
use std::hint::black_box;

fn model(n: usize, k: usize, seed: u64) -> Snn {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    SnnBuilder::new(n, 0)
        .basis(Basis::epanechnikov_default(k))
        .random(&mut rng)
        .unwrap()
}

/// `count` events, 10 per time unit on average (≈110 inside the 11-unit kernel window).
fn events(n: usize, count: usize, seed: u64) -> EventSequence {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut t = 0.0;
    let mut times = Vec::with_capacity(count);
    let mut marks = Vec::with_capacity(count);
    for _ in 0..count {
        t += rng.random_range(0.0..0.2) + 1e-9;
        times.push(t);
        marks.push(rng.random_range(0..n as u32));
    }
    EventSequence::new(Window::new(0.0, t + 1.0).unwrap(), n, times, marks).unwrap()
}

fn potentials(c: &mut Criterion) {
    let mut group = c.benchmark_group("potential_queries");
    for &(n, k) in &[(6usize, 2usize), (100, 4)] {
        let m = model(n, k, 1);
        let seq = events(n, 100_000, 2);
        let t_end = seq.window().t1();
        let n_queries = 2_000;
        let queries: Vec<f64> = (0..n_queries)
            .map(|q| t_end * (q as f64 + 0.5) / n_queries as f64)
            .collect();
        group.throughput(Throughput::Elements(n_queries as u64));
        let mut u = vec![0.0; n];
        group.bench_function(BenchmarkId::new("direct", format!("N{n}_K{k}")), |b| {
            b.iter(|| {
                for &t in &queries {
                    m.potentials_direct(t, seq.history_before(t), &mut u);
                    black_box(&u);
                }
            })
        });
        let mut tr = BasisTracker::new(m.basis(), n).unwrap();
        let mut phi = vec![0.0; k * n];
        group.bench_function(
            BenchmarkId::new("fast_incl_loading_1e5_events", format!("N{n}_K{k}")),
            |b| {
                b.iter(|| {
                    tr.clear();
                    tr.extend_from_history(seq.history()).unwrap();
                    for &t in &queries {
                        tr.activations_at(t, &mut phi).unwrap();
                        m.potentials_from_activations(&phi, &mut u);
                        black_box(&u);
                    }
                })
            },
        );
        // dense queries: the per-query cost once the sweep over events is amortised
        let dense: Vec<f64> = (0..100_000)
            .map(|q| t_end * (q as f64 + 0.5) / 100_000.0)
            .collect();
        group.throughput(Throughput::Elements(dense.len() as u64));
        group.bench_function(
            BenchmarkId::new("fast_1e5_queries", format!("N{n}_K{k}")),
            |b| {
                b.iter(|| {
                    tr.clear();
                    tr.extend_from_history(seq.history()).unwrap();
                    for &t in &dense {
                        tr.activations_at(t, &mut phi).unwrap();
                        m.potentials_from_activations(&phi, &mut u);
                        black_box(&u);
                    }
                })
            },
        );
        // the target-space potential tracker: all N potentials in O(N·K) per query
        let mut pt = PotentialTracker::new(&m);
        group.throughput(Throughput::Elements(n_queries as u64));
        group.bench_function(
            BenchmarkId::new("tracker_incl_loading_1e5_events", format!("N{n}_K{k}")),
            |b| {
                b.iter(|| {
                    pt.clear();
                    pt.extend_from_history(seq.history()).unwrap();
                    for &t in &queries {
                        pt.potentials_at(t, &mut u).unwrap();
                        black_box(&u);
                    }
                })
            },
        );
        group.throughput(Throughput::Elements(dense.len() as u64));
        group.bench_function(
            BenchmarkId::new("tracker_1e5_queries", format!("N{n}_K{k}")),
            |b| {
                b.iter(|| {
                    pt.clear();
                    pt.extend_from_history(seq.history()).unwrap();
                    for &t in &dense {
                        pt.potentials_at(t, &mut u).unwrap();
                        black_box(&u);
                    }
                })
            },
        );
    }
    group.finish();
}

fn fixture_model() -> Snn {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/reference/snn_fullyobs_K2_seed101.json"
    );
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read fixture {path}: {e}"));
    let v: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("cannot parse fixture {path}: {e}"));
    let p = &v["params"];
    let f = |x: &serde_json::Value| -> Vec<f64> {
        x.as_array()
            .unwrap()
            .iter()
            .map(|y| y.as_f64().unwrap())
            .collect()
    };
    let bias = f(&p["bias"]);
    let weights: Vec<f64> = p["kernel_weight"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m.as_array().unwrap().iter().flat_map(f))
        .collect();
    SnnBuilder::new(6, 0)
        .bias(bias)
        .weights(weights)
        .check()
        .unwrap()
}

fn simulation(c: &mut Criterion) {
    let m = fixture_model();
    let w = Window::new(0.0, 50.0).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    c.bench_function("simulate_N6_K2_a5_T50", |b| {
        b.iter(|| black_box(m.simulate(w, &mut rng).unwrap().len()))
    });
}

fn likelihood(c: &mut Criterion) {
    let m = fixture_model();
    let seq = m
        .simulate(
            Window::new(0.0, 50.0).unwrap(),
            &mut Xoshiro256PlusPlus::seed_from_u64(4),
        )
        .unwrap();
    let mut ws = LikelihoodWorkspace::new(&m).unwrap();
    let mut grad = vec![0.0; 6 + 2 * 36];
    let opts = LikelihoodOptions::default();
    let mut group = c.benchmark_group(format!("loglik_N6_K2_T50_{}_events", seq.len()));
    group.bench_function("value", |b| {
        b.iter(|| black_box(ws.evaluate(&m, &seq, &opts, None).unwrap()))
    });
    group.bench_function("value_and_gradient", |b| {
        b.iter(|| black_box(ws.evaluate(&m, &seq, &opts, Some(&mut grad)).unwrap()))
    });
    group.bench_function("pp_core_generic_quadrature_value", |b| {
        b.iter(|| {
            black_box(pp_core::log_likelihood(&m, &seq, &pp_core::Quadrature::default()).unwrap())
        })
    });
    group.finish();
}

criterion_group!(benches, potentials, simulation, likelihood);
criterion_main!(benches);
