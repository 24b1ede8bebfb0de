//! Caches prove their contents: embedding shards and the palette file damaged on disk are
//! recomputed with a notice, and the lookalikes found after are those of a clean cache. A
//! checkpoint whose weights are not finite numbers is refused in words.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use vitrine::engine::checkpoint::{weights_checksum, Checkpoint, META_FILE, WEIGHTS_FILE};
use vitrine::engine::config::{TrainConfig, TrainMode};
use vitrine::engine::protocol::MatchParts;
use vitrine::engine::{Command, EngineOptions, EventBody, Worker};
use vitrine::index::LOOKALIKES;
use vitrine::lookalike::query::match_index;
use vitrine::lookalike::{MatchIndex, Preset, Query};

fn worker_with_cache(cache: &Path, checkpoints: PathBuf) -> Worker {
    let options = EngineOptions {
        cache_root: cache.to_path_buf(),
        ..common::options(checkpoints)
    };
    Worker::spawn(options, Box::new(|| {})).expect("spawn worker")
}

fn notices(events: &[EventBody]) -> Vec<String> {
    events
        .iter()
        .filter_map(|b| match b {
            EventBody::Notice(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// The demo's Match index and the notices given while it was built.
fn demo_index(worker: &Worker) -> (MatchIndex, Vec<String>) {
    common::run(worker, Command::SetCatalogue(common::demo()));
    let embedded = common::run(worker, Command::Embed);
    let embeddings = common::embeddings_in(&embedded).expect("embeddings");
    let prepared = common::run(worker, Command::PrepareMatch);
    let parts: Arc<MatchParts> = prepared
        .iter()
        .find_map(|b| match b {
            EventBody::MatchParts(p) => Some(p.clone()),
            _ => None,
        })
        .expect("colours and descriptions");
    let mut said = notices(&embedded);
    said.extend(notices(&prepared));
    (match_index(&embeddings, Some(&parts)), said)
}

/// Every item's lookalikes under every preset, as neighbour indexes.
fn every_lookalike(index: &MatchIndex) -> Vec<Vec<usize>> {
    let mut all = Vec::new();
    for preset in Preset::ALL {
        for item in 0..index.len() {
            let found = index.lookalikes(&Query::Item(item), &preset.weights(), LOOKALIKES);
            all.push(found.iter().map(|m| m.index).collect());
        }
    }
    all
}

fn files_named(dir: &Path, keep: &dyn Fn(&str) -> bool, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("cache folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_named(&path, keep, out);
        } else if path.file_name().and_then(|n| n.to_str()).is_some_and(keep) {
            out.push(path);
        }
    }
}

#[test]
fn damaged_shards_and_palettes_are_recomputed_and_find_the_same_lookalikes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cache = dir.path().join("cache");
    let (clean, _) = demo_index(&worker_with_cache(&cache, dir.path().join("ck")));
    let expected = every_lookalike(&clean);

    // Every shard gets vectors changed behind its header; every palette record one flipped bit.
    let mut shards = Vec::new();
    files_named(
        &cache,
        &|n| n.ends_with(".safetensors") && n.starts_with("shard-"),
        &mut shards,
    );
    assert!(!shards.is_empty());
    for shard in &shards {
        let mut bytes = std::fs::read(shard).unwrap();
        let end = bytes.len();
        for b in &mut bytes[end - 64..] {
            *b = 0;
        }
        std::fs::write(shard, bytes).unwrap();
    }
    let palettes = cache.join("colours/palettes.bin");
    let mut bytes = std::fs::read(&palettes).expect("palettes cached");
    let record = 16 + 8 * 16 + 8;
    let records = (bytes.len() - 8) / record;
    assert!(records >= 200, "{records} palettes");
    for r in 0..records {
        bytes[8 + r * record + 20 + r % 100] ^= 1 << (r % 8);
    }
    std::fs::write(&palettes, bytes).unwrap();

    let (again, said) = demo_index(&worker_with_cache(&cache, dir.path().join("ck")));
    let said = said.join("\n");
    assert!(said.contains("do not match their checksum"), "{said}");
    assert!(
        said.contains("colour cache") && said.contains("damaged"),
        "{said}"
    );
    assert_eq!(every_lookalike(&again), expected);
}

#[test]
fn a_checkpoint_with_nan_weights_is_refused_in_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let checkpoints = dir.path().join("checkpoints");
    let worker = common::worker(checkpoints.clone());
    common::run(&worker, Command::SetCatalogue(common::demo()));
    let config = TrainConfig {
        epochs: 2,
        ..TrainConfig::for_mode(TrainMode::Fast)
    };
    common::run(
        &worker,
        Command::Train {
            config,
            resume: None,
        },
    );
    let ck = Checkpoint::latest(&checkpoints).expect("a checkpoint");

    // Every weight of the head turned to NaN, and the checksum recorded to match, so only the
    // finiteness check can catch it.
    let path = ck.dir.join(WEIGHTS_FILE);
    let tensors = tch::Tensor::read_safetensors(&path).expect("weights");
    let poisoned: Vec<(String, tch::Tensor)> = tensors
        .into_iter()
        .map(|(name, t)| (name, t.full_like(f64::NAN)))
        .collect();
    tch::Tensor::write_safetensors(&poisoned, &path).expect("written");
    let meta_path = ck.dir.join(META_FILE);
    let mut meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&meta_path).unwrap()).unwrap();
    meta["weights_checksum"] = weights_checksum(&std::fs::read(&path).unwrap()).into();
    std::fs::write(&meta_path, meta.to_string()).unwrap();

    let request = worker
        .send(Command::LoadCheckpoint(ck.dir.clone()))
        .expect("worker alive");
    let events = common::follow(&worker, request, |_| {});
    let Some(EventBody::Failed(failure)) = events.last() else {
        panic!("a NaN checkpoint loaded: {events:?}");
    };
    assert!(
        failure.message.contains("not finite numbers"),
        "{}",
        failure.message
    );

    // `vitrine tag` refuses it too, with an error and no tags.
    let photo = common::demo().items[0].image_path.clone();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vitrine"))
        .args(["tag", "--checkpoint"])
        .arg(&ck.dir)
        .arg(&photo)
        .env("VITRINE_CACHE_DIR", dir.path().join("cache"))
        .output()
        .expect("vitrine runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("not finite numbers"), "{stderr}");
}
