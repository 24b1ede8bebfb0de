//! The colour and description parts of lookalikes: every item's garment palette (read from the
//! palette cache where the same photo was seen before, computed on a pool of threads
//! otherwise) and the TF-IDF index of the descriptions.

use std::collections::HashMap;
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
    // Each distinct photo is computed once, however many items show it.
    let mut groups: HashMap<u128, Vec<usize>> = HashMap::new();
    for (i, h) in hashes.iter().enumerate() {
        if let (None, Some(h)) = (&out[i], h) {
            groups.entry(*h).or_default().push(i);
        }
    }
    let mut todo: Vec<&Vec<usize>> = groups.values().collect();
    todo.sort_by_key(|items| items[0]);
    let n = paths.len();
    let mut done = n - todo.iter().map(|items| items.len()).sum::<usize>();
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
                .map(|items| palette_of_file(paths[items[0]], &converter))
                .collect()
        };
        let found = match &pool {
            Some(pool) => pool.install(work),
            None => work(),
        };
        for (items, p) in chunk.iter().zip(found) {
            if let (Some(p), Some(h)) = (&p, hashes[items[0]]) {
                cache.insert(h, p.clone());
            }
            for &i in items.iter() {
                out[i] = p.clone();
            }
            done += items.len();
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn every_item_gets_its_photo_palette_when_photos_repeat() {
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo/images");
        let dir = tempfile::tempdir().expect("temp dir");
        let a = demo.join("00588f87-cda1-46d7-93be-71f0fa889895.jpg");
        let a_copy = dir.path().join("copy.jpg");
        std::fs::copy(&a, &a_copy).expect("copy");
        let b = demo.join("29ea96da-0051-47ba-adea-76ff6c5b817c.jpg");
        let missing = dir.path().join("missing.jpg");
        let paths = [
            a.as_path(),
            b.as_path(),
            a_copy.as_path(),
            missing.as_path(),
            a.as_path(),
        ];
        let cache_root = dir.path().join("cache");
        let stop = AtomicBool::new(false);
        let events = std::sync::Mutex::new(Vec::new());
        let emit = |e: EventBody| events.lock().expect("events").push(e);
        let found = palettes(&paths, &cache_root, 2, &stop, &emit).expect("not stopped");
        assert_eq!(found.len(), 5);
        assert!(found[0].is_some() && found[1].is_some());
        assert_eq!(found[0], found[2]);
        assert_eq!(found[0], found[4]);
        assert_ne!(found[0], found[1]);
        assert!(found[3].is_none(), "a missing photo has no palette");
        assert_eq!(PaletteCache::open(&cache_root.join("colours")).len(), 2);
        // A second pass reads every palette from the cache.
        let again = palettes(&paths, &cache_root, 2, &stop, &emit).expect("not stopped");
        assert_eq!(again, found);
    }
}
