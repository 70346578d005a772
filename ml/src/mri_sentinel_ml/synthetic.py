"""Images with no anatomy, generated in code and trained as `not_mri` (v3, issue 14 follow-up).

The frozen-trunk heads accepted an all-black, a uniform grey and a fully transparent upload as brain MRI (the
hostile suite caught it; v2 had learnt blank images away while fine-tuning); v4's two-trunk head took random noise
for knee/spine MRI (the hostile suite again). A blank frame is not an MRI slice, so a small generated set — uniform
levels, gradients, faint noise, full-range and smoothed noise (some JPEG re-encoded), at square and oblong sizes —
joins the training side of every fit (and of every LOSO fold) as one more `not_mri` source, weighted like any other.
Nothing here is derived from ../shared.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from . import data
from .config import ModelConfig

SOURCE = "synthetic_blank"


def blank_images(seed: int = 0) -> list[Image.Image]:
    rng = np.random.default_rng(seed)
    sizes = [(256, 256), (320, 240), (200, 300), (512, 512), (96, 160)]
    out = []
    for i, v in enumerate(range(0, 256, 8)):  # uniform levels
        w, h = sizes[i % len(sizes)]
        out.append(Image.fromarray(np.full((h, w), v, np.uint8), "L"))
    for i in range(12):  # linear gradients, both directions, any range
        w, h = sizes[i % len(sizes)]
        lo, hi = sorted(rng.integers(0, 256, 2))
        ramp = np.linspace(lo, hi, w if i % 2 else h)
        a = np.tile(ramp, (h, 1)) if i % 2 else np.tile(ramp[:, None], (1, w))
        out.append(Image.fromarray(a.astype(np.uint8), "L"))
    for i in range(12):  # faint noise on a uniform level (sensor noise, JPEG grain)
        w, h = sizes[i % len(sizes)]
        a = rng.normal(rng.uniform(0, 255), rng.uniform(1, 8), (h, w))
        out.append(Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "L"))
    for i in range(4):  # colour fills (RGB uploads)
        c = tuple(int(x) for x in rng.integers(0, 256, 3))
        out.append(Image.new("RGB", sizes[i % len(sizes)], c))
    for i in range(16):  # full-range noise, grey and colour, raw and smoothed (texture without anatomy), some JPEG
        w, h = sizes[i % len(sizes)]
        a = rng.integers(0, 256, (h, w, 3) if i % 2 else (h, w)).astype(np.float64)
        if i % 4 >= 2:  # a smooth random field: noise upsampled from a coarse grid
            k = int(rng.integers(4, 24))
            coarse = Image.fromarray(a[::k, ::k].astype(np.uint8))
            a = np.asarray(coarse.resize((w, h), Image.Resampling.BICUBIC), np.float64)
        im = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))
        if i % 8 >= 4:  # re-encoded as an upload would be
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=int(rng.integers(30, 95)))
            im = Image.open(io.BytesIO(buf.getvalue()))
            im.load()
        out.append(im)
    return out


def blank_embeddings(cfg: ModelConfig) -> np.ndarray:
    """[M, D] embeddings of the blank set through the model's frozen trunk(s) (contract preprocessing)."""
    from .embed import trunk_onnx
    from .export import session

    x = np.stack([data.preprocess(im, cfg.size, list(cfg.mean), list(cfg.std)) for im in blank_images()])
    return np.concatenate([session(trunk_onnx(cfg.size, t, cfg.name), 1).run(["embedding"], {"input": x})[0]
                           for t in cfg.trunk.split("+")], 1)
