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

    run_app()
