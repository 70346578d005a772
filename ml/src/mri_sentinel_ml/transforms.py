"""Batch augmentations on letterboxed grey images, in torch.

Input x: [B,1,S,S] float in 0..255 (the contract's letterboxed luma), geo: [B,4] (nw,nh,x0,y0)
content box. Photometric changes touch only the content (padding stays 0, as at inference), then
one random affine warp (rotation, zoom in = crop, zoom out = wider letterbox, aspect, shift, flips),
then noise / blur.
"""

from __future__ import annotations

import io
import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .config import AugConfig


def _u(n: int, lo: float, hi: float, g: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g)


def _p(n: int, p: float, g: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=g) < p


def content_mask(geo: torch.Tensor, size: int) -> torch.Tensor:
    """[B,4] -> [B,1,S,S] 1 inside the pasted image."""
    ar = torch.arange(size)
    nw, nh, x0, y0 = (geo[:, i, None] for i in range(4))
    mx = (ar[None] >= x0) & (ar[None] < x0 + nw)  # [B,S]
    my = (ar[None] >= y0) & (ar[None] < y0 + nh)
    return (my[:, :, None] & mx[:, None, :]).float()[:, None]


def invert_content(x: torch.Tensor, geo: torch.Tensor, sel: torch.Tensor) -> torch.Tensor:
    """[B,1,S,S] 0..255: 255 - x inside the content box where sel [B] is set; padding stays 0 as at inference."""
    inv = (255.0 - x) * content_mask(geo, x.shape[-1])
    return torch.where(sel[:, None, None, None], inv, x)


