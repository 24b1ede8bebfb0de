#!/usr/bin/env bash
# docs/scale.md: the lookalike index at 100,000 vectors (exact search, and the HNSW graph the
# app uses from 200,000 items on, measured here at the same size), and lookalike quality with
# f32, f16, int8 and PCA vectors on the demo and clothing-3781.
set -euo pipefail
source "$FIGURES_LIB"
# A cache of their own, so that the index's synthetic vectors come from these catalogues only.
export VITRINE_CACHE_DIR=${FIGURES_INDEX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vitrine-figures}
demo=assets/demo/catalogue.csv
catalogues=(--index-eval "$demo")
# The embeddings are computed once and cached (untimed here).
"$VITRINE_BIN" embed "$demo" >/dev/null
if figures_have_clothing; then
    # The table reads the plain vectors only; FIGURES_CLOTHING_EMBEDDED=1 skips this step when
    # they are cached already (embedding also computes the mirror images', which takes long).
    [ -n "${FIGURES_CLOTHING_EMBEDDED:-}" ] || "$VITRINE_BIN" embed "$CLOTHING_DIR/catalogue.csv" >/dev/null
    catalogues+=(--index-eval "$CLOTHING_DIR/catalogue.csv")
fi
# The cache folder of the default network's embeddings (not the mirror images').
base=$(ls -td "$VITRINE_CACHE_DIR"/embeddings/*/ | grep -v -- '-hflip/$' | head -n1)
figures_block docs/scale.md index "$VITRINE_BIN" bench --index --index-base "${base%/}" \
    "${catalogues[@]}" --index-sizes 100000 --index-graph-from 100000
