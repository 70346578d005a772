"""Linear head on frozen embeddings: class- and source-balanced weights, weighted softmax regression (LBFGS)."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def balanced_weights(y: np.ndarray, sources: np.ndarray, source_balance: float = 1.0) -> np.ndarray:
    """Per-image weights summing to 1: every class gets the same total; within a class a source of n images gets a
    share proportional to n^(1 - source_balance) (1.0: every source equal, 0.0: proportional to its size)."""
    w = np.zeros(len(y), np.float64)
    classes = np.unique(y)
    for c in classes:
        mc = y == c
        names, inv, n = np.unique(sources[mc], return_inverse=True, return_counts=True)
        share = n.astype(np.float64) ** (1.0 - source_balance)
        share = share / share.sum()
        w[mc] = share[inv] / n[inv] / len(classes)
    return w


def balanced_sample(w: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n indices drawn with replacement in proportion to w (the sampler behind a balanced epoch)."""
    g = torch.Generator().manual_seed(seed)
    return torch.multinomial(torch.from_numpy(w / w.sum()), n, replacement=True, generator=g).numpy()


def stack_views(emb: dict[str, np.ndarray], idx: np.ndarray, y: np.ndarray,
                w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clean + augmented views of the images idx as rows; an image's weight is split evenly over its views."""
    nv = emb["aug"].shape[1] + 1
    d = emb["clean"].shape[1]
    X = np.concatenate([emb["clean"][idx][:, None], emb["aug"][idx].astype(np.float32)], 1).reshape(-1, d)
    Y = np.concatenate([y[idx][:, None], emb["aug_y"][idx]], 1).reshape(-1)
    W = np.repeat(w / nv, nv)
    return X, Y, W


def fit_head(X: np.ndarray, y: np.ndarray, w: np.ndarray, n_classes: int, l2: float,
             label_smoothing: float = 0.05, iters: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Weighted multinomial logistic regression on standardised features; returns (W [C,D], b [C]) for the raw
    embedding, i.e. logits = e @ W.T + b (the network's linear classifier). Deterministic (full-batch LBFGS)."""
    Xt = torch.from_numpy(np.ascontiguousarray(X, np.float32))
    mu, sd = Xt.mean(0), Xt.std(0).clamp_min(1e-3)
    Xs = (Xt - mu) / sd
    yt, wt = torch.from_numpy(y.astype(np.int64)), torch.from_numpy((w / w.sum()).astype(np.float32))
    Wp = torch.zeros(n_classes, X.shape[1], requires_grad=True)
    bp = torch.zeros(n_classes, requires_grad=True)
    opt = torch.optim.LBFGS([Wp, bp], lr=1.0, max_iter=iters, history_size=20, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        ce = F.cross_entropy(Xs @ Wp.T + bp, yt, reduction="none", label_smoothing=label_smoothing)
        loss = (ce * wt).sum() + 0.5 * l2 * (Wp**2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        W = Wp / sd[None]
        b = bp - (W * mu[None]).sum(1)
    return W.numpy().astype(np.float32), b.numpy().astype(np.float32)


def cap_per_source(idx: np.ndarray, y: np.ndarray, sources: np.ndarray, cap: int, seed: int = 0) -> np.ndarray:
    """At most `cap` images of idx per (class, source), sorted. cap 0: idx unchanged.
    Every image of the table (len(y)) draws one seeded key and a group keeps its `cap` lowest keys, so which images a
    group keeps does not depend on the other groups, nor on which images a LOSO fold holds out or relabels elsewhere:
    one data change moves one group's pick, not every group's (a shared sequential draw resampled all of them, and the
    small held-out rows moved by several points from the resampling alone)."""
    if cap <= 0:
        return idx
    key = np.random.default_rng(seed).random(len(y))  # [N]
    keep = []
    for k in sorted(set(zip(y[idx].tolist(), sources[idx].tolist(), strict=True))):
        m = idx[(y[idx] == k[0]) & (sources[idx] == k[1])]
        keep.append(m if len(m) <= cap else m[np.argsort(key[m], kind="stable")[:cap]])
    return np.sort(np.concatenate(keep))


def fit_labelled(emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray, idx: np.ndarray, n_classes: int,
                 l2: float, source_balance: float, cap: int = 0,
                 extra: tuple[np.ndarray, int, str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """fit_head on the images idx (label >= 0, at most cap per class and source), balanced by class and source.
    extra: (embeddings [M,D], label, source name) of generated images, weighted as one more source of that label."""
    idx = cap_per_source(idx[y[idx] >= 0], y, sources, cap)
    ys, ss = y[idx], sources[idx]
    if extra is not None:
        ys = np.concatenate([ys, np.full(len(extra[0]), extra[1])])
        ss = np.concatenate([ss, np.full(len(extra[0]), extra[2])])
    w = balanced_weights(ys, ss, source_balance)
    X, Y, W = stack_views(emb, idx, y, w[:len(idx)])
    if extra is not None:
        X = np.concatenate([X, extra[0].astype(np.float32)])
        Y = np.concatenate([Y, np.full(len(extra[0]), extra[1])])
        W = np.concatenate([W, w[len(idx):]])
    keep = Y >= 0
    return fit_head(X[keep], Y[keep], W[keep], n_classes, l2)
