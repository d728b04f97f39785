"""Resumable, atomic, checked downloads.

Bytes stream to `<path>.part` and are renamed into place only when complete: the count
matches `Content-Length` where there is one, and the bytes are a whole MP4 whatever the
headers said (it starts with `ftyp`; its top-level boxes tile it exactly, `moov` and `mdat`
among them; `moov` parses). A partial file is resumed with `Range`, after a drop or a
stall (a body far slower than any real link). Video requests ask for `identity` encoding.
Memory stays flat whatever the size (DESIGN "HTTP behaviour").
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
from sora_cli.mp4 import MP4_SNIFF_BYTES, BoxBoundaries, looks_like_mp4, structure_problem
from sora_cli.outputs import identity_path, part_path
from sora_cli.partfile import (
    check_destination,
    open_part,
    read_sidecar,
    same_file,
    write_sidecar,
)

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


def size_text(size: int) -> str:
    """`12.3 MiB` or `29 KiB`, for messages."""
    return f"{size / 1048576:.1f} MiB" if size >= 1048576 else f"{size / 1024:.0f} KiB"


class _Stalled(Exception):
    """The body came slower than any real link; broken off, resumed like a drop."""


def _stall_text() -> str:
    rate = constants.DOWNLOAD_STALL_BYTES_PER_SECOND
    shown = f"{rate / 1024:g} KiB/s" if rate >= 1024 else f"{rate} bytes/s"
    return f"under {shown} for {constants.DOWNLOAD_STALL_WINDOW:g} s"


def _not_a_video(url: httpx.URL, detail: str) -> errors.BadContent:
    return errors.BadContent(
        f"{url.host} sent {detail} instead of the MP4",
        hint="nothing was saved; try again later, or check the base URL",
    )


def _check_content_type(response: httpx.Response) -> None:
    ctype = response.headers.get("content-type", "").lower()
    if ctype.startswith(("text/html", "application/json", "text/plain")):
        raise _not_a_video(response.request.url, f"{ctype.split(';')[0]} content")


def _compressed(response: httpx.Response) -> bool:
    """A server that compressed the video though asked not to (RFC 9110 §8.4: the coding
    is named in Content-Encoding); its Content-Length and ranges count encoded bytes."""
    coding = response.headers.get("content-encoding", "").strip().lower()
    return coding not in ("", "identity")


def _delimited(response: httpx.Response) -> bool:
    """Whether the body had an end of its own (a length, or chunked framing), so that a
    body read to its end is all the server meant to send; one ended by the close alone may
    have been cut short (RFC 9112 §6.3)."""
    framing = response.headers.get("transfer-encoding", "").lower()
    return "content-length" in response.headers or "chunked" in framing


def _total_of(response: httpx.Response, offset: int) -> int | None:
    if _compressed(response):
        return None  # the length of the encoded body, not of the video: the boxes decide
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


def _video_request(offset: int, ranged: bool = True) -> dict[str, str]:
    """Headers of a video request. `identity`: a Range counts bytes of the encoded body
    (RFC 9110 §14.1.2), so a compressed answer could not be resumed where it broke off."""
    headers = {"Accept-Encoding": "identity"}
    if offset and ranged:
        headers["Range"] = f"bytes={offset}-"
    return headers


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
    before more is written (None: checked elsewhere). This loop runs once per chunk read
    from the socket, so it does as little as it can: progress is reported per
    PROGRESS_EVERY_BYTES, and the MP4 checks run on the first bytes or on box headers only.
    A body slower than the stall floor over a window raises `_Stalled`.
    """
    done = got = offset  # got: bytes off the wire, skipped ones too (the stall floor's)
    window = constants.DOWNLOAD_STALL_WINDOW
    floor = constants.DOWNLOAD_STALL_BYTES_PER_SECOND * window
    window_end, window_start = time.monotonic() + window, got
    every = constants.PROGRESS_EVERY_BYTES
    report_at = done + every if on_progress else -1
    # The raw bytes skip httpx's decoder and re-chunker; a compressed body needs them, and
    # an answer already read into memory (a mock transport's) only has the decoded bytes.
    decoded = _compressed(response) or response.is_stream_consumed
    chunks = response.iter_bytes() if decoded else response.iter_raw()
    write = handle.write
    for chunk in chunks:
        got += len(chunk)
        now = time.monotonic()
        if now >= window_end:
            if got - window_start < floor:
                raise _Stalled
            window_end, window_start = now + window, got
        if skip:
            chunk, skip = chunk[skip:], max(0, skip - len(chunk))
            if not chunk:
                continue
        if boxes is not None:
            boxes.feed(chunk)
        if head is not None:
            head += chunk[: MP4_SNIFF_BYTES - len(head)]
            if len(head) >= MP4_SNIFF_BYTES:
                if not looks_like_mp4(head):
                    raise _not_a_video(response.request.url, "something that is not an MP4")
                head = None
        write(chunk)
        done += len(chunk)
        if done >= report_at > 0 and on_progress is not None:
            on_progress(done, total)
            report_at = done + every
    if on_progress:
        on_progress(done, total)
    return done


