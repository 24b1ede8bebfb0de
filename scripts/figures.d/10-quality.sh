#!/usr/bin/env bash
# docs/quality.md: 5-fold cross-validation of fast mode on the demo catalogue, both vocabularies.
set -euo pipefail
source "$FIGURES_LIB"
figures_fenced docs/quality.md cv-curated "$VITRINE_BIN" cv --folds 5
figures_fenced docs/quality.md cv-seed "$VITRINE_BIN" cv --folds 5 --vocab seed
