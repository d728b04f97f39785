"""`sora list`: the tasks this machine created, from the local journal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from sora_cli.commands._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    CommonArgs,
    DebugOpt,
    JsonOpt,
    ProfileOpt,
    QuietOpt,
    Runtime,
    make_runtime,
)
from sora_cli.completion import complete_task_id

if TYPE_CHECKING:
    from sora_cli.journal import JobRecord, Journal


def list_jobs(
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Re-query unfinished tasks before listing.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most N tasks.", min=1)] = 50,
    forget: Annotated[
        list[str] | None,
        typer.Option(
            "--forget",
            help="Remove this task's row from the local journal first (repeatable); the "
            "task itself, if any, is untouched. For `unknown` rows you have checked.",
            metavar="ID",
            autocompletion=complete_task_id,
            show_default=False,
        ),
    ] = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List the tasks this machine created, newest first.

    Example: sora list --refresh
    """
    rt = make_runtime(CommonArgs(json_out, quiet, api_key, base_url, profile, None, None, debug))
    try:
        if forget:
            _forget(rt, forget)
        _run(rt, refresh, limit)
    finally:
        rt.close()


def _forget(rt: Runtime, ids: list[str]) -> None:
    """Drop rows from the journal; every id must be there, or nothing is dropped."""
    from sora_cli.errors import UsageError

    with rt.journal() as journal:
        missing = [task_id for task_id in ids if journal.get(task_id) is None]
        if missing:
            raise UsageError(
                f"no task {', '.join(missing)} in the journal; nothing was forgotten",
                hint="see `sora list`",
            )
        for task_id in dict.fromkeys(ids):
            journal.delete(task_id)
            rt.console.info(f"forgot {task_id} (the journal only; nothing was sent)")


def _keeps_a_video(record: JobRecord) -> bool:
    """Expiry matters for a video still to fetch, not for a failed or unknown task."""
    from sora_cli.models import TaskState, normalise_status

    return (
        record.kind in ("async", "stream")
        and normalise_status(record.status)
        in (
            TaskState.RUNNING,
            TaskState.COMPLETED,
        )
        and record.status not in ("unknown", "interrupted", "creating")
    )


def _shorten(text: str | None, width: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _run(rt: Runtime, refresh: bool, limit: int) -> None:
    from sora_cli.commands._flow import cost_text, format_time, time_left
    from sora_cli.models import normalise_status

    with rt.journal() as journal:
        if refresh:
            _refresh(rt, journal)
        records = journal.list(limit)
    if rt.json:
        rt.console.result_json([r.to_json() for r in records])
        return
    if not records:
        rt.console.info("no tasks yet; create one with `sora generate` (or try `sora demo`)")
        return
    rows = []
    for r in records:
        status = r.status or "-"
        if r.progress is not None and not normalise_status(r.status).is_final:
            status += f" {r.progress}%"
        if normalise_status(r.status).value == "completed" and not r.file:
            status += " (sent to stdout)" if r.downloaded_at else " (not downloaded)"
        rows.append(
            [
                r.id,
                format_time(r.created_at),
                status,
                r.size or "-",
                r.seconds or "-",
                cost_text(r),
                time_left(r.expires_at) if _keeps_a_video(r) else "-",
                _shorten(r.prompt, 40),
                r.file or "-",
            ]
        )
    rt.console.table(
        ["ID", "CREATED", "STATUS", "SIZE", "SEC", "COST", "EXPIRES IN", "PROMPT", "FILE"],
        rows,
        keep=("ID",),
        give_way=("PROMPT",),
        drop=("SEC", "SIZE", "COST", "EXPIRES IN", "CREATED"),
    )


def _refresh(rt: Runtime, journal: Journal) -> None:
    from sora_cli.commands._flow import retrieve_explained
    from sora_cli.errors import SoraError
    from sora_cli.models import normalise_status

    pending = [
        r for r in journal.list() if not normalise_status(r.status).is_final and r.kind == "async"
    ]
    skipped = [r for r in pending if r.base_url and r.base_url != rt.settings.base_url]
    if skipped:
        rt.console.info(f"{len(skipped)} unfinished task(s) belong to another base URL; skipped")
    api = rt.api() if len(pending) > len(skipped) else None
    for record in pending:
        if record in skipped or api is None:
            continue
        try:
            retrieve_explained(rt, api, journal, record.id)
        except SoraError as exc:
            rt.console.warn(f"{record.id}: {exc.message}")
