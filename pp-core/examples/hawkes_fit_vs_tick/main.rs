//! Our side of the comparison with tick's `HawkesExpKern` (driven by
//! `pp-thinning/scripts/tick_hawkes_fit.py`, which runs both on the same events):
//!
//! ```sh
//! cargo run --release -p pp-core --example hawkes_fit_vs_tick -- write /tmp/hawkes_d10.csv
//! cargo run --release -p pp-core --example hawkes_fit_vs_tick -- fit /tmp/hawkes_d10.csv [TICK_PARAMS]
//! ```
//!
//! `write` simulates the ten-dimensional data of `data.rs` (about 10⁵ events) and writes them as
//! CSV: a comment line `# dim=10 beta=2 t0=0 t1=… n=…`, a header `time,mark`, one event per
//! line (shortest round-trip decimal). The window ends at the last event, because tick's
//! log-likelihood does (its `end_times` default to the last event; `HawkesExpKern.fit` takes
//! none), so that both sides maximise the same function. `fit` reads such a file, fits `μ`, `α` for the file's
//! `β` (best of 7 timed runs of `ExpHawkesFitter::new` + `fit`, from the events in memory to
//! the fitted model) and prints the time, the log-likelihood, iterations and the gradient norm;
//! with `TICK_PARAMS` (a file of `D + D²` numbers, tick's `coeffs`: baselines then adjacency row
//! major), it also prints our exact log-likelihood at tick's estimate. It also fits `β` jointly
//! (`fit_exp_hawkes_decay`, from half the file's `β`; tick's `HawkesExpKern` cannot), timed
//! once. The lines starting with `result ` are read by the script.

mod data;

use std::error::Error;
use std::fmt::Write as _;
use std::time::Instant;

use pp_core::{
    EventSequence, ExpHawkes, ExpHawkesFitter, HawkesFitOptions, LogLikelihood, Window,
    fit_exp_hawkes_decay,
};

type Res<T> = Result<T, Box<dyn Error>>;

fn write(path: &str) -> Res<()> {
    let simulated = data::events();
    // tick's likelihood ends at the last event (its default `end_times`): end the window there.
    let last = *simulated.times().last().ok_or("no events")?;
    let seq = EventSequence::new(
        Window::new(0.0, last)?,
        simulated.dim(),
        simulated.times().to_vec(),
        simulated.marks().to_vec(),
    )?;
    let w = seq.window();
    let mut out = String::with_capacity(seq.len() * 24);
    writeln!(
        out,
        "# dim={} beta={} t0={} t1={} n={}",
        seq.dim(),
        data::BETA,
        w.t0(),
        w.t1(),
        seq.len()
    )?;
    writeln!(out, "time,mark")?;
    for (t, m) in seq.times().iter().zip(seq.marks()) {
        writeln!(out, "{t},{m}")?;
    }
    std::fs::write(path, out)?;
    println!(
        "wrote {} events ({} dimensions) to {path}",
        seq.len(),
        seq.dim()
    );
    Ok(())
}

/// Reads a file written by `write`: the sequence and `β`.
fn read(path: &str) -> Res<(EventSequence, f64)> {
    let text = std::fs::read_to_string(path)?;
    let mut lines = text.lines();
    let header = lines.next().ok_or("empty file")?;
    let field = |name: &str| -> Res<f64> {
        let value = header
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .ok_or_else(|| format!("no {name}= in the first line"))?;
        Ok(value.parse()?)
    };
    let (dim, beta, t0, t1) = (
        field("dim")? as usize,
        field("beta")?,
        field("t0")?,
        field("t1")?,
    );
    if lines.next() != Some("time,mark") {
        return Err("the second line must be `time,mark`".into());
    }
    let (mut times, mut marks) = (Vec::new(), Vec::new());
    for (k, line) in lines.enumerate() {
        let (t, m) = line
            .split_once(',')
            .ok_or_else(|| format!("event {k}: no comma"))?;
        times.push(t.parse()?);
        marks.push(m.parse()?);
    }
    Ok((
        EventSequence::new(Window::new(t0, t1)?, dim, times, marks)?,
        beta,
    ))
}

