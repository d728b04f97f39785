"""The fault matrix of docs/RELIABILITY.md: each row a test against real sockets."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sora_cli import constants
from sora_cli.emulator import Emulator
from tests.helpers import Cli, journal_rows, requests_for


def test_dns_failure_is_exit_8(bare_cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def fake(host: object, *args: object, **kwargs: object) -> object:
        if host == "api.sora-test.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    result = bare_cli(
        "generate",
        "a cat",
        "--base-url",
        "https://api.sora-test.invalid/v1",
        "--api-key",
        "sk-dns-test-0000",
    )
    assert result.exit_code == 8
    assert "cannot resolve the host name" in result.stderr


def test_read_timeout_during_create_is_ambiguous(
    cli: Cli, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(constants, "READ_TIMEOUT", 0.5)
    cli.fault(route="create", action="timeout", status=504, delay=1.5, create_task=True)
    result = cli("generate", "a cat")
    assert result.exit_code == 8
    assert "read timeout" in result.stderr and "may exist" in result.stderr
    import time

    time.sleep(1.3)  # let the emulator finish its slow answer
    assert cli.stats()["creates_by_prompt"] == {"a cat": 1}  # sent once, never retried
    (row,) = journal_rows(sora_home)
    assert row["status"] == "unknown"


def test_429_without_retry_after_backs_off(cli: Cli) -> None:
    cli.fault(route="status", status=429, times=2)
    assert cli("generate", "a cat", "--no-download").exit_code == 0
    statuses = [r["status"] for r in requests_for(cli.stats(), "status")]
    assert statuses[:3] == [429, 429, 200]


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_bursts_on_polls_are_ridden_out(cli: Cli, status: int) -> None:
    cli.fault(route="status", status=status, times=4)
    result = cli("generate", "a cat", "--no-download")
    assert result.exit_code == 0, result.stderr


def test_poll_with_missing_fields_is_tolerated_once(cli: Cli) -> None:
    cli.fault(route="status", status=200, body='{"object": "video", "progress": 5}', times=1)
    result = cli("generate", "a cat", "--no-download", "--poll-interval", "1")
    assert result.exit_code == 0, result.stderr
    assert "without an id" in result.stderr


def test_unexpected_fields_are_ignored(cli: Cli) -> None:
    task_id = cli("generate", "a cat", "--no-wait").stdout.strip()
    body = json.dumps({"id": task_id, "status": "in_progress", "progress": 40, "surprise": [1]})
    cli.fault(route="status", status=200, body=body, times=1)
    assert cli("status", task_id).exit_code == 0


def test_huge_json_answer_is_refused(cli: Cli) -> None:
    cli.fault(route="create", status=200, body="x" * (constants.MAX_JSON_BODY + 10))
    result = cli("generate", "a cat", "--no-wait")
    assert result.exit_code == 8
    assert "larger than" in result.stderr


def test_stuck_task_warns_with_the_id_and_keeps_waiting(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(constants, "STUCK_WARNING_AFTER", 0.3)
    result = cli("generate", "slow [emulator:stuck]", "--timeout", "1.5")
    assert result.exit_code == 6
    assert result.stderr.count("has not moved") == 1
    assert "support" in result.stderr


def test_full_disk_keeps_the_task_and_says_so(
    cli: Cli, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from sora_cli import download

    def full(*args: object, **kwargs: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(download, "_receive", full)
    result = cli("generate", "a cat")
    assert result.exit_code == 2
    assert "No space left" in result.stderr
    (row,) = journal_rows(sora_home)
    assert row["status"] == "completed" and row["file"] is None
    assert f"sora download {row['id']}" in result.stderr
    assert not list(Path.cwd().glob("*.mp4"))


def test_output_under_a_file_is_refused_before_paying(cli: Cli, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = cli("generate", "a cat", "-o", str(blocker / "v.mp4"))
    assert result.exit_code == 2
    assert cli.stats()["creates_by_prompt"] == {}


# ---------------------------------------------------------------- security


class _Recorder(BaseHTTPRequestHandler):
    """Answers every GET with a redirect (`target` set) or a tiny MP4, recording auth."""

    seen: list[tuple[str, str | None]] = []  # noqa: RUF012
    target: str | None = None

    def do_GET(self) -> None:
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        if self.target and self.path.startswith("/v1/"):
            self.send_response(302)
            self.send_header("Location", self.target + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        from sora_cli.emulator.media import clip_bytes

        body = clip_bytes("720x1280-10s.mp4")  # a whole MP4: a broken one is refused
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_redirect_to_another_origin_drops_the_key(tmp_path: Path) -> None:
    seen_api: list[tuple[str, str | None]] = []
    seen_cdn: list[tuple[str, str | None]] = []
    servers = []
    for seen in (seen_api, seen_cdn):
        handler = type("H", (_Recorder,), {"seen": seen, "target": None})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    api = f"http://127.0.0.1:{servers[0].server_address[1]}"
    cdn = f"http://localhost:{servers[1].server_address[1]}"
    servers[0].RequestHandlerClass.target = cdn  # type: ignore[attr-defined]
    try:
        from sora_cli.client import HttpCore
        from sora_cli.download import download_file

        with HttpCore(api + "/v1", "sk-secret-redirect-0000") as core:
            download_file(core, "/v1/videos/x/content", tmp_path / "v.mp4")
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    assert seen_api == [("/v1/videos/x/content", "Bearer sk-secret-redirect-0000")]
    assert seen_cdn == [("/v1/videos/x/content", None)]
    assert (tmp_path / "v.mp4").exists()


def test_key_is_only_sent_to_the_api_origin() -> None:
    import httpx

    from sora_cli.client import HttpCore

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    core = HttpCore(
        "https://api.example.test/v1", "sk-origin-0000", transport=httpx.MockTransport(handler)
    )
    core.request("GET", "videos/x")
    core.request("GET", "https://cdn.example.test/a.mp4")
    core.request("GET", "http://api.example.test/v1/videos/x")  # same host, other scheme
    assert [r.headers.get("Authorization") for r in seen] == ["Bearer sk-origin-0000", None, None]


def test_a_proxy_from_the_environment_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    """Company networks reach the API through HTTP(S)_PROXY: it must keep working."""
    from sora_cli.client import HttpCore

    seen: list[str] = []

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.requestline)
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    proxy = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    try:
        with HttpCore("http://api.example.test/v1", "sk-proxy-0000") as core:
            assert core.request("GET", "videos/x").data == {"ok": True}
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert seen == ["GET http://api.example.test/v1/videos/x HTTP/1.1"]


def test_tls_verification_is_on_and_the_trust_store_loads_only_for_https(
    emulator: Emulator,
) -> None:
    from sora_cli.client import HttpCore
    from sora_cli.errors import SoraError
    from sora_cli.transport import TlsOnDemandTransport

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with HttpCore(emulator.base_url, "sk-tls-0000") as core:
        transport = core._client._transport
        assert isinstance(transport, TlsOnDemandTransport)
        core.request("GET", emulator.base_url.removesuffix("/v1") + "/__emulator__/stats")
        # that request went over plain http: no CA bundle was loaded for it
        assert transport._tls is None
        with pytest.raises(SoraError):
            core.request("GET", f"https://127.0.0.1:{closed_port}/v1/videos")
        assert transport._tls is not None
        context = transport._tls._pool._ssl_context
        assert context is not None and context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True


# ---------------------------------------------------------------- fuzzing


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "status",
                "progress",
                "url",
                "error",
                "created_at",
                "expires_at",
                "seconds",
                "size",
                "model",
                "completed_at",
            ]
        ),
        json_values,
    )
)
def test_status_parser_only_raises_bad_content(data: dict[str, object]) -> None:
    from sora_cli.errors import BadContent
    from sora_cli.models import Task

    try:
        task = Task.from_json(data)
    except BadContent:
        return
    assert task.id and task.status
    assert task.progress is None or 0 <= task.progress <= 100


@settings(max_examples=200)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_config_loader_only_raises_config_errors(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    from sora_cli.config_file import ConfigFile
    from sora_cli.errors import ConfigError

    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_bytes(raw)
    try:
        ConfigFile.load(path)
    except ConfigError as exc:
        assert str(path) in exc.message


def test_sigkill_mid_download_then_download_resumes_from_the_part(
    emulator: object, sora_home: Path, tmp_path: Path
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from sora_cli.emulator import Emulator
    from tests.helpers import TEST_KEY

    assert isinstance(emulator, Emulator)
    env = {
        **os.environ,
        "SORA_HOME": str(sora_home),
        "SORA_BASE_URL": emulator.base_url,
        "SORA_API_KEY": TEST_KEY,
    }
    task_id = subprocess.run(
        [sys.executable, "-m", "sora_cli", "generate", "a cat", "--no-download", "-q"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    emulator.add_fault(route="content", action="stall")  # half the body, then it hangs
    target = tmp_path / "v.mp4"
    part = tmp_path / "v.mp4.part"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sora_cli", "download", task_id, "-o", str(target)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (part.exists() and part.stat().st_size > 0):
        time.sleep(0.02)
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    kept = part.stat().st_size
    assert kept > 0 and not target.exists()
    done = subprocess.run(
        [sys.executable, "-m", "sora_cli", "download", task_id, "-o", str(target)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert not part.exists() and target.read_bytes()[4:8] == b"ftyp"
    ranges = [r["range"] for r in emulator.stats()["requests"] if r["route"] == "content"]
    assert ranges[-1] == f"bytes={kept}-"


def test_journal_knows_the_expiry_and_explains_it(cli: Cli, sora_home: Path) -> None:
    import sqlite3

    task_id = cli("generate", "a cat", "--no-wait").stdout.strip()
    db = sqlite3.connect(sora_home / "jobs.sqlite3")
    with db:
        db.execute("UPDATE jobs SET expires_at = 1000 WHERE id = ?", (task_id,))
    db.close()
    assert cli.emulator is not None
    cli.emulator.force_task(task_id, expire=True)
    result = cli("status", task_id)
    assert result.exit_code == 7
    assert "expired at 1970" in result.stderr and "no longer kept" in result.stderr
    listed = cli("list").stdout
    assert "expired" in listed


def test_sigterm_during_the_create_call_leaves_an_unknown_row(
    emulator: object, sora_home: Path, tmp_path: Path
) -> None:
    import signal

    from sora_cli.emulator import Emulator
    from tests.helpers import TEST_KEY, has_rows, interrupt, start_sora, wait_until

    assert isinstance(emulator, Emulator)
    emulator.add_fault(route="create", delay=3)  # the answer is slow to come
    env = {
        "SORA_HOME": str(sora_home),
        "SORA_BASE_URL": emulator.base_url,
        "SORA_API_KEY": TEST_KEY,
    }
    proc = start_sora("generate", "a cat", env=env, cwd=tmp_path)
    wait_until(has_rows(sora_home))
    code, _, stderr = interrupt(proc, signal.SIGTERM)
    assert code == 130, stderr
    assert "may exist" in stderr and "unknown" in stderr
    (row,) = journal_rows(sora_home)
    assert row["status"] == "unknown" and row["prompt"] == "a cat"


def test_an_unreadable_create_answer_keeps_the_id_it_named(cli: Cli, sora_home: Path) -> None:
    cli.fault(route="create", status=200, body='{"id": "video_abc123"}')
    result = cli("generate", "a cat")
    assert result.exit_code == 8
    assert "may exist" in result.stderr
    (row,) = journal_rows(sora_home)
    assert row["id"] == "video_abc123" and row["status"] == "unknown"


def test_an_unopenable_journal_stops_before_paying(cli: Cli, sora_home: Path) -> None:
    sora_home.mkdir(parents=True, exist_ok=True)
    (sora_home / "jobs.sqlite3").write_bytes(b"this is not a database" * 100)
    result = cli("generate", "a cat")
    assert result.exit_code == 2
    assert "cannot open the job journal" in result.stderr
    assert cli.stats()["creates_by_prompt"] == {}


def test_output_that_appears_during_the_wait_points_at_download(cli: Cli, tmp_path: Path) -> None:
    import threading

    target = tmp_path / "v.mp4"

    def squat() -> None:  # once the task exists (a fixed delay raced a slow start-up)
        import time

        deadline = time.monotonic() + 30
        while not requests_for(cli.stats(), "create") and time.monotonic() < deadline:
            time.sleep(0.01)
        target.write_bytes(b"someone else's file")

    threading.Thread(target=squat).start()
    result = cli("generate", "a cat", "-o", str(target))
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "sora download video_" in result.stderr
    assert target.read_bytes() == b"someone else's file"
