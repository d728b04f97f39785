"""Shared fixtures: a private SORA_HOME per test, the emulator on a loopback socket, the CLI.

No test reaches the internet or the user's real config.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from sora_cli import constants
from sora_cli.commands._common import DEBUG_STATE
from sora_cli.emulator import Emulator, EmulatorConfig
from tests.helpers import TEST_KEY, Cli

# One Hypothesis profile for the suite, loaded before any test module is collected. No check
# here is tied to wall time: on a fresh clone Hypothesis spends seconds on its first draw
# (collecting constants, with no `.hypothesis/` yet), and a busy 2-core CI machine is slower
# still, so `too_slow` and per-example deadlines would fail the first run at random.
# Examples are also derived from the test itself (no random seed per run), so a failure
# reproduces on the next run and CI never draws an input nobody saw locally.
settings.register_profile(
    "sora",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
    database=None,
)
settings.load_profile("sora")


@pytest.fixture(autouse=True)
def sora_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own SORA_HOME and working directory, and a clean environment."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("SORA_HOME", str(home))
    for name in ("SORA_API_KEY", "SORA_BASE_URL", "SORA_PROFILE", "SORA_DEBUG", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):  # the emulator is on loopback
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    monkeypatch.chdir(work)
    DEBUG_STATE.update(root=False, debug=False)
    yield home


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Backoff waits near zero where a test is not about timing (Retry-After still counts)."""
    monkeypatch.setattr(constants, "RETRY_WAIT_INITIAL", 0.01)
    monkeypatch.setattr(constants, "RETRY_WAIT_JITTER", 0.01)


def _start(**overrides: object) -> Emulator:
    settings: dict[str, object] = {
        "port": 0,
        "queue_seconds": 0.1,
        "gen_seconds": 0.5,
        "poll_after_ms": 50,
    }
    settings.update(overrides)
    return Emulator(EmulatorConfig(**settings)).start()  # type: ignore[arg-type]


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The laozhang emulator on a real loopback socket, with test-speed timings."""
    server = _start()
    yield server
    server.stop()


@pytest.fixture
def openai_emulator() -> Iterator[Emulator]:
    """The emulator under the openai profile."""
    server = _start(profile="openai")
    yield server
    server.stop()


@pytest.fixture
def cli(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI pointed at the emulator with a test key."""
    monkeypatch.setenv("SORA_BASE_URL", emulator.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    return Cli(emulator)


@pytest.fixture
def slow_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The CLI against an emulator whose tasks take 30 s: a test's wait always times out."""
    server = _start(gen_seconds=30, poll_after_ms=None)  # polls follow --poll-interval
    monkeypatch.setenv("SORA_BASE_URL", server.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    yield Cli(server)
    server.stop()


@pytest.fixture
def bare_cli() -> Cli:
    """The CLI with no emulator, no key and no base URL."""
    return Cli(None)


def pytest_configure(config: pytest.Config) -> None:
    """Never let a test talk to a real API by accident; let interrupted children see Ctrl-C.

    A shell starts background jobs (`pytest &`) with SIGINT ignored; children inherit
    that, and a Python child then never raises KeyboardInterrupt, so the signal tests
    would hang. A handler, unlike "ignore", is reset to the default on exec.
    """
    os.environ.pop("SORA_API_KEY", None)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
