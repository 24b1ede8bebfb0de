//! The lookalike graph of a large catalogue, saved beside its embedding cache.

use std::sync::Arc;

use crate::engine::network::Emit;
use crate::engine::options::EngineOptions;
use crate::engine::protocol::EventBody;
use crate::index::cache::EmbeddingCache;
use crate::index::{AnnIndex, EmbeddingIndex};

/// Loads the lookalike graph saved for exactly these photos by this network, or builds it
/// and saves it next to the embedding cache. Without a graph the exact search still answers.
pub(super) fn attach_graph(
    index: &mut EmbeddingIndex,
    cache_key: &str,
    options: &EngineOptions,
    hashes: &[Option<u128>],
    emit: Emit,
) {
    let mut bytes = Vec::with_capacity(hashes.len() * 17);
    for h in hashes {
        bytes.push(u8::from(h.is_some()));
        bytes.extend_from_slice(&h.unwrap_or(0).to_le_bytes());
    }
    let photos = xxhash_rust::xxh3::xxh3_128(&bytes);
    let path = EmbeddingCache::path_for(&options.cache_root, cache_key)
        .join(format!("lookalike-graph-{photos:032x}.usearch"));
    if path.is_file() {
        match AnnIndex::load(&path, index).map(Arc::new) {
            Ok(graph) if index.attach_ann(graph.clone()).is_ok() => return,
            Ok(_) => log::warn!("lookalike graph {} does not fit; rebuilt", path.display()),
            Err(e) => log::warn!("{e}; rebuilt"),
        }
    }
    emit(EventBody::Notice(format!(
        "{} photos: building the lookalike graph (once for these photos)",
        index.present_count()
    )));
    if let Err(e) = index.build_ann() {
        emit(EventBody::Notice(format!(
            "{e}; lookalikes use the exact search"
        )));
        return;
    }
    if let Some(graph) = index.ann() {
        if let Err(e) = graph.save(&path) {
            log::warn!("{e} (the graph is built again next time)");
        }
    }
}
