"""The steps behind the CLI: calibrate -> evaluate -> export (+ card, report)."""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import zipfile
from pathlib import Path
from typing import cast

import numpy as np
import torch
from PIL import Image

from . import data, files
from .calibrate import BACKGROUND_BAND, BACKGROUND_MAX_BORDER_MEAN, background_gate, calibrate
from .card import build_card, validate_card
from .colour import COLOUR_MAX_SHARE, colour_gate, colour_shares
from .config import ModelConfig, config_from_dict
from .evaluate import evaluate, save_metrics
from .export import OPSET, export_onnx, onnx_forward, sha256, time_forward, torch_forward
from .head_ct import head_ct_gate, head_ct_mask
from .networks import DualNet, EfficientNetLite0, net_for
from .records import Calibration, JsonObject, ModelCard, OnnxInfo, Timing
from .report import write_report
from .stress import inverted_mri_metrics
from .train import run_dir


def run_file(name: str, file: str) -> Path:
    """runs/<name>/<file>, or SystemExit naming the step that writes it (ml/runs/ is git-ignored: a fresh checkout
    has none, and `calibrate`, `evaluate` or `export` first ended in a FileNotFoundError traceback)."""
    f = run_dir(name) / file
    if not f.exists():
        step = files.WRITTEN_BY.get(file, "train")
        raise SystemExit(f"[{name}] no {f}: run `python -m mri_sentinel_ml {step} {name}` first")
    return f


# what numpy and torch raise on a file cut short (no zip directory, a short member, a truncated pickle)
_CUT_SHORT = (OSError, ValueError, EOFError, RuntimeError, KeyError, zipfile.BadZipFile, pickle.UnpicklingError)


def load_outputs(name: str) -> dict[str, np.ndarray]:
    f = run_file(name, "outputs.npz")
    try:
        with np.load(f) as z:
            return {k: z[k] for k in z.files}
    except _CUT_SHORT as e:
        raise files.broken(f, e) from None


def load_ckpt(name: str, path: Path | None = None) -> tuple[ModelConfig, EfficientNetLite0 | DualNet, JsonObject]:
    f = path or run_file(name, "ckpt.pt")
    try:
        ck = torch.load(f, weights_only=False)
    except _CUT_SHORT as e:
        raise files.broken(f, e) from None
    cfg = config_from_dict(ck["config"])
    net = net_for(cfg.trunk, len(cfg.labels), ck.get("shared", 0))
    net.load_state_dict(ck["state_dict"])
    return cfg, net.eval(), ck


def border_means(cfg: ModelConfig) -> np.ndarray:
    """Background-gate measure of every image of the model's split, in split-file order (as outputs.npz)."""
    tab = data.read_split(cfg.split)
    imgs, geos = data.image_cache(tab.paths, cfg.size)
    return np.array([data.border_mean(imgs[i], tuple(geos[i]), BACKGROUND_BAND) for i in range(len(tab.paths))])


def pixel_gated(cfg: ModelConfig) -> np.ndarray:
    """The gates that run before the model (background, colour): True where one refuses the image, split order."""
    return (border_means(cfg) > BACKGROUND_MAX_BORDER_MEAN) | (
        colour_shares(data.read_split(cfg.split).paths) > COLOUR_MAX_SHARE)


def loso_choice(name: str) -> JsonObject:
    f = run_dir(name) / "loso.json"
    if not f.exists():
        raise SystemExit(f"[{name}] run `python -m mri_sentinel_ml loso {name}` first: its gates come from LOSO")
    return files.read_json(f)


