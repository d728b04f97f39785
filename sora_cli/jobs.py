"""Workflows: wait for a task (poll) and download its video, reporting through callbacks.

Every status change is written to the journal as it happens, so whatever stops us (Ctrl-C,
a crash, a timeout), the journal knows as much as we did.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from sora_cli import constants, errors
from sora_cli.api import Polled
from sora_cli.client import HttpCore
from sora_cli.dialects import VideoApi
from sora_cli.download import (
    ProgressCallback,
    download_file,
    part_identity,
    size_text,
    stream_to,
)
from sora_cli.journal import JobRecord, Journal
from sora_cli.models import Task, TaskState
from sora_cli.outputs import disk_hint, part_path


def resume_command(task_id: str, output: str | None = None, *, wait: bool = True) -> str:
    """The command that picks a task up again and saves the video where the first run was
    asked to (`-o`): absolute, so it still holds from another directory; quoted for a shell."""
    import shlex

    words = ["sora", "download", task_id] + (["--wait"] if wait else [])
    if output:
        words += ["-o", output if output == "-" else str(Path(output).expanduser().absolute())]
    return shlex.join(words)


def record_for(task: Task, like: JobRecord, link_ttl: float | None = None) -> JobRecord:
    """The journal row of a task the API just created: what `like` (the row of its request)
    says, updated with what the answer says (created_at: our clock, for ordering). Without
    an `expires_at` in the answer, the model's link lifetime (catalog) dates the expiry."""
    now = time.time()
    expires_at = float(task.expires_at) if task.expires_at else None
    if expires_at is None and link_ttl is not None:
        expires_at = float(task.created_at or now) + link_ttl
    return replace(
        like,
        id=task.id,
        kind="async",
        model=task.model or like.model,
        size=task.size or like.size,
        seconds=str(task.seconds or like.seconds or "") or None,
        status=task.status,
        progress=task.progress,
        error=None,
        created_at=now,
        expires_at=expires_at,
    )


INTENT_KIND = "intent"  # a create call in flight (or cut off): its task id is not known yet
UNKNOWN_KIND = "unknown"  # a create call that failed ambiguously: a task may exist
CREATING = "creating"


def intent_id(idempotency_key: str) -> str:
    """The journal id of a create call whose task id is not known."""
    return f"unknown-{idempotency_key[:13]}"


class CreateIntent:
    """The journal's side of one create call, so no outcome of it goes unrecorded.

    A row is written before the request. It is replaced by the task's row when the API
    answers; deleted when the request certainly created nothing; and turned into an
    `unknown` row when a task may exist (a read timeout, a 500, Ctrl-C mid-request, an
    answer that could not be read). Used by `generate` and `batch` alike.
    """

    def __init__(self, journal: Journal, row: JobRecord):
        self.journal = journal
        self.row = row
        self.earlier: JobRecord | None = None  # an unanswered create of the same request

    @property
    def key(self) -> str | None:
        """The Idempotency-Key to send (an earlier unanswered create's, if there is one)."""
        return self.row.idempotency_key

    def begin(self) -> None:
        """Record the intent: from here on a kill leaves a trace.

        A create of the same request whose answer never came (outside a batch, which
        keeps its own keys) lends its row and its Idempotency-Key: a server that honours
        the header then returns that task instead of charging a second one."""
        if self.row.batch_id is None:
            self.earlier = self.journal.unanswered_like(
                self.row, intent_before=time.time() - constants.INTENT_IN_FLIGHT_FOR
            )
            if self.earlier is not None:
                self.row.id = self.earlier.id
                self.row.idempotency_key = self.earlier.idempotency_key
        self.journal.record(self.row)

    def recover(
        self, api: VideoApi, *, can_list: bool, notice: Callable[[str], None]
    ) -> Task | None:
        """After an unanswered earlier create: its task, found in the API's list of tasks
        where the API has one; else None (the create is sent again, with the same key)."""
        if self.earlier is None:
            return None
        if can_list:
            try:
                found = lost_task_among(api.list_recent(), self.earlier, self.journal)
            except errors.SoraError:
                found = None  # the list is a courtesy: the create below still works
            if found is not None:
                notice(
                    f"an earlier run's create of this prompt went unanswered "
                    f"({self.earlier.id}); the API lists it as task {found.id}: using it, "
                    "nothing new is paid"
                )
                return found
        notice(
            f"an earlier run's create of this prompt went unanswered ({self.earlier.id}); "
            "sending it again with the same Idempotency-Key (a server that honours it "
            "returns that task; one that ignores it charges a second one)"
        )
        return None

    def created(self, task: Task, link_ttl: float | None = None) -> JobRecord:
        """The API answered with a task: its row (the intent's, with the answer's news)
        replaces the intent; returns it.

        From here a journal that cannot be written (locked, disk full) must not lose the
        paid task: the writes are held back and retried while the run goes on, and the
        warning says how to pick the task up from its id alone."""
        self.journal.keep_going(
            f"Task {task.id} is safe on the server: if this run stops, "
            f"`{resume_command(task.id)}` picks it up from its id"
        )
        record = record_for(task, self.row, link_ttl)
        self.journal.record(record)
        self.journal.delete(self.row.id)
        return record

    def failed(self, exc: BaseException) -> None:
        """Keep the row as `unknown` where a task may exist, else drop it."""
        may_exist = isinstance(exc, KeyboardInterrupt) or getattr(exc, "task_may_exist", False)
        if not may_exist:
            self.journal.delete(self.row.id)
            return
        message = (
            "interrupted while the create call was in flight"
            if isinstance(exc, KeyboardInterrupt)
            else getattr(exc, "message", str(exc))
        )
        known_id = getattr(exc, "task_id", None)
        if known_id:  # the answer named the task but could not be read whole
            self.journal.delete(self.row.id)
            self.row.id = known_id
        self.row.kind, self.row.status, self.row.error = UNKNOWN_KIND, "unknown", message
        self.journal.record(self.row)


