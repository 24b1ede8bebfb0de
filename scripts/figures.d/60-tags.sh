#!/usr/bin/env bash
# Tag quality of the head recipes: `vitrine cv` on the demo catalogue, 5 folds x 3 seeds: the
# recipe fast mode trains with against the one before it, then the recipe with one setting
# changed at a time. Writes the tables into docs/tags.md between its "60-tags" markers (with
# the date, commit and CPU model).
set -euo pipefail
cd "$(dirname "$0")/../.."
export LIBTORCH="${LIBTORCH:-$PWD/.deps/libtorch}"
cargo build --quiet --bin vitrine
vitrine=target/debug/vitrine
seeds="${TAGS_CV_SEEDS:-3}"
out=$(mktemp)
table=$(mktemp)
trap 'rm -f "$out" "$table"' EXIT
"$vitrine" cv --recipe both --seeds "$seeds" --folds 5 >"$out"
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
{
  echo "<!-- 60-tags:begin (written by scripts/figures.d/60-tags.sh; do not edit by hand) -->"
  echo
  echo "\`vitrine cv --recipe both --seeds $seeds --folds 5\` on the demo catalogue," \
    "$(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $cpu" \
    "(mean ± sd over every held-out fold of every seed):"
  echo
  grep '^|' "$out"
  echo
  echo '```text'
  grep -E '^(old|new) recipe:|^settings:' "$out"
  echo '```'
  echo
  echo "One setting changed at a time (\`vitrine cv --seeds $seeds\` plus the flag):"
  echo
  echo "| recipe | folds × seeds | micro-F1 | macro-F1 | samples-F1 | ECE after calibration | epoch kept |"
  echo "|---|---|---|---|---|---|---|"
  grep '^| new |' "$out" | sed 's/^| new |/| new (as above) |/'
  for flags in "--decoupled true" "--decoupled true --weight-decay 0.1" "--decoupled true --weight-decay 10" \
    "--stop-on micro" \
    "--stop-on loss" "--ensemble false"; do
    # shellcheck disable=SC2086
    "$vitrine" cv --recipe new --seeds "$seeds" --folds 5 $flags |
      grep '^| new |' | sed "s/^| new |/| new, \`$flags\` |/"
  done
  echo
  echo "<!-- 60-tags:end -->"
} >"$table"
python3 - "$table" docs/tags.md <<'PY'
import re, sys
table = open(sys.argv[1]).read().rstrip("\n")
doc_path = sys.argv[2]
doc = open(doc_path).read()
pattern = re.compile(r"<!-- 60-tags:begin.*?<!-- 60-tags:end -->", re.S)
if not pattern.search(doc):
    sys.exit(f"{doc_path} has no 60-tags markers")
open(doc_path, "w").write(pattern.sub(lambda _: table, doc))
PY
echo "docs/tags.md: cross-validation tables updated"
