"""How `--help` lays out a group's commands: at the terminal's width, summaries in full."""

from __future__ import annotations

from typing import Any

from typer.core import TyperGroup

# Help text follows the terminal's width (click caps it at 80 columns unless told otherwise),
# up to a width where prose still reads comfortably; `terminal_width` fixes it where a fixed
# layout is wanted (the generated reference).
HELP_CONTEXT: dict[str, Any] = {
    "help_option_names": ["-h", "--help"],
    "max_content_width": 160,
}


class FullSummaryGroup(TyperGroup):
    """A group whose command list gives each command's whole first sentence, wrapped onto
    more lines when the terminal is narrow, never cut short with `...`."""

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=10_000)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
