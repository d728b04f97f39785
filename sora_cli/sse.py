"""The sync API's stream, decoded into meaning: queued, progress, success, failure. No I/O.

SSE framing (line endings, chunk splits, multi-byte characters) is httpx-sse's job; this
module starts from each event's `data` string (reference/laozhang-sync-api.txt, "Streaming
Output Format"): `chat.completion.chunk` objects whose `delta.content` carries markdown text,
then `data: [DONE]`.

The text is written for people and changes without notice (emoji, wording, Chinese for the
reseller's Chinese-speaking users), so lines are read by meaning, not matched verbatim:
an http(s) URL whose path ends in `.mp4` is the video, a failure word is a failure, a
percentage is progress, a queue word is the queue. Content deltas may split a line anywhere,
so text is accumulated and only complete lines are read (plus the remainder at the end).

    data strings --SyncStreamDecoder--> content text --ContentParser--> Events
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from sora_cli.safe_text import printable

DONE = "[DONE]"


class Kind(StrEnum):
    """What a line of the stream's text means."""

    QUEUED = "queued"
    PROGRESS = "progress"
    SUCCESS = "success"
    FAILURE = "failure"
    MESSAGE = "message"  # anything else worth showing as "the last message"


@dataclass(frozen=True)
class Event:
    """One meaningful line of the stream's text."""

    kind: Kind
    text: str  # the line without markdown quote marks and leading emoji
    percent: float | None = None  # PROGRESS: 0..100
    url: str | None = None  # SUCCESS: the video link


# A URL ends at space, brackets, quotes, or CJK punctuation (fullwidth comma, full stop,
# enumeration comma, right parenthesis and lenticular bracket).
_URL = re.compile(r"https?://[^\s()<>\[\]\"'`\uff0c\u3002\u3001\uff09\u3011]+", re.IGNORECASE)
# Reference: "❌ ... failed"; issue 3 adds violations and the Chinese wording.
_FAILURE = re.compile(r"fail|error|violat|reject|denied|失败|违规|违反|错误|拒绝", re.IGNORECASE)
_PERCENT = re.compile(r"(\d{1,3}(?:[.,]\d+)?)\s*[%\uff05]")  # ASCII or fullwidth percent
_QUEUE = re.compile(r"queue|queuing|排队|等待", re.IGNORECASE)
_FENCE = "```"


def clean_text(line: str) -> str:
    """The words of a line: no `> ` quote marks, leading emoji, surrounding spaces or
    control characters (server text reaches the terminal)."""
    text = printable(line).strip()
    start = 0
    while start < len(text) and not text[start].isalnum():
        start += 1
    return text[start:].strip()


def video_url(line: str) -> str | None:
    """The last http(s) URL in `line` whose path ends in `.mp4` (markdown link or bare)."""
    found = None
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(".,;:!?~*_")
        try:
            path = urlsplit(url).path
        except ValueError:
            continue
        if path.lower().endswith(".mp4"):
            found = url
    return found


def classify_line(line: str) -> Event | None:
    """The meaning of one complete line of text, or None for a blank one."""
    text = clean_text(line)
    if not text:
        return None
    url = video_url(line)
    if url:
        return Event(Kind.SUCCESS, text, url=url)
    if _FAILURE.search(text):
        return Event(Kind.FAILURE, text)
    percent = _PERCENT.search(text)
    if percent:
        value = float(percent.group(1).replace(",", "."))
        return Event(Kind.PROGRESS, text, percent=max(0.0, min(100.0, value)))
    if _QUEUE.search(text):
        return Event(Kind.QUEUED, text)
    return Event(Kind.MESSAGE, text)


class ContentParser:
    """Accumulates content deltas and reads complete lines into events."""

    def __init__(self) -> None:
        self._pending = ""
        self._in_fence = False

    def feed(self, text: str) -> list[Event]:
        """Events of the lines that `text` completes."""
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        return self._read(lines)

    def finish(self) -> list[Event]:
        """Events of a last line that had no newline (call once, when the stream ended)."""
        rest, self._pending = self._pending, ""
        return self._read([rest])

    def _read(self, lines: list[str]) -> list[Event]:
        events = []
        for line in lines:
            stripped = line.strip()
            # The first message echoes the request as a ```json block; the user's prompt in
            # it must not be read as a failure word or a link. JSON lines never start with
            # `>`, so a quoted message also ends a block the server forgot to close.
            if stripped.startswith(_FENCE):
                self._in_fence = not self._in_fence
                continue
            if self._in_fence:
                if not stripped.startswith(">"):
                    continue
                self._in_fence = False
            event = classify_line(line)
            if event is not None:
                events.append(event)
        return events


@dataclass
class StreamUpdate:
    """What one SSE event brought: the raw content text and the events it completed."""

    text: str = ""
    events: list[Event] = field(default_factory=list)


class SyncStreamDecoder:
    """Reads the `data` of each SSE event; keeps what the caller needs at the end."""

    def __init__(self) -> None:
        self.completion_id: str | None = None
        self.model: str | None = None
        self.usage: dict[str, Any] | None = None
        self.finish_reason: str | None = None
        self.saw_done = False
        self.bad_events = 0  # data that is not a chunk (a proxy's noise): skipped, counted
        self.link: str | None = None
        self.failure: str | None = None
        self.last_text: str | None = None
        self._content = ContentParser()

    @property
    def ended(self) -> bool:
        """Whether the server ended the stream on purpose ([DONE] or a finish reason)."""
        return self.saw_done or self.finish_reason is not None

    def feed(self, data: str) -> StreamUpdate:
        """Decode one event's data."""
        if data.strip() == DONE:
            self.saw_done = True
            return StreamUpdate()
        try:
            chunk = json.loads(data)
        except ValueError:
            chunk = None
        if not isinstance(chunk, dict):
            self.bad_events += 1
            return StreamUpdate()
        self._note_chunk(chunk)
        error = chunk.get("error")
        if error:
            message = error.get("message") if isinstance(error, dict) else error
            event = Event(Kind.FAILURE, clean_text(str(message or error)) or "error")
            return StreamUpdate(events=self._track([event]))
        text = _delta_text(chunk)
        return StreamUpdate(text, self._track(self._content.feed(text)) if text else [])

    def finish(self) -> list[Event]:
        """Read the text after the last newline; call when the stream ended normally."""
        return self._track(self._content.finish())

    def _note_chunk(self, chunk: dict[str, Any]) -> None:
        if self.completion_id is None and isinstance(chunk.get("id"), str) and chunk["id"]:
            self.completion_id = printable(chunk["id"]).strip() or None
        if self.model is None and isinstance(chunk.get("model"), str):
            self.model = printable(chunk["model"])
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        choice = _first_choice(chunk)
        if choice is not None and isinstance(choice.get("finish_reason"), str):
            self.finish_reason = choice["finish_reason"]

    def _track(self, events: list[Event]) -> list[Event]:
        for event in events:
            self.last_text = event.text
            if event.kind is Kind.SUCCESS:
                self.link = event.url
            elif event.kind is Kind.FAILURE:
                self.failure = event.text
        return events


def _first_choice(chunk: dict[str, Any]) -> dict[str, Any] | None:
    choices = chunk.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return None


def _delta_text(chunk: dict[str, Any]) -> str:
    """`choices[0].delta.content` (or `message.content` of a whole, unstreamed answer)."""
    choice = _first_choice(chunk)
    if choice is None:
        return ""
    for key in ("delta", "message"):
        part = choice.get(key)
        if isinstance(part, dict) and isinstance(part.get("content"), str):
            return str(part["content"])
    return ""
