"""A journal that cannot be written (locked, full, corrupted): no paid task is lost, and
no such journal is ever exit 1."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_cli import constants, errors
from sora_cli.dialects import openai as api
from tests.helpers import TEST_KEY, Cli, journal_rows


class WriteLock:
    """Another connection holding the journal's write lock (`BEGIN IMMEDIATE`)."""

    def __init__(self, path: Path):
        self.path = path
        self.db: sqlite3.Connection | None = None

    def take(self) -> None:
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.db is not None:
            self.db.execute("COMMIT")
            self.db.close()
            self.db = None


@pytest.fixture
def lock_after_create(sora_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WriteLock]:
    """The lock is taken the moment the create call has answered (the task is paid for),
    with short busy timeouts so the test does not wait seconds for each write."""
    monkeypatch.setattr(constants, "JOURNAL_BUSY_TIMEOUT_MS", 100)
    monkeypatch.setattr(constants, "JOURNAL_RETRY_BUSY_MS", 10)
    lock = WriteLock(sora_home / "jobs.sqlite3")
    create = api.VideosApi.create

    def create_then_lock(self: api.VideosApi, request: Any, **options: Any) -> Any:
        task = create(self, request, **options)
        lock.take()
        return task

    monkeypatch.setattr(api.VideosApi, "create", create_then_lock)
    yield lock
    lock.release()


def test_a_journal_locked_after_the_create_loses_nothing_and_catches_up(
    cli: Cli, sora_home: Path, lock_after_create: WriteLock, monkeypatch: pytest.MonkeyPatch
) -> None:
    polls = [0]
    retrieve = api.VideosApi.retrieve

    def retrieve_then_release(self: api.VideosApi, task_id: str) -> Any:
        polls[0] += 1
        if polls[0] == 2:  # the lock goes away while the wait goes on
            lock_after_create.release()
        return retrieve(self, task_id)

    monkeypatch.setattr(api.VideosApi, "retrieve", retrieve_then_release)
    result = cli("generate", "a cat")
    assert result.exit_code == 0, result.stderr
    assert "cannot write the job journal" in result.stderr and "locked" in result.stderr
    (row,) = journal_rows(sora_home)  # the held-back writes were made; no intent row left
    assert row["kind"] == "async" and row["status"] == "completed"
    assert row["file"] and Path(row["file"]).exists()
    assert result.stdout.strip() == row["file"]


def test_a_journal_locked_for_the_whole_run_still_gives_the_id_and_it_can_be_resumed(
    cli: Cli, sora_home: Path, lock_after_create: WriteLock
) -> None:
    result = cli("generate", "a cat", "--no-wait")
    assert result.exit_code == 0, result.stderr
    task_id = result.stdout.strip()
    assert task_id.startswith("video_")
    assert f"sora download {task_id} --wait" in result.stderr
    assert "could not be written" in result.stderr
    lock_after_create.release()
    assert all(row["id"] != task_id for row in journal_rows(sora_home))
    # Recoverable from the id alone: nothing about it was in the journal.
    resumed = cli("download", task_id, "--wait")
    assert resumed.exit_code == 0, resumed.stderr
    assert Path(resumed.stdout.strip()).exists()


def test_a_journal_locked_at_a_timeout_still_prints_the_id_not_exit_1(
    slow_cli: Cli, sora_home: Path, lock_after_create: WriteLock
) -> None:
    result = slow_cli("generate", "a cat", "--timeout", "1.2", "--poll-interval", "1", "--json")
    assert result.exit_code == 6, result.stderr
    assert '"id": "video_' in result.stdout
    assert "sora download video_" in result.stderr


