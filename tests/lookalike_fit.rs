//! Measuring and fitting lookalikes on a labelled catalogue, and near-duplicates, end to end
//! on the demo catalogue: weights fitted by cross-validation beat every fixed preset on the
//! catalogue they were fitted on and are saved for it; the P@5 the eval command reports is the
//! count over the export file; a re-encoded or mirrored copy of a demo photo is a
//! near-duplicate and not one of the original's lookalikes.

mod common;

use std::sync::Arc;

use vitrine::catalogue::{Catalogue, ImportOptions};
use vitrine::engine::protocol::MatchParts;
use vitrine::engine::{Command, EventBody};
use vitrine::index::LOOKALIKES;
use vitrine::lookalike::copies::Variant;
use vitrine::lookalike::duplicates::{groups, pairs, DEFAULT_THRESHOLD};
use vitrine::lookalike::eval::{attribute_labels, precision, ScoredCatalogue, DESCRIPTION_COLOUR};
use vitrine::lookalike::export::{all_lookalikes, write, ExportRow};
use vitrine::lookalike::fit::{search, weight_grid};
use vitrine::lookalike::fitted::{self, FittedWeights};
use vitrine::lookalike::query::match_index;
use vitrine::lookalike::{MatchIndex, Preset, Query};

fn index_of(worker: &vitrine::engine::Worker, catalogue: &Arc<Catalogue>) -> MatchIndex {
    common::run(worker, Command::SetCatalogue(catalogue.clone()));
    let embeddings =
        common::embeddings_in(&common::run(worker, Command::Embed)).expect("embeddings");
    let parts: Arc<MatchParts> = common::run(worker, Command::PrepareMatch)
        .into_iter()
        .find_map(|b| match b {
            EventBody::MatchParts(p) => Some(p),
            _ => None,
        })
        .expect("colours and descriptions");
    match_index(&embeddings, Some(&parts))
}

fn scored(catalogue: &Catalogue, index: &MatchIndex) -> ScoredCatalogue {
    ScoredCatalogue {
        name: catalogue.name.clone(),
        scores: (0..index.len())
            .map(|i| index.scores(&Query::Item(i)))
            .collect(),
        labels: vec![
            ("category".into(), attribute_labels(catalogue, "category")),
            (
                "colour".into(),
                attribute_labels(catalogue, DESCRIPTION_COLOUR),
            ),
        ],
    }
}

#[test]
fn fitted_weights_beat_every_preset_and_p5_is_the_count_over_the_export() {
    let dir = tempfile::tempdir().expect("tempdir");
    let worker = common::worker(dir.path().join("checkpoints"));
    let catalogue = common::demo();
    let index = index_of(&worker, &catalogue);
    let scored = scored(&catalogue, &index);

    // Fitted under 5-fold cross-validation over the queries, against every fixed preset
    // measured on the same folds.
    let found = search(std::slice::from_ref(&scored), &weight_grid(), 5);
    let fitted_cv = &found.measured[0];
    assert_eq!(fitted_cv.name, "fitted");
    for preset in &found.measured[1..] {
        eprintln!(
            "{}: {:?} objective {:.3}",
            preset.name, preset.p5, preset.objective
        );
        assert!(
            fitted_cv.objective > preset.objective,
            "fitted {:.4} ({:?}) vs {} {:.4}",
            fitted_cv.objective,
            fitted_cv.p5,
            preset.name,
            preset.objective
        );
    }
    // Saved in the catalogue's state folder and read back as the Fitted preset.
    let state = dir.path().join("catalogues").join("demo");
    let saved = FittedWeights {
        version: fitted::VERSION,
        weights: found.chosen,
        attributes: vec![
            "category=category".into(),
            "colour=description-colour".into(),
        ],
        rule: "harmonic mean".into(),
        folds: 5,
        cross_validated: vec![
            ("category".into(), fitted_cv.p5[0]),
            ("colour".into(), fitted_cv.p5[1]),
        ],
    };
    fitted::save(&state, &saved).expect("saved");
    let read = fitted::load(&state).expect("read").expect("present");
    assert_eq!(read.weights, found.chosen);

    // The eval command's P@5 (precision over each item's lookalikes) is the share of the
    // export file's rows whose neighbour has the item's label.
    let weights = Preset::Balanced.weights();
    let all: Vec<usize> = (0..scored.scores.len()).collect();
    let eval_p5 = precision(
        &scored.lookalikes(&weights, LOOKALIKES, &all),
        &scored.labels[0].1,
    )
    .expect("labelled");
    let exported = all_lookalikes(&index, &weights, LOOKALIKES, &mut |_, _| true).expect("export");
    let ids: Vec<String> = catalogue.items.iter().map(|i| i.id.clone()).collect();
    let path = dir.path().join("lookalikes.csv");
    write(&path, &ids, &exported).expect("written");
    let rows: Vec<ExportRow> = csv::Reader::from_path(&path)
        .expect("read csv")
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("csv rows");
    let category: std::collections::HashMap<&str, &str> = catalogue
        .items
        .iter()
        .filter_map(|i| Some((i.id.as_str(), i.attributes.get("category")?.as_str())))
        .collect();
    let mut per_item: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for row in &rows {
        let e = per_item.entry(row.item.as_str()).or_default();
        e.1 += 1;
        if category.get(row.item.as_str()) == category.get(row.neighbour.as_str()) {
            e.0 += 1;
        }
    }
    let counted = per_item
        .values()
        .map(|(same, n)| *same as f64 / *n as f64)
        .sum::<f64>()
        / per_item.len() as f64;
    eprintln!("Balanced P@5 same category: eval {eval_p5:.4}, export count {counted:.4}");
    assert!((eval_p5 - counted).abs() < 0.005, "{eval_p5} vs {counted}");
}

