#!/usr/bin/env python3
"""Makes a large catalogue for scale measurements by repeating a catalogue's photos.

    python3 scripts/make_big_catalogue.py SOURCE.csv OUT_FOLDER --items 100000

Every row of SOURCE.csv (a vitrine CSV with an `image` column, such as the extracted demo
catalogue) is repeated until there are --items rows. Each copy gets its own file name
(`images/NNNNNN-<original name>`), made as a hard link to the original photo when both are on
the same file system (no extra disk space) and copied otherwise, and the same description
and category. Photos with the same content share one embedding in the cache, so embedding
100,000 items costs only the distinct photos; the window still holds 100,000 items.
"""

import argparse
import csv
import os
import shutil
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="a vitrine CSV catalogue with an `image` column")
    parser.add_argument("out", help="folder to create (must not exist or be empty)")
    parser.add_argument("--items", type=int, default=100_000, help="rows to write")
    args = parser.parse_args()

    source_dir = os.path.dirname(os.path.abspath(args.source))
    with open(args.source, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = reader.fieldnames or []
        rows = list(reader)
    if "image" not in fields or not rows:
        print(f"{args.source}: needs an `image` column and at least one row", file=sys.stderr)
        return 1
    images = os.path.join(args.out, "images")
    os.makedirs(images, exist_ok=True)
    if os.listdir(images):
        print(f"{images} is not empty", file=sys.stderr)
        return 1
    linked = copied = 0
    with open(os.path.join(args.out, "catalogue.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        for i in range(args.items):
            row = dict(rows[i % len(rows)])
            original = os.path.join(source_dir, row["image"])
            name = f"{i:06d}-{os.path.basename(row['image'])}"
            target = os.path.join(images, name)
            try:
                os.link(original, target)
                linked += 1
            except OSError:
                shutil.copyfile(original, target)
                copied += 1
            row["image"] = f"images/{name}"
            writer.writerow(row)
    print(f"{args.items} items in {args.out} ({linked} hard links, {copied} copies)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
