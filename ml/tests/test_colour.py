"""The colour gate's measure (colour.colour_share) and its split of the manifest's MRIs from colour photos."""

import numpy as np
from PIL import Image

from mri_sentinel_ml import data
from mri_sentinel_ml.colour import COLOUR_MAX_SHARE, colour_share

from .conftest import needs_data


def _rgb(h: int = 100, w: int = 120, grey: int = 90) -> np.ndarray:
    return np.full((h, w, 3), grey, np.uint8)


def test_grey_images_have_no_colour() -> None:
    assert colour_share(Image.fromarray(np.full((64, 64), 200, np.uint8), "L")) == 0.0
    assert colour_share(Image.fromarray(_rgb(), "RGB")) == 0.0  # grey content stored as RGB


def test_share_counts_strongly_coloured_pixels_of_the_centre_only() -> None:
    a = _rgb()  # 100 x 120: the centre leaves 10 rows and 12 columns out on each side -> 80 x 96 pixels
    a[:10, :] = (20, 60, 200)  # a banner along the top edge, inside the margin: not counted
    assert colour_share(Image.fromarray(a, "RGB")) == 0.0
    a[40:50, 40:56] = (200, 40, 40)  # 160 strongly coloured pixels in the centre
    assert colour_share(Image.fromarray(a, "RGB")) == 160 / (80 * 96)
    a[60:70, 40:56] = (90 + 32, 90, 90)  # chroma exactly 32: not "strongly coloured" (> 32)
    assert colour_share(Image.fromarray(a, "RGB")) == 160 / (80 * 96)


def test_transparent_colour_is_flattened_onto_black_first() -> None:
    a = np.zeros((80, 80, 4), np.uint8)
    a[..., :3] = (255, 0, 0)  # red, but fully transparent: black after to_rgb8
    assert colour_share(Image.fromarray(a, "RGBA")) == 0.0
    a[..., 3] = 255
    assert colour_share(Image.fromarray(a, "RGBA")) == 1.0


@needs_data
def test_manifest_mris_pass_and_colour_photos_do_not() -> None:
    rows = data.read_manifest()[::10]  # a spread tenth (~1,900 images): the whole manifest is measured in LOSO
    share = {r.path: colour_share(Image.open(data.DATA_DIR / r.path)) for r in rows}
    mri = [share[r.path] for r in rows if r.is_mri and r.path not in data.curated_not_mri()]
    photos = [share[r.path] for r in rows if r.source == "photo_imagenet_sample"]
    assert len(mri) > 1000 and max(mri) <= COLOUR_MAX_SHARE
    assert len(photos) > 50 and np.mean(np.array(photos) > COLOUR_MAX_SHARE) > 0.85
