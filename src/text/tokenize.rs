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

use super::chars::{py_space, re_word, rx_digit, rx_space, rx_word, starts_with_ci, Engine};
use super::punkt::{py_slice, sentence_spans};

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

/// Applies one substitution: `find(s, i)` gives the length of the match starting at `i` (tried
/// left to right, matches never overlap, as in `re.sub`) and `emit` writes its replacement.
/// Returns `false`, writing nothing, when there is no match.
fn substitute(
    s: &[char],
    out: &mut Vec<char>,
    find: impl Fn(&[char], usize) -> Option<usize>,
    emit: impl Fn(&[char], &mut Vec<char>),
) -> bool {
    let (mut i, mut copied, mut matched) = (0, 0, false);
    while i < s.len() {
        match find(s, i) {
            Some(len) => {
                out.extend_from_slice(&s[copied..i]);
                emit(&s[i..i + len], out);
                i += len;
                copied = i;
                matched = true;
            }
            None => i += 1,
        }
    }
    if matched {
        out.extend_from_slice(&s[copied..]);
    }
    matched
}

/// The replacement ` \g<0> `.
fn padded(matched: &[char], out: &mut Vec<char>) {
    out.push(' ');
    out.extend_from_slice(matched);
    out.push(' ');
}

/// `[set]` → ` \g<0> `
fn pad_chars(s: &[char], out: &mut Vec<char>, set: impl Fn(char) -> bool) -> bool {
    substitute(s, out, |s, i| set(s[i]).then_some(1), padded)
}

/// `([«“‘„]|[`]+)` → ` \1 `
fn pad_opening_quotes(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| match s[i] {
        '\u{ab}' | '\u{201c}' | '\u{2018}' | '\u{201e}' => Some(1),
        '`' => Some(s[i..].iter().take_while(|&&c| c == '`').count()),
        _ => None,
    };
    substitute(s, out, find, padded)
}

/// `^"` → ` `` `
fn initial_double_quote(s: &[char], out: &mut Vec<char>) -> bool {
    if s.first() != Some(&'"') {
        return false;
    }
    out.extend_from_slice(&['`', '`']);
    out.extend_from_slice(&s[1..]);
    true
}

/// Length of `pair` (two characters) at `i`, if it is there.
fn pair_at(s: &[char], i: usize, pair: [char; 2]) -> Option<usize> {
    (s[i] == pair[0] && s.get(i + 1) == Some(&pair[1])).then_some(2)
}

/// ` (``) ` → ` \1 `
fn pad_double_backticks(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(s, out, |s, i| pair_at(s, i, ['`', '`']), padded)
}

/// `([ \(\[{<])(\"|\'{2})` → `\1 `` `
fn quote_after_opener(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        if !matches!(s[i], ' ' | '(' | '[' | '{' | '<') {
            return None;
        }
        match (s.get(i + 1), s.get(i + 2)) {
            (Some('"'), _) => Some(2),
            (Some('\''), Some('\'')) => Some(3),
            _ => None,
        }
    };
    substitute(s, out, find, |m, out| {
        out.extend_from_slice(&[m[0], ' ', '`', '`', ' ']);
    })
}

/// Whether a clitic (`re ve ll m t s d n`, any case) followed by a word boundary starts at `at`.
fn clitic_at(s: &[char], at: usize) -> bool {
    ["re", "ve", "ll", "m", "t", "s", "d", "n"]
        .iter()
        .any(|clitic| {
            starts_with_ci(Engine::Rx, s, at, clitic)
                && !s.get(at + clitic.len()).is_some_and(|&c| rx_word(c))
        })
}

/// `(?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)` → `\1 `: an opening single quote.
fn pad_opening_single_quote(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        (s[i] == '\''
            && (i == 0 || !rx_word(s[i - 1]))
            && s.get(i + 1).is_some_and(|&c| rx_word(c))
            && !clitic_at(s, i + 1))
        .then_some(1)
    };
    substitute(s, out, find, |m, out| {
        out.extend_from_slice(m);
        out.push(' ');
    })
}

/// The position of the final-period match `([^\.])(\.)([closers]*)\s*$`: the index of the
/// character before the period and the end of the closers run. The closers run is maximal
/// (the reference's quantifier is possessive, or gives back nothing that could help), so the
/// match exists only where everything between the period and the trailing whitespace is a
/// closer; as a period is no closer, there is at most one such period.
fn final_period_match(s: &[char], is_closer: impl Fn(char) -> bool) -> Option<(usize, usize)> {
    let trailing = s.len() - s.iter().rev().take_while(|&&c| rx_space(c)).count();
    let closers_start = trailing
        - s[..trailing]
            .iter()
            .rev()
            .take_while(|&&c| is_closer(c))
            .count();
    if closers_start < 2 || s[closers_start - 1] != '.' || s[closers_start - 2] == '.' {
        return None;
    }
    // The run may go on into the trailing whitespace when the closers include the space.
    let run_end = closers_start
        + s[closers_start..]
            .iter()
            .take_while(|&&c| is_closer(c))
            .count();
    Some((closers_start - 2, run_end))
}

