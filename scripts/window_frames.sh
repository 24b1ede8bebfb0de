#!/usr/bin/env bash
# Opens the window on a catalogue under Xvfb for a while and prints its frame-time and peak
# memory lines (see docs/scale.md; scripts/figures.d/35-window.sh runs it).
#   scripts/window_frames.sh <vitrine binary> <catalogue> [seconds, default 60]
# Uses VITRINE_CACHE_DIR / VITRINE_DATA_DIR from the environment when set.
set -euo pipefail
bin=$1
catalogue=$2
secs=${3:-60}
log=$(mktemp)
export RUST_LOG=${RUST_LOG:-vitrine::frames=info}
export LIBGL_ALWAYS_SOFTWARE=1
xvfb-run -a -s "-screen 0 1280x800x24" bash -c "
  '$bin' '$catalogue' >'$log' 2>&1 &
  pid=\$!
  sleep $secs
  grep -E 'VmHWM|VmRSS' /proc/\$pid/status | tr -s ' ' >>'$log'
  kill \$pid
  wait \$pid || true
"
grep -E "vitrine::frames|Vm|error|panick" "$log" || cat "$log"
rm -f "$log"
