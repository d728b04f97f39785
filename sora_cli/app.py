"""The root Typer app, and the one place where exceptions become exit codes."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer
from typer._click.exceptions import UsageError as ClickUsageError

from sora_cli import __version__
from sora_cli.commands._common import DEBUG_STATE
from sora_cli.commands._help import HELP_CONTEXT, FullSummaryGroup


class SoraGroup(FullSummaryGroup):
    """Root group whose `invoke` is the error boundary for every subcommand."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except ClickUsageError as exc:  # the root's own options (`sora --bogus`)
            raise typer.Exit(report_usage(exc)) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except ClickUsageError as exc:  # a subcommand's arguments, or no such command
            raise typer.Exit(report_usage(exc)) from None
        except BaseException as exc:
            if type(exc).__module__.startswith(("click", "typer")):
                raise  # usage errors from the parser: typer prints them, exit 2
            if isinstance(exc, SystemExit):
                raise
            raise typer.Exit(report(exc)) from None

    def _main_shell_completion(
        self, ctx_args: Any, prog_name: str, complete_var: str | None = None
    ) -> None:
        """Tab completion (`_SORA_COMPLETE=...`), made fast: see `completion.fast_completion`."""
        import os

        var = complete_var or f"_{prog_name}_COMPLETE".replace("-", "_").upper()
        if not os.environ.get(var):
            return
        from sora_cli.completion import fast_completion

        with fast_completion():
            super()._main_shell_completion(ctx_args, prog_name, complete_var)


def report_usage(exc: ClickUsageError) -> int:
    """A command line that does not parse, in the same one-line form as every other error
    (Click's own is four lines: usage, a "Try" line, a blank line, then the error)."""
    from sora_cli.console import Console

    message = exc.format_message().rstrip(".")
    command = exc.ctx.command_path if exc.ctx is not None else "sora"
    Console().error(message[:1].lower() + message[1:], hint=f"see `{command} --help`")
    return exc.exit_code


def report(exc: BaseException) -> int:
    """Print one clear error (traceback only with --debug) and return the exit code."""
    import contextlib
    import os

    from sora_cli.console import Console, scrub_secrets
    from sora_cli.errors import SoraError
    from sora_cli.exit_codes import exit_code_for

    code = exit_code_for(exc)
    debug = DEBUG_STATE["debug"] or os.environ.get("SORA_DEBUG", "") in ("1", "true", "yes")
    console = Console(debug=debug)
    if debug and not isinstance(exc, KeyboardInterrupt):
        import traceback

        console.stderr.write(scrub_secrets("".join(traceback.format_exception(exc))))
    if isinstance(exc, SoraError):
        console.error(exc.message, exc.hint)
        said = f"{exc.message} {exc.hint or ''}"
        if exc.task_id and exc.task_id not in said:  # the id is never left unsaid
            console.stderr.write(f"  task: {exc.task_id} (kept in the journal: sora list)\n")
    elif isinstance(exc, BrokenPipeError):
        # The reader went away (`sora ... -o - | head`): nothing more can reach it, and
        # Python's exit-time flush must not complain either.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(code)
    elif isinstance(exc, KeyboardInterrupt):
        console.error("interrupted")
    else:
        console.error(
            f"unexpected error: {type(exc).__name__}: {exc}",
            hint="this is a bug in sora; run again with --debug and report the traceback",
        )
    return int(code)


def new_root() -> typer.Typer:
    """The root app with its own options and no subcommands (see `command_tree`)."""
    root_app = typer.Typer(
        name="sora",
        cls=SoraGroup,
        help=(
            "Make Sora 2 videos from a terminal, a shell script or a CI job.\n\n"
            'Try: sora demo  |  sora generate "a cat" --size 1280x720  |  sora list'
        ),
        invoke_without_command=True,  # a bare `sora` prints a short overview (exit 0)
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings=HELP_CONTEXT,
    )
    root_app.callback()(root)
    return root_app


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"sora-cli {__version__}\n")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Tracebacks and a redacted HTTP log [env: SORA_DEBUG].")
    ] = False,
) -> None:
    """Make Sora 2 videos from a terminal, a shell script or a CI job."""
    DEBUG_STATE["root"] = debug
    DEBUG_STATE["debug"] = debug
    if ctx.invoked_subcommand is None:
        from sora_cli.commands.overview import show_overview

        show_overview()


def full_app() -> typer.Typer:
    """The root app with every command built: for the tests and the generated reference."""
    from sora_cli.command_tree import COMMANDS, add_commands

    return add_commands(new_root(), list(COMMANDS))


def __getattr__(name: str) -> Any:
    """`sora_cli.app.app`, the whole tree, is built only for whoever asks for it."""
    if name == "app":
        globals()["app"] = built = full_app()
        return built
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM (a CI job cancelled, `kill`) is handled like Ctrl-C: the task id is printed."""
    raise KeyboardInterrupt


def main() -> None:
    """Run the app as the `sora` command (see `sora_cli.entry` for the fast path)."""
    import os
    import signal

    signal.signal(signal.SIGTERM, _terminate)
    instruction = os.environ.get("_SORA_COMPLETE")
    if instruction:  # a Tab press: build only what it needs (see completion.py)
        from sora_cli.completion import app_for_completion

        app_for_completion(new_root, instruction)(prog_name="sora")
        return
    from sora_cli.command_tree import only_the_named_command

    only_the_named_command(new_root, sys.argv[1:])(prog_name="sora")
