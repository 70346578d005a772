"""LOSO folds never put one source family (or a group) on both sides; the balanced weights and sampler."""

from collections import Counter

import numpy as np
import pytest

from mri_sentinel_ml import data
from mri_sentinel_ml.head import balanced_sample, balanced_weights
from mri_sentinel_ml.loso import FAMILIES, family, make_folds

from .conftest import needs_data


def _check_folds(sources: np.ndarray, groups: np.ndarray, splits: np.ndarray, y: np.ndarray) -> int:
    folds = make_folds(sources, splits, y)
    for f in folds:
        fitted = f.train | f.val
        assert not (fitted & f.held).any()
        assert not set(sources[f.held]) & set(sources[fitted]), f.name
        assert not {family(s) for s in sources[f.held]} & {family(s) for s in sources[fitted]}, f.name
        assert not set(groups[f.held]) & set(groups[fitted]), f.name
        assert {family(s) for s in sources[f.held]} == {f.name}
    return len(folds)


def test_synthetic_folds_hold_out_whole_families() -> None:
    sources = np.array(["a", "a", "b", "b", "c", "spine_sct_tutorial", "spine_cervical_sct", "d"])
    groups = np.array([f"{s}/{i // 2}" for i, s in enumerate(sources)])
    splits = np.array(["train", "val", "train", "test", "train", "train", "val", "train"])
    y = np.array([0, 0, 0, 1, 1, 2, 2, 2])
    n = _check_folds(sources, groups, splits, y)
    # class 0: a, b; class 1: b, c; class 2: sct family, d -> folds a, b, c, neuropoly_sct, d
    assert n == 5
    assert family("spine_cervical_sct") == family("spine_sct_tutorial") == FAMILIES["spine_cervical_ivadomed"]


def test_single_source_class_gets_no_fold() -> None:
    sources = np.array(["a", "a", "b", "b"])
    y = np.array([0, 0, 1, 1])
    assert make_folds(sources, np.array(["train"] * 4), y) == []


@needs_data
@pytest.mark.parametrize("name", ["triage", "brain_tumor"])
def test_real_folds_are_source_and_group_disjoint(name: str) -> None:
    tab = data.read_split(name)
    labels = sorted(set(tab.labels))
    y = np.array([labels.index(lb) for lb in tab.labels])
    n = _check_folds(np.array(tab.sources), np.array(tab.groups), np.array(tab.splits), y)
    assert n >= (40 if name == "triage" else 8)


def test_balanced_weights_equal_classes_and_sources() -> None:
    y = np.array([0] * 90 + [0] * 10 + [1] * 5)
    src = np.array(["big"] * 90 + ["small"] * 10 + ["x"] * 5)
    w = balanced_weights(y, src, 1.0)
    assert w.sum() == pytest.approx(1.0)
    assert w[y == 0].sum() == pytest.approx(w[y == 1].sum())
    assert w[src == "big"].sum() == pytest.approx(w[src == "small"].sum())
    w0 = balanced_weights(y, src, 0.0)  # proportional within the class
    assert w0[src == "big"].sum() == pytest.approx(9 * w0[src == "small"].sum())
    wh = balanced_weights(y, src, 0.5)  # sqrt: 3x, not 9x
    assert wh[src == "big"].sum() == pytest.approx(3 * wh[src == "small"].sum())


def test_balanced_sampler_draws_sources_evenly() -> None:
    y = np.array([0] * 900 + [0] * 30 + [1] * 70)
    src = np.array(["big"] * 900 + ["small"] * 30 + ["other"] * 70)
    idx = balanced_sample(balanced_weights(y, src, 1.0), 20000, seed=0)
    c = Counter(src[idx])
    assert abs(c["big"] - 5000) < 400 and abs(c["small"] - 5000) < 400 and abs(c["other"] - 10000) < 500
    assert np.array_equal(idx, balanced_sample(balanced_weights(y, src, 1.0), 20000, seed=0))


