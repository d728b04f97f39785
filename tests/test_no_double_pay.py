"""A create whose answer never came is not paid for twice where the server can help: the
same Idempotency-Key (kept whole in the journal) goes out again, and where the API lists
tasks the lost one is looked for first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sora_cli.emulator import Emulator, EmulatorConfig
from tests.helpers import TEST_KEY, Cli, journal_rows, requests_for


def _cli(monkeypatch: pytest.MonkeyPatch, **config: object) -> Iterator[Cli]:
    server = Emulator(
        EmulatorConfig(port=0, queue_seconds=0.05, gen_seconds=0.3, poll_after_ms=50, **config)  # type: ignore[arg-type]
    ).start()
    monkeypatch.setenv("SORA_BASE_URL", server.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    if config.get("profile"):
        monkeypatch.setenv("SORA_PROFILE", str(config["profile"]))
    yield Cli(server)
    server.stop()


@pytest.fixture
def honouring_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """A laozhang server that honours Idempotency-Key (and cannot list tasks)."""
    yield from _cli(monkeypatch, honour_idempotency=True)


@pytest.fixture
def listing_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """An openai server that ignores Idempotency-Key but lists tasks (`GET /videos`)."""
    yield from _cli(monkeypatch, profile="openai")


def _lose_the_answer(cli: Cli) -> None:
    """The next create makes its task, then answers 500: the answer is lost."""
    cli.fault(route="create", status=500, create_task=True)


def test_the_whole_idempotency_key_is_journaled_and_sent_again(
    honouring_cli: Cli, sora_home: Path
) -> None:
    _lose_the_answer(honouring_cli)
    first = honouring_cli("generate", "a heron", "--no-wait")
    assert first.exit_code == 8 and "may exist" in first.stderr
    (row,) = journal_rows(sora_home)
    sent = requests_for(honouring_cli.stats(), "create")[0]["idempotency_key"]
    assert row["kind"] == "unknown" and row["idempotency_key"] == sent and len(sent) == 36

    again = honouring_cli("generate", "a heron")
    assert again.exit_code == 0, again.stderr
    assert "same Idempotency-Key" in again.stderr
    creates = requests_for(honouring_cli.stats(), "create")
    assert [c["idempotency_key"] for c in creates] == [sent, sent]
    assert honouring_cli.stats()["creates_by_prompt"] == {"a heron": 1}  # paid once
    (row,) = journal_rows(sora_home)  # the unknown row became the task's
    assert row["kind"] == "async" and row["file"]


def test_another_prompt_does_not_take_the_unanswered_key(
    honouring_cli: Cli, sora_home: Path
) -> None:
    _lose_the_answer(honouring_cli)
    assert honouring_cli("generate", "a heron", "--no-wait").exit_code == 8
    assert honouring_cli("generate", "a crane", "--no-wait").exit_code == 0
    keys = [c["idempotency_key"] for c in requests_for(honouring_cli.stats(), "create")]
    assert len(set(keys)) == 2
    assert {r["kind"] for r in journal_rows(sora_home)} == {"unknown", "async"}


def test_where_the_api_lists_tasks_the_lost_one_is_found_not_paid_again(
    listing_cli: Cli, sora_home: Path
) -> None:
    _lose_the_answer(listing_cli)
    assert listing_cli("generate", "a heron", "--no-wait").exit_code == 8
    again = listing_cli("generate", "a heron", "--no-wait")
    assert again.exit_code == 0, again.stderr
    assert "lists it as task" in again.stderr
    assert len(requests_for(listing_cli.stats(), "create")) == 1
    (row,) = journal_rows(sora_home)
    assert row["kind"] == "async" and row["id"] == again.stdout.strip()


def test_a_batch_rerun_finds_its_lost_task_in_the_list(
    listing_cli: Cli, sora_home: Path, tmp_path: Path
) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("a heron\n")
    _lose_the_answer(listing_cli)
    first = listing_cli("batch", str(prompts), "-O", str(tmp_path / "out"), "-q")
    assert first.exit_code == 8, first.stderr
    again = listing_cli("batch", str(prompts), "-O", str(tmp_path / "out"), "-q")
    assert again.exit_code == 0, again.stderr
    assert len(requests_for(listing_cli.stats(), "create")) == 1
    assert len(list((tmp_path / "out").glob("*.mp4"))) == 1