class _Tries:
    """What the resume loops of `download_file` and `stream_to` share: why the last try
    ended, how often the body stalled, and the error to end with."""

    def __init__(self, core: HttpCore, target: httpx.URL, what: str) -> None:
        self.core, self.target, self.what = core, target, what
        self.last: Exception | None = None
        self.stalls = 0

    def failed(self, exc: Exception) -> bool:
        """Note why a try ended; False when no further try should be made."""
        self.last = exc
        if isinstance(exc, _Stalled | httpx.ReadTimeout):  # silence for a window: a stall
            self.stalls += 1
            return self.stalls < constants.DOWNLOAD_STALL_ATTEMPTS
        return True

    def announce(self, attempt: int, done: int) -> None:
        """Say on stderr (through the core's retry notices) that the body broke off and
        where it will be picked up, then wait the backoff."""
        wait = backoff_delay(attempt)
        if self.core.on_retry is not None:
            at = size_text(done)
            self.core.on_retry(
                RetryNotice(
                    attempt,
                    wait,
                    f"{self._why()} at {at} (resuming from there)",
                    of=constants.DOWNLOAD_RESUME_ATTEMPTS - 1,
                )
            )
        time.sleep(wait)

    def _why(self) -> str:
        if isinstance(self.last, _Stalled | httpx.ReadTimeout):
            return f"the body stalled ({_stall_text()})"
        if isinstance(self.last, httpx.TransportError):
            return transport_failure(self.last, detail=False)
        return "the body ended early"

    def error(self) -> errors.NetworkError:
        """The error after the last try."""
        where = f"{self.what} ({self.target.host})"
        if self.stalls >= constants.DOWNLOAD_STALL_ATTEMPTS:
            return errors.NetworkError(
                f"{where} stalled {self.stalls} times ({_stall_text()}); given up"
            )
        if isinstance(self.last, httpx.TransportError):
            return network_error(self.last, where)
        return errors.BadContent(f"{where} kept ending before the last byte")


def _discard(part: Path) -> None:
    part.unlink(missing_ok=True)
    identity_path(part).unlink(missing_ok=True)


def _finish(handle: BinaryIO, part: Path, dest: Path, url: httpx.URL, *, sized: bool) -> None:
    """Rename the complete `.part` into place, once its bytes are a whole MP4.

    `sized`: the body was read to an end of its own, so a broken structure is bad content
    (exit 8, nothing kept); a body ended by the close alone may have been cut: resume.
    """
    handle.flush()
    handle.seek(0)
    if not looks_like_mp4(handle.read(MP4_SNIFF_BYTES)):
        _discard(part)
        raise _not_a_video(url, "something that is not an MP4")
    problem = structure_problem(handle)
    if problem is not None:
        if not sized:
            raise _Incomplete
        _discard(part)
        raise errors.BadContent(
            f"{url.host} sent a broken MP4 ({problem})",
            hint="nothing was saved; download it again (a proxy may have damaged it)",
        )
    if not same_file(handle, part):  # swapped (for a link?) while we wrote: never rename it
        raise errors.UsageError(
            f"{part} was replaced by something else while sora wrote it; nothing was saved",
            hint="remove it, or pick another -o PATH",
        )
    check_destination(dest)
    os.replace(part, dest)
    identity_path(part).unlink(missing_ok=True)


@contextmanager
def _locked_part(part: Path, identity: str) -> Iterator[BinaryIO]:
    """The `.part` file, opened for appending and locked against a second `sora` writing it.

    A sidecar `<file>.part.id` names what the bytes belong to: a partial file left by
    another video (the same `-o` used for another task) is started over, never continued.
    Neither is ever opened through a link (see `partfile`).
    """
    marker = identity_path(part)
    owner = read_sidecar(marker)
    handle = open_part(part)
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
            _restart(handle)
            write_sidecar(marker, identity)
        yield handle
    finally:
        handle.close()


def _restart(handle: BinaryIO) -> None:
    """Empty the `.part`. Only when it holds bytes: on ext4, a truncate to zero marks the
    file to be written back at close (the `auto_da_alloc` heuristic for files replaced by
    truncation), which made every fresh download wait for its whole file to reach disk."""
    if handle.seek(0, os.SEEK_END):
        handle.seek(0)
        handle.truncate(0)


