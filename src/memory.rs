//! Keeping the process's resident memory close to what it really holds.
//!
//! glibc's malloc keeps the pages of freed blocks below its heap's top for reuse; after a big
//! catalogue's load phases (reading, tag derivation, embedding caches, colours, search words)
//! that was close to 500 MiB resident that nothing used. The heavy threads call
//! [`release_freed`] when a phase ends, so the peak is what is live plus one phase's scratch.
//! [`tune_malloc`] keeps big blocks in the heap so that they are reused rather than mapped and
//! zeroed afresh by the kernel on every batch.

/// Sets malloc up for a process that holds a few big tensors. Each setting is left to the user
/// when the environment already sets it (its `MALLOC_*` variable or its `glibc.malloc.*`
/// tunable in `GLIBC_TUNABLES`). Call it before any thread starts.
///
/// - **Two arenas.** glibc gives every thread that allocates its own arena (up to 8 per core),
///   and each keeps the memory freed in it; with the worker, decoding, colour, search and
///   thumbnail threads that was 130 MiB of a 100,000-item window's peak.
/// - **Big blocks from the heap, not from `mmap`.** By default every block over the mmap
///   threshold (at most 32 MiB) gets fresh pages from the kernel and gives them back when
///   freed. A network's activations are such blocks, allocated and freed on every batch, so
///   the kernel zeroed hundreds of MiB of pages per batch: about a third of the CPU time of
///   embedding and fine-tuning was spent in the kernel. Blocks now come from the heap and are
///   reused, and the heap's top is not trimmed on every free; [`release_freed`], called when a
///   phase ends, hands the pages back instead.
pub fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let tunables = std::env::var("GLIBC_TUNABLES").unwrap_or_default();
        // (what, the user's variable, the user's tunables, mallopt parameter, value)
        let settings: [(&str, &str, &[&str], i32, i32); 3] = [
            (
                "arena limit",
                "MALLOC_ARENA_MAX",
                &["arena_max"],
                libc::M_ARENA_MAX,
                2,
            ),
            (
                "no mmap for big blocks",
                "MALLOC_MMAP_MAX_",
                &["mmap_max", "mmap_threshold"],
                libc::M_MMAP_MAX,
                0,
            ),
            (
                "trim threshold",
                "MALLOC_TRIM_THRESHOLD_",
                &["trim_threshold"],
                libc::M_TRIM_THRESHOLD,
                i32::MAX,
            ),
        ];
        for (what, variable, user_tunables, param, value) in settings {
            let set_by_user = std::env::var_os(variable).is_some()
                || user_tunables
                    .iter()
                    .any(|t| tunables.contains(&format!("glibc.malloc.{t}=")));
            if set_by_user {
                continue;
            }
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
