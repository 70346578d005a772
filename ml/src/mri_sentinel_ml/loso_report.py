"""`loso` step: run the folds, choose the gates' operating points from held-out figures, tables and plots.

Chosen here (and only here), never on the in-source test split:
- triage: the OOD margin (threshold = margin x the 99.5 % quantile of in-source validation scores): the smallest
  margin of the grid at which no held-out brain/knee/spine source has more than 2 % refused by the OOD gate; then
  the confidence threshold: the one of the grid at which the most held-out rows meet their targets, the lowest of
  those that tie (it answers the most);
- brain_tumor: the confidence threshold: the lowest of the grid at which answered tumour images are >= 95 % called a
  tumour and answered tumour-free ones >= 95 % "no tumour", pooled over held-out sources; when none does, no
  threshold is justified: the default 0.60 stays and the card is marked experimental (card.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from . import data, files
from .config import ModelConfig
from .head_ct import head_ct_mask, loso_fired
from .loso import FAMILIES, brain_rows, inputs_key, merge, pooled_brain, run_loso, save, triage_rows
from .records import HeldOut, JsonObject

OOD_MARGINS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0)
CONF_GRID = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95)
MAX_MRI_OOD = 0.02


def _bright_at(r: HeldOut, sources: np.ndarray) -> np.ndarray:
    b = np.zeros(len(sources), bool)
    b[r["idx"]] = r["bright"]
    return b


def v2_rows(cfg: ModelConfig, tab: data.SplitTable,
            rows_fn: Callable[[HeldOut], list[JsonObject]]) -> list[JsonObject]:
    """The v2 model on the sources added in v3 (it never saw them): the same table, for before/after."""
    from .v2 import have_history, v2_as_heldout

    if not have_history():  # a shallow clone: no "before" column
        return []
    idx = np.array([i for i, s in enumerate(tab.sources) if s not in data.V2_SOURCES and tab.labels[i] in cfg.labels])
    return rows_fn(v2_as_heldout(cfg.name, tab.paths, idx))


def _worst_ood(r: HeldOut, y_txt: np.ndarray, sources: np.ndarray, margin: float) -> float:
    """The largest share of one held-out brain/knee/spine source that the OOD gate refuses at this margin."""
    sup = np.isin(y_txt[r["idx"]], ["brain", "knee", "spine"])
    src = sources[r["idx"]]
    return max(float((r["ood_ratio"][sup & (src == s)] > margin).mean()) for s in set(src[sup]))


def choose_ood_margin(r: HeldOut, y_txt: np.ndarray, sources: np.ndarray) -> float:
    """The smallest margin with <= MAX_MRI_OOD refusals in every held-out brain/knee/spine source (else the largest)."""
    return next((mg for mg in OOD_MARGINS if _worst_ood(r, y_txt, sources, mg) <= MAX_MRI_OOD), OOD_MARGINS[-1])


def triage_loso(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, tab: data.SplitTable,
                bright: np.ndarray) -> JsonObject:
    from .train import blank_extra

    sources, splits = np.array(tab.sources), np.array(tab.splits)
    folds, res, secs = run_loso(cfg, emb, y, sources, splits, extra=blank_extra(cfg))
    t0 = time.time()
    ct = loso_fired(cfg, emb["clean"], y, sources, head_ct_mask(tab), folds)  # each fold's own head-CT gate
    secs += time.time() - t0
    r = merge(res)
    save_outputs(cfg.name, r, inputs_key(cfg, tab, emb, y))
    y_txt = np.array(tab.labels)
    chosen = choose_ood_margin(r, y_txt, sources)  # from the OOD ratios alone: the confidence does not enter
    conf_sweep = [{"threshold": c, "targets_met": sum(triage_target(x)[1] for x in
                                                      triage_rows(dataclasses.replace(cfg, confidence=c), r, y_txt,
                                                                  sources, bright, chosen, ct))} for c in CONF_GRID]
    conf = choose_triage_confidence(conf_sweep)
    cc = dataclasses.replace(cfg, confidence=conf)
    sweep = []
    for mg in OOD_MARGINS:
        rows = triage_rows(cc, r, y_txt, sources, bright, mg, ct)
        nm = [x for x in rows if x["true"] == "not_mri"]
        sweep.append({"margin": mg, "worst_supported_source_ood_refused": _worst_ood(r, y_txt, sources, mg),
                      "worst_not_mri_source_passing_modality": max(x["passes_modality"] for x in nm),
                      "pooled_not_mri_passing_modality": float(np.average([x["passes_modality"] for x in nm],
                                                                          weights=[x["n"] for x in nm]))})
    # the v2 column keeps v2's own threshold: it shows what the last round's model did
    v2 = v2_rows(cfg, tab, lambda r: triage_rows(cfg, r, y_txt, sources, _bright_at(r, sources), 1.0))
    return {"folds": [f.name for f in folds], "seconds": secs, "ood_margin": chosen, "ood_sweep": sweep, "v2_rows": v2,
            "confidence": conf, "confidence_sweep": conf_sweep,
            "rows": triage_rows(cc, r, y_txt, sources, bright, chosen, ct),
            "rows_without_head_ct_gate": triage_rows(cc, r, y_txt, sources, bright, chosen),
            "rows_without_ood_gate": triage_rows(cc, r, y_txt, sources, bright, np.inf, ct)}


def choose_triage_confidence(sweep: list[JsonObject]) -> float:
    """The threshold with the most held-out rows meeting their targets; of those that tie, the lowest (it answers
    the most). A higher bar refuses more unsupported parts and non-MRI that pass as a body part with middling
    confidence, and more held-out brain/knee/spine: the rows weigh both sides."""
    best = max(int(s["targets_met"]) for s in sweep)
    return min(float(s["threshold"]) for s in sweep if s["targets_met"] == best)


def brain_loso(cfg: ModelConfig, emb: dict[str, np.ndarray], y: np.ndarray, tab: data.SplitTable,
               ood_margin: float = 1.0) -> JsonObject:
    sources, splits = np.array(tab.sources), np.array(tab.splits)
    folds, res, secs = run_loso(cfg, emb, y, sources, splits)
    r = merge(res)
    save_outputs(cfg.name, r, inputs_key(cfg, tab, emb, y))
    sweep, chosen = [], None
    for t in CONF_GRID:
        pooled = pooled_brain(brain_rows(cfg, r, y, sources, t, ood_margin))
        sweep.append({"threshold": t, **pooled})
        if chosen is None and all(pooled[k]["right_among_answered"] >= 0.95 for k in pooled):
            chosen = t
    met = chosen is not None
    if chosen is None:  # no threshold is justified by held-out figures: keep the default, and the card says so
        chosen = cfg.confidence
    v2 = v2_rows(cfg, tab, lambda r: brain_rows(cfg, r, y, sources, r["confidence"], 1.0))
    return {"folds": [f.name for f in folds], "seconds": secs, "ood_margin": ood_margin, "confidence": chosen, "v2_rows": v2,
            "targets_met_at_some_threshold": met,
            "sweep": sweep, "rows": brain_rows(cfg, r, y, sources, chosen, ood_margin),
            "rows_at_0.60": brain_rows(cfg, r, y, sources, 0.6, ood_margin)}


def save_outputs(name: str, r: HeldOut, key: str) -> None:
    """runs/<name>/loso_outputs.npz, with the inputs' key (loso.inputs_key): loso-dro / loso-da reuse its OOD ratios."""
    from .train import run_dir

    arrays = {k: v for k, v in r.items() if isinstance(v, np.ndarray)}
    # numpy's stub types **kwds beside `allow_pickle: bool`, so a str-keyed dict of arrays cannot match; none is so named
    files.save_atomic(run_dir(name) / "loso_outputs.npz", lambda f: np.savez(f, key=np.array(key), **arrays))  # type: ignore[arg-type]


