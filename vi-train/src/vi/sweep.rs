//! The reverse sweep of the ∂PP specialised to the SNN's hidden neurons ([`SnnHidden`]), in
//! `O(M·K·N·H)` for `M` candidates instead of `O(M · events in the kernel window)`.
//!
//! It computes exactly what diffpp's generic sweeps compute (`gradient_through_sample`,
//! `gradient_fixed_sample`; derivation in diffpp's `docs/derivations/reverse_sweep.md` and in
//! `docs/derivations/estimators.md`), with two changes that make it cheap:
//!
//! * the parameter part of each candidate's VJP uses the basis activations `Φ_k` and the
//!   potentials `u_k` recorded by [`SnnHidden`] during the forward pass (no recomputation);
//! * the adjoints of the soft spikes, `d̄_{k'} = Σ_{k > k'} Σ_b φ_b(s_k − s_{k'}) v_k[b]` with
//!   `v_k[b][h'] = Σ_h ū_{k h} (M ⊙ W)[b][O+h][O+h']`, are a convolution *backwards in time*:
//!   in reversed time `τ = −s` every later candidate is an earlier event with the
//!   basis-specific mark `v_k[b]`, so one incremental snn-model [`BasisTracker`] per basis
//!   function `b` (running moment sums over `H` pseudo-neurons, the single basis function
//!   `φ_b`) delivers `d̄_k` when candidate `k` is reached.

use diffpp::{Mode, Trace};
use pp_core::Parametric;
use snn_model::{Basis, BasisTracker};

use crate::error::{Result, ViError};
use crate::vi::srm::SnnHidden;

/// Buffers of [`snn_sweep`] (reused across sequences).
///
/// ```
/// let _ws = vi_train::vi::SweepWorkspace::default();
/// ```
#[derive(Debug, Clone, Default)]
pub struct SweepWorkspace {
    /// One tracker per basis function (that function alone, `H` pseudo-neurons).
    reverse: Vec<BasisTracker>,
    /// The basis the trackers were made for.
    basis: Option<Basis>,
    act: Vec<f64>,
    v: Vec<f64>,
    dbar: Vec<f64>,
    y_bar: Vec<f64>,
    grad_y: Vec<f64>,
    grad_alpha: Vec<f64>,
    alpha_bar: Vec<f64>,
    ell_bar: Vec<f64>,
    ubar: Vec<f64>,
}

