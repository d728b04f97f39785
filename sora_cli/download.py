"""Resumable, atomic, checked downloads.

Bytes stream to `<path>.part` and are renamed into place only when complete: the count
matches `Content-Length` (without one, the MP4's top-level boxes must fill the file exactly)
and the file starts like an MP4. A partial file is resumed with `Range`. Memory stays flat
whatever the size (DESIGN "HTTP behaviour").
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

import httpx

try:  # POSIX: a second sora must not write the same .part
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from sora_cli import constants, errors
from sora_cli.client import HttpCore, RetryNotice, backoff_delay
from sora_cli.http_answers import network_error, transport_failure
from sora_cli.mp4 import MP4_SNIFF_BYTES, BoxBoundaries, is_whole, looks_like_mp4
from sora_cli.outputs import part_path

ProgressCallback = Callable[[int, int | None], None]

_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(?:(\d+)-(\d+)|\*)\s*/\s*(\d+|\*)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ContentRange:
    """A parsed `Content-Range` header."""

    start: int | None
    end: int | None
    total: int | None


def parse_content_range(value: str | None) -> ContentRange | None:
    """`bytes 0-99/200`, `bytes */200`, `bytes 0-99/*`; None when malformed."""
    if not value:
        return None
    match = _CONTENT_RANGE.match(value)
    if not match:
        return None
    start, end, total = match.groups()
    parsed = ContentRange(
        int(start) if start is not None else None,
        int(end) if end is not None else None,
        int(total) if total not in (None, "*") else None,
    )
    if parsed.start is not None and parsed.end is not None and parsed.end < parsed.start:
        return None
    return parsed


class _Restart(Exception):
    """The partial file cannot be continued; start from byte 0."""


class _Incomplete(Exception):
    """The body ended before Content-Length; resume from where it stopped."""


def _not_a_video(url: httpx.URL, detail: str) -> errors.BadContent:
    return errors.BadContent(
        f"{url.host} sent {detail} instead of the MP4",
        hint="nothing was saved; try again later, or check the base URL",
    )


def _check_content_type(response: httpx.Response) -> None:
    ctype = response.headers.get("content-type", "").lower()
    if ctype.startswith(("text/html", "application/json", "text/plain")):
        raise _not_a_video(response.request.url, f"{ctype.split(';')[0]} content")


def _total_of(response: httpx.Response, offset: int) -> int | None:
    if response.status_code == 206:
        parsed = parse_content_range(response.headers.get("content-range"))
        if parsed is None or parsed.start != offset:
            raise _Restart
        if parsed.total is not None:
            return parsed.total
    length = response.headers.get("content-length")
    if length is not None and length.isdigit():
        return int(length) + (offset if response.status_code == 206 else 0)
    return None


class _Writable(Protocol):
    def write(self, data: bytes, /) -> int: ...


def _receive(
    response: httpx.Response,
    handle: _Writable,
    offset: int,
    total: int | None,
    on_progress: ProgressCallback | None,
    boxes: BoxBoundaries | None = None,
    skip: int = 0,
    head: bytes | None = b"",
) -> int:
    """Copy the body into `handle`, less its first `skip` bytes (already delivered by an
    earlier answer that broke off); returns the byte count now delivered.

    `head`: the file's first bytes delivered so far, to check that it starts like an MP4
    before more is written (None: checked elsewhere).
    """
    done = offset
    for chunk in response.iter_bytes():
        if skip:
            chunk, skip = chunk[skip:], max(0, skip - len(chunk))
            if not chunk:
                continue
        if boxes is not None:
            boxes.feed(chunk)
        if head is not None and len(head) < MP4_SNIFF_BYTES:
            head += chunk[: MP4_SNIFF_BYTES - len(head)]
            if len(head) >= MP4_SNIFF_BYTES and not looks_like_mp4(head):
                raise _not_a_video(response.request.url, "something that is not an MP4")
        handle.write(chunk)
        done += len(chunk)
        if on_progress:
            on_progress(done, total)
    return done


def _discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    _identity_path(part).unlink(missing_ok=True)


def _finish(part: Path, dest: Path, url: httpx.URL) -> None:
    with part.open("rb") as handle:
        head = handle.read(MP4_SNIFF_BYTES)
    if not looks_like_mp4(head):
        _discard(part)
        raise _not_a_video(url, "something that is not an MP4")
    os.replace(part, dest)
    _identity_path(part).unlink(missing_ok=True)


def _identity_path(part: Path) -> Path:
    return part.with_name(part.name + ".id")


@contextmanager
def _locked_part(part: Path, identity: str) -> Iterator[BinaryIO]:
    """The `.part` file, opened for appending and locked against a second `sora` writing it.

    A sidecar `<file>.part.id` names what the bytes belong to: a partial file left by
    another video (the same `-o` used for another task) is started over, never continued.
    """
    marker = _identity_path(part)
    try:
        owner = marker.read_text(encoding="utf-8")
    except OSError:
        owner = None
    handle = part.open("a+b")
    try:
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise errors.UsageError(
                    f"another sora is already downloading to {part.name}",
                    hint="wait for it to finish, or pick another -o PATH",
                ) from None
        if owner != identity:
            handle.truncate(0)
            marker.write_text(identity, encoding="utf-8")
        yield handle
    finally:
        handle.close()


def _restart(handle: BinaryIO) -> None:
    handle.seek(0)
    handle.truncate(0)


def _announce_resume(core: HttpCore, attempt: int, done: int, error: Exception | None) -> None:
    """Say on stderr (through the core's retry notices) that the body broke off and where
    it will be picked up, then wait the backoff."""
    wait = backoff_delay(attempt)
    if core.on_retry is not None:
        if isinstance(error, httpx.TransportError):
            why = transport_failure(error, detail=False)
        else:
            why = "the body ended early"
        at = f"{done / 1048576:.1f} MiB" if done >= 1048576 else f"{done / 1024:.0f} KiB"
        core.on_retry(
            RetryNotice(
                attempt,
                wait,
                f"{why} at {at} (resuming from there)",
                of=constants.DOWNLOAD_RESUME_ATTEMPTS - 1,
            )
        )
    time.sleep(wait)


def download_file(
    core: HttpCore,
    url: str,
    dest: Path,
    *,
    on_progress: ProgressCallback | None = None,
    what: str = "the video download",
) -> int:
    """Download `url` to `dest` through `dest.part`, resuming; returns the file size.

    Error answers were already retried by the core; this loop resumes after a body that
    broke off (a reset, a truncation), up to DOWNLOAD_RESUME_ATTEMPTS times.
    """
    part = part_path(dest)
    target = core.url(url)
    last_error: Exception | None = None
    with _locked_part(part, str(target)) as handle:
        for attempt in range(1, constants.DOWNLOAD_RESUME_ATTEMPTS + 1):
            offset = handle.seek(0, os.SEEK_END)
            headers = {"Range": f"bytes={offset}-"} if offset else None
            try:
                with core.stream_get(target, headers=headers, what=what) as response:
                    if response.status_code == 416:
                        parsed = parse_content_range(response.headers.get("content-range"))
                        if parsed and parsed.total == offset and offset:
                            _finish(part, dest, target)
                            return offset
                        raise _Restart
                    if response.status_code != 206 and offset:
                        _restart(handle)
                        offset = 0
                    _check_content_type(response)
                    total = _total_of(response, offset)
                    if on_progress:
                        on_progress(offset, total)
                    done = _receive(
                        response, handle, offset, total, on_progress, head=None if offset else b""
                    )
                    handle.flush()
                    if total is not None and done != total:
                        raise _Incomplete
                    if total is None and not is_whole(part):  # the close was the only end
                        raise _Incomplete
                _finish(part, dest, target)
                return done
            except errors.BadContent:
                _discard(part)
                raise
            except _Restart:
                _restart(handle)
                last_error = None
                continue
            except (httpx.TransportError, _Incomplete) as exc:
                last_error = exc
            if attempt < constants.DOWNLOAD_RESUME_ATTEMPTS:
                _announce_resume(core, attempt, handle.tell(), last_error)
    if isinstance(last_error, httpx.TransportError):
        error = network_error(last_error, f"{what} ({target.host})")
    else:
        error = errors.BadContent(f"{what} ({target.host}) kept ending before the last byte")
    error.hint = f"the partial file {part.name} is kept; run the same command again to resume"
    raise error


class _Counting:
    """A write-only stream that counts what went through (after a body breaks off, the
    count is where to pick it up) and keeps its first bytes (the MP4 check)."""

    def __init__(self, sink: BinaryIO) -> None:
        self.sink = sink
        self.count = 0
        self.head = b""

    def write(self, data: bytes) -> int:
        written = self.sink.write(data)
        if len(self.head) < MP4_SNIFF_BYTES:
            self.head += data[: MP4_SNIFF_BYTES - len(self.head)]
        self.count += len(data)
        return written


def stream_to(
    core: HttpCore,
    url: str,
    sink: BinaryIO,
    *,
    on_progress: ProgressCallback | None = None,
    what: str = "the video download",
) -> int:
    """Copy the video to a stream (`-o -`), with the same checks as a file download.

    A body that breaks off is picked up where it stopped, like a `.part` file: with `Range`,
    or, from a server that ignores `Range` (or answers another range), by asking for the
    whole body again and skipping what was already written. Bytes on a pipe cannot be taken
    back, so none is ever written twice, and an answer that is not the same video (another
    size, not an MP4) ends the run instead of being spliced on.
    """
    target = core.url(url)
    written = _Counting(sink)
    total: int | None = None
    boxes: BoxBoundaries | None = None
    use_range = True
    last_error: Exception | None = None
    try:
        for attempt in range(1, constants.DOWNLOAD_RESUME_ATTEMPTS + 1):
            done = written.count
            headers = {"Range": f"bytes={done}-"} if done and use_range else None
            try:
                with core.stream_get(target, headers=headers, what=what) as response:
                    if done and response.status_code == 416:
                        if done == total:
                            return done
                        raise errors.BadContent(f"{what} ({target.host}) refused to go on")
                    _check_content_type(response)
                    ranged = bool(done) and response.status_code == 206
                    answered = _total_of(response, done if ranged else 0)
                    if not done:
                        total = answered
                        boxes = BoxBoundaries() if total is None else None  # the close ends it
                    elif answered is not None and total is not None and answered != total:
                        raise errors.BadContent(
                            f"{what} ({target.host}) answered the resume with another file "
                            f"({answered} bytes, not {total})"
                        )
                    skip = 0 if ranged else done
                    head = written.head if done < MP4_SNIFF_BYTES else None
                    _receive(response, written, done, total, on_progress, boxes, skip, head)
                    sink.flush()
                if len(written.head) >= MP4_SNIFF_BYTES and not looks_like_mp4(written.head):
                    raise _not_a_video(target, "something that is not an MP4")
                if total is not None and written.count > total:
                    raise errors.BadContent(f"{what} ({target.host}) sent more than it said")
                if (total is not None and written.count < total) or (boxes and not boxes.whole()):
                    raise _Incomplete
                return written.count
            except _Restart as exc:  # a range that starts elsewhere: the whole body, skipped
                use_range, last_error = False, exc
            except (httpx.TransportError, _Incomplete) as exc:
                last_error = exc
            if attempt < constants.DOWNLOAD_RESUME_ATTEMPTS:
                _announce_resume(core, attempt, written.count, last_error)
        if isinstance(last_error, httpx.TransportError):
            raise network_error(last_error, f"{what} ({target.host})") from last_error
        raise errors.BadContent(f"{what} ({target.host}) kept ending before the last byte")
    except errors.SoraError as error:
        if written.count:  # the hint must not say nothing was saved
            error.hint = (
                f"stdout already had {written.count} bytes of it; run the command again "
                "to write a whole file"
            )
        raise
