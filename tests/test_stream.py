"""`sora stream` end to end against the emulator: SSE, progress, the CDN download, failures."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sora_cli.emulator import Emulator, EmulatorConfig
from sora_cli.emulator.media import clip_bytes
from tests.helpers import (
    TEST_KEY,
    Cli,
    has_rows,
    interrupt,
    journal_rows,
    loads,
    requests_for,
    start_sora,
    wait_until,
)
from tests.images import png


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    """The laozhang emulator, quicker than conftest's: a stream test waits out the script."""
    server = Emulator(EmulatorConfig(port=0, queue_seconds=0.05, gen_seconds=0.2)).start()
    yield server
    server.stop()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The JSON bodies the client POSTed (the emulator's log keeps no bodies)."""
    from sora_cli.client import HttpCore

    bodies: list[dict[str, Any]] = []
    original = HttpCore.stream_post

    def spy(self: HttpCore, path: str, **kwargs: Any) -> Any:
        bodies.append(kwargs["json_body"])
        return original(self, path, **kwargs)

    monkeypatch.setattr(HttpCore, "stream_post", spy)
    return bodies


def chats(cli: Cli) -> list[dict[str, Any]]:
    return requests_for(cli.stats(), "chat")


def test_happy_path_saves_the_mp4_and_prints_only_its_path(cli: Cli, sora_home: Path) -> None:
    result = cli("stream", "a happy cat")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("\n") == 1
    path = Path(result.stdout.strip())
    assert path.parent == Path.cwd() and path.name.startswith("sora-foaicmpl-")
    assert path.read_bytes() == clip_bytes("720x1280-10s.mp4")
    assert path.read_bytes()[4:8] == b"ftyp" and not Path(f"{path}.part").exists()
    # plain progress lines on stderr (not a terminal), then the download
    assert "queued" in result.stderr and "in_progress 50%" in result.stderr
    assert "completed 100%" in result.stderr and "\x1b[" not in result.stderr
    (chat,) = chats(cli)
    assert chat["authorization"] is True and chat["content_type"] == "application/json"
    (cdn,) = requests_for(cli.stats(), "cdn")
    assert cdn["authorization"] is False  # the key never goes to the CDN origin


@pytest.mark.parametrize(
    ("flags", "model", "clip"),
    [
        ([], "sora_video2", "720x1280-10s.mp4"),
        (["--size", "landscape"], "sora_video2-landscape", "1280x720-10s.mp4"),
        (["--seconds", "15"], "sora_video2-15s", "720x1280-15s.mp4"),
        (["-s", "1280x720", "-d", "15"], "sora_video2-landscape-15s", "1280x720-15s.mp4"),
        (["--model", "sora_video2-landscape"], "sora_video2-landscape", "1280x720-10s.mp4"),
    ],
)
def test_size_and_seconds_map_to_the_model_name(
    cli: Cli, sent: list[dict[str, Any]], flags: list[str], model: str, clip: str
) -> None:
    result = cli("stream", "a cat", *flags, "--json")
    assert result.exit_code == 0, result.stderr
    (body,) = sent
    assert body["model"] == model and body["stream"] is True
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "a cat"}]}]
    record = loads(result.stdout)
    assert record["model"] == model
    # the emulator picks the clip by the model it received
    assert Path(record["file"]).read_bytes() == clip_bytes(clip)


def test_image_url_is_passed_on(cli: Cli, sent: list[dict[str, Any]]) -> None:
    url = "https://images.example/cat.png"
    result = cli("stream", "make it jump", "--image", url, "--no-download")
    assert result.exit_code == 0, result.stderr
    assert sent[0]["messages"][0]["content"][1] == {"type": "image_url", "image_url": {"url": url}}


def test_local_image_is_sent_as_a_data_url(cli: Cli, sent: list[dict[str, Any]]) -> None:
    image = Path("cat.png")
    image.write_bytes(png(720, 1280))
    result = cli("stream", "make it jump", "-i", str(image), "--no-download")
    assert result.exit_code == 0, result.stderr
    part = sent[0]["messages"][0]["content"][1]
    prefix = "data:image/png;base64,"
    assert part["type"] == "image_url" and part["image_url"]["url"].startswith(prefix)
    assert base64.b64decode(part["image_url"]["url"][len(prefix) :]) == image.read_bytes()


