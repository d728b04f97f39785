"""Downloads against hostile or broken servers and planted files (RELIABILITY.md rows).

What the emulator cannot do (a body trickled a byte at a time, gzip where identity was
asked, half a video behind an honest Content-Length) is served by `VideoHost`, a tiny
stdlib server on a real loopback socket that answers the status call and the content.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from sora_cli import constants
from sora_cli.emulator.media import clip_bytes
from tests.helpers import TEST_KEY, Cli, CutAt, requests_for

TASK = "video_hostile"
VIDEO = clip_bytes("720x1280-10s.mp4")


@dataclass
class VideoHost:
    """What the host sends as the video, and what it was asked."""

    body: bytes = VIDEO
    mode: str = "plain"  # plain | trickle | gzip | cut (half the body, then a close)
    signs: int = 0  # the status call's `url` carries a new signature each time
    trickle_fast: int = 2048  # bytes sent at once before the trickle
    seen: list[dict[str, str | None]] = field(default_factory=list)
    base_url: str = ""


def _handler(host: VideoHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if "/content" not in self.path:
                host.signs += 1
                url = f"/v1/videos/{TASK}/content?sig={host.signs}"
                self._send(200, json.dumps({"id": TASK, "object": "video", "status": "completed",
                           "progress": 100, "url": url}).encode(), "application/json")
                return
            host.seen.append(
                {"range": self.headers.get("range"), "accept": self.headers.get("accept-encoding")}
            )
            start = int(self.headers["range"].split("=")[1].rstrip("-")) if self.headers.get(
                "range") else 0
            data = host.body[start:]
            if host.mode == "gzip":  # compressed although identity was asked for
                self._send(200, gzip.compress(host.body), "video/mp4", {"Content-Encoding": "gzip"})
            elif host.mode == "trickle":
                self._trickle(start, data)
            elif host.mode == "cut":
                self._video_head(start, data)
                self.wfile.write(data[: max(len(data) // 2, 1)])
                self.close_connection = True
            else:
                self._send(206 if start else 200, data, "video/mp4", self._range(start))

        def _video_head(self, start: int, data: bytes) -> None:
            """The headers of an honest answer for `data` (from byte `start`)."""
            self.send_response(206 if start else 200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(data)))
            for name, value in self._range(start).items():
                self.send_header(name, value)
            self.end_headers()

        def _range(self, start: int) -> dict[str, str]:
            total = len(host.body)
            return {"Content-Range": f"bytes {start}-{total - 1}/{total}"} if start else {}

        def _send(self, status: int, data: bytes, ctype: str,
                  extra: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _trickle(self, start: int, data: bytes) -> None:
            """A little at once, then a byte every 50 ms, for at most 20 s."""
            self._video_head(start, data)
            fast = 0 if start else host.trickle_fast
            self.wfile.write(data[:fast])
            self.wfile.flush()
            ends = time.monotonic() + 20
            try:
                for at in range(fast, len(data)):
                    if time.monotonic() > ends:
                        break
                    self.wfile.write(data[at : at + 1])
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass  # the client broke it off
            self.close_connection = True

    return Handler


@pytest.fixture
def video_host(monkeypatch: pytest.MonkeyPatch) -> Iterator[VideoHost]:
    """The host, with `sora` pointed at it."""
    host = VideoHost()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(host))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    monkeypatch.setenv("SORA_BASE_URL", host.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    yield host
    server.shutdown()
    server.server_close()


def _one_line_error(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if line.startswith("sora: error:")]
    assert len(errors) == 1, stderr
    return errors[0]


def _task(cli: Cli) -> str:
    result = cli("generate", "a cat", "--no-download")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


# ---------------------------------------------------------------- planted links and devices


@pytest.mark.parametrize("planted", [".part", ".part.id"])
def test_a_link_planted_beside_the_output_is_refused_never_written_through(
    cli: Cli, tmp_path: Path, planted: str
) -> None:
    task_id = _task(cli)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    target = tmp_path / "v.mp4"
    link = tmp_path / f"v.mp4{planted}"
    link.symlink_to(victim)
    result = cli("download", task_id, "-o", str(target))
    assert result.exit_code == 2
    assert "symbolic link" in _one_line_error(result.stderr)
    assert victim.read_bytes() == b"precious"
    assert link.is_symlink() and not target.exists() and not target.is_symlink()


def test_the_download_core_itself_opens_no_link(cli: Cli, tmp_path: Path) -> None:
    """A link planted after the command's checks (while `generate` waited) is refused by
    the download itself, whatever calls it."""
    from sora_cli import errors
    from sora_cli.client import HttpCore
    from sora_cli.download import download_file

    task_id = _task(cli)
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    target = tmp_path / "v.mp4"
    assert cli.emulator is not None
    for planted in (".part", ".part.id"):
        link = tmp_path / f"v.mp4{planted}"
        link.symlink_to(victim)
        with HttpCore(cli.emulator.base_url, TEST_KEY) as core, pytest.raises(errors.UsageError):
            download_file(core, f"videos/{task_id}/content", target)
        assert victim.read_bytes() == b"precious" and not target.exists()
        link.unlink()


def test_a_device_or_pipe_as_output_is_refused_even_with_force(cli: Cli, tmp_path: Path) -> None:
    task_id = _task(cli)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    targets = [fifo]
    if os.geteuid() == 0:  # root may make a device node: a copy of /dev/null's
        device = tmp_path / "null"
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        targets.append(device)
    for target in targets:
        result = cli("download", task_id, "-o", str(target), "--force")
        assert result.exit_code == 2, result.stderr
        assert "device, pipe or socket" in _one_line_error(result.stderr)
        mode = os.lstat(target).st_mode
        assert stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)
    assert not requests_for(cli.stats(), "content")


# ---------------------------------------------------------------- stalls


@pytest.fixture
def short_stalls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stall window of half a second, so a test takes seconds, not minutes."""
    monkeypatch.setattr(constants, "DOWNLOAD_STALL_WINDOW", 0.5)


