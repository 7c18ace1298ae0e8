//! Keyword arguments as the program's options: `fit(..., lr=0.1, shuffle=True)` is parsed by
//! the program's own parser as `diffsnn fit --lr=0.1 --shuffle`, so every option of the
//! program exists here with the same default, the same check and the same message; the
//! options that name the program's input files are refused (the package takes objects), its
//! outputs (`out`, `loss_csv`, checkpoints, `resume`) are optional here.

use clap::Parser;
use diffsnn_cli::commands::{Cli, Command};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};

use crate::errors::keyword_spelling;

/// The program's flag of one keyword argument and its value, or `None` when the argument is
/// absent (`None`, or `False` for a switch).
fn flag_of(key: &str, value: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
    let flag = format!("--{}", key.replace('_', "-"));
    if value.is_none() {
        return Ok(None);
    }
    if let Ok(b) = value.cast::<PyBool>() {
        return Ok(b.is_true().then_some(flag));
    }
    let text = if value.hasattr("__fspath__")? {
        value.call_method0("__fspath__")?.extract::<String>()?
    } else if value.cast::<PyInt>().is_ok() {
        value.extract::<i128>()?.to_string()
    } else if value.cast::<PyFloat>().is_ok() {
        // Rust's shortest representation reads back to the same bits
        format!("{:?}", value.extract::<f64>()?)
    } else if let Ok(s) = value.cast::<PyString>() {
        s.extract::<String>()?
    } else {
        return Err(PyTypeError::new_err(format!(
            "{key}: expected a number, a string, a bool or None, got {}",
            value.get_type()
        )));
    };
    Ok(Some(format!("{flag}={text}")))
}

/// Parses `diffsnn <command> <fixed...> <options as flags>`; `refused` are the keywords of
/// the program's file options, which have no meaning here.
fn parse(
    command: &str,
    fixed: &[&str],
    options: Option<&Bound<'_, PyDict>>,
    refused: &[&str],
) -> PyResult<Command> {
    let mut argv: Vec<String> = vec!["diffsnn".into(), command.into()];
    argv.extend(fixed.iter().map(|s| s.to_string()));
    if let Some(options) = options {
        for (key, value) in options.iter() {
            let key: String = key.extract()?;
            if refused.contains(&key.as_str())
                || fixed
                    .iter()
                    .any(|f| f.trim_start_matches('-').replace('-', "_") == key)
            {
                return Err(PyTypeError::new_err(format!(
                    "{command}() does not take `{key}` (the program's option for files or data \
                     given otherwise here)"
                )));
            }
            if key.starts_with('-') || key.contains('=') {
                return Err(PyTypeError::new_err(format!(
                    "{command}() got an unexpected keyword argument '{key}'"
                )));
            }
            if let Some(flag) = flag_of(&key, &value)? {
                argv.push(flag);
            }
        }
    }
    Cli::try_parse_from(&argv)
        .map(|cli| cli.command)
        .map_err(|e| {
            let text = e.to_string();
            let first = text
                .lines()
                .next()
                .unwrap_or("")
                .trim_start_matches("error: ");
            if e.kind() == clap::error::ErrorKind::UnknownArgument {
                let name = first
                    .split('\'')
                    .nth(1)
                    .map(|f| {
                        f.trim_start_matches("--")
                            .split('=')
                            .next()
                            .unwrap_or("")
                            .replace('-', "_")
                    })
                    .unwrap_or_default();
                PyTypeError::new_err(format!(
                    "{command}() got an unexpected keyword argument '{name}'"
                ))
            } else {
                PyValueError::new_err(keyword_spelling(first))
            }
        })
}

/// The options of `fit` for the input file and its neurons (the caller passes the trains),
/// progress (never shown here) and `init` (a model object, not a file, here).
const FIT_REFUSED: &[&str] = &[
    "spikes",
    "window",
    "allow_empty_sequences",
    "observed",
    "n_observed",
    "quiet",
    "init",
];

/// The program's `fit` settings from `hidden` and keyword `options`, and whether the caller
/// gave `out` (a file for the trained model, and the stem of the checkpoints' names).
pub fn fit_args(
    hidden: usize,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(diffsnn_cli::commands::fit::FitArgs, bool)> {
    let hidden = hidden.to_string();
    let out_given = match options {
        Some(o) => o.get_item("out")?.is_some_and(|v| !v.is_none()),
        None => false,
    };
    let mut fixed = vec![
        "--spikes",
        "(the spike trains)",
        "--quiet",
        "--hidden",
        hidden.as_str(),
    ];
    if !out_given {
        fixed.extend(["--out", "(returned)"]);
    }
    match parse("fit", &fixed, options, FIT_REFUSED)? {
        Command::Fit(args) => Ok((args, out_given)),
        _ => unreachable!("parsed as fit"),
    }
}

/// The program's `eval` settings from keyword `options`.
pub fn eval_args(
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<diffsnn_cli::commands::eval::EvalArgs> {
    let fixed = ["--model", "the model", "--spikes", "(the spike trains)"];
    let refused = [
        "model",
        "variational",
        "spikes",
        "window",
        "allow_empty_sequences",
        "observed",
        "n_observed",
        "out",
    ];
    match parse("eval", &fixed, options, &refused)? {
        Command::Eval(args) => Ok(args),
        _ => unreachable!("parsed as eval"),
    }
}
