"""`sora status ID`: one look at a task, or `--watch` until it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sora_cli.commands._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    CommonArgs,
    DebugOpt,
    JsonOpt,
    PollOpt,
    ProfileOpt,
    QuietOpt,
    Runtime,
    TaskIdArg,
    TimeoutOpt,
    make_runtime,
)

if TYPE_CHECKING:
    from sora_cli.journal import JobRecord
    from sora_cli.models import Task


def status(
    task_id: TaskIdArg,
    watch: Annotated[
        bool, typer.Option("--watch", "-w", help="Poll with a progress bar until the task ends.")
    ] = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    timeout: TimeoutOpt = None,
    poll_interval: PollOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Show a task's status, progress, timestamps, expiry and any error.

    With --json, the task object exactly as the API returned it. With --watch, exits like
    `sora generate` would: 0 completed, 5 failed, 6 still running at --timeout.

    Example: sora status video_68d7512d --watch
    """
    rt = make_runtime(
        CommonArgs(json_out, quiet, api_key, base_url, profile, timeout, poll_interval, debug)
    )
    try:
        _run(rt, task_id, watch)
    finally:
        rt.close()


def _run(rt: Runtime, task_id: str, watch: bool) -> None:
    from sora_cli.commands._flow import check_journal_row, retrieve_explained, wait_with_display
    from sora_cli.jobs import raise_if_failed

    with rt.journal() as journal:
        record = journal.get(task_id)
    check_journal_row(rt, record)
    if record is not None and record.kind == "stream":  # a sync-API run: only we know it
        _show_stream_run(rt, record)
        return
    api = rt.api()
    with rt.journal() as journal:
        polled = retrieve_explained(rt, api, journal, task_id, waiting=watch)
        task = polled.task
        if watch and not task.state.is_final:
            task = wait_with_display(rt, api, journal, task_id, first=polled)
        record = journal.get(task_id)
    if rt.json:
        rt.console.result_json(task.raw)
    else:
        rt.console.result(describe(task, record))
    if task.state.value == "completed" and not (record and (record.file or record.downloaded_at)):
        from sora_cli.commands._flow import time_left

        expires = task.expires_at or (record.expires_at if record else None)
        left = f"; it expires in {time_left(expires)}" if expires else ""
        rt.console.info(f"not downloaded yet{left}: sora download {task_id}")
    if watch:
        raise_if_failed(task)


def _show_stream_run(rt: Runtime, record: JobRecord) -> None:
    """`sora stream` runs have no status endpoint: show what the journal recorded."""
    from sora_cli.models import Task

    def whole(value: float | None) -> int | None:
        return int(value) if value else None

    task = Task(
        id=record.id,
        status=record.status or "unknown",
        progress=record.progress,
        model=record.model,
        size=record.size,
        seconds=record.seconds,
        created_at=whole(record.created_at),
        completed_at=whole(record.completed_at),
        expires_at=whole(record.expires_at),
        url=record.url,
        error_message=record.error,
    )
    if rt.json:
        rt.console.result_json(record.to_json())
    else:
        rt.console.result(describe(task, record) + f"\nlink:      {record.url or '-'}")


def describe(task: Task, record: JobRecord | None) -> str:
    """Human summary of a task, one field per line."""
    from sora_cli.commands._flow import format_time, time_left

    progress = f" ({task.progress}%)" if task.progress is not None else ""
    expires = task.expires_at or (record.expires_at if record else None)
    lines = [
        f"id:        {task.id}",
        f"status:    {task.status}{progress}",
        f"model:     {task.model or (record.model if record else None) or '-'}",
        f"size:      {task.size or (record.size if record else None) or '-'}",
        f"seconds:   {task.seconds or (record.seconds if record else None) or '-'}",
        f"created:   {format_time(task.created_at or (record.created_at if record else None))}",
    ]
    if task.completed_at:
        lines.append(f"completed: {format_time(task.completed_at)}")
    if expires:
        lines.append(f"expires:   {format_time(expires)} ({time_left(expires)} left)")
    if record and (record.charge_usd is not None or record.estimated_usd is not None):
        from sora_cli.commands._flow import cost_text

        lines.append(
            f"cost:      {cost_text(record)}"
            + ("" if record.charge_usd is not None else " (estimated)")
        )
    if task.error_code or task.error_message:
        lines.append(f"error:     {task.failure_text()}")
    if record and record.file:
        lines.append(f"file:      {record.file}")
    return "\n".join(lines)
