use super::*;
use safetensors::SafeTensors;

fn shard_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn cache_dir(root: &Path) -> PathBuf {
    EmbeddingCache::path_for(root, "efficientnet-lite0/abc")
}

#[test]
fn path_is_a_folder_named_by_the_safe_model_key() {
    let path = cache_dir(Path::new("/c"));
    assert_eq!(path, Path::new("/c/efficientnet-lite0_abc"));
}

#[test]
fn each_flush_writes_only_what_is_new_and_open_reads_every_shard() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let mut cache = EmbeddingCache::open(&path, 3).unwrap();
    assert!(cache.is_empty() && cache.notes().is_empty());
    assert_eq!(cache.flush().unwrap(), 0);
    assert!(!path.exists(), "nothing to write creates nothing");
    cache.insert(7, vec![1.0, 2.0, 3.0]);
    cache.insert(8, vec![1.0]); // wrong length: ignored
    cache.insert(9, vec![4.0, 5.0, 6.0]);
    assert_eq!(cache.flush().unwrap(), 2);
    assert_eq!(cache.flush().unwrap(), 0);
    cache.insert(10, vec![7.0, 8.0, 9.0]);
    cache.save().unwrap();
    assert_eq!(
        shard_names(&path),
        ["shard-000000.safetensors", "shard-000001.safetensors"]
    );
    let again = EmbeddingCache::open(&path, 3).unwrap();
    assert_eq!(again.len(), 3);
    assert_eq!(again.get(7), Some(&[1.0, 2.0, 3.0][..]));
    assert_eq!(again.get(10), Some(&[7.0, 8.0, 9.0][..]));
    assert_eq!(again.get(8), None);
    assert!(again.notes().is_empty());
}

#[test]
fn an_interrupted_pass_keeps_what_was_flushed() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let mut cache = EmbeddingCache::open(&path, 2).unwrap();
    for h in 0..300u128 {
        cache.insert(h, vec![h as f32, 1.0]);
        if h % 100 == 99 {
            cache.flush().unwrap();
        }
    }
    cache.insert(1000, vec![0.0, 0.0]);
    drop(cache); // killed before the last flush
    let again = EmbeddingCache::open(&path, 2).unwrap();
    assert_eq!(again.len(), 300);
    assert_eq!(again.get(250), Some(&[250.0, 1.0][..]));
    assert_eq!(again.get(1000), None);
}

#[test]
fn many_small_shards_are_compacted_into_one() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let mut cache = EmbeddingCache::open(&path, 2).unwrap();
    for h in 0..=COMPACT_ABOVE_SHARDS as u128 {
        cache.insert(h, vec![h as f32, 0.5]);
        cache.flush().unwrap();
    }
    assert_eq!(shard_names(&path).len(), COMPACT_ABOVE_SHARDS + 1);
    let mut compacted = EmbeddingCache::open(&path, 2).unwrap();
    assert_eq!(compacted.len(), COMPACT_ABOVE_SHARDS + 1);
    let names = shard_names(&path);
    assert_eq!(names.len(), 1, "{names:?}");
    // New shards continue after the compacted one.
    compacted.insert(99, vec![9.0, 9.0]);
    compacted.flush().unwrap();
    let again = EmbeddingCache::open(&path, 2).unwrap();
    assert_eq!(again.len(), COMPACT_ABOVE_SHARDS + 2);
    assert_eq!(again.get(3), Some(&[3.0, 0.5][..]));
}

#[test]
fn stale_temporary_files_are_removed_and_fresh_ones_left_to_their_writer() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let mut cache = EmbeddingCache::open(&path, 1).unwrap();
    cache.insert(1, vec![1.0]);
    cache.flush().unwrap();
    let stale = path.join("shard-000001.safetensors.77-0.tmp");
    // Being written by a running vitrine (this one): left alone.
    let fresh = crate::durable::tmp_path_for(&path.join("shard-000001.safetensors"));
    // Just written by a vitrine that was killed: removed at once.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let gone = child.id();
    child.wait().unwrap();
    let orphan = path.join(format!("shard-000002.safetensors.{gone}-0.tmp"));
    std::fs::write(&orphan, b"killed mid-write").unwrap();
    std::fs::write(&stale, b"half a shard").unwrap();
    std::fs::write(&fresh, b"being written").unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let again = EmbeddingCache::open(&path, 1).unwrap();
    assert_eq!(again.len(), 1);
    assert!(!stale.exists());
    assert!(!orphan.exists());
    assert!(fresh.exists());
    assert!(again.notes().is_empty());
}

