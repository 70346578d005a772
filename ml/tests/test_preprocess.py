import io
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


def _png_with_trns(arr: np.ndarray, value: int) -> Image.Image:
    """A grey PNG (8-bit from uint8, 16-bit from uint16) whose tRNS chunk marks `value` transparent."""
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG", transparency=value)
    buf.seek(0)
    img = Image.open(buf)
    assert img.info.get("transparency") == value and img.mode == ("L" if arr.dtype == np.uint8 else "I;16")
    return img


def test_grey_png_with_a_trns_value_is_flattened_like_rgb_and_palette() -> None:
    """A tRNS grey value is transparency like any alpha: black. It used to be skipped for 8-bit grey only."""
    arr = np.array([[10, 200, 10], [50, 10, 255]], np.uint8)
    out = np.asarray(data.to_rgb8(_png_with_trns(arr, 10)))
    assert out.tolist() == [[0, 200, 0], [50, 0, 255]]


def test_16bit_grey_png_with_a_trns_value_is_scaled_by_its_maximum() -> None:
    """Converting I;16 to RGBA clipped every value above 255 to white; now scaled by the maximum as without tRNS."""
    arr = np.array([[0, 1000, 4000], [2000, 1000, 3000]], np.uint16)
    out = np.asarray(data.to_rgb8(_png_with_trns(arr, 1000)))
    assert out.dtype == np.uint8 and out.ndim == 2
    assert out.tolist() == [[0, 0, 255], [128, 0, 191]]
