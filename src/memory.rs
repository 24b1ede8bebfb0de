//! Keeping the process's resident memory close to what it really holds.
//!
//! glibc's malloc keeps the pages of freed blocks below its heap's top for reuse; after a big
//! catalogue's load phases (reading, tag derivation, embedding caches, colours, search words)
//! that was close to 500 MiB resident that nothing used. The heavy threads call
//! [`release_freed`] when a phase ends, so the peak is what is live plus one phase's scratch.
//! [`tune_malloc`] keeps big blocks in the heap so that they are reused rather than mapped and
//! zeroed afresh by the kernel on every batch.

/// Sets malloc up for a process that holds a few big tensors, unless the environment already
/// tunes malloc (`MALLOC_ARENA_MAX`, `MALLOC_MMAP_MAX_`, `MALLOC_TRIM_THRESHOLD_`,
/// `GLIBC_TUNABLES`). Call it before any thread starts.
///
/// - **Two arenas.** glibc gives every thread that allocates its own arena (up to 8 per core),
///   and each keeps the memory freed in it; with the worker, decoding, colour, search and
///   thumbnail threads that was 130 MiB of a 100,000-item window's peak.
/// - **Big blocks from the heap, not from `mmap`.** By default every block over the mmap
///   threshold (at most 32 MiB) gets fresh pages from the kernel and gives them back when
///   freed. A network's activations are such blocks, allocated and freed on every batch, so
///   the kernel zeroed hundreds of MiB of pages per batch: over a third of the CPU time of
///   embedding and fine-tuning was spent in the kernel. Blocks now come from the heap and are
///   reused, and the heap's top is not trimmed on every free; [`release_freed`], called when a
///   phase ends, hands the pages back instead.
pub fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tuned_by_user = |name: &str| std::env::var_os(name).is_some();
        if tuned_by_user("GLIBC_TUNABLES") {
            return;
        }
        let mut settings = Vec::new();
        if !tuned_by_user("MALLOC_ARENA_MAX") {
            settings.push(("arena limit", libc::M_ARENA_MAX, 2));
        }
        if !tuned_by_user("MALLOC_MMAP_MAX_") {
            settings.push(("no mmap for big blocks", libc::M_MMAP_MAX, 0));
        }
        if !tuned_by_user("MALLOC_TRIM_THRESHOLD_") {
            settings.push(("trim threshold", libc::M_TRIM_THRESHOLD, i32::MAX));
        }
        for (what, param, value) in settings {
            // SAFETY: mallopt only sets a malloc tunable; it is called before any thread starts.
            let accepted = unsafe { libc::mallopt(param, value) };
            if accepted == 0 {
                log::debug!("malloc did not take the setting: {what}");
            }
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
