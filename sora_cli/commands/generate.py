"""`sora generate`: create a task, poll it with a progress bar, download the MP4."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer

from sora_cli.commands._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    CommonArgs,
    DebugOpt,
    FitOpt,
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


@dataclass(frozen=True)
class CreateExtras:
    """The create options only some models take (Seedance's), as given on the command line."""

    ref_images: list[str] = field(default_factory=list)
    ratio: str | None = None
    resolution: str | None = None
    audio: bool | None = None
    seed: int | None = None

    def given(self) -> dict[str, bool]:
        """Which of them were given, by flag name."""
        return {
            "ref-image": bool(self.ref_images),
            "ratio": self.ratio is not None,
            "resolution": self.resolution is not None,
            "audio": self.audio is not None,
            "seed": self.seed is not None,
        }


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
            help="Model, e.g. muse-video (or muse-video-30s) | sora-2; `sora models` lists them "
            "[default: config `model`, else the profile's].",
            show_default=False,
            autocompletion=complete_model,
        ),
    ] = None,
    image: ImageOpt = None,
    fit: FitOpt = None,
    last_frame: Annotated[
        str | None,
        typer.Option(
            "--last-frame",
            help="End frame, a local JPG/PNG/WebP or an http(s) URL (needs --image; Muse, "
            "Seedance).",
            show_default=False,
        ),
    ] = None,
    ref_image: Annotated[
        list[str] | None,
        typer.Option(
            "--ref-image",
            help="Reference image (repeatable): a local JPG/PNG/WebP or an http(s) URL (Seedance).",
            show_default=False,
        ),
    ] = None,
    ratio: Annotated[
        str | None,
        typer.Option(
            "--ratio",
            help="Aspect ratio sent as is: 16:9 | 4:3 | 1:1 | 3:4 | 9:16 | 21:9 | adaptive "
            "[default: the size's] (Seedance).",
            show_default=False,
        ),
    ] = None,
    resolution: Annotated[
        str | None,
        typer.Option(
            "--resolution",
            help="480p | 720p | 1080p [default: the size's] (Seedance).",
            show_default=False,
        ),
    ] = None,
    audio: Annotated[
        bool | None,
        typer.Option(
            "--audio/--no-audio",
            help="Generate a soundtrack [default: the API's, on] (Seedance).",
            show_default=False,
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed", help="Random seed, for repeatable results (Seedance).", show_default=False
        ),
    ] = None,
    extend: Annotated[
        str | None,
        typer.Option(
            "--extend",
            help="Continue a finished video: a task id from `sora list`, or its video URL "
            "(Muse; the result has --seconds in all, the source at most 2 s less).",
            show_default=False,
            metavar="ID|URL",
        ),
    ] = None,
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
                last_frame_opt=last_frame,
                extend_opt=extend,
                extras=CreateExtras(ref_image or [], ratio, resolution, audio, seed),
                fit_opt=fit,
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
    last_frame_opt: str | None = None,
    extend_opt: str | None = None,
    extras: CreateExtras | None = None,
    no_download: bool,
    force: bool,
    open_video: bool = False,
    fit_opt: str | None = None,
) -> None:
    import uuid

    from sora_cli.api import CreateRequest
    from sora_cli.catalog import shape_for
    from sora_cli.commands._flow import (
        deliver,
        load_reference_image,
        print_record_or,
        wait_with_display,
    )
    from sora_cli.commands._models import (
        check_frames_and_extend,
        check_options,
        choose_model,
        extend_source,
        note_if_retired,
        source_size,
    )
    from sora_cli.errors import SoraError, UsageError
    from sora_cli.images import check_fit
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

    if no_wait and (output or open_video):
        rt.console.warn("--no-wait creates the task only: -o/--open apply to `sora download`")
    # Everything is checked before anything is paid for.
    extras = extras or CreateExtras()
    if extend_opt and size_opt is None:  # a continuation keeps its source's shape
        size_opt = source_size(rt, extend_opt)
    choice = choose_model(rt, model_opt, seconds_opt, size_opt)
    rt.settings = settings = rt.settings.for_model(choice.entry)
    profile = settings.profile
    check_frames_and_extend(choice, image_opt, last_frame_opt, extend_opt)
    check_options(choice, extras.given())
    shape = shape_for(choice, extras.ratio, extras.resolution, image_opt is not None)
    choice = shape.choice
    if no_wait and no_download:
        raise UsageError("--no-wait already skips the download; give only one of them")
    check_stdout_target(output, json_mode=rt.json)
    fit = check_fit(fit_opt, has_image=image_opt is not None)
    prompt = read_prompt(prompt_arg, prompt_file)
    settings.require_api_key()
    settings.require_base_url()
    frames = [
        load_reference_image(rt, spec, choice.size, choice.model_id, fit) if spec else None
        for spec in (image_opt, last_frame_opt)
    ]
    upload, end_frame = frames
    references = tuple(
        load_reference_image(rt, spec, choice.size, choice.model_id) for spec in extras.ref_images
    )
    extend_url = None
    if extend_opt:
        with rt.journal() as journal:
            extend_url = extend_source(rt, journal, extend_opt, choice)
    if not (no_wait or no_download):
        precheck_output(output, settings.output_dir, force)
    note_if_retired(rt, choice)

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
                model=choice.model_id,
                size=choice.size,
                seconds=choice.seconds,
                estimated_usd=choice.price,
            ),
        )
        intent.begin()
        try:
            request = CreateRequest(
                prompt,
                choice.model_id,
                choice.size,
                choice.seconds,
                upload,
                intent.key,
                last_frame=end_frame,
                extend_url=extend_url,
                body=profile.body,
                reference_images=references,
                ratio=shape.ratio,
                resolution=shape.resolution,
                generate_audio=extras.audio,
                seed=extras.seed,
            )
            task = intent.recover(
                api, can_list=profile.lists_tasks, notice=rt.console.warn
            ) or api.create(request, successor=choice.entry.successor)
        except (SoraError, KeyboardInterrupt) as exc:
            intent.failed(exc)
            shown = explain_lost_create(exc, intent.row.id)
            if shown is exc:
                raise
            raise shown from None
        intent.created(task, link_ttl=choice.entry.link_ttl)
        rt.console.info(f"created task {task.id} ({choice.describe()})")
        if no_wait:
            print_record_or(rt, journal, task.id, task.id)
            return
        done = wait_with_display(
            rt, api, journal, task.id, output=None if no_download else output
        )
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
