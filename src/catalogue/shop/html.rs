//! Shop descriptions written in HTML turned into plain sentences, with a real HTML parser
//! (html5ever, through `scraper`): entities are decoded, `<script>` and `<style>` dropped, and
//! every paragraph, list item, heading, table cell or line break ends a sentence, so
//! `<p>A <strong>red</strong> wrap dress</p><ul><li>Tie belt</li></ul>` becomes
//! `A red wrap dress. Tie belt.` — text for the tagger, with no markup words in it.

use scraper::{Html, Node};

/// Elements whose content is a sentence (or more) of its own.
const BLOCK_ELEMENTS: [&str; 31] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "td",
    "th",
];

/// Elements whose content is never text for people.
const HIDDEN_ELEMENTS: [&str; 6] = ["script", "style", "template", "noscript", "head", "title"];

/// Turns an HTML fragment (or plain text) into sentences: text runs joined by single spaces,
/// each block ending in a full stop unless it already ends in punctuation.
pub fn html_to_text(html: &str) -> String {
    if !html.contains(['<', '&']) {
        // Plain text: nothing to parse, only white space to tidy.
        return collapse_whitespace(html);
    }
    let fragment = Html::parse_fragment(html);
    let mut text = Sentences::default();
    let root = fragment.tree.root();
    // An explicit stack instead of recursion: a shop's HTML can nest arbitrarily deep.
    let mut stack = vec![Step::Enter(root)];
    while let Some(step) = stack.pop() {
        match step {
            Step::Leave => text.end_sentence(),
            Step::Enter(node) => match node.value() {
                Node::Text(run) => text.push_text(run),
                Node::Element(element) => {
                    let name = element.name();
                    if HIDDEN_ELEMENTS.contains(&name) {
                        continue;
                    }
                    let is_block = BLOCK_ELEMENTS.contains(&name);
                    if is_block {
                        text.end_sentence();
                        stack.push(Step::Leave);
                    }
                    push_children(&mut stack, node);
                }
                Node::Document | Node::Fragment => push_children(&mut stack, node),
                _ => {}
            },
        }
    }
    text.finish()
}

enum Step<'a> {
    Enter(ego_tree::NodeRef<'a, Node>),
    Leave,
}

fn push_children<'a>(stack: &mut Vec<Step<'a>>, node: ego_tree::NodeRef<'a, Node>) {
    let children: Vec<_> = node.children().collect();
    stack.extend(children.into_iter().rev().map(Step::Enter));
}

/// The sentences found so far and the one being read.
#[derive(Default)]
struct Sentences {
    done: String,
    current: String,
}

impl Sentences {
    fn push_text(&mut self, run: &str) {
        for (i, word) in run.split(char::is_whitespace).enumerate() {
            // A run that starts with white space separates its first word from the last one.
            let separate = i > 0 || run.starts_with(char::is_whitespace);
            if word.is_empty() {
                continue;
            }
            if separate && !self.current.is_empty() && !self.current.ends_with(' ') {
                self.current.push(' ');
            }
            self.current.push_str(word);
        }
        if run.ends_with(char::is_whitespace) && !self.current.is_empty() {
            self.current.push(' ');
        }
    }

    fn end_sentence(&mut self) {
        // A line that ends in a comma (`stripes,<br>`) still ends its sentence.
        let sentence = self.current.trim().trim_end_matches([',', ' ']);
        if !sentence.is_empty() {
            if !self.done.is_empty() {
                self.done.push(' ');
            }
            self.done.push_str(sentence);
            if !sentence.ends_with(['.', '!', '?', ':', ';', '…']) {
                self.done.push('.');
            }
        }
        self.current.clear();
    }

    fn finish(mut self) -> String {
        self.end_sentence();
        self.done
    }
}

/// Runs of white space become one space; the ends are trimmed.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paragraphs_and_lists_become_sentences() {
        let html = "<p>A <strong>red</strong> wrap dress &amp; belt</p>\
                    <ul><li>Tie belt</li><li>100% cotton</li></ul>";
        assert_eq!(
            html_to_text(html),
            "A red wrap dress & belt. Tie belt. 100% cotton."
        );
    }

    #[test]
    fn entities_are_decoded_and_markup_words_dropped() {
        let html = "<div class=\"desc\">Caf&eacute; cr&egrave;me&nbsp;knit &ndash; \
                    &quot;soft&quot;<br>Hand wash only!</div><script>var x = 1;</script>\
                    <style>p { color: red }</style>";
        let text = html_to_text(html);
        assert_eq!(text, "Café crème knit – \"soft\". Hand wash only!");
        for markup in ["div", "class", "br", "script", "var", "style", "color"] {
            assert!(!text.contains(markup), "{markup} in {text}");
        }
    }

    #[test]
    fn inline_elements_join_words_without_sentences() {
        assert_eq!(
            html_to_text("Slim <em>fit</em> <a href=\"/x\">jeans</a>, dark<b>wash</b>"),
            "Slim fit jeans, darkwash."
        );
        assert_eq!(html_to_text("  plain \n text  "), "plain text");
        assert_eq!(html_to_text(""), "");
        assert_eq!(html_to_text("<p></p><ul><li> </li></ul>"), "");
    }

    #[test]
    fn broken_html_still_gives_its_text() {
        assert_eq!(
            html_to_text("<p>Open <b>bold<p>Next & last"),
            "Open bold. Next & last."
        );
        assert_eq!(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2.");
    }

    fn escape(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    proptest! {
        /// Text escaped into any nesting of block and inline elements comes back word for
        /// word, in order, with no element name added.
        #[test]
        fn words_survive_markup(
            parts in prop::collection::vec(
                (prop::sample::select(vec!["p", "li", "div", "span", "strong", "em", "h2", "td"]),
                 "[A-Za-z0-9&<>'\"%,]{1,12}( [A-Za-z0-9&<>'\"%,]{1,12}){0,4}"),
                0..8,
            )
        ) {
            let html: String = parts
                .iter()
                .map(|(tag, text)| format!("<{tag}>{}</{tag}>", escape(text)))
                .collect();
            let text = html_to_text(&html);
            let letters = |text: &str| -> String {
                text.chars().filter(|c| !c.is_whitespace() && *c != '.' && *c != ',').collect()
            };
            let expected: String = parts.iter().map(|(_, t)| letters(t)).collect();
            // Inline neighbours may join into one word and blocks gain full stops; the
            // letters stay, in order, and nothing else appears.
            prop_assert_eq!(letters(&text), expected);
        }

        /// Any input at all gives text without panicking, with no doubled or edge spaces.
        #[test]
        fn any_input_gives_tidy_text(html in ".{0,200}") {
            let text = html_to_text(&html);
            prop_assert!(!text.contains("  "));
            prop_assert_eq!(text.trim(), text.as_str());
        }
    }
}
