"""Classification metrics on probability arrays: confusion, ROC AUC, ECE, reliability, risk–coverage, NLL."""

from __future__ import annotations

import numpy as np


def confusion(y: np.ndarray, pred: np.ndarray, c: int) -> np.ndarray:
    m = np.zeros((c, c), np.int64)
    np.add.at(m, (y, pred), 1)
    return m


def auc(score: np.ndarray, pos: np.ndarray) -> float:
    """Rank-based ROC AUC (Mann-Whitney U, ties averaged)."""
    pos = pos.astype(bool)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    ranks = np.empty(len(s))
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    r = np.empty(len(s))
    r[order] = ranks
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def roc_curve(score: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    o = np.argsort(-score)
    p = pos[o].astype(float)
    tpr = np.concatenate([[0], np.cumsum(p) / max(p.sum(), 1)])
    fpr = np.concatenate([[0], np.cumsum(1 - p) / max((1 - p).sum(), 1)])
    return fpr, tpr


def ece(prob: np.ndarray, y: np.ndarray, bins: int = 15) -> float:
    conf, pred = prob.max(1), prob.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    e = 0.0
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi)
        if m.any():
            e += m.mean() * abs(conf[m].mean() - (pred[m] == y[m]).mean())
    return float(e)


def reliability(prob: np.ndarray, y: np.ndarray, bins: int = 15) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    conf, pred = prob.max(1), prob.argmax(1)
    edges = np.linspace(0, 1, bins + 1)
    c, a, n = [], [], []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (conf > lo) & (conf <= hi)
        c.append(conf[m].mean() if m.any() else np.nan)
        a.append((pred[m] == y[m]).mean() if m.any() else np.nan)
        n.append(m.sum())
    return np.array(c), np.array(a), np.array(n)


def risk_coverage(conf: np.ndarray, correct: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    o = np.argsort(-conf)
    err = np.cumsum(1 - correct[o]) / np.arange(1, len(o) + 1)
    cov = np.arange(1, len(o) + 1) / len(o)
    return cov, err


def nll(prob: np.ndarray, y: np.ndarray) -> float:
    return float(-np.log(np.clip(prob[np.arange(len(y)), y], 1e-12, 1)).mean())


# ----------------------------------------------------------------------------- decision rules
