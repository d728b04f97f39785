"""A Tab press (`_SORA_COMPLETE=complete_bash ... sora`) against `python -c "import typer"`.

Bound: every completion <= 1.3x the bare Typer import, whole process included, as a shell
runs it, in interleaved rounds. The cases cover the three kinds of callback: subcommand names
(Typer alone), the active profile's values (reads the config file) and task ids (reads a
journal of 500 tasks with sqlite3).
Usage: python benchmarks/completion.py [--repeat N] [--check]
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _util import Command, against_typer_import, completion_env, parser

BOUND = 1.3
CASES = {
    "subcommands": "sora ",
    "generate --size": "sora generate --size ",
    "generate --seconds (openai)": "sora generate --profile openai --seconds ",
    "status ID": "sora status ",
    "download ID prefix": "sora download video_00",
}


def cases(exe: str, env: dict[str, str]) -> dict[str, tuple[Command, float]]:
    """Each Tab press, as bash's completion function runs `sora`, and the bound."""
    return {
        f"Tab: {name}": (Command([exe], completion_env(env, line)), BOUND)
        for name, line in CASES.items()
    }


if __name__ == "__main__":
    raise SystemExit(against_typer_import(parser(__doc__, repeat=15).parse_args(), cases))
