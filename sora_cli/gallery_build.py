"""Which journal rows a gallery shows, what their cards say, and writing `index.html`.

Used by `sora gallery` and by `sora batch --gallery`. The page itself is rendered by
`sora_cli.gallery`, which does no I/O; this module looks at the disk (is the video there, is
there a still image beside it) and at the clock (has an undownloaded video's link expired).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sora_cli.errors import UsageError
from sora_cli.gallery import GENERATOR, Card, render_page
from sora_cli.journal import JobRecord, Journal
from sora_cli.models import TaskState, normalise_status
from sora_cli.profiles import DEFAULT_PROFILE, Profile, get_profile_or_none

PAGE_NAME = "index.html"
# A still frame saved beside a video under the same name (sora-<id>.jpg), used as its poster.
POSTER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
_TASK_KINDS = ("async", "stream")  # intent/unknown rows have no task to show
# Card states, in the order the page's summary line counts them.
_STATES = ("completed", "failed", "expired", "missing", "not-downloaded", "running")
_AGO = re.compile(r"^(\d+)\s*([mhdw])$")
_AGO_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass
class Selection:
    """The rows to show, the page title, and where their videos were saved (a batch's
    output directory), when the journal knows one."""

    records: list[JobRecord]
    title: str
    directory: Path | None = None


@dataclass
class GalleryReport:
    """What was written, for the command's stdout (`--json`) and its messages."""

    path: Path
    cards: int
    playable: int
    failed: int
    expired: int
    outside: int  # videos linked from outside the page's folder (a zip of it lacks them)
    cost_usd: float

    def to_json(self) -> dict[str, Any]:
        """The `--json` record."""
        return {
            "path": str(self.path),
            "cards": self.cards,
            "playable": self.playable,
            "failed": self.failed,
            "expired": self.expired,
            "outside": self.outside,
            "cost_usd": self.cost_usd,
        }


def parse_since(text: str, now: float) -> float:
    """`2026-11-30`, `2026-11-30T14:00` (local time unless it names a zone), or an age such
    as `90m`, `12h`, `3d`, `2w`; returns a Unix time."""
    value = text.strip().lower()
    match = _AGO.match(value)
    if match:
        span = timedelta(**{_AGO_UNITS[match.group(2)]: int(match.group(1))})
        return now - span.total_seconds()
    try:
        return datetime.fromisoformat(text.strip()).timestamp()
    except ValueError:
        raise UsageError(
            f"--since {text!r} is not a date or an age",
            hint="use a date (2026-11-30), a date and time (2026-11-30T14:00) or an age (12h, 3d)",
        ) from None


def select(journal: Journal, words: Sequence[str], since: float | None) -> Selection:
    """A batch (one BATCH_ID), tasks by id, tasks since a time, or else every task."""
    if words and since is not None:
        raise UsageError(
            "give a BATCH_ID, task IDs or --since, not both",
            hint="sora gallery BATCH_ID | sora gallery ID… | sora gallery --since 3d",
        )
    if len(words) == 1 and (batch := _batch(journal, words[0])) is not None:
        return batch
    if words:
        return _by_id(journal, words)
    records = [r for r in journal.list() if r.kind in _TASK_KINDS]
    if since is not None:
        records = [r for r in records if r.created_at >= since]
        stamp = time.strftime("%Y-%m-%d %H:%M", time.localtime(since))
        return _non_empty(Selection(records, f"Tasks since {stamp}"), f"since {stamp}")
    return _non_empty(Selection(records, "All tasks"), "in the journal")


def _batch(journal: Journal, batch_id: str) -> Selection | None:
    """The newest row of each line of a batch (a line retried after a failure shows its
    new task), in the order of the batch file."""
    rows = [r for r in journal.for_batch(batch_id) if r.kind in _TASK_KINDS]
    saved = journal.load_batch(batch_id)
    if not rows and saved is None:
        return None
    newest: dict[str, JobRecord] = {}
    for record in rows:  # oldest first: a later row of the same line replaces an earlier
        newest[record.batch_key or record.id] = record
    order = _line_order(saved[1]) if saved else {}
    records = sorted(newest.values(), key=lambda r: order.get(r.batch_key or "", len(order)))
    directory = Path(saved[0]) if saved and saved[0] else None
    selection = Selection(records, f"Batch {batch_id}", directory)
    return _non_empty(selection, f"in batch {batch_id}")


def _line_order(manifest: str) -> dict[str, int]:
    """Line key -> position in the batch file, from the journal's copy of its lines."""
    try:
        lines = json.loads(manifest)
        return {str(line["key"]): i for i, line in enumerate(lines)}
    except (ValueError, TypeError, KeyError):
        return {}


def _by_id(journal: Journal, ids: Sequence[str]) -> Selection:
    records = {task_id: journal.get(task_id) for task_id in dict.fromkeys(ids)}
    missing = [task_id for task_id, record in records.items() if record is None]
    if missing:
        raise UsageError(
            f"no task or batch {', '.join(missing)} in the journal",
            hint="see `sora list` for task ids; a batch id (b-…) is printed by `sora batch`",
        )
    found = [r for r in records.values() if r is not None and r.kind in _TASK_KINDS]
    return _non_empty(Selection(found, f"{len(found)} tasks"), "with those ids")


def _non_empty(selection: Selection, where: str) -> Selection:
    if not selection.records:
        raise UsageError(
            f"no tasks {where}: nothing to show",
            hint="see `sora list`; create tasks with `sora generate` or `sora batch`",
        )
    return selection


