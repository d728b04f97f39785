"""Image-to-video: local files and URLs (fetched without the key), checked before sending:
the model's image policy, `--fit`, real decoding, and reads that stay bounded."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sora_cli.emulator import Emulator
from tests import images
from tests.helpers import TEST_KEY, Cli, requests_for


class _ImageHost(BaseHTTPRequestHandler):
    seen_auth: list[str | None] = []  # noqa: RUF012 - shared by the test on purpose
    body = b""
    sent_bytes = 0

    def do_GET(self) -> None:
        type(self).seen_auth.append(self.headers.get("Authorization"))
        if self.path.startswith("/missing"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/declared-huge"):  # says so, then sends nothing for 10 s
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(64 * 1024 * 1024))
            self.end_headers()
            self.wfile.flush()
            time.sleep(10)
            return
        if self.path.startswith("/endless"):  # no Content-Length: only reading can tell
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            self._endless()
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def _endless(self) -> None:
        """A PNG signature, then zeros until the client hangs up (at most 64 MiB)."""
        chunk = b"\x00" * 65536
        try:
            self.wfile.write(images.png(8, 8)[:16])
            for _ in range(1024):
                self.wfile.write(chunk)
                type(self).sent_bytes += len(chunk)
        except OSError:
            pass  # the client stopped reading: what the test wants

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def image_host() -> Iterator[str]:
    _ImageHost.seen_auth = []
    _ImageHost.body = images.png(1280, 720)
    _ImageHost.sent_bytes = 0
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
    webp_named_jpg.write_bytes(images.photo(720, 1280, "WEBP"))
    assert cli("generate", "x", "-i", str(webp_named_jpg), "--no-wait").exit_code == 0


@pytest.fixture
def openai_cli(openai_emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI on the openai profile, whose API refuses an image of another size."""
    monkeypatch.setenv("SORA_BASE_URL", openai_emulator.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    monkeypatch.setenv("SORA_PROFILE", "openai")
    return Cli(openai_emulator)


@pytest.fixture
def uploads(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The images handed to the create call (the emulator's log keeps no bodies)."""
    from sora_cli.api import CreateRequest
    from sora_cli.dialects.openai import VideosApi

    seen: list[Any] = []
    original = VideosApi.create

    def spy(self: VideosApi, request: CreateRequest, **kwargs: Any) -> Any:
        seen.extend(frame for frame in (request.image, request.last_frame) if frame)
        return original(self, request, **kwargs)

    monkeypatch.setattr(VideosApi, "create", spy)
    return seen


def test_wrong_dimensions_are_refused_before_sending_where_the_model_demands_it(
    openai_cli: Cli, tmp_path: Path
) -> None:
    image = tmp_path / "ref.png"
    image.write_bytes(images.png(640, 480))
    result = openai_cli("generate", "x", "-i", str(image), "-s", "1280x720")
    assert result.exit_code == 2
    assert "640x480" in result.stderr and "1280x720" in result.stderr
    assert "sizes offered: 720x1280, 1280x720, 1024x1792, 1792x1024" in result.stderr
    assert "--size 640x480" not in result.stderr and "--fit crop|pad" in result.stderr
    image.write_bytes(images.png(720, 1280))  # a size the profile offers: suggest it
    result = openai_cli("generate", "x", "-i", str(image), "-s", "1280x720")
    assert result.exit_code == 2 and "--size 720x1280" in result.stderr
    assert openai_cli.stats()["requests"] == []


def test_a_larger_image_of_the_same_ratio_is_sent_where_only_the_ratio_is_recommended(
    cli: Cli, tmp_path: Path
) -> None:
    image = tmp_path / "big.png"
    image.write_bytes(images.photo(1920, 1080))
    result = cli("generate", "x", "-i", str(image), "-s", "1280x720", "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "warning" not in result.stderr
    assert requests_for(cli.stats(), "create")[0]["status"] == 200


def test_another_ratio_is_a_one_line_warning_and_sent_anyway(
    cli: Cli, tmp_path: Path, uploads: list[Any]
) -> None:
    image = tmp_path / "old.jpg"
    image.write_bytes(images.photo(640, 480, "JPEG"))
    result = cli("generate", "x", "-i", str(image), "-s", "1280x720", "--no-wait")
    (warning,) = [line for line in result.stderr.splitlines() if "warning" in line]
    assert "640x480 (4:3)" in warning and "1280x720 (16:9)" in warning
    assert "sending it anyway" in warning and "--fit" in warning
    # Sent: the API only recommends a similar ratio. (The emulator plays a server that
    # refuses another ratio after all: its 400 is unbilled, and the answer is the API's.)
    (upload,) = uploads
    assert upload.data == image.read_bytes()
    assert len(requests_for(cli.stats(), "create")) == 1


def test_a_composition_reference_of_any_size_is_sent_without_a_word(
    cli: Cli, tmp_path: Path, uploads: list[Any]
) -> None:
    image = tmp_path / "sketch.png"
    image.write_bytes(images.photo(640, 480))
    result = cli(
        "generate", "x", "-m", "muse-video", "-i", str(image), "-s", "1280x720", "--no-wait"
    )
    assert result.exit_code == 0, result.stderr
    assert "640x480" not in result.stderr and "warning" not in result.stderr
    (upload,) = uploads
    assert upload.data == image.read_bytes()


def test_fit_makes_both_frames_the_video_size(
    cli: Cli, tmp_path: Path, uploads: list[Any]
) -> None:
    first, last = tmp_path / "first.jpg", tmp_path / "last.png"
    first.write_bytes(images.photo(640, 480, "JPEG"))
    last.write_bytes(images.photo(300, 900))
    result = cli(
        "generate", "x", "-m", "muse-video", "-s", "1280x720", "-i", str(first),
        "--last-frame", str(last), "--fit", "pad", "--no-wait",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("fitted ") == 2
    assert f"fitted {last} 300x900 → 1280x720 (pad: scaled to 240x720" in result.stderr
    assert [images.decoded_size_and_corner(u.data)[0] for u in uploads] == [(1280, 720)] * 2


@pytest.mark.parametrize(
    ("mode", "note", "corner"),
    [
        ("crop", "(crop: scaled to 1280x960 and cut 240 px of height)", (200, 40, 40)),
        ("pad", "(pad: scaled to 960x720 and padded 320 px of width with black)", (0, 0, 0)),
    ],
)
def test_fit_makes_the_image_the_video_size_and_says_how(
    openai_cli: Cli,
    tmp_path: Path,
    uploads: list[Any],
    mode: str,
    note: str,
    corner: tuple[int, int, int],
) -> None:
    image = tmp_path / "photo.jpg"
    image.write_bytes(images.photo(640, 480, "JPEG"))
    result = openai_cli(
        "generate", "x", "-i", str(image), "-s", "1280x720", "--fit", mode, "--no-wait"
    )
    assert result.exit_code == 0, result.stderr
    assert f"fitted {image} 640x480 → 1280x720 {note}" in result.stderr
    assert requests_for(openai_cli.stats(), "create")[0]["status"] == 200  # exact size
    (upload,) = uploads
    assert upload.filename == "photo.jpg" and upload.mime == "image/jpeg"
    size, pixel = images.decoded_size_and_corner(upload.data)
    assert size == (1280, 720)
    assert all(abs(a - b) < 8 for a, b in zip(pixel, corner, strict=True))  # JPEG is lossy


def test_fit_turns_webp_into_png_and_keeps_the_name(
    openai_cli: Cli, tmp_path: Path, uploads: list[Any]
) -> None:
    image = tmp_path / "holiday.webp"
    image.write_bytes(images.photo(1080, 1920, "WEBP"))
    result = openai_cli("generate", "x", "-i", str(image), "--fit", "crop", "--no-wait")
    assert result.exit_code == 0, result.stderr
    (upload,) = uploads
    assert upload.filename == "holiday.png" and upload.mime == "image/png"
    assert images.decoded_size_and_corner(upload.data)[0] == (720, 1280)


def test_fit_is_checked_before_anything_is_sent(cli: Cli, tmp_path: Path) -> None:
    image = tmp_path / "photo.png"
    image.write_bytes(images.photo(64, 64))
    result = cli("generate", "x", "-i", str(image), "--fit", "stretch")
    assert result.exit_code == 2 and "--fit 'stretch' is not crop or pad" in result.stderr
    result = cli("generate", "x", "--fit", "crop")
    assert result.exit_code == 2 and "give an image too" in result.stderr
    result = cli(  # a gateway's model whose size is not given: there is nothing to fit to
        "generate", "x", "--profile", "compatible", "-m", "any-model", "-i", str(image),
        "--fit", "crop",
    )  # fmt: skip
    assert result.exit_code == 2 and "--fit crop needs the video's size" in result.stderr
    assert cli.stats()["requests"] == []


@pytest.mark.parametrize(
    "broken",
    [
        images.png(16, 16)[:33] + b"garbage that is no PNG chunk at all" * 4,
        images.photo(640, 480, "JPEG")[:400],  # truncated in its scan data
        images.jpeg_header(1280, 720),  # a header alone: no picture in it
    ],
    ids=["png-garbage", "jpeg-truncated", "jpeg-header-only"],
)
def test_an_image_that_does_not_decode_is_refused_before_paying(
    cli: Cli, tmp_path: Path, broken: bytes
) -> None:
    image = tmp_path / "ref.img"
    image.write_bytes(broken)
    result = cli("generate", "x", "-i", str(image), "-s", "1280x720")
    assert result.exit_code == 2, result.stderr
    assert "does not decode as an image" in result.stderr
    assert result.stderr.count("sora: error:") == 1
    assert cli.stats()["requests"] == []


def _sora_limited(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`sora ...` in a subprocess that cannot take more than 1 GiB, nor 30 s."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run(
        [sys.executable, "-m", "sora_cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        preexec_fn=limit,
    )


def test_dev_zero_is_refused_not_read(cli: Cli) -> None:
    assert cli.emulator is not None
    env = {"SORA_BASE_URL": cli.emulator.base_url, "SORA_API_KEY": TEST_KEY}
    done = _sora_limited("generate", "x", "-i", "/dev/zero", env=env)
    assert done.returncode == 2, done.stderr
    assert "/dev/zero is not a regular file" in done.stderr
    assert cli.stats()["requests"] == []


def test_a_fifo_is_refused_without_waiting_for_a_writer(cli: Cli, tmp_path: Path) -> None:
    fifo = tmp_path / "image.png"
    os.mkfifo(fifo)
    assert cli.emulator is not None
    env = {"SORA_BASE_URL": cli.emulator.base_url, "SORA_API_KEY": TEST_KEY}
    done = _sora_limited("generate", "x", "-i", str(fifo), env=env)  # hangs: TimeoutExpired
    assert done.returncode == 2, done.stderr
    assert "is not a regular file" in done.stderr


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
def test_the_size_cap_holds_while_reading_not_from_st_size(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sora_cli import constants

    assert os.stat("/proc/self/environ").st_size == 0  # and yet it has content
    monkeypatch.setattr(constants, "IMAGE_MAX_BYTES", 16)
    result = cli("generate", "x", "-i", "/proc/self/environ")
    assert result.exit_code == 2 and "is larger than 0 MiB" in result.stderr
    assert cli.stats()["requests"] == []


def test_an_image_url_declaring_more_than_the_cap_is_refused_before_reading(
    cli: Cli, image_host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sora_cli import constants

    monkeypatch.setattr(constants, "IMAGE_MAX_BYTES", 1024 * 1024)
    started = time.monotonic()
    result = cli("generate", "x", "-i", f"{image_host}/declared-huge.png")
    assert result.exit_code == 2 and "larger than 1 MiB" in result.stderr
    assert time.monotonic() - started < 5  # it did not wait for the body
    assert cli.stats()["requests"] == []


def test_an_endless_image_url_is_cut_off_at_the_cap(
    cli: Cli, image_host: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sora_cli import constants

    monkeypatch.setattr(constants, "IMAGE_MAX_BYTES", 1024 * 1024)
    result = cli("generate", "x", "-i", f"{image_host}/endless.png")
    assert result.exit_code == 2 and "larger than 1 MiB" in result.stderr
    assert _ImageHost.sent_bytes < 32 * 1024 * 1024  # it hung up long before the end
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


def test_stream_fetches_an_image_url_only_to_fit_it(cli: Cli, image_host: str) -> None:
    url = f"{image_host}/ref.png"  # 1280x720
    result = cli("stream", "x", "-i", url, "-s", "720x1280", "--fit", "pad", "--no-download")
    assert result.exit_code == 0, result.stderr
    assert f"fitted {url} 1280x720 → 720x1280 (pad: scaled to 720x405" in result.stderr
    assert _ImageHost.seen_auth == [None]  # fetched, without the key
    result = cli("stream", "x", "-i", url, "-s", "720x1280", "--no-download")
    assert result.exit_code == 0 and _ImageHost.seen_auth == [None]  # passed on as is


def test_bad_image_urls(cli: Cli, image_host: str) -> None:
    result = cli("generate", "x", "-i", "ftp://example.com/a.png")
    assert result.exit_code == 2 and "http(s)" in result.stderr
    result = cli("generate", "x", "-i", f"{image_host}/missing.png")
    assert result.exit_code == 2 and "cannot fetch image" in result.stderr
    assert cli.stats()["requests"] == []
