//! vitrine's entry point: the desktop app, or a headless command.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Problems vitrine works around (a cache it cannot write, a checkpoint it skips) are logged
    // as warnings; `RUST_LOG=vitrine=debug` shows more.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    vitrine::memory::tune_malloc();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // Each cause once, in words (no Rust debug text, no OS error numbers).
            eprintln!("error: {}", vitrine::durable::describe_chain(e.chain()));
            std::process::ExitCode::FAILURE
        }
    }
}
