"""A PNG file of RGBA pixels, as a data: URI, for rasters inside an SVG."""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence


def png_data_uri(pixels: Sequence[Sequence[tuple[int, int, int, int]]]) -> str:
    """An RGBA image (rows of (r, g, b, a)) as a data: URI of a PNG file."""
    height, width = len(pixels), len(pixels[0])
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()