@pytest.mark.usefixtures("short_stalls")
@pytest.mark.parametrize("to_stdout", [False, True], ids=["file", "stdout"])
def test_a_trickled_body_is_a_stall_given_up_with_the_part_kept(
    cli: Cli, video_host: VideoHost, tmp_path: Path, to_stdout: bool
) -> None:
    """A byte every 50 ms (20 bytes/s, far under the 1 KiB/s floor) would take an hour
    for this clip: each try is broken off after one window, and the run ends after the
    stall attempts with exit 8, the `.part` kept and the command that resumes it."""
    video_host.mode = "trickle"
    target = tmp_path / "v.mp4"
    began = time.monotonic()
    result = cli("download", TASK, "-o", "-" if to_stdout else str(target))
    elapsed = time.monotonic() - began
    assert result.exit_code == 8, result.stderr
    line = _one_line_error(result.stderr)
    assert f"stalled {constants.DOWNLOAD_STALL_ATTEMPTS} times" in line
    assert "the body stalled (under 1 KiB/s for 0.5 s)" in result.stderr
    assert elapsed < 10
    assert len(video_host.seen) == constants.DOWNLOAD_STALL_ATTEMPTS
    assert video_host.seen[1]["range"] is not None  # resumed like a dropped connection
    if not to_stdout:
        part = tmp_path / "v.mp4.part"
        assert part.stat().st_size >= video_host.trickle_fast and not target.exists()
        assert f"resume with: sora download {TASK} -o {target}" in result.stderr


