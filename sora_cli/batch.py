"""Batch generation at the API's documented concurrency limits (reference "Batch Generation":
create 10-30 at once, poll with at most 10 in flight, download with at most 5).

Each line's task is journaled under the batch id and the line's identity the moment it is
created, after an intent row written just before the request; a re-run re-attaches to those
tasks instead of paying again. The server (base URL and profile) is part of that identity: a
task id means nothing to another API, so the same file run against another server gets its
own tasks there. Progress leaves through a `BatchObserver`; nothing here prints.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sora_cli import errors
from sora_cli.api import CreateRequest, ImageUpload
from sora_cli.batch_cost import cap_reason, committed_cost, price_of, within_cap
from sora_cli.batch_input import BatchLine
from sora_cli.catalog import Choice, ModelEntry, shape_for
from sora_cli.client import HttpCore, PauseGate
from sora_cli.dialects import AsyncVideoApi
from sora_cli.download import download_file, part_identity
from sora_cli.exit_codes import ExitCode, exit_code_for
from sora_cli.images import FitMode
from sora_cli.jobs import (
    INTENT_KIND,
    UNKNOWN_KIND,
    CreateIntent,
    PollTracker,
    WaitCallbacks,
    fetch_with_fallback,
    intent_id,
    intent_row,
    lost_task_among,
)
from sora_cli.journal import JobRecord, Journal
from sora_cli.models import Task, TaskState
from sora_cli.outputs import default_filename
from sora_cli.profiles import Profile


@dataclass
class BatchOptions:
    """Limits and policies of one batch run."""

    output_dir: Path
    poll_interval: float
    timeout: float  # per task, from the moment it was created or re-attached
    create_concurrency: int = 10
    poll_concurrency: int = 10
    download_concurrency: int = 5
    max_cost: float | None = None
    fail_fast: bool = False
    force: bool = False
    retry_failed: bool = False  # a line whose task failed gets a new task (failures are free)
    # A model's own poll interval and give-up time (catalog), where no flag or config set
    # them; None: `poll_interval` and `timeout` for every model.
    wait_times: Callable[[str], tuple[float, float]] | None = None
    fit: FitMode | None = None  # --fit: every line's image made its video's size


@dataclass(frozen=True)
class Server:
    """The API a batch's tasks live on; rows made against another one are not re-attached."""

    base_url: str
    profile: str

    def owns(self, record: JobRecord) -> bool:
        """Made against this server (as `status` and `download` judge it: an unrecorded base
        URL or profile, from an older journal, does not disqualify a row)."""
        return (not record.base_url or record.base_url == self.base_url) and (
            not record.profile or record.profile == self.profile
        )

    def label(self) -> str:
        """For messages: `http://… (profile laozhang)`."""
        return f"{self.base_url} (profile {self.profile})"


@dataclass
class BatchState:
    """What the journal knows of one batch on one server."""

    known: dict[str, JobRecord]  # line key -> its newest row on this server
    failures: dict[str, int]  # line key -> tasks of it that failed on this server
    elsewhere: set[str]  # line keys with rows only on other servers
    others: set[Server]  # those servers


def batch_state(journal: Journal, batch_id: str, server: Server) -> BatchState:
    """The batch's rows on `server`, and which lines have tasks only on other servers."""
    state = BatchState({}, {}, set(), set())
    foreign: dict[str, Server] = {}
    for record in journal.for_batch(batch_id):  # oldest first: the newest row wins
        key = record.batch_key
        if not key:
            continue
        if not server.owns(record):
            foreign[key] = Server(
                record.base_url or server.base_url, record.profile or server.profile
            )
            continue
        state.known[key] = record
        if record.kind == "async" and record.status == "failed":
            state.failures[key] = state.failures.get(key, 0) + 1
    state.elsewhere = set(foreign) - set(state.known)
    state.others = {foreign[key] for key in state.elsewhere}
    return state


def needs_task(record: JobRecord | None, retry_failed: bool) -> bool:
    """A line is created (again) when it has no task here, its create went unanswered (sent
    again with the same Idempotency-Key), or its task failed and --retry-failed is given."""
    if record is None or record.kind == INTENT_KIND:
        return True
    if record.kind == UNKNOWN_KIND:  # unless the unreadable answer still named its task
        return record.id.startswith(intent_id(""))  # a placeholder id, not the task's
    return retry_failed and record.status == "failed"


