#!/usr/bin/env bash
# Regenerates every figure quoted in docs/ (and linked from README.md) with one command:
#   scripts/figures.sh            build, then run every executable scripts/figures.d/*.sh in name order
#   scripts/figures.sh 20-speed   run only the parts whose names start with the given words
#   scripts/figures.sh --list     list the parts
#
# Each part runs vitrine commands and writes their output into docs/*.md between marker lines
#   <!-- figures:NAME begin -->  …  <!-- figures:NAME end -->
# replacing what was there (the prose around the markers stays), with the date, the commit,
# the CPU model and its relevant flags in every generated block. Parts use the helpers in
# scripts/figures-lib.sh. The binary is built with the profile `./vitrine.sh bench` uses
# (cargo's default dev profile: dependencies optimised, vitrine at opt-level 1).
#
# Environment:
#   CLOTHING_DIR   the clothing-3781 catalogue folder (default: ../shared/clothing-3781 next to
#                  the repository); tables that need it are left as they are when it is missing
#   FIGURES_SCRATCH  scratch folder for checkpoints and state (default: a new temporary folder)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

parts=()
for part in scripts/figures.d/*.sh; do
    [ -x "$part" ] && parts+=("$part")
done
if [ "${1:-}" = "--list" ]; then
    printf '%s\n' "${parts[@]}"
    exit 0
fi
if [ $# -gt 0 ]; then
    wanted=()
    for part in "${parts[@]}"; do
        for prefix in "$@"; do
            case "$(basename "$part")" in "$prefix"*) wanted+=("$part") ;; esac
        done
    done
    parts=("${wanted[@]}")
fi
[ ${#parts[@]} -gt 0 ] || { echo "figures: no part matches $*" >&2; exit 2; }

started=$(date +%s)
echo "figures: building vitrine (the profile ./vitrine.sh bench uses)" >&2
cargo build --quiet
export VITRINE_BIN=${CARGO_TARGET_DIR:-$repo/target}/debug/vitrine
export FIGURES_LIB=$repo/scripts/figures-lib.sh
export CLOTHING_DIR=${CLOTHING_DIR:-$repo/../shared/clothing-3781}

# Checkpoints and per-catalogue state go to a scratch data folder (so a user's vocabulary
# edits or models never change the figures); the pretrained weights are the user's.
real_data=${VITRINE_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/vitrine}
scratch=${FIGURES_SCRATCH:-$(mktemp -d -t vitrine-figures.XXXXXX)}
mkdir -p "$scratch/data"
ln -sfn "$real_data/weights" "$scratch/data/weights"
export VITRINE_DATA_DIR=$scratch/data
export FIGURES_SCRATCH=$scratch

for part in "${parts[@]}"; do
    part_started=$(date +%s)
    echo "figures: $part" >&2
    "$part"
    echo "figures: $part took $(( $(date +%s) - part_started )) s" >&2
done
[ -n "${FIGURES_KEEP_SCRATCH:-}" ] || rm -rf "$scratch"
echo "figures: all parts took $(( $(date +%s) - started )) s" >&2
