"""`sora emulator`: serve the bundled emulator of both APIs on loopback."""

from __future__ import annotations

from typing import Annotated

import typer

from sora_cli.completion import complete_profile


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
    errors (see README "Emulator").

    Example: sora emulator --port 8000 --gen-seconds 5
    """
    from sora_cli.emulator import Emulator, EmulatorConfig
    from sora_cli.errors import UsageError
    from sora_cli.settings import is_loopback_host

    if profile not in ("laozhang", "openai"):
        raise UsageError(f"unknown profile {profile!r}", hint="use laozhang or openai")
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
        server = Emulator(config).start()
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror}", hint="pick another --port (0: any)"
        ) from exc
    print(server.base_url, flush=True)  # the one result line, for scripts
    import sys

    sys.stderr.write(server.banner() + "\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