def idempotency_key(server: Server, batch_id: str, line_key: str, attempt: int) -> str:
    """Deterministic, so a server that honours it dedupes the re-send after a kill between the
    request and the journal write. The server is in it because the intent row's id derives
    from it (two servers must not share a row); the attempt, so that --retry-failed gets a
    new task rather than the failed one back."""
    name = f"sora-cli:{server.base_url}:{server.profile}:{batch_id}:{line_key}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name + (f":retry-{attempt}" if attempt else "")))


@dataclass
class LineResult:
    """How one line ended."""

    line: BatchLine
    outcome: str  # completed | failed | skipped | not_finished | error | cancelled
    task_id: str | None = None
    file: str | None = None
    error: str | None = None
    exit_code: int = 0
    cost: float | None = None
    reattached: bool = False

    def to_json(self) -> dict[str, Any]:
        """One NDJSON object per finished line."""
        return {
            "type": "line",
            "line": self.line.number,
            "key": self.line.key,
            "prompt": self.line.prompt,
            "outcome": self.outcome,
            "task_id": self.task_id,
            "file": self.file,
            "error": self.error,
            "exit_code": self.exit_code,
            "cost": self.cost,
            "reattached": self.reattached,
        }


class BatchObserver(Protocol):
    """Where the runner reports to (a display, NDJSON, or nothing)."""

    def created(self, line: BatchLine, task_id: str, reattached: bool) -> None: ...
    def progress(self, line: BatchLine, task: Task) -> None: ...
    def finished(self, result: LineResult) -> None: ...
    def notice(self, message: str) -> None: ...


