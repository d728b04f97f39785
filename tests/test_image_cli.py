"""Image-to-video: local files and URLs (fetched without the key), checked before sending."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests import images
from tests.helpers import Cli, requests_for


class _ImageHost(BaseHTTPRequestHandler):
    seen_auth: list[str | None] = []  # noqa: RUF012 - shared by the test on purpose
    body = b""

    def do_GET(self) -> None:
        type(self).seen_auth.append(self.headers.get("Authorization"))
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_host() -> Iterator[str]:
    _ImageHost.seen_auth = []
    _ImageHost.body = images.png(1280, 720)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ImageHost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_local_png_is_uploaded(cli: Cli, tmp_path: Path) -> None:
    image = tmp_path / "ref.png"
    image.write_bytes(images.png(1280, 720))
    result = cli("generate", "animate it", "-i", str(image), "-s", "1280x720", "--no-wait")
    assert result.exit_code == 0, result.stderr
    (create,) = requests_for(cli.stats(), "create")
    assert create["status"] == 200


def test_extension_is_not_trusted(cli: Cli, tmp_path: Path) -> None:
    fake = tmp_path / "photo.png"
    fake.write_bytes(b"this is not an image at all")
    result = cli("generate", "x", "-i", str(fake))
    assert result.exit_code == 2 and "not a JPG, PNG or WebP" in result.stderr
    webp_named_jpg = tmp_path / "photo.jpg"
    webp_named_jpg.write_bytes(images.webp_vp8x(720, 1280))
    assert cli("generate", "x", "-i", str(webp_named_jpg), "--no-wait").exit_code == 0


def test_wrong_dimensions_are_refused_before_sending(cli: Cli, tmp_path: Path) -> None:
    image = tmp_path / "ref.png"
    image.write_bytes(images.png(640, 480))
    result = cli("generate", "x", "-i", str(image), "-s", "1280x720")
    assert result.exit_code == 2
    assert "640x480" in result.stderr and "1280x720" in result.stderr
    assert "sizes offered: 720x1280, 1280x720" in result.stderr  # 640x480 is not one
    assert "--size 640x480" not in result.stderr
    image.write_bytes(images.png(720, 1280))  # a size the profile offers: suggest it
    result = cli("generate", "x", "-i", str(image), "-s", "1280x720")
    assert result.exit_code == 2 and "--size 720x1280" in result.stderr
    assert cli.stats()["requests"] == []


def test_missing_image_and_large_image_warning(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("generate", "x", "-i", str(tmp_path / "nope.png")).exit_code == 2
    from sora_cli import constants

    monkeypatch.setattr(constants, "IMAGE_WARN_BYTES", 100)
    image = tmp_path / "big.png"
    image.write_bytes(images.png(720, 1280))
    result = cli("generate", "x", "-i", str(image), "--no-wait")
    assert result.exit_code == 0 and "recommends under 5 MB" in result.stderr


def test_image_url_is_fetched_without_the_key_then_uploaded(cli: Cli, image_host: str) -> None:
    result = cli("generate", "x", "-i", f"{image_host}/ref.png", "-s", "1280x720", "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert _ImageHost.seen_auth == [None]
    assert requests_for(cli.stats(), "create")[0]["status"] == 200


def test_bad_image_urls(cli: Cli, image_host: str) -> None:
    result = cli("generate", "x", "-i", "ftp://example.com/a.png")
    assert result.exit_code == 2 and "http(s)" in result.stderr
    result = cli("generate", "x", "-i", f"{image_host}/missing.png")
    assert result.exit_code == 2 and "cannot fetch image" in result.stderr
    assert cli.stats()["requests"] == []
