"""The suite itself: what keeps it green on a fresh clone and keeps start-up lean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings


def test_hypothesis_profile_has_no_wall_clock_checks_and_no_carried_state() -> None:
    """A fresh clone has no `.hypothesis/` folder and its first draw is slow: nothing may
    fail on time, and no run may depend on what an earlier run saved."""
    active = settings()
    assert active.deadline is None
    assert HealthCheck.too_slow in active.suppress_health_check
    assert active.database is None
    assert active.derandomize


# Each command as a user runs it; none of them may import pydantic (typer 0.29 coerces every
# parameter through it, doubling each command's latency: DESIGN "Packages").
COMMANDS = [
    ["--version"],
    ["--help"],
    ["list"],
    ["status", "--help"],
    ["generate", "--help"],
    ["download", "--help"],
    ["config", "list"],
    ["gallery", "--help"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_no_command_imports_pydantic(argv: list[str], sora_home: Path) -> None:
    probe = (
        "import sys\n"
        f"sys.argv = ['sora', *{argv!r}]\n"
        "from sora_cli.entry import main  # `run` would end the process before the check\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('PYDANTIC=%s' % ('pydantic' in sys.modules))\n"
    )
    env = {**os.environ, "SORA_HOME": str(sora_home)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=60
    )
    assert "PYDANTIC=False" in done.stderr, done.stderr[-2000:]
