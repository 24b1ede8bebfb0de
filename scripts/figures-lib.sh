# Helpers for the parts in scripts/figures.d/ (sourced, not run): run a vitrine command and
# write what it prints into a marked block of a docs/ page.
#   figures_block FILE NAME COMMAND...   runs COMMAND, writes its output as the block NAME of FILE
#   figures_fenced FILE NAME COMMAND...  the same, the output in a ```text fence (plain text tables)
# FIGURES_SHOWN, when set, is the command line the block names instead of "$@".
# The block starts with one line naming the command, the date, the commit, the CPU model and
# flags, and how long the command took.

figures_cpu() {
    local model flags wanted f present=()
    model=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')
    flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2-) "
    wanted="avx2 f16c avx512f avx512_vnni avx512_bf16 avx512_fp16 amx_tile amx_bf16"
    for f in $wanted; do
        case "$flags" in *" $f "*) present+=("$f") ;; esac
    done
    case "$flags" in *" amx_bf16 "*) ;; *) present+=("(no AMX)") ;; esac
    echo "${model:-unknown CPU}, $(nproc) logical CPUs, ${present[*]}${1:+; load average $1 when it started}"
}

# Replaces the lines between the markers of NAME in FILE by the contents of CONTENT_FILE.
figures_replace() {
    local file=$1 name=$2 content=$3
    local begin="<!-- figures:$name begin -->" end="<!-- figures:$name end -->"
    if ! grep -qF "$begin" "$file" || ! grep -qF "$end" "$file"; then
        echo "figures: $file has no block '$name' (add the lines '$begin' and '$end')" >&2
        return 1
    fi
    awk -v begin="$begin" -v end="$end" -v content="$content" '
        $0 == begin { print; while ((getline line < content) > 0) print line; skip = 1; next }
        $0 == end { skip = 0 }
        !skip { print }
    ' "$file" >"$file.tmp" && mv "$file.tmp" "$file"
}

# Runs "$@" (the binary named as `vitrine`), writes the block: header line, then the output
# (fenced when FENCE is set).
figures_run() {
    local file=$1 name=$2 fence=$3
    shift 3
    local out started secs shown load
    out=$(mktemp)
    load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || true)
    started=$(date +%s)
    echo "figures: $name: $*" >&2
    "$@" >"$out.raw"
    secs=$(( $(date +%s) - started ))
    shown=${FIGURES_SHOWN:-$*}
    shown=${shown/#$VITRINE_BIN/vitrine}
    shown=${shown//$CLOTHING_DIR/..\/shared\/clothing-3781}
    shown=${shown//$HOME/\~}
    {
        echo
        echo "_\`$shown\` — $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD), $(figures_cpu "$load"); took ${secs} s._"
        echo
        if [ -n "$fence" ]; then
            echo '```text'
            cat "$out.raw"
            echo '```'
        else
            # Markdown tables need a blank line between them and the lines around them.
            awk '{ t = /^\|/ } NR > 1 && t != pt && $0 != "" && prev != "" { print "" }
                 { print; pt = t; prev = $0 }' "$out.raw"
        fi
        echo
    } >"$out"
    figures_replace "$file" "$name" "$out"
    rm -f "$out" "$out.raw"
}

figures_block() { figures_run "$1" "$2" "" "${@:3}"; }
figures_fenced() { figures_run "$1" "$2" fence "${@:3}"; }

# True when the clothing-3781 catalogue is there; otherwise says which tables stay as they are.
figures_have_clothing() {
    if [ -f "$CLOTHING_DIR/catalogue.csv" ]; then
        return 0
    fi
    echo "figures: $CLOTHING_DIR/catalogue.csv not found: the clothing-3781 tables are left as they are (set CLOTHING_DIR)" >&2
    return 1
}