#[test]
fn a_cache_of_the_previous_format_is_deleted_once_with_a_note() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    // Format 1: one file `<model>.emb` with the magic "VTRNEMB1".
    let old = root.path().join("efficientnet-lite0_abc.emb");
    std::fs::write(&old, b"VTRNEMB1\x03\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0").unwrap();
    let cache = EmbeddingCache::open(&path, 3).unwrap();
    assert!(cache.is_empty());
    assert_eq!(cache.notes(), [OLD_FORMAT_NOTE.to_string()]);
    assert!(!old.exists());
    assert!(EmbeddingCache::open(&path, 3).unwrap().notes().is_empty());
}

#[test]
fn damaged_shards_are_skipped_with_a_note_and_never_panic() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let mut cache = EmbeddingCache::open(&path, 2).unwrap();
    cache.insert(1, vec![1.0, 2.0]);
    cache.flush().unwrap();
    cache.insert(2, vec![3.0, 4.0]);
    cache.flush().unwrap();
    let good = path.join("shard-000000.safetensors");
    let bytes = std::fs::read(path.join("shard-000001.safetensors")).unwrap();
    let garbage = path.join("shard-000002.safetensors");
    std::fs::write(&garbage, b"not a shard").unwrap();
    // A shard cut short (e.g. copied from a full disk).
    std::fs::write(
        path.join("shard-000001.safetensors"),
        &bytes[..bytes.len() - 3],
    )
    .unwrap();
    let again = EmbeddingCache::open(&path, 2).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again.get(1), Some(&[1.0, 2.0][..]));
    assert_eq!(again.notes().len(), 2, "{:?}", again.notes());
    assert!(again.notes().iter().all(|n| n.contains("skipped")));
    assert!(!garbage.exists(), "a damaged shard is noted once");
    assert!(good.exists());
    assert!(EmbeddingCache::open(&path, 2).unwrap().notes().is_empty());
}

#[test]
fn shards_of_another_dimension_or_a_newer_format_are_skipped() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let mut cache = EmbeddingCache::open(&path, 2).unwrap();
    cache.insert(1, vec![1.0, 2.0]);
    cache.flush().unwrap();
    let other = EmbeddingCache::open(&path, 3).unwrap();
    assert!(other.is_empty());
    assert!(other.notes()[0].contains("2 values per vector, expected 3"));

    let newer = path.join("shard-000005.safetensors");
    let metadata = HashMap::from([
        (
            "format_version".to_string(),
            (FORMAT_VERSION + 1).to_string(),
        ),
        ("dim".to_string(), "2".to_string()),
        ("model".to_string(), model_name(&path)),
    ]);
    let no_tensors: Vec<(&str, safetensors::tensor::TensorView)> = Vec::new();
    std::fs::write(
        &newer,
        safetensors::serialize(no_tensors, Some(metadata)).unwrap(),
    )
    .unwrap();
    let again = EmbeddingCache::open(&path, 2).unwrap();
    assert!(
        again.notes()[0].contains("format version 3"),
        "{:?}",
        again.notes()
    );
    assert!(newer.exists(), "a newer vitrine's shard is left alone");
}

#[test]
fn shards_follow_the_documented_layout() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let mut cache = EmbeddingCache::open(&path, 2).unwrap();
    let hash = 0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10u128;
    cache.insert(hash, vec![0.25, -1.0]);
    cache.flush().unwrap();
    let bytes = std::fs::read(path.join("shard-000000.safetensors")).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    assert_eq!(meta["format_version"], "2");
    assert_eq!(meta["dim"], "2");
    assert_eq!(meta["model"], "efficientnet-lite0_abc");
    let tensors = SafeTensors::deserialize(&bytes).unwrap();
    let hashes = tensors.tensor("hashes").unwrap();
    assert_eq!((hashes.dtype(), hashes.shape()), (Dtype::U8, &[1, 16][..]));
    assert_eq!(hashes.data(), hash.to_le_bytes());
    let vectors = tensors.tensor("vectors").unwrap();
    assert_eq!(
        (vectors.dtype(), vectors.shape()),
        (Dtype::F32, &[1, 2][..])
    );
    assert_eq!(&vectors.data()[..4], 0.25f32.to_le_bytes());
}

