//! The colour and description parts of lookalikes: every item's garment palette (read from the
//! palette cache where the same photo was seen before, computed on a pool of threads
//! otherwise) and the TF-IDF index of the descriptions.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use super::core::Engine;
use super::network::Emit;
use super::protocol::{EventBody, MatchParts, Task};
use super::EngineError;
use crate::index::cache::file_hash;
use crate::lookalike::colour::cache::PaletteCache;
use crate::lookalike::colour::lab::LabConverter;
use crate::lookalike::colour::{CatalogueColours, Palette};
use crate::lookalike::text::TextIndex;

/// Photos per progress report (and between checks of the stop flag).
const CHUNK: usize = 64;
/// The palette cache is saved after this many new palettes.
const SAVE_EVERY: usize = 2048;

impl Engine {
    /// Computes (or reads) every item's palette and the description index, then emits them.
    pub fn prepare_match(&mut self, emit: Emit) -> Result<(), EngineError> {
        let state = self.catalogue.as_mut().ok_or(EngineError::NoCatalogue)?;
        if let Some(parts) = &state.match_parts {
            emit(EventBody::MatchParts(parts.clone()));
            return Ok(());
        }
        let catalogue = state.catalogue.clone();
        let descriptions: Vec<&str> = catalogue
            .items
            .iter()
            .map(|i| i.description.as_str())
            .collect();
        let text = Arc::new(TextIndex::build(&descriptions));
        let paths: Vec<&std::path::Path> = catalogue
            .items
            .iter()
            .map(|i| i.image_path.as_path())
            .collect();
        let Some(palettes) = palettes(
            &paths,
            &self.options.cache_root,
            self.options.decode_threads,
            &self.signals.stop,
            emit,
        ) else {
            emit(EventBody::Notice(
                "Stopped computing colours; lookalikes use shape and description until they are \
                 computed."
                    .into(),
            ));
            return Ok(());
        };
        let parts = Arc::new(MatchParts {
            colours: Arc::new(CatalogueColours::from_palettes(&palettes)),
            text,
        });
        state.match_parts = Some(parts.clone());
        emit(EventBody::MatchParts(parts));
        Ok(())
    }
}

/// The palette of one photo file (`None` when it cannot be read).
pub fn palette_of_file(path: &std::path::Path, converter: &LabConverter) -> Option<Palette> {
    let photo = crate::vision::transforms::load_image(path).ok()?;
    Some(Palette::of_photo(&photo, converter))
}

/// Every photo's palette through the cache in `cache_root`; `None` when stopped first (what
/// was computed is cached all the same).
pub fn palettes(
    paths: &[&std::path::Path],
    cache_root: &std::path::Path,
    threads: usize,
    stop: &AtomicBool,
    emit: Emit,
) -> Option<Vec<Option<Palette>>> {
    let mut cache = PaletteCache::open(&cache_root.join("colours"));
    for note in cache.notes() {
        emit(EventBody::Notice(note.clone()));
    }
    let hashes: Vec<Option<u128>> = paths.par_iter().map(|p| file_hash(p).ok()).collect();
    let mut out: Vec<Option<Palette>> = hashes
        .iter()
        .map(|h| h.and_then(|h| cache.get(h).cloned()))
        .collect();
    let todo: Vec<usize> = (0..paths.len())
        .filter(|&i| out[i].is_none() && hashes[i].is_some())
        .collect();
    let n = paths.len();
    let mut done = n - todo.len();
    let busy = |done| EventBody::Busy {
        task: Task::ComputingColours,
        done,
        total: n,
    };
    emit(busy(done));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("vitrine-colours-{i}"))
        .build()
        .ok();
    let converter = LabConverter::default();
    let mut stopped = false;
    for chunk in todo.chunks(CHUNK) {
        if stop.load(Ordering::Relaxed) {
            stopped = true;
            break;
        }
        let work = || -> Vec<Option<Palette>> {
            chunk
                .par_iter()
                .map(|&i| palette_of_file(paths[i], &converter))
                .collect()
        };
        let found = match &pool {
            Some(pool) => pool.install(work),
            None => work(),
        };
        for (&i, p) in chunk.iter().zip(found) {
            if let (Some(p), Some(h)) = (&p, hashes[i]) {
                cache.insert(h, p.clone());
            }
            out[i] = p;
        }
        done += chunk.len();
        emit(busy(done));
        if cache.unsaved() >= SAVE_EVERY {
            save(&mut cache, emit);
        }
    }
    save(&mut cache, emit);
    (!stopped).then_some(out)
}

fn save(cache: &mut PaletteCache, emit: Emit) {
    if let Err(e) = cache.save() {
        emit(EventBody::Notice(format!(
            "the colour cache could not be saved ({e}); colours will be computed again next time"
        )));
    }
}
