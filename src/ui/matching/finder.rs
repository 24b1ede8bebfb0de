//! Match lookalikes off the UI thread: the "vitrine-match" thread keeps the catalogue's
//! [`MatchIndex`] and the normalised similarities of the last query, so a change of weights
//! only re-sums three vectors (well under a millisecond for 100,000 items) and a new query
//! costs one pass over the catalogue, never a frame.

use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use crate::engine::protocol::{CatalogueEmbeddings, MatchParts, Prediction};
use crate::index::LOOKALIKES;
use crate::lookalike::kind_head::{describe, KindSource};
use crate::lookalike::query::{match_index, photo_query};
use crate::lookalike::{Match, MatchIndex, Query, QueryScores, Weights};
use crate::ui::Repaint;

/// What lookalikes are asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum MatchKey {
    /// A catalogue item.
    Item(usize),
    /// The dropped photo.
    Photo(PathBuf),
}

/// The answer to one request.
#[derive(Clone, Debug, PartialEq)]
pub struct MatchFound {
    /// Which index it was computed with.
    pub generation: u64,
    /// The query.
    pub key: MatchKey,
    /// The weights.
    pub weights: Weights,
    /// The lookalikes, best first.
    pub matches: Vec<Match>,
    /// The query's kind of garment in words (with its confidence when predicted).
    pub kind: Option<String>,
}

/// The data a request carries (shared, never copied).
#[derive(Clone)]
pub struct MatchSources {
    /// Embeddings of the network in use.
    pub embeddings: Arc<CatalogueEmbeddings>,
    /// Colours and descriptions, once computed.
    pub parts: Option<Arc<MatchParts>>,
}

struct Job {
    generation: u64,
    sources: MatchSources,
    key: MatchKey,
    prediction: Option<Arc<Prediction>>,
    weights: Weights,
}

/// Sends Match requests to the thread and keeps the latest answer.
pub struct MatchFinder {
    jobs: Option<Sender<Job>>,
    results: Receiver<MatchFound>,
    thread: Option<JoinHandle<()>>,
    latest: Option<MatchFound>,
    asked: Option<(u64, MatchKey, Weights)>,
    sources_id: Option<(usize, usize)>,
    generation: u64,
    /// The index the thread built last (for the export).
    pub index: Arc<std::sync::Mutex<Option<Arc<MatchIndex>>>>,
}

fn serve(
    job_rx: &Receiver<Job>,
    found_tx: &Sender<MatchFound>,
    shared: &std::sync::Mutex<Option<Arc<MatchIndex>>>,
    repaint: &Repaint,
) {
    let mut index: Option<(u64, Arc<MatchIndex>)> = None;
    let mut scores: Option<(u64, MatchKey, QueryScores, Option<String>)> = None;
    while let Ok(mut job) = job_rx.recv() {
        while let Ok(newer) = job_rx.try_recv() {
            job = newer;
        }
        let started = std::time::Instant::now();
        if index.as_ref().map(|(g, _)| *g) != Some(job.generation) {
            let built = Arc::new(match_index(
                &job.sources.embeddings,
                job.sources.parts.as_deref(),
            ));
            if let Ok(mut slot) = shared.lock() {
                *slot = Some(built.clone());
            }
            log::info!(
                target: "vitrine::match",
                "Match index of {} items built in {:.1} ms",
                built.len(),
                started.elapsed().as_secs_f64() * 1e3
            );
            index = Some((job.generation, built));
            scores = None;
        }
        let Some((_, idx)) = &index else { continue };
        let query_started = std::time::Instant::now();
        let fresh = scores
            .as_ref()
            .is_some_and(|(g, k, _, _)| *g == job.generation && *k == job.key);
        if !fresh {
            let query = match (&job.key, &job.prediction) {
                (MatchKey::Item(i), _) => Query::Item(*i),
                (MatchKey::Photo(_), Some(p)) => photo_query(idx, p),
                (MatchKey::Photo(_), None) => continue,
            };
            let kind = kind_in_words(idx, &query);
            scores = Some((job.generation, job.key.clone(), idx.scores(&query), kind));
        }
        let Some((_, _, s, kind)) = &scores else {
            continue;
        };
        let summed = std::time::Instant::now();
        let found = MatchFound {
            generation: job.generation,
            key: job.key,
            weights: job.weights,
            matches: s.top(&job.weights, LOOKALIKES),
            kind: kind.clone(),
        };
        log::info!(
            target: "vitrine::match",
            "Match query of {} items: {:.1} ms ({}; weights summed in {:.2} ms)",
            s.eligible.len(),
            query_started.elapsed().as_secs_f64() * 1e3,
            if fresh { "same query, new weights" } else { "new query" },
            summed.elapsed().as_secs_f64() * 1e3
        );
        if found_tx.send(found).is_err() {
            return;
        }
        repaint.request();
    }
}

