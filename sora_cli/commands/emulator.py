"""`sora emulator`: serve the bundled emulator of both APIs on loopback."""

from __future__ import annotations

from typing import Annotated

import typer

from sora_cli.completion import complete_profile


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
            help="Emulate laozhang or openai values.",
            autocompletion=complete_profile,
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

    Example: sora emulator --port 8000 --gen-seconds 5
    """
    from sora_cli.config_keys import is_loopback_host
    from sora_cli.emulator import Emulator, EmulatorConfig
    from sora_cli.errors import UsageError

    if profile not in ("laozhang", "openai"):
        raise UsageError(f"unknown profile {profile!r}", hint="use laozhang or openai")
    _check_options(host, port, cdn_port, queue_seconds, gen_seconds, poll_after_ms, video_bytes)
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
