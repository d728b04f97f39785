"""Steps shared by generate, status and download: wait with a display, deliver the video."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sora_cli.commands._common import Runtime

if TYPE_CHECKING:
    from sora_cli.api import ImageUpload, Polled
    from sora_cli.catalog import ImagePolicy
    from sora_cli.dialects import VideoApi
    from sora_cli.download import ProgressCallback
    from sora_cli.images import FitMode, ImageInfo
    from sora_cli.inputs import ImageRules
    from sora_cli.journal import JobRecord, Journal
    from sora_cli.models import Task
    from sora_cli.settings import Settings


def wait_with_display(
    rt: Runtime,
    api: VideoApi,
    journal: Journal,
    task_id: str,
    first: Polled | None = None,
    *,
    output: str | None = None,
) -> Task:
    """Poll until the task ends, showing progress on stderr, as often and as long as its
    model asks for (catalog) unless a flag or the config file said otherwise; `output` is
    the `-o` asked for, repeated in the command that resumes."""
    import time

    from sora_cli.jobs import WaitCallbacks, wait_for_task

    record = journal.get(task_id)
    settings = rt.settings.for_model(
        rt.settings.profile.entry(record.model) if record and record.model else None
    )
    display = rt.console.task_display(task_id)
    timeout = settings.timeout
    if rt.wait_deadline is not None:  # the wait began with a first look: what is left of it
        timeout = max(0.0, rt.wait_deadline - time.monotonic())
    try:
        return wait_for_task(
            api,
            journal,
            task_id,
            poll_interval=settings.poll_interval,
            timeout=timeout,
            callbacks=WaitCallbacks(on_update=display.update, on_warning=rt.console.warn),
            first=first,
            output=output,
        )
    finally:
        display.close()


def show_delivery(
    rt: Runtime,
    dest: Path | None,
    save: Callable[[ProgressCallback], int],
    to_stdout: Callable[[ProgressCallback], int],
    *,
    open_video: bool = False,
) -> None:
    """Run a download under a progress display, then say what was saved (and open it)."""
    from sora_cli.commands._saved import report_saved

    display = rt.console.download_display(dest.name if dest is not None else "stdout")
    try:
        size = save(display.update) if dest is not None else to_stdout(display.update)
    finally:
        display.close()
    report_saved(rt, dest, size if dest is not None else 0, open_video=open_video)


def deliver(
    rt: Runtime,
    api: VideoApi,
    journal: Journal,
    task: Task,
    dest: Path | None,
    *,
    open_video: bool = False,
) -> None:
    """Download a completed task to `dest` (or stdout) and print the result."""
    from sora_cli.jobs import download_task, stream_task

    show_delivery(
        rt,
        dest,
        lambda progress: (
            download_task(api, journal, task, dest, on_progress=progress) if dest is not None else 0
        ),
        lambda progress: sent_to_stdout(
            journal, task.id, stream_task(api, task, sys.stdout.buffer, on_progress=progress)
        ),
        open_video=open_video,
    )
    if dest is not None:
        print_record_or(rt, journal, task.id, str(dest))


def sent_to_stdout(journal: Journal, record_id: str, size: int) -> int:
    """Note a video delivered with `-o -` (`downloaded_at` set, `file` null), so `list` and
    `status` do not call it "not downloaded"; returns `size`."""
    import time

    journal.update(record_id, downloaded_at=time.time())
    return size


def print_record_or(rt: Runtime, journal: Journal, task_id: str, text: str) -> None:
    """With --json the journal record of the task, else `text` (an id or a path, quoted
    when it holds a line break), on stdout."""
    if rt.json:
        record = journal.get(task_id)
        rt.console.result_json(record.to_json() if record else {"id": task_id})
    else:
        rt.console.result_path(text)


@contextmanager
def task_on_stdout_even_on_failure(rt: Runtime, output: str | None) -> Iterator[None]:
    """A run that fails once its task exists still puts the task on stdout: its id, or with
    --json its record, so `id=$(sora generate ...)` can resume (exit 6) or report (5).

    The exit code says what went wrong. Not with `-o -`, where stdout is the video.
    """
    from sora_cli.errors import JournalError, SoraError
    from sora_cli.outputs import STDOUT

    try:
        yield
    except SoraError as exc:
        if exc.task_id and output != STDOUT:
            if not rt.json:
                rt.console.result(exc.task_id)
            else:
                record = None
                try:
                    with rt.journal() as journal:
                        record = journal.get(exc.task_id)
                except JournalError:
                    pass  # a journal that cannot be read must not hide the id
                rt.console.result_json(record.to_json() if record else {"id": exc.task_id})
        raise


def retrieve_explained(
    rt: Runtime, api: VideoApi, journal: Journal, task_id: str, *, waiting: bool = False
) -> Polled:
    """One status look; a 404 for a task the journal knows is explained (expired or not).
    `waiting`: the look is the first of a wait, and --timeout bounds it too."""
    import time

    from sora_cli.errors import ApiNotFound, NetworkError, NotFinished, NotFound
    from sora_cli.jobs import journal_changes, resume_command

    if waiting:
        api.core.deadline = rt.start_wait_clock()
    try:
        polled = api.retrieve(task_id)
    except NetworkError as exc:
        if waiting and time.monotonic() >= rt.start_wait_clock():
            raise NotFinished(
                f"no answer about task {task_id} within {rt.settings.timeout:g} s",
                hint=f"try again later: {resume_command(task_id)}",
                task_id=task_id,
            ) from exc
        raise
    except ApiNotFound as exc:
        record = journal.get(task_id)
        if record and record.expires_at and record.expires_at <= time.time():
            journal.update(task_id, status="expired")
            raise NotFound(
                f"task {task_id} expired at {format_time(record.expires_at)}; its video is no "
                "longer kept",
                hint="create it again with `sora generate`",
                task_id=task_id,
            ) from exc
        if record is None:
            exc.hint = "check the id (`sora list` shows the tasks this machine created)"
        raise
    finally:
        api.core.deadline = None
    task = polled.task
    if journal.get(task_id) is None:  # made elsewhere: the journal learns it from the API
        from sora_cli.jobs import record_for
        from sora_cli.journal import JobRecord

        known = JobRecord(
            id=task_id,
            profile=rt.settings.profile.name,
            base_url=rt.settings.base_url,
            prompt=task.prompt,
        )
        journal.record(record_for(task, known))
    journal.update(task_id, **journal_changes(task))
    return polled


def format_time(timestamp: float | None) -> str:
    """Local time, to the second, or `-`."""
    if not timestamp:
        return "-"
    import time

    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(timestamp))


def time_left(expires_at: float | None) -> str:
    """`23h 12m`, `expired`, or `-` when unknown."""
    if not expires_at:
        return "-"
    import time

    left = expires_at - time.time()
    if left <= 0:
        return "expired"
    hours, rest = divmod(int(left), 3600)
    if hours >= 48:  # Muse keeps links 7 days
        return f"{hours // 24}d {hours % 24:02d}h"
    return f"{hours}h {rest // 60:02d}m"


def cost_text(record: JobRecord | None) -> str:
    """`$0.84` charged (from reported usage), `~$0.86` estimated (catalog), or `-`."""
    if record is None:
        return "-"
    if record.charge_usd is not None:
        return f"${record.charge_usd:.2f}"
    if record.estimated_usd is not None:
        return f"~${record.estimated_usd:.2f}"
    return "-"


@contextmanager
def from_config_file(settings: Settings, key: str, *, given: bool) -> Iterator[None]:
    """A default from the config file that the profile refuses: say where it came from."""
    from sora_cli.errors import UsageError

    try:
        yield
    except UsageError as exc:
        if not given:
            exc.message += f" (the `{key}` default in {settings.paths.config_file})"
            exc.hint = (
                f"pass --{key} explicitly, or fix it: sora config set {key} VALUE "
                f"(or sora config unset {key})"
            )
        raise


def check_journal_row(rt: Runtime, record: JobRecord | None) -> None:
    """Refuse what the API cannot answer: a create whose id never came back, or a task of
    another API (the key must not be sent to the wrong provider, nor the id)."""
    from sora_cli.errors import NotFound, UsageError
    from sora_cli.jobs import INTENT_KIND, UNKNOWN_KIND

    if record is None:
        return
    if record.kind in (INTENT_KIND, UNKNOWN_KIND):
        raise NotFound(
            f"{record.id} records a create call whose answer never came back, so its task id "
            "is unknown",
            hint="a task may exist: check your provider's dashboard for the prompt "
            f"{record.prompt!r}",
        )
    if record.kind == "async" and record.base_url and record.base_url != rt.settings.base_url:
        raise UsageError(
            f"task {record.id} belongs to {record.base_url}, but sora is pointed at "
            f"{rt.settings.base_url}",
            hint=f"pass --base-url {record.base_url} (with that API's key)",
            task_id=record.id,
        )


def image_policy_for(settings: Settings, model: str) -> ImagePolicy:
    """What `model` demands of a reference image's size, from the profile's catalog; a
    model no catalog describes is given the benefit of the doubt (its provider decides)."""
    profile = settings.profile
    if any(model == name for _, _, name in profile.sync_models):
        return "ratio"  # the sync API's Sora 2: the async reference's "or similar ratio"
    entry = profile.entry(model)
    return entry.image_policy if entry is not None else "none"


def image_rules(
    rt: Runtime, size: str | None, model: str, fit: FitMode | None
) -> ImageRules:
    """The checks a reference image for `model` at `size` goes through, told on stderr."""
    from sora_cli.inputs import ImageRules

    return ImageRules(
        size=size,
        policy=image_policy_for(rt.settings, model),
        fit=fit,
        warn=rt.console.warn,
        note=rt.console.info,
        offered=rt.settings.profile.sizes,
    )


def read_local_image(spec: str, rules: ImageRules) -> tuple[bytes, ImageInfo]:
    """A local image read (regular files only, capped) and checked against `rules`."""
    from sora_cli.inputs import check_image, read_image_file

    return check_image(read_image_file(Path(spec).expanduser()), spec, rules)


def load_reference_image(
    rt: Runtime, spec: str, size: str | None, model: str, fit: FitMode | None = None
) -> ImageUpload:
    """Read (or fetch, without the key), check and maybe fit the reference image."""
    from sora_cli import constants
    from sora_cli.api import ImageUpload
    from sora_cli.errors import ApiError, UsageError
    from sora_cli.inputs import check_image, check_image_url, is_url, upload_name

    rules = image_rules(rt, size, model, fit)
    if not is_url(spec):
        data, info = read_local_image(spec, rules)
        return ImageUpload(upload_name(spec, info), data, info.mime)
    url = check_image_url(spec)
    rt.console.info(f"fetching image {url}")
    with rt.anonymous_core() as anon:
        try:
            fetched, _ = anon.get_bytes(
                url, max_bytes=constants.IMAGE_MAX_BYTES, what="the image URL"
            )
        except ApiError as exc:
            raise UsageError(f"cannot fetch image {url}: {exc.message}") from exc
    data, info = check_image(fetched, spec, rules)
    # The checked public URL goes too: APIs that take a link in JSON send it (Ark), unless
    # --fit changed the image, which only the bytes now show.
    return ImageUpload(
        upload_name(spec, info), data, info.mime, source_url=url if fit is None else None
    )
