"""Build only the part of the command tree that one run needs."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import typer


def only_the_named_command(app: typer.Typer, words: Sequence[str]) -> typer.Typer:
    """`app` with only the subcommand named in `words` registered, when one is named.

    Typer builds every command of the tree before it runs or completes anything (~2 ms
    each: it evaluates every parameter annotation), yet a run only ever enters the first
    command word (`sora download ID`: download). The root's own options take no values, so
    that is the first word not starting with `-`. An unknown or missing name, or a help flag
    before it (`sora -h generate` shows the root's help), gives back the whole app, so help
    and "No such command" are exactly as before.
    """
    index, name = next(((i, w) for i, w in enumerate(words) if not w.startswith("-")), (0, None))
    if any(w in ("-h", "--help") for w in words[:index]):  # `sora -h generate`: the root's help
        return app
    commands = [c for c in app.registered_commands if name and c.name == name]
    groups = [g for g in app.registered_groups if name and g.name == name]
    if not commands and not groups:
        return app
    trimmed = copy.copy(app)
    trimmed.registered_commands = commands
    trimmed.registered_groups = groups
    return trimmed
