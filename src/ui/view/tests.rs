//! Tests of the window's view of a catalogue: search, tags, corrections, lookalikes.
use super::*;
use crate::catalogue::{CatalogueFormat, ImportReport, Item};
use crate::engine::ModelIdentity;
use crate::index::EmbeddingIndex;
use crate::vision::BackboneKind;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn view() -> CatalogueView {
    let items = (0..4)
        .map(|i| Item {
            id: format!("{i}.jpg"),
            image_path: PathBuf::from(format!("/x/{i}.jpg")),
            description: ["Red dress", "Blue jeans", "Red skirt", ""][i].to_string(),
            attributes: BTreeMap::new(),
            extra_images: Vec::new(),
        })
        .collect();
    let catalogue = Catalogue {
        name: "t".into(),
        source: PathBuf::from("/x"),
        format: CatalogueFormat::Csv,
        items,
        report: ImportReport::default(),
    };
    CatalogueView::new(Arc::new(CatalogueTags {
        catalogue: Arc::new(catalogue),
        vocabulary: vec!["red".into(), "dress".into()],
        item_tags: vec![
            vec!["red".into(), "dress".into()],
            vec![],
            vec!["red".into()],
            vec![],
        ],
        trainable_items: 2,
    }))
}

#[test]
fn search_words_and_tags_filter_items() {
    let mut v = view();
    assert_eq!(v.tag_counts[0], ("red".to_string(), 2));
    let red: Vec<usize> = (0..4)
        .filter(|&i| v.matches(i, &["red".into()], &[]))
        .collect();
    assert_eq!(red, vec![0, 2]);
    let dress: Vec<usize> = (0..4).filter(|&i| v.matches(i, &[], &["dress"])).collect();
    assert_eq!(dress, vec![0]);
    v.set_predictions(Arc::new(ItemPredictions {
        vocabulary: vec!["red".into(), "dress".into()],
        thresholds: vec![0.5, 0.5],
        probabilities: vec![None, Some(vec![0.1, 0.9]), None, None],
    }));
    let dress: Vec<usize> = (0..4).filter(|&i| v.matches(i, &[], &["dress"])).collect();
    assert_eq!(dress, vec![0, 1]);
    assert_eq!(v.predictions.as_ref().unwrap().tags_of(1)[0].name, "dress");
}

#[test]
fn search_finds_predicted_and_corrected_tags() {
    let mut v = view();
    v.set_predictions(Arc::new(ItemPredictions {
        vocabulary: vec!["red".into(), "dress".into()],
        thresholds: vec![0.5, 0.5],
        probabilities: vec![None, Some(vec![0.1, 0.9]), None, None],
    }));
    let words = |v: &CatalogueView, w: &str| -> Vec<usize> {
        (0..4).filter(|&i| v.matches(i, &[w.into()], &[])).collect()
    };
    let chips = |v: &CatalogueView, t: &str| -> Vec<usize> {
        (0..4).filter(|&i| v.matches(i, &[], &[t])).collect()
    };
    // Item 1 ("Blue jeans") is found by its predicted tag.
    assert_eq!(words(&v, "dress"), vec![0, 1]);
    v.correct(3, "dress", Some(true));
    assert_eq!(words(&v, "dress"), vec![0, 1, 3]);
    v.correct(0, "dress", Some(false));
    v.correct(1, "dress", Some(false));
    assert_eq!(
        chips(&v, "dress"),
        vec![3],
        "corrections win over description and model"
    );
    v.correct(1, "dress", None);
    assert_eq!(chips(&v, "dress"), vec![1, 3]);
}

#[test]
fn lookalikes_skip_items_without_vectors() {
    let mut v = view();
    assert!(v.lookalikes(0).is_empty());
    let vectors = vec![
        Some(vec![1.0, 0.0]),
        Some(vec![0.9, 0.1]),
        None,
        Some(vec![0.0, 1.0]),
    ];
    let embeddings = |vectors: &[Option<Vec<f32>>]| {
        Arc::new(CatalogueEmbeddings {
            model: ModelIdentity::Pretrained {
                backbone: BackboneKind::EfficientNetLite0,
                weights_hash: 1,
            },
            index: Arc::new(EmbeddingIndex::centered(vectors)),
        })
    };
    assert!(v.set_embeddings(embeddings(&vectors)));
    let found: Vec<usize> = v.lookalikes(0).iter().map(|n| n.index).collect();
    assert_eq!(found, vec![1, 3]);
    assert!(v.lookalikes(2).is_empty());
    assert!(!v.set_embeddings(embeddings(&vectors[..2])));
}
