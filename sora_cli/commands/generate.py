"""`sora generate`: create a task, poll it with a progress bar, download the MP4."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sora_cli.commands._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    CommonArgs,
    DebugOpt,
    ForceOpt,
    ImageOpt,
    JsonOpt,
    OpenOpt,
    OutputOpt,
    PollOpt,
    ProfileOpt,
    PromptArg,
    PromptFileOpt,
    QuietOpt,
    Runtime,
    SecondsOpt,
    SizeOpt,
    TimeoutOpt,
    make_runtime,
)
from sora_cli.completion import complete_model


def generate(
    prompt: PromptArg = None,
    prompt_file: PromptFileOpt = None,
    size: SizeOpt = None,
    seconds: SecondsOpt = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Model, e.g. sora-2 | sora-2-pro [default: config `model`, else sora-2].",
            show_default=False,
            autocompletion=complete_model,
        ),
    ] = None,
    image: ImageOpt = None,
    output: OutputOpt = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Create the task, print its id, exit 0.")
    ] = False,
    no_download: Annotated[
        bool,
        typer.Option("--no-download", help="Wait for the video, print the id, don't download."),
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
    """Create a video, wait for it with a progress bar, and download the MP4.

    The task is recorded in the journal as soon as the API accepts it: Ctrl-C, a timeout
    or a crash never loses it (`sora list`, `sora download ID --wait`).

    Example: sora generate "a cat on a skateboard" --size 1280x720 --seconds 15
    """
    rt = make_runtime(
        CommonArgs(json_out, quiet, api_key, base_url, profile, timeout, poll_interval, debug)
    )
    from sora_cli.commands._flow import task_on_stdout_even_on_failure

    try:
        with task_on_stdout_even_on_failure(rt, output):
            run_generate(
                rt,
                prompt_arg=prompt,
                prompt_file=prompt_file,
                size_opt=size,
                seconds_opt=seconds,
                model_opt=model,
                image_opt=image,
                output=output,
                no_wait=no_wait,
                no_download=no_download,
                force=force,
                open_video=open_video,
            )
    finally:
        rt.close()


def run_generate(
    rt: Runtime,
    *,
    prompt_arg: str | None,
    prompt_file: Path | None,
    size_opt: str | None,
    seconds_opt: int | None,
    model_opt: str | None,
    image_opt: str | None,
    output: str | None,
    no_wait: bool,
    no_download: bool,
    force: bool,
    open_video: bool = False,
) -> None:
    import uuid

    from sora_cli.api import CreateRequest
    from sora_cli.commands._flow import (
        deliver,
        from_config_file,
        load_reference_image,
        print_record_or,
        wait_with_display,
    )
    from sora_cli.errors import SoraError, UsageError
    from sora_cli.inputs import read_prompt
    from sora_cli.jobs import (
        CreateIntent,
        explain_lost_create,
        intent_row,
        raise_if_failed,
    )
    from sora_cli.outputs import (
        check_stdout_target,
        check_writable,
        precheck_output,
        resolve_output,
    )

    settings, profile = rt.settings, rt.settings.profile
    if no_wait and (output or open_video):
        rt.console.warn("--no-wait creates the task only: -o/--open apply to `sora download`")
    # Everything is checked before anything is paid for.
    with from_config_file(settings, "size", given=size_opt is not None):
        size = profile.check_size(size_opt or settings.size)
    with from_config_file(settings, "seconds", given=seconds_opt is not None):
        seconds = profile.check_seconds(
            seconds_opt if seconds_opt is not None else settings.seconds
        )
    with from_config_file(settings, "model", given=model_opt is not None):
        model = profile.check_model(model_opt or settings.model)
    if no_wait and no_download:
        raise UsageError("--no-wait already skips the download; give only one of them")
    check_stdout_target(output, json_mode=rt.json)
    prompt = read_prompt(prompt_arg, prompt_file)
    settings.require_api_key()
    upload = load_reference_image(rt, image_opt, size) if image_opt else None
    if not (no_wait or no_download):
        precheck_output(output, settings.output_dir, force)

    api = rt.api()
    key = str(uuid.uuid4())
    with rt.journal() as journal:  # opened before paying: a task must always have a row
        intent = CreateIntent(
            journal,
            intent_row(
                key,
                profile=profile.name,
                base_url=settings.base_url,
                prompt=prompt,
                model=model,
                size=size,
                seconds=seconds,
            ),
        )
        intent.begin()
        try:
            task = intent.recover(
                api, can_list=profile.lists_tasks, notice=rt.console.warn
            ) or api.create(CreateRequest(prompt, model, size, seconds, upload, intent.key))
        except (SoraError, KeyboardInterrupt) as exc:
            intent.failed(exc)
            shown = explain_lost_create(exc, intent.row.id)
            if shown is exc:
                raise
            raise shown from None
        intent.created(task)
        rt.console.info(f"created task {task.id} ({model}, {size}, {seconds}s)")
        if no_wait:
            print_record_or(rt, journal, task.id, task.id)
            return
        done = wait_with_display(rt, api, journal, task.id)
        raise_if_failed(done)
        if no_download:
            print_record_or(rt, journal, task.id, task.id)
            return
        dest = resolve_output(output, settings.output_dir, task.id)
        if dest is not None:
            try:
                check_writable(dest, force)
            except UsageError as exc:  # it appeared while we waited: don't make them pay again
                exc.task_id = task.id
                exc.hint = f"the video is ready; save it with: sora download {task.id} -o PATH"
                raise
        deliver(rt, api, journal, done, dest, open_video=open_video)