def lost_task_among(tasks: list[Task], row: JobRecord, journal: Journal) -> Task | None:
    """The task an unanswered create made, among the API's recent tasks: the same prompt,
    model, size and seconds, created after the request left (give or take the clocks'
    difference), and not already some journal row's. The oldest such task wins."""
    earliest = row.created_at - constants.CLOCK_SKEW_ALLOWED
    matches = [
        task
        for task in tasks
        if task.prompt == row.prompt
        and (task.model or row.model) == row.model
        and (task.size or row.size) == row.size
        and str(task.seconds or row.seconds) == str(row.seconds)
        and (task.created_at is None or task.created_at >= earliest)
        and journal.get(task.id) is None
    ]
    matches.sort(key=lambda task: task.created_at or 0)
    return matches[0] if matches else None


def explain_lost_create(exc: BaseException, row_id: str) -> BaseException:
    """The error to show after a create call failed; Ctrl-C becomes exit 130 with a hint."""
    if isinstance(exc, KeyboardInterrupt):
        return errors.Interrupted(
            "interrupted while creating the task; it may exist and be charged when it completes",
            hint=f"`sora list` shows it as {row_id} (unknown); check your provider's dashboard",
            task_id=row_id,
        )
    if getattr(exc, "task_may_exist", False) and isinstance(exc, errors.SoraError):
        exc.hint = (
            f"{exc.hint} (`sora list` shows it as unknown)"
            if exc.hint
            else ("`sora list` shows it as unknown")
        )
        exc.task_id = exc.task_id or row_id  # its row, for --json and scripts
    return exc


def intent_row(
    idempotency_key: str,
    *,
    profile: str,
    base_url: str,
    prompt: str,
    model: str,
    size: str | None,
    seconds: int | None,
    batch_id: str | None = None,
    batch_key: str | None = None,
    estimated_usd: float | None = None,
) -> JobRecord:
    """The row written just before a create call."""
    return JobRecord(
        id=intent_id(idempotency_key),
        kind=INTENT_KIND,
        profile=profile,
        base_url=base_url,
        model=model,
        prompt=prompt,
        size=size,
        seconds=str(seconds) if seconds is not None else None,
        status=CREATING,
        created_at=time.time(),
        batch_id=batch_id,
        batch_key=batch_key,
        estimated_usd=estimated_usd,
        idempotency_key=idempotency_key,
    )


def journal_changes(task: Task) -> dict[str, object]:
    """Journal fields that a status answer can change."""
    changes: dict[str, object] = {"status": task.status, "progress": task.progress}
    if task.url:
        changes["url"] = task.url
    if task.state is TaskState.FAILED:
        changes["error"] = task.failure_text()
    if task.completed_at:
        changes["completed_at"] = float(task.completed_at)
    if task.expires_at:
        changes["expires_at"] = float(task.expires_at)
    if task.usage is not None:
        import json

        changes["usage"] = json.dumps(task.usage)
    if task.charge is not None:
        changes["charge_usd"] = task.charge
    return changes


