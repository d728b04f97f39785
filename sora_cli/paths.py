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


# What sora keeps in its directory; a directory holding anything else is not only sora's.
_OWN_NAMES = ("config.toml", "jobs.sqlite3", "jobs.sqlite3-wal", "jobs.sqlite3-shm")


def ensure_private_dir(path: Path) -> None:
    """Create a directory readable only by the user (it holds keys and the journal), or
    tighten an existing one (see `tighten_private_dir`)."""
    if not path.exists():
        path.mkdir(parents=True, mode=0o700, exist_ok=True)
        return
    tighten_private_dir(path)


def tighten_private_dir(path: Path) -> str | None:
    """Make an existing directory open to others (0755, from a umask or `mkdir`) 0700 when
    it is sora's alone: ours, holding only sora's files. One that holds more (a home
    directory, /tmp) is left as it is, and the warning to show is returned instead."""
    try:
        info = path.stat()
        if not path.is_dir() or not info.st_mode & 0o077:
            return None
        names = {entry.name for entry in path.iterdir()}
        if info.st_uid == os.getuid() and all(
            name in _OWN_NAMES or name.startswith(".config-") for name in names
        ):
            path.chmod(0o700)
            return None
    except (OSError, AttributeError):  # not ours to look at or change; no uids (Windows)
        return None
    return (
        f"{path} holds sora's files but is open to other users (mode "
        f"{info.st_mode & 0o777:o}) and holds other files too, so sora leaves it as it is: "
        f"`chmod 700 {path}`, or give sora a directory of its own (SORA_HOME)"
    )
