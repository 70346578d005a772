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
import io
import json
import subprocess
import tempfile
import zlib
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "ml" / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from mri_sentinel_ml.data import grey_float, letterbox_grey, normalise  # noqa: E402
from pngw import chunk, write_png  # noqa: E402

CARD = json.loads((REPO / "models" / "triage" / "model_card.json").read_text())["input"]


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
        v[f"png_pal4_trns_partial{s}"] = write_png(idx.astype(np.int32) % 16, 3, 4, interlace=il, palette=pal[:16], trns=ptr_part[:16])
        lv = int(L[h // 2, w // 2])
        v[f"png_grey8_trns{s}"] = write_png(L, 0, 8, interlace=il, trns=lv.to_bytes(2, "big"))
        v[f"png_grey1_trns{s}"] = write_png((L > 128).astype(np.uint8), 0, 1, interlace=il, trns=(1).to_bytes(2, "big"))
        v[f"png_grey2_trns{s}"] = write_png(L >> 6, 0, 2, interlace=il, trns=(lv >> 6).to_bytes(2, "big"))
        v[f"png_grey4_trns{s}"] = write_png(L >> 4, 0, 4, interlace=il, trns=(lv >> 4).to_bytes(2, "big"))
        v[f"png_grey16_trns{s}"] = write_png(L16, 0, 16, interlace=il, trns=int(L16[h // 2, w // 2]).to_bytes(2, "big"))
        c = rgb[h // 2, w // 2]
        v[f"png_rgb8_trns{s}"] = write_png(rgb, 2, 8, interlace=il, trns=b"".join(int(x).to_bytes(2, "big") for x in c))
        c16 = rgb16[h // 2, w // 2]
        v[f"png_rgb16_trns{s}"] = write_png(rgb16, 2, 16, interlace=il, trns=b"".join(int(x).to_bytes(2, "big") for x in c16))
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
        text = f"\nexif\n{len(ex):8d}\n" + "\n".join(ex.hex()[i:i + 72] for i in range(0, len(ex) * 2, 72)) + "\n"
        key = b"Raw profile type exif\x00"
        v[f"png_rawprofile_ztxt_orient{o}"] = write_png(rgb, 2, 8, before_idat=[(b"zTXt", key + b"\x00" + zlib.compress(text.encode()))])
    ex = exif_bytes(8)
    text = f"\nexif\n{len(ex):8d}\n{ex.hex()}\n".encode()
    v["png_rawprofile_itxt_orient8"] = write_png(rgb, 2, 8, before_idat=[(b"iTXt", b"Raw profile type exif\x00\x01\x00\x00\x00" + zlib.compress(text))])
    body = write_png(rgb, 2, 8)
    v["png_rawprofile_after_idat_orient5"] = body[:-12] + chunk(b"tEXt", b"Raw profile type exif\x00" + f"\nexif\n{len(exif_bytes(5)):8d}\n{exif_bytes(5).hex()}\n".encode()) + body[-12:]
    v["png_exif1_rawprofile6"] = pil_bytes(Image.fromarray(rgb), "PNG", exif=exif_bytes(1), pnginfo=info)
    for o in (6, 7):
        v[f"png_xmp_orient{o}"] = write_png(rgb, 2, 8, before_idat=[(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP % str(o).encode())])
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
    for samp, name in (("1x2", "440"), ("4x1", "411"), ("2x2", "420"), ("2x1", "422"), ("1x1", "444"), ("1x4", "410v"), ("4x2", "410")):
        v[f"jpg_cjpeg_{name}"] = cjpeg(img, "-quality", "85", "-sample", samp)
        v[f"jpg_cjpeg_{name}_arith"] = cjpeg(img, "-quality", "85", "-sample", samp, "-arithmetic")
        v[f"jpg_cjpeg_{name}_progressive"] = cjpeg(img, "-quality", "85", "-sample", samp, "-progressive")
    # uncommon per-component sampling (chroma finer than luma, 3x, mixed)
    for samp in ("2x2,1x1,2x2", "1x1,2x2,1x1", "2x1,1x2,1x1", "3x1,1x1,1x1", "1x3,1x1,1x1", "2x2,2x1,1x1", "3x2,1x1,1x1"):
        v["jpg_cjpeg_sample_" + samp.replace(",", "_")] = cjpeg(img, "-quality", "85", "-sample", samp)
    # progressive scan scripts that leave coefficients unrefined (the decoder's block smoothing then runs)
    with tempfile.TemporaryDirectory() as tmp:
        for name, script in (("unrefined", "0,1,2: 0 0 0 1 ;\n0: 1 5 0 2 ;\n2: 1 63 0 1 ;\n1: 1 63 0 1 ;\n0: 6 63 0 2 ;\n0: 1 63 2 1 ;\n"),
                             ("dc_only", "0,1,2: 0 0 0 0 ;\n")):
            (Path(tmp) / "scans.txt").write_text(script)
            v[f"jpg_cjpeg_scans_{name}"] = cjpeg(img, "-quality", "85", "-scans", str(Path(tmp) / "scans.txt"))
        (Path(tmp) / "scans.txt").write_text("0: 0 0 0 2 ;\n0: 1 63 0 3 ;\n")
        v["jpg_cjpeg_grey_scans_unrefined"] = cjpeg(grey, "-quality", "85", "-grayscale", "-scans", str(Path(tmp) / "scans.txt"))
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
    v["jpg_xmp_element_orient8"] = pil_bytes(img, "JPEG", quality=90, xmp=b"<x:xmpmeta><rdf:Description><tiff:Orientation>8"
                                             b"</tiff:Orientation></rdf:Description></x:xmpmeta>")
    no_orient = Image.Exif()
    no_orient[0x010F] = "Camera"
    v["jpg_exif_without_orient_xmp6"] = pil_bytes(img, "JPEG", quality=90, exif=no_orient.tobytes(), xmp=XMP % b"6")
    v["jpg_exif3_xmp6"] = pil_bytes(img, "JPEG", quality=90, exif=exif_bytes(3), xmp=XMP % b"6")
    v["jpg_icc_srgb"] = pil_bytes(img, "JPEG", quality=90, icc_profile=icc_srgb())
    return v


XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
       b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
       b'xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="%s"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>')


def jpeg_app1(jpeg: bytes, payload: bytes) -> bytes:
    """the JPEG with one more APP1 segment right after SOI"""
    return jpeg[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def tiff_orientation(o: int, little: bool, type_: int = 3) -> bytes:
    """a minimal EXIF TIFF (IFD0 = Orientation only), little or big endian, Orientation as SHORT (3) or LONG (4)"""
    e = "<" if little else ">"
    import struct
    value = struct.pack(e + "H", o) + b"\0\0" if type_ == 3 else struct.pack(e + "I", o)
    return (b"II*\0" if little else b"MM\0*") + struct.pack(e + "I", 8) + struct.pack(e + "HHHI", 1, 0x0112, type_, 1) + value + b"\0\0\0\0"


def edge_variants(w: int, h: int) -> dict[str, bytes]:
    """Containers bent the way real writers bend them: EXIF layouts, damaged files, odd chunks."""
    rgb = content(w, h, seed=9)
    img = Image.fromarray(rgb)
    base = pil_bytes(img, "JPEG", quality=90)
    v: dict[str, bytes] = {}
    for o in (3, 6, 8):
        v[f"edge_jpg_exif_le_orient{o}"] = jpeg_app1(base, b"Exif\0\0" + tiff_orientation(o, True))
        v[f"edge_jpg_exif_long_orient{o}"] = jpeg_app1(base, b"Exif\0\0" + tiff_orientation(o, True, 4))
    v["edge_jpg_two_exif_6_then_3"] = jpeg_app1(jpeg_app1(base, b"Exif\0\0" + tiff_orientation(3, False)), b"Exif\0\0" + tiff_orientation(6, False))
    v["edge_jpg_trailing_garbage"] = base + bytes(range(256)) * 4
    v["edge_jpg_truncated_90pct"] = base[: len(base) * 9 // 10]
    v["edge_jpg_no_eoi"] = base[:-2]
    prog = pil_bytes(img, "JPEG", quality=90, progressive=True)
    v["edge_jpg_progressive_truncated_70pct"] = prog[: len(prog) * 7 // 10]
    L16 = (luma8(rgb).astype(np.uint16) * 64)
    for o in (5, 6):
        v[f"edge_png_grey16_exif_orient{o}"] = write_png(L16, 0, 16, before_idat=[(b"eXIf", exif_bytes(o)[6:])])
    ex = exif_bytes(6)
    v["edge_png_grey16_rawprofile_orient6"] = write_png(L16, 0, 16, before_idat=[(b"tEXt", b"Raw profile type exif\0" + f"\nexif\n{len(ex):8d}\n{ex.hex()}\n".encode())])
    v["edge_png_greyA16_xmp_orient8"] = write_png(np.stack([L16, alpha_of(w, h).astype(np.uint16) * 257], -1), 4, 16,
                                                  before_idat=[(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + XMP % b"8")])
    v["edge_png_exif_chunk_with_exif_prefix_orient6"] = write_png(rgb, 2, 8, before_idat=[(b"eXIf", b"Exif\0\0" + tiff_orientation(6, False))])
    v["edge_png_exif_chunk_le_orient8"] = write_png(rgb, 2, 8, before_idat=[(b"eXIf", tiff_orientation(8, True))])
    v["edge_png_exif_after_idat_orient6"] = (lambda b: b[:-12] + chunk(b"eXIf", tiff_orientation(6, False)) + b[-12:])(write_png(rgb, 2, 8))
    v["edge_png_bkgd_rgba"] = write_png(np.concatenate([rgb, alpha_of(w, h)[..., None]], -1), 6, 8, before_idat=[(b"bKGD", b"\0\xff\0\x80\0\x40")])
    v["edge_png_bkgd_grey_trns"] = write_png(luma8(rgb), 0, 8, trns=b"\0\x80", before_idat=[(b"bKGD", b"\0\xc0")])
    q = Image.fromarray(rgb).quantize(256)
    idx = np.asarray(q).astype(np.uint8)
    pal = np.array(q.getpalette()[:768], np.uint8).reshape(-1, 3)
    v["edge_png_pal_index_beyond_plte"] = write_png(idx, 3, 8, palette=pal[:200])
    good = write_png(rgb, 2, 8)
    v["edge_png_trailing_garbage"] = good + b"garbage after IEND" * 10
    v["edge_png_truncated_idat"] = good[: len(good) * 8 // 10]
    bad = bytearray(good)
    bad[-20] ^= 0xFF  # inside the IDAT data: its CRC no longer matches
    v["edge_png_idat_crc_mismatch"] = bytes(bad)
    v["edge_png_ancillary_crc_mismatch"] = (lambda b: b[:33] + chunk(b"tEXt", b"Comment\0x")[:-1] + b"\0" + b[33:])(good)
    # a text chunk PIL will not inflate (over PngImagePlugin.MAX_TEXT_CHUNK, 1 MB): PIL refuses the file
    big = (f"\nexif\n{len(ex):8d}\n{ex.hex()}\n" + " " * (3 << 20)).encode()
    v["edge_png_ztxt_over_1mb"] = write_png(rgb, 2, 8, before_idat=[(b"zTXt", b"Raw profile type exif\0\0" + zlib.compress(big, 9))])
    return v


ODD_SIZES = [(1, 200), (200, 1), (7, 300), (300, 7), (97, 131), (131, 97), (17, 1000), (1021, 3), (2, 2), (1, 1), (257, 255), (65, 64)]


def odd_variants() -> dict[str, bytes]:
    v: dict[str, bytes] = {}
    for w, h in ODD_SIZES:
        rgb = content(w, h, seed=w * 7 + h)
        img = Image.fromarray(rgb)
        s = f"{w}x{h}"
        v[f"odd_png_grey8_{s}"] = write_png(luma8(rgb), 0, 8)
        v[f"odd_png_rgba8_adam7_{s}"] = write_png(np.concatenate([rgb, alpha_of(w, h)[..., None]], -1), 6, 8, interlace=True)
        v[f"odd_png_grey16_{s}"] = write_png((luma8(rgb).astype(np.uint16) * 16), 0, 16)
        v[f"odd_jpg_420_{s}"] = pil_bytes(img, "JPEG", quality=80, subsampling=2)
        v[f"odd_jpg_444_prog_{s}"] = pil_bytes(img, "JPEG", quality=80, subsampling=0, progressive=True)
        v[f"odd_jpg_411_{s}"] = cjpeg(img, "-quality", "80", "-sample", "4x1")
        v[f"odd_jpg_440_{s}"] = cjpeg(img, "-quality", "80", "-sample", "1x2")
        v[f"odd_jpg_exif6_{s}"] = pil_bytes(img, "JPEG", quality=80, exif=exif_bytes(6))
    return v


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
        "png_rgba8_partial": write_png(np.concatenate([np.repeat(grey[..., None], 3, -1), np.full((h, w, 1), 200, np.uint8)], -1), 6, 8),
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
    v["png_exif_after_idat_orient8"] = (lambda b: b[:-12] + chunk(b"eXIf", exif_bytes(8)[6:]) + b[-12:])(write_png(grey, 0, 8))
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
    sets = {"png": png_variants(97, 131), "jpeg": jpeg_variants(131, 97), "odd": odd_variants(), "edge": edge_variants(97, 131)}
    for family, variants in sets.items():
        for name, data in variants.items():
            ext = "png" if "png" in name else "jpg"  # a damaged file keeps its name's format
            f = out / "img" / f"{name}.{ext}"
            f.write_bytes(data)
            index.append({"name": name, "family": family, "variant": name, "file": str(f), **reference(f, out / "ref", name)})
    if real_n:
        data_dir = REPO.parent / "shared" / "data"
        rows = [r for r in csv.DictReader(open(REPO / "ml" / "splits" / "triage.csv")) if r["split"] == "test" and r["label"] != "not_mri"]
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
                index.append({"name": name, "family": "real", "variant": vname, "file": str(f), **reference(f, out / "ref", name)})
        with open(out / "manifest.csv", "w", newline="") as fh:
            csv.writer(fh).writerows(manifest)
    (out / "index.json").write_text(json.dumps(index, indent=1))
    print(f"{len(index)} images, {sum(not e['ok'] for e in index)} refused by PIL")


if __name__ == "__main__":
    main()
