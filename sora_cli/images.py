"""Reference images: format by magic bytes and pixel size from the header. No I/O here.

The API rejects an image whose dimensions differ from the requested size, so we read them
first and say so before anything is sent (DESIGN "generate").
"""

from __future__ import annotations

import struct
from collections.abc import Collection
from dataclasses import dataclass

from sora_cli.errors import UsageError

MIME_BY_FORMAT = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
EXTENSION_BY_FORMAT = {"jpeg": "jpg", "png": "png", "webp": "webp"}


@dataclass(frozen=True)
class ImageInfo:
    """What we know of an image from its first bytes."""

    format: str  # jpeg | png | webp
    width: int | None
    height: int | None

    @property
    def mime(self) -> str:
        """The MIME type to upload it with."""
        return MIME_BY_FORMAT[self.format]

    @property
    def size_text(self) -> str:
        """`WxH`, or `unknown` when the header did not say."""
        if self.width is None or self.height is None:
            return "unknown"
        return f"{self.width}x{self.height}"


def sniff_format(data: bytes) -> str | None:
    """jpeg/png/webp from magic bytes, else None (the extension is never trusted)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    return None


_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # standalone markers
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2:
            return None
        if marker in _SOF_MARKERS:
            if pos + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def inspect_image(data: bytes, source: str) -> ImageInfo:
    """Format and dimensions, or a usage error naming `source`."""
    fmt = sniff_format(data)
    if fmt is None:
        raise UsageError(
            f"{source} is not a JPG, PNG or WebP image",
            hint="the API accepts JPG, PNG and WebP (checked by content, not extension)",
        )
    size = {"png": _png_size, "jpeg": _jpeg_size, "webp": _webp_size}[fmt](data)
    width, height = size if size else (None, None)
    return ImageInfo(fmt, width, height)


def check_matches_size(
    info: ImageInfo, size: str, source: str, offered: Collection[str] = ()
) -> None:
    """The API rejects reference images whose dimensions differ from the video's size.

    `offered`: the profile's sizes, so the hint suggests `--size` only when it would work.
    """
    if info.width is None or info.height is None:
        return
    if f"{info.width}x{info.height}" != size:
        hint = f"resize or crop the image to exactly {size}"
        if info.size_text in offered:
            hint += f", or make the video that size: --size {info.size_text}"
        elif offered:
            hint += f" (the sizes offered: {', '.join(offered)})"
        raise UsageError(
            f"{source} is {info.size_text} but the video size is {size}; "
            "the API rejects a reference image of another size",
            hint=hint,
        )
