"""Encoder variants of a generated test card (PNG colour types and depths, palettes, tRNS, ancillary chunks; JPEG
sampling, progressive, arithmetic, restart intervals, orientation; edge and odd sizes) for generate.py."""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pngw import chunk, write_png  # noqa: E402


def content(w: int, h: int, seed: int = 0) -> np.ndarray:
    """Deterministic RGB test card: gradients, a disc, fine stripes and noise (exercise chroma + edges)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    fx, fy = x / max(w - 1, 1), y / max(h - 1, 1)
    r = 255 * fx
    g = 255 * fy
    b = 128 + 100 * np.sin(x / 3.0) * np.cos(y / 5.0)
    disc = ((fx - 0.5) ** 2 + (fy - 0.5) ** 2) < 0.09
    r = np.where(disc, 255 - r, r)
    rgb = np.stack([r, g, b], -1) + rng.normal(0, 12, (h, w, 3))
    return np.clip(rgb + 0.5, 0, 255).astype(np.uint8)


def alpha_of(w: int, h: int) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    a = (x * 255 // max(w - 1, 1)).astype(np.uint8)
    a[(y % 7) == 0] = 0
    a[(y % 7) == 1] = 255
    return a


def luma8(rgb: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(rgb).convert("L"))


def pil_bytes(img: Image.Image, fmt: str, **kw) -> bytes:
    b = io.BytesIO()
    img.save(b, fmt, **kw)
    return b.getvalue()


def cjpeg(img: Image.Image, *args: str) -> bytes:
    ppm = pil_bytes(img, "PPM")
    return subprocess.run(["cjpeg", *args], input=ppm, capture_output=True, check=True).stdout


def exif_bytes(orientation: int) -> bytes:
    e = Image.Exif()
    e[0x0112] = orientation
    return e.tobytes()


def icc_srgb() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def png_variants(w: int, h: int) -> dict[str, bytes]:
    rgb = content(w, h)
    L = luma8(rgb)
    a = alpha_of(w, h)
    L16 = (L.astype(np.uint32) * 257 + (np.arange(w)[None, :] % 251)).clip(0, 65535).astype(np.uint16)
    rgb16 = (rgb.astype(np.uint32) * 257 + (np.arange(w)[None, :, None] % 199)).clip(0, 65535).astype(np.uint16)
    a16 = (a.astype(np.uint32) * 257 + 77).clip(0, 65535).astype(np.uint16)
    a16[a == 0] = 0
    a16[a == 255] = 65535
    v: dict[str, bytes] = {}
    for il in (False, True):
        s = "_adam7" if il else ""
        for d in (1, 2, 4, 8):
            v[f"png_grey{d}{s}"] = write_png(L >> (8 - d), 0, d, interlace=il)
        v[f"png_grey16{s}"] = write_png(L16, 0, 16, interlace=il)
        v[f"png_grey16_12bit{s}"] = write_png((L16 >> 4), 0, 16, interlace=il)
        v[f"png_greyA8{s}"] = write_png(np.stack([L, a], -1), 4, 8, interlace=il)
        v[f"png_greyA16{s}"] = write_png(np.stack([L16, a16], -1), 4, 16, interlace=il)
        v[f"png_rgb8{s}"] = write_png(rgb, 2, 8, interlace=il)
        v[f"png_rgb16{s}"] = write_png(rgb16, 2, 16, interlace=il)
        v[f"png_rgba8{s}"] = write_png(np.concatenate([rgb, a[..., None]], -1), 6, 8, interlace=il)
        v[f"png_rgba16{s}"] = write_png(np.concatenate([rgb16, a16[..., None]], -1), 6, 16, interlace=il)
        # palettes: quantise to 2^d colours
        q = Image.fromarray(rgb).quantize(256)
        idx = np.asarray(q)
        pal = np.array(q.getpalette()[:768], np.uint8).reshape(-1, 3)
        for d in (1, 2, 4, 8):
            ii = (idx.astype(np.int32) % (1 << d)).astype(np.uint8)
            v[f"png_pal{d}{s}"] = write_png(ii, 3, d, interlace=il, palette=pal[: 1 << d])
        ptr_bin = bytes([0 if i % 5 == 0 else 255 for i in range(256)])
        ptr_part = bytes([(i * 37) % 256 for i in range(256)])
        v[f"png_pal8_trns_binary{s}"] = write_png(idx, 3, 8, interlace=il, palette=pal, trns=ptr_bin)
        v[f"png_pal8_trns_partial{s}"] = write_png(idx, 3, 8, interlace=il, palette=pal, trns=ptr_part)
        v[f"png_pal8_trns_short{s}"] = write_png(idx, 3, 8, interlace=il, palette=pal, trns=ptr_part[:10])
        v[f"png_pal4_trns_partial{s}"] = write_png(
            idx.astype(np.int32) % 16, 3, 4, interlace=il, palette=pal[:16], trns=ptr_part[:16]
        )
        lv = int(L[h // 2, w // 2])
        v[f"png_grey8_trns{s}"] = write_png(L, 0, 8, interlace=il, trns=lv.to_bytes(2, "big"))
        v[f"png_grey1_trns{s}"] = write_png((L > 128).astype(np.uint8), 0, 1, interlace=il, trns=(1).to_bytes(2, "big"))
        v[f"png_grey2_trns{s}"] = write_png(L >> 6, 0, 2, interlace=il, trns=(lv >> 6).to_bytes(2, "big"))
        v[f"png_grey4_trns{s}"] = write_png(L >> 4, 0, 4, interlace=il, trns=(lv >> 4).to_bytes(2, "big"))
        v[f"png_grey16_trns{s}"] = write_png(L16, 0, 16, interlace=il, trns=int(L16[h // 2, w // 2]).to_bytes(2, "big"))
        c = rgb[h // 2, w // 2]
        v[f"png_rgb8_trns{s}"] = write_png(rgb, 2, 8, interlace=il, trns=b"".join(int(x).to_bytes(2, "big") for x in c))
        c16 = rgb16[h // 2, w // 2]
        v[f"png_rgb16_trns{s}"] = write_png(
            rgb16, 2, 16, interlace=il, trns=b"".join(int(x).to_bytes(2, "big") for x in c16)
        )
    # ancillary chunks (pixel data unchanged: the decoder must ignore them, as PIL does)
    anc = {
        "sbit5": [(b"sBIT", bytes([5, 5, 5]))],
        "gama1": [(b"gAMA", (100000).to_bytes(4, "big"))],
        "gama045": [(b"gAMA", (45455).to_bytes(4, "big"))],
        "chrm": [(b"cHRM", b"".join(x.to_bytes(4, "big") for x in (31270, 32900, 64000, 33000, 30000, 60000, 15000, 6000)))],
        "srgb": [(b"sRGB", b"\x00")],
        "iccp": [(b"iCCP", b"sRGB\x00\x00" + zlib.compress(icc_srgb()))],
        "phys_1x3": [(b"pHYs", (1000).to_bytes(4, "big") + (3000).to_bytes(4, "big") + b"\x01")],
        "split_idat": [],
    }
    for k, chunks in anc.items():
        split = 7 if k == "split_idat" else 0
        v[f"png_rgb8_{k}"] = write_png(rgb, 2, 8, before_plte=chunks, idat_split=split)
        if k != "sbit5":
            v[f"png_grey8_{k}"] = write_png(L, 0, 8, before_plte=chunks, idat_split=split)
    v["png_grey8_sbit5"] = write_png(L, 0, 8, before_plte=[(b"sBIT", b"\x05")])
    v["png_grey16_sbit12"] = write_png(L16 >> 4, 0, 16, before_plte=[(b"sBIT", b"\x0c")])
    # PIL's own writer (adaptive filters) and optimise
    v["png_pil_rgb_optimize"] = pil_bytes(Image.fromarray(rgb), "PNG", optimize=True)
    v["png_pil_L_compress0"] = pil_bytes(Image.fromarray(L), "PNG", compress_level=0)
    v["png_pil_1bit"] = pil_bytes(Image.fromarray(L > 128), "PNG")
    # orientation in a PNG: eXIf chunk and ImageMagick's "Raw profile type exif" text
    for o in range(1, 9):
        v[f"png_exif_orient{o}"] = pil_bytes(Image.fromarray(rgb), "PNG", exif=exif_bytes(o))
    ex = b"Exif\x00\x00" + exif_bytes(6)
    info = PngInfo()
    info.add_text("Raw profile type exif", f"\nexif\n{len(ex):8d}\n{ex.hex()}\n")
    v["png_rawprofile_exif_orient6"] = pil_bytes(Image.fromarray(rgb), "PNG", pnginfo=info)
    for o in range(1, 9):
        ex = exif_bytes(o)  # PIL's tobytes() already starts with Exif\0\0
        text = f"\nexif\n{len(ex):8d}\n" + "\n".join(ex.hex()[i : i + 72] for i in range(0, len(ex) * 2, 72)) + "\n"
        key = b"Raw profile type exif\x00"
        v[f"png_rawprofile_ztxt_orient{o}"] = write_png(
            rgb, 2, 8, before_idat=[(b"zTXt", key + b"\x00" + zlib.compress(text.encode()))]
        )
    ex = exif_bytes(8)
    text = f"\nexif\n{len(ex):8d}\n{ex.hex()}\n".encode()
    v["png_rawprofile_itxt_orient8"] = write_png(
        rgb, 2, 8, before_idat=[(b"iTXt", b"Raw profile type exif\x00\x01\x00\x00\x00" + zlib.compress(text))]
    )
    body = write_png(rgb, 2, 8)
    v["png_rawprofile_after_idat_orient5"] = (
        body[:-12]
        + chunk(b"tEXt", b"Raw profile type exif\x00" + f"\nexif\n{len(exif_bytes(5)):8d}\n{exif_bytes(5).hex()}\n".encode())
        + body[-12:]
    )
    v["png_exif1_rawprofile6"] = pil_bytes(Image.fromarray(rgb), "PNG", exif=exif_bytes(1), pnginfo=info)
    for o in (6, 7):
        v[f"png_xmp_orient{o}"] = write_png(
            rgb, 2, 8, before_idat=[(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP % str(o).encode())]
        )
    return v


def jpeg_variants(w: int, h: int) -> dict[str, bytes]:
    rgb = content(w, h)
    img = Image.fromarray(rgb)
    grey = Image.fromarray(luma8(rgb))
    v: dict[str, bytes] = {}
    for q in (5, 10, 25, 50, 75, 90, 95, 100):
        v[f"jpg_grey_q{q}"] = pil_bytes(grey, "JPEG", quality=q)
        for ss, name in ((0, "444"), (1, "422"), (2, "420")):
            v[f"jpg_rgb{name}_q{q}"] = pil_bytes(img, "JPEG", quality=q, subsampling=ss)
    for ss, name in ((0, "444"), (1, "422"), (2, "420")):
        v[f"jpg_rgb{name}_progressive"] = pil_bytes(img, "JPEG", quality=85, subsampling=ss, progressive=True)
        v[f"jpg_rgb{name}_optimize"] = pil_bytes(img, "JPEG", quality=85, subsampling=ss, optimize=True)
        v[f"jpg_rgb{name}_restart_blocks1"] = pil_bytes(img, "JPEG", quality=85, subsampling=ss, restart_marker_blocks=1)
        v[f"jpg_rgb{name}_restart_rows1"] = pil_bytes(img, "JPEG", quality=85, subsampling=ss, restart_marker_rows=1)
    v["jpg_grey_progressive"] = pil_bytes(grey, "JPEG", quality=85, progressive=True)
    # cjpeg: sampling factors PIL cannot write, arithmetic coding, RGB (no YCbCr) JPEG, smoothing
    for samp, name in (
        ("1x2", "440"),
        ("4x1", "411"),
        ("2x2", "420"),
        ("2x1", "422"),
        ("1x1", "444"),
        ("1x4", "410v"),
        ("4x2", "410"),
    ):
        v[f"jpg_cjpeg_{name}"] = cjpeg(img, "-quality", "85", "-sample", samp)
        v[f"jpg_cjpeg_{name}_arith"] = cjpeg(img, "-quality", "85", "-sample", samp, "-arithmetic")
        v[f"jpg_cjpeg_{name}_progressive"] = cjpeg(img, "-quality", "85", "-sample", samp, "-progressive")
    # uncommon per-component sampling (chroma finer than luma, 3x, mixed)
    for samp in ("2x2,1x1,2x2", "1x1,2x2,1x1", "2x1,1x2,1x1", "3x1,1x1,1x1", "1x3,1x1,1x1", "2x2,2x1,1x1", "3x2,1x1,1x1"):
        v["jpg_cjpeg_sample_" + samp.replace(",", "_")] = cjpeg(img, "-quality", "85", "-sample", samp)
    # progressive scan scripts that leave coefficients unrefined (the decoder's block smoothing then runs)
    with tempfile.TemporaryDirectory() as tmp:
        for name, script in (
            ("unrefined", "0,1,2: 0 0 0 1 ;\n0: 1 5 0 2 ;\n2: 1 63 0 1 ;\n1: 1 63 0 1 ;\n0: 6 63 0 2 ;\n0: 1 63 2 1 ;\n"),
            ("dc_only", "0,1,2: 0 0 0 0 ;\n"),
        ):
            (Path(tmp) / "scans.txt").write_text(script)
            v[f"jpg_cjpeg_scans_{name}"] = cjpeg(img, "-quality", "85", "-scans", str(Path(tmp) / "scans.txt"))
        (Path(tmp) / "scans.txt").write_text("0: 0 0 0 2 ;\n0: 1 63 0 3 ;\n")
        v["jpg_cjpeg_grey_scans_unrefined"] = cjpeg(
            grey, "-quality", "85", "-grayscale", "-scans", str(Path(tmp) / "scans.txt")
        )
    v["jpg_cjpeg_grey_arith"] = cjpeg(grey, "-quality", "85", "-grayscale", "-arithmetic")
    v["jpg_cjpeg_grey_arith_progressive"] = cjpeg(grey, "-quality", "85", "-grayscale", "-arithmetic", "-progressive")
    v["jpg_cjpeg_rgb_colourspace"] = cjpeg(img, "-quality", "90", "-rgb")
    v["jpg_cjpeg_restart_1row"] = cjpeg(img, "-quality", "85", "-restart", "1")
    v["jpg_cjpeg_restart_3blocks"] = cjpeg(img, "-quality", "85", "-restart", "3b")
    v["jpg_cjpeg_dct_float"] = cjpeg(img, "-quality", "85", "-dct", "float")
    v["jpg_cjpeg_smooth50"] = cjpeg(img, "-quality", "85", "-smooth", "50")
    v["jpg_cjpeg_q100_444"] = cjpeg(img, "-quality", "100", "-sample", "1x1")
    # EXIF orientation 1-8 (RGB and grey), out-of-range values, XMP-only orientation
    for o in list(range(1, 9)) + [0, 9]:
        v[f"jpg_exif_orient{o}"] = pil_bytes(img, "JPEG", quality=90, exif=exif_bytes(o))
        if 1 <= o <= 8:
            v[f"jpg_grey_exif_orient{o}"] = pil_bytes(grey, "JPEG", quality=90, exif=exif_bytes(o))
    for o in range(1, 10):
        v[f"jpg_xmp_only_orient{o}"] = pil_bytes(img, "JPEG", quality=90, xmp=XMP % str(o).encode())
    v["jpg_xmp_element_orient8"] = pil_bytes(
        img,
        "JPEG",
        quality=90,
        xmp=b"<x:xmpmeta><rdf:Description><tiff:Orientation>8</tiff:Orientation></rdf:Description></x:xmpmeta>",
    )
    no_orient = Image.Exif()
    no_orient[0x010F] = "Camera"
    v["jpg_exif_without_orient_xmp6"] = pil_bytes(img, "JPEG", quality=90, exif=no_orient.tobytes(), xmp=XMP % b"6")
    v["jpg_exif3_xmp6"] = pil_bytes(img, "JPEG", quality=90, exif=exif_bytes(3), xmp=XMP % b"6")
    v["jpg_icc_srgb"] = pil_bytes(img, "JPEG", quality=90, icc_profile=icc_srgb())
    return v


XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="%s"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
