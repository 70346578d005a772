"""Encoder-variant campaign, Python side: writes images of every variant and ml/'s reference for each.

  ml/.venv/bin/python scripts/decode-campaign/generate.py OUT_DIR [--real N]

OUT_DIR/index.json lists {name, family, file, ok, width, height, error?}; OUT_DIR/ref/<name>.luma.f32 is
grey_float (the luma before letterbox), ref/<name>.t160.f32 the triage model's input (letterbox 160,
normalised), both float32 little-endian. With --real N, N MRI test images of ../shared/data are re-encoded
in the variants that apply to a scan (OUT_DIR/real/, with manifest.csv for `npm run evaluate`); never
commit anything under OUT_DIR.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "ml" / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from mri_sentinel_ml.data import grey_float, letterbox_grey, normalise  # noqa: E402
from pngw import chunk, write_png  # noqa: E402
from variants import XMP, cjpeg, exif_bytes, jpeg_variants, pil_bytes, png_variants  # noqa: E402
from variants_edge import edge_variants, odd_variants  # noqa: E402

CARD = json.loads((REPO / "models" / "triage" / "model_card.json").read_text())["input"]


def real_variants(grey: np.ndarray) -> dict[str, bytes]:
    """A scan's 8-bit grey re-encoded as users' tools would."""
    g = Image.fromarray(grey)
    rgb = Image.merge("RGB", [g, g, g])
    h, w = grey.shape
    v = {
        "png_grey8": write_png(grey, 0, 8),
        "png_grey8_adam7": write_png(grey, 0, 8, interlace=True),
        "png_grey16": write_png(grey.astype(np.uint16) * 257, 0, 16),
        "png_grey16_12bit": write_png(grey.astype(np.uint16) * 16, 0, 16),
        "png_rgb16": write_png(np.repeat(grey[..., None], 3, -1).astype(np.uint16) * 257 + 100, 2, 16),
        "png_greyA16": write_png(np.stack([grey.astype(np.uint16) * 257, np.full_like(grey, 65535, np.uint16)], -1), 4, 16),
        "png_rgba8_partial": write_png(
            np.concatenate([np.repeat(grey[..., None], 3, -1), np.full((h, w, 1), 200, np.uint8)], -1), 6, 8
        ),
        "png_pal8": pil_bytes(rgb.quantize(256), "PNG"),
        "png_exif_orient6": pil_bytes(g, "PNG", exif=exif_bytes(6)),
        "jpg_grey_q90": pil_bytes(g, "JPEG", quality=90),
        "jpg_grey_q25": pil_bytes(g, "JPEG", quality=25),
        "jpg_rgb420_q75": pil_bytes(rgb, "JPEG", quality=75, subsampling=2),
        "jpg_rgb444_q95_progressive": pil_bytes(rgb, "JPEG", quality=95, subsampling=0, progressive=True),
        "jpg_cjpeg_411": cjpeg(rgb, "-quality", "85", "-sample", "4x1"),
        "jpg_cjpeg_440": cjpeg(rgb, "-quality", "85", "-sample", "1x2"),
        "jpg_cjpeg_420_arith": cjpeg(rgb, "-quality", "85", "-sample", "2x2", "-arithmetic"),
        "jpg_exif_orient6": pil_bytes(rgb, "JPEG", quality=90, exif=exif_bytes(6)),
        "jpg_exif_orient3": pil_bytes(rgb, "JPEG", quality=90, exif=exif_bytes(3)),
    }
    # the variants PIL reads otherwise than libvips (tRNS below 8 bits / on 16-bit RGB; orientation outside EXIF),
    # the transparent value a common tissue level so that the difference shows where the model looks
    mid = int(np.median(grey[grey > 16])) if (grey > 16).any() else 128
    g4 = grey >> 4
    v["png_grey4_trns_mid"] = write_png(g4, 0, 4, trns=(mid >> 4).to_bytes(2, "big"))
    v["png_grey2_trns_mid"] = write_png(grey >> 6, 0, 2, trns=(mid >> 6).to_bytes(2, "big"))
    v["png_grey1_trns_white"] = write_png((grey > mid).astype(np.uint8), 0, 1, trns=(1).to_bytes(2, "big"))
    rgb16 = np.repeat(grey[..., None], 3, -1).astype(np.uint16) * 257
    v["png_rgb16_trns_mid"] = write_png(rgb16, 2, 16, trns=(mid * 257).to_bytes(2, "big") * 3)
    v["png_rgb16_trns_low"] = write_png(rgb16, 2, 16, trns=(mid).to_bytes(2, "big") * 3)
    ex = b"Exif\x00\x00" + exif_bytes(6)
    info = PngInfo()
    info.add_text("Raw profile type exif", f"\nexif\n{len(ex):8d}\n{ex.hex()}\n")
    v["png_rawprofile_exif_orient6"] = pil_bytes(g, "PNG", pnginfo=info)
    v["jpg_xmp_only_orient6"] = pil_bytes(rgb, "JPEG", quality=90, xmp=XMP % b"6")
    v["jpg_xmp_only_orient3"] = pil_bytes(rgb, "JPEG", quality=90, xmp=XMP % b"3")
    v["png_exif_prefixed_orient6"] = write_png(grey, 0, 8, before_idat=[(b"eXIf", exif_bytes(6))])
    v["png_exif_after_idat_orient8"] = (lambda b: b[:-12] + chunk(b"eXIf", exif_bytes(8)[6:]) + b[-12:])(
        write_png(grey, 0, 8)
    )
    # over 1 MP: decoded and reduced in a prepare-pool worker by the service (evaluate runs that path)
    big = g.resize((1400, 1400 * h // w), Image.Resampling.BICUBIC)
    v["jpg_large_1400_420"] = pil_bytes(Image.merge("RGB", [big, big, big]), "JPEG", quality=85, subsampling=2)
    v["png_large_1400_grey16"] = write_png(np.asarray(big).astype(np.uint16) * 16, 0, 16)
    return v


def reference(path: Path, ref_dir: Path, name: str) -> dict:
    try:
        with Image.open(path) as im:
            im.load()
            g = grey_float(im)
    except Exception as e:  # noqa: BLE001 - a PIL refusal is an outcome to compare
        return {"ok": False, "error": f"{type(e).__name__}: {e}"}
    lb = letterbox_grey(g, CARD["size"])
    t = normalise(lb, CARD["normalization"]["mean"], CARD["normalization"]["std"])
    g.astype("<f4").tofile(ref_dir / f"{name}.luma.f32")
    t.astype("<f4").tofile(ref_dir / f"{name}.t{CARD['size']}.f32")
    return {"ok": True, "width": int(g.shape[1]), "height": int(g.shape[0])}


def main() -> None:
    out = Path(sys.argv[1])
    real_n = int(sys.argv[sys.argv.index("--real") + 1]) if "--real" in sys.argv else 0
    (out / "img").mkdir(parents=True, exist_ok=True)
    (out / "ref").mkdir(exist_ok=True)
    index = []
    sets = {
        "png": png_variants(97, 131),
        "jpeg": jpeg_variants(131, 97),
        "odd": odd_variants(),
        "edge": edge_variants(97, 131),
    }
    for family, variants in sets.items():
        for name, data in variants.items():
            ext = "png" if "png" in name else "jpg"  # a damaged file keeps its name's format
            f = out / "img" / f"{name}.{ext}"
            f.write_bytes(data)
            index.append(
                {"name": name, "family": family, "variant": name, "file": str(f), **reference(f, out / "ref", name)}
            )
    if real_n:
        data_dir = REPO.parent / "shared" / "data"
        rows = [
            r
            for r in csv.DictReader(open(REPO / "ml" / "splits" / "triage.csv"))
            if r["split"] == "test" and r["label"] != "not_mri"
        ]
        step = max(1, len(rows) // real_n)
        rows = rows[::step][:real_n]
        (out / "real").mkdir(exist_ok=True)
        manifest = [("path", "label", "variant")]
        for i, r in enumerate(rows):
            with Image.open(data_dir / r["path"]) as im:
                grey = np.clip(grey_float(im) + 0.5, 0, 255).astype(np.uint8)
            for vname, data in real_variants(grey).items():
                ext = "png" if vname.startswith("png") else "jpg"
                name = f"real{i:03d}_{vname}"
                f = out / "real" / f"{name}.{ext}"
                f.write_bytes(data)
                manifest.append((f"real/{name}.{ext}", r["label"], vname))
                index.append(
                    {"name": name, "family": "real", "variant": vname, "file": str(f), **reference(f, out / "ref", name)}
                )
        with open(out / "manifest.csv", "w", newline="") as fh:
            csv.writer(fh).writerows(manifest)
    (out / "index.json").write_text(json.dumps(index, indent=1))
    print(f"{len(index)} images, {sum(not e['ok'] for e in index)} refused by PIL")


if __name__ == "__main__":
    main()
