"""validate_card holds a card to the server's cross-field rules as well as the JSON schema
(src/inference/model-card.ts checkConsistency): a card the schema accepts but the server refuses must fail at
export, not when the service starts and finds no model."""

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from mri_sentinel_ml import data
from mri_sentinel_ml.card import CardError, validate_card
from mri_sentinel_ml.records import ModelCard

CARDS = {p.parent.name: p for p in sorted(data.MODELS_DIR.glob("*/model_card.json"))}
pytestmark = pytest.mark.skipif(not {"triage", "brain_tumor"} <= set(CARDS), reason="no committed models")


def _card(name: str) -> dict[str, Any]:
    """The committed card with a 4-d embedding and 2 OOD components (the schema check of 2,560-d arrays is slow)."""
    card: dict[str, Any] = json.loads(CARDS[name].read_text())
    card["outputs"]["embedding_dim"] = 4
    ood = card["thresholds"]["ood"]
    ood["center"], ood["components"] = [0.0] * 4, [[1.0, 0, 0, 0], [0, 1.0, 0, 0]]
    ood["class_means"] = [[0.0, 0.0] for _ in card["labels"]]
    if "head_ct" in card["thresholds"]:
        card["thresholds"]["head_ct"]["weights"] = [0.5] * 4
    return card


def _drop_ood_value(c: dict[str, Any]) -> None:
    c["thresholds"]["ood"]["center"].pop()


def _short_component(c: dict[str, Any]) -> None:
    c["thresholds"]["ood"]["components"][0].pop()


def _short_class_mean(c: dict[str, Any]) -> None:
    c["thresholds"]["ood"]["class_means"][0].pop()


def _no_body_part(c: dict[str, Any]) -> None:
    c["body_part"] = None


def _head_ct_on_diagnosis(c: dict[str, Any]) -> None:
    c["thresholds"]["head_ct"] = _card("triage")["thresholds"]["head_ct"]


@pytest.mark.parametrize(("name", "spoil", "message"), [
    ("brain_tumor", _drop_ood_value, "ood.center has 3 values, expected 4"),
    ("triage", _short_component, "ood.components rows must have 4 values"),
    ("brain_tumor", _short_class_mean, "ood.class_means rows must have 2 values"),
    ("brain_tumor", _no_body_part, "a diagnosis card must name its body_part"),
    ("brain_tumor", _head_ct_on_diagnosis, "only a triage card may carry a head-CT gate"),
])
def test_cards_the_server_would_refuse_fail_validation(name: str, spoil: Callable[[dict[str, Any]], None],
                                                       message: str) -> None:
    card = copy.deepcopy(_card(name))
    validate_card(json.loads(json.dumps(card)))  # the committed card passes
    spoil(card)
    c: ModelCard = json.loads(json.dumps(card))
    with pytest.raises(CardError, match=f"{name}: {message}"):
        validate_card(c)


def test_triage_labels_and_head_ct_length_are_checked() -> None:
    card = _card("triage")
    validate_card(json.loads(json.dumps(card)))
    card["thresholds"]["head_ct"]["weights"].pop()
    with pytest.raises(CardError, match="head_ct.weights has 3 values, expected 4"):
        validate_card(json.loads(json.dumps(card)))
    card = _card("triage")
    card["labels"] = [lb if lb != "other_mri" else "other" for lb in card["labels"]]
    card["label_descriptions"] = {}
    with pytest.raises(CardError, match='triage labels must include "other_mri"'):
        validate_card(json.loads(json.dumps(card)))


def test_a_non_finite_number_is_named() -> None:
    """json.dumps writes NaN / Infinity, which is not JSON: the server's JSON.parse refused the whole card."""
    card = _card("brain_tumor")
    card["metrics"]["by_source"] = {"rows": [{"auc": float("nan")}]}
    with pytest.raises(CardError, match=r"brain_tumor: metrics.by_source.rows\[0\].auc is nan"):
        validate_card(json.loads(json.dumps(card)))
