#!/usr/bin/env bash
# The two commands a new user needs:
#   ./vitrine.sh run [ARGS...]   set everything up (once) and open vitrine on the demo catalogue
#   ./vitrine.sh test            set everything up (once) and run the whole test suite
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

command=${1:-run}
shift || true
bash scripts/setup.sh
case "$command" in
    run)
        exec cargo run --quiet -- "$@"
        ;;
    test)
        cargo fmt --all -- --check
        cargo clippy --all-targets --quiet -- -D warnings
        exec cargo test "$@"
        ;;
    bench)
        exec cargo run --quiet -- bench "$@"
        ;;
    *)
        echo "usage: ./vitrine.sh run [ARGS...] | test | bench" >&2
        exit 2
        ;;
esac
