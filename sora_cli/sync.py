"""The sync API workflow: one streamed chat completion, read into progress and a video link.

Unlike the async API, the sync API charges every call, even one whose generation fails, and
a stream cannot be resumed (reference/laozhang-sync-api.txt). So the caller checks
everything before the request; here the run is journalled as soon as its completion id
arrives (a Ctrl-C leaves a row), and the link, valid 24 h, is kept so that
`sora download ID` can fetch it again. Progress leaves through callbacks; nothing here
prints or exits.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from sora_cli import constants, errors
from sora_cli.api import may_have_reached_server
from sora_cli.client import HttpCore
from sora_cli.config_keys import is_loopback_host
from sora_cli.download import ProgressCallback
from sora_cli.http_answers import hang_up_at, network_error
from sora_cli.journal import JobRecord, Journal
from sora_cli.models import Task
from sora_cli.profiles import Profile
from sora_cli.sse import DONE, Event, Kind, SyncStreamDecoder

WHAT = "the sync API"
CHAT_PATH = "chat/completions"
NO_RESUME = (
    "the sync API cannot resume a run; `sora generate` (async API) can be resumed and "
    "does not charge failed videos"
)
MAY_BE_CHARGED = (
    "the request may have reached the API, so a video may be generating and the call is "
    "charged; it was not retried to avoid paying twice. " + NO_RESUME
)


def choose_model(
    profile: Profile,
    size: str | None,
    seconds: int | None,
    model: str | None,
    *,
    default_size: str,
    default_seconds: int,
) -> tuple[str, str, int]:
    """(model, size, seconds): `--model` wins; else the profile maps size and duration."""
    if not profile.has_sync_api or not profile.sync_models:
        raise errors.UsageError(
            f"the {profile.name} profile has no sync API, so `sora stream` cannot be used",
            hint="use `sora generate` (async API), or --profile laozhang",
        )
    if model:
        shape = profile.sync_shape(model)
        asked = (
            profile.check_sync_size(size) if size else shape[0],
            profile.check_sync_seconds(seconds) if seconds is not None else shape[1],
        )
        if asked != shape:
            raise errors.UsageError(
                f"model {model} makes {shape[0]} videos of {shape[1]} s, not {asked[0]} "
                f"of {asked[1]} s",
                hint="give --model, or --size and --seconds, not both",
            )
        return model, shape[0], shape[1]
    checked_size = profile.check_sync_size(size or default_size)
    checked_seconds = profile.check_sync_seconds(
        seconds if seconds is not None else default_seconds
    )
    return profile.sync_model(checked_size, checked_seconds), checked_size, checked_seconds


def data_url(data: bytes, mime: str) -> str:
    """A local image as the reference's base64 `image_url`."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


@dataclass(frozen=True)
class StreamRequest:
    """One sync-API call, in the messages shape of the reference."""

    prompt: str
    model: str
    size: str
    seconds: int
    image_url: str | None = None  # an http(s) URL, or a data URL of a local file
    idempotency_key: str = field(default_factory=lambda: str(uuid.uuid4()))

    def body(self) -> dict[str, Any]:
        """The JSON body: `stream: true`, one user message of a text and an image part."""
        content: list[dict[str, Any]] = [{"type": "text", "text": self.prompt}]
        if self.image_url:
            content.append({"type": "image_url", "image_url": {"url": self.image_url}})
        return {
            "model": self.model,
            "stream": True,
            "messages": [{"role": "user", "content": content}],
        }


@dataclass
class StreamCallbacks:
    """How a stream reports to whoever shows it."""

    on_start: Callable[[str], None] = lambda completion_id: None
    on_text: Callable[[str], None] = lambda text: None
    on_update: Callable[[Task], None] = lambda task: None
    on_warning: Callable[[str], None] = lambda message: None


@dataclass(frozen=True)
class StreamOutcome:
    """A stream that ended with a video link."""

    completion_id: str
    url: str
    usage: dict[str, Any] | None