/// `([^\.])(\.)([\]\)}>"\'»”’ ]*+)\s*$` → `\1 \2 \3 `
fn final_period_with_closers(s: &[char], out: &mut Vec<char>) -> bool {
    let closer = |c: char| {
        matches!(
            c,
            ']' | ')' | '}' | '>' | '"' | '\'' | '\u{bb}' | '\u{201d}' | '\u{2019}' | ' '
        )
    };
    let Some((p, end)) = final_period_match(s, closer) else {
        return false;
    };
    out.extend_from_slice(&s[..=p]);
    out.extend_from_slice(&[' ', '.', ' ']);
    out.extend_from_slice(&s[p + 2..end]);
    out.push(' ');
    true
}

/// `([^\.])(\.)([\]\)}>"\']*)\s*$` → `\1 \2\3 `
fn final_period_plain(s: &[char], out: &mut Vec<char>) -> bool {
    let closer = |c: char| matches!(c, ']' | ')' | '}' | '>' | '"' | '\'');
    let Some((p, end)) = final_period_match(s, closer) else {
        return false;
    };
    out.extend_from_slice(&s[..=p]);
    out.extend_from_slice(&[' ', '.']);
    out.extend_from_slice(&s[p + 2..end]);
    out.push(' ');
    true
}

/// `([:,])([^\d])` → ` \1 \2`
fn pad_comma_colon_before_non_digit(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        (matches!(s[i], ':' | ',') && s.get(i + 1).is_some_and(|&c| !rx_digit(c))).then_some(2)
    };
    substitute(s, out, find, |m, out| {
        out.extend_from_slice(&[' ', m[0], ' ', m[1]]);
    })
}

/// `([:,])$` → ` \1 ` (`$`: the end, or before a final newline)
fn pad_final_comma_colon(s: &[char], out: &mut Vec<char>) -> bool {
    let n = s.len();
    let at = if n >= 2 && s[n - 1] == '\n' && matches!(s[n - 2], ':' | ',') {
        n - 2
    } else if n >= 1 && matches!(s[n - 1], ':' | ',') {
        n - 1
    } else {
        return false;
    };
    out.extend_from_slice(&s[..at]);
    padded(&s[at..=at], out);
    out.extend_from_slice(&s[at + 1..]);
    true
}

/// `\.{2,}` → ` \g<0> `
fn pad_period_runs(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        let run = s[i..].iter().take_while(|&&c| c == '.').count();
        (run >= 2).then_some(run)
    };
    substitute(s, out, find, padded)
}

/// `([^'])' ` → `\1 ' `
fn pad_quote_before_space(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        (s[i] != '\'' && s.get(i + 1) == Some(&'\'') && s.get(i + 2) == Some(&' ')).then_some(3)
    };
    substitute(s, out, find, |m, out| {
        out.extend_from_slice(&[m[0], ' ', '\'', ' ']);
    })
}

/// `--` → ` -- `
fn pad_double_dashes(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(s, out, |s, i| pair_at(s, i, ['-', '-']), padded)
}

/// `''` → ` '' `
fn pad_two_single_quotes(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(s, out, |s, i| pair_at(s, i, ['\'', '\'']), padded)
}

/// `"` → ` '' `
fn double_quote_to_closing(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(
        s,
        out,
        |s, i| (s[i] == '"').then_some(1),
        |_, out| padded(&['\'', '\''], out),
    )
}

/// `\s+` → ` `
fn collapse_spaces(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        let run = s[i..].iter().take_while(|&&c| rx_space(c)).count();
        // A single plain space is left as it is (its replacement is itself).
        (run > 1 || (run == 1 && s[i] != ' ')).then_some(run)
    };
    substitute(s, out, find, |_, out| out.push(' '))
}

