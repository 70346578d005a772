"""report.md: the in-source summary, the LOSO tables and the plots' captions, from a model's metrics."""

from __future__ import annotations

from pathlib import Path

from . import files
from .card import method_words
from .config import ModelConfig
from .records import JsonObject, Timing


def _ok(b: bool) -> str:
    """A target table cell."""
    return "met" if b else "**missed**"


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.2f} %"


def write_report(cfg: ModelConfig, m: JsonObject, timing: Timing | None, onnx_bytes: int | None, path: Path,
                 train_time: dict[str, float] | None = None) -> None:
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
        L += ["", "## Targets", "", "| target | measured | goal | |", "|---|---|---|---|",
              f"| group-split test accuracy | {_pct(m['accuracy'])} | ≥ 96 % | {_ok(m['accuracy'] >= 0.96)} |",
              f"| ECE after temperature scaling | {_pct(m['ece_after'])} | ≤ 3 % | {_ok(m['ece_after'] <= 0.03)} |",
              f"| answered at the default threshold {m['confidence_threshold']:.2f} | {_pct(cov)} | ≥ 90 % | {_ok(cov >= 0.9)} |",
              f"| error among answered | {_pct(err)} | ≤ 1.5 % | {_ok(err <= 0.015)} |"]
        if onnx_bytes:
            L.append(f"| model size | {onnx_bytes / 1e6:.2f} MB | ≤ 20 MB | {_ok(onnx_bytes <= 20e6)} |")
        if timing:
            L.append(f"| forward, 1 thread | {timing['median_ms']:.2f} ms | ≤ 25 ms | {_ok(timing['median_ms'] <= 25)} |")
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
              *([f"| test MRIs refused by the head-CT gate | {_pct(m['head_ct_gate_mri_refused'])} | — |",
                 f"| test head CTs refused by the head-CT gate / let through by the whole rule | "
                 f"{_pct(m['head_ct_gate_head_ct_refused'])} / {_pct(m['head_ct_let_through'])} | ≤ 0.5 % let through |",
                 f"| other test not-MRIs refused by the head-CT gate | "
                 f"{_pct(m['head_ct_gate_other_not_mri_refused'])} | — |"]
                if "head_ct_gate_mri_refused" in m else []),
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
             "channel) run before the model's rule. The head-CT gate (head_ct.py) is a second, binary read-out of the "
             "same embedding, head CT against every MRI, fitted on the train split with the head's recipe; it refuses "
             "as NOT_MRI above the highest margin of any validation MRI, and LOSO refits it per fold."
             if cfg.kind == "triage" else ""), ""]
    files.write_text(path, "\n".join(L) + "\n")
