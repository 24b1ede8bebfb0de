//! Finding the selected item's lookalikes without stalling a frame: small catalogues are
//! searched on the spot (a few microseconds), large ones on the "vitrine-lookalikes" thread.

use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use super::Repaint;
use crate::engine::protocol::CatalogueEmbeddings as Embeddings;
use crate::index::Neighbour;

/// Above this many multiply-adds (items × dimensions) a search moves off the UI thread.
const INLINE_WORK: usize = 2_000_000;

/// Lookalikes of one item, computed with one set of embeddings.
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    /// The item.
    pub item: usize,
    /// Which embeddings were searched (they change after training).
    pub generation: u64,
    /// The lookalikes, best first.
    pub neighbours: Vec<Neighbour>,
}

struct Job {
    item: usize,
    generation: u64,
    embeddings: Arc<Embeddings>,
}

/// Searches lookalikes inline or on its thread and keeps the latest answer.
pub struct LookalikeFinder {
    jobs: Option<Sender<Job>>,
    results: Receiver<Found>,
    thread: Option<JoinHandle<()>>,
    latest: Option<Found>,
    asked: Option<(usize, u64)>,
}

impl LookalikeFinder {
    /// Starts the search thread ("vitrine-lookalikes"); without it every search runs inline.
    pub fn new(repaint: Repaint) -> Self {
        let (job_tx, job_rx) = crossbeam_channel::unbounded::<Job>();
        let (found_tx, found_rx) = crossbeam_channel::unbounded();
        let thread = std::thread::Builder::new()
            .name("vitrine-lookalikes".into())
            .spawn(move || {
                while let Ok(mut job) = job_rx.recv() {
                    // Only the newest request matters (arrow keys held down send many).
                    while let Ok(newer) = job_rx.try_recv() {
                        job = newer;
                    }
                    let found = Found {
                        item: job.item,
                        generation: job.generation,
                        neighbours: job.embeddings.lookalikes(job.item),
                    };
                    if found_tx.send(found).is_err() {
                        return;
                    }
                    repaint.request();
                }
            })
            .inspect_err(|e| {
                log::warn!("the lookalike search thread could not start ({e}); searching inline")
            })
            .ok();
        Self {
            jobs: thread.as_ref().map(|_| job_tx),
            results: found_rx,
            thread,
            latest: None,
            asked: None,
        }
    }

    /// Makes sure the lookalikes of `item` with these embeddings are (being) found.
    pub fn want(&mut self, item: usize, generation: u64, embeddings: &Arc<Embeddings>) {
        let new_request = self.asked != Some((item, generation));
        self.asked = Some((item, generation));
        // Answers to earlier requests are stale; keep only the one asked for now.
        while let Ok(found) = self.results.try_recv() {
            if self.asked == Some((found.item, found.generation)) {
                self.latest = Some(found);
            }
        }
        if !new_request {
            return;
        }
        let work = embeddings.index.len() * embeddings.index.dim();
        let sent = work > INLINE_WORK
            && self.jobs.as_ref().is_some_and(|jobs| {
                jobs.send(Job {
                    item,
                    generation,
                    embeddings: embeddings.clone(),
                })
                .is_ok()
            });
        if !sent {
            self.latest = Some(Found {
                item,
                generation,
                neighbours: embeddings.lookalikes(item),
            });
        }
    }

    /// The lookalikes of `item` with these embeddings, once found.
    pub fn get(&self, item: usize, generation: u64) -> Option<&[Neighbour]> {
        self.latest
            .as_ref()
            .filter(|f| f.item == item && f.generation == generation)
            .map(|f| f.neighbours.as_slice())
    }

    /// Forgets everything (a new catalogue was opened).
    pub fn reset(&mut self) {
        self.latest = None;
        self.asked = None;
    }
}

impl Drop for LookalikeFinder {
    fn drop(&mut self) {
        // Closing the channel ends the thread.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::warn!("the lookalike search thread panicked");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::EmbeddingIndex;
    use crate::vision::BackboneKind;

    fn embeddings(items: usize, dim: usize) -> Arc<Embeddings> {
        let vectors: Vec<Vec<f32>> = (0..items)
            .map(|i| (0..dim).map(|d| ((i * 31 + d * 7) % 97) as f32).collect())
            .collect();
        Arc::new(Embeddings {
            model: crate::engine::ModelIdentity::Pretrained {
                backbone: BackboneKind::EfficientNetLite0,
                weights_hash: 1,
            },
            index: Arc::new(EmbeddingIndex::from_vectors(&vectors)),
        })
    }

    #[test]
    fn small_searches_answer_at_once() {
        let mut finder = LookalikeFinder::new(Repaint::default());
        let e = embeddings(50, 8);
        finder.want(3, 1, &e);
        assert_eq!(finder.get(3, 1).map(<[Neighbour]>::len), Some(5));
        assert!(finder.get(3, 2).is_none());
        assert!(finder.get(4, 1).is_none());
    }

    #[test]
    fn large_searches_run_on_the_thread_and_keep_the_latest() {
        let mut finder = LookalikeFinder::new(Repaint::default());
        let e = embeddings(2_100, 1_000);
        finder.want(1, 7, &e);
        finder.want(2, 7, &e);
        let expected = e.lookalikes(2);
        // Poll like the window does, a frame at a time.
        for _ in 0..10_000 {
            finder.want(2, 7, &e);
            if finder.get(2, 7).is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        assert_eq!(finder.get(2, 7), Some(expected.as_slice()));
        assert!(finder.get(1, 7).is_none());
    }
}