def step_loso(name: str, seed: int = 1337) -> JsonObject:
    from .config import CONFIGS
    from .pipeline import pixel_gated
    from .train import load_embeddings, run_dir

    cfg = CONFIGS[name](seed)
    tab, emb, y = load_embeddings(cfg)
    if cfg.kind == "triage":
        out = triage_loso(cfg, emb, y, tab, pixel_gated(cfg))
    else:
        out = brain_loso(cfg, emb, y, tab)
    save(run_dir(name) / "loso.json", out)
    print(f"[{name}] LOSO: {len(out['folds'])} folds in {out['seconds']:.0f} s")
    return out


def _p(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}"


def _name(cfg: ModelConfig, source: str) -> str:
    return source + (" †" if "v2" in cfg.trunk and source in data.V2_SOURCES else "")


def triage_target(r: JsonObject) -> tuple[str, bool]:
    if r["true"] == "not_mri":
        return "≤ 0.5 % pass modality", r["passes_modality"] <= 0.005
    if r["true"] == "other_mri":
        return "≤ 2 % accepted", r["accepted_as_supported"] <= 0.02
    return "≥ 90 % right part", (r["accepted_right_part"] or 0) >= 0.90


def markdown(cfg: ModelConfig, lo: JsonObject) -> list[str]:
    L = ["", "## Leave-one-source-out (the main yardstick)", "",
         f"{len(lo['folds'])} folds: each source family held out whole (every split), head + temperature + OOD gate "
         f"refitted on the rest, the served decision rule run on the held-out images; all folds took "
         f"{lo['seconds'] / 60:.1f} min on the shared 2-core box (one cached embedding pass, no retraining of the trunk).",
         "Related sources are held out together: " + "; ".join(
             f"{f} ({', '.join(s for s, v in FAMILIES.items() if v == f)})" for f in sorted(set(FAMILIES.values()))) + ".", ""]
    if "v2" in cfg.trunk:
        L += ["One frozen trunk is the v2 network, whose fine-tuned blocks saw the v2 sources (marked †): their folds "
              "are **not** clean hold-outs (the head, temperature and gates are refitted, the features are not). The "
              "37 sources added in v3 were never seen by any part of the model in their folds.", ""]
    if cfg.kind == "triage":
        met = [triage_target(r)[1] for r in lo["rows"]]
        clean = [triage_target(r)[1] for r in lo["rows"] if r["source"] not in data.V2_SOURCES]
        L += [f"Clean folds (sources added in v3): targets met in **{sum(clean)} of {len(clean)}** rows.", ""]
        v2 = {(r["source"], r["true"]): r for r in lo.get("v2_rows", [])}
        L += [f"OOD gate margin chosen here: **{lo['ood_margin']:g}** × the in-source validation 99.5 % quantile "
              f"(smallest margin with ≤ {100 * MAX_MRI_OOD:.0f} % OOD refusals in every held-out brain/knee/spine source). "
              f"Confidence threshold chosen here: **{lo.get('confidence', cfg.confidence):.2f}** (the most rows meeting "
              "their targets, the lowest such threshold; rows met at each: " + ", ".join(
                  f"{s['threshold']:.2f}: {s['targets_met']}" for s in lo.get("confidence_sweep", [])) + "). "
              f"Targets met in **{sum(met)} of {len(met)}** held-out rows.", "",
              "| held-out source | n | true | right part | as brain/knee/spine | wrong part | NOT_MRI (OOD / background or colour / head-CT gate) | "
              "modality low conf. | UNSUPPORTED | anatomy low conf. | target | met | v2 on it (never saw it) |", "|---" * 13 + "|"]
        for r in lo["rows"]:
            t, ok = triage_target(r)
            b = v2.get((r["source"], r["true"]))
            vb = "—" if b is None else (_p(b["passes_modality"]) if r["true"] == "not_mri" else _p(b["accepted_as_supported"])
                                        if r["true"] == "other_mri" else _p(b["accepted_right_part"]))
            L.append(f"| {_name(cfg, r['source'])} | {r['n']} | {r['true']} | {_p(r['accepted_right_part'])} | "
                     f"{_p(r['accepted_as_supported'])} | {_p(r['wrong_part'])} | {_p(r['not_mri'])} "
                     f"({_p(r['not_mri_by_ood'])} / {_p(r['not_mri_by_pixel_gates'])} / {_p(r.get('not_mri_by_head_ct_gate', 0.0))}) | "
                     f"{_p(r['modality_low_conf'])} | "
                     f"{_p(r['unsupported'])} | {_p(r['anatomy_low_conf'])} | {t} | {'yes' if ok else '**no**'} | {vb} |")
        L += ["", "Percent of the held-out source's images. Last column: the v2 triage (2.0.0) on the same images, same "
              "target figure — only for the sources added in v3, which v2 never saw. OOD-gate sweep (both sides of the gate):", "",
              "| margin | worst held-out MRI source refused by OOD | worst held-out non-MRI source passing modality | "
              "pooled non-MRI passing modality |", "|---|---|---|---|"]
        for s in lo["ood_sweep"]:
            L.append(f"| {s['margin']:g} | {_p(s['worst_supported_source_ood_refused'])} | "
                     f"{_p(s['worst_not_mri_source_passing_modality'])} | {_p(s['pooled_not_mri_passing_modality'])} |")
    else:
        if not lo.get("targets_met_at_some_threshold", True):
            L += ["**No confidence threshold meets the held-out targets** (sweep below): on sources it was not trained on, "
                  "this model's tumour / no-tumour answers are not validated. The default 0.60 is kept and the card is "
                  "marked `experimental`.", ""]
        L += [f"Confidence threshold: **{lo['confidence']:.2f}** (OOD margin {lo['ood_margin']:g}). "
              "Targets: of answered tumour images ≥ 95 % called a tumour, of answered tumour-free ≥ 95 % \"no tumour\", "
              "≥ 80 % of each answered.", "",
              "| held-out source | truth | n | answered | refused by OOD | right among answered | exact type | "
              + " | ".join(cfg.labels) + " | met | v2 answered / right (never saw it) |", "|---" * (9 + len(cfg.labels)) + "|"]
        v2 = {(r["source"], r["truth"]): r for r in lo.get("v2_rows", [])}
        for r in lo["rows"]:
            ok = (r["right_among_answered"] or 0) >= 0.95 and r["answered"] >= 0.8
            b = v2.get((r["source"], r["truth"]))
            vb = "—" if b is None else f"{_p(b['answered'])} / {_p(b['right_among_answered'])}"
            L.append(f"| {_name(cfg, r['source'])} | {r['truth']} | {r['n']} | {_p(r['answered'])} | {_p(r['refused_ood'])} | "
                     f"{_p(r['right_among_answered'])} | {_p(r['exact_type_among_answered'])} | "
                     + " | ".join(_p(r["label_mix_answered"][lb]) for lb in cfg.labels) + f" | {'yes' if ok else '**no**'} | {vb} |")
        L += ["", "Label mix: percent of the answered images. Threshold sweep (pooled over held-out sources):", "",
              "| threshold | tumour answered | tumour right | tumour-free answered | tumour-free right |", "|---|---|---|---|---|"]
        for s in lo["sweep"]:
            L.append(f"| {s['threshold']:.2f} | {_p(s['tumour']['answered'])} | {_p(s['tumour']['right_among_answered'])} | "
                     f"{_p(s['tumour-free']['answered'])} | {_p(s['tumour-free']['right_among_answered'])} |")
    L += ["", "![LOSO per held-out source](plots/loso.png)"]
    return L


