"""Source-predictability probe (issue 14, item 4): how well can the *source* of a brain MRI be read from a model's
outputs, within one class? If "notumor" images of one collection are separable from "notumor" images of the
others, "looks like that collection" is available as a shortcut.

A linear probe (head.fit_head, sources weighted equally) is trained on half of the groups and scored on the other
half (then swapped), within a class, on sources with >= 10 images of it; reported as balanced accuracy next to
chance (1 / number of sources). Run on the v2 model (committed before this change, `V2_COMMIT`) and on v3, on
the embedding (the 1280-d GAP feature) and on the logits (what the decision is made from).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from . import data, files
from .config import brain_config
from .head import balanced_weights, fit_head
from .records import JsonObject
from .v2 import V2_COMMIT, have_history, v2_outputs

PER_SOURCE = 120


def halves(groups: np.ndarray) -> np.ndarray:
    return np.array([int(hashlib.sha1(g.encode()).hexdigest(), 16) % 2 for g in groups])


def usable(sources: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Images of sources whose groups fall in both halves (a source seen only on one side cannot be probed)."""
    h = halves(groups)
    ok = {s for s in set(sources) if len(set(h[sources == s])) == 2}
    return np.isin(sources, sorted(ok))


def probe_accuracy(X: np.ndarray, sources: np.ndarray, groups: np.ndarray) -> float:
    names = sorted(set(sources))
    y = np.array([names.index(s) for s in sources])
    half = halves(groups)
    pred = np.zeros(len(y), np.int64)
    for k in (0, 1):
        tr, te = half != k, half == k
        if not te.any() or len(set(y[tr])) < len(names):
            return float("nan")
        W, b = fit_head(X[tr], y[tr], balanced_weights(y[tr], sources[tr], 1.0), len(names), 1e-2, 0.0, 100)
        pred[te] = (X[te] @ W.T + b).argmax(1)
    return float(np.mean([(pred[y == c] == c).mean() for c in range(len(names))]))


def step_probe() -> JsonObject:
    from .pipeline import load_outputs
    from .train import run_dir

    cfg = brain_config()
    out = load_outputs("brain_tumor")
    tab = data.read_split(cfg.split)
    src, grp, lab = np.array(tab.sources), np.array(tab.groups), np.array(tab.labels)
    rng = np.random.default_rng(0)
    picked: list[int] = []
    for c in ("notumor", "glioma"):
        for s in sorted(set(src[lab == c])):
            idx = np.flatnonzero((src == s) & (lab == c))
            if len(idx) >= 10:
                picked += sorted(rng.choice(idx, min(PER_SOURCE, len(idx)), replace=False).tolist())
    pick = np.array(picked)
    if not have_history():
        print("[probe] skipped: needs the git history of the v2 model (a full clone)")
        return {}
    o = v2_outputs("brain_tumor", [tab.paths[i] for i in pick])
    v2_logits, v2_emb = o["logits"], o["embedding"]
    res: JsonObject = {"per_source_max": PER_SOURCE, "v2_commit": V2_COMMIT, "classes": {}}
    for c in ("notumor", "glioma"):
        m = np.flatnonzero(lab[pick] == c)
        m = m[usable(src[pick][m], grp[pick][m])]
        s, g = src[pick][m], grp[pick][m]
        res["classes"][c] = {
            "sources": sorted(set(s)), "n": len(m), "chance": 1 / len(set(s)),
            "v2_embedding": probe_accuracy(v2_emb[m], s, g), "v2_logits": probe_accuracy(v2_logits[m], s, g),
            "now_embedding": probe_accuracy(out["embedding"][pick][m], s, g),
            "now_logits": probe_accuracy(out["logits"][pick][m], s, g)}
        print(f"[probe] {c}: {json.dumps(res['classes'][c])}")
    files.write_json(run_dir("brain_tumor") / "probe.json", res)
    return res
