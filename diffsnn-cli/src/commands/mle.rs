//! `diffsnn fit --hidden 0`: maximum likelihood of a fully observed network. Every neuron is
//! observed, so the log-likelihood and its gradient are exact (snn-model's
//! [`total_objective`](snn_model::fit::total_objective), summed over all sequences on all
//! cores in a fixed order); each epoch is one full-batch step of the optimiser on the negative
//! mean objective (log-likelihood minus the penalty `--regularisation ‖M ⊙ W‖_F`), followed
//! by the refractory clamp. With `--window-length` the recordings are cut into windows, each
//! conditioned on the kernel support of spikes before it: the same objective, one window's
//! gradient in memory at a time, and many windows for all cores.

use std::io::Write;
use std::ops::ControlFlow;
use std::time::Instant;

use pp_core::{CompensatorMethod, EventSequence, Parametric};
use snn_model::LikelihoodOptions;
use snn_model::fit::{total_objective, total_window_objective};
use vi_train::vi::EpochRecord;

use super::fit::{BaselineArg, FitArgs, FitSummary, OptimizerArg, StepArg};
use super::load_model;
use super::loglik::Compensator as CompensatorArg;
use crate::error::{CliError, Result};
use crate::progress::{RunIdentity, write_text};

/// The flags of variational training that mean nothing without hidden neurons: an error names
/// the first one given.
fn refuse_variational_flags(args: &FitArgs) -> Result<()> {
    let given: [(&str, bool); 7] = [
        ("--estimator", args.estimator.is_some()),
        ("--separate-variational", args.separate_variational),
        ("--resume", args.resume.is_some()),
        ("--shuffle", args.shuffle),
        ("--baseline", args.baseline != BaselineArg::None),
        ("--step", args.step != StepArg::Em),
        ("--batch-size", args.batch_size != 1),
    ];
    match given.iter().find(|(_, g)| *g) {
        None => Ok(()),
        Some((flag, _)) => Err(CliError::argument(
            *flag,
            "applies to variational training (--hidden H >= 1); --hidden 0 fits the fully \
             observed network by maximum likelihood with the exact gradient, one full-batch \
             step per epoch",
        )),
    }
}

/// A fully observed fit, checked and ready to run: the settings of `args`, the data (or its
/// conditioned windows) and the initial model.
pub struct MaximumLikelihood<'a> {
    args: &'a FitArgs,
    data: &'a [EventSequence],
    windows: Option<Vec<pp_core::ScoredWindow>>,
    options: LikelihoodOptions,
    model: snn_model::Snn,
}

impl<'a> MaximumLikelihood<'a> {
    /// Checks the settings of `args` for `--hidden 0` and builds the initial model (`init`,
    /// a model and its name in messages, or the random one of `--seed`) and, with
    /// `--window-length`, the conditioned windows, before anything is written.
    ///
    /// ```
    /// use clap::Parser;
    /// use pp_core::{EventSequence, Window};
    /// let cli = diffsnn_cli::commands::Cli::try_parse_from([
    ///     "diffsnn", "fit", "--spikes", "s.json", "--hidden", "0", "--out", "m.json", "--epochs", "3",
    /// ]).unwrap();
    /// let diffsnn_cli::commands::Command::Fit(args) = cli.command else { unreachable!() };
    /// let data = vec![EventSequence::new(Window::new(0.0, 9.0)?, 1, vec![1.0, 4.0], vec![0, 0])?];
    /// let fit = diffsnn_cli::commands::mle::MaximumLikelihood::prepare(&args, &data, None)?;
    /// let mut losses = Vec::new();
    /// let (model, stopped_early) = fit.run(&mut |r, _| {
    ///     losses.push(r.loss);
    ///     Ok(std::ops::ControlFlow::Continue(()))
    /// })?;
    /// assert_eq!((losses.len(), stopped_early, model.n_obs()), (3, false, 1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn prepare(
        args: &'a FitArgs,
        data: &'a [EventSequence],
        init: Option<(snn_model::Snn, String)>,
    ) -> Result<Self> {
        refuse_variational_flags(args)?;
        if !(args.lr.is_finite() && args.lr > 0.0) {
            return Err(CliError::argument(
                "--lr",
                format!("must be finite and positive, got {}", args.lr),
            ));
        }
        if !(args.regularisation.is_finite() && args.regularisation >= 0.0) {
            return Err(CliError::argument(
                "--regularisation",
                format!("must be finite and >= 0, got {}", args.regularisation),
            ));
        }
        let compensator = match (args.compensator, args.mc_points) {
            (CompensatorArg::Quadrature, None) => CompensatorMethod::default(),
            (CompensatorArg::Quadrature, Some(_)) => {
                return Err(CliError::argument(
                    "--mc-points",
                    "applies to --compensator monte-carlo only",
                ));
            }
            // the same points at every step: the Monte Carlo objective is then a fixed function
            (CompensatorArg::MonteCarlo, n) => {
                CompensatorMethod::monte_carlo(n.unwrap_or(1000), args.seed)?
            }
        };
        let options = LikelihoodOptions {
            compensator,
            regularisation: args.regularisation,
        };
        let n_obs = data.first().map_or(0, EventSequence::dim);
        let model = args.initial_p(n_obs, init)?;
        let windows = match args.windows.window_length {
            None => None,
            Some(length) => Some(conditioned_windows(data, length, &model, &options)?),
        };
        Ok(Self {
            args,
            data,
            windows,
            options,
            model,
        })
    }

    /// Runs up to `--epochs` full-batch steps (fewer with `--patience`, or when `on_epoch`
    /// breaks), reporting each epoch with the model after it; returns the model and whether
    /// early stopping ended the run.
    pub fn run(
        self,
        on_epoch: &mut dyn FnMut(&EpochRecord, &snn_model::Snn) -> Result<ControlFlow<()>>,
    ) -> Result<(snn_model::Snn, bool)> {
        let Self {
            args,
            data,
            windows,
            options,
            mut model,
        } = self;
        let kind = match args.optimizer {
            OptimizerArg::Adagrad => snn_model::optim::OptimizerKind::Adagrad,
            OptimizerArg::Adam => snn_model::optim::OptimizerKind::Adam,
            OptimizerArg::Sgd => snn_model::optim::OptimizerKind::Sgd,
        };
        let mut optimizer = kind.build(args.lr)?;
        let objective = |model: &snn_model::Snn, grad: &mut [f64]| match &windows {
            None => total_objective(model, data, &options, Some(grad)),
            Some(w) => total_window_objective(model, w, &options, Some(grad)),
        };
        let scale = 1.0 / data.len() as f64;
        let mut grad = vec![0.0; model.n_params()];
        let mut params = model.params();
        let (mut best, mut since_best) = (f64::INFINITY, 0);
        for epoch in 1..=args.epochs {
            let start = Instant::now();
            let value = objective(&model, &mut grad)?;
            let loss = -value * scale;
            if !loss.is_finite() || grad.iter().any(|g| !g.is_finite()) {
                return Err(CliError::Numerical {
                    what: "maximum-likelihood fit",
                    detail: format!(
                        "at epoch {epoch} the loss is {loss} or its gradient is not finite: \
                         lower --lr, or start from another model"
                    ),
                });
            }
            for g in grad.iter_mut() {
                *g *= -scale;
            }
            optimizer.step(&mut params, &grad)?;
            model.set_params(&params)?;
            model.project();
            params.copy_from_slice(&model.params());
            let record = EpochRecord {
                epoch,
                loss,
                temperature: 0.0,
                seconds: start.elapsed().as_secs_f64(),
            };
            if on_epoch(&record, &model)?.is_break() {
                break;
            }
            if let Some(patience) = args.patience {
                if loss < best {
                    (best, since_best) = (loss, 0);
                } else {
                    since_best += 1;
                    if since_best > patience {
                        return Ok((model, true));
                    }
                }
            }
        }
        Ok((model, false))
    }
}