def test_a_journal_locked_before_the_create_pays_nothing(
    cli: Cli, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(constants, "JOURNAL_BUSY_TIMEOUT_MS", 100)
    assert cli("list").exit_code == 0  # the journal exists
    lock = WriteLock(sora_home / "jobs.sqlite3")
    lock.take()
    try:
        result = cli("generate", "a cat")
    finally:
        lock.release()
    assert result.exit_code == 2
    assert "cannot write the job journal" in result.stderr
    assert cli.stats()["creates_by_prompt"] == {}


def test_a_corrupted_journal_is_exit_2_and_pays_nothing(cli: Cli, sora_home: Path) -> None:
    assert cli("generate", "a cat", "--no-wait").exit_code == 0
    path = sora_home / "jobs.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page, len(data)):  # every page after the header page: garbage
        data[offset] = 0xA5
    path.write_bytes(bytes(data))
    before = dict(cli.stats()["creates_by_prompt"])
    for args in (("generate", "a dog"), ("list",)):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.stderr)
        assert "job journal" in result.stderr
        said = [ln for ln in result.stderr.strip().splitlines() if "sora: note:" not in ln]
        assert len(said) <= 2  # one line and its hint (a retired model's note aside)
    assert cli.stats()["creates_by_prompt"] == before


# ---------------------------------------------------------------- other bad input: exit 2


def test_a_prompt_that_is_not_utf8_is_exit_2_and_pays_nothing(
    cli: Cli, tmp_path: Path, sora_home: Path
) -> None:
    import os

    from tests.helpers import run_sora

    env = {
        "SORA_HOME": str(sora_home),
        "SORA_BASE_URL": cli.emulator.base_url,  # type: ignore[union-attr]
        "SORA_API_KEY": TEST_KEY,
        "LC_ALL": "C.UTF-8",
    }
    bad = tmp_path / "prompt.txt"
    bad.write_bytes(b"a \xff cat")
    runs = [
        run_sora("generate", "-", "--no-wait", env=env, input=None, stdin=bad.open("rb")),
        run_sora("generate", "--prompt-file", str(bad), "--no-wait", env=env),
        run_sora("generate", os.fsdecode(b"a \xff cat"), "--no-wait", env=env),
    ]
    for run in runs:
        assert run.returncode == 2, run.stderr
        assert "not valid UTF-8" in run.stderr or "not UTF-8" in run.stderr
        assert len(run.stderr.strip().splitlines()) <= 2
    assert cli.stats()["creates_by_prompt"] == {}


def test_a_base_url_with_a_tab_is_exit_2(bare_cli: Cli) -> None:
    for url in (
        "http://127.0.0.1:9/v\t1",
        "https://api.ex\tample.com/v1",
        "https://api.sora-test.invalid/v\n1",
    ):
        result = bare_cli("status", "video_1", "--base-url", url, "--api-key", TEST_KEY)
        assert result.exit_code == 2, (url, result.stderr)
        assert "base URL" in result.stderr


def test_a_journal_that_cannot_be_opened_at_the_end_does_not_hide_the_id(
    slow_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sora_cli import journal

    opened = [0]
    real_open = journal.Journal._open

    def open_once(self: journal.Journal, path: Path) -> None:
        opened[0] += 1
        if opened[0] > 1:  # the journal breaks while the task is waited for
            raise sqlite3.DatabaseError("database disk image is malformed")
        real_open(self, path)

    monkeypatch.setattr(journal.Journal, "_open", open_once)
    result = slow_cli("generate", "a cat", "--timeout", "1", "--poll-interval", "1", "--json")
    assert result.exit_code == 6, result.stderr
    assert '"id": "video_' in result.stdout


def test_a_full_disk_under_the_journal_after_the_create_loses_nothing(
    cli: Cli, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sora_cli import journal

    create = api.VideosApi.create
    full = [False]

    def create_then_fill(self: api.VideosApi, request: Any, **options: Any) -> Any:
        task = create(self, request, **options)
        full[0] = True
        return task

    real_run = journal.Journal._run

    def run(self: journal.Journal, write: Any) -> None:
        if full[0]:
            raise errors.JournalError("cannot write the job journal: database or disk is full")
        real_run(self, write)

    monkeypatch.setattr(api.VideosApi, "create", create_then_fill)
    monkeypatch.setattr(journal.Journal, "_run", run)
    result = cli("generate", "a cat", "--no-wait")
    assert result.exit_code == 0, result.stderr
    task_id = result.stdout.strip()
    assert task_id.startswith("video_") and "disk is full" in result.stderr
    assert f"sora download {task_id} --wait" in result.stderr
