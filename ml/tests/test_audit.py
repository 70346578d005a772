"""audit-ct's two signs of a head CT among brain MRIs: the saturated skull ring and the embedding probe."""

import numpy as np

from mri_sentinel_ml.audit import ct_probe_scores, skull_ring_share


def _head(skull: float, scalp: float, brain: float = 110.0, size: int = 160) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A round head: scalp ring (r 60-64 at 160 px), skull ring (r 52-60), brain inside; air outside."""
    yy, xx = np.mgrid[:size, :size]
    r = np.hypot(yy - size / 2, xx - size / 2) * 160 / size
    lb = np.zeros((size, size), np.float32)
    lb[r < 64] = scalp
    lb[r < 60] = skull
    lb[r < 52] = brain
    return lb, (size, size, 0, 0)


def test_a_saturated_skull_ring_round_the_head_reads_as_ct() -> None:
    share, sat = skull_ring_share(*_head(skull=255.0, scalp=90.0))
    assert share == 1.0 and 0.2 < sat < 0.4


def test_an_mri_skull_is_dark_under_a_bright_scalp() -> None:
    share, sat = skull_ring_share(*_head(skull=25.0, scalp=230.0))
    assert share == 0.0 and sat == 0.0


def test_a_ring_on_part_of_the_head_counts_its_share_and_an_empty_frame_counts_nothing() -> None:
    lb, geo = _head(skull=25.0, scalp=90.0)
    lb[:80][lb[:80] == 25.0] = 255.0  # the upper half of the skull saturated
    share, _ = skull_ring_share(lb, geo)
    assert 0.35 < share < 0.65
    assert skull_ring_share(np.zeros((160, 160), np.float32), (160, 160, 0, 0)) == (0.0, 0.0)
    # only the pasted content box (nw, nh, x0, y0) counts: bright junk outside it changes nothing
    small, _ = _head(skull=255.0, scalp=90.0, size=80)
    frame = np.full((160, 160), 255.0, np.float32)
    frame[30:110, 50:130] = small
    assert skull_ring_share(frame, (80, 80, 50, 30)) == skull_ring_share(small, (80, 80, 0, 0))
    assert skull_ring_share(small, (80, 80, 0, 0))[0] == 1.0


def test_the_probe_scores_ct_like_embeddings_above_mri_like_ones() -> None:
    rng = np.random.default_rng(0)
    ct = rng.normal(1.0, 0.5, (40, 8)).astype(np.float32)
    mri = rng.normal(-1.0, 0.5, (60, 8)).astype(np.float32)
    emb = np.concatenate([ct, mri, rng.normal(1.0, 0.5, (5, 8)), rng.normal(-1.0, 0.5, (5, 8))]).astype(np.float32)
    is_ct = np.r_[np.ones(40, bool), np.zeros(70, bool)]
    is_mri = np.r_[np.zeros(40, bool), np.ones(60, bool), np.zeros(10, bool)]
    sources = np.array(["ct_a"] * 20 + ["ct_b"] * 20 + ["mri_a"] * 30 + ["mri_b"] * 30 + ["audited"] * 10)
    s = ct_probe_scores(emb, is_ct, is_mri, sources, np.arange(100, 110))
    assert (s[:5] > 0).all() and (s[5:] < 0).all()