/// Fits `data` by maximum likelihood as `args` say and writes the model; the summary goes to
/// `stdout` (`"estimator": "mle"`).
pub(super) fn fit_fully_observed(
    args: &FitArgs,
    data: &[EventSequence],
    stdout: &mut dyn Write,
) -> Result<()> {
    let init = match &args.init {
        Some(path) => Some((load_model(path)?, path.display().to_string())),
        None => None,
    };
    let fit = MaximumLikelihood::prepare(args, data, init)?;
    let mut observer = args.start_observer(data.len(), &[], || RunIdentity {
        settings: args.settings(),
        data: crate::checkpoint::DataSummary::of(data),
    })?;
    let result = fit.run(&mut |record, model| {
        observer.record_epoch(record, model)?;
        Ok(ControlFlow::Continue(()))
    });
    observer.finish();
    let (model, stopped_early) = result?;
    write_text(&args.out, &model.to_json_string()?)?;
    let summary = FitSummary {
        epochs: observer.records().len(),
        final_loss: observer.records().last().map(|r| r.loss),
        stopped_early,
        n_obs: data.first().map_or(0, EventSequence::dim),
        n_hidden: 0,
        estimator: "mle",
    };
    serde_json::to_writer(&mut *stdout, &summary)
        .map_err(|e| CliError::io("(standard output)", e.into()))?;
    stdout
        .write_all(b"\n")
        .map_err(|e| CliError::io("(standard output)", e))
}

/// The sequences cut into windows of `length`, each with a lead-in of the model's kernel
/// support as fixed history: the windows' objective is the whole recordings' (to rounding),
/// while a gradient holds one window at a time. Said on standard error.
fn conditioned_windows(
    data: &[EventSequence],
    length: f64,
    model: &snn_model::Snn,
    options: &LikelihoodOptions,
) -> Result<Vec<pp_core::ScoredWindow>> {
    let lead = model.basis().support();
    if !lead.is_finite() {
        return Err(CliError::argument(
            "--window-length",
            "needs filters of finite support with --hidden 0 (each window is conditioned on \
             the spikes within the support before it): the model's basis reaches back without \
             end; use the epanechnikov basis, or no --window-length",
        ));
    }
    if matches!(options.compensator, CompensatorMethod::MonteCarlo(_)) {
        return Err(CliError::argument(
            "--window-length",
            "with --hidden 0 needs the quadrature compensator (the lead-in before each window \
             must cancel exactly)",
        ));
    }
    let mut out = Vec::new();
    for s in data {
        out.extend(
            s.split_windows_with_history(length, lead)
                .map_err(super::windows::flag_error)?,
        );
    }
    eprintln!(
        "note: --window-length {} cut {} sequence{} into {} windows, each conditioned on the \
         {} s of spikes before it (the kernel support): the same objective as the whole \
         recordings, one window in memory at a time",
        pp_core::messages::show_number(length),
        data.len(),
        if data.len() == 1 { "" } else { "s" },
        out.len(),
        pp_core::messages::show_number(lead)
    );
    Ok(out)
}