#[test]
fn content_hash_depends_on_bytes_only() {
    assert_eq!(content_hash(b"abc"), content_hash(b"abc"));
    assert_ne!(content_hash(b"abc"), content_hash(b"abd"));
}

/// Replaces the first occurrence of `from` in the file with `to` (same length).
fn patch(path: &Path, from: &[u8], to: &[u8]) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern in file");
    bytes[at..at + to.len()].copy_from_slice(to);
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn shards_whose_payload_fails_its_checksum_or_is_not_finite_are_recomputed() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let mut cache = EmbeddingCache::open(&path, 2).unwrap();
    for (h, v) in [(1, [1.5f32, 2.5]), (2, [3.5, 4.5]), (3, [5.5, 6.5])] {
        cache.insert(h, v.to_vec());
        cache.flush().unwrap();
    }
    let shard = |n: u64| path.join(format!("shard-{n:06}.safetensors"));
    let bytes = std::fs::read(shard(0)).unwrap();
    let (_, header) = SafeTensors::read_metadata(&bytes).unwrap();
    let meta = header.metadata().clone().unwrap();
    assert_eq!(meta["checksum"].len(), 32, "{meta:?}");
    // A vector turned to NaN, and a shard whose vector was zeroed: both fail the checksum.
    patch(&shard(1), &3.5f32.to_le_bytes(), &f32::NAN.to_le_bytes());
    patch(
        &shard(2),
        &[5.5f32, 6.5].map(f32::to_le_bytes).concat(),
        &[0u8; 8],
    );
    let again = EmbeddingCache::open(&path, 2).unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again.get(1), Some(&[1.5, 2.5][..]));
    assert!(again.get(2).is_none() && again.get(3).is_none());
    assert_eq!(again.notes().len(), 2, "{:?}", again.notes());
    assert!(again
        .notes()
        .iter()
        .all(|n| n.contains("do not match their checksum") && n.contains("computed again")));
    assert!(!shard(1).exists() && !shard(2).exists());
}

#[test]
fn a_shard_without_a_checksum_or_with_non_finite_values_is_not_trusted() {
    let root = tempfile::tempdir().unwrap();
    let path = cache_dir(root.path());
    let write = |name: &str, vector: [f32; 2], checksum: bool| {
        let vector_bytes = vector.map(f32::to_le_bytes).concat();
        let hash_bytes = 9u128.to_le_bytes();
        let mut metadata = HashMap::from([
            ("format_version".to_string(), FORMAT_VERSION.to_string()),
            ("dim".to_string(), "2".to_string()),
            ("model".to_string(), model_name(&path)),
        ]);
        if checksum {
            metadata.insert(
                "checksum".into(),
                super::payload_checksum(&hash_bytes, &vector_bytes),
            );
        }
        let views = [
            (
                "hashes",
                safetensors::tensor::TensorView::new(Dtype::U8, vec![1, 16], &hash_bytes).unwrap(),
            ),
            (
                "vectors",
                safetensors::tensor::TensorView::new(Dtype::F32, vec![1, 2], &vector_bytes)
                    .unwrap(),
            ),
        ];
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(
            path.join(name),
            safetensors::serialize(views, Some(metadata)).unwrap(),
        )
        .unwrap();
    };
    write("shard-000000.safetensors", [1.0, 2.0], false);
    write("shard-000001.safetensors", [f32::INFINITY, 2.0], true);
    let cache = EmbeddingCache::open(&path, 2).unwrap();
    assert!(cache.is_empty());
    let notes = cache.notes().join("\n");
    assert!(notes.contains("no checksum"), "{notes}");
    assert!(notes.contains("not finite numbers"), "{notes}");
}