/// The query's kind of garment in words: from its description, or predicted from its photo
/// with the probability of the most likely type.
fn kind_in_words(index: &MatchIndex, query: &Query) -> Option<String> {
    match query {
        Query::Item(i) => {
            let source = index.kinds.sources.get(*i).copied().flatten()?;
            Some(describe(index.kinds.kind(*i)?, source))
        }
        Query::Photo { kind, .. } => {
            let kind = kind.as_deref()?;
            let confidence = kind.iter().copied().fold(0.0, f32::max);
            Some(describe(kind, KindSource::Photo { confidence }))
        }
    }
}

impl MatchFinder {
    /// Starts the "vitrine-match" thread.
    pub fn new(repaint: Repaint) -> Self {
        let (job_tx, job_rx) = crossbeam_channel::unbounded::<Job>();
        let (found_tx, found_rx) = crossbeam_channel::unbounded();
        let index = Arc::new(std::sync::Mutex::new(None));
        let shared = index.clone();
        let thread = std::thread::Builder::new()
            .name("vitrine-match".into())
            .spawn(move || serve(&job_rx, &found_tx, &shared, &repaint))
            .inspect_err(|e| {
                log::warn!("the Match thread could not start ({e}); lookalikes use shape only")
            })
            .ok();
        Self {
            jobs: thread.as_ref().map(|_| job_tx),
            results: found_rx,
            thread,
            latest: None,
            asked: None,
            sources_id: None,
            generation: 0,
            index,
        }
    }

    /// True when the thread runs (without it the window shows shape-only lookalikes).
    pub fn is_running(&self) -> bool {
        self.jobs.is_some()
    }

    /// Makes sure the lookalikes of `key` with these weights are (being) found.
    pub fn want(
        &mut self,
        key: MatchKey,
        weights: Weights,
        sources: &MatchSources,
        prediction: Option<&Arc<Prediction>>,
    ) {
        let id = (
            Arc::as_ptr(&sources.embeddings) as usize,
            sources
                .parts
                .as_ref()
                .map_or(0, |p| Arc::as_ptr(p) as usize),
        );
        if self.sources_id != Some(id) {
            self.sources_id = Some(id);
            self.generation += 1;
        }
        while let Ok(found) = self.results.try_recv() {
            if found.generation == self.generation {
                self.latest = Some(found);
            }
        }
        let ask = (self.generation, key.clone(), weights);
        if self.asked.as_ref() == Some(&ask) {
            return;
        }
        self.asked = Some(ask);
        if let Some(jobs) = &self.jobs {
            let job = Job {
                generation: self.generation,
                sources: sources.clone(),
                key,
                prediction: prediction.cloned(),
                weights,
            };
            if jobs.send(job).is_err() {
                self.jobs = None;
            }
        }
    }

    /// The latest lookalikes of `key` (possibly with the previous weights while the new ones
    /// are summed).
    pub fn get(&self, key: &MatchKey) -> Option<&MatchFound> {
        self.latest
            .as_ref()
            .filter(|f| &f.key == key && f.generation == self.generation)
    }

    /// Forgets everything (a new catalogue was opened).
    pub fn reset(&mut self) {
        self.latest = None;
        self.asked = None;
        self.sources_id = None;
    }
}

impl Drop for MatchFinder {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            if thread.join().is_err() {
                log::warn!("the Match thread panicked");
            }
        }
    }
}