@pytest.mark.usefixtures("short_stalls")
def test_a_body_gone_silent_is_broken_off_at_the_stall_window(
    cli: Cli, tmp_path: Path
) -> None:
    """The emulator's `stall`: half the body, then silence for 30 s. Silence for a window
    is a stall: resumed at once, not after the 60 s read timeout."""
    task_id = _task(cli)
    cli.fault(route="content", action="stall")
    target = tmp_path / "v.mp4"
    began = time.monotonic()
    result = cli("download", task_id, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - began < 10
    assert target.read_bytes()[4:8] == b"ftyp"
    assert requests_for(cli.stats(), "content")[-1]["range"] is not None


# ---------------------------------------------------------------- broken MP4 bodies


@pytest.mark.parametrize("to_stdout", [False, True], ids=["file", "stdout"])
@pytest.mark.parametrize("body", ["half a video", "ftyp and junk", "half a video, gzipped"])
def test_a_broken_mp4_with_an_honest_length_is_exit_8_and_saves_nothing(
    cli: Cli, video_host: VideoHost, tmp_path: Path, body: str, to_stdout: bool
) -> None:
    if body.startswith("half a video"):
        video_host.body = VIDEO[: len(VIDEO) // 2]
        video_host.mode = "gzip" if body.endswith("gzipped") else "plain"
    else:
        video_host.body = VIDEO[:32] + os.urandom(50_000)
    target = tmp_path / "v.mp4"
    result = cli("download", TASK, "-o", "-" if to_stdout else str(target))
    assert result.exit_code == 8, result.stderr
    assert "broken MP4" in _one_line_error(result.stderr)
    assert not target.exists() and not (tmp_path / "v.mp4.part").exists()
    assert len(video_host.seen) == 1  # bad content is not fetched six times


def test_a_whole_video_from_the_same_host_is_saved(
    cli: Cli, video_host: VideoHost, tmp_path: Path
) -> None:
    target = tmp_path / "v.mp4"
    result = cli("download", TASK, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == VIDEO


# ---------------------------------------------------------------- content encoding


@pytest.mark.parametrize("to_stdout", [False, True], ids=["file", "stdout"])
def test_video_requests_ask_for_identity_and_a_gzipped_answer_is_decoded(
    cli: Cli, video_host: VideoHost, tmp_path: Path, to_stdout: bool
) -> None:
    video_host.mode = "gzip"
    target = tmp_path / "v.mp4"
    result = cli("download", TASK, "-o", "-" if to_stdout else str(target))
    assert result.exit_code == 0, result.stderr
    assert (result.stdout_bytes if to_stdout else target.read_bytes()) == VIDEO
    assert [seen["accept"] for seen in video_host.seen] == ["identity"]


# ---------------------------------------------------------------- smaller ones


def test_a_full_disk_hint_names_the_part_that_holds_the_space(
    cli: Cli, sora_home: Path, tmp_path: Path
) -> None:
    """A real write failure: the file size limit (RLIMIT_FSIZE, as a quota would) stops
    the `.part` at 40 KB. The hint says where those bytes are and how much they hold."""
    import re
    import resource
    import signal

    from tests.helpers import run_sora

    task_id = _task(cli)
    assert cli.emulator is not None

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG from write(), not a kill
        resource.setrlimit(resource.RLIMIT_FSIZE, (40_000, 40_000))

    target = tmp_path / "v.mp4"
    env = {"SORA_HOME": str(sora_home), "SORA_BASE_URL": cli.emulator.base_url,
           "SORA_API_KEY": TEST_KEY}
    result = run_sora("download", task_id, "-o", str(target), env=env, preexec_fn=limited)
    assert result.returncode == 2, result.stderr
    assert "File too large" in _one_line_error(result.stderr)
    assert re.search(rf"{re.escape(str(target))}.part holds 39 KiB of it", result.stderr)
    assert (tmp_path / "v.mp4.part").stat().st_size == 40_000 and not target.exists()


def test_download_wait_without_o_resumes_the_default_paths_part_after_a_kill(
    cli: Cli, sora_home: Path, tmp_path: Path
) -> None:
    """`generate` killed mid-download leaves `./sora-<id>.mp4.part`; `download ID --wait`
    without -o picks that file up with Range and leaves nothing behind."""
    import signal

    from tests.helpers import run_sora, start_sora, wait_until

    assert cli.emulator is not None
    env = {"SORA_HOME": str(sora_home), "SORA_BASE_URL": cli.emulator.base_url,
           "SORA_API_KEY": TEST_KEY}
    cli.fault(route="content", action="stall")  # half the body, then it hangs
    work = tmp_path / "work"
    proc = start_sora("generate", "a cat", env=env, cwd=work)
    parts = lambda: [p for p in work.glob("*.mp4.part") if p.stat().st_size > 0]  # noqa: E731
    wait_until(lambda: bool(parts()))
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=20)
    (part,) = parts()
    kept = part.stat().st_size
    task_id = part.name.removeprefix("sora-").removesuffix(".mp4.part")
    result = run_sora("download", task_id, "--wait", env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    saved = work / f"sora-{task_id}.mp4"
    assert result.stdout.strip() == str(saved) and saved.read_bytes()[4:8] == b"ftyp"
    assert sorted(p.name for p in work.iterdir()) == [saved.name]
    assert requests_for(cli.stats(), "content")[-1]["range"] == f"bytes={kept}-"


def test_a_part_is_resumed_though_the_cdn_signs_a_new_url_each_time(
    cli: Cli, video_host: VideoHost, tmp_path: Path
) -> None:
    """The `.part` belongs to the task, not to one signed URL of its video."""
    video_host.mode = "cut"
    target = tmp_path / "v.mp4"
    assert cli("download", TASK, "-o", str(target)).exit_code == 8
    kept = (tmp_path / "v.mp4.part").stat().st_size
    assert kept > len(VIDEO) // 2
    video_host.mode, video_host.seen[:] = "plain", []
    result = cli("download", TASK, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == VIDEO
    assert [seen["range"] for seen in video_host.seen] == [f"bytes={kept}-"]


class _Dribble(httpx.SyncByteStream):
    """A body that comes 100 bytes every 0.3 s (333 bytes/s), then breaks off after 4 s."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        ends = time.monotonic() + 4
        for at in range(0, len(self.data), 100):
            if time.monotonic() > ends:
                raise httpx.RemoteProtocolError("peer closed connection")
            yield self.data[at : at + 100]
            time.sleep(0.3)


@pytest.mark.usefixtures("short_stalls")
def test_a_stall_while_skipping_what_stdout_already_has_is_a_stall_too() -> None:
    """`-o -` resumed from a server that ignores Range re-sends the bytes already written;
    they are skipped, but a trickle of them is still a stall."""
    import io

    from sora_cli import errors
    from sora_cli.client import HttpCore
    from sora_cli.download import stream_to

    calls: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        calls.append(request.headers.get("range"))
        if len(calls) == 1:  # half the video, then a drop
            return httpx.Response(
                200, headers={"content-type": "video/mp4", "content-length": str(len(VIDEO))},
                stream=CutAt(VIDEO, len(VIDEO) // 2),
            )
        return httpx.Response(200, headers={"content-type": "video/mp4"}, stream=_Dribble(VIDEO))

    began = time.monotonic()
    transport = httpx.MockTransport(answer)
    with (
        HttpCore("https://cdn.example/v1", None, transport=transport) as core,
        pytest.raises(errors.NetworkError, match="stalled"),
    ):
        stream_to(core, "https://cdn.example/v.mp4", io.BytesIO())
    assert time.monotonic() - began < 4
    assert len(calls) == 1 + constants.DOWNLOAD_STALL_ATTEMPTS

