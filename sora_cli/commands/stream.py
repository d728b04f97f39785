"""`sora stream`: the sync API over SSE, with live progress and an immediate download."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    OutputOpt,
    ProfileOpt,
    PromptArg,
    PromptFileOpt,
    QuietOpt,
    Runtime,
    SecondsOpt,
    SizeOpt,
    make_runtime,
)
from sora_cli.completion import complete_sync_model

if TYPE_CHECKING:
    from sora_cli.console import TaskDisplay
    from sora_cli.images import FitMode
    from sora_cli.journal import Journal
    from sora_cli.models import Task
    from sora_cli.sync import StreamOutcome


def stream(
    prompt: PromptArg = None,
    prompt_file: PromptFileOpt = None,
    size: SizeOpt = None,
    seconds: SecondsOpt = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="Sync-API model, instead of --size/--seconds (e.g. sora_video2-landscape-15s).",
            show_default=False,
            autocompletion=complete_sync_model,
        ),
    ] = None,
    image: ImageOpt = None,
    fit: FitOpt = None,
    output: OutputOpt = None,
    no_download: Annotated[
        bool,
        typer.Option("--no-download", help="Print the video link (valid 24 h) instead."),
    ] = False,
    raw: Annotated[
        bool,
        typer.Option(
            "--raw", help="Copy the streamed text to stdout as it arrives (no progress bar)."
        ),
    ] = False,
    force: ForceOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            help="Seconds to follow the stream before giving up (exit 6) [default: config "
            "`timeout`, else 600].",
            show_default=False,
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Make a video over the sync API, showing live progress, and download it at once.

    The sync API charges every call, even when generation fails; `sora generate` (the
    async API) does not charge failed videos and can be resumed, which a stream cannot.
    The video link lives 24 h: the run is kept in the journal, so `sora download ID`
    can fetch it again until then.

    Example: sora stream "a cat on a skateboard" --size 1280x720 --seconds 15
    """
    rt = make_runtime(CommonArgs(json_out, quiet, api_key, base_url, profile, timeout, None, debug))
    from sora_cli.commands._flow import task_on_stdout_even_on_failure

    try:
        with task_on_stdout_even_on_failure(rt, output):
            _run(
                rt,
                prompt,
                prompt_file,
                size,
                seconds,
                model,
                image,
                fit,
                output,
                no_download,
                raw,
                force,
            )
    finally:
        rt.close()


def _run(
    rt: Runtime,
    prompt_arg: str | None,
    prompt_file: Path | None,
    size_opt: str | None,
    seconds_opt: int | None,
    model_opt: str | None,
    image_opt: str | None,
    fit_opt: str | None,
    output: str | None,
    no_download: bool,
    raw: bool,
    force: bool,
) -> None:
    from sora_cli.commands._stream_flow import deliver_link
    from sora_cli.errors import UsageError
    from sora_cli.images import check_fit
    from sora_cli.inputs import read_prompt
    from sora_cli.outputs import (
        check_stdout_target,
        check_writable,
        precheck_output,
        resolve_output,
    )
    from sora_cli.sync import StreamCallbacks, StreamRequest, choose_model, run_stream

    settings = rt.settings
    # The sync API charges even a failed call: everything is checked before it is sent.
    model, size, seconds = choose_model(
        settings.profile,
        size_opt,
        seconds_opt,
        model_opt,
        default_size=settings.size or settings.profile.default_size or "720x1280",
        # reference/laozhang-sync-api.txt: a model name without `-15s` makes 10 s
        default_seconds=settings.seconds if settings.seconds is not None else 10,
    )
    if raw and (rt.json or output == "-"):
        raise UsageError("--raw writes the streamed text to stdout; drop --json or -o -")
    check_stdout_target(output, json_mode=rt.json)
    fit = check_fit(fit_opt, has_image=image_opt is not None)
    prompt = read_prompt(prompt_arg, prompt_file)
    settings.require_api_key()
    image_url = _image_url(rt, image_opt, size, model, fit) if image_opt else None
    if not no_download:
        precheck_output(output, settings.output_dir, force)

    request = StreamRequest(prompt, model, size, seconds, image_url)
    rt.console.info(f"streaming {model} ({size}, {seconds}s); the sync API charges every call")
    shown = _Shown(rt, raw)
    with rt.journal() as journal:
        try:
            outcome = run_stream(
                rt.core(),
                journal,
                request,
                profile=settings.profile.name,
                base_url=settings.base_url,
                timeout=settings.timeout,
                callbacks=StreamCallbacks(
                    on_start=shown.start,
                    on_text=shown.text,
                    on_update=shown.update,
                    on_warning=rt.console.warn,
                ),
            )
        finally:
            shown.close()
        if outcome.usage:
            rt.console.debug(f"usage: {outcome.usage}")
        if no_download:
            _print(rt, journal, outcome, outcome.url)
            return
        dest = resolve_output(output, settings.output_dir, outcome.completion_id)
        if dest is not None:
            check_writable(dest, force)
        deliver_link(rt, journal, outcome.completion_id, outcome.url, dest)
        if dest is not None:
            _print(rt, journal, outcome, str(dest))


def _print(rt: Runtime, journal: Journal, outcome: StreamOutcome, text: str) -> None:
    """The result on stdout: `text`, or with --json the journal record and the usage."""
    if not rt.json:
        rt.console.result(text)
        return
    record = journal.get(outcome.completion_id)
    data = record.to_json() if record else {"id": outcome.completion_id, "url": outcome.url}
    rt.console.result_json({**data, "usage": outcome.usage})


def _image_url(rt: Runtime, spec: str, size: str, model: str, fit: FitMode | None) -> str:
    """An http(s) URL is passed on as is (fetched and inlined only to be fitted); a local
    file is checked, then sent inline."""
    from sora_cli.commands._flow import load_reference_image
    from sora_cli.inputs import check_image_url, is_url
    from sora_cli.sync import data_url

    if is_url(spec) and fit is None:
        return check_image_url(spec)
    upload = load_reference_image(rt, spec, size, model, fit)
    return data_url(upload.data, upload.mime)


class _Shown:
    """The progress display, opened once the completion id is known; or the raw text."""

    def __init__(self, rt: Runtime, raw: bool):
        self._rt = rt
        self._raw = raw
        self._display: TaskDisplay | None = None
        self._line_open = False  # --raw: the copied text did not end with a newline

    def start(self, completion_id: str) -> None:
        self._rt.console.info(f"started {completion_id}")
        if not self._raw:
            self._display = self._rt.console.task_display(completion_id)

    def text(self, text: str) -> None:
        if self._raw:
            self._rt.console.result_text(text)
            self._line_open = not text.endswith("\n")

    def update(self, task: Task) -> None:
        if self._display is not None:
            self._display.update(task)

    def close(self) -> None:
        if self._display is not None:
            self._display.close()
            self._display = None
        if self._line_open:
            self._rt.console.result_text("\n")
            self._line_open = False
