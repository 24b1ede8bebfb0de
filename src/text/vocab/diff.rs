//! How two vocabularies differ, in words (for refusing a model trained on another one).

/// At most this many names are listed per side.
const NAMES_SHOWN: usize = 6;

fn list(names: &[&String]) -> String {
    let mut shown: Vec<&str> = names.iter().take(NAMES_SHOWN).map(|s| s.as_str()).collect();
    if names.len() > NAMES_SHOWN {
        shown.push("…");
    }
    shown.join(", ")
}

/// None when `model` and `catalogue` are the same tags in the same order; else a sentence
/// saying how the model's vocabulary differs from the catalogue's: "this model was trained on
/// a vocabulary of 50 tags that differs from the catalogue's 48 (it has fit, cut; it lacks
/// dress)".
pub fn describe_difference(model: &[String], catalogue: &[String]) -> Option<String> {
    if model == catalogue {
        return None;
    }
    let extra: Vec<&String> = model.iter().filter(|t| !catalogue.contains(t)).collect();
    let missing: Vec<&String> = catalogue.iter().filter(|t| !model.contains(t)).collect();
    let mut parts = Vec::new();
    if !extra.is_empty() {
        parts.push(format!("it has {}", list(&extra)));
    }
    if !missing.is_empty() {
        parts.push(format!("it lacks {}", list(&missing)));
    }
    if parts.is_empty() {
        parts.push("the same tags in another order".to_string());
    }
    Some(format!(
        "this model was trained on a vocabulary of {} tags that differs from the catalogue's {} \
         ({})",
        model.len(),
        catalogue.len(),
        parts.join("; ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_what_the_model_has_and_lacks() {
        let model = names(&["fit", "cut", "sleeves", "buttons"]);
        let catalogue = names(&["sleeves", "button", "dress"]);
        let text = describe_difference(&model, &catalogue).unwrap();
        assert_eq!(
            text,
            "this model was trained on a vocabulary of 4 tags that differs from the catalogue's \
             3 (it has fit, cut, buttons; it lacks button, dress)"
        );
        assert_eq!(describe_difference(&catalogue, &catalogue), None);
        let reordered = names(&["dress", "sleeves", "button"]);
        assert!(describe_difference(&reordered, &catalogue)
            .unwrap()
            .ends_with("(the same tags in another order)"));
        let many: Vec<String> = (0..9).map(|i| format!("t{i}")).collect();
        let text = describe_difference(&many, &catalogue).unwrap();
        assert!(text.contains("it has t0, t1, t2, t3, t4, t5, …;"), "{text}");
    }
}
