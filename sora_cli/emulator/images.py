"""Reference images: format by magic bytes and pixel size from the file header.

The API rejects an `input_reference` that is not JPEG/PNG/WebP or whose dimensions differ from
the requested size, so the emulator must read both without an imaging library.
"""

from __future__ import annotations

import base64
import binascii
import struct

_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the size (all SOFn except DHT C4, JPG C8, DAC CC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_STANDALONE = {0x01, *range(0xD0, 0xDA)}  # markers without a length field


def sniff(data: bytes) -> str | None:
    """'jpeg', 'png' or 'webp' by magic bytes, else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(_PNG):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from the header, or None when it cannot be read."""
    kind = sniff(data)
    try:
        if kind == "png":
            return _png(data)
        if kind == "jpeg":
            return _jpeg(data)
        if kind == "webp":
            return _webp(data)
    except (struct.error, IndexError):
        return None
    return None


def _png(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _jpeg(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _SOF:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return int(width), int(height)
        if marker == 0xDA or length < 2:  # start of scan: no SOF before the image data
            return None
        pos += 2 + length
    return None


def _webp(data: bytes) -> tuple[int, int] | None:
    fourcc = data[12:16]
    if fourcc == b"VP8 ":
        if data[23:26] != b"\x9d\x01\x2a":
            return None
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if fourcc == b"VP8L":
        if data[20] != 0x2F:
            return None
        (bits,) = struct.unpack("<I", data[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if fourcc == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def decode_data_url(url: str) -> bytes | None:
    """The bytes of a `data:image/...;base64,` URL, or None when it is not one."""
    head, comma, payload = url.partition(",")
    if not comma or not head.lower().startswith("data:image/") or not head.endswith(";base64"):
        return None
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None
