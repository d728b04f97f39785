"""The `sora` console script: answers `--version` before anything heavy is imported."""

from __future__ import annotations

import sys


def main() -> None:
    """Run the command line in `sys.argv`; ends by raising SystemExit (see `run`)."""
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


def run() -> None:
    """The `sora` script and `python -m sora_cli`: `main`, then a quick exit (`_leave`).

    `main` itself ends by raising SystemExit, like any Typer app, for code that calls it."""
    try:
        main()
    except SystemExit as exc:
        _leave(exc)
    _leave(SystemExit(0))


def _leave(done: SystemExit) -> None:
    """End the process now that the command is over, without the interpreter's teardown.

    Tearing down every module and object the run loaded takes longer than many a command's
    own work (about 15 ms of a 110 ms `sora list`), and nothing in it matters once the
    command is done: the journal commits every write as it happens, and files are closed
    by their `with` blocks. What teardown would still do is done here: the `atexit`
    functions run (temporary directories' clean-up among them) and both text streams are
    flushed. Objects' finalizers (`__del__`) do not run, and with them go the warnings
    Python prints at exit; so a developer's run (`python -X dev`, `-W`, --debug or
    SORA_DEBUG) exits as usual, and so does any run where this is not clearly enough:
    another thread still running, an exit that is not a number, a stream that cannot be
    flushed.
    """
    import os

    code = 0 if done.code is None else done.code
    threading = sys.modules.get("threading")
    if not isinstance(code, int) or (threading is not None and threading.active_count() > 1):
        raise done
    if sys.flags.dev_mode or sys.warnoptions or _debugging():
        raise done
    import atexit

    atexit._run_exitfuncs()
    try:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
    except (OSError, ValueError, AttributeError):
        raise done from None  # let the interpreter report it as it always does
    os._exit(code)


def _debugging() -> bool:
    """--debug or SORA_DEBUG, as the command's settings resolved them (`DEBUG_STATE`):
    tracebacks wanted, so shutdown's warnings too."""
    common = sys.modules.get("sora_cli.commands._common")
    return bool(common is not None and common.DEBUG_STATE.get("debug"))


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
