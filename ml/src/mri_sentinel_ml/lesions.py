"""Synthetic focal lesions pasted into tumour-free brain slices (experiment, not used by the shipped models).

Issue 14: the brain_tumor head learns what the Kaggle collection's tumours look like, not "focal abnormal tissue
in a brain". This module makes the latter out of any tumour-free slice, whatever its source or contrast: an
irregular blob (an ellipse whose border is bent by smooth noise, sharp or fuzzy) of 4-30 % of the brain's width,
inside the brain foreground, brighter or darker than the tissue it replaces:

- "flair": hyperintense core with a fainter oedema halo (FLAIR / T2-like glioma);
- "ring": bright rim around a dark (necrotic) core, with or without a halo (contrast-enhanced high-grade glioma);
- "hypo": hypointense core, optionally a faint halo (T1-like);
- "extra": extra-axial, near-round homogeneous bright mass just inside the skull edge (meningioma-like).

Intra-axial kinds push the surrounding tissue outwards a little (mass effect). Works on the letterboxed grey
0..255 images of `data.image_cache` (padding 0, content box `geo` = nw, nh, x0, y0); only pixels of the brain
foreground change, and everything is drawn from the caller's numpy Generator (seeded: same seed, same lesion).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F

LesionKind = Literal["flair", "ring", "hypo", "extra"]
INTRA_AXIAL: tuple[LesionKind, ...] = ("flair", "ring", "hypo")


@dataclass(frozen=True)
class Lesion:
    image: np.ndarray  # [S,S] float32 0..255, the slice with the lesion
    mask: np.ndarray  # [S,S] float32 0..1, the lesion's footprint (core and halo)
    kind: LesionKind
    diameter: float  # the lesion's nominal diameter as a share of the brain's width


def _t(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(x, np.float32))[None, None]


def _blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur (reflect padding) of a [S,S] array."""
    r = max(1, min(int(3 * sigma + 0.5), x.shape[0] // 2 - 1))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / max(sigma, 1e-3)) ** 2)
    kt = torch.from_numpy((k / k.sum()).astype(np.float32))
    y = F.pad(_t(x), (r, r, r, r), mode="reflect")
    y = F.conv2d(F.conv2d(y, kt[None, None, None, :]), kt[None, None, :, None])
    out: np.ndarray = y[0, 0].numpy()
    return out


def _dilate(m: np.ndarray, r: int) -> np.ndarray:
    if r <= 0:
        return m.astype(bool)
    k = 2 * r + 1  # a square is separable: two 1-D max pools instead of one k x k pool (O(k), not O(k^2))
    y = F.max_pool2d(F.max_pool2d(_t(m), (k, 1), 1, (r, 0)), (1, k), 1, (0, r))
    out: np.ndarray = y[0, 0].numpy() > 0.5
    return out


def _erode(m: np.ndarray, r: int) -> np.ndarray:
    return ~_dilate(~m.astype(bool), r)


def foreground_mask(img: np.ndarray, geo: np.ndarray | tuple[int, int, int, int]) -> np.ndarray:
    """bool [S,S]: the head/brain inside the content box: above 10 % of the box's 99th percentile, closed (5 px)
    so that dark ventricles and sulci count as brain, then opened (2 px) to drop specks of background noise."""
    nw, nh, x0, y0 = (int(v) for v in geo)
    box = np.zeros(img.shape, bool)
    box[y0:y0 + nh, x0:x0 + nw] = True
    if not box.any():
        return box
    hi = float(np.percentile(img[box], 99))
    m = box & (img > 0.1 * max(hi, 1.0))
    m = _erode(_dilate(m, 5), 5)
    m = _dilate(_erode(m, 2), 2)
    return m & box


def _noise(shape: tuple[int, int], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Smooth noise of unit standard deviation at the scale sigma (pixels). Coarse scales: white noise on a grid of
    ~sigma-pixel cells, upsampled bicubically (a wide Gaussian blur costs ~10x more and looks the same here)."""
    if sigma <= 2.0:
        n = _blur(rng.standard_normal(shape).astype(np.float32), sigma)
    else:
        g = (max(3, int(np.ceil(shape[0] / sigma)) + 1), max(3, int(np.ceil(shape[1] / sigma)) + 1))
        n = F.interpolate(_t(rng.standard_normal(g).astype(np.float32)), size=shape, mode="bicubic",
                          align_corners=True)[0, 0].numpy()
    return n / max(float(n.std()), 1e-6)


def _pick(cand: np.ndarray, rng: np.random.Generator) -> tuple[int, int] | None:
    ys, xs = np.nonzero(cand)
    if len(ys) == 0:
        return None
    i = int(rng.integers(len(ys)))
    return int(ys[i]), int(xs[i])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))
    return out


def _mass_effect(img: np.ndarray, fg: np.ndarray, cy: int, cx: int, r: float, strength: float) -> np.ndarray:
    """Tissue pushed radially away from (cy, cx) by up to strength * r pixels, fading over ~2 r; only inside fg."""
    s = img.shape[0]
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)
    dy, dx = yy - cy, xx - cx
    rho = np.sqrt(dy**2 + dx**2) + 1e-3
    shift = strength * r * np.exp(-((rho / (2.0 * r)) ** 2)) * np.minimum(rho / r, 1.0)
    shift = shift * _erode(fg, 2)
    sy, sx = yy - shift * dy / rho, xx - shift * dx / rho  # sample nearer the centre: the content moves outwards
    grid = torch.from_numpy(np.stack([sx / (s - 1) * 2 - 1, sy / (s - 1) * 2 - 1], -1)[None].astype(np.float32))
    warped: np.ndarray = F.grid_sample(_t(img), grid, mode="bilinear", padding_mode="border",
                                       align_corners=True)[0, 0].numpy()
    return np.where(fg, warped, img).astype(np.float32)


def add_lesion(img: np.ndarray, geo: np.ndarray | tuple[int, int, int, int], kind: LesionKind,
               rng: np.random.Generator, size: tuple[float, float] = (0.04, 0.30)) -> Lesion | None:
    """One synthetic lesion of `kind` in the slice img [S,S] (0..255); None where the slice has too little
    foreground (< 2 % of the image) to hold one. The diameter is uniform in `size` x the brain's width."""
    img = np.asarray(img, np.float32)
    fg = foreground_mask(img, geo)
    if fg.sum() < 0.02 * img.size:
        return None
    ys, xs = np.nonzero(fg)
    width = float(max(xs.max() - xs.min(), ys.max() - ys.min()) + 1)
    diam = float(rng.uniform(size[0], size[1]))
    r = max(1.5, 0.5 * diam * width)
    if kind == "extra":  # dural-based: centre just inside the skull edge, so the mass bulges in from it
        skull = max(1, int(0.04 * width))
        cand = _erode(fg, skull + int(0.4 * r)) & ~_erode(fg, skull + int(0.9 * r) + 1)
    else:
        cand = _erode(fg, int(0.8 * r) + 2)
        if not cand.any():
            cand = _erode(fg, int(0.4 * r) + 1)
    c = _pick(cand, rng) or _pick(_erode(fg, 1), rng)
    if c is None:
        return None
    cy, cx = c
    vals = img[fg]
    q2, q98 = (float(v) for v in np.percentile(vals, [2, 98]))
    span = max(q98 - q2, 10.0)  # the least contrast a lesion gets: 0.3 of the brain's intensity range
    out = img.copy()
    if kind != "extra" and rng.random() < 0.7:
        out = _mass_effect(out, fg, cy, cx, r, float(rng.uniform(0.05, 0.35)))

    s = img.shape[0]
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float32)
    th = float(rng.uniform(0, np.pi))
    u = (xx - cx) * np.cos(th) + (yy - cy) * np.sin(th)
    v = -(xx - cx) * np.sin(th) + (yy - cy) * np.cos(th)
    ecc = float(rng.uniform(0.8, 1.0) if kind == "extra" else rng.uniform(0.55, 1.0))
    d = np.sqrt((u / r) ** 2 + (v / (r * ecc)) ** 2)  # 1 on the ellipse
    amp = float(rng.uniform(0.03, 0.1) if kind == "extra" else rng.uniform(0.15, 0.45))
    bend = amp * _noise(img.shape, max(1.0, 0.4 * r), rng)
    edge = float(rng.uniform(0.03, 0.07) if kind == "extra" else rng.uniform(0.03, 0.15))
    soft_fg = _blur(fg.astype(np.float32), 1.0) * fg
    core = _sigmoid((1.0 - d + bend) / edge) * soft_fg
    texture = 1.0 + float(rng.uniform(0.02, 0.1)) * _noise(img.shape, 1.2, rng)
    local = float(np.median(img[(core > 0.5)])) if (core > 0.5).any() else float(np.median(vals))
    opacity = float(rng.uniform(0.75, 0.95))

    def paint(base: np.ndarray, alpha: np.ndarray, target: float) -> np.ndarray:
        res: np.ndarray = base * (1 - alpha) + min(max(target, 0.0), 255.0) * texture * alpha
        return res

    halo = np.zeros_like(core)
    if kind in ("flair", "ring", "hypo"):
        p_halo = {"flair": 0.9, "ring": 0.7, "hypo": 0.4}[kind]
        if rng.random() < p_halo:
            scale = float(rng.uniform(1.3, 2.2))
            halo = _sigmoid((1.0 - d / scale + bend) / max(edge, 0.08)) * soft_fg
            bright = kind == "flair" or (kind == "ring" and rng.random() < 0.5)
            h_target = local + float(rng.uniform(0.15, 0.4)) * (q98 - local) if bright else \
                local - float(rng.uniform(0.1, 0.3)) * (local - q2)
            out = paint(out, halo * opacity * 0.8, h_target)
    if kind == "flair":
        out = paint(out, core * opacity, max(local + 0.3 * span, local + float(rng.uniform(0.45, 0.9)) * (q98 - local)))
    elif kind == "hypo":
        out = paint(out, core * opacity, min(local - 0.3 * span, local - float(rng.uniform(0.35, 0.8)) * (local - q2)))
    elif kind == "ring":
        inner = _sigmoid((1.0 - d / float(rng.uniform(0.45, 0.75)) + bend) / edge) * soft_fg
        rim = np.clip(core - inner, 0, 1)
        out = paint(out, rim * opacity, max(q98, local + 0.3 * span) * float(rng.uniform(0.95, 1.15)))
        out = paint(out, inner * opacity, q2 + float(rng.uniform(0.0, 0.3)) * (local - q2))
    else:
        if rng.random() < 0.5:  # a thin dark CSF cleft around the mass
            rim = _sigmoid((1.12 - d) / 0.04) * (1 - core) * soft_fg
            out = paint(out, rim * 0.6, q2 + 0.3 * (local - q2))
        out = paint(out, core * opacity, max(q98, local + 0.3 * span) * float(rng.uniform(0.9, 1.1)))
    out = np.where(fg, np.clip(out, 0.0, 255.0), img).astype(np.float32)
    return Lesion(out, np.maximum(core, halo).astype(np.float32), kind, diam)
