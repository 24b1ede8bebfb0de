#!/usr/bin/env bash
# docs/lookalikes.md: P@5 per Match preset on the demo (category, description colour) and
# clothing-3781 (category) with the weight search that chose the defaults; the demo's own
# fitted weights under cross-validation; near-duplicates' precision and recall on synthetic
# copies of demo and clothing-3781 photos.
set -euo pipefail
source "$FIGURES_LIB"
figures_block docs/lookalikes.md fit-demo "$VITRINE_BIN" eval lookalikes --fit
if figures_have_clothing; then
    figures_block docs/lookalikes.md presets "$VITRINE_BIN" eval lookalikes \
        --clothing "$CLOTHING_DIR" --search
    figures_block docs/lookalikes.md duplicates "$VITRINE_BIN" eval duplicates \
        --clothing "$CLOTHING_DIR" --originals 40
fi
