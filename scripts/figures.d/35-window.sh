#!/usr/bin/env bash
# docs/scale.md: the window with 10,000 and 100,000 items (frame times, peak memory, Match
# query times) under Xvfb; needs xvfb-run (Debian package `xvfb`).
set -euo pipefail
source "$FIGURES_LIB"
if ! command -v xvfb-run >/dev/null; then
    echo "figures: xvfb-run not found: the window table in docs/scale.md is left as it is (install xvfb)" >&2
    exit 0
fi
export RUST_LOG=vitrine::frames=info,vitrine::match=info

# The last frame-time lines, the Match query times and the window's memory after SECS seconds.
window() {
    local items=$1 secs=$2 dir="$FIGURES_SCRATCH/big-$1"
    rm -rf "$dir"
    python3 scripts/make_big_catalogue.py assets/demo/catalogue.csv "$dir" --items "$items" >&2
    echo "$items items, $secs s:"
    scripts/window_frames.sh "$VITRINE_BIN" "$dir/catalogue.csv" "$secs" |
        grep -E 'vitrine::(frames|match)|Vm' | sed -E 's/^\[[^]]*\] ?//' | tail -n 6
    echo
}
both() {
    window 10000 30
    window 100000 100
}
FIGURES_SHOWN="scripts/window_frames.sh vitrine <catalogue of N items, from scripts/make_big_catalogue.py> SECS" \
    figures_fenced docs/scale.md window both
