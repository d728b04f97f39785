"""Helpers for driving the CLI as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from typer.testing import CliRunner, Result

from sora_cli.app import app
from sora_cli.emulator import Emulator

# Obviously fake, but long and distinctive so a leak is easy to spot.
TEST_KEY = "sk-test-DO-NOT-LEAK-4f1c9a7e2b"


@dataclass
class Cli:
    """Runs `sora ...` in-process with Typer's runner; stdout and stderr kept apart."""

    emulator: Emulator | None

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        runner = CliRunner()
        result = runner.invoke(app, list(args), input=input, env=env, catch_exceptions=False)
        for stream in (result.stdout, result.stderr):
            assert TEST_KEY not in stream, "the API key leaked into the output"
            assert (
                "Traceback (most recent" not in stream
                or "--debug" in args
                or (env or {}).get("SORA_DEBUG")
            )
        return result

    def fault(self, **fault: Any) -> None:
        """Queue a fault on the emulator."""
        assert self.emulator is not None
        self.emulator.add_fault(**fault)

    def stats(self) -> dict[str, Any]:
        """The emulator's request log and counters."""
        assert self.emulator is not None
        return self.emulator.stats()


def requests_for(stats: dict[str, Any], route: str) -> list[dict[str, Any]]:
    """Requests the emulator saw on one route."""
    return [r for r in stats["requests"] if r["route"] == route]


def journal_rows(home: Path) -> list[dict[str, Any]]:
    """The journal as plain dicts, read with sqlite3 directly (not through our code)."""
    import sqlite3

    db = sqlite3.connect(home / "jobs.sqlite3", timeout=10)
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("SELECT * FROM jobs ORDER BY created_at, rowid")]
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # another process is creating the journal right now
            return []
        raise
    finally:
        db.close()


def run_sora(
    *args: str, env: dict[str, str], timeout: float = 60, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """`python -m sora_cli ...` in a subprocess (signals, real process exit codes)."""
    full_env = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "sora_cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,
    )


def loads(text: str) -> Any:
    """Parse JSON stdout, with a readable failure."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise AssertionError(f"stdout is not JSON: {text!r}") from exc


def start_sora(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.Popen[str]:
    """`python -m sora_cli ...` started in the background, for tests that send it signals."""
    return subprocess.Popen(
        [sys.executable, "-m", "sora_cli", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
    )


def wait_until(condition: Any, timeout: float = 20, settle: float = 0.3) -> None:
    """Poll `condition()` until it is true (then let the process settle a moment)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.02)
    assert condition(), "the process never got there"
    time.sleep(settle)


def has_rows(home: Path, count: int = 1) -> Any:
    """A condition: the journal holds at least `count` rows."""
    return lambda: (home / "jobs.sqlite3").exists() and len(journal_rows(home)) >= count


def interrupt(proc: subprocess.Popen[str], signum: int) -> tuple[int, str, str]:
    """Send a signal and collect the exit code, stdout and stderr."""
    proc.send_signal(signum)
    stdout, stderr = proc.communicate(timeout=20)
    return proc.returncode, stdout, stderr


def install_fake_player(directory: Path, script: str) -> None:
    """`xdg-open` and `open` in `directory` running the shell `script` (put the directory
    on PATH); `--open` tests see what the player was given without starting one."""
    import pytest

    if sys.platform == "win32":
        pytest.skip("uses os.startfile on Windows")
    directory.mkdir(exist_ok=True)
    for name in ("xdg-open", "open"):
        tool = directory / name
        tool.write_text(f"#!/bin/sh\n{script}\n")
        tool.chmod(0o755)


class CutAt(httpx.SyncByteStream):
    """A body (for `httpx.MockTransport`): the first `at` bytes of `data`, then a broken
    connection."""

    def __init__(self, data: bytes, at: int) -> None:
        self.data, self.at = data, at

    def __iter__(self) -> Iterator[bytes]:
        yield self.data[: self.at]
        raise httpx.RemoteProtocolError("peer closed connection")
