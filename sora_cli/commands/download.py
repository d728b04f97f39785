"""`sora download ID`: fetch a finished task's MP4, resuming a partial download."""

from __future__ import annotations

from typing import Annotated

import typer

from sora_cli.commands._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    CommonArgs,
    DebugOpt,
    ForceOpt,
    JsonOpt,
    OpenOpt,
    OutputOpt,
    PollOpt,
    ProfileOpt,
    QuietOpt,
    Runtime,
    TaskIdArg,
    TimeoutOpt,
    make_runtime,
)


def download(
    task_id: TaskIdArg,
    output: OutputOpt = None,
    wait: Annotated[
        bool, typer.Option("--wait", help="Wait for an unfinished task instead of exiting 6.")
    ] = False,
    force: ForceOpt = False,
    open_video: OpenOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    timeout: TimeoutOpt = None,
    poll_interval: PollOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Download a finished task's MP4 (a partial download is resumed).

    Never overwrites a file without --force. A task that has not finished is not
    downloaded: exit 6 with its status, or wait for it with --wait.

    Example: sora download video_68d7512d -o cat.mp4 --wait
    """
    rt = make_runtime(
        CommonArgs(json_out, quiet, api_key, base_url, profile, timeout, poll_interval, debug)
    )
    from sora_cli.commands._flow import task_on_stdout_even_on_failure

    try:
        with task_on_stdout_even_on_failure(rt, output):
            _run(rt, task_id, output, wait, force, open_video)
    finally:
        rt.close()


def _run(
    rt: Runtime, task_id: str, output: str | None, wait: bool, force: bool, open_video: bool
) -> None:
    from sora_cli.commands._flow import (
        check_journal_row,
        deliver,
        print_record_or,
        retrieve_explained,
        wait_with_display,
    )
    from sora_cli.errors import NotFinished
    from sora_cli.jobs import raise_if_failed, resume_command
    from sora_cli.outputs import check_stdout_target, check_writable, resolve_output

    check_stdout_target(output, json_mode=rt.json)
    dest = resolve_output(output, rt.settings.output_dir, task_id)
    with rt.journal() as journal:
        record = journal.get(task_id)
        ours = dest is not None and record is not None and record.file == str(dest.resolve())
        if ours and dest is not None and dest.exists() and not force:
            rt.console.info(f"{task_id} is already downloaded")  # nothing to do or refuse
            print_record_or(rt, journal, task_id, str(dest))
            return
        if dest is not None:
            check_writable(dest, force)
        check_journal_row(rt, record)
        if record is not None and record.kind == "stream":  # a sync-API run: its link, no key
            from sora_cli.commands._stream_flow import download_again

            download_again(rt, journal, record, dest, open_video=open_video)
            return
    api = rt.api()
    with rt.journal() as journal:
        polled = retrieve_explained(rt, api, journal, task_id, waiting=wait)
        task = polled.task
        if not task.state.is_final:
            if not wait:
                progress = f" ({task.progress}%)" if task.progress is not None else ""
                raise NotFinished(
                    f"task {task_id} is {task.status}{progress}, not finished yet",
                    hint=f"wait for it with: {resume_command(task_id, output)}",
                    task_id=task_id,
                )
            task = wait_with_display(rt, api, journal, task_id, first=polled, output=output)
        raise_if_failed(task)
        deliver(rt, api, journal, task, dest, open_video=open_video)
