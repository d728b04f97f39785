"""`python -m sora_cli.emulator`: serve both origins until SIGINT/SIGTERM.

stdout gets one line, the async base URL, so a script can do
`url=$(python -m sora_cli.emulator --port 0 &)`-style plumbing; the banner goes to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TypeVar

from .config import PROFILES, EmulatorConfig, parse_models, parse_retired
from .server import Emulator

T = TypeVar("T")


def parser() -> argparse.ArgumentParser:
    """The command line, one flag per EmulatorConfig field."""
    defaults = EmulatorConfig()
    p = argparse.ArgumentParser(
        prog="python -m sora_cli.emulator",
        description="Local emulator of the video APIs sora drives (async /v1/videos with "
        "Sora 2, Muse or any gateway model, and the sync chat-completions stream), for tests "
        "and rehearsals without spending money.",
    )
    p.add_argument("--host", default=defaults.host, help="address to bind (default %(default)s)")
    p.add_argument("--port", type=int, default=defaults.port,
                   help="API port, 0 = any free port (default %(default)s)")
    p.add_argument("--cdn-port", type=int, default=defaults.cdn_port,
                   help="port of the video-link origin, 0 = any free port (default %(default)s)")
    p.add_argument("--profile", choices=sorted(PROFILES), default=defaults.profile,
                   help="API flavour to emulate (default %(default)s)")
    p.add_argument("--queue-seconds", type=float, default=defaults.queue_seconds,
                   help="time a task stays queued (default %(default)s)")
    p.add_argument("--gen-seconds", type=float, default=defaults.gen_seconds,
                   help="time a task stays in progress (default %(default)s)")
    p.add_argument("--poll-after-ms", type=int, default=None,
                   help="send `openai-poll-after-ms` with every status answer")
    p.add_argument("--api-key", default=None,
                   help="accept only this Bearer token (default: any non-empty token)")
    p.add_argument("--video-bytes", type=int, default=None,
                   help="pad every served MP4 to this many bytes (download benchmarks)")
    p.add_argument("--ttl-seconds", type=float, default=None,
                   help="tasks answer 404 this long after creation (default: each model's "
                   "link lifetime, 24 h for Sora, 7 days for Muse)")
    p.add_argument("--retired", type=_parsed(parse_retired), default={},
                   metavar="MODEL[=SUCCESSOR][,...]",
                   help="answer creates for these models at once, unbilled, as retired")
    p.add_argument("--retired-answer", type=int, choices=(404, 503),
                   default=defaults.retired_answer,
                   help="404 'has been retired. Switch to X' or 503 'no available channels' "
                   "(default %(default)s)")
    p.add_argument("--models", type=_parsed(parse_models), default=(), metavar="ID[,ID...]",
                   help="gateway profile: serve only these model ids (default: any)")
    p.add_argument("--verbose", "-v", action="store_true", help="log requests to stderr")
    p.add_argument("--honour-idempotency", action="store_true",
                   help="a create repeating an Idempotency-Key gets the task it already made")
    return p


def _parsed(parse: Callable[[str], T]) -> Callable[[str], T]:
    """An argparse `type` that reports a parser's ValueError as a usage error."""
    def convert(text: str) -> T:
        try:
            return parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from err
    return convert


def main(argv: list[str] | None = None) -> int:
    """Parse flags, start, print the base URL, serve until interrupted."""
    args = parser().parse_args(argv)
    config = EmulatorConfig(
        host=args.host, port=args.port, cdn_port=args.cdn_port, profile=args.profile,
        queue_seconds=args.queue_seconds, gen_seconds=args.gen_seconds,
        poll_after_ms=args.poll_after_ms, api_key=args.api_key, video_bytes=args.video_bytes,
        ttl_seconds=args.ttl_seconds, verbose=args.verbose,
        honour_idempotency=args.honour_idempotency, retired=args.retired,
        retired_answer=args.retired_answer, models=args.models,
    )
    try:
        emulator = Emulator(config).start()
    except ValueError as err:
        print(f"sora-emulator: error: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"sora-emulator: error: cannot listen on {args.host}:{args.port} or "
              f"{args.cdn_port}: {err.strerror or err} — choose another --port/--cdn-port "
              "(0 picks a free one)", file=sys.stderr)
        return 1
    print(emulator.base_url, flush=True)
    print(emulator.banner(), file=sys.stderr, flush=True)
    emulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