def test_another_ratio_is_sent_with_a_warning_and_fit_sends_the_exact_size(
    cli: Cli, sent: list[dict[str, Any]]
) -> None:
    from tests.images import decoded_size_and_corner, photo

    Path("square.jpg").write_bytes(photo(64, 64, "JPEG"))
    result = cli("stream", "a cat", "-i", "square.jpg", "--no-download")
    assert result.exit_code == 0, result.stderr
    assert "square.jpg is 64x64 (1:1) but the video is 720x1280 (9:16)" in result.stderr
    result = cli("stream", "a cat", "-i", "square.jpg", "--fit", "pad", "--no-download")
    assert result.exit_code == 0, result.stderr
    assert "fitted square.jpg 64x64 → 720x1280 (pad: scaled to 720x720" in result.stderr
    url = sent[1]["messages"][0]["content"][1]["image_url"]["url"]
    prefix = "data:image/jpeg;base64,"
    assert url.startswith(prefix)
    size, corner = decoded_size_and_corner(base64.b64decode(url[len(prefix) :]))
    assert size == (720, 1280) and max(corner) < 8  # black bars above and below


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "640x480"], "size '640x480'"),
        (["--seconds", "12"], "duration 12"),
        (["--model", "sora_video9"], "not a sync-API model"),
        (["--model", "sora_video2", "--size", "landscape"], "makes 720x1280 videos"),
        (["--image", "ftp://example.com/cat.png"], "not an http(s) URL"),
        (["--image", "missing.png"], "does not exist"),
        (["--image", "notes.txt"], "not a JPG, PNG or WebP"),
        (["--image", "broken.png"], "broken.png does not decode as an image"),
        (["--image", "small.png", "--fit", "squash"], "--fit 'squash' is not crop or pad"),
        (["--profile", "openai"], "no sync API"),
        (["--raw", "--json"], "--raw"),
    ],
)
def test_bad_input_is_refused_before_anything_is_paid_for(
    cli: Cli, args: list[str], message: str
) -> None:
    Path("notes.txt").write_text("not an image")
    Path("small.png").write_bytes(png(64, 64))
    Path("broken.png").write_bytes(png(64, 64)[:40] + b"not a chunk" * 8)
    result = cli("stream", "a cat", *args)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr and result.stderr.count("sora: error:") == 1
    assert result.stdout == "" and not chats(cli)


def test_existing_output_is_refused_before_the_request(cli: Cli) -> None:
    Path("cat.mp4").write_bytes(b"mine")
    result = cli("stream", "a cat", "-o", "cat.mp4")
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert not chats(cli) and Path("cat.mp4").read_bytes() == b"mine"


def test_refused_generation_is_exit_5(cli: Cli, sora_home: Path) -> None:
    result = cli("stream", "a cat [emulator:refuse]")
    assert result.exit_code == 5
    assert "content violates policy" in result.stderr and "charges failed calls" in result.stderr
    (row,) = journal_rows(sora_home)
    assert row["status"] == "failed" and "violates" in row["error"] and row["url"] is None
    assert row["expires_at"] is None  # no link, nothing to expire


def test_cut_stream_is_exit_8_and_keeps_the_row(cli: Cli, sora_home: Path) -> None:
    result = cli("stream", "a cat [emulator:cut]")
    assert result.exit_code == 8, result.stderr
    assert "cut off" in result.stderr
    (row,) = journal_rows(sora_home)
    assert result.stdout == row["id"] + "\n"
    assert row["kind"] == "stream" and row["status"] == "failed" and "cut off" in row["error"]


def test_stream_without_link_is_exit_5_with_the_last_message(cli: Cli) -> None:
    result = cli("stream", "a cat [emulator:nolink]")
    assert result.exit_code == 5
    assert "without a video link" in result.stderr and "Progress: 50.0%" in result.stderr


@pytest.mark.parametrize(("status", "code"), [(401, 3), (403, 3), (402, 4)])
def test_auth_and_balance_errors(cli: Cli, sora_home: Path, status: int, code: int) -> None:
    cli.fault(route="chat", status=status)
    result = cli("stream", "a cat")
    assert result.exit_code == code
    assert f"answered {status}" in result.stderr and len(chats(cli)) == 1
    assert not (sora_home / "jobs.sqlite3").exists() or journal_rows(sora_home) == []


