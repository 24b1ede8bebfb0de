#!/usr/bin/env python3
"""Writes tests/fixtures/pos/golden.json: the tokens and part-of-speech tags that the Python
reference tagger (textblob-aptagger 0.2.0, `PerceptronTagger().tag(text)`) produces for every
description of the demo catalogue plus a set of tricky sentences. vitrine's Rust tokenizer and
tagger must agree with it token for token (tests/text_pos_golden.rs).

The reference path, exactly as the package runs it:
  - sentences: `nltk.sent_tokenize(text)` (Punkt);
  - words: `nltk.word_tokenize(sentence)` per sentence, which splits into sentences with Punkt
    once more and runs NLTK's improved Treebank word tokenizer (NLTKWordTokenizer) on each;
  - tags: the averaged perceptron over each sentence, the previous two tags carrying over from
    one sentence to the next.

Punkt's sentence splitter runs with a fixed parameter set instead of NLTK's trained English
model (which is a separate download): the abbreviations listed in assets/pos/abbreviations.txt,
no learned collocations, sentence starters or orthographic statistics. vitrine's Rust splitter
implements the same algorithm with the same parameters.

The package predates current TextBlob releases, so two names it imports from TextBlob are
supplied here before it is imported; nothing else about it changes.

Needs: textblob-aptagger==0.2.0, textblob, nltk (e.g. in .deps/venv). Run from anywhere:

    .deps/venv/bin/python scripts/make_pos_golden.py
"""

from __future__ import annotations

import csv
import json
import sys
import types
from pathlib import Path

import nltk
import regex
from nltk.tokenize import NLTKWordTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "assets" / "demo" / "catalogue.csv"
ABBREVIATIONS = REPO / "assets" / "pos" / "abbreviations.txt"
OUT = REPO / "tests" / "fixtures" / "pos" / "golden.json"

# Sentences that exercise the corners of the tokenizer and the tagger.
TRICKY = [
    "I don't think it's the dress's fault; she can't wear it.",
    "This A-line skirt has a v-neck top and 3/4 sleeves.",
    "\"Classic\" fit, with 'vintage' details and a 'relaxed' cut.",
    "The jacket (100% wool) costs $129.99 - a steal!",
    "WOW!!! THIS IS THE BEST DRESS EVER...",
    "Made in 2019, re-released in 2021 and again in 1850.",
    "It's 5'4\" tall?! Really...",
    "Slim-fit jeans, e.g. for tall people, approx. 32 inches long.",
    "Mr. Smith's shop sells U.S. sizes 8-12.",
    "Cotton/elastane blend: 95%/5%.",
    "We're gonna need more buttons -- lots of them.",
    "Wanna try? Gimme the zebra-print one!",
    "Soft, stretchy & comfy; perfect for yoga @ home #athleisure",
    "Sizes: XS, S, M, L & XL.",
    "The hem is 10cm longer at the back [see photo 2].",
    "Pleated midi skirt {limited edition} <new>",
    "It has a 1950s-inspired silhouette and 1,000 sequins.",
    "Frühling collection: naïve floral appliqué on a crêpe de chine blouse.",
    "\u201cCurly quotes\u201d and \u2018single ones\u2019 \u2014 with an em dash \u2013 and an en dash.",
    "Can't won't shouldn't ain't y'all'd've.",
    "Cannot. Gotta. Lemme. 'Tis the season; 'twas the night.",
    "He said, 'the zipper's broken'.",
    "Washed denim.Available now",
    "Two sentences. Another one! And a third? Yes.",
    "The item no. 5 is sold out.",
    "Colour: navy/white. Material: 100% cotton. Care: machine wash at 30\u00b0C.",
    "A shirt ... with an ellipsis . . . and more.",
    "Pattern: Houndstooth; Fit: Regular; Length: 72 cm (size M).",
    "ALL-CAPS HEADLINE: NEW ARRIVALS FROM ZARA AND H&M",
    "unknownwordzz flibbertigibbet xyzzy-plugh 42nd 1st 3rd",
    "She said \"it's fine\" and left. (Really.) Then she came back.",
    "Line one\nLine two without period\n\nNew paragraph.",
    "Tabs\tand  multiple   spaces ,and a comma before text,and after.",
    "J. Crew shirt, size 8. great fit.",
    "The price is 19.99. Order now!",
    "Ends with a quote.\"",
    "it's ''double single'' quotes and ``backticks'' too",
    "   ",
    "",
    "'Tis a 'best-seller' -- isn't it? Ma'am's choice.",
    "Superscript\u00b2 sizes \u2460 and \u00bd-length sleeves, 4\u00bd inches.",
    "100 percent polyester. 2-pack. 3x more stretch. 10-15 cm.",
    # Characters the `regex` and `re` engines and `str` methods classify differently.
    "CAN'T\u001cstop: 'tis \u2460've \u00bd'll the J.\n\u001c! end",
    "Combining e\u0301 accents, ZWJ\u200djoins and \u2460. Next sentence here.",
    "Circled \u2460 and superscript\u00b2 2. Then \u00a0non-breaking\u2028separators.",
]