def plot(cfg: ModelConfig, lo: JsonObject, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if cfg.kind == "triage":
        rows = lo["rows"]
        vals = [r["passes_modality"] if r["true"] == "not_mri" else r["accepted_as_supported"] if r["true"] == "other_mri"
                else r["accepted_right_part"] for r in rows]
        cols = ["tab:red" if r["true"] == "not_mri" else "tab:orange" if r["true"] == "other_mri" else "tab:green"
                for r in rows]
        names = [f"{r['source']} ({r['true']})" for r in rows]
        title = "LOSO: green = MRI accepted as right part (≥ 90 %), orange = unsupported MRI accepted (≤ 2 %), red = non-MRI passing (≤ 0.5 %)"
    else:
        rows = lo["rows"]
        vals = [r["right_among_answered"] or 0 for r in rows]
        cols = ["tab:purple" if r["truth"] == "tumour" else "tab:blue" for r in rows]
        names = [f"{r['source']} ({r['truth']}, {100 * r['answered']:.0f} % answered)" for r in rows]
        title = "LOSO: right among answered (purple tumour, blue tumour-free; target ≥ 95 %)"
    fig, ax = plt.subplots(figsize=(9, 0.28 * len(rows) + 1.5))
    ax.barh(range(len(rows)), [100 * v for v in vals], color=cols)
    ax.set_yticks(range(len(rows)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("% of held-out images")
    ax.set_title(title, fontsize=8)
    fig.tight_layout()
    try:
        files.save_atomic(path, lambda f: fig.savefig(f, dpi=90, format=path.suffix[1:]))
    finally:
        plt.close(fig)
