"""`sora generate` end to end against the emulator on a loopback socket."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import TEST_KEY, Cli, journal_rows, loads, requests_for

MP4_HEAD = b"ftyp"


def _assert_mp4(path: Path) -> None:
    data = path.read_bytes()
    assert data[4:8] == MP4_HEAD
    assert len(data) > 1000


def test_generate_downloads_mp4_and_prints_only_the_path(cli: Cli, sora_home: Path) -> None:
    result = cli("generate", "a cat", "--size", "1280x720", "--seconds", "15")
    assert result.exit_code == 0, result.stderr
    path = Path(result.stdout.strip())
    assert result.stdout.count("\n") == 1
    assert path.name.startswith("sora-video_") and path.suffix == ".mp4"
    _assert_mp4(path)
    assert not Path(str(path) + ".part").exists()
    # plain progress lines on stderr (not a terminal), one per change or 10 %
    assert "in_progress" in result.stderr and "completed 100%" in result.stderr
    assert "\x1b[" not in result.stderr
    rows = journal_rows(sora_home)
    assert len(rows) == 1
    assert rows[0]["status"] == "completed" and rows[0]["file"] == str(path)
    assert rows[0]["size"] == "1280x720" and rows[0]["seconds"] == "15"
    assert rows[0]["expires_at"] is not None


def test_create_is_multipart_with_idempotency_key_and_user_agent(cli: Cli) -> None:
    result = cli("generate", "a dog", "--no-wait")
    assert result.exit_code == 0, result.stderr
    (create,) = requests_for(cli.stats(), "create")
    assert create["content_type"].startswith("multipart/form-data")
    assert create["idempotency_key"]
    assert create["user_agent"].startswith("sora-cli/")
    assert create["authorization"] is True


def test_no_wait_prints_id_and_journals_task(cli: Cli, sora_home: Path) -> None:
    result = cli("generate", "a dog", "--no-wait")
    assert result.exit_code == 0
    task_id = result.stdout.strip()
    assert task_id.startswith("video_")
    (row,) = journal_rows(sora_home)
    assert row["id"] == task_id and row["prompt"] == "a dog"
    assert not list(Path.cwd().glob("*.mp4"))


def test_no_download_waits_and_prints_id(cli: Cli) -> None:
    result = cli("generate", "a dog", "--no-download")
    assert result.exit_code == 0
    assert result.stdout.strip().startswith("video_")
    assert not list(Path.cwd().glob("*.mp4"))
    assert not requests_for(cli.stats(), "content")


def test_json_prints_the_task_record(cli: Cli) -> None:
    result = cli("generate", "a dog", "--json", "-s", "landscape")
    assert result.exit_code == 0
    record = loads(result.stdout)
    assert record["status"] == "completed" and record["size"] == "1280x720"
    assert Path(record["file"]).exists()


def test_output_file_dir_and_stdout(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "cat.mp4"
    assert cli("generate", "a cat", "-o", str(target)).exit_code == 0
    _assert_mp4(target)
    outdir = tmp_path / "videos"
    outdir.mkdir()
    result = cli("generate", "a cat", "-o", str(outdir), "-q")
    assert result.exit_code == 0 and result.stderr == ""
    (saved,) = outdir.glob("sora-*.mp4")
    assert result.stdout.strip() == str(saved)
    result = cli("generate", "a cat", "-o", "-", "-q")
    assert result.exit_code == 0
    assert result.stdout_bytes[4:8] == MP4_HEAD
    newest = loads(cli("list", "--json", "-n", "1").stdout)[0]
    assert newest["file"] is None and newest["downloaded_at"]  # delivered, to stdout
    assert "(sent to stdout)" in cli("list").stdout
    assert "not downloaded" not in cli("status", newest["id"]).stderr


def test_existing_output_is_refused_before_anything_is_paid_for(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "cat.mp4"
    target.write_bytes(b"precious")
    result = cli("generate", "a cat", "-o", str(target))
    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert not requests_for(cli.stats(), "create")
    assert target.read_bytes() == b"precious"
    assert cli("generate", "a cat", "-o", str(target), "--force").exit_code == 0
    _assert_mp4(target)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_directory_that_takes_no_files_is_refused_before_paying(cli: Cli) -> None:
    """Permission bits can say yes (root, network file systems) where a write fails:
    a probe file made and removed is the only sure test."""
    result = cli("generate", "a cat", "-o", "/proc/sora-test.mp4")
    assert result.exit_code == 2, result.stderr
    assert "cannot write in /proc" in result.stderr
    assert not requests_for(cli.stats(), "create")


def test_prompt_from_stdin_and_file(cli: Cli, tmp_path: Path, sora_home: Path) -> None:
    assert cli("generate", "-", "--no-wait", input="a fox from stdin\n").exit_code == 0
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("a fox from a file\n", encoding="utf-8")
    assert cli("generate", "--prompt-file", str(prompt_file), "--no-wait").exit_code == 0
    prompts = [r["prompt"] for r in journal_rows(sora_home)]
    assert prompts == ["a fox from stdin", "a fox from a file"]


def test_a_prompt_file_from_windows_reads_like_any_text_file(
    cli: Cli, tmp_path: Path, sora_home: Path
) -> None:
    crlf = tmp_path / "crlf.txt"
    crlf.write_bytes("\ufeffa cat\r\non a board\r\n".encode())  # a BOM and CRLF line ends
    assert cli("generate", "--prompt-file", str(crlf), "--no-wait").exit_code == 0
    piped = cli("generate", "-", "--no-wait", input="a dog\r\non a board\r\n")
    assert piped.exit_code == 0, piped.stderr
    prompts = [r["prompt"] for r in journal_rows(sora_home)]
    assert prompts == ["a cat\non a board", "a dog\non a board"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_an_endless_prompt_file_or_stdin_is_refused_not_read_to_the_end(
    cli: Cli, tmp_path: Path
) -> None:
    result = cli("generate", "--prompt-file", "/dev/zero", "--no-wait")
    assert result.exit_code == 2, result.stderr
    assert "/dev/zero holds more than 1 MiB; that is no prompt" in result.stderr
    piped = cli("generate", "-", "--no-wait", input="é" * (512 * 1024 + 1))  # bytes, not chars
    assert piped.exit_code == 2 and "stdin holds more than 1 MiB" in piped.stderr
    assert not requests_for(cli.stats(), "create")


def test_poll_after_header_sets_the_poll_delay(cli: Cli) -> None:
    # poll interval 5 s, but the emulator says 50 ms: the whole run takes well under 5 s.
    import time

    start = time.monotonic()
    assert cli("generate", "quick", "--no-download", "--poll-interval", "5").exit_code == 0
    assert time.monotonic() - start < 4
    assert len(requests_for(cli.stats(), "status")) >= 3


def test_content_violation_fails_with_exit_5_and_is_journaled(cli: Cli, sora_home: Path) -> None:
    result = cli("generate", "forbidden [emulator:content-violation]")
    assert result.exit_code == 5
    assert "failed" in result.stderr and "content" in result.stderr
    (row,) = journal_rows(sora_home)
    assert result.stdout == row["id"] + "\n"  # the task, for a script to report
    assert row["status"] == "failed" and row["error"]
    assert not list(Path.cwd().glob("*.mp4*"))


def test_timeout_exits_6_with_resume_command(cli: Cli, sora_home: Path) -> None:
    result = cli("generate", "slow [emulator:stuck]", "--timeout", "1")
    assert result.exit_code == 6
    (row,) = journal_rows(sora_home)
    assert f"sora download {row['id']} --wait" in result.stderr
    assert "keeps running" in result.stderr


def test_timeout_resume_command_repeats_the_output_asked_for(
    cli: Cli, sora_home: Path, tmp_path: Path
) -> None:
    result = cli("generate", "slow [emulator:stuck]", "--timeout", "1", "-o", "my clip.mp4")
    assert result.exit_code == 6
    (row,) = journal_rows(sora_home)
    wanted = Path.cwd() / "my clip.mp4"  # absolute: it still holds from another directory
    assert f"sora download {row['id']} --wait -o '{wanted}'" in result.stderr


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--size", "640x480"], "size"),
        (["--seconds", "7"], "duration"),
        (["--model", "sora-9"], "model"),
        (["--poll-interval", "0.5"], "poll interval"),
        (["--profile", "nope"], "profile"),
        (["--no-wait", "--no-download"], "--no-wait"),
    ],
)
def test_bad_flag_values_exit_2_before_any_request(cli: Cli, args: list[str], needle: str) -> None:
    result = cli("generate", "a cat", *args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert cli.stats()["requests"] == []


def test_openai_profile_values(openai_emulator: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from sora_cli.emulator import Emulator

    assert isinstance(openai_emulator, Emulator)
    monkeypatch.setenv("SORA_BASE_URL", openai_emulator.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    monkeypatch.setenv("SORA_PROFILE", "openai")
    cli = Cli(openai_emulator)
    result = cli("generate", "a cat", "-s", "1792x1024", "-d", "8", "-m", "sora-2-pro", "--json")
    assert result.exit_code == 0, result.stderr
    record = loads(result.stdout)
    assert record["status"] == "completed" and record["size"] == "1792x1024"
    # the laozhang durations are refused under the openai profile, before any request
    before = len(cli.stats()["requests"])
    assert cli("generate", "a cat", "-d", "10").exit_code == 2
    assert len(cli.stats()["requests"]) == before


def test_stdout_names_the_video_by_an_absolute_path(cli: Cli) -> None:
    """A script may cd before it uses the path: `-o rel.mp4` prints it absolute."""
    result = cli("generate", "a cat", "-o", "rel.mp4")
    assert result.exit_code == 0, result.stderr
    printed = Path(result.stdout.strip())
    assert printed.is_absolute() and printed == Path.cwd() / "rel.mp4" and printed.exists()
