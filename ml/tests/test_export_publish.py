"""step_export replaces a served model folder's files only once the new ones are complete and checked: the server
loads model.onnx only when its sha256 matches model_card.json, so an export stopped half way (Ctrl-C, a failed
parity check, a full disk) that had already overwritten model.onnx left the folder unloadable."""

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mri_sentinel_ml import pipeline
from mri_sentinel_ml.config import brain_config
from mri_sentinel_ml.records import Timing

OLD_ONNX, OLD_CARD = b"old graph", '{"old": "card"}'


def _outputs(logits: float) -> dict[str, np.ndarray]:
    return {"logits": np.full((2, 4), logits, np.float32), "embedding": np.zeros((2, 8), np.float32),
            "cam": np.zeros((2, 4, 5, 5), np.float32)}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A served folder holding the old pair, and every step around the file handling replaced by a stand-in."""
    mdir = tmp_path / "models" / "brain_tumor"
    mdir.mkdir(parents=True)
    (mdir / "model.onnx").write_bytes(OLD_ONNX)
    (mdir / "model_card.json").write_text(OLD_CARD)
    run = tmp_path / "runs"
    run.mkdir()
    (run / "calib.json").write_text("{}")
    (run / "metrics.json").write_text("{}")
    monkeypatch.setattr(pipeline, "run_dir", lambda name: run)
    monkeypatch.setattr(pipeline, "load_ckpt", lambda name, path=None: (brain_config(), None, {}))
    monkeypatch.setattr(pipeline, "parity_images", lambda name, n=50: [])
    monkeypatch.setattr(pipeline, "contract_batch", lambda paths, cfg: np.zeros((2, 3, 4, 4), np.float32))

    def export(net: object, size: int, path: Path, fp16_weights: bool = False) -> None:
        path.write_bytes(b"new graph")

    def card(cfg: object, cal: object, m: object, info: dict[str, Any], *rest: object) -> dict[str, Any]:
        return {"onnx": info}

    monkeypatch.setattr(pipeline, "export_onnx", export)
    monkeypatch.setattr(pipeline, "torch_forward", lambda net, x: _outputs(0.0))
    monkeypatch.setattr(pipeline, "onnx_forward", lambda path, x: _outputs(0.0))
    monkeypatch.setattr(pipeline, "time_forward", lambda path, size: Timing(median_ms=1.0, p90_ms=1.0, min_ms=1.0))
    monkeypatch.setattr(pipeline, "build_card", card)
    monkeypatch.setattr(pipeline, "validate_card", lambda c: None)
    monkeypatch.setattr(pipeline, "write_report", lambda *a, **k: None)
    return mdir


def _untouched(mdir: Path) -> None:
    assert (mdir / "model.onnx").read_bytes() == OLD_ONNX
    assert (mdir / "model_card.json").read_text() == OLD_CARD
    assert sorted(p.name for p in mdir.iterdir()) == ["model.onnx", "model_card.json"]  # no leftovers
    assert [p.name for p in mdir.parent.iterdir()] == ["brain_tumor"]  # nor a scratch folder beside it


def test_export_writes_a_matching_pair(folder: Path) -> None:
    pipeline.step_export("brain_tumor", out_dir=folder)
    card = json.loads((folder / "model_card.json").read_text())
    assert (folder / "model.onnx").read_bytes() == b"new graph"
    assert card["onnx"]["sha256"] == hashlib.sha256(b"new graph").hexdigest()
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx", "model_card.json"]


def test_interrupted_export_leaves_the_served_pair(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(path: Path, size: int) -> Timing:
        raise KeyboardInterrupt  # after the graph is written, before the card

    monkeypatch.setattr(pipeline, "time_forward", interrupted)
    with pytest.raises(KeyboardInterrupt):
        pipeline.step_export("brain_tumor", out_dir=folder)
    _untouched(folder)


def test_failed_parity_is_a_named_error_and_leaves_the_served_pair(folder: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "onnx_forward", lambda path, x: _outputs(0.5))
    with pytest.raises(pipeline.ExportError, match="ONNX and PyTorch logits differ by 5.00e-01"):
        pipeline.step_export("brain_tumor", out_dir=folder)
    _untouched(folder)


def test_a_card_failing_validation_leaves_the_served_pair(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def invalid(card: object) -> None:
        raise ValueError("not the schema")

    monkeypatch.setattr(pipeline, "validate_card", invalid)
    with pytest.raises(ValueError):
        pipeline.step_export("brain_tumor", out_dir=folder)
    _untouched(folder)
