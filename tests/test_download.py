"""Downloads: resume, atomic rename, MP4 check, `sora download` and `sora status`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import Cli, CutAt, journal_rows, loads, requests_for


def _task(cli: Cli, prompt: str = "a cat") -> str:
    result = cli("generate", prompt, "--no-download")
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("to_stdout", [False, True], ids=["file", "stdout"])
@pytest.mark.parametrize("action", ["reset", "unsized"])
def test_a_body_cut_short_resumes_to_an_identical_file(
    cli: Cli, tmp_path: Path, action: str, to_stdout: bool
) -> None:
    """`reset`: Content-Length said more was due. `unsized`: no Content-Length, the close
    is the only end, so the MP4's own boxes must show the file is whole. `-o -` resumes
    too: what reached stdout is never sent twice."""
    task_id = _task(cli)
    clean = tmp_path / "clean.mp4"
    assert cli("download", task_id, "-o", str(clean)).exit_code == 0
    cli.fault(route="content", action=action, times=1)
    resumed = tmp_path / "resumed.mp4"
    result = cli("download", task_id, "-o", "-" if to_stdout else str(resumed))
    assert result.exit_code == 0, result.stderr
    got = result.stdout_bytes if to_stdout else resumed.read_bytes()
    assert got == clean.read_bytes()
    ranges = [r["range"] for r in requests_for(cli.stats(), "content")]
    assert ranges[-2] is None and ranges[-1] == f"bytes={clean.stat().st_size // 2}-"
    assert "KiB (resuming from there); retrying in" in result.stderr


def test_a_stdout_download_cut_again_and_again_is_exit_8(cli: Cli) -> None:
    from sora_cli import constants

    task_id = _task(cli)
    cli.fault(route="content", action="unsized", times=constants.DOWNLOAD_RESUME_ATTEMPTS)
    result = cli("download", task_id, "-o", "-")
    assert result.exit_code == 8
    assert "kept ending before the last byte" in result.stderr


def _stdout_download(answers: list[Any]) -> tuple[bytes, list[str | None], Exception | None]:
    """`stream_to` against scripted answers (MockTransport): what reached the sink, the
    Range header of each request, and the error it ended with."""
    import io

    import httpx

    from sora_cli.client import HttpCore
    from sora_cli.download import stream_to

    ranges: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        ranges.append(request.headers.get("range"))
        status, body, extra = answers[min(len(ranges), len(answers)) - 1]
        headers = {"content-type": "video/mp4", **extra}
        if isinstance(body, bytes):
            headers.setdefault("content-length", str(len(body)))
            return httpx.Response(status, headers=headers, content=body)
        return httpx.Response(status, headers=headers, stream=body)

    sink = io.BytesIO()
    error: Exception | None = None
    with HttpCore("https://cdn.example/v1", None, transport=httpx.MockTransport(answer)) as core:
        try:
            stream_to(core, "https://cdn.example/v.mp4", sink)
        except Exception as exc:  # the test looks at which one
            error = exc
    return sink.getvalue(), ranges, error



def test_stdout_resume_from_a_server_that_ignores_range_skips_what_was_sent() -> None:
    from sora_cli.emulator.media import clip_bytes

    video = clip_bytes("720x1280-10s.mp4")
    half = len(video) // 2
    length = {"content-length": str(len(video))}
    got, ranges, error = _stdout_download(
        [(200, CutAt(video, half), length), (200, video, {})]  # Range ignored
    )
    assert error is None and got == video
    assert ranges == [None, f"bytes={half}-"]


def test_stdout_resume_answered_with_another_range_asks_for_the_whole_body() -> None:
    from sora_cli.emulator.media import clip_bytes

    video = clip_bytes("720x1280-10s.mp4")
    half = len(video) // 2
    length = {"content-length": str(len(video))}
    elsewhere = {"content-range": f"bytes 0-{len(video) - 1}/{len(video)}"}
    got, ranges, error = _stdout_download(
        [(200, CutAt(video, half), length), (206, video, elsewhere), (200, video, {})]
    )
    assert error is None and got == video
    assert ranges == [None, f"bytes={half}-", None]


@pytest.mark.parametrize("case", ["another size", "not an mp4 after 4 bytes"])
def test_stdout_resume_never_splices_on_another_file(case: str) -> None:
    from sora_cli import errors
    from sora_cli.emulator.media import clip_bytes

    video = clip_bytes("720x1280-10s.mp4")
    length = {"content-length": str(len(video))}
    if case == "another size":
        answers = [(200, CutAt(video, 1000), length), (200, video + b"x" * 1000, {})]
        kept = video[:1000]
    else:
        page = b"<html>" + b"x" * len(video)
        answers = [(200, CutAt(page, 4), {"content-length": str(len(page))}), (200, page, {})]
        kept = page[:4]  # the check stops it before a byte more
    got, _, error = _stdout_download(answers)
    assert isinstance(error, errors.BadContent)
    assert error.hint and "stdout already had" in error.hint
    assert got == kept  # nothing of the other file after what was already written


def test_html_instead_of_mp4_leaves_nothing_at_the_final_path(cli: Cli, tmp_path: Path) -> None:
    task_id = _task(cli)
    cli.fault(route="content", action="html", times=1)
    target = tmp_path / "v.mp4"
    result = cli("download", task_id, "-o", str(target))
    assert result.exit_code == 8
    assert "instead of the MP4" in result.stderr
    assert not target.exists() and not Path(str(target) + ".part").exists()


def test_truncated_bodies_keep_the_part_file_then_resume(cli: Cli, tmp_path: Path) -> None:
    from sora_cli import constants

    task_id = _task(cli)
    cli.fault(route="content", action="truncate", times=constants.DOWNLOAD_RESUME_ATTEMPTS)
    target = tmp_path / "v.mp4"
    result = cli("download", task_id, "-o", str(target))
    assert result.exit_code == 8
    assert not target.exists()
    part = Path(str(target) + ".part")
    assert part.exists() and part.stat().st_size > 0
    assert "resume" in result.stderr
    # the faults are used up: the same command resumes from the .part
    result = cli("download", task_id, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes()[4:8] == b"ftyp" and not part.exists()
    assert requests_for(cli.stats(), "content")[-1]["range"] is not None


def test_download_unfinished_task_is_exit_6_unless_wait(cli: Cli) -> None:
    result = cli("generate", "slow [emulator:stuck]", "--no-wait")
    task_id = result.stdout.strip()
    result = cli("download", task_id)
    assert result.exit_code == 6
    assert "not finished" in result.stderr and f"sora download {task_id} --wait" in result.stderr
    result = cli("download", task_id, "--wait", "--timeout", "1")
    assert result.exit_code == 6


def test_download_wait_then_save(cli: Cli) -> None:
    task_id = cli("generate", "a cat", "--no-wait").stdout.strip()
    result = cli("download", task_id, "--wait")
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()).read_bytes()[4:8] == b"ftyp"


def test_download_refuses_to_overwrite_without_force(cli: Cli, tmp_path: Path) -> None:
    task_id = _task(cli)
    target = tmp_path / "v.mp4"
    target.write_bytes(b"keep me")
    assert cli("download", task_id, "-o", str(target)).exit_code == 2
    assert target.read_bytes() == b"keep me"
    assert cli("download", task_id, "-o", str(target), "--force").exit_code == 0
    assert target.read_bytes()[4:8] == b"ftyp"


def test_download_of_unknown_or_expired_task_is_exit_7(cli: Cli) -> None:
    assert cli("download", "video_doesnotexist").exit_code == 7
    task_id = _task(cli)
    assert cli.emulator is not None
    cli.emulator.force_task(task_id, expire=True)
    result = cli("download", task_id)
    assert result.exit_code == 7
    assert "expired" in result.stderr


def test_status_shows_fields_and_json_is_the_api_object(cli: Cli) -> None:
    task_id = _task(cli)
    result = cli("status", task_id)
    assert result.exit_code == 0
    assert "status:    completed (100%)" in result.stdout and "expires:" in result.stdout
    data = loads(cli("status", task_id, "--json").stdout)
    assert data["id"] == task_id and data["status"] == "completed"
    assert "expires_at" not in data  # laozhang's status answer doesn't carry it; nothing invented


def test_status_watch_exits_like_generate(cli: Cli, sora_home: Path) -> None:
    task_id = cli("generate", "bad [emulator:content-violation]", "--no-wait").stdout.strip()
    result = cli("status", task_id, "--watch")
    assert result.exit_code == 5
    ok_id = cli("generate", "good", "--no-wait").stdout.strip()
    assert cli("status", ok_id, "--watch").exit_code == 0
    statuses = {r["id"]: r["status"] for r in journal_rows(sora_home)}
    assert statuses == {task_id: "failed", ok_id: "completed"}


def test_list_shows_tasks_and_refresh_updates_them(cli: Cli) -> None:
    ids = [cli("generate", f"cat {i}", "--no-wait").stdout.strip() for i in range(2)]
    listed = loads(cli("list", "--json").stdout)
    assert [r["id"] for r in listed] == ids[::-1]
    assert all(r["status"] == "submitted" for r in listed)
    import time

    deadline = time.monotonic() + 10
    while True:  # the emulator needs ~0.6 s; a loaded machine may need more
        refreshed = loads(cli("list", "--refresh", "--json").stdout)
        if {r["status"] for r in refreshed} == {"completed"} or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert {r["status"] for r in refreshed} == {"completed"}
    text = cli("list").stdout
    assert ids[0] in text and "not downloaded" in text


def test_a_part_file_of_another_video_is_started_over(cli: Cli, tmp_path: Path) -> None:
    first = _task(cli, "first")
    second = _task(cli, "second")
    target = tmp_path / "out.mp4"
    cli.fault(route="content", action="truncate")
    assert cli("download", first, "-o", str(target)).exit_code == 8 or True
    part = tmp_path / "out.mp4.part"
    if not part.exists():  # the truncation was ridden out: leave a part of `first` by hand
        part.write_bytes(b"\\x00\\x00\\x00\\x18ftypmp42" + b"first-video-bytes" * 100)
        (tmp_path / "out.mp4.part.id").write_text("some other video", encoding="utf-8")
    target.unlink(missing_ok=True)
    result = cli("download", second, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    clean = tmp_path / "clean.mp4"
    assert cli("download", second, "-o", str(clean)).exit_code == 0
    assert target.read_bytes() == clean.read_bytes()
    assert not part.exists() and not (tmp_path / "out.mp4.part.id").exists()


def test_downloading_again_to_the_same_file_is_a_no_op(cli: Cli, tmp_path: Path) -> None:
    task_id = _task(cli)
    target = tmp_path / "v.mp4"
    assert cli("download", task_id, "-o", str(target)).exit_code == 0
    before = len(requests_for(cli.stats(), "content"))
    result = cli("download", task_id, "-o", str(target))
    assert result.exit_code == 0 and result.stdout.strip() == str(target)
    assert "already downloaded" in result.stderr
    assert len(requests_for(cli.stats(), "content")) == before


def test_a_second_writer_of_the_same_part_is_refused(cli: Cli, tmp_path: Path) -> None:
    import fcntl

    task_id = _task(cli)
    target = tmp_path / "v.mp4"
    part = tmp_path / "v.mp4.part"
    with part.open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # another sora holds it
        result = cli("download", task_id, "-o", str(target))
    assert result.exit_code == 2
    assert "already downloading" in result.stderr
    assert not target.exists()


def test_rows_the_api_cannot_answer_are_explained(cli: Cli, sora_home: Path) -> None:
    cli.fault(route="create", status=500, create_task=True)
    assert cli("generate", "a cat").exit_code == 8
    (row,) = journal_rows(sora_home)
    result = cli("status", row["id"])
    assert result.exit_code == 7 and "answer never came back" in result.stderr
    assert not requests_for(cli.stats(), "status")
    task_id = _task(cli)
    result = cli("status", task_id, "--base-url", "http://127.0.0.1:9/v1")
    assert result.exit_code == 2 and "belongs to" in result.stderr


def test_list_forget_drops_checked_rows_from_the_journal_only(cli: Cli, sora_home: Path) -> None:
    cli.fault(route="create", status=500, create_task=True)  # made, but never heard of
    assert cli("generate", "a cat", "--no-wait").exit_code == 8
    kept = _task(cli, "a dog")
    (unknown,) = [r["id"] for r in journal_rows(sora_home) if r["kind"] == "unknown"]
    refused = cli("list", "--forget", unknown, "--forget", "nope")
    assert refused.exit_code == 2 and "no task nope" in refused.stderr
    assert len(journal_rows(sora_home)) == 2  # all or nothing
    result = cli("list", "--forget", unknown, "--json")
    assert result.exit_code == 0, result.stderr
    assert f"forgot {unknown}" in result.stderr
    assert [r["id"] for r in loads(result.stdout)] == [kept]
    assert [r["id"] for r in journal_rows(sora_home)] == [kept]
    assert not [r for r in cli.stats()["requests"] if r["method"] == "DELETE"]  # local only
