"""Typed shapes of the JSON this package writes and the server reads: calib.json, the ONNX facts and the model card
(models/model_card.schema.json is the contract; these types let mypy check that build_card writes what it names).

Metrics, LOSO rows and reports stay `JsonObject`: their keys are made per model kind, per source and per threshold,
and nothing here reads them back by a fixed key set, so a TypedDict would only restate the code that builds them."""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

import numpy as np

JsonObject = dict[str, Any]


class OodFit(TypedDict):
    """calibrate.fit_ood's result: z = components @ (e - center), compared with class_means in z space."""
    center: np.ndarray
    components: np.ndarray
    class_means: np.ndarray


class OodGate(TypedDict):
    """The mahalanobis_pca gate as calib.json and the card store it (lists: JSON)."""
    method: Literal["mahalanobis_pca"]
    threshold: float
    target_tpr: float
    center: list[float]
    components: list[list[float]]
    class_means: list[list[float]]
    fitted_on: str
    margin: NotRequired[float]  # set by pipeline.step_calibrate from the LOSO choice


class BackgroundGate(TypedDict):
    method: Literal["content_border_mean"]
    band: float
    max_border_mean: float
    train_val_mri_refused: float
    train_val_not_mri_refused: float | None


class ColourGate(TypedDict):
    method: Literal["centre_chroma_share"]
    margin: float
    min_chroma: float
    max_share: float
    train_val_mri_refused: float
    train_val_not_mri_refused: float | None


class HeadCtGate(TypedDict):
    method: Literal["linear_probe"]
    weights: list[float]
    bias: float
    threshold: float
    fitted_on: str
    train_val_mri_refused: float
    train_val_head_ct_refused: float
    train_val_other_not_mri_refused: float | None


class Calibration(TypedDict):
    """calib.json: calibrate.calibrate's result, completed by pipeline.step_calibrate."""
    temperature: float
    ood: OodGate
    confidence: NotRequired[float]
    background: NotRequired[BackgroundGate]  # triage only
    colour: NotRequired[ColourGate]  # triage only
    head_ct: NotRequired[HeadCtGate]  # triage only


class Timing(TypedDict):
    """export.time_forward: single-thread ONNX Runtime forward, batch 1, in ms."""
    median_ms: float
    p90_ms: float
    min_ms: float
    measured_on: NotRequired[str]


class OnnxInfo(TypedDict):
    file: str
    sha256: str
    bytes: int
    opset: int


class CardResize(TypedDict):
    method: Literal["letterbox"]
    filter: Literal["bilinear_antialias"]
    pad_value: Literal[0]


class CardNormalization(TypedDict):
    scale: float
    mean: list[float]
    std: list[float]


class CardInput(TypedDict):
    name: Literal["input"]
    size: int
    channels: Literal[3]
    channel_order: Literal["RGB"]
    layout: Literal["NCHW"]
    dtype: Literal["float32"]
    color: Literal["grey_replicated"]
    resize: CardResize
    normalization: CardNormalization


class CardOutputs(TypedDict):
    logits: Literal["logits"]
    embedding: Literal["embedding"]
    cam: Literal["cam"]
    embedding_dim: int
    cam_size: int


class CardCalibration(TypedDict):
    method: Literal["temperature_scaling"]
    temperature: float
    fitted_on: str


class CardThresholds(TypedDict):
    confidence: float
    ood: OodGate
    background: NotRequired[BackgroundGate]
    colour: NotRequired[ColourGate]
    head_ct: NotRequired[HeadCtGate]


class TrainingSource(TypedDict):
    source: str
    count: int
    licence: str
    count_val: int
    count_test: int


class CardTraining(TypedDict):
    sources: list[TrainingSource]
    config: JsonObject  # config.ModelConfig.to_dict()
    git_commit: str
    splits: str
    curation: str
    pretrained: str


class ModelCard(TypedDict):
    """model_card.json; key order is the order build_card writes (kept: the committed cards diff cleanly)."""
    schema_version: Literal[1]
    name: str
    version: str
    kind: str  # "triage" | "diagnosis" (ModelConfig.kind)
    body_part: str | None
    experimental: bool
    description: str
    intended_use: str
    labels: list[str]
    label_descriptions: dict[str, str]
    label_caveats: NotRequired[dict[str, str]]
    input: CardInput
    outputs: CardOutputs
    calibration: CardCalibration
    thresholds: CardThresholds
    metrics: JsonObject
    training: CardTraining
    onnx: OnnxInfo
    limitations: list[str]


class HeldOut(TypedDict):
    """Outputs on held-out images (a LOSO fold, several merged, or the v2 model), as loso.triage_rows and
    loso.brain_rows read them: image indices, calibrated probabilities, OOD score over the gate's threshold."""
    idx: np.ndarray
    p: np.ndarray
    ood_ratio: np.ndarray
    temperature: NotRequired[float]  # loso.fit_fold
    bright: NotRequired[np.ndarray]  # v2.v2_as_heldout: refused by the v2 card's background gate
    confidence: NotRequired[float]  # v2.v2_as_heldout: the v2 card's threshold
    logits: NotRequired[np.ndarray]
    embedding: NotRequired[np.ndarray]
