"""The evaluation plots in models/<name>/plots/ (matplotlib, headless)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from . import files  # noqa: E402
from .metrics import reliability, roc_curve  # noqa: E402
from .records import JsonObject  # noqa: E402


def _save(fig: Figure, path: Path) -> None:
    fig.tight_layout()
    try:
        files.save_atomic(path, lambda f: fig.savefig(f, dpi=90, format=path.suffix[1:]))
    finally:
        plt.close(fig)


def plot_confusion(cm: np.ndarray, labels: list[str], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.2 * len(labels) + 1.5))
    ax.imshow(cm / np.maximum(cm.sum(1, keepdims=True), 1), cmap="Blues", vmin=0, vmax=1)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix (test)")
    _save(fig, path)


def plot_pr(prec: np.ndarray, rec: np.ndarray, labels: list[str], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    x = np.arange(len(labels))
    ax.bar(x - 0.2, prec, 0.4, label="precision")
    ax.bar(x + 0.2, rec, 0.4, label="recall")
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylim(min(0.8, float(min(prec.min(), rec.min())) - 0.02), 1.0)
    ax.legend()
    ax.set_title("Per-class precision / recall (test)")
    _save(fig, path)


def plot_roc(p: np.ndarray, y: np.ndarray, labels: list[str], aucs: dict[str, float], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 4.5))
    for i, lb in enumerate(labels):
        f, t = roc_curve(p[:, i], y == i)
        ax.plot(f, t, label=f"{lb} (AUC {aucs[lb]:.4f})")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(fontsize=8)
    ax.set_title("One-vs-rest ROC (test)")
    _save(fig, path)


def plot_reliability(p0: np.ndarray, p: np.ndarray, y: np.ndarray, m: JsonObject, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 4.5))
    for pp, name, e in ((p0, "before", m["ece_before"]), (p, f"after (T={m['temperature']:.3f})", m["ece_after"])):
        c, a, _ = reliability(pp, y)
        ax.plot(c, a, "o-", label=f"{name}: ECE {100 * e:.2f}%")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set_xlabel("confidence")
    ax.set_ylabel("accuracy")
    ax.legend()
    ax.set_title("Reliability (test), temperature scaling")
    _save(fig, path)


def plot_risk_coverage(cov: np.ndarray, err: np.ndarray, m: JsonObject, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(cov, 100 * err)
    c, e = m["coverage_at_threshold"], m["error_among_answered_at_threshold"]
    if e is not None:
        ax.plot([c], [100 * e], "ro", label=f"threshold {m['confidence_threshold']:.2f}: "
                                          f"coverage {100 * c:.1f}%, error {100 * e:.2f}%")
        ax.legend()
    ax.set_xlabel("coverage (fraction answered)")
    ax.set_ylabel("error among answered (%)")
    ax.set_title("Risk-coverage (test, calibrated confidence)")
    _save(fig, path)


def plot_history(history: list[JsonObject], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([h["step"] for h in history], [100 * h["val_acc"] for h in history], "o-", label="val accuracy")
    ax.set_xlabel("step")
    ax.set_ylabel("validation accuracy (%)")
    ax2 = ax.twinx()
    ax2.plot([h["step"] for h in history], [h["train_loss"] for h in history], "r--", label="train loss")
    ax2.set_ylabel("train loss")
    ax.set_title("Training")
    _save(fig, path)