@dataclass
class WaitCallbacks:
    """How a wait reports to whoever shows it."""

    on_update: Callable[[Task], None] = lambda task: None
    on_warning: Callable[[str], None] = lambda message: None


class PollTracker:
    """The decisions of a wait, shared by `generate` (sync) and `batch` (async): journal every
    change, tolerate a few unreadable answers, warn about a stuck task, stop at the deadline.
    It never sleeps or sends; it says how long to wait before the next poll."""

    def __init__(
        self,
        journal: Journal,
        task_id: str,
        *,
        poll_interval: float,
        timeout: float,
        callbacks: WaitCallbacks,
        output: str | None = None,
    ):
        self.journal = journal
        self.task_id = task_id
        self.resume = resume_command(task_id, output)
        self.poll_interval = poll_interval
        self.timeout = timeout
        self.callbacks = callbacks
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self._last_task: Task | None = None
        self._last_seen: tuple[str, int | None] | None = None
        self._last_change = time.monotonic()
        self._warned_stuck = False
        self._bad_answers = 0

    def seen(self, polled: Polled) -> float | None:
        """Record an answer; None when the task has ended, else the delay before the next."""
        self._bad_answers = 0
        task = polled.task
        if (task.status, task.progress) != self._last_seen:
            self.journal.update(self.task_id, **journal_changes(task))
            self._last_seen = (task.status, task.progress)
            self._last_change, self._warned_stuck = time.monotonic(), False
        self.callbacks.on_update(task)
        if task.state.is_final:
            return None
        now = time.monotonic()
        if not self._warned_stuck and now - self._last_change >= constants.STUCK_WARNING_AFTER:
            self._warned_stuck = True
            self.callbacks.on_warning(
                f"task {self.task_id} has not moved from {task.status}"
                + (f" {task.progress}%" if task.progress is not None else "")
                + " "
                f"for {int(now - self._last_change) // 60} minutes; still waiting. If it stays "
                f"stuck, contact your provider's support with the id {self.task_id}"
            )
        self._last_task = task
        if now >= self.deadline:
            raise self.timed_out()
        delay = polled.poll_after if polled.poll_after is not None else self.poll_interval
        return min(delay, self.deadline - now)  # the last poll happens at the deadline

    def timed_out(self) -> errors.NotFinished:
        """The wait ran out: the task's last known state and the real time waited."""
        task = self._last_task
        state = f"still {task.status}" if task is not None else "not seen finished"
        progress = f" ({task.progress}%)" if task is not None and task.progress is not None else ""
        waited = time.monotonic() - self.started
        return errors.NotFinished(
            f"task {self.task_id} is {state}{progress} after {waited:.1f} s; it keeps running "
            "on the server",
            hint=f"resume with: {self.resume}",
            task_id=self.task_id,
        )

    def out_of_time(self) -> bool:
        """Whether the deadline has passed (a request cut off there is a timeout)."""
        return time.monotonic() >= self.deadline

    def bad_answer(self, exc: errors.BadContent) -> float:
        """A proxy's garbage is tolerated a few times in a row; returns the delay to retry."""
        self._bad_answers += 1
        if self._bad_answers >= constants.MAX_BAD_POLL_ANSWERS:
            raise exc
        if self.out_of_time():
            raise self.timed_out()
        self.callbacks.on_warning(f"{exc.message}; polling again")
        return min(self.poll_interval, self.deadline - time.monotonic())

    def explain(self, exc: errors.SoraError) -> errors.SoraError:
        """Whatever ended the wait, the message names the task and how to pick it up."""
        exc.task_id = exc.task_id or self.task_id
        if not exc.hint or "sora " not in exc.hint:
            prefix = f"{exc.hint}; " if exc.hint else ""
            exc.hint = f"{prefix}the task is kept: {self.resume}"
        return exc


def wait_for_task(
    api: VideoApi,
    journal: Journal,
    task_id: str,
    *,
    poll_interval: float,
    timeout: float,
    callbacks: WaitCallbacks,
    first: Polled | None = None,
    output: str | None = None,
) -> Task:
    """Poll until the task ends or `timeout` runs out (then NotFinished, exit 6); `output`
    (the `-o` asked for) goes into the command that resumes."""
    tracker = PollTracker(
        journal,
        task_id,
        poll_interval=poll_interval,
        timeout=timeout,
        callbacks=callbacks,
        output=output,
    )
    api.core.deadline = tracker.deadline
    polled = first
    try:
        while True:
            if polled is None:
                try:
                    polled = api.retrieve(task_id)
                except errors.BadContent as exc:
                    time.sleep(tracker.bad_answer(exc))
                    continue
            delay = tracker.seen(polled)
            if delay is None:
                return polled.task
            time.sleep(delay)
            polled = None
    except KeyboardInterrupt:
        raise errors.Interrupted(
            f"interrupted; task {task_id} keeps running on the server and is in the journal",
            hint=f"resume with: {tracker.resume}",
            task_id=task_id,
        ) from None
    except errors.NotFound:
        raise  # the caller explains expiry
    except errors.NetworkError as exc:
        if tracker.out_of_time():  # a poll cut off at the deadline: the wait ran out
            raise tracker.timed_out() from exc
        raise tracker.explain(exc) from exc.__cause__
    except errors.SoraError as exc:
        raise tracker.explain(exc) from exc.__cause__
    finally:
        api.core.deadline = None


