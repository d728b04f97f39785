"""Steps shared by the commands that create videos: choose a model from the catalog, check
frames and extensions against it, and say when a model is retired."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sora_cli.commands._common import Runtime

if TYPE_CHECKING:
    from sora_cli.catalog import Choice
    from sora_cli.journal import Journal

# Words the catalog's refusals start with, and the config key each one is about.
_REFUSAL_KEYS = (("size", "size"), ("duration", "seconds"), ("model", "model"))


def choose_model(
    rt: Runtime, model_opt: str | None, seconds_opt: int | None, size_opt: str | None
) -> Choice:
    """Flags over the configured defaults, checked against the profile's catalog. A default
    from the config file that the model refuses says where it came from."""
    from sora_cli.errors import UsageError

    settings = rt.settings
    given = {"model": model_opt, "seconds": seconds_opt, "size": size_opt}
    seconds_default, size_default = settings.seconds, settings.size
    while True:
        try:
            return settings.profile.choose(
                model_opt or settings.model,
                seconds_opt if seconds_opt is not None else seconds_default,
                size_opt or size_default,
                seconds_given=seconds_opt is not None,
            )
        except UsageError as exc:
            key = next((k for word, k in _REFUSAL_KEYS if exc.message.startswith(word)), None)
            if key is None or given[key] is not None or getattr(settings, key) is None:
                raise
            default = {"seconds": seconds_default, "size": size_default}.get(key)
            if model_opt is not None and default is not None:
                # A model chosen on the command line beats a default meant for another one.
                rt.console.info(
                    f"the configured {key} ({default}) is not one {model_opt} makes; "
                    "using the model's default"
                )
                if key == "seconds":
                    seconds_default = None
                else:
                    size_default = None
                continue
            exc.message += f" (the `{key}` default in {settings.paths.config_file})"
            exc.hint = (
                f"pass --{key} explicitly, or fix it: sora config set {key} VALUE "
                f"(or sora config unset {key})"
            )
            raise


def check_frames_and_extend(
    choice: Choice, image: str | None, last_frame: str | None, extend: str | None
) -> None:
    """`--last-frame` needs `--image`, and both it and `--extend` need a model that takes
    them (a model no catalog describes is given the benefit of the doubt)."""
    from sora_cli.errors import UsageError

    entry = choice.entry
    if last_frame is not None:
        if image is None:
            raise UsageError(
                "--last-frame needs --image: the end frame goes with a first frame",
                hint="add --image FIRST.png",
            )
        if entry.checked and not entry.last_frame:
            raise UsageError(
                f"{entry.name} does not take a last frame",
                hint="drop --last-frame, or use a model that takes one (`sora models`)",
            )
    if extend is not None:
        if entry.checked and not entry.extend:
            raise UsageError(
                f"{entry.name} cannot extend a video",
                hint="drop --extend, or use a model that can (`sora models`)",
            )
        if image is not None:
            raise UsageError("--extend continues a video; it takes no --image")


def check_options(choice: Choice, given: dict[str, bool]) -> None:
    """Flags only some models take (`--seed`, `--ratio`...) are refused for the others, before
    paying: a body field the API does not know is at best ignored."""
    from sora_cli.errors import UsageError

    entry = choice.entry
    for flag, used in given.items():
        if used and entry.checked and flag not in entry.options:
            raise UsageError(
                f"{entry.name} does not take --{flag}",
                hint=f"drop --{flag} (Seedance models take it: sora models --profile seedance)",
            )


def extend_source(rt: Runtime, journal: Journal, spec: str, choice: Choice) -> str:
    """The video URL to continue: a URL as given, or a finished task of the journal whose
    link has not expired and whose length leaves room (finished length minus 2 s at most:
    reference/live-video-apis.md section 1.2)."""
    import time

    from sora_cli.errors import NotFound, UsageError
    from sora_cli.inputs import is_url

    if is_url(spec):
        from sora_cli.inputs import check_image_url

        try:
            return check_image_url(spec)
        except UsageError:
            raise UsageError(
                f"--extend {spec!r} is not an http(s) URL or a task id",
                hint="give a task id from `sora list`, or the video's https:// link",
            ) from None
    record = journal.get(spec)
    if record is None or record.kind != "async":
        raise UsageError(
            f"--extend {spec}: no such task in the journal",
            hint="give a task id from `sora list`, or the video's https:// link",
        )
    if record.status != "completed" or not record.url or not is_url(record.url):
        raise UsageError(
            f"--extend {spec}: the task has no finished video link "
            f"(status {record.status or 'unknown'})",
            hint=f"wait for it first: sora status {spec} --watch",
        )
    if record.expires_at and record.expires_at <= time.time():
        raise NotFound(
            f"--extend {spec}: its video link expired",
            hint="extend a newer video, or pass a URL where the video still lives",
        )
    source = _whole_seconds(record.seconds)
    if source is not None and choice.seconds is not None and source > choice.seconds - 2:
        longer = [s for s in choice.entry.seconds if s >= source + 2]
        raise UsageError(
            f"--extend {spec}: the source is {source} s, and a {choice.seconds} s result can "
            f"continue at most {choice.seconds - 2} s",
            hint=f"use --seconds {longer[0]}" if longer else "extend a shorter video",
        )
    rt.console.info(f"extending {spec} ({source if source is not None else '?'} s)")
    return record.url


def source_size(rt: Runtime, spec: str) -> str | None:
    """The size of the journal's task `spec` (None for a URL or an unknown id)."""
    from sora_cli.inputs import is_url

    if is_url(spec) or not rt.settings.paths.journal_file.exists():
        return None
    with rt.journal() as journal:
        record = journal.get(spec)
    return record.size if record is not None else None


def _whole_seconds(value: str | None) -> int | None:
    try:
        return int(float(value)) if value else None
    except ValueError:
        return None


def note_if_retired(rt: Runtime, choice: Choice) -> None:
    """A retired model is still sent (a server may still serve it, and asking costs
    nothing), after a one-line note."""
    entry = choice.entry
    if entry.is_retired:
        successor = f"; its successor is {entry.successor}" if entry.successor else ""
        rt.console.info(
            f"note: {entry.name} was retired upstream on {entry.retired_since}{successor}; "
            "sending it anyway"
        )
