//! Penn-Treebank-style word tokenization, token for token what the Python reference produces.
//!
//! The reference is the tagger of textblob-aptagger, which splits a text into sentences with
//! `nltk.sent_tokenize` and each sentence into words with `nltk.word_tokenize`; that one splits
//! into sentences once more and runs NLTK's improved Treebank tokenizer (`NLTKWordTokenizer`)
//! on each. Sentence splitting is Punkt with vitrine's fixed parameters (see [`super::punkt`]).
//!
//! The word tokenizer is a chain of regular-expression substitutions that pad punctuation with
//! spaces, then a split at whitespace. Each substitution is reproduced below by a hand-written
//! pass over the characters (same matches, same non-overlapping left-to-right order), which is
//! both exact and fast. Character classes (`\w`, `\s`, `\d`, case-insensitive letters) follow
//! the regular-expression engine each pattern runs on in NLTK, see [`super::chars`].
//!
//! Examples of the result: `doesn't` → `does n't`, `it's` → `it 's`, `cannot` → `can not`,
//! `"quoted"` → `` `` `` `quoted` `''`, `(x)` → `( x )`, `v-neck` / `A-line` / `3/4` / `1,000`
//! / `$129.99` → kept whole except the `$`; only the final period of each sentence is split off.

use self::passes::*;
use super::chars::py_space;
use super::punkt::{py_slice, sentence_spans};

mod passes;

/// Splits `text` into words the way the reference tagger does, all sentences in a row.
///
/// ```
/// use vitrine::text::tokenize;
/// assert_eq!(
///     tokenize("It doesn't fit. Try the A-line one!"),
///     ["It", "does", "n't", "fit", ".", "Try", "the", "A-line", "one", "!"]
/// );
/// ```
pub fn tokenize(text: &str) -> Vec<String> {
    tokenize_sentences(text).into_iter().flatten().collect()
}

/// Splits `text` into sentences of words, the grouping the reference tagger tags by.
pub fn tokenize_sentences(text: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let mut buffers = Buffers::default();
    sentence_spans(&chars)
        .into_iter()
        .map(|(start, stop)| {
            let sentence = py_slice(&chars, start, stop);
            // `nltk.word_tokenize` splits the sentence into sentences once more.
            let mut words = Vec::new();
            for (a, b) in sentence_spans(sentence) {
                buffers.words_into(py_slice(sentence, a, b), &mut words);
            }
            words
        })
        .collect()
}

/// Splits `text` into sentences (Punkt with vitrine's parameters), as slices of `text`.
///
/// ```
/// use vitrine::text::split_sentences;
/// assert_eq!(split_sentences("A dress. A skirt (short.) Red!"), ["A dress.", "A skirt (short.)", "Red!"]);
/// ```
pub fn split_sentences(text: &str) -> Vec<&str> {
    let chars: Vec<char> = text.chars().collect();
    // Byte offset of every char index, plus the end.
    let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
    offsets.push(text.len());
    sentence_spans(&chars)
        .into_iter()
        .map(|(start, stop)| {
            let start = start.min(chars.len());
            let stop = stop.clamp(start, chars.len());
            &text[offsets[start]..offsets[stop]]
        })
        .collect()
}

/// NLTK's `NLTKWordTokenizer.tokenize` on one sentence (no sentence splitting).
pub fn treebank_words(sentence: &str) -> Vec<String> {
    let chars: Vec<char> = sentence.chars().collect();
    let mut words = Vec::new();
    Buffers::default().words_into(&chars, &mut words);
    words
}

/// Two scratch buffers the substitution passes write into alternately.
#[derive(Default)]
struct Buffers {
    current: Vec<char>,
    next: Vec<char>,
}

/// One substitution: writes the result into `out` and returns `true`, or returns `false`
/// (leaving `out` in any state) when the substitution would not change anything.
type Pass = fn(&[char], &mut Vec<char>) -> bool;

/// The substitutions of `NLTKWordTokenizer.tokenize`, in order, up to the outer padding.
const PASSES_BEFORE_PADDING: &[Pass] = &[
    // Starting quotes.
    pad_opening_quotes,
    initial_double_quote,
    pad_double_backticks,
    quote_after_opener,
    pad_opening_single_quote,
    // Punctuation.
    final_period_with_closers,
    pad_comma_colon_before_non_digit,
    pad_final_comma_colon,
    pad_period_runs,
    |s, out| pad_chars(s, out, |c| matches!(c, ';' | '@' | '#' | '$' | '%' | '&')),
    |s, out| pad_chars(s, out, |c| matches!(c, '\u{2012}'..='\u{2015}')),
    final_period_plain,
    |s, out| pad_chars(s, out, |c| matches!(c, '?' | '!')),
    pad_quote_before_space,
    |s, out| pad_chars(s, out, |c| c == '*'),
    // Parentheses and brackets, double dashes.
    |s, out| {
        pad_chars(s, out, |c| {
            matches!(c, '[' | ']' | '(' | ')' | '{' | '}' | '<' | '>')
        })
    },
    pad_double_dashes,
];

/// The substitutions after the text is padded with a space on both ends.
const PASSES_AFTER_PADDING: &[Pass] = &[
    // Ending quotes.
    |s, out| pad_chars(s, out, |c| matches!(c, '\u{bb}' | '\u{201d}' | '\u{2019}')),
    pad_two_single_quotes,
    double_quote_to_closing,
    collapse_spaces,
    split_short_clitics,
    split_long_clitics,
    // Contractions: the reference's patterns are fixed words that cannot overlap or create
    // one another's matches, so one pass over all of them gives the same result as one pass
    // per pattern.
    split_contractions,
    |s, out| split_archaic_t(s, out, "is"),
    |s, out| split_archaic_t(s, out, "was"),
];

impl Buffers {
    /// Tokenizes one sentence and appends its words to `words`.
    fn words_into(&mut self, sentence: &[char], words: &mut Vec<String>) {
        self.current.clear();
        self.current.extend_from_slice(sentence);
        self.run(PASSES_BEFORE_PADDING);
        self.current.insert(0, ' ');
        self.current.push(' ');
        self.run(PASSES_AFTER_PADDING);
        for word in self.current.split(|&c| py_space(c)) {
            if !word.is_empty() {
                words.push(word.iter().collect());
            }
        }
    }

    fn run(&mut self, passes: &[Pass]) {
        for pass in passes {
            self.next.clear();
            if pass(&self.current, &mut self.next) {
                std::mem::swap(&mut self.current, &mut self.next);
            }
        }
    }
}

#[cfg(test)]
mod tests;
