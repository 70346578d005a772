"""The per-(class, source) cap keeps a pick that is stable under data changes elsewhere."""

import numpy as np

from mri_sentinel_ml.head import cap_per_source


def _table() -> tuple[np.ndarray, np.ndarray]:
    y = np.array([0] * 50 + [1] * 40 + [0] * 30 + [2] * 5)
    sources = np.array(["a"] * 50 + ["b"] * 40 + ["c"] * 30 + ["d"] * 5)
    return y, sources


def test_cap_keeps_at_most_cap_per_group_and_small_groups_whole() -> None:
    y, s = _table()
    keep = cap_per_source(np.arange(len(y)), y, s, 10)
    for src, n in (("a", 10), ("b", 10), ("c", 10), ("d", 5)):
        assert (s[keep] == src).sum() == n
    assert np.array_equal(keep, np.sort(keep)) and len(set(keep.tolist())) == len(keep)
    assert np.array_equal(keep, cap_per_source(np.arange(len(y)), y, s, 10))  # seeded


def test_a_change_in_one_group_leaves_the_other_groups_picks_alone() -> None:
    y, s = _table()
    idx = np.arange(len(y))
    before = cap_per_source(idx, y, s, 10)
    # source "a" loses 12 images (relabelled out of the class) and source "c" is held out by a LOSO fold
    y2 = y.copy()
    y2[:12] = -1
    after = cap_per_source(idx[(y2 >= 0) & (s != "c")], y2, s, 10)
    assert np.array_equal(before[s[before] == "b"], after[s[after] == "b"])
    assert np.array_equal(before[s[before] == "d"], after[s[after] == "d"])
    # "a" keeps every pick it still has and tops up from its remaining images
    kept_a = set(before[s[before] == "a"].tolist()) - set(range(12))
    assert kept_a <= set(after[s[after] == "a"].tolist()) and (s[after] == "a").sum() == 10
