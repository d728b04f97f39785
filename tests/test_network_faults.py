"""Proxies, name resolution and TLS certificates, on real loopback sockets."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import TEST_KEY, Cli, journal_rows


class RecordingProxy(socketserver.ThreadingTCPServer):
    """A proxy that records every byte sent to it and answers each request with
    `answer` (a refused CONNECT, by default), never forwarding anything."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, answer: bytes) -> None:
        self.seen: list[bytes] = []
        self.answer = answer
        super().__init__(("127.0.0.1", 0), _ProxyHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ProxyHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server: RecordingProxy = self.server  # type: ignore[assignment]
        self.request.settimeout(2)
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                chunk = self.request.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        server.seen.append(data)
        self.request.sendall(server.answer)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    server = RecordingProxy(
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(name, server.url)
    yield server
    server.shutdown()
    server.server_close()


def test_loopback_never_goes_through_a_proxy_so_the_key_stays_off_it(
    cli: Cli, proxy: RecordingProxy
) -> None:
    result = cli("generate", "a cat")
    assert result.exit_code == 0, result.stderr
    assert proxy.seen == []  # not one byte, let alone the Authorization header
    assert Path(result.stdout.strip()).exists()


def test_a_proxy_refusing_connect_is_not_a_task_that_may_exist(
    bare_cli: Cli, proxy: RecordingProxy, sora_home: Path
) -> None:
    result = bare_cli(
        "generate",
        "a cat",
        "--base-url",
        "https://api.sora-test.invalid/v1",
        "--api-key",
        TEST_KEY,
    )
    assert result.exit_code == 8, result.stderr
    assert "proxy" in result.stderr
    assert "may exist" not in result.stderr
    assert proxy.seen and all(s.startswith(b"CONNECT ") for s in proxy.seen)
    assert all(TEST_KEY.encode() not in s for s in proxy.seen)
    assert journal_rows(sora_home) == []  # nothing to check on a dashboard


def test_dns_failures_fail_fast() -> None:
    """The premise of the DNS tests: `.invalid` names never resolve (RFC 2606), at once."""
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("api.sora-test.invalid", 443)


def test_a_name_that_does_not_resolve_is_tried_twice_not_for_seconds(
    bare_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    real = socket.getaddrinfo
    lookups: list[object] = []

    def counted(host: object, *args: object, **kwargs: object) -> object:
        lookups.append(host)
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counted)
    started = time.monotonic()
    result = bare_cli(
        "status", "video_1", "--base-url", "https://api.sora-test.invalid/v1", "--api-key", TEST_KEY
    )
    assert result.exit_code == 8
    assert "cannot resolve the host name" in result.stderr
    assert "DNS" in result.stderr
    assert lookups.count("api.sora-test.invalid") == 2  # one retry, not five
    assert time.monotonic() - started < 5


@pytest.fixture
def self_signed_server(tmp_path: Path) -> Iterator[tuple[str, list[int]]]:
    """A TLS server on loopback whose certificate no trust store knows; counts handshakes."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    connections: list[int] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            connections.append(1)
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(1)
            except (OSError, ssl.SSLError):
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}/v1", connections
    listener.close()


def test_a_certificate_that_fails_verification_is_not_retried_and_names_ssl_cert_file(
    bare_cli: Cli, self_signed_server: tuple[str, list[int]]
) -> None:
    base_url, connections = self_signed_server
    result = bare_cli("status", "video_1", "--base-url", base_url, "--api-key", TEST_KEY)
    assert result.exit_code == 8
    assert "TLS certificate cannot be verified" in result.stderr
    assert "SSL_CERT_FILE" in result.stderr
    assert "cannot connect" not in result.stderr
    assert len(connections) == 1