class _Run:
    """The journal row and the display state of one stream."""

    def __init__(
        self,
        journal: Journal,
        request: StreamRequest,
        callbacks: StreamCallbacks,
        *,
        profile: str,
        base_url: str,
    ):
        self.journal = journal
        self.request = request
        self.callbacks = callbacks
        self.profile = profile
        self.base_url = base_url
        self.id: str | None = None
        self.status = "queued"
        self.progress = 0

    def begin(self) -> None:
        """Record the run before the POST: the sync API charges from the moment it starts."""
        self.id = f"stream-{self.request.idempotency_key[:13]}"
        self._record(status="creating")

    def start(self, completion_id: str | None) -> str:
        """The stream named itself: the row takes the completion id."""
        if self.id is None:
            self.begin()
        assert self.id is not None
        if completion_id and completion_id != self.id and self.id.startswith("stream-"):
            self.journal.delete(self.id)
            self.id = completion_id
            self._record(status=self.status)
            self.callbacks.on_start(self.id)
        return self.id

    def abandon(self, exc: errors.NetworkError) -> None:
        """The POST failed: keep the row only where the call may have been charged."""
        if self.id is None:
            return
        if exc.task_may_exist:
            self.journal.update(self.id, status="unknown", error=exc.message, expires_at=None)
        else:
            self.journal.delete(self.id)

    def _record(self, *, status: str) -> None:
        assert self.id is not None
        now = time.time()
        self.journal.record(
            JobRecord(
                id=self.id,
                kind="stream",
                profile=self.profile,
                base_url=self.base_url,
                model=self.request.model,
                prompt=self.request.prompt,
                size=self.request.size,
                seconds=str(self.request.seconds),
                status=status,
                progress=self.progress,
                created_at=now,
                expires_at=now + constants.STREAM_LINK_TTL,
            )
        )

    def event(self, event: Event) -> None:
        """Move the state on; the outcome itself is decided when the stream ends."""
        if event.kind is Kind.PROGRESS and event.percent is not None:
            self.show("in_progress", max(self.progress, int(event.percent)))
        elif event.kind is Kind.QUEUED and self.status == "queued":
            self.show("queued", self.progress)

    def show(self, status: str, progress: int, **changes: object) -> None:
        """Journal and display a change of status or progress."""
        seen = (self.status, self.progress)
        self.status, self.progress = status, progress
        if self.id is None:
            return
        if (status, progress) != seen or changes:
            self.journal.update(self.id, status=status, progress=progress, **changes)
        self.callbacks.on_update(Task(id=self.id, status=status, progress=progress))

    def lost(self, status: str, error: str) -> None:
        """The stream stopped without a link: keep the row, say why (nothing will expire)."""
        if self.id is not None:
            self.journal.update(self.id, status=status, error=error, expires_at=None)