async def _in_daemon_thread(work: Callable[[], object]) -> object:
    """Run blocking work (a download) in a daemon thread.

    Unlike `asyncio.to_thread`, an interrupted batch does not wait for it at exit: a
    download stuck on a silent connection would otherwise hold Ctrl-C hostage. What it
    leaves is a `.part` file, which the next run resumes.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[object] = loop.create_future()

    def settle(outcome: object, failure: BaseException | None) -> None:
        if future.done():
            return
        if failure is not None:
            future.set_exception(failure)
        else:
            future.set_result(outcome)

    def run() -> None:
        outcome: object = None
        failure: BaseException | None = None
        try:
            outcome = work()
        except BaseException as exc:  # handed to the awaiting coroutine
            failure = exc
        with contextlib.suppress(RuntimeError):  # the loop is gone: the batch was interrupted
            loop.call_soon_threadsafe(settle, outcome, failure)

    threading.Thread(target=run, name="sora-download", daemon=True).start()
    return await future


class _Skipped(Exception):
    """A line that will not get a task after all (creation stopped while it waited)."""

    def __init__(self, result: LineResult | None):
        super().__init__("skipped")
        assert result is not None
        self.result = result


@dataclass
class _Shared:
    create: asyncio.Semaphore
    poll: asyncio.Semaphore
    download: asyncio.Semaphore
    create_gate: PauseGate = field(default_factory=PauseGate)
    poll_gate: PauseGate = field(default_factory=PauseGate)
    committed_cost: float = 0.0
    stop_creating: errors.SoraError | None = None
    # Models the server called retired or unserved: their other lines are not sent.
    gone_models: dict[str, errors.ModelUnavailable] = field(default_factory=dict)
    stop_all: asyncio.Event = field(default_factory=asyncio.Event)


class BatchRunner:
    """Runs the lines of one batch concurrently within the caps."""

    def __init__(
        self,
        *,
        batch_id: str,
        lines: list[BatchLine],
        profile: Profile,
        base_url: str,
        api: AsyncVideoApi,
        downloads: HttpCore,
        journal: Journal,
        options: BatchOptions,
        observer: BatchObserver,
        load_image: Callable[[str, str | None, str], ImageUpload],  # (spec, size, model)
    ):
        self.batch_id = batch_id
        self.lines = lines
        self.profile = profile
        self.base_url = base_url
        self.server = Server(base_url, profile.name)
        self.state = BatchState({}, {}, set(), set())
        self.api = api
        self.downloads = downloads
        self.journal = journal
        self.options = options
        self.observer = observer
        self.load_image = load_image

    async def run(self) -> list[LineResult]:
        """Every line's result, in file order."""
        o = self.options
        shared = _Shared(
            asyncio.Semaphore(o.create_concurrency),
            asyncio.Semaphore(o.poll_concurrency),
            asyncio.Semaphore(o.download_concurrency),
        )
        self.state = batch_state(self.journal, self.batch_id, self.server)
        known = self.state.known
        shared.committed_cost += committed_cost(known, self.profile)
        self._note_elsewhere()
        tasks = [
            asyncio.create_task(self._guarded(line, known.get(line.key), shared))
            for line in self.lines
        ]
        stopper = asyncio.create_task(shared.stop_all.wait())
        pending: set[asyncio.Task[Any]] = set(tasks)
        while pending:
            done, pending = await asyncio.wait(
                pending | {stopper}, return_when=asyncio.FIRST_COMPLETED
            )
            pending.discard(stopper)
            if stopper in done:
                for task in pending:
                    task.cancel()
                await asyncio.gather(*pending, return_exceptions=True)
                break
        stopper.cancel()
        results = []
        for line, task in zip(self.lines, tasks, strict=True):
            if task.cancelled():
                result = LineResult(
                    line,
                    "cancelled",
                    task_id=self._id_for(line),
                    error="stopped by --fail-fast",
                    exit_code=int(ExitCode.NOT_FINISHED),
                )
                self.observer.finished(result)
            else:
                result = task.result()  # a bug in a line surfaces here, as it should
            results.append(result)
        return results

    def _note_elsewhere(self) -> None:
        """Say why lines that ran against another server get new tasks here."""
        count = sum(1 for line in self.lines if line.key in self.state.elsewhere)
        if count:
            self.observer.notice(
                f"{count} line(s) of this batch have tasks only on "
                f"{', '.join(sorted(s.label() for s in self.state.others))}, but sora is "
                f"pointed at {self.server.label()}: they get new tasks there"
            )

    def _id_for(self, line: BatchLine) -> str | None:
        """The line's newest task on this server (rows come oldest first)."""
        found = None
        for record in self.journal.for_batch(self.batch_id):
            if record.batch_key == line.key and record.kind == "async" and self.server.owns(record):
                found = record.id
        return found

    def _price(self, model: str | None, size: str | None, seconds: str | int | None) -> float:
        return price_of(self.profile, model, size, seconds)

    async def _guarded(
        self, line: BatchLine, known: JobRecord | None, shared: _Shared
    ) -> LineResult:
        try:
            result = await self._run_line(line, known, shared)
        except errors.SoraError as exc:
            reattached = known is not None and not needs_task(known, self.options.retry_failed)
            result = LineResult(
                line,
                "error",
                task_id=exc.task_id or (known.id if reattached and known else None),
                error=exc.message,
                exit_code=int(exit_code_for(exc)),
                reattached=reattached,
            )
        if result.outcome in ("failed", "error") and self.options.fail_fast:
            shared.stop_all.set()
        self.observer.finished(result)
        return result

    async def _run_line(
        self, line: BatchLine, known: JobRecord | None, shared: _Shared
    ) -> LineResult:
        if known is not None and not needs_task(known, self.options.retry_failed):
            task_id = known.id
            if known.kind == UNKNOWN_KIND:  # the create's answer named it: a task after all
                self.journal.update(task_id, kind="async")
            wanted = self._dest(line, task_id).resolve()
            if known.file and Path(known.file) == wanted and wanted.exists():
                return self._done_result(line, known, reattached=True)
            self.observer.created(line, task_id, True)
            reattached = True
        else:
            skipped = self._skip_reason(line, shared)
            if skipped is not None:
                return skipped
            try:
                task_id = await self._create(line, known, shared)
            except _Skipped as skip:
                return skip.result
            reattached = False
        task = await self._wait(line, task_id, shared)
        if task.state is not TaskState.COMPLETED:
            return LineResult(
                line,
                "failed",
                task_id=task_id,
                error=task.failure_text(),
                exit_code=int(ExitCode.GENERATION_FAILED),
                reattached=reattached,
            )
        dest = self._dest(line, task_id)
        record = self.journal.get(task_id)
        ours = record is not None and record.file == str(dest.resolve())
        if dest.exists() and not ours and not self.options.force:
            raise errors.UsageError(
                f"{dest} already exists (use --force to overwrite)", task_id=task_id
            )
        if not (ours and dest.exists()):
            primary, fallback = self.api.content_url(task), self.api.fallback_url(task)
            stop = threading.Event()

            def check_stop(done: int, total: int | None) -> None:
                if stop.is_set():  # the batch was interrupted: leave the .part, resumable
                    raise errors.Interrupted("download stopped", task_id=task_id)

            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                async with shared.download:
                    await _in_daemon_thread(
                        lambda: fetch_with_fallback(
                            primary,
                            fallback,
                            lambda url: download_file(
                                self.downloads,
                                url,
                                dest,
                                on_progress=check_stop,
                                identity=part_identity(task_id),
                            ),
                        )
                    )
            except asyncio.CancelledError:
                stop.set()  # a thread cannot be cancelled: ask it to stop at its next chunk
                raise
            except OSError as exc:
                raise errors.UsageError(
                    f"cannot write {dest}: {exc.strerror}; the task is kept", task_id=task_id
                ) from exc
            self.journal.update(task_id, file=str(dest.resolve()), downloaded_at=time.time())
        final = self.journal.get(task_id)
        assert final is not None
        return self._done_result(line, final, reattached=reattached)

    def _dest(self, line: BatchLine, task_id: str) -> Path:
        """Where this line's video goes: its `output`, or `sora-<id>.mp4`, in --output-dir."""
        return self.options.output_dir / (line.output or default_filename(task_id))

    def _done_result(self, line: BatchLine, record: JobRecord, *, reattached: bool) -> LineResult:
        return LineResult(
            line,
            "completed",
            task_id=record.id,
            file=record.file,
            cost=self._price(record.model, record.size, record.seconds),
            reattached=reattached,
        )

    def _skip_reason(self, line: BatchLine, shared: _Shared) -> LineResult | None:
        if shared.stop_creating is not None or line.model in shared.gone_models:
            exc = shared.stop_creating or shared.gone_models[line.model]
            return LineResult(
                line,
                "skipped",
                error=f"not created: {exc.message}",
                exit_code=int(exit_code_for(exc)),
            )
        price = self._price(line.model, line.size, line.seconds)
        cap = self.options.max_cost
        if cap is not None and not within_cap(shared.committed_cost, price, cap):
            return LineResult(
                line,
                "skipped",
                error=cap_reason(cap),
                exit_code=int(ExitCode.NOT_FINISHED),  # still to do: re-run with a higher cap
            )
        shared.committed_cost += price  # reserved before awaiting, so the cap holds
        return None

    def _resend_key(self, line: BatchLine, known: JobRecord, key: str) -> str:
        """The key of the earlier, unanswered create of `line`, found from its row's id (which
        derives from it), so a server that honours keys does not charge it twice: today's
        key, or the one sora used before the server was part of it."""
        legacy = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sora-cli:{self.batch_id}:{line.key}"))
        earlier = known.idempotency_key or next(
            (k for k in (key, legacy) if intent_id(k) == known.id), None
        )
        if earlier is not None:
            self.observer.notice(
                f"line {line.number}: an earlier run may have created its task without "
                "hearing back; sending again with the same Idempotency-Key"
            )
            return earlier
        self.observer.notice(
            f"line {line.number}: an earlier run may have created its task without hearing "
            f"back ({known.id}, kept in `sora list`); its Idempotency-Key is not known, so "
            "this create may be charged a second time"
        )
        return key

    async def _listed(self, line: BatchLine, known: JobRecord) -> str | None:
        """Where the API lists tasks: the task an earlier, unanswered create of `line` made,
        re-attached (nothing is created); None when it is not found."""
        if not self.profile.lists_tasks:
            return None
        try:
            found = lost_task_among(await self.api.list_recent(), known, self.journal)
        except errors.SoraError:
            return None  # the list is a courtesy: the create with the same key still works
        if found is None:
            return None
        CreateIntent(self.journal, known).created(found)
        self.observer.notice(
            f"line {line.number}: an earlier run's create went unanswered; the API lists its "
            f"task {found.id}: re-attached"
        )
        self.observer.created(line, found.id, True)
        return found.id

    async def _create(self, line: BatchLine, known: JobRecord | None, shared: _Shared) -> str:
        attempt = self.state.failures.get(line.key, 0)
        key = idempotency_key(self.server, self.batch_id, line.key, attempt)
        if known is not None and known.kind in (INTENT_KIND, UNKNOWN_KIND):
            found = await self._listed(line, known)
            if found is not None:
                return found
            key = self._resend_key(line, known, key)
        image = None
        if line.image:
            image = await asyncio.to_thread(self.load_image, line.image, line.size, line.model)
        entry = self.profile.entry(line.model)
        ratio, resolution = self._shape(entry, line)
        request = CreateRequest(
            line.prompt,
            line.model,
            line.size,
            line.seconds,
            image,
            key,
            body=self.profile.body,
            ratio=ratio,
            resolution=resolution,
        )
        async with shared.create:
            if shared.stop_creating is not None or line.model in shared.gone_models:
                # it happened while this line waited its turn
                shared.committed_cost -= self._price(line.model, line.size, line.seconds)
                raise _Skipped(self._skip_reason(line, shared))
            intent = CreateIntent(
                self.journal,
                intent_row(
                    key,
                    profile=self.profile.name,
                    base_url=self.base_url,
                    prompt=line.prompt,
                    model=line.model,
                    size=line.size,
                    seconds=line.seconds,
                    batch_id=self.batch_id,
                    batch_key=line.key,
                    estimated_usd=self.profile.price(line.model, line.size, line.seconds),
                ),
            )
            intent.begin()
            try:
                task = await self.api.create(
                    request, gate=shared.create_gate, successor=entry.successor if entry else None
                )
            except (errors.SoraError, asyncio.CancelledError) as exc:
                intent.failed(
                    KeyboardInterrupt() if isinstance(exc, asyncio.CancelledError) else exc
                )
                if isinstance(exc, errors.AuthError | errors.BalanceError):
                    shared.stop_creating = exc
                    self.observer.notice(f"{exc.message}: no more tasks will be created")
                elif isinstance(exc, errors.ModelUnavailable):
                    shared.gone_models.setdefault(line.model, exc)
                    self.observer.notice(
                        f"{exc.message}: no more {line.model} tasks will be created"
                    )
                raise
        intent.created(task, link_ttl=entry.link_ttl if entry else None)
        self.observer.created(line, task.id, False)
        return task.id

    @staticmethod
    def _shape(entry: ModelEntry | None, line: BatchLine) -> tuple[str | None, str | None]:
        """The ratio a model needs with a frame image (Seedance 2.5: adaptive), else the
        size's own (None)."""
        if entry is None or not line.image:
            return None, None
        choice = Choice(entry, line.model, line.seconds, line.size)
        shape = shape_for(choice, None, None, frames=True)
        return shape.ratio, shape.resolution

    async def _wait(self, line: BatchLine, task_id: str, shared: _Shared) -> Task:
        poll_interval, timeout = self.options.poll_interval, self.options.timeout
        if self.options.wait_times is not None:
            poll_interval, timeout = self.options.wait_times(line.model)
        tracker = PollTracker(
            self.journal,
            task_id,
            poll_interval=poll_interval,
            timeout=timeout,
            callbacks=WaitCallbacks(
                on_update=lambda task: self.observer.progress(line, task),
                on_warning=lambda message: self.observer.notice(f"line {line.number}: {message}"),
            ),
        )
        while True:
            try:
                async with shared.poll:
                    polled = await self.api.retrieve(task_id, gate=shared.poll_gate)
            except errors.BadContent as exc:
                await asyncio.sleep(tracker.bad_answer(exc))
                continue
            delay = tracker.seen(polled)
            if delay is None:
                return polled.task
            await asyncio.sleep(delay)