def raise_if_failed(task: Task) -> None:
    """A failed task is exit 5, with the reason and what to do."""
    if task.state is TaskState.COMPLETED:
        return
    if task.state is TaskState.FAILED:
        hint = "change the prompt or image and try again; failed tasks are not charged"
        raise errors.GenerationFailed(
            f"task {task.id} failed: {task.failure_text()}", hint=hint, task_id=task.id
        )
    if task.state is TaskState.EXPIRED:
        raise errors.NotFound(
            f"task {task.id} has expired; its video is no longer kept",
            hint="create it again with `sora generate`",
            task_id=task.id,
        )
    raise errors.GenerationFailed(
        f"task {task.id} was {task.status}", hint="create it again", task_id=task.id
    )


def save_video(
    core: HttpCore,
    journal: Journal,
    record_id: str,
    url: str,
    dest: Path,
    *,
    on_progress: ProgressCallback | None = None,
    what: str = "the video download",
) -> int:
    """Download a video to `dest` (resumable, atomic, checked) and note the file in the
    journal; every failure names the row and the command that resumes it."""
    resume = resume_command(record_id, str(dest), wait=False)
    try:
        size = download_file(
            core, url, dest, on_progress=on_progress, what=what, identity=part_identity(record_id)
        )
    except KeyboardInterrupt:
        raise errors.Interrupted(
            f"interrupted; the partial download of {record_id} is kept",
            hint=f"resume with: {resume}",
            task_id=record_id,
        ) from None
    except errors.SoraError as exc:
        exc.task_id = exc.task_id or record_id
        kept = _partial_size(dest)
        if kept and isinstance(exc, errors.NetworkError):
            exc.hint = f"{part_path(dest).name} ({kept}) is kept; resume with: {resume}"
        raise
    except OSError as exc:
        kept = _partial_size(dest)
        held = (
            f" ({part_path(dest)} holds {kept} of it: delete it to free that space, or keep it "
            "to resume)"
            if kept
            else ""
        )
        raise errors.UsageError(
            f"cannot write {dest}: {exc.strerror}; {record_id} is kept in the journal",
            hint=f"{disk_hint(exc)}{held}, then: sora download {record_id} -o PATH",
            task_id=record_id,
        ) from exc
    journal.update(record_id, file=str(dest.resolve()), downloaded_at=time.time())
    return size


def _partial_size(dest: Path) -> str | None:
    """How much a kept `.part` of `dest` holds (`12.3 MiB`), or None when there is none."""
    try:
        size = os.lstat(part_path(dest)).st_size
    except OSError:
        return None
    return size_text(size) if size else None


def download_task(
    api: VideoApi,
    journal: Journal,
    task: Task,
    dest: Path,
    *,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Download a completed task's MP4 to `dest` and note it in the journal."""
    return fetch_with_fallback(
        api.content_url(task),
        api.fallback_url(task),
        lambda url: save_video(api.core, journal, task.id, url, dest, on_progress=on_progress),
    )


def stream_task(
    api: VideoApi, task: Task, sink: BinaryIO, *, on_progress: ProgressCallback | None = None
) -> int:
    """Write a completed task's MP4 to a stream (`-o -`)."""
    return fetch_with_fallback(
        api.content_url(task),
        api.fallback_url(task),
        lambda url: stream_to(api.core, url, sink, on_progress=on_progress),
    )


def fetch_with_fallback(primary: str, fallback: str | None, fetch: Callable[[str], int]) -> int:
    """`fetch(primary)`; where the API offers a second source and the first refused before
    sending a byte of video (an error status: a signed link that expired; or a page that is
    not an MP4), `fetch(fallback)`."""
    try:
        return fetch(primary)
    except (errors.ApiError, errors.BadContent):
        if fallback is None:
            raise
        return fetch(fallback)
