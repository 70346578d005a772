"""Leave-one-source-out (LOSO): the main yardstick (issue 14).

For every class with two or more source families, each family that has images of the class is held out whole
(all of its images, every class, every split); the head, temperature and OOD gate are refitted on the rest exactly
as `train` + `calibrate` do (head on train split, temperature and OOD threshold on val split), and the served
decision rule (temperature, confidence thresholds, background gate, OOD gate) runs on the held-out images. With
the frozen trunk every fold reuses the one embedding cache: a fold costs seconds, not a training run.
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import files
from .calibrate import fit_ood, fit_temperature, ood_score, softmax
from .config import ModelConfig
from .data import SplitTable
from .evaluate import triage_decision
from .head import fit_labelled
from .records import HeldOut, JsonObject

# sources that may share patients, exams or a pipeline are held out together (README caveats, origins)
FAMILIES: dict[str, str] = {
    "brain_tcga_lgg_kaggle3m": "tcga_lgg", "brain_brainlesion_tutorials": "tcga_lgg",  # both TCGA-LGG (TCGA-DU-*)
    "brain_brats2012_mpr": "brats_2012_2013", "brain_brats2013_deepmedic": "brats_2012_2013",
    "spine_lumbar_fastcleverseg": "lumbar_fastcleverseg_myosegmentum",  # README: volunteers may be in both
    "spine_lumbar_axial_myosegmentum": "lumbar_fastcleverseg_myosegmentum",
    "spine_sct_tutorial": "neuropoly_sct", "spine_cervical_sct": "neuropoly_sct", "spine_cervical_ivadomed": "neuropoly_sct",
    "mri_pancreas_t1w": "pancreas_pansegnet", "mri_pancreas_t2w": "pancreas_pansegnet",
}


def family(source: str) -> str:
    return FAMILIES.get(source, source)


@dataclass
class Fold:
    name: str  # the family held out
    held: np.ndarray  # bool [N]: images of the family (every split)
    train: np.ndarray  # bool [N]: train split, other families, labelled
    val: np.ndarray  # bool [N]: val split, other families, labelled


def make_folds(sources: np.ndarray, splits: np.ndarray, y: np.ndarray) -> list[Fold]:
    fam = np.array([family(s) for s in sources])
    names: list[str] = []
    for c in np.unique(y[y >= 0]):
        fs = sorted(set(fam[y == c]))
        if len(fs) >= 2:
            names += [f for f in fs if f not in names]
    out = []
    for f in sorted(names):
        held = fam == f
        out.append(Fold(f, held, ~held & (splits == "train") & (y >= 0), ~held & (splits == "val") & (y >= 0)))
    return out


class LosoError(ValueError):
    """A fold that cannot be fitted as the served model is (named, instead of an IndexError deep in numpy)."""


def check_fold(fold: Fold) -> None:
    if not fold.val.any():  # e.g. the held-out family holds every val image (sources of < 3 groups have none)
        raise LosoError(f"fold {fold.name}: no val-split images outside the held-out family, so its temperature and "
                        "OOD threshold cannot be fitted")


def fit_fold(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray, fold: Fold,
             ood_margin: float, extra: tuple[np.ndarray, int, str] | None = None) -> HeldOut:
    """Head + temperature + OOD gate on the fold's training side; raw outputs for its held-out images."""
    check_fold(fold)
    W, b = fit_labelled(emb, y, sources, np.flatnonzero(fold.train), len(cfg.labels), cfg.head_l2,
                        cfg.source_balance, cfg.cap_per_source, extra)
    logits = emb["clean"] @ W.T + b
    tr, va, ho = np.flatnonzero(fold.train), np.flatnonzero(fold.val), np.flatnonzero(fold.held)
    t = fit_temperature(logits[va], y[va])
    ood = fit_ood(emb["clean"][tr], y[tr], cfg.ood_k)
    thr = float(np.quantile(ood_score(emb["clean"][va], ood), cfg.ood_target_tpr)) * ood_margin
    return {"idx": ho, "p": softmax(logits[ho], t), "ood_ratio": ood_score(emb["clean"][ho], ood) / thr,
            "temperature": t}


def triage_rows(cfg: ModelConfig, res: HeldOut, y_txt: np.ndarray, sources: np.ndarray, bright: np.ndarray,
                ood_margin: float = 1.0, head_ct: np.ndarray | None = None) -> list[JsonObject]:
    """One row per held-out source: share of its images per served outcome (bright: a pixel gate fired, [N];
    head_ct: the fold's head-CT gate fired, [N], head_ct.loso_fired)."""
    ct = np.zeros(len(bright), bool) if head_ct is None else head_ct
    dec = np.array(triage_decision(res["p"], res["ood_ratio"] > ood_margin, cfg.confidence, cfg.labels,
                                   (bright | ct)[res["idx"]]))
    rows = []
    keys = sorted(set(zip(sources[res["idx"]], y_txt[res["idx"]], strict=True)))
    for s, lab in keys:  # a source with two kinds of image (spm12: MRI + PET) gets a row per kind
        m = (sources[res["idx"]] == s) & (y_txt[res["idx"]] == lab)
        truth = y_txt[res["idx"]][m]
        d, ood = dec[m], (res["ood_ratio"] > ood_margin)[m]
        lab = str(lab)
        right = float((d == truth).mean())
        acc_bp = float(np.isin(d, ["brain", "knee", "spine"]).mean())
        rows.append({
            "source": s, "n": int(m.sum()), "true": lab,
            "accepted_right_part": right if lab in ("brain", "knee", "spine") else None,
            "accepted_as_supported": acc_bp,
            "wrong_part": float((np.isin(d, ["brain", "knee", "spine"]) & (d != truth)).mean()),
            "not_mri": float((d == "rejected:NOT_MRI").mean()),
            "not_mri_by_ood": float((ood & (d == "rejected:NOT_MRI")).mean()),
            "not_mri_by_pixel_gates": float(bright[res["idx"]][m].mean()),
            "not_mri_by_head_ct_gate": float(ct[res["idx"]][m].mean()),
            "modality_low_conf": float((d == "rejected:modality_LOW_CONFIDENCE").mean()),
            "unsupported": float((d == "rejected:UNSUPPORTED_BODY_PART").mean()),
            "anatomy_low_conf": float((d == "rejected:anatomy_LOW_CONFIDENCE").mean()),
            "passes_modality": float((~np.isin(d, ["rejected:NOT_MRI", "rejected:modality_LOW_CONFIDENCE"])).mean()),
        })
    return rows