def summarise(results: list[LineResult]) -> dict[str, Any]:
    """Counts, cost of completed tasks, and the exit code of the whole batch."""
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    cost = round(sum(r.cost or 0.0 for r in results if r.outcome == "completed"), 4)
    return {
        "type": "summary",
        "lines": len(results),
        "completed": counts.get("completed", 0),
        "failed": counts.get("failed", 0),
        "skipped": counts.get("skipped", 0),
        "not_finished": counts.get("cancelled", 0)
        + sum(1 for r in results if r.outcome == "error" and r.exit_code == ExitCode.NOT_FINISHED),
        "errors": sum(1 for r in results if r.outcome == "error"),
        "cost_usd": cost,
        "exit_code": batch_exit_code(results),
    }


# The most serious outcome decides the exit code of the whole batch.
_PRIORITY = (
    ExitCode.AUTH,
    ExitCode.BALANCE,
    ExitCode.USAGE,
    ExitCode.NETWORK,
    ExitCode.NOT_FOUND,
    ExitCode.NOT_FINISHED,
    ExitCode.GENERATION_FAILED,
)


def batch_exit_code(results: list[LineResult]) -> int:
    """0 when every line completed, else the most serious code among the others."""
    # Lines cancelled by --fail-fast don't count: the line that stopped the batch does.
    codes = {r.exit_code for r in results if r.outcome not in ("completed", "cancelled")}
    for code in _PRIORITY:
        if int(code) in codes:
            return int(code)
    return int(ExitCode.OK)
