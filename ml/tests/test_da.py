"""Source alignment (da.py): removing source directions keeps the class direction; DANN composes to a linear head."""

import numpy as np
import torch

from mri_sentinel_ml.da import Align, fit_dann, removal, reverse_gradient, source_directions
from mri_sentinel_ml.head import balanced_weights, fit_head


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two classes apart along axis 0; within each class three sources whose means differ along axes 1 and 2."""
    rng = np.random.default_rng(0)
    X, y, s = [], [], []
    shift = {0: (0.0, 0.0), 1: (3.0, 0.0), 2: (0.0, 3.0)}
    for c in (0, 1):
        for src, (a, b) in shift.items():
            x = rng.normal(0, 1, (200, 12))
            x[:, 0] += 3.0 if c else -3.0
            x[:, 1] += a if c else -a
            x[:, 2] += b
            X.append(x)
            y += [c] * 200
            s += [f"s{src}"] * 200
    return np.concatenate(X).astype(np.float32), np.array(y), np.array(s)


def _probe(Z: np.ndarray, y: np.ndarray, s: np.ndarray) -> float:
    """Accuracy of a linear probe telling the sources apart within class 0 (chance 1/3), fitted on half the rows."""
    m = np.flatnonzero(y == 0)
    si = np.searchsorted(np.unique(s), s[m])
    tr, te = m[::2], m[1::2]
    W, b = fit_head(Z[tr], si[::2], balanced_weights(si[::2], si[::2]), 3, 1e-3)
    return float(((Z[te] @ W.T + b).argmax(1) == si[1::2]).mean())


def test_removal_takes_out_source_directions_and_keeps_the_class_one() -> None:
    X, y, s = _data()
    mu, sd = X.mean(0), X.std(0)
    U = source_directions((X - mu) / sd, y, s, 2)
    assert U.shape == (12, 2)  # the top two of the deviations
    assert np.allclose(U.T @ U, np.eye(2), atol=1e-5)
    assert np.abs(U[0]).max() < 0.1  # the class axis is not among them
    Z = removal(mu, sd, U, X)
    assert Z.shape == X.shape and Z.dtype == np.float32
    W, b = fit_head(Z, y, balanced_weights(y, s), 2, 1e-3)
    assert ((Z @ W.T + b).argmax(1) == y).mean() > 0.97  # the classes stay apart
    assert _probe(X, y, s) > 0.8 and _probe(Z, y, s) < 0.5  # the sources no longer do


def test_one_source_per_class_gives_no_direction() -> None:
    X, y, s = _data()
    assert source_directions(X, y, np.where(y == 0, "a", "b"), 8).shape == (12, 0)


def test_reverse_gradient_flips_the_gradient_only() -> None:
    x = torch.ones(3, requires_grad=True)
    out = reverse_gradient(x, 0.5)
    out.sum().backward()
    assert torch.allclose(out, torch.ones(3)) and x.grad is not None and torch.allclose(x.grad, torch.full((3,), -0.5))


def test_dann_composes_to_one_linear_head_that_separates_the_classes() -> None:
    X, y, s = _data()
    W, b, P = fit_dann(X, y, s, balanced_weights(y, s), 2, Align("dann 1", dann=1.0, dim=4, steps=600, batch=256))
    assert W.shape == (2, 12) and b.shape == (2,) and P.shape == (12, 4)
    assert ((X @ W.T + b).argmax(1) == y).mean() > 0.95
