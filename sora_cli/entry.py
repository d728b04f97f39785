"""The `sora` console script: answers `--version` before anything heavy is imported."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the `sora` script and of `python -m sora_cli`."""
    if sys.argv[1:] in (["--version"], ["-V"]):  # no need to build the command tree
        from sora_cli import __version__

        sys.stdout.write(f"sora-cli {__version__}\n")
        return
    from sora_cli.app import main as run_app

    try:
        run_app()
    except SystemExit as exc:
        from sora_cli.exit_codes import ExitCode  # already imported by the app: free

        if exc.code == ExitCode.INTERRUPTED:
            _exit_interrupted(int(ExitCode.INTERRUPTED))
        raise


def _exit_interrupted(code: int) -> None:
    """Leave with exit code 130 even when CPython would rather die by SIGINT.

    CPython 3.11 marks a Ctrl-C as "unhandled" whenever it lands inside code run by
    `exec()` (dataclasses build their methods that way while a module is imported lazily),
    even after sora has caught it, reported it and chosen 130; at exit it then kills itself
    with SIGINT, and a parent process sees -2 instead of the documented 130. Skipping the
    interpreter's teardown avoids that check. Nothing is lost: every journal write is
    already committed, and the two text streams are flushed here.
    """
    import contextlib
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
