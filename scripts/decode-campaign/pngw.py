"""A minimal PNG writer with full control over colour type, bit depth, Adam7 and ancillary chunks.

PIL cannot write 2/4-bit grey, 16-bit grey + alpha, tRNS on every colour type or Adam7; this does.
`samples` is a uint array [H, W, C] (C = 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA, 1 palette index).
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _pack_rows(sub: np.ndarray, depth: int) -> bytes:
    h, w, c = sub.shape
    out = bytearray()
    for y in range(h):
        row = sub[y].reshape(-1).astype(np.uint32)
        out.append(0)  # filter None
        if depth == 16:
            out += row.astype(">u2").tobytes()
        elif depth == 8:
            out += row.astype(np.uint8).tobytes()
        else:
            per = 8 // depth
            n = len(row)
            padded = np.zeros(((n + per - 1) // per) * per, np.uint32)
            padded[:n] = row
            padded = padded.reshape(-1, per)
            b = np.zeros(len(padded), np.uint32)
            for i in range(per):
                b |= padded[:, i] << (8 - depth * (i + 1))
            out += b.astype(np.uint8).tobytes()
    return bytes(out)


def write_png(
    samples: np.ndarray,
    colour_type: int,
    depth: int,
    *,
    interlace: bool = False,
    before_plte: list[tuple[bytes, bytes]] = (),
    palette: np.ndarray | None = None,
    trns: bytes | None = None,
    before_idat: list[tuple[bytes, bytes]] = (),
    idat_split: int = 0,
) -> bytes:
    if samples.ndim == 2:
        samples = samples[..., None]
    h, w, c = samples.shape
    assert c == CHANNELS[colour_type]
    out = b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 1 if interlace else 0)
    )
    for k, d in before_plte:
        out += chunk(k, d)
    if palette is not None:
        out += chunk(b"PLTE", palette.astype(np.uint8).tobytes())
    if trns is not None:
        out += chunk(b"tRNS", trns)
    for k, d in before_idat:
        out += chunk(k, d)
    if interlace:
        raw = b""
        for x0, y0, dx, dy in ADAM7:
            sub = samples[y0::dy, x0::dx]
            if sub.shape[0] and sub.shape[1]:
                raw += _pack_rows(sub, depth)
    else:
        raw = _pack_rows(samples, depth)
    z = zlib.compress(raw, 9)
    if idat_split:
        for i in range(0, len(z), idat_split):
            out += chunk(b"IDAT", z[i : i + idat_split])
    else:
        out += chunk(b"IDAT", z)
    return out + chunk(b"IEND", b"")
