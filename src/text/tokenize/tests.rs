use super::*;

fn words(text: &str) -> Vec<String> {
    tokenize(text)
}

#[test]
fn contractions() {
    assert_eq!(words("I don't know."), ["I", "do", "n't", "know", "."]);
    assert_eq!(
        words("it's the dress's fault"),
        ["it", "'s", "the", "dress", "'s", "fault"]
    );
    assert_eq!(words("We're gonna"), ["We", "'re", "gon", "na"]);
    assert_eq!(words("Cannot"), ["Can", "not"]);
    assert_eq!(words("CAN'T WON'T"), ["CA", "N'T", "WO", "N'T"]);
    assert_eq!(words("I'd they'll"), ["I", "'d", "they", "'ll"]);
}

#[test]
fn hyphens_numbers_and_slashes_stay_whole() {
    assert_eq!(
        words("A-line v-neck, 3/4 sleeves, 1,000 sequins, $129.99"),
        ["A-line", "v-neck", ",", "3/4", "sleeves", ",", "1,000", "sequins", ",", "$", "129.99"]
    );
    assert_eq!(words("size 10-12"), ["size", "10-12"]);
}

#[test]
fn quotes_and_brackets() {
    assert_eq!(
        words("\"Classic\" fit (wool) [new]"),
        ["``", "Classic", "''", "fit", "(", "wool", ")", "[", "new", "]"]
    );
    assert_eq!(
        words("a 'vintage' look"),
        ["a", "'", "vintage", "'", "look"]
    );
    assert_eq!(
        words("\u{201c}Curly\u{201d} \u{2018}one\u{2019}"),
        ["\u{201c}", "Curly", "\u{201d}", "\u{2018}", "one", "\u{2019}"]
    );
}

#[test]
fn punctuation_runs() {
    assert_eq!(
        words("WOW!!! Really?!"),
        ["WOW", "!", "!", "!", "Really", "?", "!"]
    );
    assert_eq!(
        words("wait... more -- less"),
        ["wait", "...", "more", "--", "less"]
    );
    assert_eq!(
        words("a;b@c#d%e&f*g"),
        ["a", ";", "b", "@", "c", "#", "d", "%", "e", "&", "f", "*", "g"]
    );
}

#[test]
fn only_the_final_period_of_a_sentence_splits() {
    assert_eq!(
        words("Washed denim.Available now"),
        ["Washed", "denim.Available", "now"]
    );
    assert_eq!(
        words("Grey shorts. They fit."),
        ["Grey", "shorts", ".", "They", "fit", "."]
    );
    assert_eq!(tokenize_sentences("Grey shorts. They fit.").len(), 2);
    assert_eq!(
        words("Ends with a quote.\""),
        ["Ends", "with", "a", "quote", ".", "''"]
    );
}

#[test]
fn empty_and_blank() {
    assert!(words("").is_empty());
    assert!(words(" \n\t ").is_empty());
    assert!(tokenize_sentences("").is_empty());
}

#[test]
fn treebank_words_does_not_split_sentences() {
    assert_eq!(treebank_words("One. Two."), ["One.", "Two", "."]);
}
