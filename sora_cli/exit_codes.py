"""The documented exit codes and the one table that maps exceptions onto them.

Commands raise; the app boundary (`sora_cli.app`) calls `exit_code_for` and exits. Nothing
else in the package chooses an exit code.
"""

from __future__ import annotations

from enum import IntEnum

from sora_cli import errors


class ExitCode(IntEnum):
    """Stable contract for scripts: see README "Exit codes"."""

    OK = 0
    BUG = 1
    USAGE = 2
    AUTH = 3
    BALANCE = 4
    GENERATION_FAILED = 5
    NOT_FINISHED = 6
    NOT_FOUND = 7
    NETWORK = 8
    INTERRUPTED = 130
    BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `ls | head` as well


# Most specific classes first: the first match wins.
_TABLE: tuple[tuple[type[BaseException], ExitCode], ...] = (
    (errors.UsageError, ExitCode.USAGE),
    (errors.AuthError, ExitCode.AUTH),
    (errors.BalanceError, ExitCode.BALANCE),
    (errors.GenerationFailed, ExitCode.GENERATION_FAILED),
    (errors.NotFinished, ExitCode.NOT_FINISHED),
    (errors.NotFound, ExitCode.NOT_FOUND),
    (errors.NetworkError, ExitCode.NETWORK),
    (errors.Interrupted, ExitCode.INTERRUPTED),
    (KeyboardInterrupt, ExitCode.INTERRUPTED),
    (BrokenPipeError, ExitCode.BROKEN_PIPE),  # the reader of stdout went away
)


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit code for an exception; anything unexpected is a bug (1)."""
    for cls, code in _TABLE:
        if isinstance(exc, cls):
            return code
    return ExitCode.BUG