def step_calibrate(name: str) -> Calibration:
    cfg, _, _ = load_ckpt(name)
    out = load_outputs(name)
    cal = calibrate(out, cfg.ood_k, cfg.ood_target_tpr)
    lc = loso_choice(name)  # operating points chosen on held-out sources (loso_report.py), never on test
    cal["ood"]["threshold"] *= lc["ood_margin"]
    cal["ood"]["margin"] = lc["ood_margin"]
    cal["ood"]["fitted_on"] = (f"train (PCA, class means), val ({100 * cfg.ood_target_tpr:.1f} % quantile) x margin "
                               f"{lc['ood_margin']:g} chosen by leave-one-source-out")
    cal["confidence"] = lc.get("confidence", cfg.confidence)
    if cfg.kind == "triage":
        is_mri = out["y"] != cfg.labels.index("not_mri")
        cal["background"] = background_gate(border_means(cfg), is_mri, out["split"])
        cal["colour"] = colour_gate(colour_shares(data.read_split(cfg.split).paths), is_mri, out["split"])
        cal["head_ct"] = head_ct_gate(cfg, out["embedding"], out["y"], out["source"],
                                      head_ct_mask(data.read_split(cfg.split)), out["split"])
    files.write_json(run_dir(name) / "calib.json", cal, indent=None)
    print(f"[{name}] temperature {cal['temperature']:.4f}  ood threshold {cal['ood']['threshold']:.2f}")
    return cal


def read_calibration(name: str) -> Calibration:
    return cast(Calibration, files.read_json(run_file(name, "calib.json")))


def step_evaluate(name: str) -> JsonObject:
    cfg, net, ck = load_ckpt(name)
    cal = read_calibration(name)
    mdir = data.MODELS_DIR / name
    out = load_outputs(name)
    if cfg.kind == "triage":
        out["border_mean"] = border_means(cfg)
        out["colour_share"] = colour_shares(data.read_split(cfg.split).paths)
        out["head_ct"] = head_ct_mask(data.read_split(cfg.split))
    m = evaluate(out, cal, cfg.labels, cfg.kind, cal.get("confidence", cfg.confidence), mdir / "plots", ck["history"])
    m["loso"] = {k: v for k, v in loso_choice(name).items()
                if k not in ("rows_without_ood_gate", "rows_without_head_ct_gate")}
    m["v2_sources_test"] = v2_sources_figures(out, cal, cfg)
    pf = run_dir(name) / "probe.json"
    if cfg.kind == "diagnosis" and pf.exists():
        m["source_probe"] = files.read_json(pf)
    if cfg.kind == "triage":
        m.update(inverted_mri_metrics(cfg, net, cal))
    save_metrics(m, run_dir(name) / "metrics.json")
    tf = run_dir(name) / "timing.json"
    timing = cast(Timing, files.read_json(tf)) if tf.exists() else None
    onnx_path = mdir / "model.onnx"
    write_report(cfg, m, timing, onnx_path.stat().st_size if onnx_path.exists() else None, mdir / "report.md",
                 ck.get("timing_s"))
    keys = [k for k in m if isinstance(m[k], float)]
    print(f"[{name}] " + "  ".join(f"{k}={m[k]:.4f}" for k in keys))
    return m


def v2_sources_figures(out: dict[str, np.ndarray], cal: Calibration, cfg: ModelConfig) -> dict[str, float | None]:
    """Test-split figures on the v2 sources only: like for like with the last round's in-source numbers."""
    from .calibrate import softmax

    te = (out["split"] == "test") & np.isin(out["source"], list(data.V2_SOURCES))
    p = softmax(out["logits"][te], cal["temperature"])
    y, pred = out["y"][te], p.argmax(1)
    res: dict[str, float | None] = {"n": int(te.sum()), "accuracy": float((pred == y).mean())}
    if cfg.kind == "triage":
        sup = np.isin(y, [cfg.labels.index(b) for b in ("brain", "knee", "spine")])
        res["body_part_accuracy_on_mri"] = float((pred[sup] == y[sup]).mean())
    else:
        conf = p.max(1)
        thr = cal.get("confidence", cfg.confidence)
        res["answered"] = float((conf >= thr).mean())
        res["error_among_answered"] = float((pred[conf >= thr] != y[conf >= thr]).mean()) if (conf >= thr).any() else None
    return res


