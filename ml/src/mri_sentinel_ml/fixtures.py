"""Preprocessing test vectors for the TypeScript port (test/fixtures/preprocess_vectors.json).

Synthetic images only (made here in code). Each vector stores the input pixels (row-major,
channel-interleaved 8-bit), the contract parameters, the letterbox geometry, the intermediate
letterboxed luma [S,S] (0..255) and the expected output tensor [3,S,S], rounded to 1e-5.

    python -m mri_sentinel_ml.fixtures   # rewrites the JSON
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image

from . import files
from .data import REPO_DIR, grey_float, letterbox_geometry, letterbox_grey, preprocess
from .networks import IMAGENET_LITE_MEAN, IMAGENET_LITE_STD
from .records import JsonObject

OUT = REPO_DIR / "test" / "fixtures" / "preprocess_vectors.json"
LITE = ([IMAGENET_LITE_MEAN] * 3, [IMAGENET_LITE_STD] * 3)
IMAGENET = ([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])


def _images() -> list[tuple[str, Image.Image, int, tuple[list[float], list[float]], str]]:
    yy, xx = np.mgrid[0:5, 0:7]
    grad_l = Image.fromarray((xx * 40 + yy * 3).astype(np.uint8), "L")
    yy, xx = np.mgrid[0:9, 0:5]
    cb = ((yy // 2 + xx // 2) % 2).astype(bool)
    checker = np.zeros((9, 5, 3), np.uint8)
    checker[cb] = (250, 20, 90)
    checker[~cb] = (10, 200, 255)
    yy, xx = np.mgrid[0:3, 0:8]
    grad_rgb = np.stack([xx * 33, 255 - yy * 90, (xx * yy * 17) % 256], -1).astype(np.uint8)
    yy, xx = np.mgrid[0:6, 0:6]
    rgba = np.stack([xx * 50, yy * 50, np.full_like(xx, 200), (xx + yy) * 25], -1).astype(np.uint8)
    small = Image.fromarray(np.array([[0, 128, 255], [64, 192, 32], [255, 0, 100]], np.uint8), "L")
    rng = np.random.default_rng(7)
    big = (rng.random((23, 37, 3)) * 255).astype(np.uint8)
    big[5:15, 10:30] = (240, 240, 240)
    thin = Image.fromarray(np.arange(9, dtype=np.uint8)[:, None] * 30, "L")  # 1 x 9
    return [
        ("grey_gradient_7x5_S8", grad_l, 8, LITE, "grey 'L' input, downscale 7x5 -> 8x6 region (upscale)"),
        ("rgb_checker_5x9_S12", Image.fromarray(checker, "RGB"), 12, IMAGENET,
         "coloured checkerboard, per-channel mean/std"),
        ("rgb_gradient_8x3_S12_round_half_up", Image.fromarray(grad_rgb, "RGB"), 12, LITE,
         "nh = 3*12/8 = 4.5 -> 5 (round half up, not banker's)"),
        ("rgba_6x6_S8_alpha_on_black", Image.fromarray(rgba, "RGBA"), 8, LITE,
         "alpha flattened onto black: c8 = floor(c*a/255 + 0.5) before luma"),
        ("grey_3x3_S8_upscale", small, 8, LITE, "bilinear upscaling 3x3 -> 8x8"),
        ("rgb_noise_37x23_S16_downscale", Image.fromarray(big, "RGB"), 16, IMAGENET,
         "antialiased downscale (support scaled by the reduction factor)"),
        ("grey_1x9_S8_thin", thin, 8, LITE, "nw = max(1, round(1*8/9)) = 1"),
    ]


def make_vectors() -> JsonObject:
    vecs = []
    for name, img, size, (mean, std), note in _images():
        arr = np.asarray(img)
        w, h = img.size
        x = preprocess(img, size, mean, std)
        lb = letterbox_grey(grey_float(img), size)
        nw, nh, x0, y0 = letterbox_geometry(w, h, size)
        vecs.append({
            "name": name, "note": note, "mode": img.mode, "width": w, "height": h,
            "channels": 1 if arr.ndim == 2 else arr.shape[2],
            "pixels": arr.reshape(-1).astype(int).tolist(),
            "size": size, "mean": mean, "std": std, "scale": 1 / 255,
            "geometry": {"nw": nw, "nh": nh, "x0": x0, "y0": y0},
            "letterboxed_luma": np.round(lb.astype(np.float64), 5).tolist(),
            "expected": np.round(x.astype(np.float64), 5).tolist(),
        })
    return {
        "description": "MRI Sentinel preprocessing parity vectors (docs/model-contract.md). Synthetic images. "
                       "pixels: row-major, channels interleaved, 8-bit. expected: float32 [3,S,S] rounded to 1e-5; "
                       "compare with abs tolerance ~1e-4.",
        "generator": "ml/src/mri_sentinel_ml/fixtures.py",
        "tolerance": 1e-4,
        "resample_note": "PIL Image.resize(BILINEAR) on mode 'F': separable triangle filter, horizontal pass first "
                         "then vertical (each only if that dimension changes); per output pixel i: "
                         "center = (i + 0.5) * scale, support = max(scale, 1) (scale = in/out), "
                         "weights w(x) = max(0, 1 - |x - center + 0.5| / max(scale,1)) over "
                         "x in [floor(center - support + 0.5), floor(center + support + 0.5)) clipped to the image, "
                         "normalised to sum 1; intermediate values float32.",
        "vectors": vecs,
    }


def write(path: Path = OUT) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    files.write_text(path, json.dumps(make_vectors()) + "\n")


def main(argv: list[str] | None = None) -> None:
    # parsed so that --help prints this usage (it used to rewrite the JSON) and a stray argument is refused
    argparse.ArgumentParser(prog="python -m mri_sentinel_ml.fixtures", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    write()
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
