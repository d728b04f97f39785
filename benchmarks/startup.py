"""Start-up of every everyday command against `python -c "import typer"`, interleaved.

Bounds (ratio of the medians): `list`, `status --help`, `generate --help`, `download --help`
and `--help` <= 1.6x the bare Typer import, `--version` <= 0.5x (it must not import Typer at
all), a Tab press (`sora <Tab>`) <= 1.3x; `benchmarks/completion.py` times the other kinds
of Tab press. `list` reads a journal of 500 tasks, as a long-used machine has, and shows 50
of them: into /dev/null (a script) and as a table on a pseudo-terminal (a person at a
shell). Both sides run from bytecode, as an installed `sora` does (see `_util.child_env`).
Usage: python benchmarks/startup.py [--repeat N] [--check]
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import Command, against_typer_import, completion_env, parser

BOUNDS = {  # the arguments after `sora`, or a Tab press: bound as a ratio to the baseline
    "list": 1.6,
    "list (on a terminal)": 1.6,
    "status --help": 1.6,
    "generate --help": 1.6,
    "download --help": 1.6,
    "--help": 1.6,
    "--version": 0.5,
    "<Tab>": 1.3,
}


def command(exe: str, words: str, env: dict[str, str]) -> Command:
    """`sora WORDS`, or for `<Tab>` what bash runs when Tab is pressed after `sora `."""
    if words == "<Tab>":
        return Command([exe], completion_env(env, "sora "))
    if words.endswith(" (on a terminal)"):  # its table laid out for a 120-column terminal
        argv = [exe, *words.removesuffix(" (on a terminal)").split()]
        return Command(argv, {**env, "COLUMNS": "120"}, terminal=True)
    return Command([exe, *words.split()], env)


def cases(exe: str, env: dict[str, str]) -> dict[str, tuple[Command, float]]:
    """Every everyday command and its bound."""
    return {f"sora {words}": (command(exe, words, env), b) for words, b in BOUNDS.items()}


if __name__ == "__main__":
    raise SystemExit(against_typer_import(parser(__doc__, repeat=15).parse_args(), cases))
