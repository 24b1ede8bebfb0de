use super::*;

fn cands(nouns: &[&str], adjectives: &[&str]) -> Candidates {
    Candidates {
        nouns: nouns.iter().map(|s| s.to_string()).collect(),
        adjectives: adjectives.iter().map(|s| s.to_string()).collect(),
        tokens: nouns.len() + adjectives.len(),
    }
}

#[test]
fn candidates_keep_alphabetic_non_stop_nouns_and_adjectives() {
    // Tagged This/DT Red/NNP v-neck/NN dress/NN has/VBZ 3/4/CD sleeves/NNS and/CC a/DT
    // back/JJ zip/NN ./. — "v-neck" is not alphabetic, "back" is a stop word.
    let c = candidates("This Red v-neck dress has 3/4 sleeves and a back zip.");
    assert_eq!(c.nouns, ["red", "dress", "sleeves", "zip"]);
    assert!(c.adjectives.is_empty());
    assert_eq!(c.tokens, 12);
    let c = candidates("A red dress with long sleeves.");
    assert_eq!(c.nouns, ["dress", "sleeves"]);
    assert_eq!(c.adjectives, ["red", "long"]);
    assert_eq!(candidates(""), Candidates::default());
}

#[test]
fn tf_idf_ranking_by_hand() {
    // n = 3 items. Nouns: dress in 3 items, belt in 1, pocket in 2.
    // idf(dress) = ln(4/4) + 1 = 1; idf(pocket) = ln(4/3) + 1 ≈ 1.2877;
    // idf(belt) = ln(4/2) + 1 ≈ 1.6931.
    // Item 0: dress ×2 → 2.0, pocket ×1 → 1.2877, belt ×1 → 1.6931.
    let set = tag_set_from_candidates(
        &[
            cands(&["dress", "pocket", "dress", "belt"], &[]),
            cands(&["dress", "pocket"], &[]),
            cands(&["dress"], &[]),
        ],
        &TagOptions {
            top_terms_per_item: 2,
            vocab_nouns: 10,
            vocab_adjectives: 10,
            ..TagOptions::seed()
        },
    );
    assert_eq!(set.items[0].nouns, ["dress", "belt"]);
    assert_eq!(set.items[1].nouns, ["pocket", "dress"]);
    assert_eq!(set.items[2].nouns, ["dress"]);
    let vocab: Vec<(&str, usize)> = set
        .vocabulary
        .tags
        .iter()
        .map(|t| (t.name.as_str(), t.count))
        .collect();
    assert_eq!(vocab, [("dress", 3), ("belt", 1), ("pocket", 1)]);
}

#[test]
fn equal_scores_go_alphabetically() {
    let set = tag_set_from_candidates(
        &[cands(&["zip", "hem", "cuff"], &[])],
        &TagOptions {
            top_terms_per_item: 2,
            ..TagOptions::seed()
        },
    );
    assert_eq!(set.items[0].nouns, ["cuff", "hem"]);
}

#[test]
fn vocabulary_ties_sizes_and_unique_names() {
    let items = [
        cands(&["skirt", "cotton"], &["cotton", "red"]),
        cands(&["skirt", "belt"], &["blue", "red"]),
        cands(&["belt"], &["cotton"]),
    ];
    let set = tag_set_from_candidates(
        &items,
        &TagOptions {
            top_terms_per_item: 10,
            vocab_nouns: 2,
            vocab_adjectives: 2,
            ..TagOptions::seed()
        },
    );
    // Nouns: belt 2, skirt 2, cotton 1 → belt, skirt (ties by name).
    // Adjectives: cotton 2, red 2, blue 1 → cotton, red.
    assert_eq!(set.vocabulary.names(), ["belt", "skirt", "cotton", "red"]);
    assert_eq!(set.vocabulary.tags[2].kind, TermKind::Adjective);
    assert_eq!(set.items[0].tags, ["skirt", "cotton", "red"]);
    assert_eq!(set.stats.items_without_tags, 0);

    // With "cotton" a noun tag, the adjective list passes over it.
    let set = tag_set_from_candidates(
        &items,
        &TagOptions {
            top_terms_per_item: 10,
            vocab_nouns: 3,
            vocab_adjectives: 2,
            ..TagOptions::seed()
        },
    );
    assert_eq!(
        set.vocabulary.names(),
        ["belt", "skirt", "cotton", "red", "blue"]
    );
    assert_eq!(set.vocabulary.tags[2].kind, TermKind::Noun);
    assert_eq!(set.items[2].tags, ["belt", "cotton"]);
}

#[test]
fn multi_hot_round_trip() {
    let vocabulary = Vocabulary {
        tags: ["dress", "sleeves", "red"]
            .iter()
            .map(|name| VocabTag {
                name: name.to_string(),
                kind: TermKind::Noun,
                count: 1,
            })
            .collect(),
    };
    assert_eq!(
        vocabulary.multi_hot(&["red", "dress", "unknown"]),
        [1.0, 0.0, 1.0]
    );
    assert_eq!(
        vocabulary.tags_from_multi_hot(&[0.9, 0.2, 0.5], 0.5),
        ["dress", "red"]
    );
    assert_eq!(vocabulary.index_of("sleeves"), Some(1));
    assert_eq!(vocabulary.index_of("hat"), None);
    assert!(vocabulary.multi_hot::<&str>(&[]).iter().all(|&v| v == 0.0));
}

#[test]
fn empty_items_and_targets() {
    let set = extract_tags(&["", "A red dress.", "   "], &TagOptions::seed());
    assert_eq!(set.stats.items, 3);
    assert_eq!(set.stats.items_without_text, 2);
    assert_eq!(set.stats.items_without_tags, 2);
    assert_eq!(set.vocabulary.names(), ["dress", "red"]);
    assert_eq!(
        set.targets(),
        [vec![0.0, 0.0], vec![1.0, 1.0], vec![0.0, 0.0]]
    );
    let json = serde_json::to_string(&set).unwrap();
    assert_eq!(serde_json::from_str::<TagSet>(&json).unwrap(), set);
}

mod curated;
