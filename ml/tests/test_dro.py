"""Group DRO / V-REx heads (dro.py): the fixed-share case is the shipped head; the robust ones do what they claim."""

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from mri_sentinel_ml.dro import Robust, fit_robust, group_losses
from mri_sentinel_ml.head import fit_head


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two classes; class 1 has a big easy group and a small group that sits near class 0 (a hard source)."""
    rng = np.random.default_rng(0)
    a = rng.normal(0, 1, (300, 8)) + np.r_[2.0, 0, 0, 0, 0, 0, 0, 0]  # class 0
    b = rng.normal(0, 1, (300, 8)) + np.r_[-2.0, 0, 0, 0, 0, 0, 0, 0]  # class 1, easy
    c = rng.normal(0, 1, (30, 8)) + np.r_[1.0, 1.5, 0, 0, 0, 0, 0, 0]  # class 1, hard, small
    X = np.concatenate([a, b, c]).astype(np.float32)
    return X, np.r_[np.zeros(300), np.ones(330)].astype(np.int64), np.r_[np.zeros(300), np.ones(300), np.full(30, 2)]


def _losses(X: np.ndarray, y: np.ndarray, g: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    gt = torch.from_numpy(g.astype(np.int64))
    lg = group_losses(torch.from_numpy(X @ W.T + b), torch.from_numpy(y), gt,
                      torch.bincount(gt).to(torch.float32), 0.0)
    out: np.ndarray = lg.numpy()
    return out


def test_fixed_shares_are_the_shipped_head() -> None:
    X, y, g = _data()
    q0 = np.array([0.5, 0.25, 0.25])
    W, b = fit_robust(X, y, g, q0, 2, 1e-3, Robust("shipped"))
    n = np.bincount(g.astype(np.int64))
    W2, b2 = fit_head(X, y, q0[g.astype(np.int64)] / n[g.astype(np.int64)], 2, 1e-3)
    assert np.allclose(W, W2, atol=1e-4) and np.allclose(b, b2, atol=1e-4)


def test_group_dro_lowers_the_worst_group_loss() -> None:
    X, y, g = _data()
    q0 = np.array([0.5, 0.45, 0.05])  # the hard group's fixed share is small
    base = _losses(X, y, g, *fit_robust(X, y, g, q0, 2, 1e-2, Robust("shipped")))
    dro = _losses(X, y, g, *fit_robust(X, y, g, q0, 2, 1e-2, Robust("gdro", eta=1.0)))
    assert base.argmax() == 2
    assert dro.max() < base.max() - 0.05


@pytest.mark.parametrize("beta", [1.0, 10.0])
def test_vrex_lowers_the_spread_of_group_losses(beta: float) -> None:
    X, y, g = _data()
    q0 = np.array([0.5, 0.45, 0.05])
    base = _losses(X, y, g, *fit_robust(X, y, g, q0, 2, 1e-2, Robust("shipped")))
    rex = _losses(X, y, g, *fit_robust(X, y, g, q0, 2, 1e-2, Robust("vrex", vrex=beta)))
    assert np.average((rex - np.average(rex, weights=q0)) ** 2, weights=q0) < \
        np.average((base - np.average(base, weights=q0)) ** 2, weights=q0)


def test_warm_start_from_the_fixed_share_fit_lands_where_a_cold_start_does() -> None:
    X, y, g = _data()
    q0 = np.array([0.5, 0.45, 0.05])
    start = fit_robust(X, y, g, q0, 2, 1e-2, Robust("shipped"))
    r = Robust("gdro", eta=1.0, size_c=1.0)
    warm = _losses(X, y, g, *fit_robust(X, y, g, q0, 2, 1e-2, r, start=start))
    cold = _losses(X, y, g, *fit_robust(X, y, g, q0, 2, 1e-2, r))
    assert np.allclose(warm, cold, atol=1e-3)


def test_cached_gates_of_another_split_are_not_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """runs/<name>/loso_dro_gates.npz ("kept for a rerun") was reused whatever the folds' train/val sides: after
    `split` moved images between train and val (the held-out families, and so every length, unchanged) loso-dro
    and loso-da scored each fold with the old split's OOD thresholds, silently."""
    from mri_sentinel_ml import data, dro, train
    from mri_sentinel_ml.config import CONFIGS

    rng = np.random.default_rng(0)
    labels = CONFIGS["brain_tumor"]().labels
    src = np.repeat(["s1", "s2", "s3"], 120)
    lab = np.tile(np.repeat(labels, 30), 3)
    y = np.array([labels.index(lb) for lb in lab])
    emb = rng.normal(0, 1, (len(y), 40)).astype(np.float32) + 3 * np.eye(40, dtype=np.float32)[y]
    far = np.arange(len(y)) % 30 >= 25  # 5 per (source, class): far from everything
    emb[far] *= 4
    first = np.where(np.arange(len(y)) % 30 < 5, "val", np.where(np.arange(len(y)) % 30 < 25, "train", "test"))
    second = np.where(far, "val", np.where(np.arange(len(y)) % 30 < 5, "test", "train"))
    monkeypatch.setattr(data, "RUNS_DIR", tmp_path)

    def summary(splits: np.ndarray) -> object:
        tab = data.SplitTable([f"{i}.png" for i in range(len(y))], list(src), [f"g{i}" for i in range(len(y))],
                              list(lab), list(splits), [""] * len(y))
        e = {"clean": emb, "aug": np.zeros((len(y), 0, 40), np.float16), "aug_y": np.zeros((len(y), 0), np.int64)}
        monkeypatch.setattr(train, "load_embeddings", lambda cfg: (tab, e, y))
        dro.cli("brain_tumor", 1337, ["shipped"])
        rows = json.loads((tmp_path / "brain_tumor" / "loso_dro_shipped.json").read_text())
        return [r["table"] for r in rows]

    summary(first)
    after_resplit = summary(second)  # gates file of the first split on disk
    (tmp_path / "brain_tumor" / "loso_dro_gates.npz").unlink()
    assert after_resplit == summary(second)
