"""Edge cases for generate.py: EXIF written by hand (byte orders, LONG orientation, odd values), damaged and
oddly sized files."""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pngw import chunk, write_png  # noqa: E402
from variants import XMP, alpha_of, cjpeg, content, exif_bytes, luma8, pil_bytes  # noqa: E402


def jpeg_app1(jpeg: bytes, payload: bytes) -> bytes:
    """the JPEG with one more APP1 segment right after SOI"""
    return jpeg[:2] + b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload + jpeg[2:]


def tiff_orientation(o: int, little: bool, type_: int = 3) -> bytes:
    """a minimal EXIF TIFF (IFD0 = Orientation only), little or big endian, Orientation as SHORT (3) or LONG (4)"""
    e = "<" if little else ">"

    value = struct.pack(e + "H", o) + b"\0\0" if type_ == 3 else struct.pack(e + "I", o)
    return (
        (b"II*\0" if little else b"MM\0*")
        + struct.pack(e + "I", 8)
        + struct.pack(e + "HHHI", 1, 0x0112, type_, 1)
        + value
        + b"\0\0\0\0"
    )


def edge_variants(w: int, h: int) -> dict[str, bytes]:
    """Containers bent the way real writers bend them: EXIF layouts, damaged files, odd chunks."""
    rgb = content(w, h, seed=9)
    img = Image.fromarray(rgb)
    base = pil_bytes(img, "JPEG", quality=90)
    v: dict[str, bytes] = {}
    for o in (3, 6, 8):
        v[f"edge_jpg_exif_le_orient{o}"] = jpeg_app1(base, b"Exif\0\0" + tiff_orientation(o, True))
        v[f"edge_jpg_exif_long_orient{o}"] = jpeg_app1(base, b"Exif\0\0" + tiff_orientation(o, True, 4))
    v["edge_jpg_two_exif_6_then_3"] = jpeg_app1(
        jpeg_app1(base, b"Exif\0\0" + tiff_orientation(3, False)), b"Exif\0\0" + tiff_orientation(6, False)
    )
    v["edge_jpg_trailing_garbage"] = base + bytes(range(256)) * 4
    v["edge_jpg_truncated_90pct"] = base[: len(base) * 9 // 10]
    v["edge_jpg_no_eoi"] = base[:-2]
    prog = pil_bytes(img, "JPEG", quality=90, progressive=True)
    v["edge_jpg_progressive_truncated_70pct"] = prog[: len(prog) * 7 // 10]
    L16 = luma8(rgb).astype(np.uint16) * 64
    for o in (5, 6):
        v[f"edge_png_grey16_exif_orient{o}"] = write_png(L16, 0, 16, before_idat=[(b"eXIf", exif_bytes(o)[6:])])
    ex = exif_bytes(6)
    v["edge_png_grey16_rawprofile_orient6"] = write_png(
        L16, 0, 16, before_idat=[(b"tEXt", b"Raw profile type exif\0" + f"\nexif\n{len(ex):8d}\n{ex.hex()}\n".encode())]
    )
    v["edge_png_greyA16_xmp_orient8"] = write_png(
        np.stack([L16, alpha_of(w, h).astype(np.uint16) * 257], -1),
        4,
        16,
        before_idat=[(b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0" + XMP % b"8")],
    )
    v["edge_png_exif_chunk_with_exif_prefix_orient6"] = write_png(
        rgb, 2, 8, before_idat=[(b"eXIf", b"Exif\0\0" + tiff_orientation(6, False))]
    )
    v["edge_png_exif_chunk_le_orient8"] = write_png(rgb, 2, 8, before_idat=[(b"eXIf", tiff_orientation(8, True))])
    v["edge_png_exif_after_idat_orient6"] = (lambda b: b[:-12] + chunk(b"eXIf", tiff_orientation(6, False)) + b[-12:])(
        write_png(rgb, 2, 8)
    )
    v["edge_png_bkgd_rgba"] = write_png(
        np.concatenate([rgb, alpha_of(w, h)[..., None]], -1), 6, 8, before_idat=[(b"bKGD", b"\0\xff\0\x80\0\x40")]
    )
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
    v["edge_png_ztxt_over_1mb"] = write_png(
        rgb, 2, 8, before_idat=[(b"zTXt", b"Raw profile type exif\0\0" + zlib.compress(big, 9))]
    )
    return v


ODD_SIZES = [
    (1, 200),
    (200, 1),
    (7, 300),
    (300, 7),
    (97, 131),
    (131, 97),
    (17, 1000),
    (1021, 3),
    (2, 2),
    (1, 1),
    (257, 255),
    (65, 64),
]


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
