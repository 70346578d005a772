"""The preprocessing contract (docs/model-contract.md): PIL image -> float32 [3, S, S], step by step.

Apart from data.py (manifest, splits, image cache): the server's src/inference/preprocess.ts mirrors these steps
and the committed vectors (fixtures.py) pin them, so they stay in one small module with nothing else to read."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps


def to_rgb8(img: Image.Image) -> Image.Image:
    """Contract step 1: EXIF orientation, alpha flattened onto black, 8-bit. 'L' stays 1-channel."""
    img = ImageOps.exif_transpose(img)
    transparency = img.info.get("transparency")
    if img.mode.startswith("I;16") or img.mode == "I":
        arr = np.asarray(img, dtype=np.float64)
        hi = max(float(arr.max()), 1.0)
        grey = np.clip(arr * 255.0 / hi + 0.5, 0, 255).astype(np.uint8)
        if isinstance(transparency, int):
            # a PNG tRNS grey value: those pixels are transparent, so black like any alpha (converting
            # to RGBA instead would first clip every 16-bit value above 255 to white)
            grey[arr == transparency] = 0
        return Image.fromarray(grey, "L")
    if img.mode in ("1", "L") and transparency is None:
        return img.convert("L")
    if img.mode in ("1", "L", "LA", "PA", "RGBA", "P") or transparency is not None:
        # grey with a tRNS value is flattened like RGB or a palette with one (it used to skip it)
        rgba = np.asarray(img.convert("RGBA"), dtype=np.float64)  # [H,W,4]
        a = rgba[..., 3:4] / 255.0
        rgb = np.floor(rgba[..., :3] * a + 0.5).astype(np.uint8)  # onto black, round half up
        if img.mode in ("1", "L", "LA"):
            return Image.fromarray(rgb[..., 0], "L")
        return Image.fromarray(rgb, "RGB")
    return img.convert("RGB")


def grey_float(img: Image.Image) -> np.ndarray:
    """Contract step 2: L = (R*299 + G*587 + B*114) / 1000 in float32, no rounding. [H,W]"""
    img = to_rgb8(img)
    a = np.asarray(img, dtype=np.float32)
    if a.ndim == 2:
        return a
    return (a[..., 0] * 299 + a[..., 1] * 587 + a[..., 2] * 114) / 1000


def letterbox_geometry(w: int, h: int, size: int) -> tuple[int, int, int, int]:
    """-> (nw, nh, x0, y0). round() is half-up: floor(v + 0.5)."""
    scale = size / max(w, h)
    nw = max(1, math.floor(w * scale + 0.5))
    nh = max(1, math.floor(h * scale + 0.5))
    return nw, nh, (size - nw) // 2, (size - nh) // 2


def letterbox_grey(grey: np.ndarray, size: int) -> np.ndarray:
    """Contract step 3: [H,W] float -> [S,S] float32, PIL BILINEAR on mode 'F', pad 0."""
    h, w = grey.shape
    nw, nh, x0, y0 = letterbox_geometry(w, h, size)
    small = Image.fromarray(grey.astype(np.float32), "F").resize((nw, nh), Image.Resampling.BILINEAR)
    out = np.zeros((size, size), np.float32)
    out[y0:y0 + nh, x0:x0 + nw] = np.asarray(small, dtype=np.float32)
    return out


def border_mean(lb: np.ndarray, geo: tuple[int, int, int, int], band: float) -> float:
    """Mean of the letterboxed luma (0..255) over a ring of the pasted content box, b = max(1, round(band *
    min(nw, nh))) pixels wide: the background of an MRI slice is air (dark); a bright ring means a negative
    image, a document, a chart, a photo. round() is half-up as in letterbox_geometry."""
    nw, nh, x0, y0 = (int(v) for v in geo)
    b = max(1, math.floor(band * min(nw, nh) + 0.5))
    c = np.asarray(lb[y0:y0 + nh, x0:x0 + nw], np.float64)
    ring = np.zeros(c.shape, bool)
    ring[:b], ring[-b:], ring[:, :b], ring[:, -b:] = True, True, True, True
    return float(c[ring].mean())


def normalise(lb: np.ndarray, mean: list[float], std: list[float]) -> np.ndarray:
    """Contract step 4: [S,S] in 0..255 -> [3,S,S] float32."""
    x = lb.astype(np.float32) / np.float32(255.0)
    m = np.asarray(mean, np.float32)[:, None, None]
    s = np.asarray(std, np.float32)[:, None, None]
    return ((x[None] - m) / s).astype(np.float32)


def preprocess(pil_image: Image.Image, size: int, mean: list[float], std: list[float]) -> np.ndarray:
    """The whole contract: PIL image -> float32 [3, S, S]."""
    return normalise(letterbox_grey(grey_float(pil_image), size), mean, std)


def load_letterboxed(path: Path, size: int) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    with Image.open(path) as im:
        g = grey_float(im)
    h, w = g.shape
    return letterbox_grey(g, size), letterbox_geometry(w, h, size)
