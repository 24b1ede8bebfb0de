#!/usr/bin/env bash
# docs/speed.md: vitrine's speed table, and the same work side by side with PyTorch/numpy
# (alternated rounds, medians with their spread).
set -euo pipefail
source "$FIGURES_LIB"
figures_block docs/speed.md bench "$VITRINE_BIN" bench
figures_block docs/speed.md compare "$VITRINE_BIN" bench --compare --rounds 3