def part_identity(record_id: str) -> str:
    """What a `.part` sidecar says its bytes are: the task, not its (re-signed) URL."""
    return f"task {record_id}"


def download_file(
    core: HttpCore,
    url: str,
    dest: Path,
    *,
    on_progress: ProgressCallback | None = None,
    what: str = "the video download",
    identity: str | None = None,
) -> int:
    """Download `url` to `dest` through `dest.part`, resuming; returns the file size.

    Error answers were already retried by the core; this loop resumes after a body that
    broke off (a reset, a truncation, a stall), up to DOWNLOAD_RESUME_ATTEMPTS times.
    `identity` names the video for the `.part` sidecar (default: the URL); a task's id is
    better, since a CDN signs a new URL for the same video on every status call.
    """
    part = part_path(dest)
    target = core.url(url)
    tries = _Tries(core, target, what)
    ranged = True  # False after a compressed answer: its bytes cannot be continued
    with _locked_part(part, identity or str(target)) as handle:
        for attempt in range(1, constants.DOWNLOAD_RESUME_ATTEMPTS + 1):
            offset = handle.seek(0, os.SEEK_END)
            if offset and not ranged:
                _restart(handle)
                offset = 0
            try:
                with core.stream_get(
                    target,
                    headers=_video_request(offset),
                    read_timeout=constants.DOWNLOAD_STALL_WINDOW,
                    what=what,
                ) as response:
                    if response.status_code == 416:
                        parsed = parse_content_range(response.headers.get("content-range"))
                        if parsed and parsed.total == offset and offset:
                            _finish(handle, part, dest, target, sized=True)
                            return offset
                        raise _Restart
                    if response.status_code != 206 and offset:
                        _restart(handle)
                        offset = 0
                    _check_content_type(response)
                    ranged = not _compressed(response)
                    total = _total_of(response, offset)
                    if on_progress:
                        on_progress(offset, total)
                    done = _receive(
                        response, handle, offset, total, on_progress, head=None if offset else b""
                    )
                    if total is not None and done != total:
                        raise _Incomplete
                _finish(handle, part, dest, target, sized=_delimited(response))
                return done
            except errors.BadContent:
                _discard(part)
                raise
            except _Restart:
                _restart(handle)
                tries.last = None
                continue
            except (httpx.TransportError, _Incomplete, _Stalled) as exc:
                if not tries.failed(exc):
                    break
            if attempt < constants.DOWNLOAD_RESUME_ATTEMPTS:
                tries.announce(attempt, handle.tell())
    error = tries.error()
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
    or, from a server that ignores `Range` (or answers another range, or compressed the
    body), by asking for the whole body again and skipping what was already written. Bytes
    on a pipe cannot be taken back, so none is ever written twice, and an answer that is not
    the same video (another size, not an MP4) ends the run instead of being spliced on. The
    box structure is followed as the bytes pass, so a broken MP4 is exit 8 here too.
    """
    target = core.url(url)
    written = _Counting(sink)
    total: int | None = None
    boxes = BoxBoundaries()
    use_range = True
    tries = _Tries(core, target, what)
    try:
        for attempt in range(1, constants.DOWNLOAD_RESUME_ATTEMPTS + 1):
            done = written.count
            try:
                with core.stream_get(
                    target,
                    headers=_video_request(done, use_range),
                    read_timeout=constants.DOWNLOAD_STALL_WINDOW,
                    what=what,
                ) as response:
                    if done and response.status_code == 416:
                        if done == total:
                            return done
                        raise errors.BadContent(f"{what} ({target.host}) refused to go on")
                    _check_content_type(response)
                    ranged = bool(done) and response.status_code == 206
                    use_range = use_range and not _compressed(response)
                    answered = _total_of(response, done if ranged else 0)
                    if not done:
                        total = answered
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
                if total is not None and written.count < total:
                    raise _Incomplete
                problem = boxes.problem()
                if problem is not None:
                    if not _delimited(response):  # the close may have come early
                        raise _Incomplete
                    raise errors.BadContent(f"{target.host} sent a broken MP4 ({problem})")
                return written.count
            except _Restart as exc:  # a range that starts elsewhere: the whole body, skipped
                use_range, tries.last = False, exc
            except (httpx.TransportError, _Incomplete, _Stalled) as exc:
                if not tries.failed(exc):
                    break
            if attempt < constants.DOWNLOAD_RESUME_ATTEMPTS:
                tries.announce(attempt, written.count)
        raise tries.error() from tries.last
    except errors.SoraError as error:
        if written.count:  # the hint must not say nothing was saved
            error.hint = (
                f"stdout already had {written.count} bytes of it; run the command again "
                "to write a whole file"
            )
        raise
