"""A few training steps on a handful of real images, then a valid ONNX + card in a temp dir."""

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from mri_sentinel_ml import data
from mri_sentinel_ml.calibrate import calibrate
from mri_sentinel_ml.card import build_card, validate_card
from mri_sentinel_ml.config import brain_config
from mri_sentinel_ml.evaluate import evaluate
from mri_sentinel_ml.export import OPSET, export_onnx, onnx_forward, sha256
from mri_sentinel_ml.pipeline import load_ckpt

from .conftest import needs_data


@needs_data
def test_smoke_train_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path / "cache")
    cfg = brain_config(seed=1)
    cfg.views, cfg.batch_size, cfg.ood_k, cfg.size, cfg.trunk = 2, 8, 4, 128, "imagenet"  # small and fast
    from mri_sentinel_ml.train import train_model

    run = train_model(cfg, max_images=8, max_steps=3, out_dir=tmp_path / "run")
    cfg2, net, ck = load_ckpt(cfg.name, run / "ckpt.pt")
    assert cfg2 == cfg and len(ck["history"]) >= 1
    with np.load(run / "outputs.npz") as z:
        out = {k: z[k] for k in z.files}
    assert out["logits"].shape == (24, 4) and out["embedding"].shape == (24, 1280)
    cal = calibrate(out, cfg.ood_k, cfg.ood_target_tpr)
    m = evaluate(out, cal, cfg.labels, cfg.kind, cfg.confidence, tmp_path / "plots", ck["history"])
    p = tmp_path / "model" / "model.onnx"
    export_onnx(net, cfg.size, p)
    onnx.checker.check_model(onnx.load(str(p)))
    o = onnx_forward(p, np.zeros((2, 3, cfg.size, cfg.size), np.float32))
    assert o["logits"].shape == (2, 4) and o["cam"].shape == (2, 4, 4, 4)  # 128 / 32
    card = build_card(cfg, cal, m, {"file": "model.onnx", "sha256": sha256(p), "bytes": p.stat().st_size,
                                    "opset": OPSET}, 1280, 4, {"median_ms": 0.0, "p90_ms": 0.0, "min_ms": 0.0})
    validate_card(json.loads(json.dumps(card)))
