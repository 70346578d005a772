"""`loso-ft`: held-out groups are disjoint and clean, the prefix cache keeps shapes and labels, a fine-tune learns,
the summary counts targets as the LOSO report does."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from mri_sentinel_ml import data, finetune
from mri_sentinel_ml.config import ModelConfig, triage_config
from mri_sentinel_ml.loso import family
from mri_sentinel_ml.loso_ft import K, brain_groups, brain_summary, capped_v2, clean_groups, summary
from mri_sentinel_ml.networks import EfficientNetLite0

from .conftest import needs_data


def _cfg() -> ModelConfig:
    return replace(triage_config(), size=64, ft_views=3, ft_steps=60, ft_batch=16, ft_lr=3e-3)


@pytest.fixture
def random_init(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No git history or data needed: a seeded random network stands in for v2's, caches go to tmp."""
    def init(cfg: ModelConfig) -> EfficientNetLite0:
        torch.manual_seed(0)
        return EfficientNetLite0(len(cfg.labels))

    monkeypatch.setattr(finetune, "init_net", init)
    monkeypatch.setattr(data, "CACHE_DIR", tmp_path)


def _table(n: int) -> data.SplitTable:
    labels = ["brain", "knee", "not_mri", "spine"] * (n // 4)
    return data.SplitTable([f"x/{i}.png" for i in range(n)], [f"s{i % 3}" for i in range(n)],
                           [f"g{i}" for i in range(n)], labels, ["train"] * n, [""] * n)


def test_clean_groups_hold_out_each_family_once_and_never_a_v2_one() -> None:
    sources = np.array(["a", "b", "c", "d", "e", "brain_tumor_nickparvar", "spine_sct_tutorial", "spine_cervical_sct"])
    labels = np.array(["brain", "brain", "knee", "knee", "not_mri", "brain", "spine", "spine"])
    g = clean_groups(sources, labels, k=3)
    assert set(g) == {"a", "b", "c", "d", "e", family("spine_sct_tutorial")}  # families, v2 sources left out
    assert g["a"] != g["b"] and g["c"] != g["d"]  # a class's families go to different groups while groups last
    assert set(g.values()) <= {0, 1, 2}


@needs_data
def test_real_groups_leave_every_class_a_training_source() -> None:
    tab = data.read_split("triage")
    src, lab = np.array(tab.sources), np.array(tab.labels)
    g = clean_groups(src, lab)
    assert not {family(s) for s in data.V2_SOURCES} & set(g)
    fam = np.array([family(s) for s in src])
    for k in range(K):
        held = np.isin(fam, [f for f, v in g.items() if v == k])
        for c in set(lab):
            assert (~held & (lab == c)).any(), (k, c)  # the fold's trunk still sees every class
        assert not set(src[held]) & set(src[~held])
        assert not set(np.array(tab.groups)[held]) & set(np.array(tab.groups)[~held])
    head_ct = [g[f] for f in g if f.startswith("ct_head_")]
    assert len(set(head_ct)) == len(head_ct)  # each head-CT collection is held out beside the others


def test_prefix_cache_shapes_labels_and_reuse(random_init: None) -> None:
    cfg, tab = _cfg(), _table(8)
    imgs = np.random.default_rng(0).uniform(0, 255, (8, 64, 64)).astype(np.float16)
    geos = np.tile(np.array([[64, 64, 0, 0]], np.int32), (8, 1))
    P, Y = finetune.prefix_cache(cfg, tab, imgs, geos)
    assert P.shape == (8, 3, 112, 4, 4) and P.dtype == np.float16  # 64 px / 16 at block 11
    assert Y.shape == (8, 3) and (Y[:, 0] == [cfg.labels.index(lb) for lb in tab.labels]).all()
    relabelled = Y[:, 1:] != Y[:, :1]
    assert (Y[:, 1:][relabelled] == cfg.labels.index("not_mri")).all()  # only inverted views change label
    assert not np.array_equal(P[:, 0], P[:, 1])  # augmented views differ from the clean one
    P2, _ = finetune.prefix_cache(cfg, tab, imgs * 0, geos)  # cached: same key, not recomputed
    assert np.array_equal(np.asarray(P), np.asarray(P2))


def test_fit_tail_learns_and_round_trips_into_the_served_network(random_init: None) -> None:
    cfg = _cfg()
    rng = np.random.default_rng(1)
    n = 64
    y = rng.integers(0, len(cfg.labels), n)
    P = rng.normal(0, 1, (n, 3, 112, 4, 4)).astype(np.float16)
    P += (y[:, None, None, None, None] * 0.8).astype(np.float16)  # separable by mean level
    Y = np.repeat(y[:, None], 3, 1)
    blank = rng.normal(0, 1, (4, 112, 4, 4)).astype(np.float32)
    before = finetune.Tail(finetune.init_net(cfg), cfg.ft_shared, len(cfg.labels)).eval()
    tail = finetune.fit_tail(cfg, P, Y, np.arange(n), np.array(["s"] * n), blank, seed=0)
    x = torch.from_numpy(P[:, 0].astype(np.float32))
    with torch.no_grad():
        acc = [float((m(x).argmax(1).numpy() == y).mean()) for m in (before, tail)]
    assert acc[1] >= 0.8 > acc[0], acc  # eval mode: BN running statistics were learnt too
    base = finetune.init_net(cfg).state_dict()
    assert all(torch.equal(v, base[f"_blocks.{cfg.ft_shared + i}.{k}"])  # the tail starts as the init's blocks
               for i, b in enumerate(before.blocks) for k, v in b.state_dict().items())
    moved = [not torch.equal(p, q) for p, q in zip(tail.blocks.parameters(), before.blocks.parameters(), strict=True)]
    assert all(moved)  # every block of the tail learnt (the prefix is not part of it)
    emb = finetune.tail_embeddings(tail, P)
    assert emb.shape == (n, 1280) and np.isfinite(emb).all()


def test_summary_counts_targets_like_the_report() -> None:
    rows = [
        {"true": "not_mri", "passes_modality": 0.004, "accepted_as_supported": 0.0, "accepted_right_part": None},
        {"true": "not_mri", "passes_modality": 0.2, "accepted_as_supported": 0.2, "accepted_right_part": None},
        {"true": "other_mri", "passes_modality": 1.0, "accepted_as_supported": 0.01, "accepted_right_part": None},
        {"true": "knee", "passes_modality": 1.0, "accepted_as_supported": 0.95, "accepted_right_part": 0.9},
        {"true": "spine", "passes_modality": 1.0, "accepted_as_supported": 0.5, "accepted_right_part": 0.4},
    ]
    s = summary(rows)
    assert (s["met"], s["rows"]) == (3, 5)
    assert s["not_mri passing"] == pytest.approx(0.102)
    assert s["unsupported MRI accepted"] == pytest.approx(0.01)
    assert s["supported MRI right part"] == pytest.approx(0.65)


def test_brain_groups_big_tumour_families_alone_small_together_tumour_free_together() -> None:
    sources = np.array(["brain_tumor_nickparvar"] * 3 + ["big"] * 100 + ["small1", "small2", "free1", "free2"])
    labels = np.array(["glioma"] * 3 + ["glioma"] * 50 + ["notumor"] * 50 + ["meningioma", "pituitary",
                                                                              "notumor", "notumor"])
    g = brain_groups(sources, labels)
    assert "brain_tumor_nickparvar" not in g  # a v2 source is never a clean hold-out
    assert g["small1"] == g["small2"] and g["free1"] == g["free2"]
    assert len({g["big"], g["small1"], g["free1"]}) == 3


def test_capped_v2_caps_only_the_v2_source_and_drops_its_test_split() -> None:
    n = 1000
    sources = np.array(["brain_tumor_nickparvar"] * n + ["other"] * 10)
    splits = np.array((["train"] * 6 + ["val"] * 2 + ["test"] * 2) * (n // 10) + ["test"] * 10)
    y = np.concatenate([np.arange(n) % 2, np.zeros(10, int)])
    keep = capped_v2(sources, splits, y, 2, caps=(("train", 50), ("val", 10)))
    assert (np.diff(keep) > 0).all()
    assert set(range(n, n + 10)) <= set(keep)  # every image of a clean source, test split included
    k = keep[keep < n]
    for c in (0, 1):
        assert ((splits[k] == "train") & (y[k] == c)).sum() == 50 and ((splits[k] == "val") & (y[k] == c)).sum() == 10
    assert not (splits[k] == "test").any()
    assert np.array_equal(keep, capped_v2(sources, splits, y, 2, caps=(("train", 50), ("val", 10))))  # seeded


def test_brain_summary_pools_by_image_count() -> None:
    rows = [{"truth": "tumour", "n": 100, "answered": 0.5, "right_among_answered": 0.8},
            {"truth": "tumour", "n": 300, "answered": 1.0, "right_among_answered": 0.4},
            {"truth": "tumour-free", "n": 10, "answered": 0.0, "right_among_answered": None}]
    s = brain_summary(rows)
    assert s["tumour answered"] == pytest.approx(350 / 400)
    assert s["tumour right among answered"] == pytest.approx((40 + 120) / 350)
    assert s["tumour-free answered"] == 0.0 and s["tumour-free right among answered"] == 0.0
