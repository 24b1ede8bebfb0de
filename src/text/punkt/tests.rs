use super::*;

fn split(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    sentence_spans(&chars)
        .into_iter()
        .map(|(a, b)| py_slice(&chars, a, b).iter().collect())
        .collect()
}

#[test]
fn splits_at_sentence_ends() {
    assert_eq!(
        split("Two sentences. Another one! And a third? Yes."),
        ["Two sentences.", "Another one!", "And a third?", "Yes."]
    );
    assert_eq!(split("  "), Vec::<String>::new());
    assert_eq!(split(""), Vec::<String>::new());
}

#[test]
fn keeps_abbreviations_initials_and_numbers() {
    assert_eq!(
        split("Slim jeans, e.g. for tall people."),
        ["Slim jeans, e.g. for tall people."]
    );
    assert_eq!(
        split("J. Crew shirt, size 8. great fit."),
        ["J. Crew shirt, size 8. great fit."]
    );
    assert_eq!(split("Size 8. Great fit."), ["Size 8.", "Great fit."]);
    assert_eq!(
        split("The item no. 5 is sold out."),
        ["The item no.", "5 is sold out."]
    );
}

#[test]
fn realigns_closing_punctuation() {
    assert_eq!(
        split("She left. (Really.) Then she came back."),
        ["She left.", "(Really.)", "Then she came back."]
    );
    assert_eq!(split("WOW!!! THIS IS IT..."), ["WOW!!!", "THIS IS IT..."]);
}

#[test]
fn punkt_word_tokens() {
    let line: Vec<char> = "Hello, (world)... a . . . b--c 3,5 x,".chars().collect();
    assert_eq!(
        word_tokens(&line),
        ["Hello", ",", "(", "world", ")", "...", "a", ". . .", "b", "--", "c", "3,5", "x", ","]
    );
}
