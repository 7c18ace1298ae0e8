//! The `diffsnn` program; see `diffsnn --help` and the crate's README.

fn main() -> std::process::ExitCode {
    vi_train::cli::main_with_args(std::env::args_os())
}