@pytest.mark.parametrize("status", [429, 503])
def test_refused_posts_are_retried_then_succeed(cli: Cli, status: int) -> None:
    cli.fault(route="chat", status=status, times=2)
    result = cli("stream", "a cat")
    assert result.exit_code == 0, result.stderr
    assert [c["status"] for c in chats(cli)] == [status, status, 200]
    assert len({c["idempotency_key"] for c in chats(cli)}) == 1
    assert cli.stats()["creates_by_prompt"] == {"a cat": 1}


def test_persistent_503_is_exit_8(cli: Cli) -> None:
    cli.fault(route="chat", status=503, times=50)
    result = cli("stream", "a cat")
    assert result.exit_code == 8 and "answered 503" in result.stderr
    assert len(chats(cli)) == 6  # RETRY_ATTEMPTS


def test_ambiguous_500_is_not_retried(cli: Cli) -> None:
    cli.fault(route="chat", status=500, times=5)
    result = cli("stream", "a cat")
    assert result.exit_code == 8 and "may have reached the API" in result.stderr
    assert len(chats(cli)) == 1


def test_html_instead_of_a_stream_is_exit_8(cli: Cli) -> None:
    cli.fault(route="chat", action="html")
    result = cli("stream", "a cat")
    assert result.exit_code == 8 and "instead of an event stream" in result.stderr


def test_cdn_hiccup_is_retried_without_the_key(cli: Cli) -> None:
    cli.fault(route="cdn", status=502)
    result = cli("stream", "a cat")
    assert result.exit_code == 0, result.stderr
    cdn = requests_for(cli.stats(), "cdn")
    assert [r["status"] for r in cdn] == [502, 200]
    assert not any(r["authorization"] for r in cdn)


def test_timeout_is_exit_6(cli: Cli, sora_home: Path) -> None:
    result = cli("stream", "a cat", "--timeout", "0.1")
    assert result.exit_code == 6 and "no video after 0.1 s" in result.stderr
    assert journal_rows(sora_home)[0]["status"] == "failed"


def test_a_stream_gone_quiet_is_given_up_at_the_deadline_not_after(
    cli: Cli, sora_home: Path
) -> None:
    """Half the events, then silence: `--timeout` ends the run (exit 6), no read timeout."""
    cli.fault(route="chat", action="stall")
    started = time.monotonic()
    result = cli("stream", "a cat", "--timeout", "2")
    assert result.exit_code == 6, result.stderr
    assert "no video after 2 s" in result.stderr and "cut off" not in result.stderr
    assert time.monotonic() - started < 20  # the stall lasts 30 s
    assert journal_rows(sora_home)[0]["status"] == "failed"


def test_journal_record_and_download_again(cli: Cli, sora_home: Path) -> None:
    result = cli("stream", "a cat", "--no-download")
    assert result.exit_code == 0, result.stderr
    link = result.stdout.strip()
    assert cli.emulator is not None and link.startswith(cli.emulator.cdn_url + "/assets/sora/")
    assert not list(Path.cwd().glob("*.mp4")) and not requests_for(cli.stats(), "cdn")
    (row,) = journal_rows(sora_home)
    assert row["kind"] == "stream" and row["status"] == "completed" and row["url"] == link
    assert row["model"] == "sora_video2" and row["prompt"] == "a cat"
    assert abs(row["expires_at"] - (time.time() + 24 * 3600)) < 60

    listed = cli("list")
    assert row["id"] in listed.stdout and "not downloaded" in listed.stdout

    # No API key needed: the link is public and fetched without one.
    again = cli("download", row["id"], env={"SORA_API_KEY": ""})
    assert again.exit_code == 0, again.stderr
    path = Path(again.stdout.strip())
    assert path.name == f"sora-{row['id']}.mp4" and path.read_bytes()[4:8] == b"ftyp"
    assert journal_rows(sora_home)[0]["file"] == str(path)
    assert [r["authorization"] for r in requests_for(cli.stats(), "cdn")] == [False]
    assert not requests_for(cli.stats(), "status")


