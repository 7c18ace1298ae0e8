//! Shared helpers of the integration tests: the reference fixture.
#![allow(dead_code)]

use pp_core::{EventSequence, Window};
use serde_json::Value;
use snn_model::{Activation, Basis, Snn, SnnBuilder};

/// The reference fixture, a copy kept in the repository (`fixtures/reference/`, see its README).
pub const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../fixtures/reference/snn_fullyobs_K2_seed101.json"
);

pub struct Fixture {
    pub json: Value,
    pub model: Snn,
    pub seq: EventSequence,
}

/// Central difference `(f(x + h e_i) − f(x − h e_i)) / (2h)`: the partial derivative of `f`
/// in coordinate `i` at `x`, truncation error `h² ∂³f/∂x_i³ / 6`.
pub fn central_difference(mut f: impl FnMut(&[f64]) -> f64, x: &[f64], i: usize, h: f64) -> f64 {
    let (mut plus, mut minus) = (x.to_vec(), x.to_vec());
    plus[i] += h;
    minus[i] -= h;
    (f(&plus) - f(&minus)) / (2.0 * h)
}

pub fn vec_f64(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

pub fn mat_f64(v: &Value) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(vec_f64).collect()
}

pub fn load() -> Fixture {
    let path = std::path::Path::new(FIXTURE);
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    let json: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("cannot parse fixture {}: {e}", path.display()));
    let p = &json["params"];
    let n = p["n_neurons"].as_u64().unwrap() as usize;
    let bias = vec_f64(&p["bias"]);
    let weights: Vec<f64> = p["kernel_weight"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| mat_f64(m).into_iter().flatten())
        .collect();
    let connection: Vec<bool> = p["connection_tensor"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|b| b.as_bool().unwrap()))
        .collect();
    let centers = vec_f64(&p["ind_points"]);
    let scale = p["kernel_scale"].as_f64().unwrap();
    assert_eq!(p["basis"], "Epanechnikov");
    assert_eq!(p["activation"], "sigmoid");
    let model = SnnBuilder::new(n, 0)
        .bias(bias)
        .weights(weights)
        .connection(connection)
        .basis(Basis::Epanechnikov { centers, scale })
        .activation(Activation::Sigmoid {
            amplitude: p["upperbound"].as_f64().unwrap(),
        })
        .check()
        .unwrap();
    let st = &json["spike_train"];
    let period = vec_f64(&st["obs_period"]);
    let times = vec_f64(&st["times"]);
    let marks: Vec<u32> = st["neurons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect();
    let seq =
        EventSequence::new(Window::new(period[0], period[1]).unwrap(), n, times, marks).unwrap();
    Fixture { json, model, seq }
}

use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

pub fn rng(seed: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(seed)
}

/// A random basis: Epanechnikov (random centres and scale, possibly overlapping, possibly a
/// centre below the scale), exponential or alpha, with `k` functions.
pub fn random_basis<R: Rng>(rng: &mut R, kind: u8, k: usize) -> Basis {
    match kind % 3 {
        0 => Basis::Epanechnikov {
            centers: (0..k).map(|_| rng.random_range(0.0..6.0)).collect(),
            scale: rng.random_range(0.3..2.0),
        },
        1 => Basis::Exponential {
            time_constants: (0..k).map(|_| rng.random_range(0.2..3.0)).collect(),
        },
        _ => Basis::Alpha {
            time_constants: (0..k).map(|_| rng.random_range(0.2..3.0)).collect(),
        },
    }
}

/// A random model: parameters as the reference initialises them, scaled down by `scale`.
pub fn random_model<R: Rng>(
    rng: &mut R,
    n: usize,
    basis: Basis,
    activation: Activation,
    scale: f64,
) -> Snn {
    let k = basis.len();
    let connection: Vec<bool> = (0..n * n).map(|_| rng.random::<f64>() < 0.8).collect();
    let mut m = SnnBuilder::new(n, 0)
        .basis(basis)
        .activation(activation)
        .connection(connection)
        .check()
        .unwrap();
    m.randomize(rng);
    let w: Vec<f64> = m.weights().iter().map(|w| w * scale).collect();
    m.set_weights(&w).unwrap();
    let _ = k;
    m
}

/// `count` events uniform on the window with uniform marks.
pub fn random_sequence<R: Rng>(rng: &mut R, n: usize, t_end: f64, count: usize) -> EventSequence {
    let mut ev: Vec<(f64, u32)> = (0..count)
        .map(|_| (rng.random_range(0.0..t_end), rng.random_range(0..n as u32)))
        .collect();
    ev.sort_by(|a, b| a.0.total_cmp(&b.0));
    ev.dedup_by(|a, b| a.0 == b.0);
    EventSequence::from_unsorted(Window::new(0.0, t_end).unwrap(), n, &ev).unwrap()
}
