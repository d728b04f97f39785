"""Just enough MP4 (ISO BMFF) to tell a real video from an error page, and to describe it.

`read_info` walks the box tree for the summary line after a download (issue 6): duration
from `moov/mvhd` (or the video track's `mdhd`), width and height from the video track's
`tkhd`. No ffmpeg, no decoding: only box headers and a few fixed-layout fields are read,
and anything malformed gives None rather than an exception.

A box is `size:u32 type:4cc`, then `largesize:u64` when size == 1 (64-bit sizes), and
size == 0 means "to the end of the enclosing space". `mvhd`, `tkhd` and `mdhd` exist in a
version 0 (32-bit times) and a version 1 (64-bit times) layout.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MP4_SNIFF_BYTES = 12
# moov holds only tables (sample sizes, offsets): a few KiB for a short clip, a few MiB for
# hours of video. Anything bigger is not a file we should load to print one line.
MAX_MOOV_BYTES = 64 * 1024 * 1024
_UNKNOWN_DURATION = (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF)


def looks_like_mp4(head: bytes) -> bool:
    """An ISO-BMFF file starts with a box whose type is `ftyp` (DESIGN "HTTP behaviour")."""
    return len(head) >= 8 and head[4:8] == b"ftyp"


@dataclass(frozen=True)
class Mp4Info:
    """What the header says about a video."""

    duration: float | None  # seconds
    width: int | None
    height: int | None

    @property
    def resolution(self) -> str | None:
        """`1280x720`, or None when the header gave no video dimensions."""
        if self.width and self.height:
            return f"{self.width}x{self.height}"
        return None


@dataclass(frozen=True)
class _Box:
    type: bytes
    start: int  # offset of the payload
    end: int  # offset just past the box


def _boxes(data: bytes, start: int, end: int) -> Iterator[_Box]:
    """The boxes laid end to end in data[start:end]; stops at the first malformed header."""
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if offset + 16 > end:
                return
            (size,) = struct.unpack_from(">Q", data, offset + 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            return
        yield _Box(kind, offset + header, offset + size)
        offset += size


def _child(data: bytes, box: _Box, kind: bytes) -> _Box | None:
    return next((b for b in _boxes(data, box.start, box.end) if b.type == kind), None)


def _duration(data: bytes, box: _Box) -> float | None:
    """Seconds from an `mvhd` or `mdhd` payload (same leading layout in both)."""
    payload = data[box.start : box.end]
    if len(payload) < 4:
        return None
    if payload[0] == 1:
        if len(payload) < 36:
            return None
        timescale, duration = struct.unpack_from(">IQ", payload, 20)
    elif payload[0] == 0:
        if len(payload) < 24:
            return None
        timescale, duration = struct.unpack_from(">II", payload, 12)
    else:
        return None
    if not timescale or duration in _UNKNOWN_DURATION:
        return None
    return float(duration) / float(timescale)


def _dimensions(data: bytes, tkhd: _Box) -> tuple[int, int] | None:
    """Width and height (16.16 fixed point) at the end of a `tkhd` payload."""
    payload = data[tkhd.start : tkhd.end]
    if not payload or payload[0] not in (0, 1):
        return None
    # version/flags 4, times and ids (20 or 32), reserved 8, layer..volume 8, matrix 36
    offset = 4 + (32 if payload[0] == 1 else 20) + 8 + 8 + 36
    if len(payload) < offset + 8:
        return None
    width, height = struct.unpack_from(">II", payload, offset)
    return width >> 16, height >> 16


def _handler(data: bytes, mdia: _Box) -> bytes | None:
    hdlr = _child(data, mdia, b"hdlr")
    if hdlr is None or hdlr.end - hdlr.start < 12:
        return None
    return data[hdlr.start + 8 : hdlr.start + 12]


def parse_moov(data: bytes) -> Mp4Info | None:
    """Describe a video from the payload of its `moov` box; None when it says nothing."""
    try:
        return _parse_moov(data)
    except (struct.error, IndexError, ValueError):  # belt and braces: never raise on garbage
        return None


def _parse_moov(data: bytes) -> Mp4Info | None:
    whole = _Box(b"moov", 0, len(data))
    mvhd = _child(data, whole, b"mvhd")
    duration = _duration(data, mvhd) if mvhd else None
    # The video track (handler `vide`); failing that, the first track with a picture size.
    chosen: tuple[tuple[int, int] | None, _Box | None] | None = None
    for trak in _boxes(data, 0, len(data)):
        if trak.type != b"trak":
            continue
        tkhd = _child(data, trak, b"tkhd")
        mdia = _child(data, trak, b"mdia")
        dims = _dimensions(data, tkhd) if tkhd else None
        if mdia is not None and _handler(data, mdia) == b"vide":
            chosen = (dims, mdia)
            break
        if chosen is None and dims and all(dims):
            chosen = (dims, mdia)
    size, mdia = chosen if chosen else (None, None)
    if duration is None and mdia is not None:
        mdhd = _child(data, mdia, b"mdhd")
        duration = _duration(data, mdhd) if mdhd else None
    if size is not None and not all(size):
        size = None
    if duration is None and size is None:
        return None
    return Mp4Info(duration, size[0] if size else None, size[1] if size else None)


def parse_mp4(data: bytes) -> Mp4Info | None:
    """Describe a whole MP4 held in memory (tests, fuzzing)."""
    try:
        moov = next((b for b in _boxes(data, 0, len(data)) if b.type == b"moov"), None)
    except struct.error:
        return None
    return parse_moov(data[moov.start : moov.end]) if moov else None


def _top_level_boxes(handle: BinaryIO, end: int) -> Iterator[_Box | None]:
    """The file's top-level boxes, seeking from header to header (payloads are not read).

    A final None means the next header is malformed or claims more bytes than the file has.
    """
    offset = 0
    while offset < end:
        handle.seek(offset)
        head = handle.read(16)
        if len(head) < 8:
            yield None
            return
        size, kind = struct.unpack_from(">I4s", head)
        header = 8
        if size == 1:
            if len(head) < 16:
                yield None
                return
            (size,) = struct.unpack_from(">Q", head, 8)
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            yield None
            return
        yield _Box(kind, offset + header, offset + size)
        offset += size


def read_info(path: Path) -> Mp4Info | None:
    """Describe an MP4 file by seeking from box header to box header to `moov`.

    `mdat` (the media, nearly all of the file) is skipped, never read, so this costs a few
    small reads whether `moov` comes before or after it.
    """
    try:
        with path.open("rb") as handle:
            for box in _top_level_boxes(handle, os.fstat(handle.fileno()).st_size):
                if box is None:
                    return None
                if box.type == b"moov":
                    if box.end - box.start > MAX_MOOV_BYTES:
                        return None
                    handle.seek(box.start)
                    return parse_moov(handle.read(box.end - box.start))
    except OSError:
        return None
    return None


def is_whole(path: Path) -> bool:
    """True when the top-level boxes fill the file exactly, `moov` and `mdat` among them.

    A body cut short ends inside a box (nearly always `mdat`, the media) or before `moov`
    or `mdat`; a whole file does neither. This is how a download without Content-Length (a
    body that simply ends when the connection closes) tells a truncation from the end.
    """
    try:
        with path.open("rb") as handle:
            return _tiling(handle)[0]
    except OSError:
        return False


def _tiling(handle: BinaryIO) -> tuple[bool, _Box | None]:
    """Whether the top-level boxes tile the file with `moov` and `mdat`; the first `moov`."""
    kinds: set[bytes] = set()
    moov: _Box | None = None
    for box in _top_level_boxes(handle, os.fstat(handle.fileno()).st_size):
        if box is None:
            return False, moov
        kinds.add(box.type)
        if box.type == b"moov" and moov is None:
            moov = box
    return {b"moov", b"mdat"} <= kinds, moov


NOT_WHOLE = "its boxes do not fill it exactly, with moov and mdat among them"
BAD_MOOV = "its moov box does not describe a video"


def structure_problem(handle: BinaryIO) -> str | None:
    """What is wrong with a downloaded file, or None when it is a whole MP4: the top-level
    boxes tile it exactly, `moov` and `mdat` among them, and `moov` parses.

    A byte count that matches Content-Length says nothing about the bytes themselves: half
    a video behind an honest header, or a body a proxy damaged, is caught here.
    """
    whole, moov = _tiling(handle)
    if not whole or moov is None:
        return NOT_WHOLE
    if moov.end - moov.start > MAX_MOOV_BYTES:
        return BAD_MOOV
    handle.seek(moov.start)
    return None if parse_moov(handle.read(moov.end - moov.start)) else BAD_MOOV


class BoxBoundaries:
    """`structure_problem` for bytes going past (`-o -`): follows the top-level box headers
    as the body streams, keeping only the next header's few bytes and the `moov` payload
    (bounded by MAX_MOOV_BYTES); the media itself is never copied."""

    def __init__(self) -> None:
        self._seen = 0  # bytes fed so far
        self._next = 0  # offset of the next top-level header
        self._header = b""  # its first bytes, when a chunk ended inside it
        self._kinds: set[bytes] = set()
        self._open_ended = False  # a size-0 box runs to the end: nothing more to check
        self._broken = False
        self._moov: bytearray | None = None
        self._moov_span = (0, 0)  # payload offsets of the first moov (end: -1 to the end)

    def feed(self, chunk: bytes) -> None:
        """Account for the next `len(chunk)` bytes of the file."""
        start = self._seen
        self._seen += len(chunk)
        while not (self._broken or self._open_ended) and self._next < self._seen:
            at = self._next + len(self._header) - start
            self._header += chunk[at : at + 16 - len(self._header)]
            if len(self._header) < 8:
                break
            size, kind = struct.unpack_from(">I4s", self._header)
            header = 8
            if size == 1:
                if len(self._header) < 16:  # the 64-bit size goes on in the next chunk
                    break
                (size,) = struct.unpack_from(">Q", self._header, 8)
                header = 16
            self._kinds.add(kind)
            self._header = b""
            if kind == b"moov" and self._moov is None:
                self._moov = bytearray()
                self._moov_span = (self._next + header, self._next + size if size else -1)
            if size == 0:
                self._open_ended = True
            elif size < header:
                self._broken = True
            else:
                self._next += size
        if self._moov is not None:
            self._keep_moov(chunk, start)

    def _keep_moov(self, chunk: bytes, start: int) -> None:
        assert self._moov is not None
        low, high = self._moov_span
        high = self._seen if high < 0 else high
        if low < self._seen and high > start:
            self._moov += chunk[max(low - start, 0) : min(high, self._seen) - start]
            if len(self._moov) > MAX_MOOV_BYTES:
                self._broken = True

    def whole(self) -> bool:
        """True when the bytes fed end exactly after a box, with `moov` and `mdat` seen."""
        ends_right = self._open_ended or (not self._header and self._next == self._seen)
        return not self._broken and ends_right and {b"moov", b"mdat"} <= self._kinds

    def problem(self) -> str | None:
        """Like `structure_problem`, for everything fed so far."""
        if not self.whole() or self._moov is None:
            return NOT_WHOLE
        return None if parse_moov(bytes(self._moov)) else BAD_MOOV
