//! The substitution passes of the Treebank word tokenizer, one function per regular
//! expression of the reference (see the parent module).

use crate::text::chars::{py_space, re_word, rx_digit, rx_space, rx_word, starts_with_ci, Engine};

/// Applies one substitution: `find(s, i)` gives the length of the match starting at `i` (tried
/// left to right, matches never overlap, as in `re.sub`) and `emit` writes its replacement.
/// Returns `false`, writing nothing, when there is no match.
pub(super) fn substitute(
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
pub(super) fn padded(matched: &[char], out: &mut Vec<char>) {
    out.push(' ');
    out.extend_from_slice(matched);
    out.push(' ');
}

/// `[set]` → ` \g<0> `
pub(super) fn pad_chars(s: &[char], out: &mut Vec<char>, set: impl Fn(char) -> bool) -> bool {
    substitute(s, out, |s, i| set(s[i]).then_some(1), padded)
}

/// `([«“‘„]|[`]+)` → ` \1 `
pub(super) fn pad_opening_quotes(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| match s[i] {
        '\u{ab}' | '\u{201c}' | '\u{2018}' | '\u{201e}' => Some(1),
        '`' => Some(s[i..].iter().take_while(|&&c| c == '`').count()),
        _ => None,
    };
    substitute(s, out, find, padded)
}

/// `^"` → ` `` `
pub(super) fn initial_double_quote(s: &[char], out: &mut Vec<char>) -> bool {
    if s.first() != Some(&'"') {
        return false;
    }
    out.extend_from_slice(&['`', '`']);
    out.extend_from_slice(&s[1..]);
    true
}

/// Length of `pair` (two characters) at `i`, if it is there.
pub(super) fn pair_at(s: &[char], i: usize, pair: [char; 2]) -> Option<usize> {
    (s[i] == pair[0] && s.get(i + 1) == Some(&pair[1])).then_some(2)
}

/// ` (``) ` → ` \1 `
pub(super) fn pad_double_backticks(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(s, out, |s, i| pair_at(s, i, ['`', '`']), padded)
}

/// `([ \(\[{<])(\"|\'{2})` → `\1 `` `
pub(super) fn quote_after_opener(s: &[char], out: &mut Vec<char>) -> bool {
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
pub(super) fn clitic_at(s: &[char], at: usize) -> bool {
    ["re", "ve", "ll", "m", "t", "s", "d", "n"]
        .iter()
        .any(|clitic| {
            starts_with_ci(Engine::Rx, s, at, clitic)
                && !s.get(at + clitic.len()).is_some_and(|&c| rx_word(c))
        })
}

/// `(?i)(?<!\w)(\')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)` → `\1 `: an opening single quote.
pub(super) fn pad_opening_single_quote(s: &[char], out: &mut Vec<char>) -> bool {
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
pub(super) fn final_period_match(
    s: &[char],
    is_closer: impl Fn(char) -> bool,
) -> Option<(usize, usize)> {
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
pub(super) fn final_period_with_closers(s: &[char], out: &mut Vec<char>) -> bool {
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
pub(super) fn final_period_plain(s: &[char], out: &mut Vec<char>) -> bool {
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
pub(super) fn pad_comma_colon_before_non_digit(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        (matches!(s[i], ':' | ',') && s.get(i + 1).is_some_and(|&c| !rx_digit(c))).then_some(2)
    };
    substitute(s, out, find, |m, out| {
        out.extend_from_slice(&[' ', m[0], ' ', m[1]]);
    })
}

/// `([:,])$` → ` \1 ` (`$`: the end, or before a final newline)
pub(super) fn pad_final_comma_colon(s: &[char], out: &mut Vec<char>) -> bool {
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
pub(super) fn pad_period_runs(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        let run = s[i..].iter().take_while(|&&c| c == '.').count();
        (run >= 2).then_some(run)
    };
    substitute(s, out, find, padded)
}

/// `([^'])' ` → `\1 ' `
pub(super) fn pad_quote_before_space(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        (s[i] != '\'' && s.get(i + 1) == Some(&'\'') && s.get(i + 2) == Some(&' ')).then_some(3)
    };
    substitute(s, out, find, |m, out| {
        out.extend_from_slice(&[m[0], ' ', '\'', ' ']);
    })
}

/// `--` → ` -- `
pub(super) fn pad_double_dashes(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(s, out, |s, i| pair_at(s, i, ['-', '-']), padded)
}

/// `''` → ` '' `
pub(super) fn pad_two_single_quotes(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(s, out, |s, i| pair_at(s, i, ['\'', '\'']), padded)
}

/// `"` → ` '' `
pub(super) fn double_quote_to_closing(s: &[char], out: &mut Vec<char>) -> bool {
    substitute(
        s,
        out,
        |s, i| (s[i] == '"').then_some(1),
        |_, out| padded(&['\'', '\''], out),
    )
}

/// `\s+` → ` `
pub(super) fn collapse_spaces(s: &[char], out: &mut Vec<char>) -> bool {
    let find = |s: &[char], i: usize| {
        let run = s[i..].iter().take_while(|&&c| rx_space(c)).count();
        // A single plain space is left as it is (its replacement is itself).
        (run > 1 || (run == 1 && s[i] != ' ')).then_some(run)
    };
    substitute(s, out, find, |_, out| out.push(' '))
}

/// `([^' ])('[sS]|'[mM]|'[dD]|') ` → `\1 \2 `
pub(super) fn split_short_clitics(s: &[char], out: &mut Vec<char>) -> bool {
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
pub(super) fn split_long_clitics(s: &[char], out: &mut Vec<char>) -> bool {
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
pub(super) const CONTRACTIONS: [(&str, &str); 8] = [
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
pub(super) fn contraction_at(s: &[char], i: usize) -> Option<usize> {
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
pub(super) fn split_contractions(s: &[char], out: &mut Vec<char>) -> bool {
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
pub(super) fn archaic_t_at(s: &[char], i: usize, rest: &str) -> Option<usize> {
    let len = 3 + rest.len();
    (s[i] == ' '
        && s.get(i + 1) == Some(&'\'')
        && starts_with_ci(Engine::Re, s, i + 1, "'t")
        && starts_with_ci(Engine::Re, s, i + 3, rest)
        && !s.get(i + len).is_some_and(|&c| re_word(c)))
    .then_some(len)
}

/// `(?i) ('t)(is)\b` → ` \1 \2 ` (and the same with `was`).
pub(super) fn split_archaic_t(s: &[char], out: &mut Vec<char>, rest: &str) -> bool {
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
