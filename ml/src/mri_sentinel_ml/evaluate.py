"""Test-split metrics, the server's decision rule, plots and report.md."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .calibrate import ood_score, softmax  # noqa: E402

# ----------------------------------------------------------------------------- metrics


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

TRIAGE_OUTCOMES = ["brain", "knee", "spine", "rejected:NOT_MRI", "rejected:modality_LOW_CONFIDENCE",
                   "rejected:UNSUPPORTED_BODY_PART", "rejected:anatomy_LOW_CONFIDENCE"]


def triage_decision(p: np.ndarray, is_ood: np.ndarray, thr: float, labels: list[str],
                    bright: np.ndarray | None = None) -> list[str]:
    """The contract's triage rule, per image (bright: a gate before the model fired: background or colour)."""
    nm, om = labels.index("not_mri"), labels.index("other_mri")
    body = [labels.index(b) for b in ("brain", "knee", "spine", "other_mri")]
    bright = np.zeros(len(p), bool) if bright is None else bright
    out = []
    for pi, o, b in zip(p, is_ood, bright, strict=True):
        a = int(pi.argmax())
        if b or o or a == nm:
            out.append("rejected:NOT_MRI")
        elif 1 - pi[nm] < thr:
            out.append("rejected:modality_LOW_CONFIDENCE")
        elif a == om:
            out.append("rejected:UNSUPPORTED_BODY_PART")
        elif pi[body].max() < thr:
            out.append("rejected:anatomy_LOW_CONFIDENCE")
        else:
            out.append(labels[a])
    return out


# ----------------------------------------------------------------------------- evaluation


def evaluate(out: dict[str, np.ndarray], calib: dict, labels: list[str], kind: str, thr: float,
             plot_dir: Path, history: list[dict] | None = None) -> dict:
    plot_dir.mkdir(parents=True, exist_ok=True)
    te = out["split"] == "test"
    y, lg, emb = out["y"][te], out["logits"][te], out["embedding"][te]
    T = calib["temperature"]
    p0, p = softmax(lg), softmax(lg, T)
    pred = p.argmax(1)
    c = len(labels)
    cm = confusion(y, pred, c)
    prec = cm.diagonal() / np.maximum(cm.sum(0), 1)
    rec = cm.diagonal() / np.maximum(cm.sum(1), 1)
    aucs = {lb: auc(p[:, i], y == i) for i, lb in enumerate(labels)}
    s = ood_score(emb, calib["ood"])
    is_ood = s > calib["ood"]["threshold"]
    conf = p.max(1)
    answered = (conf >= thr) & ~is_ood
    correct = (pred == y).astype(float)
    m: dict = {
        "split": "test (group split)",
        "n_test": int(te.sum()),
        "accuracy": float(correct.mean()),
        "per_class": {lb: {"precision": float(prec[i]), "recall": float(rec[i]), "n": int(cm[i].sum()),
                           "roc_auc": aucs[lb]} for i, lb in enumerate(labels)},
        "macro_roc_auc": float(np.nanmean(list(aucs.values()))),
        "confusion_matrix": cm.tolist(),
        "ece_before": ece(p0, y), "ece_after": ece(p, y),
        "nll_before": nll(p0, y), "nll_after": nll(p, y),
        "temperature": T,
        "confidence_threshold": thr,
        "coverage_at_threshold": float((conf >= thr).mean()),
        "error_among_answered_at_threshold": float(1 - correct[conf >= thr].mean()) if (conf >= thr).any() else None,
        "ood_rejected_fraction_test": float(is_ood.mean()),
        "coverage_with_ood": float(answered.mean()),
        "error_among_answered_with_ood": float(1 - correct[answered].mean()) if answered.any() else None,
    }
    m["threshold_sweep_test"] = [
        {"threshold": t, "coverage": float((conf >= t).mean()),
         "error": float(1 - correct[conf >= t].mean()) if (conf >= t).any() else None}
        for t in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.97)]
    # operating point chosen on validation: lowest threshold whose val error among answered <= 1.5 %
    va = out["split"] == "val"
    pv = softmax(out["logits"][va], T)
    cv, okv = pv.max(1), (pv.argmax(1) == out["y"][va])
    t_op = None
    for t in np.round(np.arange(0.50, 0.996, 0.01), 2):
        if (cv >= t).any() and 1 - okv[cv >= t].mean() <= 0.015:
            t_op = float(t)
            break
    # the same figures on validation, next to test's: how much of a test figure is luck of the split
    m["val_accuracy"] = float(okv.mean()) if len(okv) else None
    m["val_coverage_at_threshold"] = float((cv >= thr).mean()) if len(cv) else None
    m["val_error_among_answered_at_threshold"] = float(1 - okv[cv >= thr].mean()) if (cv >= thr).any() else None
    if t_op is not None:
        a = conf >= t_op
        m["val_selected_threshold_for_1.5pct_error"] = t_op
        m["coverage_at_val_selected_threshold"] = float(a.mean())
        m["error_at_val_selected_threshold"] = float(1 - correct[a].mean()) if a.any() else None
    # --- plots
    _plot_confusion(cm, labels, plot_dir / "confusion_matrix.png")
    _plot_pr(prec, rec, labels, plot_dir / "per_class_precision_recall.png")
    _plot_roc(p, y, labels, aucs, plot_dir / "roc.png")
    _plot_reliability(p0, p, y, m, plot_dir / "calibration.png")
    cov, err = risk_coverage(conf, correct)
    _plot_risk_coverage(cov, err, m, plot_dir / "risk_coverage.png")
    if history:
        _plot_history(history, plot_dir / "accuracy.png")
    if kind == "triage":
        m.update(_triage_metrics(out, te, p, is_ood, thr, labels, calib.get("background"), calib.get("colour")))
    else:
        m.update(_official_split(out, calib))
    return m


