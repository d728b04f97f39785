"""The MP4 clips: lookup by size and duration, padding to any size, byte ranges.

Padding appends one ISO BMFF `free` box, which players skip, so a padded file stays a valid,
playable MP4. Its zeros are generated while streaming, never stored, so a 256 MiB body costs
no memory.
"""

from __future__ import annotations

import functools
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

CHUNK = 1024 * 1024
_ZEROS = bytes(CHUNK)
_CLIP_NAME = re.compile(r"^(\d+)x(\d+)-(\d+)s\.mp4$")


def _assets() -> resources.abc.Traversable:
    return resources.files(__package__ or "sora_cli.emulator") / "assets"


@functools.cache
def catalogue() -> dict[tuple[int, int], list[int]]:
    """Shipped clips: (width, height) -> sorted durations in seconds."""
    found: dict[tuple[int, int], list[int]] = {}
    for entry in _assets().iterdir():
        match = _CLIP_NAME.match(entry.name)
        if match:
            width, height, seconds = (int(g) for g in match.groups())
            found.setdefault((width, height), []).append(seconds)
    return {dims: sorted(secs) for dims, secs in found.items()}


def clip_name(size: str, seconds: str) -> str:
    """The shipped clip closest to (size, seconds): same size and nearest duration; an
    unknown size falls back to the nearest shape (aspect ratio, then area)."""
    shelf = catalogue()
    if not shelf:
        raise FileNotFoundError("no MP4 clips in sora_cli/emulator/assets")
    dims = _dims(size)
    if dims not in shelf:
        width, height = dims
        aspect = width / height if height else 1.0
        area = width * height
        dims = min(shelf, key=lambda d: (abs(d[0] / d[1] - aspect), abs(d[0] * d[1] - area)))
    want = int(seconds) if seconds.isdigit() else 0
    best = min(shelf[dims], key=lambda s: (abs(s - want), s))
    return f"{dims[0]}x{dims[1]}-{best}s.mp4"


def _dims(size: str) -> tuple[int, int]:
    width, _, height = size.partition("x")
    if width.isdigit() and height.isdigit():
        return int(width), int(height)
    return 720, 1280


@functools.cache
def clip_bytes(name: str) -> bytes:
    """The bytes of a shipped asset (clips are small, so they are cached in memory)."""
    return (_assets() / name).read_bytes()


def free_box_header(size: int) -> bytes:
    """Header of a `free` box `size` bytes long in total (64-bit form when needed)."""
    if size < 2**32:
        return struct.pack(">I4s", size, b"free")
    return struct.pack(">I4sQ", 1, b"free", size)


@dataclass(frozen=True)
class MediaBody:
    """A clip, optionally padded by a trailing `free` box to exactly `length` bytes."""

    clip: bytes
    length: int

    @classmethod
    def padded(cls, clip: bytes, target: int | None) -> MediaBody:
        """Pad to `target` bytes; a target too small for a box leaves the clip as it is."""
        if target is None or target - len(clip) < 8:
            return cls(clip, len(clip))
        return cls(clip, target)

    def chunks(self, start: int, end: int) -> Iterator[bytes | memoryview]:
        """Bytes start..end (inclusive), in pieces of at most CHUNK bytes."""
        stop = end + 1
        pad = self.length - len(self.clip)
        head = self.clip + (free_box_header(pad) if pad else b"")
        pos = start
        while pos < stop and pos < len(head):
            piece_end = min(stop, len(head), pos + CHUNK)
            yield memoryview(head)[pos:piece_end]
            pos = piece_end
        while pos < stop:
            size = min(CHUNK, stop - pos)
            yield _ZEROS if size == CHUNK else memoryview(_ZEROS)[:size]
            pos += size


class RangeNotSatisfiable(Exception):
    """The Range header asks for bytes the body does not have (answer 416)."""


_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)


def parse_range(header: str | None, length: int) -> tuple[int, int] | None:
    """One byte range, inclusive, from a Range header; None means send the whole body.

    RFC 9110 §14.2: a server may ignore a Range it does not understand (several ranges,
    bad syntax, other units), so those get the full body rather than an error.
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if not match:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last N bytes
        count = int(last)
        if count == 0 or length == 0:
            raise RangeNotSatisfiable
        return max(0, length - count), length - 1
    start = int(first)
    end = int(last) if last else length - 1
    if last and end < start:
        return None
    if start >= length:
        raise RangeNotSatisfiable
    return start, min(end, length - 1)
