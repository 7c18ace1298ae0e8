//! Errors of the library as Python exceptions, with the program's messages: a file that cannot
//! be read or written is an `OSError` (its subclass for the errno, e.g. `FileNotFoundError`),
//! a non-finite result or a diverged training run is a [`NumericalError`] (an
//! `ArithmeticError`), everything the caller gave wrongly (an argument, a spike train, a file's
//! content) is a `ValueError`. The program's flags in a message are spelled as this package's
//! keyword arguments (`--max-events` becomes `max_events`).

use diffsnn_cli::CliError;
use pyo3::exceptions::{PyArithmeticError, PyOSError, PyValueError};
use pyo3::{PyErr, create_exception};

create_exception!(
    _native,
    NumericalError,
    PyArithmeticError,
    "A computation met a non-finite value (an intensity, a likelihood, a gradient), or training diverged; the message says where and what to change."
);

/// The program's flags (`--name-of-flag`) in `text` spelled as keyword arguments
/// (`name_of_flag`).
pub fn keyword_spelling(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("--") {
        let (before, flag) = rest.split_at(at);
        out.push_str(before);
        let starts_word = before.is_empty()
            || before.ends_with(|c: char| c.is_whitespace() || "(,[`'\"".contains(c))
            || out.is_empty();
        let name_len = flag[2..]
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(flag.len() - 2);
        if starts_word && name_len > 0 && flag.as_bytes()[2].is_ascii_lowercase() {
            out.push_str(&flag[2..2 + name_len].replace('-', "_"));
            rest = &flag[2 + name_len..];
        } else {
            out.push_str("--");
            rest = &flag[2..];
        }
    }
    out.push_str(rest);
    out
}

/// Whether the error (or the error it wraps) is a numerical failure or a diverged run.
fn is_numerical(e: &CliError) -> bool {
    match e {
        CliError::Numerical { .. } => true,
        CliError::Evaluating { source, .. } => is_numerical(source),
        CliError::Vi(v) => matches!(v, vi_train::ViError::Diverged { .. }) || v.is_numerical(),
        CliError::Pp(p) => p.is_numerical(),
        CliError::Snn(s) => s.is_numerical(),
        CliError::Diffpp(d) => d.is_numerical(),
        _ => false,
    }
}

/// The I/O error inside `e`, if the failure was reading or writing a file.
fn io_source(e: &CliError) -> Option<&std::io::Error> {
    match e {
        CliError::Io { source, .. } => Some(source),
        CliError::Evaluating { source, .. } => io_source(source),
        _ => None,
    }
}

/// The Python exception of an error of the library or the program.
pub fn to_py(e: impl Into<CliError>) -> PyErr {
    let e = e.into();
    let message = keyword_spelling(&e.to_string());
    if let Some(io) = io_source(&e) {
        return match io.raw_os_error() {
            // OSError(errno, message) is the errno's subclass (FileNotFoundError, ...)
            Some(errno) => PyOSError::new_err((errno, message)),
            None => PyOSError::new_err(message),
        };
    }
    if is_numerical(&e) {
        NumericalError::new_err(message)
    } else {
        PyValueError::new_err(message)
    }
}

/// A `ValueError` naming the keyword argument `name`.
pub fn argument(name: &str, reason: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(format!("{name}: {reason}"))
}
