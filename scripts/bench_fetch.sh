#!/usr/bin/env bash
# Benchmark of photos by web address: serves 2,000 photos (the demo photos under 2,000
# names) from a local HTTP server on 127.0.0.1, imports a CSV naming them by address into an
# empty photo cache, then imports it again (everything cached: nothing is downloaded).
# Prints the time and peak memory of each import. Not a test.
#
#   scripts/bench_fetch.sh [PHOTOS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
photos=${1:-2000}
connections=${2:-8}
work=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/served"
demo=(assets/demo/images/*.jpg)
echo "image,description" >"$work/catalogue.csv"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for ((i = 0; i < photos; i++)); do
    src=${demo[$((i % ${#demo[@]}))]}
    name=$(printf 'photo-%05d.jpg' "$i")
    ln -s "$PWD/$src" "$work/served/$name"
    echo "http://127.0.0.1:$port/$name,Garment $i" >>"$work/catalogue.csv"
done
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/served" >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 50); do
    if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/photo-00000.jpg')" 2>/dev/null; then
        break
    fi
    sleep 0.1
done

export LIBTORCH=${LIBTORCH:-$PWD/.deps/libtorch}
cargo build --quiet --example fetch_photos
bin=target/debug/examples/fetch_photos
echo "date: $(date -u +%Y-%m-%dT%H:%MZ), commit: $(git rev-parse --short HEAD), cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
echo -n "first import (empty cache):  "
"$bin" "$work/catalogue.csv" "$work/cache" "$connections"
echo -n "second import (all cached):  "
"$bin" "$work/catalogue.csv" "$work/cache" "$connections"
