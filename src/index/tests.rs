//! Tests of the index: ordering, centring, missing slots, raw vectors, and that the quantised
//! search returns exactly the f32 top-k.

use super::ann::AnnSettings;
use super::*;
use rand::{Rng, SeedableRng};

#[test]
fn cosine_of_parallel_and_orthogonal_vectors() {
    assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
    assert!(cosine(&[1.0, 0.0], &[0.0, 3.0]).abs() < 1e-6);
    assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
}

#[test]
fn nearest_orders_by_similarity_and_excludes_the_query() {
    let index = EmbeddingIndex::from_vectors(&[
        vec![1.0, 0.0, 0.0],
        vec![0.9, 0.1, 0.0],
        vec![0.0, 1.0, 0.0],
        vec![0.7, 0.7, 0.0],
        vec![-1.0, 0.0, 0.0],
    ]);
    let found = index.nearest_to_item(0, 3);
    let order: Vec<usize> = found.iter().map(|n| n.index).collect();
    assert_eq!(order, vec![1, 3, 2]);
    assert!(found[0].score > found[1].score && found[1].score > found[2].score);
    let all = index.nearest(&[1.0, 0.0, 0.0], 10, None);
    assert_eq!(all.len(), 5);
    assert_eq!(all[0].index, 0);
    assert_eq!(all[4].index, 4);
    assert!((all[4].score + 1.0).abs() < 1e-6);
}

#[test]
fn centred_index_skips_missing_items_and_centres_queries() {
    let vectors = vec![
        Some(vec![10.0, 1.0]),
        None,
        Some(vec![10.0, -1.0]),
        Some(vec![10.0, 0.9]),
    ];
    let index = EmbeddingIndex::centered(&vectors);
    assert_eq!(index.len(), 4);
    // Raw cosine would call all three alike; centred, 0 and 3 pair up and 2 is opposite.
    let found = index.nearest_to_item(0, 3);
    assert_eq!(
        found.iter().map(|n| n.index).collect::<Vec<_>>(),
        vec![3, 2]
    );
    assert!(found[1].score < 0.0);
    assert!(index.nearest_to_item(1, 3).is_empty());
    let q = index.nearest(&[10.0, 1.2], 1, None);
    assert_eq!(q[0].index, 0);
}

#[test]
fn ties_keep_index_order_and_bad_queries_find_nothing() {
    let index = EmbeddingIndex::from_vectors(&[vec![1.0, 0.0], vec![1.0, 0.0], vec![1.0, 0.0]]);
    let order: Vec<usize> = index
        .nearest(&[1.0, 0.0], 2, None)
        .iter()
        .map(|n| n.index)
        .collect();
    assert_eq!(order, vec![0, 1]);
    assert!(index.nearest(&[1.0, 0.0, 0.0], 2, None).is_empty());
    assert!(index.nearest_to_item(7, 2).is_empty());
    assert_eq!(index.len(), 3);
}

/// Unit-ish vectors clustered around `centres` random directions, like a catalogue with
/// many near-duplicates (the hard case for a quantised scan: scores are close together).
fn clustered(n: usize, dim: usize, centres: usize, noise: f32, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let centre_vectors: Vec<Vec<f32>> = (0..centres)
        .map(|_| (0..dim).map(|_| rng.random::<f32>() - 0.5).collect())
        .collect();
    (0..n)
        .map(|i| {
            let c = &centre_vectors[i % centres];
            c.iter()
                .map(|x| x + noise * (rng.random::<f32>() - 0.5))
                .collect()
        })
        .collect()
}

/// The exact top-k by a plain scan over every stored vector (the reference): the stored f16
/// values widened to f32, one f32 dot product each, no int8 copy and nothing skipped.
fn reference_top_k(
    index: &EmbeddingIndex,
    q: &[f32],
    k: usize,
    exclude: Option<usize>,
) -> Vec<usize> {
    let mut scored: Vec<(usize, f32)> = (0..index.len())
        .filter(|&i| index.is_present(i) && Some(i) != exclude)
        .filter_map(|i| index.vector(i).map(|v| (i, simd::kernels().dot_f32(&v, q))))
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored.into_iter().take(k).map(|(i, _)| i).collect()
}

