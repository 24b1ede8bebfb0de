#!/usr/bin/env bash
# docs/speed.md: vitrine's speed table.
set -euo pipefail
source "$FIGURES_LIB"
figures_block docs/speed.md bench "$VITRINE_BIN" bench
