"""Helpers shared by the benchmark scripts: timing child processes and their peak memory,
and an emulator in its own process."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds and peak RSS in MiB."""

    wall: float
    rss_mib: float


_PYCACHE = tempfile.mkdtemp(prefix="sora-bench-pycache-")


def with_bytecode_cache(env: dict[str, str] | None) -> dict[str, str]:
    """The child environment, with a private bytecode cache.

    Some machines set PYTHONDONTWRITEBYTECODE, so an editable install would recompile sora
    on every run while the baseline loads pip's bytecode: not what an installed `sora`
    does. Every measurement starts with a warm-up run that fills this cache.
    """
    base = dict(os.environ if env is None else env)
    base.pop("PYTHONDONTWRITEBYTECODE", None)
    base["PYTHONPYCACHEPREFIX"] = _PYCACHE
    return base


def run(argv: Sequence[str], env: dict[str, str] | None = None) -> Run:
    """Run a command to completion, measuring wall time and its own peak RSS (wait4)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(argv),
        env=with_bytecode_cache(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"benchmark command failed ({proc.returncode}): {' '.join(argv)}")
    return Run(wall, usage.ru_maxrss / 1024)


def median_run(argv: Sequence[str], repeat: int, env: dict[str, str] | None = None) -> Run:
    """Median wall time and max peak RSS over `repeat` runs (after one warm-up run)."""
    run(argv, env)
    runs = [run(argv, env) for _ in range(repeat)]
    return Run(statistics.median(r.wall for r in runs), max(r.rss_mib for r in runs))


def verdict(ratio: float, target: float) -> str:
    """`ok` or `OVER` against a target."""
    return "ok" if ratio <= target else "OVER"


@contextmanager
def emulator(*flags: str) -> Iterator[str]:
    """An emulator in its own process (no GIL shared with sora or curl); yields its base URL."""
    argv = [sys.executable, "-m", "sora_cli.emulator", "--port", "0", *flags]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