#[test]
fn quantised_search_returns_the_exact_top_5() {
    // Above the size where the int8 scan and re-ranking take over.
    let n = 9_000;
    let dim = 96;
    let mut vectors: Vec<Option<Vec<f32>>> = clustered(n, dim, 60, 0.3, 7)
        .into_iter()
        .map(Some)
        .collect();
    vectors[17] = None;
    vectors[n - 1] = None;
    let index = EmbeddingIndex::centered(&vectors);
    assert!(index.quantised.covers(n, dim));
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    for trial in 0..150 {
        let item = rng.random_range(0..n);
        let found: Vec<usize> = index
            .nearest_to_item(item, LOOKALIKES)
            .iter()
            .map(|f| f.index)
            .collect();
        let expected = if index.is_present(item) {
            let q = index.vector(item).unwrap_or_default();
            reference_top_k(&index, &q, LOOKALIKES, Some(item))
        } else {
            Vec::new()
        };
        assert_eq!(found, expected, "trial {trial}, item {item}");
        // A fresh query, not an item: exact too, scores in order.
        let query: Vec<f32> = (0..dim).map(|_| rng.random::<f32>() - 0.5).collect();
        let found = index.nearest(&query, LOOKALIKES, None);
        let prepared = index.prepare_query(&query).unwrap_or_default();
        let expected = reference_top_k(&index, &prepared, LOOKALIKES, None);
        assert_eq!(found.iter().map(|f| f.index).collect::<Vec<_>>(), expected);
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[test]
fn exact_duplicates_tie_to_the_lower_index_in_the_quantised_search() {
    let base = clustered(5_000, 32, 50, 0.2, 3);
    let index = EmbeddingIndex::from_vectors(&base);
    // Item i has copies at i + 50, i + 100, ... with the same centre but other noise; the
    // reference decides, whatever the ties.
    for item in [0, 49, 4_999] {
        let q = index.vector(item).unwrap_or_default();
        let found: Vec<usize> = index
            .nearest_to_item(item, 7)
            .iter()
            .map(|f| f.index)
            .collect();
        assert_eq!(found, reference_top_k(&index, &q, 7, Some(item)));
    }
    let same = EmbeddingIndex::from_vectors(&vec![vec![1.0, 2.0, 3.0]; 5_000]);
    let found: Vec<usize> = same
        .nearest(&[1.0, 2.0, 3.0], 3, None)
        .iter()
        .map(|f| f.index)
        .collect();
    assert_eq!(found, vec![0, 1, 2]);
}

#[test]
fn scores_cover_every_slot_and_match_the_search() {
    let mut vectors: Vec<Option<Vec<f32>>> = clustered(5_000, 24, 30, 0.5, 5)
        .into_iter()
        .map(Some)
        .collect();
    vectors[3] = None;
    let index = EmbeddingIndex::centered(&vectors);
    let query = vectors[10].clone().unwrap_or_default();
    let scores = index.scores(&query);
    assert_eq!(scores.len(), 5_000);
    assert_eq!(scores[3], f32::NEG_INFINITY);
    // The stored vector is the f16 rounding of the unit query: its cosine is 1 within that.
    assert!((scores[10] - 1.0).abs() < 1e-3);
    let best = index.nearest(&query, 3, None);
    for found in &best {
        assert!((scores[found.index] - found.score).abs() < 1e-6);
    }
    assert!(index.scores(&[1.0]).is_empty());
    assert_eq!(
        index.candidates(&query, 3, None),
        best.iter().map(|f| f.index).collect::<Vec<_>>()
    );
}

#[test]
fn raw_vectors_are_rebuilt_from_the_single_stored_copy() {
    let vectors = vec![
        Some(vec![3.0, 4.0, 1.0]),
        None,
        Some(vec![-1.0, 0.5, 2.0]),
        Some(vec![1.0, 2.0, 1.0]),
    ];
    let index = EmbeddingIndex::centered(&vectors);
    for (i, v) in vectors.iter().enumerate() {
        match (v, index.raw_vector(i)) {
            (Some(v), Some(raw)) => {
                // The unit vector is stored in f16: each value within 2⁻¹¹ of itself, so the
                // rebuilt vector is within 2⁻¹¹ of the centred vector's length (here < 4).
                assert!(
                    v.iter()
                        .zip(&raw)
                        .all(|(a, b)| (a - b).abs() < 4.0 / 2048.0),
                    "{v:?} {raw:?}"
                )
            }
            (None, None) => {}
            other => panic!("slot {i}: {other:?}"),
        }
    }
    let plain = EmbeddingIndex::from_vectors(&[vec![0.0, 2.0]]);
    assert_eq!(plain.raw_vector(0), Some(vec![0.0, 2.0]));
    assert!(index.memory_bytes() >= 4 * 3 * 4);
}

#[test]
fn the_graph_finds_the_exact_top_5_for_most_queries() {
    let n = 6_000;
    let dim = 64;
    let mut vectors: Vec<Option<Vec<f32>>> = clustered(n, dim, 200, 0.8, 21)
        .into_iter()
        .map(Some)
        .collect();
    vectors[5] = None;
    let mut index = EmbeddingIndex::centered(&vectors);
    let exact: Vec<Vec<usize>> = (0..300)
        .map(|i| {
            index
                .nearest_to_item(i * 19, LOOKALIKES)
                .iter()
                .map(|f| f.index)
                .collect()
        })
        .collect();
    index.build_ann().expect("the graph builds");
    assert_eq!(index.ann().map(|g| g.len()), Some(n - 1));
    let mut queries_all_found = 0;
    let mut hits = 0;
    for (q, truth) in exact.iter().enumerate() {
        let found: Vec<usize> = index
            .nearest_to_item(q * 19, LOOKALIKES)
            .iter()
            .map(|f| f.index)
            .collect();
        assert!(!found.contains(&(q * 19)), "the item itself is excluded");
        assert!(!found.contains(&5), "a missing slot is never found");
        let shared = found.iter().filter(|i| truth.contains(i)).count();
        hits += shared;
        queries_all_found += usize::from(shared == truth.len());
    }
    let recall = hits as f64 / (exact.len() * LOOKALIKES) as f64;
    assert!(recall >= 0.95, "recall@5 {recall}");
    assert!(
        queries_all_found as f64 >= 0.9 * exact.len() as f64,
        "{queries_all_found} queries exact"
    );
    // The exact search is still there, whatever is attached.
    let q = vectors[7].clone().unwrap_or_default();
    let exact7 = index.nearest_exact(&q, LOOKALIKES, Some(7));
    let prepared = index.prepare_query(&q).unwrap_or_default();
    let expected = reference_top_k(&index, &prepared, LOOKALIKES, Some(7));
    assert_eq!(exact7.iter().map(|f| f.index).collect::<Vec<_>>(), expected);
}

#[test]
fn a_saved_graph_loads_only_for_an_index_it_fits() {
    let dir = tempfile::tempdir().unwrap();
    let vectors = clustered(800, 16, 20, 0.5, 4);
    let mut index = EmbeddingIndex::from_vectors(&vectors);
    index.build_ann().expect("the graph builds");
    let path = dir.path().join("graph.usearch");
    index.ann().expect("attached").save(&path).expect("saved");
    let loaded = AnnIndex::load(&path, &index).expect("it fits");
    assert_eq!(loaded.len(), 800);
    let before: Vec<usize> = index
        .nearest_to_item(3, 5)
        .iter()
        .map(|f| f.index)
        .collect();
    index.attach_ann(Arc::new(loaded)).expect("attached");
    let after: Vec<usize> = index
        .nearest_to_item(3, 5)
        .iter()
        .map(|f| f.index)
        .collect();
    assert_eq!(before, after);
    let smaller = EmbeddingIndex::from_vectors(&vectors[..700]);
    assert!(AnnIndex::load(&path, &smaller).is_err());
    let other_dim = EmbeddingIndex::from_vectors(&[vec![1.0; 8]]);
    assert!(AnnIndex::load(&path, &other_dim).is_err());
    std::fs::write(&path, b"not a graph").unwrap();
    assert!(AnnIndex::load(&path, &index).is_err());
}

#[test]
fn a_projected_graph_finds_the_exact_top_5_and_saves_its_projection() {
    // Embeddings vary along few directions: 16 carry the clusters, 112 only a little noise.
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let vectors: Vec<Vec<f32>> = clustered(5_000, 16, 150, 0.6, 8)
        .into_iter()
        .map(|mut v| {
            v.extend((0..112).map(|_| 0.05 * (rng.random::<f32>() - 0.5)));
            v
        })
        .collect();
    let mut index = EmbeddingIndex::from_vectors(&vectors);
    let exact: Vec<Vec<usize>> = (0..200)
        .map(|i| {
            index
                .nearest_to_item(i * 23, LOOKALIKES)
                .iter()
                .map(|f| f.index)
                .collect()
        })
        .collect();
    let settings = AnnSettings {
        projected_dims: 32,
        ..AnnSettings::default()
    };
    let graph = AnnIndex::build_with(&index, settings).expect("the graph builds");
    assert_eq!(graph.graph_dims(), 32);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph.usearch");
    graph.save(&path).expect("saved");
    assert!(ann::projection_path(&path).is_file());
    let loaded = AnnIndex::load(&path, &index).expect("it fits");
    assert_eq!(loaded.graph_dims(), 32);
    index.attach_ann(Arc::new(loaded)).expect("attached");
    let all_found = exact
        .iter()
        .enumerate()
        .filter(|(q, truth)| {
            let found: Vec<usize> = index
                .nearest_to_item(q * 23, LOOKALIKES)
                .iter()
                .map(|f| f.index)
                .collect();
            truth.iter().all(|t| found.contains(t))
        })
        .count();
    assert!(
        all_found as f64 >= 0.95 * exact.len() as f64,
        "{all_found} of {} queries found their exact top-5",
        exact.len()
    );
    // Without its projection file the graph no longer fits 128-dimensional queries.
    std::fs::remove_file(ann::projection_path(&path)).unwrap();
    assert!(AnnIndex::load(&path, &index).is_err());
}

#[test]
fn vectors_are_stored_in_f16_and_searched_exactly_as_stored() {
    let vectors = clustered(5_000, 64, 40, 0.25, 5);
    let index = EmbeddingIndex::from_vectors(&vectors);
    // Each stored value is the f16 rounding of the f32 unit vector.
    for (i, v) in vectors.iter().enumerate().step_by(97) {
        let mut unit = v.clone();
        normalize(&mut unit);
        let stored = index.vector_f16(i).unwrap_or_default();
        assert_eq!(stored.len(), 64);
        for (s, u) in stored.iter().zip(&unit) {
            assert_eq!(*s, f16::from_f32(*u), "slot {i}");
        }
    }
    // Two bytes per value for the vectors, one for the int8 copy.
    let per_slot = 64 * 2 + 64 + 4 + 4 + 4 + 1;
    assert_eq!(index.memory_bytes(), 5_000 * per_slot);
    // The scan's top-5 is that of a plain scan over the stored values, for items and queries.
    let mut rng = rand::rngs::StdRng::seed_from_u64(21);
    for _ in 0..40 {
        let item = rng.random_range(0..vectors.len());
        let q = index.vector(item).unwrap_or_default();
        let found: Vec<usize> = index
            .nearest_to_item(item, LOOKALIKES)
            .iter()
            .map(|f| f.index)
            .collect();
        assert_eq!(found, reference_top_k(&index, &q, LOOKALIKES, Some(item)));
        let scores = index.item_scores(item);
        let expected = simd::kernels().dot_f32(&index.vector(3).unwrap_or_default(), &q);
        assert!((scores[3] - expected).abs() < 1e-6);
    }
}
