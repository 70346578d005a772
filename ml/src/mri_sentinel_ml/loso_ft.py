"""`loso-ft`: does fine-tuning the task trunk on every source pay on sources it never saw? (not shipped)

A fine-tuned trunk learns from every source it is trained on, so refitting only the head per fold (loso.py) would
flatter it. Here the clean families (every family without a v2 source: the v2 network the fine-tune starts from saw
those, so no fold of theirs can be clean) are dealt round-robin, class by class, into K groups. For each group the
trunk is fine-tuned again on the other families' train split (finetune.fit_tail); then the shipped recipe (v4: the
frozen v2 trunk beside the ImageNet trunk) and the candidate (the fine-tuned trunk beside the ImageNet trunk) each get
head + temperature + OOD gate refitted on the same side (loso.fit_fold), and the served rule runs on the held-out
images. Holding out a fifth of the families at once is stricter than one family at a time, for both alike.

Cost (2 cores): the prefix cache (~20 min, once) and ~3.5 min a group. Writes runs/triage/loso_ft.json.

brain_tumor (`loso-ft brain_tumor`): the same comparison, groups by `brain_groups` (each clean tumour family of
>= 100 images alone, the smaller ones together, the tumour-free-only families together); nickparvar, never a clean
hold-out, is capped at 400 train / 100 val images per class (`capped_v2`) so its prefix cache stays ~12 min.
Rows by loso.brain_rows at the card's 0.60. Writes runs/brain_tumor/loso_ft.json.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from . import data
from .config import ModelConfig
from .finetune import Tail, blank_prefix, fit_tail, prefix_cache, tail_embeddings
from .loso import Fold, brain_rows, family, fit_fold, merge, pooled_brain, save, triage_rows
from .loso_report import choose_ood_margin
from .records import HeldOut, JsonObject

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


def brain_groups(sources: np.ndarray, labels: np.ndarray, min_alone: int = 100) -> dict[str, int]:
    """family -> group, for families with no v2 source: a family with tumour images and >= min_alone images is held
    out alone, the smaller tumour families together, the families with tumour-free images only together."""
    v2_fams = {family(s) for s in data.V2_SOURCES}
    fam = np.array([family(str(s)) for s in sources])
    clean = sorted(set(fam) - v2_fams)
    tumour = {f for f in clean if (labels[fam == f] != "notumor").any()}
    big = [f for f in clean if f in tumour and (fam == f).sum() >= min_alone]
    out = {f: i for i, f in enumerate(big)}
    out |= {f: len(big) for f in clean if f in tumour and f not in out}
    out |= {f: max(out.values(), default=-1) + 1 for f in clean if f not in tumour}
    return out


def capped_v2(sources: np.ndarray, splits: np.ndarray, y: np.ndarray, n_classes: int,
              caps: tuple[tuple[str, int], ...] = (("train", 400), ("val", 100)), seed: int = 0) -> np.ndarray:
    """Sorted indices: every image of a clean source, and of the v2 sources (never clean hold-outs, so only ever on
    the training side) a seeded pick of at most cap per (class, split); test-split v2 images are left out."""
    rng = np.random.default_rng(seed)
    v2 = np.isin(sources, sorted(data.V2_SOURCES))
    keep = [np.flatnonzero(~v2)]
    for c in range(n_classes):
        for split, cap in caps:
            m = np.flatnonzero(v2 & (splits == split) & (y == c))
            keep.append(rng.choice(m, min(cap, len(m)), replace=False))
    return np.sort(np.concatenate(keep))


def brain_summary(rows: list[JsonObject]) -> dict[str, float]:
    """loso.pooled_brain flattened, with the image count of each truth."""
    out: dict[str, float] = {}
    for truth, v in pooled_brain(rows).items():
        out[f"{truth} answered"] = v["answered"]
        out[f"{truth} right among answered"] = v["right_among_answered"]
        out[f"{truth} n"] = sum(r["n"] for r in rows if r["truth"] == truth)
    return out


def _rounded(tail: Tail) -> Tail:
    """Weights rounded to float16 values, as a served trunk would hold them."""
    with torch.no_grad():
        for t in [*tail.parameters(), *tail.buffers()]:
            if t.is_floating_point():
                t.copy_(t.half().float())
    return tail


def _one(x: np.ndarray) -> dict[str, np.ndarray]:
    return {"clean": x, "aug": np.zeros((len(x), 0, x.shape[1]), np.float16), "aug_y": np.zeros((len(x), 0), int)}


def summary(rows: list[JsonObject]) -> dict[str, float]:
    """Targets met, and the mean share per kind of held-out row (the rows are small: means move less by chance)."""
    from .loso_report import triage_target

    def val(r: JsonObject) -> float:
        return float(r["passes_modality"] if r["true"] == "not_mri" else (
            r["accepted_as_supported"] if r["true"] == "other_mri" else r["accepted_right_part"]))

    kinds = {"not_mri passing": "not_mri", "unsupported MRI accepted": "other_mri"}
    out: dict[str, float] = {"met": sum(triage_target(r)[1] for r in rows), "rows": len(rows)}
    for k, t in kinds.items():
        out[k] = float(np.mean([val(r) for r in rows if r["true"] == t]))
    out["supported MRI right part"] = float(np.mean([val(r) for r in rows if r["true"] in ("brain", "knee", "spine")]))
    return out


def step_loso_ft(cfg: ModelConfig, log: Callable[[str], object] = print) -> JsonObject:
    from .pipeline import pixel_gated
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
    res: dict[str, list[HeldOut]] = {"v4": [], "ft": []}
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
    bright = pixel_gated(cfg)
    out: JsonObject = {"groups": {f"group {g}": sorted(f for f, v in groups.items() if v == g) for g in range(K)},
                       "recipe": {k: v for k, v in cfg.to_dict().items() if k.startswith("ft_")}}
    for k, r in res.items():
        m = merge(r)
        mg = choose_ood_margin(m, y_txt, sources)
        rows = triage_rows(cfg, m, y_txt, sources, bright, mg)
        out[k] = {"ood_margin": mg, "summary": summary(rows), "rows": rows}
        log(f"[loso-ft] {k}: " + ", ".join(f"{a} {b:.3g}" for a, b in out[k]["summary"].items()))
    out["minutes"] = (time.time() - t0) / 60
    save(run_dir(cfg.name) / "loso_ft.json", out)
    return out


def step_loso_ft_brain(cfg: ModelConfig, log: Callable[[str], object] = print) -> JsonObject:
    from .train import load_embeddings, run_dir, subset

    assert cfg.kind == "diagnosis" and cfg.trunk == "v2+imagenet", "loso-ft compares against the v4 brain recipe"
    t0 = time.time()
    full, emb, y = load_embeddings(cfg)
    keep = capped_v2(np.array(full.sources), np.array(full.splits), y, len(cfg.labels))
    tab, E, y = subset(full, keep), emb["clean"][keep], y[keep]  # E: [N, 2560] = [v2 | imagenet]
    sources, splits, y_txt = np.array(tab.sources), np.array(tab.splits), np.array(tab.labels)
    imgs, geos = data.image_cache(full.paths, cfg.size)
    P, Y = prefix_cache(cfg, tab, np.asarray(imgs[keep]), np.asarray(geos[keep]))
    log(f"[loso-ft] {len(keep)} images, prefix cache ready after {time.time() - t0:.0f} s")
    fam = np.array([family(s) for s in sources])
    groups = brain_groups(sources, y_txt)
    no_blank = np.zeros((0, *P.shape[2:]), np.float32)  # diagnosis models learn no generated frames
    d = E.shape[1] // 2
    res: dict[str, list[HeldOut]] = {"v4": [], "ft": []}
    for g in sorted(set(groups.values())):
        held = np.isin(fam, [f for f, v in groups.items() if v == g])
        fold = Fold(f"group{g}", held, ~held & (splits == "train") & (y >= 0), ~held & (splits == "val") & (y >= 0))
        t = time.time()
        res["v4"].append(fit_fold(cfg, _one(E), y, sources, fold, 1.0))
        tail = _rounded(fit_tail(cfg, P, Y, np.flatnonzero(fold.train), sources, no_blank, cfg.seed + 1 + g,
                                 f" group {g}"))
        X = np.concatenate([tail_embeddings(tail, P), E[:, d:]], 1)  # [N, 2560]: fine-tuned | ImageNet
        res["ft"].append(fit_fold(cfg, _one(X), y, sources, fold, 1.0))
        log(f"[loso-ft] group {g}: {int(held.sum())} images held out, {time.time() - t:.0f} s")
    out: JsonObject = {
        "groups": {f"group {g}": sorted(f for f, v in groups.items() if v == g) for g in set(groups.values())},
        "recipe": {k: v for k, v in cfg.to_dict().items() if k.startswith("ft_")}, "images": len(keep)}
    for k, r in res.items():
        rows = brain_rows(cfg, merge(r), y, sources, cfg.confidence)
        out[k] = {"summary": brain_summary(rows), "rows": rows}
        log(f"[loso-ft] {k}: " + ", ".join(f"{a} {b:.3g}" for a, b in out[k]["summary"].items()))
    out["minutes"] = (time.time() - t0) / 60
    save(run_dir(cfg.name) / "loso_ft.json", out)
    return out


def cli(name: str, seed: int, source_balance: float | None = None) -> None:
    from .config import CONFIGS

    cfg = CONFIGS[name](seed)
    if source_balance is not None:
        cfg = replace(cfg, ft_source_balance=source_balance)
    (step_loso_ft if cfg.kind == "triage" else step_loso_ft_brain)(cfg)
