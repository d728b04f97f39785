"""Where sora keeps its files: the config file and the job journal.

Its own small module (standard library only) because shell completion needs these paths
on every Tab press, and must not pay for `settings` and what it imports (issue 6).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "sora-cli"
ENV_HOME = "SORA_HOME"


@dataclass(frozen=True)
class Paths:
    """Where the config file and the journal live."""

    config_file: Path
    journal_file: Path


def resolve_paths(env: Mapping[str, str] | None = None) -> Paths:
    """`$SORA_HOME` holds both files when set, else the platform's config and state dirs."""
    env = os.environ if env is None else env
    home = env.get(ENV_HOME)
    if home:
        base = Path(home).expanduser()
        return Paths(base / "config.toml", base / "jobs.sqlite3")
    import platformdirs

    return Paths(
        Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml",
        Path(platformdirs.user_state_dir(APP_NAME)) / "jobs.sqlite3",
    )


def ensure_private_dir(path: Path) -> None:
    """Create a directory readable only by the user (it holds keys and the journal); one
    that exists, is ours and is open to others (0755, from a umask or `mkdir`) is
    tightened to 0700 as well, since the 0600 files in it say nothing of new files."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
        return
    try:
        info = path.stat()
        if path.is_dir() and info.st_uid == os.getuid() and info.st_mode & 0o077:
            path.chmod(0o700)
    except (OSError, AttributeError):  # not ours to change, or no uids (Windows): leave it
        pass
