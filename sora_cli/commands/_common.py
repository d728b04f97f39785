"""Options shared by several commands, and the `Runtime` each command run builds once.

Only typer and the standard library are imported here at module level: `sora --help` must
not pay for httpx, rich or sqlite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sora_cli.completion import (
    complete_fit,
    complete_profile,
    complete_seconds,
    complete_size,
    complete_task_id,
)

if TYPE_CHECKING:
    from sora_cli.client import HttpCore, RetryNotice
    from sora_cli.console import Console
    from sora_cli.dialects import VideoApi
    from sora_cli.journal import Journal
    from sora_cli.settings import Settings

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout instead of text.")
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress and no chatter on stderr.")
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        help="API key (prefer SORA_API_KEY or `sora config set api-key`: flags show in `ps`).",
        show_default=False,
    ),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="API base URL [env: SORA_BASE_URL].", show_default=False),
]
ProfileOpt = Annotated[
    str | None,
    typer.Option(
        "--profile",
        help="API profile: laozhang, seedance, openai, compatible, or a [profiles.NAME] of "
        "the config file [env: SORA_PROFILE].",
        show_default=False,
        autocompletion=complete_profile,
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout",
        help="Seconds to wait for the task before giving up (exit 6) [default: config `timeout`, "
        "else 600].",
        show_default=False,
    ),
]
PollOpt = Annotated[
    float | None,
    typer.Option(
        "--poll-interval",
        help="Seconds between status polls, at least 1 [default: config `poll_interval`, else 5].",
        show_default=False,
    ),
]
DebugOpt = Annotated[
    bool,
    typer.Option("--debug", help="Tracebacks and a redacted HTTP log on stderr [env: SORA_DEBUG]."),
]
OutputOpt = Annotated[
    str | None,
    typer.Option(
        "--output",
        "-o",
        help="File or existing directory; - writes the MP4 to stdout [default: sora-<id>.mp4 in "
        "config `output_dir`, else here].",
        show_default=False,
    ),
]

TaskIdArg = Annotated[
    str,
    typer.Argument(
        help="The task id (see `sora list`).", autocompletion=complete_task_id, metavar="ID"
    ),
]
PromptArg = Annotated[
    str | None,
    typer.Argument(
        help="What the video shows; - reads it from stdin.", show_default=False, metavar="PROMPT"
    ),
]
PromptFileOpt = Annotated[
    Path | None,
    typer.Option("--prompt-file", "-f", help="Read the prompt from this file.", show_default=False),
]
SizeOpt = Annotated[
    str | None,
    typer.Option(
        "--size",
        "-s",
        help="WIDTHxHEIGHT the model makes (`sora models`; seedance 480p to 1080p sizes), or "
        "landscape/portrait [default: config `size`, else 720x1280 or the model's first "
        "(seedance: 1280x720)].",
        show_default=False,
        autocompletion=complete_size,
    ),
]
SecondsOpt = Annotated[
    int | None,
    typer.Option(
        "--seconds",
        "-d",
        help="Duration in seconds, one the model makes (`sora models`: sora-2 10 | 15, "
        "muse-video 5-60, seedance 4-15, 2.5 up to 30) [default: config `seconds`, else the "
        "model's (seedance: 5)].",
        show_default=False,
        autocompletion=complete_seconds,
    ),
]
ImageOpt = Annotated[
    str | None,
    typer.Option(
        "--image",
        "-i",
        help="Reference image: a local JPG/PNG/WebP or an http(s) URL.",
        show_default=False,
    ),
]
FitOpt = Annotated[
    str | None,
    typer.Option(
        "--fit",
        help="Make the image exactly the video's size first: crop (scale to cover, cut the "
        "centre) or pad (scale to fit, black bars).",
        show_default=False,
        autocompletion=complete_fit,
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Overwrite an existing output file.")]
OpenOpt = Annotated[
    bool,
    typer.Option("--open", help="Open the video in the system's player once it is saved."),
]


@dataclass(frozen=True)
class CommonArgs:
    """The shared options as one value, so commands pass them on in one go."""

    json: bool = False
    quiet: bool = False
    api_key: str | None = None
    base_url: str | None = None
    profile: str | None = None
    timeout: float | None = None
    poll_interval: float | None = None
    debug: bool = False


# The error boundary in app.py reads this to decide on tracebacks.
# "root" is `sora --debug CMD`; "debug" is the effective value once settings are read.
DEBUG_STATE = {"root": False, "debug": False}


@dataclass
class Runtime:
    """Settings + console for one command run; builds the core objects on demand."""

    settings: Settings
    console: Console
    json: bool
    _core: HttpCore | None = field(default=None, repr=False)
    # When a wait (`--watch`, `--wait`) must be over: set by its first look at the task, so
    # --timeout bounds that look as well as the polls after it.
    wait_deadline: float | None = None

    def start_wait_clock(self) -> float:
        """The wait's deadline, started now if it has not been."""
        if self.wait_deadline is None:
            import time

            self.wait_deadline = time.monotonic() + self.settings.timeout
        return self.wait_deadline

    def core(self) -> HttpCore:
        """The API's HTTP core (with the key, which is required from here on)."""
        if self._core is None:
            from sora_cli.client import HttpCore

            self._core = HttpCore(
                self.settings.base_url,
                self.settings.require_api_key(),
                on_retry=self.report_retry,
                debug_log=self.console.debug if self.settings.debug else None,
            )
        return self._core

    def anonymous_core(self) -> HttpCore:
        """An HTTP core that never carries the key (image URLs, CDN links)."""
        from sora_cli.client import HttpCore

        return HttpCore(
            self.settings.base_url,
            None,
            on_retry=self.report_retry,
            debug_log=self.console.debug if self.settings.debug else None,
        )

    def api(self) -> VideoApi:
        """The video API over the core, in the dialect of the profile."""
        from sora_cli.dialects import api_for

        return api_for(self.settings.profile, self.core())

    def journal(self) -> Journal:
        """The job journal (opened per call; cheap)."""
        from sora_cli.journal import Journal

        return Journal(self.settings.paths.journal_file, warn=self.console.warn)

    def report_retry(self, notice: RetryNotice) -> None:
        from sora_cli import constants

        self.console.info(
            f"{notice.reason}; retrying in {notice.wait:.1f}s "
            f"(retry {notice.attempt} of {notice.of or constants.RETRY_ATTEMPTS - 1})"
        )

    def close(self) -> None:
        """Release the connection pool."""
        if self._core is not None:
            self._core.close()


def make_runtime(args: CommonArgs) -> Runtime:
    """Resolve settings (flag > env > file > default) and the console for this run."""
    from sora_cli.console import Console, register_secret
    from sora_cli.settings import Overrides, load_settings

    debug = args.debug or DEBUG_STATE["root"]
    DEBUG_STATE["debug"] = debug
    register_secret(args.api_key)
    settings = load_settings(
        Overrides(
            api_key=args.api_key,
            base_url=args.base_url,
            profile=args.profile,
            timeout=args.timeout,
            poll_interval=args.poll_interval,
            debug=debug,
        )
    )
    DEBUG_STATE["debug"] = settings.debug
    register_secret(settings.api_key)
    console = Console(quiet=args.quiet, debug=settings.debug)
    for warning in settings.warnings:
        console.warn(warning)
    return Runtime(settings=settings, console=console, json=args.json)


def path_or_none(value: str | None) -> Path | None:
    """A Path from an optional string option."""
    return Path(value).expanduser() if value else None
