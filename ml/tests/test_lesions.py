"""Synthetic lesions (lesions.py) stay inside the brain foreground, keep the image's shape and range, brighten or
darken the tissue as their kind says, sit near the edge when extra-axial, and are seeded-deterministic."""

import numpy as np
import pytest

from mri_sentinel_ml.lesions import INTRA_AXIAL, LesionKind, add_lesion, foreground_mask

KINDS: tuple[LesionKind, ...] = (*INTRA_AXIAL, "extra")
S = 224
GEO = np.array([180, 224, 22, 0])  # a portrait slice letterboxed into 224 x 224: padding columns left and right


def phantom(seed: int = 0) -> np.ndarray:
    """A head-like slice: textured grey ellipse (brain) in a bright ring (skull), black outside, 0 in the padding."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:S, 0:S].astype(np.float32)
    d = np.sqrt(((xx - 112) / 80) ** 2 + ((yy - 112) / 100) ** 2)
    img = np.where(d < 0.92, 110.0 + 25 * np.sin(xx / 5) * np.cos(yy / 7), 0.0)
    img = np.where((d >= 0.92) & (d < 1.0), 200.0, img) + np.where(d < 1.0, rng.normal(0, 3, (S, S)), 0.0)
    img = np.clip(img, 0, 255).astype(np.float32)
    img[:, :22] = 0
    img[:, 202:] = 0
    return img


def depth(mask: np.ndarray) -> float:
    """How deep the mask's weighted centroid lies in the phantom's head: 0 at the skull's outer edge, 1 at its centre."""
    ys, xs = np.nonzero(mask > 0.5)
    cy, cx = float(ys.mean()), float(xs.mean())
    return 1.0 - float(np.sqrt(((cx - 112) / 80) ** 2 + ((cy - 112) / 100) ** 2))


@pytest.mark.parametrize("kind", KINDS)
def test_lesion_stays_inside_the_foreground_and_keeps_shape_and_range(kind: LesionKind) -> None:
    img = phantom()
    fg = foreground_mask(img, GEO)
    assert 0.4 < fg.mean() < 0.7 and not fg[:, :22].any() and not fg[:, 202:].any()
    for seed in range(8):
        les = add_lesion(img, GEO, kind, np.random.default_rng(seed))
        assert les is not None and les.kind == kind
        assert les.image.shape == img.shape and les.image.dtype == np.float32
        assert les.image.min() >= 0.0 and les.image.max() <= 255.0
        assert np.array_equal(les.image[~fg], img[~fg])  # background and padding untouched
        assert les.mask.max() > 0.5 and np.all(les.mask[~fg] == 0)
        assert 0.04 <= les.diameter <= 0.30


@pytest.mark.parametrize(("kind", "sign"), [("flair", 1), ("hypo", -1), ("extra", 1)])
def test_lesion_contrast_follows_its_kind(kind: LesionKind, sign: int) -> None:
    img = phantom()
    for seed in range(6):
        les = add_lesion(img, GEO, kind, np.random.default_rng(seed))
        assert les is not None
        core = les.mask > 0.9
        assert sign * float((les.image[core] - img[core]).mean()) > 15.0  # at least ~0.3 of the tissue's range


def test_extra_axial_lesions_sit_nearer_the_edge_than_intra_axial() -> None:
    img = phantom()
    ex = [add_lesion(img, GEO, "extra", np.random.default_rng(s)) for s in range(10)]
    intra = [add_lesion(img, GEO, "hypo", np.random.default_rng(s)) for s in range(10)]
    d_ex = np.mean([depth(x.mask) for x in ex if x is not None])
    d_in = np.mean([depth(x.mask) for x in intra if x is not None])
    assert d_ex < 0.3 and d_ex < d_in


def test_lesions_are_seeded_deterministic() -> None:
    img = phantom()
    for kind in KINDS:
        a = add_lesion(img, GEO, kind, np.random.default_rng([3, 1]))
        b = add_lesion(img, GEO, kind, np.random.default_rng([3, 1]))
        c = add_lesion(img, GEO, kind, np.random.default_rng([3, 2]))
        assert a is not None and b is not None and c is not None
        assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
        assert not np.array_equal(a.image, c.image)


def test_no_lesion_without_a_brain() -> None:
    blank = np.zeros((S, S), np.float32)
    assert add_lesion(blank, GEO, "flair", np.random.default_rng(0)) is None
    speck = blank.copy()
    speck[100:104, 100:104] = 200.0  # 16 pixels: far too little foreground
    assert add_lesion(speck, GEO, "ring", np.random.default_rng(0)) is None
