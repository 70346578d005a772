"""Every augmentation keeps the batch shape, the 0..255 range and the black letterbox padding."""

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
import torch

from mri_sentinel_ml.config import AugConfig, brain_config, triage_config
from mri_sentinel_ml.transforms import augment, bias_field, content_mask, jpeg, resolution_drop, window

S = 48


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    geo = torch.tensor([[48, 36, 0, 6], [30, 48, 9, 0], [48, 48, 0, 0], [40, 20, 4, 14]])
    x = torch.rand(4, 1, S, S, generator=g) * 255 * content_mask(geo, S)
    return x, geo


@pytest.mark.parametrize("fn", [window, bias_field, resolution_drop, jpeg])
def test_single_transforms_keep_shape_and_range(fn: Callable[[torch.Tensor, torch.Tensor, torch.Generator], torch.Tensor],
                                                ) -> None:
    x, _ = _batch()
    v = x / 255
    g = torch.Generator().manual_seed(1)
    out = fn(v, torch.tensor([True, True, False, True]), g)
    assert out.shape == v.shape and out.dtype == v.dtype
    assert out.min() >= 0 and out.max() <= 1
    assert torch.equal(out[2], v[2])  # not selected: untouched
    assert not torch.allclose(out[0], v[0])  # selected: changed


def test_bias_field_is_smooth_and_bounded() -> None:
    v = torch.full((1, 1, S, S), 0.5)
    out = bias_field(v, torch.tensor([True]), torch.Generator().manual_seed(2))
    assert 0.25 <= float(out.min()) and float(out.max()) <= 0.75
    assert float((out[..., 1:] - out[..., :-1]).abs().max()) < 0.05  # no edges: a field, not noise


@pytest.mark.parametrize("field", ["window", "bias", "res_drop", "jpeg", "noise", "blur", "border", "equalize"])
def test_augment_each_transform_alone(field: str) -> None:
    x, geo = _batch()
    only: dict[str, Any] = {field: 1.0}  # a probability field by name: mypy cannot match a str key to replace()'s fields
    cfg = dataclasses.replace(AugConfig(), rotate_deg=0.0, scale=(1.0, 1.0), aspect=(1.0, 1.0), translate=0.0,
                              hflip=0.0, **only)
    out = augment(x, geo, cfg, torch.Generator().manual_seed(3))
    assert out.shape == x.shape
    assert out.min() >= 0 and out.max() <= 255
    assert (out * (1 - content_mask(geo, S))).abs().max() == 0  # padding stays black, as at inference


@pytest.mark.parametrize("cfg", [triage_config().aug, brain_config().aug], ids=["triage", "brain"])
def test_full_configs_keep_shape_and_range(cfg: AugConfig) -> None:
    x, geo = _batch()
    out = augment(x, geo, cfg, torch.Generator().manual_seed(4))
    assert out.shape == x.shape and torch.isfinite(out).all()
    assert out.min() >= 0 and out.max() <= 255