def brain_rows(cfg: ModelConfig, res: HeldOut, y: np.ndarray, sources: np.ndarray, thr: float,
               ood_margin: float = 1.0) -> list[JsonObject]:
    """One row per held-out source: answered share and label mix, split by tumour / tumour-free truth."""
    p, idx = res["p"], res["idx"]
    answered = (p.max(1) >= thr) & (res["ood_ratio"] <= ood_margin)
    pred = p.argmax(1)
    nt = cfg.labels.index("notumor")
    rows = []
    for s in sorted(set(sources[idx])):
        for kind, sel in (("tumour", y[idx] != nt), ("tumour-free", y[idx] == nt)):
            m = (sources[idx] == s) & sel & (y[idx] >= 0)
            if not m.any():
                continue
            a = m & answered
            mix = {lb: float((pred[a] == i).mean()) if a.any() else 0.0 for i, lb in enumerate(cfg.labels)}
            right = (pred[a] != nt) if kind == "tumour" else (pred[a] == nt)
            rows.append({"source": s, "truth": kind, "n": int(m.sum()), "answered": float(a.sum() / m.sum()),
                         "refused_ood": float((m & (res["ood_ratio"] > ood_margin)).sum() / m.sum()),
                         "right_among_answered": float(right.mean()) if a.any() else None,
                         "exact_type_among_answered": float((pred[a] == y[idx][a]).mean()) if a.any() else None,
                         "label_mix_answered": mix})
    return rows


def pooled_brain(rows: list[JsonObject]) -> dict[str, dict[str, float]]:
    """brain_rows pooled by image count, per truth ("tumour", "tumour-free"): share answered, right among answered."""
    out = {}
    for kind in ("tumour", "tumour-free"):
        rs = [x for x in rows if x["truth"] == kind]
        n_ans = sum(x["answered"] * x["n"] for x in rs)
        out[kind] = {"answered": n_ans / max(sum(x["n"] for x in rs), 1),
                     "right_among_answered": sum((x["right_among_answered"] or 0) * x["answered"] * x["n"]
                                                 for x in rs) / max(n_ans, 1e-9)}
    return out


def run_loso(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, sources: np.ndarray, splits: np.ndarray,
             log: Callable[[str], object] = print, extra: tuple[np.ndarray, int, str] | None = None,
             ) -> tuple[list[Fold], list[HeldOut], float]:
    """Fit every fold once (OOD margin 1: the threshold is scaled afterwards, per row, without refitting).
    extra: generated images on the training side of every fold (train.blank_extra)."""
    t0 = time.time()
    folds = make_folds(sources, splits, y)
    for f in folds:  # all before the first fit: a fold late in name order failed after minutes of the others
        check_fold(f)
    res = []
    for f in folds:
        t = time.time()
        res.append(fit_fold(cfg, emb, y, sources, f, 1.0, extra))
        log(f"[loso {cfg.name}] {f.name}: {int(f.held.sum())} held out, {time.time() - t:.1f} s")
    return folds, res, time.time() - t0


def merge(res: list[HeldOut]) -> HeldOut:
    return {"idx": np.concatenate([r["idx"] for r in res]), "p": np.concatenate([r["p"] for r in res]),
            "ood_ratio": np.concatenate([r["ood_ratio"] for r in res])}


def inputs_key(cfg: ModelConfig, tab: SplitTable, emb: dict[str, np.ndarray], y: np.ndarray) -> str:
    """What the folds' head-independent outputs (OOD ratios, head-CT gate) depend on: the config, every image's path,
    source, label and split, and the clean embeddings. Saved beside them so that a reader reuses them only for the
    same inputs: keyed by the model's name alone, a re-split (same held-out families, same lengths) reused the old
    train/val sides' thresholds silently."""
    h = hashlib.sha1(json.dumps(cfg.to_dict(), sort_keys=True, default=str).encode())
    for col in (tab.paths, tab.sources, tab.labels, tab.splits):
        h.update("\n".join(col).encode() + b"\0")
    h.update(np.ascontiguousarray(y, np.int64).tobytes())
    h.update(np.ascontiguousarray(emb["clean"]).tobytes())
    return h.hexdigest()


def load_keyed(path: Path, key: str) -> dict[str, np.ndarray] | None:
    """The arrays of an .npz saved with inputs_key `key`; None when absent, of other inputs, or unreadable (each
    reader then recomputes what it holds)."""
    if not path.exists():
        return None
    try:
        with np.load(path) as z:
            if "key" not in z.files or str(z["key"]) != key:
                return None
            return {k: z[k] for k in z.files if k != "key"}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile):
        return None


def save(path: Path, obj: JsonObject) -> None:
    files.write_json(path, obj)
