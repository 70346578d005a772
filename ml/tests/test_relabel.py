"""Triage teaches inverted MRIs as not_mri: a relabelled view is the inverted content with the new label."""

from pathlib import Path

import numpy as np
import pytest
import torch

from mri_sentinel_ml import data
from mri_sentinel_ml.config import triage_config
from mri_sentinel_ml.embed import embedding_cache
from mri_sentinel_ml.transforms import invert_content

from .conftest import needs_data


@needs_data
def test_inverted_mri_views_are_labelled_not_mri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path)
    cfg = triage_config(seed=3)
    cfg.size, cfg.views, cfg.trunk = 64, 5, "imagenet"  # a small ImageNet trunk: the test is about labels
    cfg.aug.relabel_inverted = 0.5
    tab = data.read_split("triage")
    mri = [i for i in tab.idx("train") if tab.labels[i] != "not_mri"][:6]
    other = [i for i in tab.idx("train") if tab.labels[i] == "not_mri"][:2]
    tr = np.array(mri + other)
    sub = data.SplitTable(*[[col[i] for i in tr] for col in
                            (tab.paths, tab.sources, tab.groups, tab.labels, tab.splits, tab.extra)])
    imgs, geos = data.image_cache(sub.paths, cfg.size)
    e = embedding_cache(cfg, sub, imgs, geos)
    aug, aug_y = e["aug"], torch.from_numpy(e["aug_y"])
    assert aug.shape[:2] == (len(tr), cfg.views - 1) and aug_y.shape == (len(tr), cfg.views - 1)
    assert e["clean"].shape == (len(tr), 1280)
    not_mri = cfg.labels.index("not_mri")
    y = torch.tensor([cfg.labels.index(sub.labels[k]) for k in range(len(tr))])
    relabelled = aug_y != y[:, None]
    assert relabelled[:6].any(), "with p=0.5 some MRI views must be inverted and relabelled"
    assert (aug_y[relabelled] == not_mri).all()
    assert not relabelled[6:].any(), "not_mri images keep their label"
    # cached second call returns the same labels
    assert torch.equal(aug_y, torch.from_numpy(embedding_cache(cfg, sub, imgs, geos)["aug_y"]))


def test_invert_content_keeps_padding_black() -> None:
    x = torch.zeros(2, 1, 8, 8)
    x[:, :, 2:6, 1:7] = 40.0  # content box: x0=1, y0=2, 6 wide, 4 high
    geo = torch.tensor([[6, 4, 1, 2], [6, 4, 1, 2]])
    out = invert_content(x, geo, torch.tensor([True, False]))
    assert torch.equal(out[1], x[1])
    assert (out[0, :, 2:6, 1:7] == 215.0).all()
    inside = torch.zeros(8, 8, dtype=torch.bool)
    inside[2:6, 1:7] = True
    assert (out[0, 0][~inside] == 0).all()
