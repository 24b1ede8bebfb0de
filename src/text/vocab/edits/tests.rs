use super::*;
use crate::text::vocab::{derive_tags, VocabularySettings};

const TEXTS: [&str; 4] = [
    "A red dress with buttons and a belt.",
    "A blue dress with one button.",
    "A red skirt with a belt and pockets.",
    "A green jacket with pockets and a zipper.",
];

fn derived(edits: &[VocabEdit]) -> crate::text::vocab::DerivedTags {
    let mut settings = VocabularySettings::default();
    for edit in edits {
        settings.edits.push(edit.clone());
    }
    derive_tags(&TEXTS, &settings)
}

fn tags_of(d: &crate::text::vocab::DerivedTags, item: usize) -> Vec<&str> {
    d.set.items[item].tags.iter().map(String::as_str).collect()
}

#[test]
fn no_edits_leave_the_set_as_it_is() {
    let plain = derived(&[]);
    let mut again = plain.set.clone();
    assert!(VocabularyEdits::default()
        .apply(&mut again, &plain.words)
        .is_empty());
    assert_eq!(again, plain.set);
    assert_eq!(
        plain.set.vocabulary.names(),
        [
            "belt", "button", "dress", "pockets", "jacket", "skirt", "zipper", "red", "blue",
            "green"
        ]
    );
}

#[test]
fn remove_rename_and_merge() {
    let d = derived(&[
        VocabEdit::Remove { tag: "Red".into() },
        VocabEdit::Rename {
            from: "zipper".into(),
            to: "Zip".into(),
        },
        VocabEdit::Merge {
            tags: vec!["skirt".into(), "dress".into()],
            into: "skirt or dress".into(),
        },
    ]);
    let names = d.set.vocabulary.names();
    assert!(!names.contains(&"red".to_string()));
    // The merged tag takes the place of the first of its tags in the vocabulary ("dress").
    assert_eq!(names[2], "skirt or dress");
    assert!(!names.contains(&"skirt".to_string()));
    assert_eq!(tags_of(&d, 0), ["belt", "button", "skirt or dress"]);
    assert_eq!(tags_of(&d, 2), ["belt", "skirt or dress", "pockets"]);
    assert_eq!(tags_of(&d, 3), ["pockets", "jacket", "zip", "green"]);
    let count = |name: &str| {
        d.set
            .vocabulary
            .tags
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.count)
    };
    assert_eq!(count("skirt or dress"), Some(3));
    assert_eq!(count("zip"), Some(1));
    assert!(d.notes.is_empty(), "{:?}", d.notes);
}

#[test]
fn an_added_word_tags_every_item_that_has_it_in_any_form() {
    let d = derived(&[
        VocabEdit::Remove {
            tag: "button".into(),
        },
        VocabEdit::Add {
            word: "Buttons".into(),
        },
    ]);
    let last = d.set.vocabulary.tags.last().unwrap();
    assert_eq!((last.name.as_str(), last.count), ("button", 2));
    assert!(tags_of(&d, 0).contains(&"button") && tags_of(&d, 1).contains(&"button"));
    // A stop word is no word of the index: adding it changes nothing and says why.
    let d = derived(&[VocabEdit::Add { word: "A".into() }]);
    assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
}

#[test]
fn edits_that_no_longer_apply_become_notes() {
    let d = derived(&[
        VocabEdit::Remove { tag: "hood".into() },
        VocabEdit::Rename {
            from: "belt".into(),
            to: "dress".into(),
        },
        VocabEdit::Add {
            word: "sequins".into(),
        },
        VocabEdit::Merge {
            tags: vec!["belt".into(), "belt".into()],
            into: "belts".into(),
        },
    ]);
    assert_eq!(
        d.notes,
        [
            "remove hood: there is no tag \"hood\"",
            "rename belt to dress: \"dress\" is a tag already (merge the two instead)",
            "add sequins: no description has the word \"sequins\"",
            "merge belt, belt into belts: a merge needs two tags or more",
        ]
    );
    assert_eq!(d.set.vocabulary, derived(&[]).set.vocabulary);
}

#[test]
fn check_refuses_edits_in_words_and_cleans_names() {
    let d = derived(&[]);
    let (v, w) = (&d.set.vocabulary, &d.words);
    let check = |e: VocabEdit| VocabularyEdits::check(&e, v, w);
    assert_eq!(
        check(VocabEdit::Remove {
            tag: " Belt ".into()
        }),
        Ok(VocabEdit::Remove { tag: "belt".into() })
    );
    assert_eq!(
        check(VocabEdit::Remove { tag: "hood".into() }),
        Err(EditError::NoSuchTag("hood".into()))
    );
    assert_eq!(
        check(VocabEdit::Add {
            word: "buttons".into()
        }),
        Err(EditError::TagExists("button".into()))
    );
    assert_eq!(
        check(VocabEdit::Add {
            word: "sequins".into()
        }),
        Err(EditError::UnknownWord("sequins".into()))
    );
    assert_eq!(
        check(VocabEdit::Rename {
            from: "belt".into(),
            to: "  ".into()
        }),
        Err(EditError::BadName("  ".into()))
    );
    assert_eq!(
        check(VocabEdit::Merge {
            tags: vec!["belt".into()],
            into: "x".into()
        }),
        Err(EditError::MergeNeedsTwo)
    );
    assert_eq!(
        check(VocabEdit::Merge {
            tags: vec!["belt".into(), "dress".into()],
            into: "red".into()
        }),
        Err(EditError::TagExists("red".into()))
    );
    assert!(check(VocabEdit::Merge {
        tags: vec!["belt".into(), "dress".into()],
        into: "dress".into()
    })
    .is_ok());
}

#[test]
fn edits_serialise_as_a_list_of_named_edits() {
    let mut edits = VocabularyEdits::default();
    edits.push(VocabEdit::Rename {
        from: "zipper".into(),
        to: "zip".into(),
    });
    let json = serde_json::to_string(&edits).unwrap();
    assert_eq!(json, r#"[{"edit":"rename","from":"zipper","to":"zip"}]"#);
    assert_eq!(
        serde_json::from_str::<VocabularyEdits>(&json).unwrap(),
        edits
    );
}
