"""Committed models: cards validate, sha256 matches, ONNX == PyTorch on 50 test-split images."""

import hashlib
import json
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from mri_sentinel_ml import data
from mri_sentinel_ml.card import validate_card
from mri_sentinel_ml.export import net_from_onnx, onnx_forward, torch_forward
from mri_sentinel_ml.pipeline import contract_batch, parity_images
from mri_sentinel_ml.records import ModelCard

from .conftest import needs_data

CARDS = sorted(data.MODELS_DIR.glob("*/model_card.json"))
pytestmark = pytest.mark.skipif(not CARDS, reason="no committed models yet")


def _card(p: Path) -> ModelCard:
    card: ModelCard = json.loads(p.read_text())  # the schema check below is what vouches for the shape
    return card


@pytest.mark.parametrize("card_path", CARDS, ids=lambda p: p.parent.name)
def test_card_valid_and_matches_onnx(card_path: Path) -> None:
    card = _card(card_path)
    validate_card(card)
    onnx_path = card_path.parent / card["onnx"]["file"]
    blob = onnx_path.read_bytes()
    assert hashlib.sha256(blob).hexdigest() == card["onnx"]["sha256"]
    assert len(blob) == card["onnx"]["bytes"] <= 20 * 1024 * 1024
    m = onnx.load(str(onnx_path))
    onnx.checker.check_model(m)
    assert max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) == card["onnx"]["opset"] >= 17
    assert [i.name for i in m.graph.input] == ["input"]
    assert [o.name for o in m.graph.output] == ["logits", "embedding", "cam"]
    assert card["name"] == card_path.parent.name
    ood = card["thresholds"].get("ood")
    if ood:
        k = len(ood["components"])
        assert len(ood["center"]) == card["outputs"]["embedding_dim"] == len(ood["components"][0])
        assert len(ood["class_means"]) == len(card["labels"]) and len(ood["class_means"][0]) == k
    for f in ("report.md",):
        assert (card_path.parent / f).exists()


@needs_data
@pytest.mark.parametrize("card_path", CARDS, ids=lambda p: p.parent.name)
def test_onnx_matches_pytorch_on_test_images(card_path: Path) -> None:
    card = _card(card_path)
    onnx_path = card_path.parent / "model.onnx"
    net = net_from_onnx(onnx_path, len(card["labels"]))
    cfg = card["training"]["config"]

    class C:  # the bits of ModelConfig that contract_batch needs, from the card only
        size = card["input"]["size"]
        mean = card["input"]["normalization"]["mean"]
        std = card["input"]["normalization"]["std"]

    x = contract_batch(parity_images(cfg["split"], 50), C)  # type: ignore[arg-type]
    assert x.shape == (50, 3, C.size, C.size)
    with torch.no_grad():
        a = torch_forward(net, x)
    b = onnx_forward(onnx_path, x)
    assert np.abs(a["logits"] - b["logits"]).max() <= 1e-3
    assert np.abs(a["embedding"] - b["embedding"]).max() <= 1e-3
    assert b["cam"].shape[:2] == (50, len(card["labels"])) and b["cam"].shape[-1] == card["outputs"]["cam_size"]


@needs_data
@pytest.mark.parametrize("card_path", CARDS, ids=lambda p: p.parent.name)
def test_card_names_every_training_source_with_its_licence(card_path: Path) -> None:
    card = _card(card_path)
    tab = data.read_split(card["training"]["config"]["split"])
    listed = {s["source"]: s for s in card["training"]["sources"]}
    assert set(listed) == set(tab.sources)
    licences = {r.source: r.licence for r in data.read_manifest()}
    for s, e in listed.items():
        assert e["licence"] == licences[s] and e["licence"]
        assert e["count"] == sum(1 for a, b in zip(tab.sources, tab.splits, strict=True) if a == s and b == "train")
    if card["version"] >= "3":  # v3 cards carry their leave-one-source-out table
        assert card["metrics"]["loso"]["rows"]
        assert {r["source"] for r in card["metrics"]["loso"]["rows"]} <= set(tab.sources)


@pytest.mark.parametrize("card_path", CARDS, ids=lambda p: p.parent.name)
def test_label_caveats_follow_the_held_out_figures(card_path: Path) -> None:
    """The caveat served beside an answer is the card generator's, from the card's own LOSO rows: a retrained card
    cannot keep an old figure. An experimental brain card warns that "no tumour" does not rule a tumour out."""
    from mri_sentinel_ml.card import label_caveats
    from mri_sentinel_ml.config import brain_config, triage_config
    from mri_sentinel_ml.loso import pooled_brain

    card = _card(card_path)
    cfg = brain_config() if card["name"] == "brain_tumor" else triage_config()
    assert card.get("label_caveats", {}) == label_caveats(cfg, card["metrics"])
    if card["name"] == "brain_tumor" and card["experimental"]:
        rows = [r for r in card["metrics"]["loso"]["rows_at_0.60"] if r["source"] not in data.V2_SOURCES]
        missed = 100 * (1 - pooled_brain(rows)["tumour"]["right_among_answered"])
        assert card["label_caveats"]["notumor"].startswith("This does not rule out a tumour")
        assert f"{missed:.0f} % of the tumour slices" in card["label_caveats"]["notumor"]
        assert set(card["label_caveats"]) == set(card["labels"])
    if card["kind"] == "triage":
        assert "label_caveats" not in card
