"""A frame with no anatomy (black, grey, white, a gradient, faint noise) is not an MRI: the committed triage refuses it."""

import json

import numpy as np
import pytest

from mri_sentinel_ml import data
from mri_sentinel_ml.calibrate import softmax
from mri_sentinel_ml.export import onnx_forward
from mri_sentinel_ml.synthetic import blank_images

CARD = data.MODELS_DIR / "triage" / "model_card.json"


def test_blank_set_is_generated_and_varied() -> None:
    ims = blank_images()
    assert len(ims) >= 50
    stds = [float(np.asarray(im.convert("L"), np.float32).std()) for im in ims]
    assert max(stds) < 80 and min(stds) == 0.0  # uniform frames and gradients, no structure
    assert {im.size for im in ims} >= {(256, 256), (320, 240), (200, 300)}


@pytest.mark.skipif(not CARD.exists(), reason="no committed triage model")
def test_committed_triage_calls_blank_frames_not_mri() -> None:
    card = json.loads(CARD.read_text())
    n = card["input"]["normalization"]
    ims = blank_images(seed=7)  # other gradients/noise than the training draw (seed 0)
    x = np.stack([data.preprocess(im, card["input"]["size"], n["mean"], n["std"]) for im in ims])
    p = softmax(onnx_forward(CARD.parent / "model.onnx", x)["logits"], card["calibration"]["temperature"])
    nm = card["labels"].index("not_mri")
    assert (p.argmax(1) == nm).mean() >= 0.95, p.argmax(1)