def default_directory(selection: Selection, fallback: Path) -> Path:
    """Next to the videos: the batch's output directory, else the one directory that holds
    every downloaded video, else `fallback`."""
    if selection.directory is not None:
        return selection.directory
    parents = {Path(r.file).parent for r in selection.records if r.file}
    return parents.pop() if len(parents) == 1 else fallback


def _relative(target: Path, start: Path) -> str | None:
    try:
        return os.path.relpath(target, start)
    except ValueError:  # another drive (Windows): no relative link exists
        return None


def _leaves(relative_path: str) -> bool:
    """Whether a relative path climbs out of the page's folder."""
    return Path(relative_path).parts[:1] == ("..",)


def _poster(video: Path, page_dir: Path) -> str | None:
    for suffix in POSTER_SUFFIXES:
        still = video.with_suffix(suffix)
        if still.is_file():
            return _relative(still, page_dir)
    return None


def _price(record: JobRecord, user_profiles: Mapping[str, Profile]) -> float | None:
    """The estimate of the profile the task was made with (a user profile from the config
    file included); None when it has no price for it."""
    profile = get_profile_or_none(record.profile or DEFAULT_PROFILE, dict(user_profiles))
    try:
        seconds = int(record.seconds) if record.seconds else None
    except ValueError:
        seconds = None
    return profile.price(record.model or "", record.size, seconds) if profile else None


def _state(record: JobRecord, on_disk: bool, now: float) -> str:
    state = normalise_status(record.status)
    if state in (TaskState.FAILED, TaskState.CANCELLED):
        return "failed"
    if state is TaskState.EXPIRED:
        return "expired"
    if state is TaskState.RUNNING:
        return "running"
    if on_disk:
        return "completed"
    if record.file:
        return "missing"
    if record.expires_at and record.expires_at <= now:
        return "expired"
    return "not-downloaded"


def card_for(
    record: JobRecord, page_dir: Path, now: float, user_profiles: Mapping[str, Profile]
) -> tuple[Card, float | None]:
    """One task's card, and its estimated price when it completed (None otherwise)."""
    video = Path(record.file) if record.file else None
    on_disk = video is not None and video.is_file()
    state = _state(record, on_disk, now)
    price = (
        _price(record, user_profiles)
        if normalise_status(record.status) is TaskState.COMPLETED
        else None
    )
    if state == "failed":
        cost = "not charged (failed)"
    elif normalise_status(record.status) is TaskState.COMPLETED:
        cost = f"${price:.2f} (estimate)" if price is not None else "unknown"
    else:
        cost = "-"
    status = record.status or "-"
    if state == "running" and record.progress is not None:
        status += f" {record.progress}%"
    card = Card(
        task_id=record.id,
        state=state,
        status=status,
        prompt=record.prompt,
        model=record.model,
        size=record.size,
        seconds=record.seconds,
        cost=cost,
        created=time.strftime("%Y-%m-%d %H:%M", time.localtime(record.created_at))
        if record.created_at
        else "-",
        error=record.error,
        # Relative to the page, like the link: a shared page names no one's home folder.
        path=(_relative(video, page_dir) or record.file) if video is not None else None,
        video=_relative(video, page_dir) if on_disk and video is not None else None,
        poster=_poster(video, page_dir) if on_disk and video is not None else None,
    )
    return card, price


def _summary(cards: Sequence[Card], cost: float, now: float) -> str:
    parts = [f"{len(cards)} task" + ("" if len(cards) == 1 else "s")]
    for state in _STATES:
        count = sum(1 for card in cards if card.state == state)
        if count:
            parts.append(f"{count} {state.replace('-', ' ')}")
    parts.append(f"estimated ${cost:.2f}")
    parts.append("made " + time.strftime("%Y-%m-%d %H:%M", time.localtime(now)))
    return " · ".join(parts)


def _check_replaceable(page: Path, force: bool) -> None:
    """Replace a page this command wrote; anything else only with --force."""
    if force or not page.exists():
        return
    try:
        head = page.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        head = ""
    if f'content="{GENERATOR}"' not in head:
        raise UsageError(
            f"{page} exists and was not written by sora gallery",
            hint="choose another folder with -o DIR, or replace it with --force",
        )


def write_gallery(
    selection: Selection,
    directory: Path,
    *,
    user_profiles: Mapping[str, Profile],
    force: bool = False,
    now: float | None = None,
) -> GalleryReport:
    """Render the selection's cards into `directory/index.html` (atomically)."""
    now = time.time() if now is None else now
    directory = directory.expanduser().resolve()
    page = directory / PAGE_NAME
    _check_replaceable(page, force)
    made = [card_for(record, directory, now, user_profiles) for record in selection.records]
    cards = [card for card, _ in made]
    cost = round(sum(price or 0.0 for _, price in made), 4)
    html = render_page(cards, title=selection.title, summary=_summary(cards, cost, now))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        partial = page.with_name(f".{PAGE_NAME}.{os.getpid()}.part")
        partial.write_text(html, encoding="utf-8")
        os.replace(partial, page)
    except OSError as exc:
        raise UsageError(
            f"cannot write {page}: {exc.strerror or exc}", hint="choose another folder with -o DIR"
        ) from exc
    return GalleryReport(
        path=page,
        cards=len(cards),
        playable=sum(1 for c in cards if c.video is not None),
        failed=sum(1 for c in cards if c.state == "failed"),
        expired=sum(1 for c in cards if c.state == "expired"),
        outside=sum(1 for c in cards if c.video is not None and _leaves(c.video)),
        cost_usd=cost,
    )
