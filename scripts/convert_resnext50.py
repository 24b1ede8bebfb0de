#!/usr/bin/env python3
"""Converts torchvision-layout ResNeXt50_32x4d weights (a plain state dict saved with
`torch.save(model.state_dict(), ...)`) into the safetensors file vitrine loads.

Usage: convert_resnext50.py IN.pth [OUT]
       convert_resnext50.py --layout    (prints the expected names and shapes as JSON)

OUT defaults to `<weights dir>/resnext50_32x4d.safetensors` (see
convert_efficientnet_lite0.py for where the weights dir is). The names are torchvision's
(`conv1.weight`, `layer1.0.downsample.0.weight`, `fc.bias`, ...) and are kept unchanged;
tensors become contiguous float32 and `num_batches_tracked` counters are dropped.

A checkpoint that wraps the state dict (`{"state_dict": ...}` or `{"model": ...}`) or prefixes
every name with `module.` (saved from DataParallel) is unwrapped first.
"""

import json
import sys
from pathlib import Path

from convert_efficientnet_lite0 import default_weights_dir, to_safetensors_dict, write_safetensors

WEIGHTS_FILE_NAME = "resnext50_32x4d.safetensors"

# Block counts of the four stages of ResNeXt50 and the 1000-class ImageNet classifier.
STAGE_BLOCKS = (3, 4, 6, 3)


def expected_shapes() -> dict:
    """The torchvision resnext50_32x4d layout: every tensor name and its shape."""
    shapes = {}

    def bn(prefix, channels):
        for part in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{part}"] = (channels,)

    shapes["conv1.weight"] = (64, 3, 7, 7)
    bn("bn1", 64)
    in_channels = 64
    for stage, blocks in enumerate(STAGE_BLOCKS):
        planes = 64 * 2**stage
        width = planes * 2  # groups 32 x width-per-group 4, scaled by planes / 64
        out_channels = planes * 4
        for block in range(blocks):
            p = f"layer{stage + 1}.{block}"
            shapes[f"{p}.conv1.weight"] = (width, in_channels, 1, 1)
            bn(f"{p}.bn1", width)
            shapes[f"{p}.conv2.weight"] = (width, width // 32, 3, 3)
            bn(f"{p}.bn2", width)
            shapes[f"{p}.conv3.weight"] = (out_channels, width, 1, 1)
            bn(f"{p}.bn3", out_channels)
            if block == 0:
                shapes[f"{p}.downsample.0.weight"] = (out_channels, in_channels, 1, 1)
                bn(f"{p}.downsample.1", out_channels)
            in_channels = out_channels
    shapes["fc.weight"] = (1000, 2048)
    shapes["fc.bias"] = (1000,)
    return shapes


def check_layout(tensors: dict) -> None:
    """Stops with the first tensor whose name or shape differs from torchvision's layout."""
    expected = expected_shapes()
    for name, shape in expected.items():
        if name not in tensors:
            raise SystemExit(f"missing tensor {name!r}: not torchvision resnext50_32x4d weights")
        if tuple(tensors[name].shape) != shape:
            raise SystemExit(
                f"tensor {name!r} has shape {tuple(tensors[name].shape)}, expected {shape}"
            )
    for name in tensors:
        if name not in expected:
            raise SystemExit(f"unexpected tensor {name!r}: not torchvision resnext50_32x4d weights")


def unwrap(checkpoint):
    for key in ("state_dict", "model"):
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
    if all(name.startswith("module.") for name in checkpoint):
        checkpoint = {name[len("module.") :]: t for name, t in checkpoint.items()}
    return checkpoint


def main() -> None:
    if sys.argv[1:] == ["--layout"]:
        layout = expected_shapes()
        lines = [f" {json.dumps(name)}: {json.dumps(list(shape))}" for name, shape in layout.items()]
        print("{\n" + ",\n".join(lines) + "\n}")
        return
    if len(sys.argv) not in (2, 3) or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        raise SystemExit(0 if len(sys.argv) == 2 else 2)
    source = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) == 3 else default_weights_dir() / WEIGHTS_FILE_NAME

    import torch

    if not source.is_file():
        raise SystemExit(f"{source}: no such file")
    state_dict = unwrap(torch.load(source, map_location="cpu", weights_only=True))
    tensors = to_safetensors_dict(state_dict)
    check_layout(tensors)
    write_safetensors(tensors, out)
    print(f"wrote {len(tensors)} tensors to {out}")


if __name__ == "__main__":
    main()
