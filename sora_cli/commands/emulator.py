"""`sora emulator`: serve the bundled emulator of both APIs on loopback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

Completion = tuple[str, str]
T = TypeVar("T")


def complete_emulator_profile(incomplete: str) -> list[Completion]:
    """The API flavours the emulator can play (not the client's profiles)."""
    return [
        ("laozhang", "sora-2 and the Muse family, plus the sync chat API"),
        ("openai", "OpenAI's videos API: sora-2/sora-2-pro, list, remix, variants"),
        ("gateway", "any OpenAI-format gateway: JSON only, any model (client: compatible)"),
    ]


def _check_options(
    host: str,
    port: int,
    cdn_port: int,
    queue_seconds: float,
    gen_seconds: float,
    poll_after_ms: int | None,
    video_bytes: int | None,
) -> None:
    """Refuse option values the emulator cannot serve with, naming the option (exit 2)."""
    import math

    from sora_cli.errors import UsageError

    if not host.strip():
        raise UsageError("--host must not be empty (0.0.0.0 listens on every interface)")
    for flag, number in (("--port", port), ("--cdn-port", cdn_port)):
        if not 0 <= number <= 65535:
            raise UsageError(f"{flag} must be 0..65535 (0: any free port), not {number}")
    if port and port == cdn_port:
        raise UsageError(f"--cdn-port must differ from --port (both are {port})")
    for flag, seconds in (("--queue-seconds", queue_seconds), ("--gen-seconds", gen_seconds)):
        if not math.isfinite(seconds) or seconds < 0:
            raise UsageError(f"{flag} must be a number of seconds >= 0, not {seconds:g}")
    for flag, count in (("--poll-after-ms", poll_after_ms), ("--video-bytes", video_bytes)):
        if count is not None and count < 0:
            raise UsageError(f"{flag} must be 0 or more, not {count}")


def _parsed(flag: str, parse: Callable[[str], T], text: str | None) -> T | None:
    """A list option parsed by the emulator's own parser; its complaint becomes exit 2."""
    from sora_cli.errors import UsageError

    if text is None:
        return None
    try:
        return parse(text)
    except ValueError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def emulator(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port of the API (0: any free).")
    ] = 8000,
    cdn_port: Annotated[
        int, typer.Option("--cdn-port", help="Port of the video-link origin (0: any free).")
    ] = 0,
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="Emulate laozhang (sora-2, Muse), openai, or gateway (any model, JSON).",
            autocompletion=complete_emulator_profile,
        ),
    ] = "laozhang",
    queue_seconds: Annotated[
        float, typer.Option("--queue-seconds", help="Seconds a task stays queued.")
    ] = 2.0,
    gen_seconds: Annotated[
        float, typer.Option("--gen-seconds", help="Seconds a task takes to generate.")
    ] = 20.0,
    poll_after_ms: Annotated[
        int | None,
        typer.Option("--poll-after-ms", help="Send `openai-poll-after-ms` on status answers."),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option("--api-key", help="Accept only this key (default: any non-empty key)."),
    ] = None,
    video_bytes: Annotated[
        int | None,
        typer.Option("--video-bytes", help="Pad every video to this many bytes (benchmarks)."),
    ] = None,
    ttl_seconds: Annotated[
        float | None,
        typer.Option(
            "--ttl-seconds",
            help="Tasks expire this long after creation (default: 24 h Sora, 7 days Muse).",
        ),
    ] = None,
    retired: Annotated[
        str | None,
        typer.Option(
            "--retired",
            metavar="<list>",
            help="MODEL[=SUCCESSOR],...: answer their creates at once, unbilled, as retired.",
        ),
    ] = None,
    retired_answer: Annotated[
        int,
        typer.Option(
            "--retired-answer",
            help="404 (has been retired. Switch to X) or 503 (no available channels).",
        ),
    ] = 404,
    models: Annotated[
        str | None,
        typer.Option(
            "--models", metavar="<list>", help="ID,...: with --profile gateway, serve only these."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log requests.")] = False,
    honour_idempotency: Annotated[
        bool,
        typer.Option(
            "--honour-idempotency",
            help="Answer a repeated Idempotency-Key with the task it already made.",
        ),
    ] = False,
) -> None:
    """Run the local emulator of the async and sync APIs: no key, no internet, no cost.

    Prints the API base URL on stdout, then serves until Ctrl-C. Faults on demand: prompts
    containing [emulator:content-violation] fail; POST /__emulator__/faults queues HTTP
    errors (see README "The emulator").

    Example: sora emulator --port 8000 --gen-seconds 5 --retired sora-2=muse-video
    """
    from sora_cli.config_keys import is_loopback_host
    from sora_cli.emulator import Emulator, EmulatorConfig
    from sora_cli.emulator.config import PROFILES, parse_models, parse_retired
    from sora_cli.errors import UsageError

    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}", hint=f"use {', '.join(PROFILES)}")
    _check_options(host, port, cdn_port, queue_seconds, gen_seconds, poll_after_ms, video_bytes)
    if ttl_seconds is not None and not ttl_seconds >= 0:
        raise UsageError(f"--ttl-seconds must be a number of seconds >= 0, not {ttl_seconds:g}")
    retired_models = _parsed("--retired", parse_retired, retired) or {}
    served = _parsed("--models", parse_models, models) or ()
    if retired_answer not in (404, 503):
        raise UsageError(f"--retired-answer must be 404 or 503, not {retired_answer}")
    if served and profile != "gateway":
        raise UsageError("--models applies to --profile gateway only (the others serve their "
                         "own catalog)")
    if api_key is not None and not api_key.strip():
        raise UsageError("--api-key must not be empty (leave it out to accept any key)")
    if not is_loopback_host(host):
        from sora_cli.console import Console

        Console().warn(f"serving on {host}: the emulator is reachable from other machines")
    config = EmulatorConfig(
        host=host,
        port=port,
        cdn_port=cdn_port,
        profile=profile,
        queue_seconds=queue_seconds,
        gen_seconds=gen_seconds,
        poll_after_ms=poll_after_ms,
        api_key=api_key,
        video_bytes=video_bytes,
        ttl_seconds=ttl_seconds,
        retired=retired_models,
        retired_answer=retired_answer,
        models=served,
        verbose=verbose,
        honour_idempotency=honour_idempotency,
    )
    try:
        config.validate()
    except ValueError as exc:  # a check the emulator has and this command lacks
        raise UsageError(f"bad emulator option: {exc}") from None
    try:
        server = Emulator(config).start()
    except OSError as exc:
        import socket

        ports = f"port {port}" if not cdn_port else f"port {port} or {cdn_port}"
        hint = (
            "--host must be a local address, e.g. 127.0.0.1"
            if isinstance(exc, socket.gaierror)
            else "pick another --port or --cdn-port (0: any free port)"
        )
        raise UsageError(f"cannot listen on {host} {ports}: {exc.strerror}", hint=hint) from exc
    print(server.base_url, flush=True)  # the one result line, for scripts
    import sys

    sys.stderr.write(server.banner() + "\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
