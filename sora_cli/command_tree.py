"""The table of subcommands, and building only the part of the command tree one run needs.

Importing a command's module costs milliseconds (its options, its dataclasses, its helpers),
and Typer then builds every registered command before it runs or completes anything (~2 ms
each: it evaluates every parameter annotation). Yet a run only ever enters the first command
word (`sora download ID`: download). So the root app is built with that one command, imported
on the spot; a run that names none (`sora`, `sora --help`, `sora <Tab>`, `sora nosuch`) gets
every command as a stub that carries only its name and summary: the same listing, the same
"No such command", none of the imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

import typer

# name -> (module:attribute, the one-line summary `sora --help` and a Tab show). The summary
# is the first sentence of the command's own help: tests/test_units.py checks each one
# against the real command, so they cannot drift apart. A `Typer` attribute is a group.
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": (
        "sora_cli.commands.generate:generate",
        "Create a video, wait for it with a progress bar, and download the MP4.",
    ),
    "stream": (
        "sora_cli.commands.stream:stream",
        "Make a video over the sync API, showing live progress, and download it at once.",
    ),
    "status": (
        "sora_cli.commands.status:status",
        "Show a task's status, progress, timestamps, expiry and any error.",
    ),
    "download": (
        "sora_cli.commands.download:download",
        "Download a finished task's MP4 (a partial download is resumed).",
    ),
    "list": (
        "sora_cli.commands.list:list_jobs",
        "List the tasks this machine created, newest first.",
    ),
    "models": (
        "sora_cli.commands.models:models",
        "List the models of the active profile: durations, sizes, price, state.",
    ),
    "batch": (
        "sora_cli.commands.batch:batch",
        "Generate many videos at once, at the API's concurrency limits; never pays twice.",
    ),
    "gallery": (
        "sora_cli.commands.gallery:gallery",
        "Write an index.html to review tasks by watching their videos.",
    ),
    "emulator": (
        "sora_cli.commands.emulator:emulator",
        "Run the local emulator of the async and sync APIs: no key, no internet, no cost.",
    ),
    "demo": (
        "sora_cli.commands.demo:demo",
        "Generate a real, playable MP4 from the bundled emulator: no key, no internet, no cost.",
    ),
    "doctor": (
        "sora_cli.commands.doctor:doctor",
        "Check the config file, the key, the API, the model, the journal and the terminal.",
    ),
    "config": (
        "sora_cli.commands.config:app",
        "Read and write the config file (precedence: flag > environment > file > default).",
    ),
}


def named_command(words: Sequence[str]) -> str | None:
    """The subcommand a command line enters, or None when it enters none that exists.

    The root's own options take no values, so the name is the first word not starting with
    `-`; a help flag before it (`sora -h generate`) asks for the root's help.
    """
    index, name = next(((i, w) for i, w in enumerate(words) if not w.startswith("-")), (0, None))
    if any(w in ("-h", "--help") for w in words[:index]):
        return None
    return name if name in COMMANDS else None


def load_command(name: str) -> Callable[..., Any] | typer.Typer:
    """The command function (or the group's Typer app) behind a name of the table."""
    module_name, _, attribute = COMMANDS[name][0].partition(":")
    found: Callable[..., Any] | typer.Typer = getattr(
        importlib.import_module(module_name), attribute
    )
    return found


def _listed_only() -> None:
    """A stub never runs: a run that names a command gets the real one."""
    raise RuntimeError("a listed-only command stub was invoked")


def add_commands(app: typer.Typer, real: Sequence[str]) -> typer.Typer:
    """Register every command of the table on `app`: those named in `real` as themselves,
    the others as stubs with their name and summary. Table order is `--help`'s order."""
    for name, (_, summary) in COMMANDS.items():
        if name not in real:
            app.command(name, help=summary)(_listed_only)
            continue
        command = load_command(name)
        if isinstance(command, typer.Typer):
            app.add_typer(command, name=name)
        else:
            app.command(name)(command)
    return app


def only_the_named_command(
    app_factory: Callable[[], typer.Typer], words: Sequence[str]
) -> typer.Typer:
    """A new root app (from `app_factory`) with the command `words` enter, the rest stubs."""
    name = named_command(words)
    return add_commands(app_factory(), [name] if name else [])
