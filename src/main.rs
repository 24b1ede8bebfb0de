//! vitrine's entry point: the desktop app, or a headless command.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    // Problems vitrine works around (a cache it cannot write, a checkpoint it skips) are logged
    // as warnings; `RUST_LOG=vitrine=debug` shows more.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    limit_malloc_arenas();
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// glibc gives every thread that allocates its own malloc arena (up to 8 per core), and each
/// keeps the memory freed in it; with the worker, decoding, colour, search and thumbnail
/// threads that was 130 MiB of a 100,000-item window's peak. Two arenas keep it off, and
/// `MALLOC_ARENA_MAX` in the environment still wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a malloc tunable; it is called before any thread starts.
        let accepted = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
        if accepted == 0 {
            log::debug!("malloc did not take the arena limit");
        }
    }
}