def parity_images(name: str, n: int = 50) -> list[str]:
    tab = data.read_split(name)
    te = tab.idx("test")
    pick = te[np.linspace(0, len(te) - 1, min(n, len(te))).astype(int)]
    return [tab.paths[i] for i in pick]


def contract_batch(paths: list[str], cfg: ModelConfig) -> np.ndarray:
    data.check_images(paths)
    xs = []
    for p in paths:
        with Image.open(data.DATA_DIR / p) as im:
            xs.append(data.preprocess(im, cfg.size, list(cfg.mean), list(cfg.std)))
    return np.stack(xs)


class ExportError(RuntimeError):
    """An exported graph that must not replace the served one (it does not compute what the checkpoint does)."""


PARITY_MAX_ABS_LOGIT_DIFF = 1e-3


def step_export(name: str, out_dir: Path | None = None, ckpt: Path | None = None) -> ModelCard:
    cfg, net, ck = load_ckpt(name, ckpt)
    cal = read_calibration(name)
    m = files.read_json(run_file(name, "metrics.json"))
    mdir = out_dir or data.MODELS_DIR / name
    mdir.mkdir(parents=True, exist_ok=True)
    # The new graph and card are made in a scratch folder beside the served one (hidden: the server skips it; same
    # file system: os.replace is atomic) and move in only once both are complete and checked. Written in place, a
    # stopped export (Ctrl-C, a failed parity check, a full disk) left a new or half-written model.onnx beside the old
    # card, and the server refused the model (sha256 mismatch) until it was exported again.
    with tempfile.TemporaryDirectory(dir=mdir.parent, prefix=f".{mdir.name}.export-") as scratch:
        onnx_path = Path(scratch) / "model.onnx"
        export_onnx(net, cfg.size, onnx_path, fp16_weights=isinstance(net, DualNet))
        x = contract_batch(parity_images(cfg.split, 50), cfg)  # [50,3,S,S]
        a, b = torch_forward(net, x), onnx_forward(onnx_path, x)
        dl = float(np.abs(a["logits"] - b["logits"]).max())
        print(f"[{name}] ONNX vs torch max|dlogit| = {dl:.2e} on {len(x)} test images")
        if not dl <= PARITY_MAX_ABS_LOGIT_DIFF:  # `not <=`: a NaN fails too
            raise ExportError(f"[{name}] ONNX and PyTorch logits differ by {dl:.2e} (at most "
                              f"{PARITY_MAX_ABS_LOGIT_DIFF:g} allowed) on {len(x)} test images; {mdir} left as it was")
        timing: Timing = time_forward(onnx_path, cfg.size)
        timing["measured_on"] = "2-core CPU build machine, onnxruntime CPU EP, intra_op_num_threads=1, batch 1"
        files.write_json(run_dir(name) / "timing.json", timing, indent=None)
        m["onnx_vs_torch_max_abs_logit_diff"] = dl
        info: OnnxInfo = {"file": "model.onnx", "sha256": sha256(onnx_path), "bytes": onnx_path.stat().st_size,
                          "opset": OPSET}
        card = build_card(cfg, cal, m, info, b["embedding"].shape[1], b["cam"].shape[-1], timing)
        validate_card(card)
        card_path = Path(scratch) / "model_card.json"
        card_path.write_text(json.dumps(card, indent=1))  # in the scratch folder: moved in whole below
        # the graph first, the card last: stopped between the two, the folder holds the new graph and the old card,
        # which the server refuses by name (sha256) rather than serving either half
        os.replace(onnx_path, mdir / "model.onnx")
        os.replace(card_path, mdir / "model_card.json")
    write_report(cfg, m, timing, info["bytes"], mdir / "report.md", ck.get("timing_s"))
    print(f"[{name}] {info['bytes'] / 1e6:.2f} MB, forward {timing['median_ms']:.2f} ms (1 thread)")
    return card
