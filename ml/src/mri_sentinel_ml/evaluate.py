"""Test-split evaluation (metrics.py, plots.py) and the server's triage decision rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import files
from .calibrate import ood_score, softmax
from .metrics import auc, confusion, ece, nll, risk_coverage
from .plots import plot_confusion, plot_history, plot_pr, plot_reliability, plot_risk_coverage, plot_roc
from .records import BackgroundGate, Calibration, ColourGate, HeadCtGate, JsonObject

TRIAGE_OUTCOMES = ["brain", "knee", "spine", "rejected:NOT_MRI", "rejected:modality_LOW_CONFIDENCE",
                   "rejected:UNSUPPORTED_BODY_PART", "rejected:anatomy_LOW_CONFIDENCE"]


def head_ct_margin(emb: np.ndarray, weights: np.ndarray | list[float], bias: float) -> np.ndarray:
    """The head-CT gate's margin per image (refused above the gate's threshold), in float64 as the server computes
    it from the card's weights."""
    return np.asarray(emb, np.float64) @ np.asarray(weights, np.float64) + bias


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


def evaluate(out: dict[str, np.ndarray], calib: Calibration, labels: list[str], kind: str, thr: float,
             plot_dir: Path, history: list[JsonObject] | None = None) -> JsonObject:
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
    m: JsonObject = {
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
    plot_confusion(cm, labels, plot_dir / "confusion_matrix.png")
    plot_pr(prec, rec, labels, plot_dir / "per_class_precision_recall.png")
    plot_roc(p, y, labels, aucs, plot_dir / "roc.png")
    plot_reliability(p0, p, y, m, plot_dir / "calibration.png")
    cov, err = risk_coverage(conf, correct)
    plot_risk_coverage(cov, err, m, plot_dir / "risk_coverage.png")
    if history:
        plot_history(history, plot_dir / "accuracy.png")
    if kind == "triage":
        m.update(_triage_metrics(out, te, p, is_ood, thr, labels, calib.get("background"), calib.get("colour"),
                                 calib.get("head_ct")))
    else:
        m.update(_official_split(out, calib))
    return m


def _triage_metrics(out: dict[str, np.ndarray], te: np.ndarray, p: np.ndarray, is_ood: np.ndarray, thr: float,
                    labels: list[str], background: BackgroundGate | None, colour: ColourGate | None,
                    head_ct: HeadCtGate | None = None) -> JsonObject:
    bright = (out["border_mean"][te] > background["max_border_mean"]) if background else None
    coloured = (out["colour_share"][te] > colour["max_share"]) if colour else None
    ct = None if head_ct is None else (
        head_ct_margin(out["embedding"][te], head_ct["weights"], head_ct["bias"]) > head_ct["threshold"])
    gated = np.zeros(int(te.sum()), bool)
    for g in (bright, coloured, ct):
        if g is not None:
            gated |= g
    dec = np.array(triage_decision(p, is_ood, thr, labels, gated))
    ytxt = np.array(labels)[out["y"][te]]
    src = out["source"][te]
    passes_modality = ~np.isin(dec, ["rejected:NOT_MRI", "rejected:modality_LOW_CONFIDENCE"])
    accepted_bp = np.isin(dec, ["brain", "knee", "spine"])
    nm, om = ytxt == "not_mri", ytxt == "other_mri"
    sup = np.isin(ytxt, ["brain", "knee", "spine"])
    pred5 = np.array(labels)[p.argmax(1)]
    table: JsonObject = {}
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
        **({"head_ct_gate_mri_refused": float(ct[~nm].mean()),
            "head_ct_gate_head_ct_refused": float(ct[out["head_ct"][te]].mean()),
            "head_ct_let_through": float(passes_modality[out["head_ct"][te]].mean()),
            "head_ct_gate_other_not_mri_refused": float(ct[nm & ~out["head_ct"][te]].mean())} if ct is not None else {}),
        "per_source_acceptance": table,
    }


def _official_split(out: dict[str, np.ndarray], calib: Calibration) -> dict[str, float]:
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


def save_metrics(m: JsonObject, path: Path) -> None:
    files.write_json(path, m)
