"""`loso-ft`: does fine-tuning the task trunk on every source pay on sources it never saw? (triage; not shipped)

A fine-tuned trunk learns from every source it is trained on, so refitting only the head per fold (loso.py) would
flatter it. Here the clean families (every family without a v2 source: the v2 network the fine-tune starts from saw
those, so no fold of theirs can be clean) are dealt round-robin, class by class, into K groups. For each group the
trunk is fine-tuned again on the other families' train split (finetune.fit_tail); then the shipped recipe (v4: the
frozen v2 trunk beside the ImageNet trunk) and the candidate (the fine-tuned trunk beside the ImageNet trunk) each get
head + temperature + OOD gate refitted on the same side (loso.fit_fold), and the served rule runs on the held-out
images. Holding out a fifth of the families at once is stricter than one family at a time, for both alike.

Cost (2 cores): the prefix cache (~20 min, once) and ~3.5 min a group. Writes runs/triage/loso_ft.json.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import torch

from . import data
from .config import ModelConfig
from .finetune import blank_prefix, fit_tail, prefix_cache, tail_embeddings
from .loso import Fold, family, fit_fold, merge, save, triage_rows

K = 5


def clean_groups(sources: np.ndarray, labels: np.ndarray, k: int = K) -> dict[str, int]:
    """family -> group 0..k-1, for families with no v2 source: sorted by their class, then name, dealt round-robin
    (so each group holds out a few families of every class and no class loses all its sources)."""
    fam_cls: dict[str, str] = {}
    v2_fams = {family(s) for s in data.V2_SOURCES}
    for s, lb in zip(sources, labels, strict=True):
        f = family(str(s))
        if f not in v2_fams:
            fam_cls.setdefault(f, str(lb))
    order = sorted(fam_cls, key=lambda f: (fam_cls[f], f))
    return {f: i % k for i, f in enumerate(order)}


def _rounded(tail: torch.nn.Module) -> torch.nn.Module:
    """Weights rounded to float16 values, as a served trunk would hold them."""
    with torch.no_grad():
        for t in [*tail.parameters(), *tail.buffers()]:
            if t.is_floating_point():
                t.copy_(t.half().float())
    return tail


def _one(x: np.ndarray) -> dict:
    return {"clean": x, "aug": np.zeros((len(x), 0, x.shape[1]), np.float16), "aug_y": np.zeros((len(x), 0), int)}


def summary(rows: list[dict]) -> dict:
    """Targets met, and the mean share per kind of held-out row (the rows are small: means move less by chance)."""
    from .loso_report import triage_target

    def val(r: dict) -> float:
        return r["passes_modality"] if r["true"] == "not_mri" else (
            r["accepted_as_supported"] if r["true"] == "other_mri" else r["accepted_right_part"])

    kinds = {"not_mri passing": "not_mri", "unsupported MRI accepted": "other_mri"}
    out = {"met": sum(triage_target(r)[1] for r in rows), "rows": len(rows)}
    for k, t in kinds.items():
        out[k] = float(np.mean([val(r) for r in rows if r["true"] == t]))
    out["supported MRI right part"] = float(np.mean([val(r) for r in rows if r["true"] in ("brain", "knee", "spine")]))
    return out


def ood_margin(r: dict, y_txt: np.ndarray, sources: np.ndarray) -> float:
    """The shipped rule (loso_report): the smallest margin with <= 2 % OOD refusals in every held-out MRI source."""
    from .loso_report import MAX_MRI_OOD, OOD_MARGINS

    sup = np.isin(y_txt[r["idx"]], ["brain", "knee", "spine"])
    src = sources[r["idx"]]
    for mg in OOD_MARGINS:
        if max(float((r["ood_ratio"][sup & (src == s)] > mg).mean()) for s in set(src[sup])) <= MAX_MRI_OOD:
            return mg
    return OOD_MARGINS[-1]


def step_loso_ft(cfg: ModelConfig, log=print) -> dict:
    from .calibrate import BACKGROUND_MAX_BORDER_MEAN
    from .pipeline import border_means
    from .train import blank_extra, load_embeddings, run_dir

    assert cfg.kind == "triage" and cfg.trunk == "v2+imagenet", "loso-ft compares against the v4 triage recipe"
    t0 = time.time()
    tab, emb, y = load_embeddings(cfg)  # [v2 | imagenet] clean embeddings
    blank = blank_extra(cfg)
    assert blank is not None
    sources, splits, y_txt = np.array(tab.sources), np.array(tab.splits), np.array(tab.labels)
    fam = np.array([family(s) for s in sources])
    groups = clean_groups(sources, y_txt)
    imgs, geos = data.image_cache(tab.paths, cfg.size)
    P, Y = prefix_cache(cfg, tab, imgs, geos)
    bP = blank_prefix(cfg)
    d = emb["clean"].shape[1] // 2
    nm = cfg.labels.index("not_mri")
    res: dict[str, list[dict]] = {"v4": [], "ft": []}
    for g in range(K):
        held = np.isin(fam, [f for f, v in groups.items() if v == g])
        fold = Fold(f"group{g}", held, ~held & (splits == "train") & (y >= 0), ~held & (splits == "val") & (y >= 0))
        t = time.time()
        res["v4"].append(fit_fold(cfg, _one(emb["clean"]), y, sources, fold, 1.0, (blank[0], nm, blank[2])))
        tail = _rounded(fit_tail(cfg, P, Y, np.flatnonzero(fold.train), sources, bP, cfg.seed + 1 + g, f" group {g}"))
        X = np.concatenate([tail_embeddings(tail, P), emb["clean"][:, d:]], 1)  # [N, 2560]: fine-tuned | ImageNet
        with torch.no_grad():
            B = np.concatenate([tail.embedding(torch.from_numpy(bP)).numpy(), blank[0][:, d:]], 1)
        res["ft"].append(fit_fold(cfg, _one(X), y, sources, fold, 1.0, (B, nm, blank[2])))
        log(f"[loso-ft] group {g}: {int(held.sum())} images held out, {time.time() - t:.0f} s")
    bright = border_means(cfg) > BACKGROUND_MAX_BORDER_MEAN
    out: dict = {"groups": {f"group {g}": sorted(f for f, v in groups.items() if v == g) for g in range(K)},
                 "recipe": {k: v for k, v in cfg.to_dict().items() if k.startswith("ft_")}}
    for k, r in res.items():
        m = merge(r)
        mg = ood_margin(m, y_txt, sources)
        rows = triage_rows(cfg, m, y_txt, sources, bright, mg)
        out[k] = {"ood_margin": mg, "summary": summary(rows), "rows": rows}
        log(f"[loso-ft] {k}: " + ", ".join(f"{a} {b:.3g}" for a, b in out[k]["summary"].items()))
    out["minutes"] = (time.time() - t0) / 60
    save(run_dir(cfg.name) / "loso_ft.json", out)
    return out


def cli(seed: int, source_balance: float | None = None) -> None:
    from .config import triage_config

    cfg = triage_config(seed)
    if source_balance is not None:
        cfg = replace(cfg, ft_source_balance=source_balance)
    step_loso_ft(cfg)
