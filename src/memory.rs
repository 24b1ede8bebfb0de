//! Keeping the process's resident memory close to what it really holds.
//!
//! glibc's malloc keeps the pages of freed blocks below its heap's top for reuse; after a big
//! catalogue's load phases (reading, tag derivation, embedding caches, colours, search words)
//! that was close to 500 MiB resident that nothing used. The heavy threads call
//! [`release_freed`] when a phase ends, so the peak is what is live plus one phase's scratch.

/// Limits malloc to two arenas unless `MALLOC_ARENA_MAX` says otherwise. glibc gives every
/// thread that allocates its own arena (up to 8 per core), and each keeps the memory freed in
/// it; with the worker, decoding, colour, search and thumbnail threads that was 130 MiB of a
/// 100,000-item window's peak. Call it before any thread starts.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a malloc tunable; it is called before any thread starts.
        let accepted = unsafe { libc::mallopt(libc::M_ARENA_MAX, 2) };
        if accepted == 0 {
            log::debug!("malloc did not take the arena limit");
        }
    }
}

/// Hands the pages of freed heap blocks back to the system. Call it off the window's thread,
/// when a phase that allocated and freed a lot has ended: it walks malloc's free lists.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let started = std::time::Instant::now();
        // SAFETY: malloc_trim only returns free pages to the kernel; it is thread-safe.
        let released = unsafe { libc::malloc_trim(0) };
        log::debug!(
            "freed heap pages returned ({}): {:.1} ms",
            if released == 1 { "some" } else { "none" },
            started.elapsed().as_secs_f64() * 1e3
        );
    }
}
