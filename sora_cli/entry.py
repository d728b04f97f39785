"""The `sora` console script: answers `--version` before anything heavy is imported."""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the `sora` script and of `python -m sora_cli`."""
    if sys.argv[1:] in (["--version"], ["-V"]):  # no need to build the command tree
        from sora_cli import __version__

        sys.stdout.write(f"sora-cli {__version__}\n")
        return
    # Typer 0.29 coerces every parameter through pydantic, whose first use scans every
    # installed package's entry points for pydantic plugins: ~50 ms of each run, for
    # plugins sora never uses. The documented switch turns that scan off.
    import os

    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from sora_cli.app import main as run_app

    run_app()
