"""The colour gate (docs/model-contract.md, "Colour gate"): an MR magnitude slice is one grey channel, so an upload
whose centre holds strongly coloured pixels is a photo, a micrograph, a chart or a colour overlay, not an MRI slice.

Measured on the decoded 8-bit pixels (to_rgb8: EXIF orientation, alpha onto black), before the grey conversion that
loses the colour. The centre leaves out floor(margin * w) columns and floor(margin * h) rows on each side, so a
coloured banner or viewer toolbar along an edge does not count (one nickparvar slice carries a Medscape banner on
4.3 % of its pixels; none of the manifest's 12,889 MRIs has a single such pixel in its centre).
"""

from __future__ import annotations

import hashlib
import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image

from . import data
from .records import ColourGate

COLOUR_MARGIN = 0.1
COLOUR_MIN_CHROMA = 32  # max(R,G,B) - min(R,G,B) above this is "strongly coloured" (JPEG chroma noise stays < 10)
COLOUR_MAX_SHARE = 0.02  # share of the centre's pixels; above it the gate refuses


def colour_share(img: Image.Image, margin: float = COLOUR_MARGIN, min_chroma: int = COLOUR_MIN_CHROMA) -> float:
    """Share of the centre's pixels with max(R,G,B) - min(R,G,B) > min_chroma; 0 for a grey image."""
    a = np.asarray(data.to_rgb8(img))
    if a.ndim == 2:
        return 0.0
    h, w = a.shape[:2]
    mx, my = math.floor(margin * w), math.floor(margin * h)
    c = a[my:h - my, mx:w - mx].astype(np.int16)  # [h', w', 3]
    return float(((c.max(2) - c.min(2)) > min_chroma).mean())


def _share_of(path: str) -> float:
    try:
        with Image.open(data.DATA_DIR / path) as im:
            return colour_share(im)
    except OSError as e:
        raise data.DataError(f"cannot read {path} (listed in MANIFEST.csv, under {data.DATA_DIR}): {e}") from None


def colour_shares(paths: list[str], workers: int = 2) -> np.ndarray:
    """colour_share of every image (manifest-relative paths), cached on disk like the image cache."""
    key = hashlib.sha1(("\n".join(paths) + f"|{COLOUR_MARGIN}|{COLOUR_MIN_CHROMA}").encode()).hexdigest()[:12]
    f = data.CACHE_DIR / f"colour_{key}.npy"
    if f.exists():
        cached: np.ndarray = np.load(f)
        return cached
    data.check_images(paths)
    data.CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(workers) as ex:
        out = np.array(list(ex.map(_share_of, paths, chunksize=64)), np.float64)
    data.save_npy(f, out)
    return out


def colour_gate(share: np.ndarray, is_mri: np.ndarray, split: np.ndarray) -> ColourGate:
    """The gate's card entry, with its refusal rates on train + val (test is left to evaluate)."""
    fit = split != "test"
    coloured = share > COLOUR_MAX_SHARE
    return {"method": "centre_chroma_share", "margin": COLOUR_MARGIN, "min_chroma": COLOUR_MIN_CHROMA,
            "max_share": COLOUR_MAX_SHARE,
            "train_val_mri_refused": float(coloured[fit & is_mri].mean()),
            "train_val_not_mri_refused": float(coloured[fit & ~is_mri].mean()) if (fit & ~is_mri).any() else None}
