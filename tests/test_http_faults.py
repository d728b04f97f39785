"""The HTTP core's retry policy and error mapping, against real sockets."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.helpers import Cli, journal_rows, requests_for


def _statuses(cli: Cli, route: str) -> list[int]:
    return [r["status"] for r in requests_for(cli.stats(), route)]


def test_status_poll_retries_503_burst(cli: Cli) -> None:
    cli.fault(route="status", status=503, times=3)
    result = cli("generate", "a cat", "--no-download")
    assert result.exit_code == 0, result.stderr
    assert _statuses(cli, "status")[:4] == [503, 503, 503, 200]
    assert "retrying" in result.stderr and "(retry 3 of 5)" in result.stderr
    assert "stamina" not in result.stderr  # no library log lines, only our notices


def test_429_retry_after_is_honoured(cli: Cli) -> None:
    cli.fault(route="status", status=429, times=1, retry_after="1")
    start = time.monotonic()
    result = cli("generate", "a cat", "--no-download")
    assert result.exit_code == 0, result.stderr
    statuses = _statuses(cli, "status")
    assert statuses[0] == 429 and statuses[1] == 200
    assert time.monotonic() - start >= 1.0
    assert "Retry-After" in result.stderr


def test_retry_after_over_the_cap_is_clipped(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_cli import constants

    monkeypatch.setattr(constants, "RETRY_AFTER_CAP", 0.2)
    cli.fault(route="status", status=503, times=1, retry_after="3600")
    start = time.monotonic()
    assert cli("generate", "a cat", "--no-download").exit_code == 0
    assert time.monotonic() - start < 5


def test_persistent_503_ends_with_exit_8(cli: Cli, sora_home: Path) -> None:
    cli.fault(route="status", status=503, times=100)
    result = cli("generate", "a cat")
    assert result.exit_code == 8
    assert "503" in result.stderr
    assert len(journal_rows(sora_home)) == 1  # the task is kept


def test_create_not_retried_on_500_and_says_a_task_may_exist(cli: Cli, sora_home: Path) -> None:
    cli.fault(route="create", status=500, times=1, create_task=True)
    result = cli("generate", "a cat")
    assert result.exit_code == 8
    assert "may exist" in result.stderr and "unknown" in result.stderr
    assert cli.stats()["creates_by_prompt"] == {"a cat": 1}
    (row,) = journal_rows(sora_home)
    assert row["status"] == "unknown" and row["prompt"] == "a cat"
    listed = cli("list").stdout
    assert "unknown" in listed


def test_create_retried_on_503_with_the_same_idempotency_key(cli: Cli, sora_home: Path) -> None:
    cli.fault(route="create", status=503, times=2)
    result = cli("generate", "a cat", "--no-wait")
    assert result.exit_code == 0, result.stderr
    creates = requests_for(cli.stats(), "create")
    assert [c["status"] for c in creates] == [503, 503, 200]
    assert len({c["idempotency_key"] for c in creates}) == 1
    assert len(journal_rows(sora_home)) == 1


def test_create_retried_on_429(cli: Cli) -> None:
    cli.fault(route="create", status=429, times=1, retry_after="0")
    assert cli("generate", "a cat", "--no-wait").exit_code == 0
    assert _statuses(cli, "create") == [429, 200]


def test_create_not_retried_after_a_dropped_connection(cli: Cli) -> None:
    cli.fault(route="create", action="close", times=1)
    result = cli("generate", "a cat", "--no-wait")
    assert result.exit_code == 8
    assert "may exist" in result.stderr
    assert len(requests_for(cli.stats(), "create")) == 1


@pytest.mark.parametrize(
    ("status", "code"), [(400, 2), (401, 3), (403, 3), (402, 4), (404, 7), (500, 8)]
)
def test_api_errors_map_to_exit_codes(cli: Cli, status: int, code: int) -> None:
    cli.fault(route="create", status=status, times=1)
    result = cli("generate", "a cat")
    assert result.exit_code == code
    assert f"answered {status}" in result.stderr
    # Only a 500 may have created the task: stdout names its `unknown-…` row, for scripts.
    assert result.stdout.startswith("unknown-") if status == 500 else result.stdout == ""
    assert "Traceback" not in result.stderr


def test_connection_refused_is_exit_8(bare_cli: Cli) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = bare_cli(
        "generate", "a cat", "--base-url", f"http://127.0.0.1:{port}/v1", "--api-key", "sk-x-123456"
    )
    assert result.exit_code == 8
    assert "cannot connect" in result.stderr
    assert "cannot connect; retrying in" in result.stderr  # words, not a class name
    assert "ConnectError" not in result.stderr


def test_plain_http_to_a_remote_host_is_refused(bare_cli: Cli) -> None:
    result = bare_cli(
        "generate", "a cat", "--base-url", "http://api.example.com/v1", "--api-key", "sk-x-123456"
    )
    assert result.exit_code == 2
    assert "plain http" in result.stderr


def test_one_poll_answering_not_json_is_tolerated(cli: Cli) -> None:
    cli.fault(route="status", action="invalid_json", times=1)
    result = cli("generate", "a cat", "--poll-interval", "1")
    assert result.exit_code == 0, result.stderr
    assert "not JSON" in result.stderr and "polling again" in result.stderr


def test_polls_answering_not_json_repeatedly_are_exit_8(cli: Cli, sora_home: Path) -> None:
    cli.fault(route="status", action="invalid_json", times=3)
    result = cli("generate", "a cat", "--poll-interval", "1")
    assert result.exit_code == 8
    assert "not JSON" in result.stderr
    (row,) = journal_rows(sora_home)
    assert f"sora download {row['id']} --wait" in result.stderr


def test_unexpected_bug_is_exit_1_without_traceback(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sora_cli.dialects.openai import VideosApi

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(VideosApi, "create", boom)
    result = cli("generate", "a cat")
    assert result.exit_code == 1
    assert "unexpected error" in result.stderr and "simulated bug" in result.stderr
    assert "Traceback" not in result.stderr
    debug = cli("--debug", "generate", "a cat")
    assert debug.exit_code == 1 and "Traceback" in debug.stderr


def test_debug_log_is_redacted(cli: Cli) -> None:
    result = cli("generate", "a cat", "--no-wait", "--debug")
    assert result.exit_code == 0
    assert "> POST" in result.stderr and "[redacted]" in result.stderr
