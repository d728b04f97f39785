"""Reference images: format by magic bytes, pixel size from the header, and what a model's
image policy says of that size. No I/O here, and no Pillow (see `pixels` for decoding).

OpenAI rejects an image whose dimensions differ from the requested size; the seeds' async
API only recommends "1280x720 or similar ratio" (reference "Image-to-Video"); Muse takes
the image as a composition reference. So a model's policy is `exact`, `ratio` or `none`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Collection
from dataclasses import dataclass
from math import gcd
from typing import Literal

from sora_cli.catalog import ImagePolicy
from sora_cli.errors import UsageError

FitMode = Literal["crop", "pad"]
FIT_MODES: tuple[FitMode, ...] = ("crop", "pad")
# Aspect ratios closer than this (relative) count as the same: 1366x768 is "16:9" too.
RATIO_TOLERANCE = 0.02

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


def check_fit(value: str | None, *, has_image: bool) -> FitMode | None:
    """`--fit` as given: crop, pad, or not at all (and only with an image to fit)."""
    if value is None:
        return None
    if not has_image:
        raise UsageError("--fit changes the --image; give an image too")
    for mode in FIT_MODES:
        if value.strip().lower() == mode:
            return mode
    raise UsageError(
        f"--fit {value!r} is not crop or pad",
        hint="--fit crop scales to cover and cuts the centre; --fit pad adds black bars",
    )


def check_dimensions(
    info: ImageInfo,
    size: str | None,
    source: str,
    policy: ImagePolicy,
    warn: Callable[[str], None],
    offered: Collection[str] = (),
) -> None:
    """Apply the model's image policy to the image's size against the video's `size`
    (None: no size is sent, the provider decides)."""
    if policy == "none" or size is None or info.width is None or info.height is None:
        return
    if policy == "exact":
        check_matches_size(info, size, source, offered)
        return
    width, height = (int(n) for n in size.split("x"))
    wanted, actual = width / height, info.width / info.height
    if abs(actual - wanted) / wanted > RATIO_TOLERANCE:
        warn(
            f"{source} is {info.size_text} ({ratio_text(info.width, info.height)}) but the "
            f"video is {size} ({ratio_text(width, height)}); the API recommends a similar "
            "ratio, sending it anyway (--fit crop|pad makes it exact)"
        )


def ratio_text(width: int, height: int) -> str:
    """`16:9` for 1920x1080; `1.78:1` where the reduced terms would be unreadable."""
    divisor = gcd(width, height) or 1
    w, h = width // divisor, height // divisor
    return f"{w}:{h}" if max(w, h) <= 32 else f"{width / height:.2f}:1"


def check_matches_size(
    info: ImageInfo, size: str, source: str, offered: Collection[str] = ()
) -> None:
    """OpenAI rejects reference images whose dimensions differ from the video's size.

    `offered`: the profile's sizes, so the hint suggests `--size` only when it would work.
    """
    if info.width is None or info.height is None:
        return
    if f"{info.width}x{info.height}" != size:
        hint = f"--fit crop|pad makes it exactly {size}"
        if info.size_text in offered:
            hint += f", or make the video that size: --size {info.size_text}"
        elif offered:
            hint += f" (the sizes offered: {', '.join(offered)})"
        raise UsageError(
            f"{source} is {info.size_text} but the video size is {size}; "
            "the API rejects a reference image of another size",
            hint=hint,
        )