def _triage_metrics(out: dict, te: np.ndarray, p: np.ndarray, is_ood: np.ndarray, thr: float,
                    labels: list[str], background: dict | None, colour: dict | None) -> dict:
    bright = (out["border_mean"][te] > background["max_border_mean"]) if background else None
    coloured = (out["colour_share"][te] > colour["max_share"]) if colour else None
    gated = bright if coloured is None else coloured if bright is None else bright | coloured
    dec = np.array(triage_decision(p, is_ood, thr, labels, gated))
    ytxt = np.array(labels)[out["y"][te]]
    src = out["source"][te]
    passes_modality = ~np.isin(dec, ["rejected:NOT_MRI", "rejected:modality_LOW_CONFIDENCE"])
    accepted_bp = np.isin(dec, ["brain", "knee", "spine"])
    nm, om = ytxt == "not_mri", ytxt == "other_mri"
    sup = np.isin(ytxt, ["brain", "knee", "spine"])
    pred5 = np.array(labels)[p.argmax(1)]
    table = {}
    for s in sorted(set(src)):
        ms = src == s
        table[s] = {"n": int(ms.sum()), "true": str(ytxt[ms][0]),
                    **{o: float((dec[ms] == o).mean()) for o in TRIAGE_OUTCOMES}}
    return {
        "not_mri_accepted_as_mri": float(passes_modality[nm].mean()),
        "not_mri_accepted_as_body_part": float(accepted_bp[nm].mean()),
        "body_part_accuracy_on_mri": float((pred5[sup] == ytxt[sup]).mean()),
        "supported_mri_accepted_correctly": float((dec[sup] == ytxt[sup]).mean()),
        "supported_mri_rejected": float((~accepted_bp[sup]).mean()),
        "supported_mri_rejected_by_ood": float(is_ood[sup].mean()),
        "other_mri_accepted_as_supported": float(accepted_bp[om].mean()),
        **({"background_gate_mri_refused": float(bright[~nm].mean()),
            "background_gate_not_mri_refused": float(bright[nm].mean())} if bright is not None else {}),
        **({"colour_gate_mri_refused": float(coloured[~nm].mean()),
            "colour_gate_not_mri_refused": float(coloured[nm].mean())} if coloured is not None else {}),
        "per_source_acceptance": table,
    }


def _official_split(out: dict, calib: dict) -> dict:
    """brain_tumor: accuracy on the dataset's official (leaky) test split vs the group split."""
    off = out["extra"] == "test"
    if not off.any():
        return {}
    pred = out["logits"].argmax(1)
    ok = pred == out["y"]
    in_train = off & (out["split"] == "train")
    return {
        "official_test_accuracy": float(ok[off].mean()),
        "official_test_n": int(off.sum()),
        "official_test_n_in_our_train_split": int(in_train.sum()),
        "official_test_accuracy_excluding_our_train": float(ok[off & (out["split"] != "train")].mean()),
    }


# ----------------------------------------------------------------------------- plots


def _save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _plot_confusion(cm: np.ndarray, labels: list[str], path: Path) -> None:
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


def _plot_pr(prec: np.ndarray, rec: np.ndarray, labels: list[str], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 3.5))
    x = np.arange(len(labels))
    ax.bar(x - 0.2, prec, 0.4, label="precision")
    ax.bar(x + 0.2, rec, 0.4, label="recall")
    ax.set_xticks(x, labels, rotation=30, ha="right")
    ax.set_ylim(min(0.8, float(min(prec.min(), rec.min())) - 0.02), 1.0)
    ax.legend()
    ax.set_title("Per-class precision / recall (test)")
    _save(fig, path)


def _plot_roc(p: np.ndarray, y: np.ndarray, labels: list[str], aucs: dict, path: Path) -> None:
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


def _plot_reliability(p0: np.ndarray, p: np.ndarray, y: np.ndarray, m: dict, path: Path) -> None:
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


def _plot_risk_coverage(cov: np.ndarray, err: np.ndarray, m: dict, path: Path) -> None:
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


def _plot_history(history: list[dict], path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot([h["step"] for h in history], [100 * h["val_acc"] for h in history], "o-", label="val accuracy")
    ax.set_xlabel("step")
    ax.set_ylabel("validation accuracy (%)")
    ax2 = ax.twinx()
    ax2.plot([h["step"] for h in history], [h["train_loss"] for h in history], "r--", label="train loss")
    ax2.set_ylabel("train loss")
    ax.set_title("Training")
    _save(fig, path)


def save_metrics(m: dict, path: Path) -> None:
    path.write_text(json.dumps(m, indent=1))