def punkt_parameters() -> PunktParameters:
    params = PunktParameters()
    for line in ABBREVIATIONS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            params.abbrev_types.add(line)
    return params


_SENTENCES = PunktSentenceTokenizer(punkt_parameters())
_WORDS = NLTKWordTokenizer()


def sent_tokenize(text: str) -> list[str]:
    """nltk.sent_tokenize with vitrine's Punkt parameters."""
    return _SENTENCES.tokenize(text)


def word_tokenize(text: str) -> list[str]:
    """nltk.word_tokenize with vitrine's Punkt parameters."""
    return [token for sentence in sent_tokenize(text) for token in _WORDS.tokenize(sentence)]


def load_tagger():
    """Imports textblob-aptagger 0.2.0, supplying the two TextBlob names it expects."""
    import textblob
    import textblob.exceptions

    packages = types.ModuleType("textblob.packages")
    packages.nltk = types.SimpleNamespace(sent_tokenize=sent_tokenize, word_tokenize=word_tokenize)
    sys.modules["textblob.packages"] = packages
    textblob.packages = packages
    if not hasattr(textblob.exceptions, "MissingCorpusException"):
        textblob.exceptions.MissingCorpusException = textblob.exceptions.MissingCorpusError

    from textblob_aptagger import PerceptronTagger

    return PerceptronTagger()


def entry(tagger, source: str, text: str) -> dict:
    tagged = tagger.tag(text)
    sentence_lengths = [len(word_tokenize(sentence)) for sentence in sent_tokenize(text)]
    tokens = [word for word, _ in tagged]
    assert sum(sentence_lengths) == len(tokens)
    assert tokens == [t for s in sent_tokenize(text) for t in word_tokenize(s)]
    return {
        "source": source,
        "text": text,
        "tokens": tokens,
        "tags": [tag for _, tag in tagged],
        "sentence_lengths": sentence_lengths,
    }


def main() -> None:
    tagger = load_tagger()
    with open(CATALOGUE, newline="", encoding="utf-8") as f:
        descriptions = [row["description"] for row in csv.DictReader(f)]
    entries = [entry(tagger, "demo", d) for d in descriptions]
    entries += [entry(tagger, "tricky", t) for t in TRICKY]
    golden = {
        "about": "Tokens and tags of textblob-aptagger 0.2.0 PerceptronTagger().tag(text); "
        "regenerate with scripts/make_pos_golden.py",
        "nltk_version": nltk.__version__,
        "regex_version": regex.__version__,
        "entries": entries,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One entry per line: compact, and a change shows as the entries it touches.
    head = json.dumps({k: v for k, v in golden.items() if k != "entries"}, ensure_ascii=False, indent=1)
    lines = ",\n".join("  " + json.dumps(e, ensure_ascii=False) for e in entries)
    OUT.write_text(f'{head[:-2]},\n "entries": [\n{lines}\n ]\n}}\n', encoding="utf-8")
    json.loads(OUT.read_text(encoding="utf-8"))
    n_tokens = sum(len(e["tokens"]) for e in entries)
    print(f"{len(entries)} entries ({len(descriptions)} demo, {len(TRICKY)} tricky), {n_tokens} tokens -> {OUT}")


if __name__ == "__main__":
    main()