/// The reverse sweep for a trace made by [`SnnHidden`] (its forward record must be this
/// trace's): writes into `grad_params` (overwritten, the [`Parametric`] layout of the model)
/// the derivative of `F = β log q + L(y)` — path-wise (`through_sample`, the marks functions of
/// the parameters with the noise fixed; as diffpp's `gradient_through_sample`) or with the
/// marks held fixed (as diffpp's `gradient_fixed_sample`, which can also return the total
/// adjoint of the marks in `grad_y`). `dl_dy` is `∂L/∂y` (`[M][H + 1]`). Soft traces only.
///
/// Returns an error if the model's record does not match the trace (the caller then uses
/// diffpp's generic sweep).
///
/// ```
/// use diffpp::{DiffPP, Mode};
/// use pp_core::{EventSequence, Parametric, Window};
/// use rand::SeedableRng;
/// let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(3);
/// let model = snn_model::SnnBuilder::new(1, 2).random(&mut rng)?;
/// let w = Window::new(0.0, 8.0)?;
/// let obs = EventSequence::new(w, 1, vec![1.0, 3.0], vec![0, 0])?;
/// let hidden = vi_train::vi::SnnHidden::new(&model, &obs, 1e-6)?;
/// let trace = DiffPP::new(w, Mode::soft(0.3)?).sample(&hidden, &mut rng)?;
/// let dl_dy = vec![0.5; trace.y().len()];
/// let (mut fast, mut generic) = (vec![0.0; model.n_params()], vec![0.0; model.n_params()]);
/// vi_train::vi::snn_sweep(&hidden, &trace, 0.0, Some(&dl_dy), true, &mut fast, None, &mut Default::default())?;
/// diffpp::gradient_through_sample(&hidden, &trace, 0.0, Some(&dl_dy), &mut generic, &mut Default::default())?;
/// for (a, b) in fast.iter().zip(&generic) {
///     assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0));
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn snn_sweep(
    hidden: &SnnHidden<'_>,
    trace: &Trace,
    beta: f64,
    dl_dy: Option<&[f64]>,
    through_sample: bool,
    grad_params: &mut [f64],
    mut grad_y: Option<&mut [f64]>,
    ws: &mut SweepWorkspace,
) -> Result<()> {
    let model = hidden.model();
    let (n, n_obs, h, kk) = (
        model.n_neurons(),
        model.n_obs(),
        model.n_hidden(),
        model.n_basis(),
    );
    let kn = kk * n;
    let m = trace.len();
    let nc = h + 1;
    let Mode::Soft { tau } = trace.mode() else {
        return Err(ViError::argument(
            "trace",
            "the SNN sweep needs a soft trace",
        ));
    };
    if trace.n_hidden() != h || grad_params.len() != model.n_params() {
        return Err(ViError::argument("trace", "does not fit the model"));
    }
    if dl_dy.is_some_and(|d| d.len() != m * nc)
        || grad_y.as_deref().is_some_and(|g| g.len() != m * nc)
    {
        return Err(ViError::argument(
            "mark adjoint",
            "needs [candidates][H + 1] entries",
        ));
    }
    let record = hidden.record();
    if record.times.as_slice() != trace.times() {
        return Err(ViError::argument(
            "trace",
            "was not made by this model's last run (no forward record to reuse)",
        ));
    }
    let fresh = ws.basis.as_ref() != Some(model.basis())
        || ws.reverse.first().is_none_or(|t| t.n_neurons() != h);
    if fresh {
        ws.reverse = single_basis_functions(model.basis())?
            .iter()
            .map(|b| BasisTracker::new(b, h))
            .collect::<snn_model::Result<Vec<_>>>()?;
        ws.basis = Some(model.basis().clone());
    }
    for t in ws.reverse.iter_mut() {
        t.clear();
    }
    ws.act.clear();
    ws.act.resize(h, 0.0);
    ws.v.clear();
    ws.v.resize(kk * h, 0.0);
    ws.dbar.clear();
    ws.dbar.resize(h, 0.0);
    for b in [
        &mut ws.y_bar,
        &mut ws.grad_y,
        &mut ws.grad_alpha,
        &mut ws.alpha_bar,
    ] {
        b.clear();
        b.resize(nc, 0.0);
    }
    ws.ell_bar.clear();
    ws.ell_bar.resize(h, 0.0);
    ws.ubar.clear();
    ws.ubar.resize(h, 0.0);
    grad_params.fill(0.0);
    let act = model.activation();
    let wm = model.masked_weights_ikj();
    let mask = model.connection();
    let weights = trace.weights();
    let mut pushed = false;
    for k in (0..m).rev() {
        let s = trace.times()[k];
        let alpha_k = trace.alpha_of(k);
        let y_k = trace.y_of(k);
        // adjoint of the soft spike d_k from every later candidate
        ws.dbar.fill(0.0);
        if pushed {
            for tracker in ws.reverse.iter_mut() {
                tracker.activations_at(-s, &mut ws.act)?;
                for hp in 0..h {
                    ws.dbar[hp] += ws.act[hp];
                }
            }
        }
        if beta != 0.0 {
            diffpp::expconcrete::log_density_grad(
                tau,
                alpha_k,
                y_k,
                &mut ws.grad_y,
                &mut ws.grad_alpha,
            )?;
        }
        for i in 0..nc {
            let mut v = if beta != 0.0 {
                beta * ws.grad_y[i]
            } else {
                0.0
            };
            if let Some(dl) = dl_dy {
                v += dl[k * nc + i];
            }
            if i < h {
                v += ws.dbar[i] * weights[k * h + i];
            }
            ws.y_bar[i] = v;
        }
        if through_sample {
            diffpp::expconcrete::sample_vjp(tau, y_k, &ws.y_bar, &mut ws.alpha_bar)?;
        } else {
            ws.alpha_bar.fill(0.0);
            if let Some(gy) = grad_y.as_deref_mut() {
                gy[k * nc..(k + 1) * nc].copy_from_slice(&ws.y_bar);
            }
        }
        if beta != 0.0 {
            for i in 0..nc {
                ws.alpha_bar[i] += beta * ws.grad_alpha[i];
            }
        }
        diffpp::numeric::complete_log_prob_vjp(alpha_k, &ws.alpha_bar, &mut ws.ell_bar)?;
        // through log ψ(u): parameters and the pending adjoints of earlier soft spikes
        let phi = &record.phis[k * kn..(k + 1) * kn];
        let mut any = false;
        for hh in 0..h {
            let ub = ws.ell_bar[hh] * act.log_derivative(record.us[k * h + hh]);
            ws.ubar[hh] = ub;
            if ub == 0.0 {
                continue;
            }
            any = true;
            let i = n_obs + hh;
            grad_params[i] += ub;
            for b in 0..kk {
                let g = &mut grad_params[n + (b * n + i) * n..n + (b * n + i + 1) * n];
                let ph = &phi[b * n..(b + 1) * n];
                let mrow = &mask[i * n..(i + 1) * n];
                for j in 0..n {
                    if mrow[j] {
                        g[j] += ub * ph[j];
                    }
                }
            }
        }
        if any {
            for b in 0..kk {
                for hp in 0..h {
                    let mut v = 0.0;
                    for hh in 0..h {
                        v += ws.ubar[hh] * wm[((n_obs + hh) * kk + b) * n + n_obs + hp];
                    }
                    ws.v[b * h + hp] = v;
                }
            }
            for (b, tracker) in ws.reverse.iter_mut().enumerate() {
                tracker.push_soft(-s, 0, &ws.v[b * h..(b + 1) * h])?;
            }
            pushed = true;
        }
    }
    if let Some(i) = grad_params.iter().position(|g| !g.is_finite()) {
        return Err(ViError::Numerical {
            what: "reverse sweep",
            detail: format!("gradient coordinate {i} is {}", grad_params[i]),
        });
    }
    Ok(())
}

/// Each basis function of `basis` as a basis of its own (for the per-function trackers).
fn single_basis_functions(basis: &Basis) -> Result<Vec<Basis>> {
    Ok(match basis {
        Basis::Epanechnikov { centers, scale } => centers
            .iter()
            .map(|&c| Basis::Epanechnikov {
                centers: vec![c],
                scale: *scale,
            })
            .collect(),
        Basis::Exponential { time_constants } => time_constants
            .iter()
            .map(|&t| Basis::Exponential {
                time_constants: vec![t],
            })
            .collect(),
        Basis::Alpha { time_constants } => time_constants
            .iter()
            .map(|&t| Basis::Alpha {
                time_constants: vec![t],
            })
            .collect(),
        other => {
            return Err(ViError::argument(
                "basis",
                format!("the SNN sweep does not know the basis {other:?}"),
            ));
        }
    })
}