def _read_json_body(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > constants.MAX_JSON_BODY:
            raise errors.BadContent(f"{WHAT} answered more JSON than a completion can be")
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def _event_data(response: httpx.Response) -> Iterator[str]:
    """The data of each event; the content type is checked before anything is read."""
    ctype = response.headers.get("content-type", "").partition(";")[0].strip().lower()
    if ctype == "text/event-stream":
        from httpx_sse import EventSource

        for sse in EventSource(response).iter_sse():
            if sse.data:
                yield sse.data
        return
    if ctype == "application/json" or ctype.endswith("+json"):
        # A provider that ignores `stream: true` answers the whole completion at once.
        yield _read_json_body(response)
        yield DONE
        return
    raise errors.BadContent(
        f"{WHAT} answered {response.status_code} with {ctype or 'no content type'} instead "
        "of an event stream",
        hint="check the base URL; " + MAY_BE_CHARGED,
    )


def run_stream(
    core: HttpCore,
    journal: Journal,
    request: StreamRequest,
    *,
    profile: str,
    base_url: str,
    timeout: float,
    callbacks: StreamCallbacks,
) -> StreamOutcome:
    """POST the request, follow the stream to its end, and return the video link.

    Exit codes by way of the exceptions: a failed generation or a stream that ended
    without a link is GenerationFailed (5), a cut stream NetworkError (8), running past
    `timeout` NotFinished (6), Ctrl-C Interrupted (130).
    """
    run = _Run(journal, request, callbacks, profile=profile, base_url=base_url)
    decoder = SyncStreamDecoder()
    deadline = time.monotonic() + timeout
    core.deadline = deadline
    started = False
    run.begin()
    try:
        with core.stream_post(
            CHAT_PATH,
            json_body=request.body(),
            headers={"Idempotency-Key": request.idempotency_key, "Accept": "text/event-stream"},
            read_timeout=min(constants.STREAM_READ_TIMEOUT, max(timeout, 1.0)),
            what=WHAT,
        ) as response:
            started = True
            with hang_up_at(deadline, response) as hung_up:
                try:
                    _follow(response, decoder, run, deadline, timeout)
                except httpx.TransportError as exc:
                    if not decoder.link:  # with the link in hand, the rest is not needed
                        # The timer, or a read timeout that ran past the deadline first.
                        if hung_up.is_set() or time.monotonic() >= deadline:
                            raise _gave_up(run, timeout) from None
                        error = network_error(exc, f"{WHAT} ({response.request.url.host})")
                        raise _cut(run, decoder, error.message) from exc
            if hung_up.is_set() and not decoder.link:
                raise _gave_up(run, timeout)
    except errors.NetworkError as exc:
        if not started:
            if may_have_reached_server(exc):
                exc.task_may_exist = True
                exc.hint = MAY_BE_CHARGED
            run.abandon(exc)
        raise
    except errors.SoraError:  # 401/402/400 before the stream: nothing was charged
        if not started:
            run.journal.delete(run.id or "")
        raise
    except KeyboardInterrupt:
        run.lost("interrupted", "interrupted (Ctrl-C) before the video link arrived")
        raise errors.Interrupted(
            "interrupted; the stream is closed and its video lost (the call is still charged)"
            + (f"; {run.id} is kept in the journal" if run.id else ""),
            hint=NO_RESUME,
            task_id=run.id,
        ) from None
    finally:
        core.deadline = None
    return _outcome(run, decoder)


def _follow(
    response: httpx.Response,
    decoder: SyncStreamDecoder,
    run: _Run,
    deadline: float,
    timeout: float,
) -> None:
    """Feed every event to the decoder and the run, until the stream ends."""
    for data in _event_data(response):
        update = decoder.feed(data)
        if update.text or update.events or decoder.completion_id:
            run.start(decoder.completion_id)
        if update.text:
            run.callbacks.on_text(update.text)
        for event in update.events:
            run.event(event)
        if time.monotonic() >= deadline and not decoder.link:
            raise _gave_up(run, timeout)
    if decoder.ended:
        for event in decoder.finish():
            run.event(event)


def _gave_up(run: _Run, timeout: float) -> errors.NotFinished:
    run.lost("failed", f"gave up after {timeout:g} s")
    return errors.NotFinished(
        f"no video after {timeout:g} s; the stream was closed and its video is lost "
        "(the call is still charged)",
        hint="raise --timeout; " + NO_RESUME,
        task_id=run.id,
    )


def _cut(run: _Run, decoder: SyncStreamDecoder, reason: str) -> errors.NetworkError:
    where = f" at {run.progress}%" if run.progress else ""
    said = f"; the server had said: {decoder.failure}" if decoder.failure else ""
    run.lost("failed", f"stream cut off{where}: {reason}{said}")
    return errors.NetworkError(
        f"the stream was cut off{where} before the video link arrived ({reason}){said}",
        hint="the video may still be generated and charged, but its link is lost; " + NO_RESUME,
        task_id=run.id,
    )


def _outcome(run: _Run, decoder: SyncStreamDecoder) -> StreamOutcome:
    completion_id = run.start(decoder.completion_id)
    if decoder.bad_events:
        run.callbacks.on_warning(f"skipped {decoder.bad_events} event(s) that were not chunks")
    if decoder.link:
        if not decoder.ended:
            run.callbacks.on_warning("the stream ended early, but after the video link")
        url = decoder.link
        parts = urlsplit(url)
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            run.callbacks.on_warning(f"the video link is plain http ({parts.hostname})")
        now = time.time()
        run.show(
            "completed",
            100,
            url=url,
            completed_at=now,
            expires_at=now + constants.STREAM_LINK_TTL,
            usage=json.dumps(decoder.usage) if decoder.usage else None,
        )
        return StreamOutcome(completion_id, url, decoder.usage)
    if not decoder.ended:
        raise _cut(run, decoder, "the server closed it without [DONE]")
    reason = decoder.failure or (
        f"the last message was: {decoder.last_text}" if decoder.last_text else "no message"
    )
    run.show("failed", run.progress, error=reason, expires_at=None)
    raise errors.GenerationFailed(
        f"stream {completion_id} ended without a video link: {reason}",
        hint="change the prompt or image and try again; the sync API charges failed calls, "
        "`sora generate` (async API) does not",
        task_id=completion_id,
    )


# ---------------------------------------------------------------- the video link


def link_of(record: JobRecord, now: float | None = None) -> str:
    """The video link of a journalled stream run, or the error saying why there is none."""
    if not record.url:
        if record.status == "failed":
            raise errors.GenerationFailed(
                f"stream {record.id} failed ({record.error or 'no video link'}); there is "
                "no video to download",
                hint="start a new run with `sora stream` or `sora generate`",
                task_id=record.id,
            )
        raise errors.NotFound(
            f"stream {record.id} ended without a video link ({record.status or 'unknown'})",
            hint=NO_RESUME,
            task_id=record.id,
        )
    now = time.time() if now is None else now
    if record.expires_at is not None and record.expires_at <= now:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.expires_at))
        raise errors.NotFound(
            f"the video link of {record.id} expired at {when}; sync-API links live 24 hours",
            hint="make the video again (a new, charged run): sora stream PROMPT",
            task_id=record.id,
        )
    return record.url


def download_link(
    core: HttpCore,
    journal: Journal,
    record_id: str,
    url: str,
    dest: Path,
    *,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Download a stream's video; its link lives 24 h, which the hints say."""
    from sora_cli.jobs import save_video

    try:
        return save_video(
            core, journal, record_id, url, dest, on_progress=on_progress, what="the video link"
        )
    except errors.NotFound as exc:
        exc.hint = "sync-API video links live 24 hours; make the video again with sora stream"
        raise
    except errors.NetworkError as exc:
        exc.hint = f"the link is kept for 24 h; try again with: sora download {record_id} -o {dest}"
        raise