def augment(x: torch.Tensor, geo: torch.Tensor, cfg: AugConfig, g: torch.Generator,
            invertible: torch.Tensor | None = None) -> torch.Tensor:
    """invertible: [B] bool, which images may be inverted (default all)."""
    B, _, S, _ = x.shape
    m = content_mask(geo, S)  # [B,1,S,S]
    v = (x / 255.0).clamp(0, 1)
    # --- photometric, content only
    gam = torch.exp(_u(B, math.log(cfg.gamma[0]), math.log(cfg.gamma[1]), g))[:, None, None, None]
    v = v.clamp_min(1e-6) ** gam
    c = _u(B, *cfg.contrast, g)[:, None, None, None]
    b = _u(B, -cfg.brightness, cfg.brightness, g)[:, None, None, None]
    v = ((v - 0.5) * c + 0.5 + b).clamp(0, 1)
    if cfg.equalize > 0:
        sel = _p(B, cfg.equalize, g)[:, None, None, None]
        lo = _u(B, 0.0, 0.3, g)[:, None, None, None]
        hi = _u(B, 0.55, 1.0, g)[:, None, None, None]
        v = torch.where(sel, ((v - lo) / (hi - lo)).clamp(0, 1), v)
    if cfg.window > 0:
        v = window(v, _p(B, cfg.window, g), g)
    if cfg.bias > 0:
        v = bias_field(v, _p(B, cfg.bias, g), g)
    if cfg.invert > 0:
        sel = _p(B, cfg.invert, g)
        if invertible is not None:
            sel = sel & invertible
        v = torch.where(sel[:, None, None, None], 1.0 - v, v)
    v = v * m
    if cfg.border > 0:  # synthetic frame or bars inside the content (images that carry their own borders)
        sel = _p(B, cfg.border, g)
        for i in torch.nonzero(sel).flatten().tolist():
            nw, nh, x0, y0 = (int(t) for t in geo[i])
            t = max(1, int(min(nw, nh) * float(_u(1, 0.03, 0.15, g))))
            binary = float(_u(1, 0, 1, g)) < 0.7  # black/white bars, else grey
            val = float(torch.randint(0, 2, (1,), generator=g)) if binary else float(_u(1, 0, 1, g))
            if float(_u(1, 0, 1, g)) < 0.5:  # bars top/bottom
                v[i, :, y0:y0 + t, x0:x0 + nw] = val
                v[i, :, y0 + nh - t:y0 + nh, x0:x0 + nw] = val
            else:  # frame
                v[i, :, y0:y0 + nh, x0:x0 + nw] = F.pad(v[i, :, y0 + t:y0 + nh - t, x0 + t:x0 + nw - t],
                                                        (t, t, t, t), value=val)
    # --- geometric: one affine warp (output -> input sampling grid)
    ang = _u(B, -cfg.rotate_deg, cfg.rotate_deg, g) * math.pi / 180
    sc = torch.exp(_u(B, math.log(cfg.scale[0]), math.log(cfg.scale[1]), g))
    asp = torch.exp(_u(B, math.log(cfg.aspect[0]), math.log(cfg.aspect[1]), g)).sqrt()
    sx, sy = 1 / (sc * asp), asp / sc
    fx = torch.where(_p(B, cfg.hflip, g), -1.0, 1.0)
    fy = torch.where(_p(B, cfg.vflip, g), -1.0, 1.0)
    tx, ty = _u(B, -cfg.translate, cfg.translate, g) * 2, _u(B, -cfg.translate, cfg.translate, g) * 2
    cos, sin = torch.cos(ang), torch.sin(ang)
    theta = torch.stack([
        torch.stack([cos * sx * fx, -sin * sy, tx], 1),
        torch.stack([sin * sx * fx, cos * sy * fy, ty], 1),
    ], 1)  # [B,2,3]
    grid = F.affine_grid(theta, [B, 1, S, S], align_corners=False)
    v = F.grid_sample(v, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    m = F.grid_sample(m, grid, mode="nearest", padding_mode="zeros", align_corners=False)
    if cfg.res_drop > 0:
        v = resolution_drop(v, _p(B, cfg.res_drop, g), g) * m
    # --- blur, noise (inside content)
    if cfg.blur > 0:
        sel = _p(B, cfg.blur, g)[:, None, None, None]
        k = 5
        sig = float(_u(1, 0.6, 1.8, g))
        ax = torch.arange(k) - k // 2
        w1 = torch.exp(-(ax**2) / (2 * sig**2))
        w1 = w1 / w1.sum()
        vb = F.conv2d(F.pad(v, (2, 2, 2, 2), mode="replicate"), (w1[:, None] * w1[None, :])[None, None])
        v = torch.where(sel, vb, v)
    if cfg.noise > 0:
        sel = _p(B, cfg.noise, g)[:, None, None, None]
        sd = _u(B, 0.01, 0.06, g)[:, None, None, None]
        v = torch.where(sel, v + sd * torch.randn(v.shape, generator=g) * m, v)
    v = v.clamp(0, 1) * m
    if cfg.jpeg > 0:
        v = jpeg(v, _p(B, cfg.jpeg, g), g) * m
    return v * 255.0


def window(v: torch.Tensor, sel: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """[B,1,S,S] 0..1: a display window (level 0.25-0.75, width 0.4-1.2) clipped to 0..1, where sel [B]."""
    B = v.shape[0]
    lvl = _u(B, 0.25, 0.75, g)[:, None, None, None]
    wid = _u(B, 0.4, 1.2, g)[:, None, None, None]
    w = ((v - (lvl - wid / 2)) / wid).clamp(0, 1)
    return torch.where(sel[:, None, None, None], w, v)


def bias_field(v: torch.Tensor, sel: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Smooth multiplicative field (coil inhomogeneity): a random 3x3 grid of gains 0.6-1.4, bicubic-upsampled."""
    B, _, S, _ = v.shape
    coarse = _u(B * 9, 0.6, 1.4, g).reshape(B, 1, 3, 3)
    field = F.interpolate(coarse, size=(S, S), mode="bicubic", align_corners=True).clamp(0.5, 1.5)
    return torch.where(sel[:, None, None, None], (v * field).clamp(0, 1), v)


def resolution_drop(v: torch.Tensor, sel: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Downsample by 1.5-4x (area) and back (bilinear): low matrix sizes, thumbnails. Same shape."""
    S = v.shape[-1]
    out = v.clone()
    for i in torch.nonzero(sel).flatten().tolist():
        s = max(8, int(S / float(_u(1, 1.5, 4.0, g))))
        small = F.interpolate(v[i:i + 1], size=(s, s), mode="area")
        out[i:i + 1] = F.interpolate(small, size=(S, S), mode="bilinear", align_corners=False)
    return out


def jpeg(v: torch.Tensor, sel: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """JPEG round trip at quality 20-90 (PIL, greyscale), where sel [B]. 0..1 in and out."""
    out = v.clone()
    for i in torch.nonzero(sel).flatten().tolist():
        q = int(torch.randint(20, 91, (1,), generator=g))
        a = np.clip(np.floor(v[i, 0].numpy() * 255.0 + 0.5), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(a, "L").save(buf, format="JPEG", quality=q)
        with Image.open(buf) as im:
            out[i, 0] = torch.from_numpy(np.asarray(im, np.float32) / 255.0)
    return out


def to_input(x255: torch.Tensor, mean: tuple[float, ...], std: tuple[float, ...]) -> torch.Tensor:
    """[B,1,S,S] 0..255 -> normalised [B,3,S,S] (contract step 4)."""
    x = x255 / 255.0
    m = torch.tensor(mean, dtype=x.dtype)[None, :, None, None]
    s = torch.tensor(std, dtype=x.dtype)[None, :, None, None]
    return (x.expand(-1, 3, -1, -1) - m) / s
