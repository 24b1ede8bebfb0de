//! Preparing the next batch while the current one is being worked on.
//!
//! Embedding spends its time in two places that need not wait for each other: decoding and
//! resizing photos (plain Rust, on the `vitrine-decode-N` pool) and the network's forward pass
//! (libtorch's own threads). [`pipelined`] overlaps them: while batch `i` goes through the
//! network, batch `i + 1` is decoded.

use std::thread::ScopedJoinHandle;

/// Calls `consume(i, prepare(&batches[i]))` for every batch in order, preparing batch `i + 1`
/// on a helper thread ("vitrine-prefetch") while `consume` works on batch `i`. Stops after the
/// batch for which `consume` returns `Ok(false)` or an error (the batch being prepared then is
/// finished and dropped). When no helper thread can be started, batches are prepared in turn.
pub(crate) fn pipelined<B: Sync, T: Send, E>(
    batches: &[B],
    prepare: &(dyn Fn(&B) -> T + Sync),
    consume: &mut dyn FnMut(usize, T) -> Result<bool, E>,
) -> Result<(), E> {
    std::thread::scope(|scope| {
        let mut current = batches.first().map(prepare);
        for (i, _) in batches.iter().enumerate() {
            let Some(prepared) = current.take() else {
                break;
            };
            let next = batches.get(i + 1).map(|batch| {
                let handle: Option<ScopedJoinHandle<'_, T>> = std::thread::Builder::new()
                    .name("vitrine-prefetch".into())
                    .spawn_scoped(scope, move || prepare(batch))
                    .inspect_err(|e| log::warn!("cannot start a prefetch thread ({e})"))
                    .ok();
                (batch, handle)
            });
            let keep_going = consume(i, prepared)?;
            if !keep_going {
                break;
            }
            current = next.map(|(batch, handle)| match handle.map(|h| h.join()) {
                Some(Ok(prepared)) => prepared,
                // The helper could not start or panicked: prepare here instead.
                Some(Err(_)) | None => prepare(batch),
            });
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn every_batch_in_order_and_prepared_ahead_on_a_named_thread() {
        let batches: Vec<usize> = (0..5).collect();
        let prepared = AtomicUsize::new(0);
        let prepare = |b: &usize| {
            prepared.fetch_add(1, Ordering::SeqCst);
            (*b * 10, std::thread::current().name().map(str::to_string))
        };
        let mut seen = Vec::new();
        let mut names = Vec::new();
        pipelined::<_, _, ()>(&batches, &prepare, &mut |i, (value, name)| {
            seen.push((i, value));
            names.push(name);
            Ok(true)
        })
        .unwrap();
        assert_eq!(seen, (0..5).map(|i| (i, i * 10)).collect::<Vec<_>>());
        assert_eq!(prepared.load(Ordering::SeqCst), 5);
        // The first batch is prepared by the caller, the rest ahead of time by the helper.
        assert!(names[1..]
            .iter()
            .all(|n| n.as_deref() == Some("vitrine-prefetch")));
    }

    #[test]
    fn stops_when_asked_and_passes_errors_on() {
        let batches = [1, 2, 3, 4];
        let mut count = 0;
        pipelined::<_, _, ()>(&batches, &|b| *b, &mut |_, _| {
            count += 1;
            Ok(count < 2)
        })
        .unwrap();
        assert_eq!(count, 2);
        let result = pipelined(&batches, &|b| *b, &mut |_, b| {
            if b == 3 {
                Err("third")
            } else {
                Ok(true)
            }
        });
        assert_eq!(result, Err("third"));
        let empty: [u8; 0] = [];
        pipelined::<_, _, ()>(&empty, &|b| *b, &mut |_, _| panic!("no batches")).unwrap();
    }
}
