//! Times `sample` (stores an EventSequence) against `sample_with` (stores nothing) on the
//! benchmark models, a few repetitions each.
//!
//! `cargo run --release -p pp-thinning --example sample_vs_stream`

use pp_core::{ExpHawkes, Window};
use pp_thinning::Thinning;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::ops::ControlFlow;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for d in [1usize, 10] {
        let model = ExpHawkes::new(vec![1.0 / d as f64; d], vec![0.5 / d as f64; d * d], 2.0)?;
        let sampler = Thinning::new(model, Window::new(0.0, 5.0e5)?)?;
        let mut ws = sampler.workspace();
        for _ in 0..3 {
            let start = Instant::now();
            let s = sampler.sample_in(&mut Xoshiro256PlusPlus::seed_from_u64(1), &mut ws)?;
            let t_sample = start.elapsed().as_secs_f64();
            let start = Instant::now();
            let mut n = 0u64;
            sampler.sample_with(&mut Xoshiro256PlusPlus::seed_from_u64(1), &mut ws, |_| {
                n += 1;
                ControlFlow::Continue(())
            })?;
            let t_stream = start.elapsed().as_secs_f64();
            println!(
                "D = {d}: {} events; sample {:.1} ms, stream {:.1} ms",
                s.sequence.len(),
                t_sample * 1e3,
                t_stream * 1e3
            );
        }
    }
    Ok(())
}
