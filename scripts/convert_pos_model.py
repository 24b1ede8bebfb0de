#!/usr/bin/env python3
"""Converts the Python-side data that vitrine's text module reproduces, once, into files that are
committed with the crate:

  assets/pos/trontagger.bin      the averaged-perceptron part-of-speech model
                                 (trontagger-0.1.0.pickle from the PyPI package
                                 textblob-aptagger==0.2.0), in a compact binary format;
  assets/pos/LICENSE             the model's MIT licence, taken from the package metadata;
  src/text/unicode_tables.rs     the character classes that the tokenizer and the tagger depend
                                 on (`\\w` and `\\d` of the `regex` module NLTK matches with, `\\w`
                                 of the standard `re`, str.isdigit()), so the Rust code classifies
                                 characters exactly like the Python reference.

Run it with a Python that has textblob-aptagger 0.2.0 and NLTK (which brings the `regex`
module) installed, the same environment as scripts/make_pos_golden.py, e.g.

    .deps/venv/bin/pip install textblob-aptagger==0.2.0 textblob nltk
    .deps/venv/bin/python scripts/convert_pos_model.py

The package itself does not need to import (it does not with current TextBlob releases); only
its files are read.

Binary format of trontagger.bin (all integers little-endian):

    magic          8 bytes  b"VTRPOS01"
    then, uncompressed (deflate would only save about 30%, not worth a decompressor):
      n_classes    u8, then per class: u8 length + UTF-8 bytes (sorted; the index is the class id)
      n_tagdict    u32, then per entry: varint length + UTF-8 word + u8 class id
      14 feature templates, in the order the tagger adds them to a feature vector; per template:
        n_features u32, then per feature (sorted by argument bytes):
          varint length + UTF-8 argument (the feature key without "<template name> "),
          u8 n_weights, then per weight: u8 class id + zigzag varint weight in thousandths

The model's averaged weights were rounded to three decimals when it was trained, so storing them
as integer thousandths is exact: `thousandths / 1000.0` in double precision gives back the very
same double that Python holds, which the Rust tagger needs to reproduce Python's sums and ties.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import pickle
import re
import struct
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAGIC = b"VTRPOS01"
PICKLE_NAME = "trontagger-0.1.0.pickle"

# The tagger's feature templates, in the order PerceptronTagger._get_features adds them.
TEMPLATES = [
    "bias",
    "i suffix",
    "i pref1",
    "i-1 tag",
    "i-2 tag",
    "i tag+i-2 tag",
    "i word",
    "i-1 tag+i word",
    "i-1 word",
    "i-1 suffix",
    "i-2 word",
    "i+1 word",
    "i+1 suffix",
    "i+2 word",
]


class _ModelUnpickler(pickle.Unpickler):
    """Loads the model pickle, which only holds dicts, a set, strings and floats."""

    def find_class(self, module, name):
        if (module, name) in (("builtins", "set"), ("__builtin__", "set")):
            return set
        raise pickle.UnpicklingError(f"unexpected object in the model: {module}.{name}")


def package_dir() -> Path:
    spec = importlib.util.find_spec("textblob_aptagger")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("textblob-aptagger is not installed in this Python (pip install textblob-aptagger==0.2.0)")
    return Path(list(spec.submodule_search_locations)[0])


def dist_info_dir(pkg: Path) -> Path:
    candidates = sorted(pkg.parent.glob("textblob_aptagger-*.dist-info"))
    if not candidates:
        sys.exit(f"no textblob_aptagger-*.dist-info next to {pkg}")
    return candidates[-1]


def varint(n: int) -> bytes:
    assert n >= 0
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def zigzag(n: int) -> int:
    return (n << 1) if n >= 0 else ((-n) << 1) - 1


def put_str(buf: io.BytesIO, s: str) -> None:
    raw = s.encode("utf-8")
    buf.write(varint(len(raw)))
    buf.write(raw)


def thousandths(weight: float) -> int:
    milli = round(weight * 1000)
    if milli / 1000.0 != weight:
        sys.exit(f"weight {weight!r} is not a whole number of thousandths; the format would lose it")
    return milli


def encode_model(weights: dict, tagdict: dict, classes: set) -> bytes:
    class_names = sorted(classes)
    if len(class_names) > 255:
        sys.exit("too many classes for a u8 class id")
    class_id = {name: i for i, name in enumerate(class_names)}

    grouped: list[list[tuple[str, dict]]] = [[] for _ in TEMPLATES]
    for key, row in weights.items():
        matches = [t for t, name in enumerate(TEMPLATES) if key == name or key.startswith(name + " ")]
        if len(matches) != 1:
            sys.exit(f"feature {key!r} matches {len(matches)} templates")
        t = matches[0]
        arg = key[len(TEMPLATES[t]) + 1 :]
        grouped[t].append((arg, row))

    buf = io.BytesIO()
    buf.write(bytes([len(class_names)]))
    for name in class_names:
        raw = name.encode("utf-8")
        buf.write(bytes([len(raw)]))
        buf.write(raw)

    buf.write(struct.pack("<I", len(tagdict)))
    for word in sorted(tagdict, key=lambda w: w.encode("utf-8")):
        put_str(buf, word)
        buf.write(bytes([class_id[tagdict[word]]]))

    for rows in grouped:
        rows.sort(key=lambda item: item[0].encode("utf-8"))
        buf.write(struct.pack("<I", len(rows)))
        for arg, row in rows:
            put_str(buf, arg)
            if len(row) > 255:
                sys.exit("too many weights in one feature for a u8 count")
            buf.write(bytes([len(row)]))
            for label in sorted(row, key=lambda c: class_id[c]):
                buf.write(bytes([class_id[label]]))
                buf.write(varint(zigzag(thousandths(row[label]))))

    return MAGIC + buf.getvalue()


def decode_model(data: bytes):
    """Reads the format back, to check the file before it is written."""
    assert data[:8] == MAGIC
    payload = data[8:]
    pos = 0

    def byte():
        nonlocal pos
        pos += 1
        return payload[pos - 1]

    def u32():
        nonlocal pos
        pos += 4
        return struct.unpack_from("<I", payload, pos - 4)[0]

    def var():
        shift = value = 0
        while True:
            b = byte()
            value |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return value

    def string(n):
        nonlocal pos
        pos += n
        return payload[pos - n : pos].decode("utf-8")

    classes = [string(byte()) for _ in range(byte())]
    tagdict = {}
    for _ in range(u32()):
        word = string(var())
        tagdict[word] = classes[byte()]
    weights = {}
    for name in TEMPLATES:
        for _ in range(u32()):
            arg = string(var())
            row = {}
            for _ in range(byte()):
                label = classes[byte()]
                z = var()
                milli = (z >> 1) if not z & 1 else -((z + 1) >> 1)
                row[label] = milli / 1000.0
            weights[name if name == "bias" and arg == "" else f"{name} {arg}"] = row
    assert pos == len(payload)
    return weights, tagdict, set(classes)


def licence_text(dist_info: Path) -> str:
    metadata = (dist_info / "METADATA").read_text(encoding="utf-8")
    copyright_match = re.search(r"^License: (Copyright .+)$", metadata, re.MULTILINE)
    grant_match = re.search(r"Permission is hereby granted.*?THE SOFTWARE\.\n", metadata, re.DOTALL)
    classifier = "License :: OSI Approved :: MIT License" in metadata
    if not (copyright_match and grant_match and classifier):
        sys.exit(f"could not find the MIT licence text in {dist_info / 'METADATA'}")
    return (
        "assets/pos/trontagger.bin is converted from trontagger-0.1.0.pickle, the averaged-perceptron\n"
        "part-of-speech tagger model shipped in the PyPI package textblob-aptagger 0.2.0\n"
        "(https://github.com/sloria/textblob-aptagger, packaged by Steven Loria; tagger and model by\n"
        "Matthew Honnibal). It is used under the package's MIT licence, reproduced here from the\n"
        "package metadata:\n"
        "\n"
        f"{copyright_match.group(1).strip()}\n"
        "\n"
        f"{grant_match.group(0)}"
    )


def char_ranges(predicate) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    start = None
    for code in range(0x110000):
        inside = predicate(chr(code))
        if inside and start is None:
            start = code
        elif not inside and start is not None:
            ranges.append((start, code - 1))
            start = None
    if start is not None:
        ranges.append((start, 0x10FFFF))
    return ranges


def rust_table(name: str, doc: str, ranges: list[tuple[int, int]]) -> str:
    lines = [f"/// {line}" if line else "///" for line in doc.split("\n")]
    lines.append("#[rustfmt::skip]")
    lines.append(f"pub(crate) const {name}: &[(u32, u32)] = &[")
    row: list[str] = []
    for lo, hi in ranges:
        row.append(f"(0x{lo:X}, 0x{hi:X})")
        if len(row) == 4:
            lines.append("    " + ", ".join(row) + ",")
            row = []
    if row:
        lines.append("    " + ", ".join(row) + ",")
    lines.append("];")
    return "\n".join(lines) + "\n"


def unicode_tables() -> str:
    # NLTK compiles most of its tokenizer patterns with the third-party `regex` module (through
    # nltk.redos) and a few with the standard `re`; the two disagree on `\w` and `\d` for some
    # characters, so both are recorded.
    import regex

    white_space = [(9, 13), (32, 32), (133, 133), (160, 160), (5760, 5760), (8192, 8202), (8232, 8233),
                   (8239, 8239), (8287, 8287), (12288, 12288)]
    rx_space = regex.compile(r"\s")
    if char_ranges(lambda c: rx_space.match(c) is not None) != white_space:
        sys.exit("regex's \\s is no longer Unicode White_Space; the Rust side assumes it is")
    # Case-insensitive matches of ASCII letters beyond their own two cases, which
    # src/text/chars.rs hard-codes for both engines.
    for engine, extra in ((re, {"i": [0x130, 0x131], "k": [0x212A], "s": [0x17F]}),
                          (regex, {"i": [0x130], "k": [0x212A], "s": [0x17F]})):
        for letter in "abcdefghijklmnopqrstuvwxyz":
            pattern = engine.compile("(?i)" + letter)
            found = [c for c in range(128, 0x110000) if pattern.fullmatch(chr(c))]
            if found != extra.get(letter, []):
                sys.exit(f"{engine.__name__}: (?i){letter} also matches {found}; update chars.rs")
    rx_word = regex.compile(r"\w")
    rx_digit = regex.compile(r"\d")
    header = (
        "//! Character classes of the Python reference (generated by scripts/convert_pos_model.py\n"
        f"//! from Python {sys.version_info.major}.{sys.version_info.minor} (Unicode "
        f"{unicodedata.unidata_version}) and the `regex` module {regex.__version__}; do not edit by "
        "hand).\n"
        "//!\n"
        "//! Sorted, non-overlapping inclusive ranges of code points.\n"
        "\n"
    )
    return (
        header
        + rust_table(
            "PY_ALNUM",
            "Python's `str.isalnum()`; with `_` this is `\\w` of the standard `re` module.",
            char_ranges(str.isalnum),
        )
        + "\n"
        + rust_table(
            "PY_DIGIT",
            "Python's `str.isdigit()` (decimal digits, superscripts, circled digits, ...).",
            char_ranges(str.isdigit),
        )
        + "\n"
        + rust_table(
            "RX_WORD",
            "`\\w` of the `regex` module (letters, marks, decimal digits, connector punctuation, ...).",
            char_ranges(lambda c: rx_word.match(c) is not None),
        )
        + "\n"
        + rust_table(
            "RX_DIGIT",
            "`\\d` of the `regex` module (decimal digits).",
            char_ranges(lambda c: rx_digit.match(c) is not None),
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pickle", type=Path, help=f"path of {PICKLE_NAME} (default: from the installed package)")
    args = parser.parse_args()

    pkg = package_dir()
    pickle_path = args.pickle or pkg / PICKLE_NAME
    with open(pickle_path, "rb") as f:
        weights, tagdict, classes = _ModelUnpickler(f).load()

    data = encode_model(weights, tagdict, classes)
    back_weights, back_tagdict, back_classes = decode_model(data)
    if back_weights != weights or back_tagdict != tagdict or back_classes != classes:
        sys.exit("the encoded model does not read back identically")

    out_dir = REPO / "assets" / "pos"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "trontagger.bin").write_bytes(data)
    (out_dir / "LICENSE").write_text(licence_text(dist_info_dir(pkg)), encoding="utf-8")
    (REPO / "src" / "text" / "unicode_tables.rs").write_text(unicode_tables(), encoding="utf-8")

    n_weights = sum(len(row) for row in weights.values())
    print(
        f"{len(classes)} classes, {len(tagdict)} tag-dictionary words, {len(weights)} features, "
        f"{n_weights} weights -> {out_dir / 'trontagger.bin'} ({len(data)} bytes)"
    )


if __name__ == "__main__":
    main()