def test_triage_loso_rows_run_the_served_rule_on_synthetic_embeddings() -> None:
    from mri_sentinel_ml.config import triage_config
    from mri_sentinel_ml.loso import merge, run_loso, triage_rows

    cfg = triage_config()
    cfg.ood_k, cfg.cap_per_source = 4, 30
    rng = np.random.default_rng(0)
    n_per = 40
    y = np.repeat(np.arange(5), n_per * 2)
    sources = np.array([f"s{(i // n_per) % 2}_c{c}" for i, c in enumerate(y)])  # two sources per class
    splits = np.array(["train", "train", "val", "test"] * (len(y) // 4))
    clean = (rng.normal(size=(len(y), 1280)) + 4 * np.eye(5)[y] @ rng.normal(size=(5, 1280))).astype(np.float32)
    emb: dict[str, np.ndarray] = {"clean": clean, "aug": clean[:, None].astype(np.float16), "aug_y": y[:, None]}
    folds, res, _ = run_loso(cfg, emb, y, sources, splits, log=lambda *_: None)
    assert len(folds) == 10  # every (class, source) family: 2 per class
    rows = triage_rows(cfg, merge(res), np.array(cfg.labels)[y], sources, np.zeros(len(y), bool))
    assert len(rows) == 10 and all(r["n"] == n_per for r in rows)
    for r in rows:
        total = (r["accepted_as_supported"] + r["not_mri"] + r["modality_low_conf"] + r["unsupported"]
                 + r["anatomy_low_conf"])
        assert total == pytest.approx(1.0)
    easy = [r for r in rows if r["true"] == "brain"]
    assert all(r["accepted_right_part"] > 0.8 for r in easy)  # separable synthetic classes generalise


def test_ood_margin_is_the_smallest_that_refuses_at_most_2_percent_of_every_held_out_mri_source() -> None:
    from mri_sentinel_ml.loso_report import OOD_MARGINS, choose_ood_margin
    from mri_sentinel_ml.records import HeldOut

    # source a: 100 brain images, 3 with ratio 1.2 (3 % refused at margin 1, 0 % at 1.25); source b fine at 1;
    # the not_mri image's huge ratio must not count (the gate may refuse non-MRI)
    ratio = np.concatenate([np.full(97, 0.5), np.full(3, 1.2), np.full(50, 0.9), [100.0]])
    y_txt = np.array(["brain"] * 100 + ["knee"] * 50 + ["not_mri"])
    sources = np.array(["a"] * 100 + ["b"] * 50 + ["c"])
    r: HeldOut = {"idx": np.arange(151), "p": np.empty((151, 0)), "ood_ratio": ratio}  # p: not read
    assert choose_ood_margin(r, y_txt, sources) == 1.25
    r["ood_ratio"] = np.concatenate([np.full(150, 1e6), [0.0]])  # no margin is enough: the largest
    assert choose_ood_margin(r, y_txt, sources) == OOD_MARGINS[-1]
    r["ood_ratio"] = np.zeros(151)
    assert choose_ood_margin(r, y_txt, sources) == OOD_MARGINS[0]


def test_triage_confidence_is_the_lowest_of_those_meeting_the_most_held_out_targets() -> None:
    from mri_sentinel_ml.loso_report import choose_triage_confidence

    sweep = [{"threshold": t, "targets_met": m} for t, m in ((0.5, 34), (0.6, 35), (0.7, 36), (0.8, 37), (0.85, 37),
                                                             (0.9, 36), (0.95, 37))]
    assert choose_triage_confidence(sweep) == 0.8  # ties at 0.85 and 0.95: the lowest answers the most
    assert choose_triage_confidence([{"threshold": 0.6, "targets_met": 3}, {"threshold": 0.5, "targets_met": 3}]) == 0.5
    assert choose_triage_confidence([{"threshold": 0.9, "targets_met": 4}, {"threshold": 0.5, "targets_met": 3}]) == 0.9


def test_a_fold_without_validation_images_is_named() -> None:
    """Held out, family a takes every val image with it (b's only group is in train, like any source of < 3 groups):
    the fold's temperature and OOD threshold have nothing to be fitted on. It was an IndexError from np.quantile."""
    from mri_sentinel_ml.config import brain_config
    from mri_sentinel_ml.loso import LosoError, fit_fold

    cfg = brain_config()
    cfg.ood_k = 2
    sources = np.array(["a"] * 6 + ["b"] * 6 + ["c"] * 4 + ["d"] * 4)
    y = np.array([0] * 9 + [1] * 3 + [2] * 8)  # class 1: one source (b), no fold of its own
    splits = np.array(["train", "train", "val", "val", "train", "test"] + ["train"] * 14)
    rng = np.random.default_rng(0)
    emb: dict[str, np.ndarray] = {"clean": rng.standard_normal((20, 8)).astype(np.float32),
                                  "aug": np.zeros((20, 0, 8), np.float16), "aug_y": np.zeros((20, 0), np.int64)}
    folds = {f.name: f for f in make_folds(sources, splits, y)}
    assert sorted(folds) == ["a", "b", "c", "d"]
    res = fit_fold(cfg, emb, y, sources, folds["b"], 1.0)  # b holds class 1's only source: still fitted
    assert res["p"].shape == (6, 4) and np.isfinite(res["ood_ratio"]).all()
    with pytest.raises(LosoError, match="fold a: no val-split images outside the held-out family"):
        fit_fold(cfg, emb, y, sources, folds["a"], 1.0)


def test_every_fold_is_checked_before_the_first_is_fitted() -> None:
    """run_loso checked a fold's val images only when it reached it: with the val-holding family last in name order
    the error came after every other fold had been fitted (45 triage folds: minutes)."""
    from mri_sentinel_ml.config import brain_config
    from mri_sentinel_ml.loso import LosoError, run_loso

    cfg = brain_config()
    cfg.ood_k = 2
    sources = np.array(["z"] * 6 + ["b"] * 6 + ["c"] * 4 + ["d"] * 4)
    y = np.array([0] * 9 + [1] * 3 + [2] * 8)
    splits = np.array(["train", "train", "val", "val", "train", "test"] + ["train"] * 14)
    rng = np.random.default_rng(0)
    emb: dict[str, np.ndarray] = {"clean": rng.standard_normal((20, 8)).astype(np.float32),
                                  "aug": np.zeros((20, 0, 8), np.float16), "aug_y": np.zeros((20, 0), np.int64)}
    fitted: list[str] = []
    with pytest.raises(LosoError, match="fold z: no val-split images outside the held-out family"):
        run_loso(cfg, emb, y, sources, splits, log=fitted.append)
    assert fitted == []
