"""Frozen-trunk embeddings (v3, v4): the trunks stay frozen, only the linear head learns.

Why: with the trunk frozen, the 1280-d embedding of an image never depends on which sources were trained on, so
leave-one-source-out (LOSO) can refit the head, the temperature and the gates per fold from one cache in seconds
and measure exactly the recipe that is shipped. The v2 models fine-tuned blocks 5/11-15 on one collection per
class and learnt the collections (issue 14); LOSO showed which recipe holds on unseen sources (ml/README.md).

The trunk runs in ONNX Runtime (one thread, ~3x faster than eager PyTorch here) from the same graph the server
runs, so cached clean embeddings equal the served model's embedding output.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from tqdm import tqdm

from . import data
from .config import ModelConfig
from .networks import build_net, round_fp16
from .transforms import augment, invert_content, to_input

if TYPE_CHECKING:  # onnxruntime is imported where sessions are made (export.py)
    import onnxruntime as ort

EMB_DIM = 1280


def trunk_onnx(size: int, trunk: str = "imagenet", name: str = "") -> Path:
    """The frozen network (any head) at `size`; only its `embedding` output is used. trunk "v2": the v2 model."""
    from .export import export_onnx

    if trunk == "v2":
        from .v2 import frozen_trunk_onnx

        return frozen_trunk_onnx(name, size)
    f = data.CACHE_DIR / f"trunk_lite0_{size}_w16.onnx"  # weights rounded to float16 values, as v4 serves them
    if not f.exists():
        data.CACHE_DIR.mkdir(parents=True, exist_ok=True)
        net = build_net(2, pretrained=True)
        net.load_state_dict(round_fp16(net.state_dict()))
        export_onnx(net, size, f)
    return f


def _embed(sess: ort.InferenceSession, x255: torch.Tensor, cfg: ModelConfig) -> np.ndarray:
    x = to_input(x255, cfg.mean, cfg.std).numpy().astype(np.float32)
    emb: np.ndarray = sess.run(["embedding"], {"input": x})[0]
    return emb


def embedding_cache(cfg: ModelConfig, tab: data.SplitTable, imgs: np.ndarray, geos: np.ndarray,
                    bs: int = 8) -> dict[str, np.ndarray]:
    """-> clean [N,D] float32 (view 0, the contract input), aug [N,V-1,D] float16, aug_y [N,V-1] label index
    (the image's, or `relabel_inverted_as` for an inverted view). Every image gets augmented views (LOSO trains on
    any of them). Cached on disk, keyed by paths, labels, size, views, augmentation, seed and the trunk's file."""
    from .export import session

    if "+" in cfg.trunk:  # several frozen trunks side by side (networks.DualNet): their embeddings concatenated
        parts = [embedding_cache(replace(cfg, trunk=t), tab, imgs, geos, bs) for t in cfg.trunk.split("+")]
        return {"clean": np.concatenate([p["clean"] for p in parts], 1), "aug": np.concatenate([p["aug"] for p in parts], 2),
                "aug_y": parts[0]["aug_y"], "seconds": np.array(sum(float(p["seconds"]) for p in parts))}
    trunk_file = trunk_onnx(cfg.size, cfg.trunk, cfg.name)
    key = json.dumps([tab.paths, tab.labels, cfg.size, cfg.views, asdict(cfg.aug), cfg.seed, cfg.mean, cfg.std]
                     + [cfg.trunk, trunk_file.name])
    f = data.CACHE_DIR / f"emb_{cfg.name}_{hashlib.sha1(key.encode()).hexdigest()[:12]}.npz"
    if f.exists():
        with np.load(f) as z:
            return {k: z[k] for k in z.files}
    t0 = time.time()
    sess = session(trunk_file, 1)
    n, nv = len(tab.paths), cfg.views - 1
    g = torch.Generator().manual_seed(cfg.seed + 1)
    y = np.array([cfg.labels.index(lb) if lb in cfg.labels else -1 for lb in tab.labels])
    clean = np.zeros((n, EMB_DIM), np.float32)
    aug = np.zeros((n, nv, EMB_DIM), np.float16)
    aug_y = np.repeat(y[:, None], nv, 1)
    inv_ok = torch.tensor([not cfg.aug.invert_labels or lb in cfg.aug.invert_labels for lb in tab.labels])
    relabel = cfg.labels.index(cfg.aug.relabel_inverted_as) if cfg.aug.relabel_inverted else -1
    for i in tqdm(range(0, n, bs), desc=f"{cfg.name} embeddings x{cfg.views} ({cfg.trunk})"):
        j = np.arange(i, min(i + bs, n))
        x = torch.from_numpy(np.asarray(imgs[j], np.float32))[:, None]
        geo = torch.from_numpy(np.asarray(geos[j]))
        clean[j] = _embed(sess, x, cfg)
        for v in range(nv):
            xv = x
            if relabel >= 0:  # inverted MRI (padding kept 0 as at inference): not a valid upload
                flip = ~inv_ok[j] & (torch.rand(len(j), generator=g) < cfg.aug.relabel_inverted)
                xv = invert_content(x, geo, flip)
                aug_y[j[flip.numpy()], v] = relabel
            aug[j, v] = _embed(sess, augment(xv, geo, cfg.aug, g, inv_ok[j]), cfg).astype(np.float16)
    out: dict[str, np.ndarray] = {"clean": clean, "aug": aug, "aug_y": aug_y, "seconds": np.array(time.time() - t0)}
    # numpy's stub types **kwds beside `allow_pickle: bool`, so a str-keyed dict of arrays cannot match; none is so named
    data.save_atomic(f, lambda fh: np.savez(fh, **out))  # type: ignore[arg-type]
    return out
