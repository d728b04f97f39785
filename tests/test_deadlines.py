"""`--timeout` bounds the whole wait: every poll, its body included, and the last poll
happens at the deadline, not a poll interval before it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sora_cli.emulator import Emulator, EmulatorConfig
from tests.helpers import TEST_KEY, Cli, requests_for


@pytest.fixture
def slow_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The CLI against an emulator whose tasks take 30 s (a wait always times out)."""
    server = Emulator(EmulatorConfig(port=0, queue_seconds=0.05, gen_seconds=30)).start()
    monkeypatch.setenv("SORA_BASE_URL", server.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    yield Cli(server)
    server.stop()


def test_a_status_body_that_stalls_cannot_hold_the_wait_past_the_timeout(cli: Cli) -> None:
    cli.fault(route="status", action="stall", times=10)  # half a body, then 30 s of silence
    started = time.monotonic()
    result = cli("generate", "a cat", "--timeout", "1", "--poll-interval", "1")
    took = time.monotonic() - started
    assert result.exit_code == 6, result.stderr
    assert took < 1 + 2 + 2  # the deadline, the last request's grace, and slack
    assert "sora download video_" in result.stderr
    assert result.stdout.strip().startswith("video_")


def test_a_timeout_shorter_than_the_poll_interval_polls_at_the_deadline(
    slow_cli: Cli,
) -> None:
    started = time.monotonic()
    result = slow_cli("generate", "a cat", "--timeout", "1.5", "--poll-interval", "5")
    took = time.monotonic() - started
    assert result.exit_code == 6, result.stderr
    assert took >= 1.5
    assert len(requests_for(slow_cli.stats(), "status")) == 2  # the first, and at the deadline
    (said,) = [line for line in result.stderr.splitlines() if "keeps running" in line]
    waited = float(said.split(" after ")[1].split(" s")[0])
    assert 1.5 <= waited <= took  # the real time waited, never more than it was
