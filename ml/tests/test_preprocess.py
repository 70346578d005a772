import json

import numpy as np
from PIL import Image

from mri_sentinel_ml import data, fixtures


def test_fixture_file_matches_generator() -> None:
    committed = json.loads(fixtures.OUT.read_text())
    fresh = fixtures.make_vectors()
    assert [v["name"] for v in committed["vectors"]] == [v["name"] for v in fresh["vectors"]]
    for c, f in zip(committed["vectors"], fresh["vectors"], strict=True):
        assert c["pixels"] == f["pixels"]
        assert c["geometry"] == f["geometry"]
        np.testing.assert_allclose(np.array(c["expected"]), np.array(f["expected"]), atol=2e-5)


def test_vectors_follow_the_contract_by_hand() -> None:
    """Re-derive each vector from its stored pixels with a direct reading of the contract."""
    for v in json.loads(fixtures.OUT.read_text())["vectors"]:
        px = np.array(v["pixels"], np.float64).reshape(v["height"], v["width"], -1)
        if v["channels"] == 4:
            a = px[..., 3:4] / 255
            px = np.floor(px[..., :3] * a + 0.5)
        grey = px[..., 0] if px.shape[2] == 1 else (px[..., 0] * 299 + px[..., 1] * 587 + px[..., 2] * 114) / 1000
        lb = data.letterbox_grey(grey.astype(np.float32), v["size"])
        x = (lb / 255)[None] - np.array(v["mean"])[:, None, None]
        x = x / np.array(v["std"])[:, None, None]
        np.testing.assert_allclose(x, np.array(v["expected"]), atol=1e-4)
        g = v["geometry"]
        assert lb[g["y0"]:g["y0"] + g["nh"], g["x0"]:g["x0"] + g["nw"]].shape == (g["nh"], g["nw"])


def test_round_half_up_and_padding() -> None:
    assert data.letterbox_geometry(8, 3, 12) == (12, 5, 0, 3)  # 4.5 -> 5
    assert data.letterbox_geometry(1, 9, 8) == (1, 8, 3, 0)
    img = Image.fromarray(np.full((10, 20), 255, np.uint8), "L")
    x = data.preprocess(img, 16, [0.0] * 3, [1.0] * 3)
    assert x.shape == (3, 16, 16) and x.dtype == np.float32
    assert np.all(x[:, :4] == 0) and np.all(x[:, 12:] == 0)  # pad rows are 0 before mean/std
    np.testing.assert_allclose(x[:, 4:12], 1.0, atol=1e-6)


def test_grey_equals_rgb_luma() -> None:
    rng = np.random.default_rng(0)
    rgb = (rng.random((13, 17, 3)) * 255).astype(np.uint8)
    g = data.grey_float(Image.fromarray(rgb, "RGB"))
    f = rgb.astype(np.float64)
    ref = (f[..., 0] * 299 + f[..., 1] * 587 + f[..., 2] * 114) / 1000
    np.testing.assert_allclose(g, ref, atol=1e-4)
    # PIL convert('L') is the same formula, rounded
    assert np.abs(np.asarray(Image.fromarray(rgb).convert("L"), np.float64) - ref).max() <= 0.5 + 1e-6
