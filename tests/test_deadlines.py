"""`--timeout` bounds the whole wait: every poll, its body included, and the last poll
happens at the deadline, not a poll interval before it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.helpers import TEST_KEY, Cli, requests_for


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


class _Trickler(BaseHTTPRequestHandler):
    """A server that creates tasks at once, then answers each poll a byte at a time."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes, gap: float) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            for i in range(len(body)):
                self.wfile.write(body[i : i + 1])
                self.wfile.flush()
                time.sleep(gap)
        except OSError:
            pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._send(json.dumps({"id": "video_trickle", "status": "queued"}).encode(), 0)

    def do_GET(self) -> None:
        body = json.dumps({"id": "video_trickle", "status": "in_progress", "progress": 5})
        self._send(body.encode(), 0.25)


@pytest.fixture
def trickler(monkeypatch: pytest.MonkeyPatch) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SORA_BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/v1")
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    yield server
    server.shutdown()
    server.server_close()


def test_a_status_body_trickled_byte_by_byte_cannot_hold_the_wait(
    bare_cli: Cli, trickler: ThreadingHTTPServer
) -> None:
    started = time.monotonic()
    result = bare_cli("generate", "a cat", "--timeout", "1", "--poll-interval", "1")
    took = time.monotonic() - started
    assert result.exit_code == 6, result.stderr
    assert took < 1 + 2 + 2
    assert result.stdout.strip() == "video_trickle"


def test_a_json_answer_trickled_past_the_read_timeout_is_cut_off(
    bare_cli: Cli, trickler: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sora_cli import constants

    monkeypatch.setattr(constants, "READ_TIMEOUT", 1.0)  # no --watch: no deadline of its own
    monkeypatch.setattr(constants, "RETRY_ATTEMPTS", 2)
    started = time.monotonic()
    result = bare_cli("status", "video_trickle")
    assert result.exit_code == 8, result.stderr
    assert time.monotonic() - started < 2 * 1.0 + 2


def test_the_first_look_of_a_watch_is_part_of_the_wait(
    bare_cli: Cli, trickler: ThreadingHTTPServer
) -> None:
    for args in (("status", "video_trickle", "--watch"), ("download", "video_trickle", "--wait")):
        started = time.monotonic()
        result = bare_cli(*args, "--timeout", "1", "--poll-interval", "1")
        assert result.exit_code == 6, (args, result.stderr)
        assert time.monotonic() - started < 1 + 2 + 2
        assert "video_trickle" in result.stderr


def test_a_batch_poll_trickled_past_the_read_timeout_is_cut_off(
    bare_cli: Cli, trickler: ThreadingHTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from sora_cli import constants

    monkeypatch.setattr(constants, "READ_TIMEOUT", 0.5)
    monkeypatch.setattr(constants, "RETRY_ATTEMPTS", 2)
    prompts = tmp_path / "p.txt"
    prompts.write_text("a cat\n")
    started = time.monotonic()
    result = bare_cli("batch", str(prompts), "-O", str(tmp_path), "-q", "--timeout", "30")
    assert result.exit_code == 8, result.stderr
    assert time.monotonic() - started < 10  # not 15 s a poll, for 30 s
