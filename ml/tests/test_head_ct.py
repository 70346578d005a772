"""The head-CT gate (head_ct.py): fitted without the held-out family, refuses no validation MRI of its training
sources, refuses head CT it never saw when head CT is separable, and its card entry is what the server reads."""

import numpy as np

from mri_sentinel_ml import data
from mri_sentinel_ml.config import triage_config
from mri_sentinel_ml.evaluate import head_ct_margin
from mri_sentinel_ml.head_ct import head_ct_gate, head_ct_mask, loso_fired
from mri_sentinel_ml.loso import make_folds

from .conftest import needs_data


def _synthetic() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two brain-MRI sources, two knee sources, three head-CT sources (not_mri) and a photo source (not_mri)."""
    rng = np.random.default_rng(0)
    kinds = [("brain_a", 0), ("brain_b", 0), ("knee_a", 1), ("knee_b", 1),
             ("ct_head_a", 4), ("ct_head_b", 4), ("ct_head_c", 4), ("photo", 4)]
    centres = {0: rng.normal(size=16), 1: rng.normal(size=16), "ct": rng.normal(size=16), "photo": rng.normal(size=16)}
    sources, y, emb = [], [], []
    for s, c in kinds:
        key = "ct" if s.startswith("ct_head") else "photo" if s == "photo" else c
        for _ in range(60):
            sources.append(s)
            y.append(c)
            emb.append(3 * centres[key] + rng.normal(size=16))
    splits = np.array(["train", "train", "val", "test"] * (len(y) // 4))
    src = np.array(sources)
    return np.array(emb, np.float32), np.array(y), src, splits, np.char.startswith(src, "ct_head")


def test_the_gate_refuses_no_val_mri_and_the_head_ct_it_never_saw() -> None:
    cfg = triage_config()
    cfg.cap_per_source = 30
    emb, y, src, splits, is_ct = _synthetic()
    folds = make_folds(src, splits, y)
    fired = loso_fired(cfg, emb, y, src, is_ct, folds)
    held_ct = [f for f in folds if f.name.startswith("ct_head")]
    assert len(held_ct) == 3  # each head-CT collection is held out whole in its own fold
    for f in held_ct:
        assert fired[f.held].all()  # a separable head-CT collection it never saw is refused
    for f in folds:
        if f.name.startswith(("brain", "knee")):
            assert fired[f.held].mean() <= 0.1  # held-out MRI sources pass (the threshold is a max over 45 val MRIs)


def test_a_fold_never_trains_on_its_held_out_family() -> None:
    cfg = triage_config()
    cfg.cap_per_source = 30
    emb, y, src, splits, is_ct = _synthetic()
    fold = next(f for f in make_folds(src, splits, y) if f.name == "ct_head_a")
    poisoned = emb.copy()
    poisoned[fold.held] = 1e6  # if the fold fitted on these, its weights and threshold would change
    a = loso_fired(cfg, emb, y, src, is_ct, [fold])
    b = loso_fired(cfg, poisoned, y, src, is_ct, [fold])
    assert not (a[~fold.held]).any() and not (b[~fold.held]).any()  # only held-out images are scored
    from mri_sentinel_ml.head_ct import fit_probe
    wa, ba = fit_probe(cfg, emb, y, src, is_ct, fold.train)
    wb, bb = fit_probe(cfg, poisoned, y, src, is_ct, fold.train)
    np.testing.assert_array_equal(wa, wb)
    assert ba == bb


def test_card_entry_reproduces_its_own_rates_through_the_served_margin() -> None:
    cfg = triage_config()
    cfg.cap_per_source = 30
    emb, y, src, splits, is_ct = _synthetic()
    gate = head_ct_gate(cfg, emb, y, src, is_ct, splits)
    assert gate["method"] == "linear_probe" and len(gate["weights"]) == emb.shape[1]
    m = head_ct_margin(emb, gate["weights"], gate["bias"])
    mri = y != cfg.labels.index("not_mri")
    assert not (m[(splits == "val") & mri] > gate["threshold"]).any()  # the threshold: the highest val MRI margin
    assert m[(splits == "val") & mri].max() == gate["threshold"]
    fit = splits != "test"
    assert gate["train_val_mri_refused"] == float((m[fit & mri] > gate["threshold"]).mean())
    assert gate["train_val_head_ct_refused"] == 1.0


@needs_data
def test_head_ct_mask_marks_the_collections_and_the_curated_slices() -> None:
    tab = data.read_split("triage")
    m = head_ct_mask(tab)
    src = np.array(tab.sources)
    assert m[np.char.startswith(src, "ct_head")].all()
    cur = data.curated_not_mri()
    assert sum(m[i] for i, p in enumerate(tab.paths) if p in cur) == len(cur) == 37
    assert not m[np.char.startswith(src, "ct_chest")].any()
    assert not m[np.array(tab.labels) != "not_mri"].any()