/// `([^' ])('[sS]|'[mM]|'[dD]|') ` → `\1 \2 `
fn split_short_clitics(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        if matches!(s[i], '\'' | ' ') || s.get(i + 1) != Some(&'\'') {
            return None;
        }
        match (s.get(i + 2), s.get(i + 3)) {
            (Some('s' | 'S' | 'm' | 'M' | 'd' | 'D'), Some(' ')) => Some(4),
            (Some(' '), _) => Some(3),
            _ => None,
        }
    };
    substitute(s, out, find, |m, out| {
        out.extend_from_slice(&[m[0], ' ']);
        out.extend_from_slice(&m[1..]);
    })
}

/// `([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ` → `\1 \2 `
fn split_long_clitics(s: &[char], out: &mut Vec<char>) -> bool {
    const CLITICS: [[char; 3]; 8] = [
        ['\'', 'l', 'l'],
        ['\'', 'L', 'L'],
        ['\'', 'r', 'e'],
        ['\'', 'R', 'E'],
        ['\'', 'v', 'e'],
        ['\'', 'V', 'E'],
        ['n', '\'', 't'],
        ['N', '\'', 'T'],
    ];
    let find = |s: &[char], i: usize| {
        (!matches!(s[i], '\'' | ' ')
            && s.get(i + 4) == Some(&' ')
            && CLITICS.iter().any(|clitic| s[i + 1..i + 4] == clitic[..]))
        .then_some(5)
    };
    substitute(s, out, find, |m, out| {
        out.extend_from_slice(&[m[0], ' ']);
        out.extend_from_slice(&m[1..]);
    })
}

/// The reference's two-part contractions `(?i)\b(first)(second)\b`, in its order; the last
/// one (`wanna`) ends with `(?=\s)` instead of `\b`.
const CONTRACTIONS: [(&str, &str); 8] = [
    ("can", "not"),
    ("d", "'ye"),
    ("gim", "me"),
    ("gon", "na"),
    ("got", "ta"),
    ("lem", "me"),
    ("more", "'n"),
    ("wan", "na"),
];

/// The length of the contraction starting at `i`.
fn contraction_at(s: &[char], i: usize) -> Option<usize> {
    // Every pattern starts with an ASCII letter that has no non-ASCII case-insensitive match.
    let first = s[i].to_ascii_lowercase();
    if !matches!(first, 'c' | 'd' | 'g' | 'l' | 'm' | 'w') || (i > 0 && re_word(s[i - 1])) {
        return None;
    }
    CONTRACTIONS.iter().find_map(|&(head, tail)| {
        if !head.starts_with(first) {
            return None;
        }
        let total = head.len() + tail.len();
        let ends = if head == "wan" {
            s.get(i + total).is_some_and(|&c| py_space(c))
        } else {
            !s.get(i + total).is_some_and(|&c| re_word(c))
        };
        (starts_with_ci(Engine::Re, s, i, head)
            && starts_with_ci(Engine::Re, s, i + head.len(), tail)
            && ends)
            .then_some(total)
    })
}

/// `(?i)\b(can)(not)\b` → ` \1 \2 ` and the other contractions of [`CONTRACTIONS`].
fn split_contractions(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(s, out, contraction_at, |m, out| {
        // Which contraction matched tells where its first part ends.
        let head = CONTRACTIONS
            .iter()
            .find(|(head, tail)| {
                m.len() == head.len() + tail.len()
                    && starts_with_ci(Engine::Re, m, 0, head)
                    && starts_with_ci(Engine::Re, m, head.len(), tail)
            })
            .map_or(m.len(), |(head, _)| head.len());
        padded(&m[..head], out);
        out.extend_from_slice(&m[head..]);
        out.push(' ');
    })
}

/// The match of `(?i) ('t)(rest)\b` at `i`: the length of ` 't` + `rest`.
fn archaic_t_at(s: &[char], i: usize, rest: &str) -> Option<usize> {
    let len = 3 + rest.len();
    (s[i] == ' '
        && s.get(i + 1) == Some(&'\'')
        && starts_with_ci(Engine::Re, s, i + 1, "'t")
        && starts_with_ci(Engine::Re, s, i + 3, rest)
        && !s.get(i + len).is_some_and(|&c| re_word(c)))
    .then_some(len)
}

/// `(?i) ('t)(is)\b` → ` \1 \2 ` (and the same with `was`).
fn split_archaic_t(s: &[char], out: &mut Vec<char>, rest: &str) -> bool {
    substitute(
        s,
        out,
        |s, i| archaic_t_at(s, i, rest),
        |m, out| {
            padded(&m[1..3], out);
            out.extend_from_slice(&m[3..]);
            out.push(' ');
        },
    )
}

#[cfg(test)]
mod tests {
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
            [
                "A-line", "v-neck", ",", "3/4", "sleeves", ",", "1,000", "sequins", ",", "$",
                "129.99"
            ]
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
}
