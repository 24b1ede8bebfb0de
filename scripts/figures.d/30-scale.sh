#!/usr/bin/env bash
# docs/scale.md: the lookalike index at 100,000 and 200,000 vectors (exact search, and the
# HNSW graph at 200,000), and lookalike quality with f32, f16, int8 and PCA vectors on the
# demo and clothing-3781.
set -euo pipefail
source "$FIGURES_LIB"
demo=assets/demo/catalogue.csv
catalogues=(--index-eval "$demo")
# The embeddings are computed once and cached (untimed here).
"$VITRINE_BIN" embed >/dev/null
if figures_have_clothing; then
    "$VITRINE_BIN" embed "$CLOTHING_DIR/catalogue.csv" >/dev/null
    catalogues+=(--index-eval "$CLOTHING_DIR/catalogue.csv")
fi
# The cache folder of the default network's embeddings: the one `embed` wrote last.
cache=${VITRINE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/vitrine}/embeddings
base=$(ls -td "$cache"/*/ | head -n1)
figures_block docs/scale.md index "$VITRINE_BIN" bench --index --index-base "${base%/}" \
    "${catalogues[@]}" --index-sizes 100000,200000 --index-graph-from 200000
