//! The `diffsnn` program; see `diffsnn --help` and the crate's README.

fn main() -> std::process::ExitCode {
    diffsnn_cli::commands::main_with_args(std::env::args_os())
}
