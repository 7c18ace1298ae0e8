//! The `diffsnn` program; see `diffsnn --help` and the crate's README.

fn main() -> std::process::ExitCode {
    // interrupted (SIGINT, SIGTERM): remove the temporary files of outputs being written
    if let Err(e) = diffsnn_cli::io::install_signal_cleanup() {
        eprintln!("warning: {e}");
    }
    diffsnn_cli::commands::main_with_args(std::env::args_os())
}
