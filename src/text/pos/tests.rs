use super::model::{MAGIC, TEMPLATES};
use super::*;

#[test]
fn embedded_model_loads() {
    let tagger = PosTagger::embedded();
    assert_eq!(tagger.classes().len(), 45);
    assert!(tagger.classes().windows(2).all(|w| w[0] < w[1]));
    assert_eq!(tagger.tagdict.len(), 2604);
    assert_eq!(tagger.rows, 94208);
    assert_eq!(tagger.weight_value.len(), 374_698);
    assert!(tagger.bias.is_some());
    assert!(tagger.prev_tag[tagger.prev_index(Prev::Start)].is_some());
}

#[test]
fn tags_simple_sentences() {
    let tagger = PosTagger::embedded();
    assert_eq!(
        tagger.tag(&["This", "A-line", "skirt", "has", "a", "v-neck", "top", "."]),
        ["DT", "JJ", "NN", "VBZ", "DT", "NN", "NN", "."]
    );
    let tagged = tagger.tag_text("I don't like it. Red!");
    let tags: Vec<&str> = tagged.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(tags, ["PRP", "VBP", "RB", "VB", "PRP", ".", "NN", "."]);
    assert!(tagger.tag::<&str>(&[]).is_empty());
    assert!(tagger.tag_text("").is_empty());
}

#[test]
fn normalisation() {
    assert_eq!(normalize("v-neck"), "!HYPHEN");
    assert_eq!(normalize("-x"), "-x");
    assert_eq!(normalize("1999"), "!YEAR");
    assert_eq!(normalize("²³¹⁴"), "!YEAR");
    assert_eq!(normalize("19.99"), "!DIGITS");
    assert_eq!(normalize("Dress"), "dress");
    assert_eq!(normalize(""), "");
    assert_eq!(suffix3("sleeves"), "ves");
    assert_eq!(suffix3("né"), "né");
    assert_eq!(suffix3("crêpe"), "êpe");
}

/// A model with the given classes and only a bias feature (weights in thousandths).
fn bias_only_model(classes: &[&str], bias: &[(u8, i64)]) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.push(classes.len() as u8);
    for class in classes {
        bytes.push(class.len() as u8);
        bytes.extend_from_slice(class.as_bytes());
    }
    bytes.extend_from_slice(&0u32.to_le_bytes()); // no tag dictionary
    bytes.extend_from_slice(&1u32.to_le_bytes()); // one bias feature...
    bytes.push(0); // ...whose argument is empty
    bytes.push(bias.len() as u8);
    for &(class, thousandths) in bias {
        bytes.push(class);
        let mut zigzag = ((thousandths << 1) ^ (thousandths >> 63)) as u64;
        while zigzag >= 0x80 {
            bytes.push((zigzag as u8) | 0x80);
            zigzag >>= 7;
        }
        bytes.push(zigzag as u8);
    }
    for _ in 1..TEMPLATES {
        bytes.extend_from_slice(&0u32.to_le_bytes());
    }
    bytes
}

#[test]
fn ties_go_to_the_label_that_sorts_last() {
    let tag = |bias: &[(u8, i64)]| {
        let tagger = PosTagger::from_bytes(&bias_only_model(&["A", "B", "C"], bias)).unwrap();
        tagger.tag(&["word"]).remove(0)
    };
    assert_eq!(tag(&[]), "C");
    assert_eq!(tag(&[(0, 1500), (1, 1500)]), "B");
    assert_eq!(tag(&[(0, 1)]), "A");
    assert_eq!(tag(&[(2, -1)]), "B");
}

#[test]
fn rejects_bad_models() {
    assert_eq!(
        PosTagger::from_bytes(&bias_only_model(&["B", "A"], &[])).unwrap_err(),
        PosModelError::UnsortedClasses
    );
    assert_eq!(
        PosTagger::from_bytes(&bias_only_model(&["A"], &[(1, 5)])).unwrap_err(),
        PosModelError::BadClass(1)
    );
    assert_eq!(
        PosTagger::from_bytes(&bias_only_model(&[], &[])).unwrap_err(),
        PosModelError::NoClasses
    );
    assert_eq!(
        PosTagger::from_bytes(b"nope").unwrap_err(),
        PosModelError::BadMagic
    );
    let truncated = &EMBEDDED_MODEL[..EMBEDDED_MODEL.len() / 2];
    assert!(matches!(
        PosTagger::from_bytes(truncated),
        Err(PosModelError::Truncated(_))
    ));
    let mut extra = EMBEDDED_MODEL.to_vec();
    extra.push(0);
    assert_eq!(
        PosTagger::from_bytes(&extra).unwrap_err(),
        PosModelError::TrailingBytes(1)
    );
}
