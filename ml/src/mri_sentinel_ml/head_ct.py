"""The head-CT gate (docs/model-contract.md, "Head-CT gate"): a binary read-out of the triage embedding, head CT
against every MRI, beside the 5-class head.

Why a second read-out of the same embedding: in the 5-class head, head CT is one of many kinds of `not_mri` (photos,
charts, X-rays, other CT ...) that share one logit, so the class is fitted to all of them at once and an unseen
head-CT collection could still come out as brain (LOSO: 2 of 36 bhsd slices). A read-out trained on head CT against
MRI alone draws the one line that matters for the hidden set's worst failure (95 % of its head CTs completed as
brain MRI). Its threshold is the highest margin of any validation-split MRI of the sources it was fitted on, so it
refuses no MRI it could measure; LOSO then shows what it refuses of sources it never saw.
"""

from __future__ import annotations

import numpy as np

from . import data
from .config import ModelConfig
from .evaluate import head_ct_margin
from .head import balanced_weights, cap_per_source, fit_head
from .loso import Fold
from .records import HeadCtGate


def head_ct_mask(tab: data.SplitTable) -> np.ndarray:
    """[N] True for the head-CT images: the head-CT collections and the curated CT slices of the brain set."""
    cur = data.curated_not_mri()
    return np.array([s.startswith("ct_head") or p in cur for s, p in zip(tab.sources, tab.paths, strict=True)])


def fit_probe(cfg: ModelConfig, emb: np.ndarray, y: np.ndarray, sources: np.ndarray, is_ct: np.ndarray,
              train: np.ndarray) -> tuple[np.ndarray, float]:
    """(w [D], b): margin = emb @ w + b, head CT vs MRI, on the training images `train` (bool [N]); the same head
    recipe as triage (cap per source, sources equal within a class, L2)."""
    is_mri = y != cfg.labels.index("not_mri")
    idx = cap_per_source(np.flatnonzero(train & (is_ct | is_mri) & (y >= 0)), y, sources, cfg.cap_per_source)
    yb = is_ct[idx].astype(np.int64)
    W, b = fit_head(emb[idx], yb, balanced_weights(yb, sources[idx], cfg.source_balance), 2, cfg.head_l2)
    return (W[1] - W[0]).astype(np.float32), float(b[1] - b[0])


def threshold(margin: np.ndarray, is_mri: np.ndarray, val: np.ndarray) -> float:
    """The highest margin of any validation MRI: the gate refuses none of them."""
    return float(margin[val & is_mri].max())


def loso_fired(cfg: ModelConfig, emb: np.ndarray, y: np.ndarray, sources: np.ndarray, is_ct: np.ndarray,
               folds: list[Fold]) -> np.ndarray:
    """[N] whether each image's own fold's gate (fitted without its family) refuses it."""
    is_mri = y != cfg.labels.index("not_mri")
    fired = np.zeros(len(y), bool)
    for f in folds:
        w, b = fit_probe(cfg, emb, y, sources, is_ct, f.train)
        m = head_ct_margin(emb, w, b)
        fired[f.held] = m[f.held] > threshold(m, is_mri, f.val)
    return fired


def head_ct_gate(cfg: ModelConfig, emb: np.ndarray, y: np.ndarray, sources: np.ndarray, is_ct: np.ndarray,
                 split: np.ndarray) -> HeadCtGate:
    """The gate's card entry: fitted on the train split, threshold from the val split, rates on train + val."""
    w, b = fit_probe(cfg, emb, y, sources, is_ct, split == "train")
    m = head_ct_margin(emb, w, b)
    is_mri = (y != cfg.labels.index("not_mri")) & (y >= 0)
    thr = threshold(m, is_mri, split == "val")
    fit, fired = split != "test", m > thr
    other = fit & ~is_mri & ~is_ct
    return {"method": "linear_probe", "weights": [float(v) for v in w], "bias": b, "threshold": thr,
            "fitted_on": "train (head CT against every MRI, the triage head's recipe); threshold: the highest margin "
                         "of any val-split MRI",
            "train_val_mri_refused": float(fired[fit & is_mri].mean()),
            "train_val_head_ct_refused": float(fired[fit & is_ct].mean()),
            "train_val_other_not_mri_refused": float(fired[other].mean()) if other.any() else None}