#[test]
fn copies_of_a_demo_photo_are_near_duplicates_and_not_lookalikes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let worker = common::worker(dir.path().join("checkpoints"));
    let demo = common::demo();
    // The demo's items and a re-encoded and a mirrored copy of two of its photos.
    let originals = [3usize, 42];
    let mut csv = String::from("image,description,category\n");
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for item in &demo.items {
        csv.push_str(&format!(
            "{},{},{}\n",
            quote(&item.image_path.display().to_string()),
            quote(&item.description),
            quote(item.attributes.get("category").map_or("", String::as_str))
        ));
    }
    let mut copies = Vec::new();
    for &o in &originals {
        let item = &demo.items[o];
        let photo = vitrine::vision::transforms::load_image(&item.image_path).expect("photo");
        for v in [Variant::Reencoded, Variant::Mirrored] {
            let path = dir.path().join(format!("{o}-{}.jpg", v.name()));
            v.write(&photo, &path).expect("copy");
            csv.push_str(&format!(
                "{},{},{}\n",
                quote(&path.display().to_string()),
                quote(&item.description),
                quote(item.attributes.get("category").map_or("", String::as_str))
            ));
            copies.push((o, demo.items.len() + copies.len()));
        }
    }
    let file = dir.path().join("catalogue.csv");
    std::fs::write(&file, csv).expect("catalogue");
    let catalogue = Arc::new(
        vitrine::catalogue::load(&file, &ImportOptions::default()).expect("mixed catalogue"),
    );
    assert_eq!(catalogue.items.len(), demo.items.len() + copies.len());
    let mut index = index_of(&worker, &catalogue);

    let found = pairs(&index.shape, DEFAULT_THRESHOLD);
    let grouped = groups(index.len(), &found);
    for &(original, copy) in &copies {
        assert!(
            found.iter().any(|p| p.a == original && p.b == copy),
            "copy {copy} of item {original} is not reported: {found:?}"
        );
        assert!(grouped
            .iter()
            .any(|g| g.contains(&original) && g.contains(&copy)));
        // Not among the original's lookalikes, by default, in the scoring and the export.
        let weights = Preset::Balanced.weights();
        let lookalikes = index.lookalikes(&Query::Item(original), &weights, LOOKALIKES);
        assert_eq!(lookalikes.len(), LOOKALIKES);
        assert!(lookalikes.iter().all(|m| m.index != copy), "{lookalikes:?}");
    }
    let weights = Preset::Balanced.weights();
    let exported = all_lookalikes(&index, &weights, LOOKALIKES, &mut |_, _| true).expect("export");
    for &(original, copy) in &copies {
        assert!(exported[original].iter().all(|m| m.index != copy));
    }
    // Kept when asked: a copy is then the original's best lookalike.
    index.duplicate_threshold = None;
    for &(original, _) in &copies {
        let best = index.lookalikes(&Query::Item(original), &weights, 1);
        assert!(
            copies
                .iter()
                .any(|&(o, c)| o == original && c == best[0].index),
            "{best:?}"
        );
    }
}
