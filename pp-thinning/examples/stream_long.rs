//! Streams a long exp-Hawkes run through the callback form and prints the counters: the
//! constant-memory demonstration (`/usr/bin/time -v` shows the peak memory).
//!
//! `cargo run --release -p pp-thinning --example stream_long -- [events] [dims]`
//! (default 10⁸ events, D = 1; stationary total rate 2).

use pp_core::{ExpHawkes, Window};
use pp_thinning::Thinning;
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::ops::ControlFlow;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let events: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1e8);
    let d: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(1);
    let model = ExpHawkes::new(vec![1.0 / d as f64; d], vec![0.5 / d as f64; d * d], 2.0)?;
    let sampler = Thinning::new(model, Window::new(0.0, events / 2.0)?)?;
    let mut ws = sampler.workspace();
    let mut per_dim = vec![0u64; d];
    let start = Instant::now();
    let stats = sampler.sample_with(&mut Xoshiro256PlusPlus::seed_from_u64(1), &mut ws, |e| {
        per_dim[e.mark as usize] += 1;
        ControlFlow::Continue(())
    })?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "D = {d}: {} events, {} candidates (acceptance {:.4}) in {secs:.3} s: {:.1} M events/s",
        stats.accepted,
        stats.candidates,
        stats.acceptance_rate().unwrap_or(0.0),
        stats.accepted as f64 / secs / 1e6
    );
    Ok(())
}