def test_download_of_an_expired_or_failed_stream(cli: Cli, sora_home: Path) -> None:
    assert cli("stream", "a cat", "--no-download").exit_code == 0
    assert cli("stream", "a dog [emulator:refuse]").exit_code == 5
    done, failed = journal_rows(sora_home)
    db = sqlite3.connect(sora_home / "jobs.sqlite3")
    with db:
        db.execute("UPDATE jobs SET expires_at = ? WHERE id = ?", (time.time() - 5, done["id"]))
    db.close()
    expired = cli("download", done["id"])
    assert expired.exit_code == 7 and "expired" in expired.stderr and "24 hours" in expired.stderr
    nothing = cli("download", failed["id"])
    assert nothing.exit_code == 5 and "no video to download" in nothing.stderr
    assert not requests_for(cli.stats(), "cdn")


def test_raw_copies_the_text_then_the_path(cli: Cli) -> None:
    result = cli("stream", "a cat", "--raw")
    assert result.exit_code == 0, result.stderr
    text, _, path = result.stdout.rstrip("\n").rpartition("\n")
    assert text.startswith("```json\n") and "Task is in queue" in text
    assert "Progress: 50.0%" in text and "[Click here](" in text
    assert Path(path).exists() and "in_progress" not in result.stderr


def test_json_prints_the_record_with_usage(cli: Cli) -> None:
    result = cli("stream", "a cat", "--json", "-q")
    assert result.exit_code == 0, result.stderr
    record = loads(result.stdout)
    assert record["kind"] == "stream" and record["status"] == "completed"
    assert record["id"].startswith("foaicmpl-") and Path(record["file"]).exists()
    usage = record["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert result.stderr == ""


def test_output_to_stdout(cli: Cli) -> None:
    result = cli("stream", "a cat", "-o", "-", "-q")
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes == clip_bytes("720x1280-10s.mp4")
    assert "(sent to stdout)" in cli("list").stdout


def test_help_says_who_charges_failures(cli: Cli) -> None:
    result = cli("stream", "--help")
    text = " ".join(result.stdout.split())
    assert "charges every call, even when generation fails" in text
    assert "`sora generate` (the async API) does not" in text
    assert "Example: sora stream " in text


def test_ctrl_c_mid_stream_is_130_and_leaves_a_row(sora_home: Path, tmp_path: Path) -> None:
    slow = Emulator(EmulatorConfig(port=0, queue_seconds=0.05, gen_seconds=30)).start()
    try:
        env = {
            **os.environ,
            "SORA_HOME": str(sora_home),
            "SORA_BASE_URL": slow.base_url,
            "SORA_API_KEY": TEST_KEY,
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "sora_cli", "stream", "a slow cat"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if (sora_home / "jobs.sqlite3").exists() and journal_rows(sora_home):
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=20)
    finally:
        slow.stop()
    assert proc.returncode == 130, stderr
    (row,) = journal_rows(sora_home)
    assert row["status"] == "interrupted" and row["id"] in stderr
    assert "cannot resume" in stderr and stdout == row["id"] + "\n"
    assert "Traceback" not in stderr and TEST_KEY not in stderr


# ---------------------------------------------------------------- odd servers (MockTransport)

LINK = "https://cdn.example/assets/sora/abc.mp4"


def _sse(*datas: str) -> bytes:
    return "".join(f"data: {d}\n\n" for d in datas).encode()


def _chunk(content: str) -> str:
    import json

    return json.dumps({"id": "foaicmpl-x", "choices": [{"delta": {"content": content}}]})


class _CutAfter(httpx.SyncByteStream):
    """A body that sends `data`, then breaks off like a reset connection."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self.data
        raise httpx.RemoteProtocolError("peer closed connection without sending complete body")


def _run_against(body: bytes | _CutAfter, sora_home: Path, ctype: str = "text/event-stream") -> Any:
    import httpx

    from sora_cli.client import HttpCore
    from sora_cli.journal import Journal
    from sora_cli.sync import StreamCallbacks, StreamRequest, run_stream

    warnings: list[str] = []
    headers = {"content-type": ctype}
    transport = httpx.MockTransport(
        lambda request: (
            httpx.Response(200, headers=headers, content=body)
            if isinstance(body, bytes)
            else httpx.Response(200, headers=headers, stream=body)
        )
    )
    sora_home.mkdir(parents=True, exist_ok=True)
    with (
        HttpCore("https://api.example/v1", "sk-x", transport=transport) as core,
        Journal(sora_home / "jobs.sqlite3") as journal,
    ):
        outcome = run_stream(
            core,
            journal,
            StreamRequest("a cat", "sora_video2", "720x1280", 10),
            profile="laozhang",
            base_url="https://api.example/v1",
            timeout=30,
            callbacks=StreamCallbacks(on_warning=warnings.append),
        )
    return outcome, warnings


def test_a_whole_json_answer_is_read_like_a_stream(sora_home: Path) -> None:
    import json

    whole = {"id": "foaicmpl-w", "choices": [{"message": {"content": f"> ✅ [x]({LINK})"}}]}
    outcome, _ = _run_against(json.dumps(whole).encode(), sora_home, "application/json")
    assert outcome.url == LINK and outcome.completion_id == "foaicmpl-w"


def test_a_link_before_an_early_end_is_kept(sora_home: Path) -> None:
    outcome, warnings = _run_against(_sse(_chunk(f"> ✅ [x]({LINK})\n")), sora_home)
    assert outcome.url == LINK and any("ended early" in w for w in warnings)
    assert journal_rows(sora_home)[0]["status"] == "completed"


def test_a_link_then_a_reset_connection_still_gives_the_video(sora_home: Path) -> None:
    outcome, warnings = _run_against(_CutAfter(_sse(_chunk(f"> ✅ [x]({LINK})\n"))), sora_home)
    assert outcome.url == LINK and any("ended early" in w for w in warnings)
    assert journal_rows(sora_home)[0]["status"] == "completed"


def test_plain_http_links_elsewhere_are_flagged(sora_home: Path) -> None:
    body = _sse(_chunk("> ✅ http://cdn.example/v.mp4\n"), "[DONE]")
    outcome, warnings = _run_against(body, sora_home)
    assert outcome.url == "http://cdn.example/v.mp4" and any("plain http" in w for w in warnings)


def test_an_error_object_then_silence_is_a_cut_that_quotes_the_server(sora_home: Path) -> None:
    from sora_cli import errors

    with pytest.raises(errors.NetworkError) as caught:
        _run_against(
            _sse('{"id": "foaicmpl-e", "error": {"message": "upstream failed"}}'), sora_home
        )
    assert "cut off" in caught.value.message and "upstream failed" in caught.value.message
    (row,) = journal_rows(sora_home)
    assert row["id"] == "foaicmpl-e" and row["status"] == "failed" and row["expires_at"] is None


def test_an_empty_stream_still_leaves_a_row(sora_home: Path) -> None:
    from sora_cli import errors

    with pytest.raises(errors.GenerationFailed, match="no message"):
        _run_against(_sse("[DONE]"), sora_home)
    (row,) = journal_rows(sora_home)
    assert row["id"].startswith("stream-") and row["status"] == "failed"


def test_status_of_a_stream_run_comes_from_the_journal(cli: Cli) -> None:
    result = cli("stream", "a cat", "--json")
    assert result.exit_code == 0, result.stderr
    run_id = json.loads(result.stdout)["id"]
    shown = cli("status", run_id)
    assert shown.exit_code == 0, shown.stderr
    assert "status:    completed" in shown.stdout and "link:" in shown.stdout
    record = json.loads(cli("status", run_id, "--json").stdout)
    assert record["kind"] == "stream" and record["usage"]["total_tokens"] > 0


def test_interrupted_before_the_first_event_still_leaves_a_row(
    cli: Cli, sora_home: Path, tmp_path: Path
) -> None:
    assert cli.emulator is not None
    cli.emulator.add_fault(route="chat", delay=3)  # the stream is slow to start
    env = {
        "SORA_HOME": str(sora_home),
        "SORA_BASE_URL": cli.emulator.base_url,
        "SORA_API_KEY": TEST_KEY,
    }
    proc = start_sora("stream", "a cat", env=env, cwd=tmp_path)
    wait_until(has_rows(sora_home))
    code, _, stderr = interrupt(proc, signal.SIGTERM)
    assert code == 130, stderr
    (row,) = journal_rows(sora_home)
    assert row["kind"] == "stream" and row["status"] == "interrupted"


def test_a_refused_stream_leaves_no_row(cli: Cli, sora_home: Path) -> None:
    cli.fault(route="chat", status=401)
    assert cli("stream", "a cat").exit_code == 3
    assert journal_rows(sora_home) == []
