"""Open a saved video in the system's player (`--open`), never failing the command.

The video is already safely on disk when this runs, so no outcome here may change the exit
code: a missing player or a failed start is a warning that says where the file is.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def opener_name() -> str:
    """The platform's "open with the default application" tool."""
    if sys.platform == "darwin":
        return "open"
    if sys.platform == "win32":
        return "os.startfile"
    return "xdg-open"


def player_environment() -> dict[str, str]:
    """Our environment without the API key: the player (and whatever it starts) has no use
    for it, and may log or pass on its environment."""
    from sora_cli.safe_text import scrub_secrets

    return {
        name: value
        for name, value in os.environ.items()
        if name != "SORA_API_KEY" and scrub_secrets(value) == value
    }


def open_in_player(path: Path) -> str | None:
    """Start the default player on `path` without waiting; a warning text if it cannot."""
    if sys.platform == "win32":
        try:
            os.startfile(path)
        except OSError as exc:
            return f"cannot open {path}: {exc.strerror}"
        return None
    tool = opener_name()
    exe = shutil.which(tool)
    if exe is None:
        return f"no video player to open it with ({tool} not found); the video is at {path}"
    try:
        # Detached: the player outlives `sora`, and its chatter never reaches our streams.
        subprocess.Popen(
            [exe, str(path)],
            env=player_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        return f"cannot start {tool}: {exc.strerror}; the video is at {path}"
    return None
