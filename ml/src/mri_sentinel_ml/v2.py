"""The v2 models (main before this change) run on images they never saw: the "before" column of the LOSO tables
and of the source probe. Read from git (`V2_COMMIT`), run with ONNX Runtime and their own cards."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from . import data
from .records import HeldOut, JsonObject

if TYPE_CHECKING:  # annotations only: torch is imported where the weights are read (export.py)
    import torch

V2_COMMIT = "e835610"  # main before v3: triage 2.0.0, brain_tumor 2.0.0


def v2_card(name: str) -> JsonObject:
    """The v2 card as committed then (an older card than records.ModelCard: read by key, not typed)."""
    card: JsonObject = json.loads(subprocess.run(["git", "show", f"{V2_COMMIT}:models/{name}/model_card.json"],
                                                 cwd=data.REPO_DIR, capture_output=True, check=True, text=True).stdout)
    return card


def v2_onnx(name: str) -> Path:
    """The whole v2 model (trunk + v2 head) from git history; raises CalledProcessError without that history."""
    f = data.CACHE_DIR / f"{name}_{V2_COMMIT}.onnx"
    if not f.exists():
        data.CACHE_DIR.mkdir(parents=True, exist_ok=True)
        f.write_bytes(subprocess.run(["git", "show", f"{V2_COMMIT}:models/{name}/model.onnx"], cwd=data.REPO_DIR,
                                     capture_output=True, check=True).stdout)
    return f


def v2_trunk_state(name: str) -> dict[str, torch.Tensor]:
    """The v2 network's trunk weights (no head), as the committed models/<name>/model.onnx carries them: v3 kept
    the v2 trunk bit for bit and changed only `_fc`; v4 holds it as `task` beside the ImageNet `generic` trunk. So no
    git history is needed to rebuild the current model."""
    from .export import state_dict_from_onnx

    sd = state_dict_from_onnx(data.MODELS_DIR / name / "model.onnx")
    if any(k.startswith("task.") for k in sd):  # v4 layout
        sd = {k[len("task."):]: v for k, v in sd.items() if k.startswith("task.")}
    return {k: v for k, v in sd.items() if not k.startswith("_fc.")}


def frozen_trunk_onnx(name: str, size: int) -> Path:
    """The v2 trunk alone as an ONNX graph (cached, keyed by its weights); only its `embedding` output is used."""
    import hashlib

    from .export import export_onnx
    from .networks import EfficientNetLite0, round_fp16

    sd = round_fp16(v2_trunk_state(name))  # as v4 serves it (float16 weights)
    h = hashlib.sha1()
    for k in sorted(sd):
        h.update(k.encode())
        h.update(sd[k].numpy().tobytes())
    f = data.CACHE_DIR / f"trunk_v2_{name}_{size}_{h.hexdigest()[:12]}.onnx"
    if not f.exists():
        net = EfficientNetLite0(2)
        missing, _ = net.load_state_dict(sd, strict=False)
        assert all(k.startswith("_fc.") for k in missing), missing
        export_onnx(net, size, f)
    return f


def have_history() -> bool:
    r = subprocess.run(["git", "cat-file", "-e", f"{V2_COMMIT}^{{commit}}"], cwd=data.REPO_DIR, capture_output=True)
    return r.returncode == 0


def v2_outputs(name: str, paths: list[str]) -> dict[str, np.ndarray]:
    """-> logits [N,C], embedding [N,D], border [N] (background-gate ring mean of the model's letterbox)."""
    from .export import session

    f = v2_onnx(name)
    card = v2_card(name)
    s, n, size = session(f, 1), card["input"]["normalization"], card["input"]["size"]
    band = card["thresholds"].get("background", {}).get("band", 0.06)
    L, E, B = [], [], []
    for p in paths:
        with Image.open(data.DATA_DIR / p) as im:
            g = data.grey_float(im)
        lb = data.letterbox_grey(g, size)
        lg, emb = s.run(["logits", "embedding"], {"input": data.normalise(lb, n["mean"], n["std"])[None]})
        L.append(lg[0])
        E.append(emb[0])
        B.append(data.border_mean(lb, data.letterbox_geometry(g.shape[1], g.shape[0], size), band))
    return {"logits": np.array(L), "embedding": np.array(E), "border": np.array(B)}


def v2_as_heldout(name: str, paths: list[str], idx: np.ndarray) -> HeldOut:
    """v2's served outputs on images idx, in the form loso.triage_rows / brain_rows take (OOD as a ratio)."""
    from .calibrate import ood_score, softmax

    card = v2_card(name)
    o = v2_outputs(name, [paths[i] for i in idx])
    ood = card["thresholds"]["ood"]
    bg = card["thresholds"].get("background")
    bright = o["border"] > bg["max_border_mean"] if bg else np.zeros(len(idx), bool)
    return {"idx": idx, "p": softmax(o["logits"], card["calibration"]["temperature"]),
            "ood_ratio": ood_score(o["embedding"], ood) / ood["threshold"], "bright": bright,
            "confidence": card["thresholds"]["confidence"], "logits": o["logits"], "embedding": o["embedding"]}