fn fit(path: &str, tick_params: Option<&str>) -> Res<()> {
    let (seq, beta) = read(path)?;
    let d = seq.dim();
    let options = HawkesFitOptions::default();
    let mut best = f64::INFINITY;
    let mut result = None;
    for _ in 0..7 {
        let start = Instant::now();
        let fit = ExpHawkesFitter::new([&seq], beta)?.fit(&options)?;
        best = best.min(start.elapsed().as_secs_f64());
        result = Some(fit);
    }
    let fit = result.expect("seven runs");
    let n = seq.len();
    println!(
        "pp-core: {n} events, D = {d}, β = {beta}: fit in {:.1} ms (best of 7), ℓ = {:.6} \
         (ℓ/n = {:.9}), {} Newton iterations (slowest dimension; {} in all), projected \
         gradient norm {:.2e}, converged {}",
        best * 1e3,
        fit.log_likelihood,
        fit.log_likelihood / n as f64,
        fit.iterations,
        fit.total_iterations,
        fit.projected_gradient_norm,
        fit.converged
    );
    println!("result ours_seconds {best}");
    println!("result ours_loglik {}", fit.log_likelihood);
    println!("result ours_iterations {}", fit.iterations);
    // β fitted too (tick's HawkesExpKern cannot): from a start at half the file's β.
    let start = Instant::now();
    let joint = fit_exp_hawkes_decay([&seq], 0.5 * beta, &options)?;
    let joint_seconds = start.elapsed().as_secs_f64();
    let se = joint.standard_errors()?;
    println!(
        "pp-core, β fitted too (from β = {}): {:.1} ms (one run), β̂ = {:.4} ± {:.4}, ℓ = {:.6}, \
         {} steps in β, converged {}",
        0.5 * beta,
        joint_seconds * 1e3,
        joint.model.beta(),
        se.beta.unwrap_or(f64::NAN),
        joint.log_likelihood,
        joint.decay_iterations,
        joint.converged
    );
    println!("result decay_seconds {joint_seconds}");
    println!("result decay_beta {}", joint.model.beta());
    println!("result decay_loglik {}", joint.log_likelihood);
    let truth_ll = data::truth().log_likelihood(&seq)?;
    println!("result truth_loglik {truth_ll}");
    if let Some(p) = tick_params {
        let values: Vec<f64> = std::fs::read_to_string(p)?
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        if values.len() != d + d * d {
            return Err(format!("{p}: {} numbers, expected {}", values.len(), d + d * d).into());
        }
        // tick's baselines may be 0 where ExpHawkes needs > 0: the log-likelihood is then
        // evaluated from the fitter's sums, which accept μ ≥ 0 only through ExpHawkes too, so
        // raise a zero baseline to the smallest positive float (a change below 1e-300 in ℓ).
        let mu: Vec<f64> = values[..d]
            .iter()
            .map(|&m| m.max(f64::MIN_POSITIVE))
            .collect();
        let alpha: Vec<f64> = values[d..].iter().map(|&a| a.max(0.0)).collect();
        let tick_model = ExpHawkes::new(mu, alpha, beta)?;
        let tick_ll = tick_model.log_likelihood(&seq)?;
        println!(
            "tick's estimate under pp-core's exact log-likelihood: ℓ = {tick_ll:.6} \
             ({:.6} below ours)",
            fit.log_likelihood - tick_ll
        );
        println!("result tick_loglik_by_ours {tick_ll}");
    }
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["write", path] => write(path),
        ["fit", path] => fit(path, None),
        ["fit", path, tick] => fit(path, Some(tick)),
        _ => Err("usage: hawkes_fit_vs_tick write PATH | fit PATH [TICK_PARAMS]".into()),
    }
}
