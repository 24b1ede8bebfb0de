#!/usr/bin/env bash
# docs/speed.md: the same work side by side with PyTorch/numpy, alternated rounds, medians
# with their spread. FIGURES_ROUNDS and FIGURES_STEPS (fine-tuning steps timed) shorten it on
# a slow machine.
set -euo pipefail
source "$FIGURES_LIB"
figures_block docs/speed.md compare "$VITRINE_BIN" bench --compare \
    --rounds "${FIGURES_ROUNDS:-3}" --steps "${FIGURES_STEPS:-3}"
