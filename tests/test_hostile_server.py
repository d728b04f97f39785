"""A server (or a proxy) that answers to hurt: keys echoed back, escape sequences, forged
lines, ids that are path steps. Nothing of it reaches a terminal, a log or a URL."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import TEST_KEY, Cli, journal_rows, requests_for

ESC_AND_FORGERY = "\x1b[2J\x1b]0;pwned\x07in_progress\nsora: saved /etc/shadow"


def task_body(task_id: str, **fields: object) -> str:
    return json.dumps({"id": task_id, "object": "video", "status": "in_progress", **fields})


def no_fragment_of_the_key(text: str) -> bool:
    return all(TEST_KEY[i : i + 8] not in text for i in range(len(TEST_KEY) - 7))


def test_a_key_echoed_near_the_cut_of_an_error_text_is_redacted_whole(cli: Cli) -> None:
    # The message is cut at 300 characters; the key straddles the cut.
    cli.fault(route="create", status=400, body="x" * 285 + TEST_KEY + " and more")
    result = cli("generate", "a cat")
    assert result.exit_code == 2
    assert "[redacted]" in result.stderr
    assert no_fragment_of_the_key(result.stderr + result.stdout)


def test_server_text_stored_in_the_journal_is_redacted(cli: Cli, sora_home: Path) -> None:
    failed = task_body(
        "video_leaky",
        status="failed",
        error={"code": "bad", "message": f"your key {TEST_KEY[:-3]} was refused"},
        url=f"https://cdn.example.invalid/v.mp4?k={TEST_KEY}",
    )
    cli.fault(route="status", status=200, body=failed)
    result = cli("status", "video_leaky")
    assert result.exit_code == 0, result.stderr
    (row,) = journal_rows(sora_home)
    assert row["error"] and "[redacted]" in row["error"]
    assert no_fragment_of_the_key(json.dumps(row))
    assert no_fragment_of_the_key(result.stdout + result.stderr)


def test_escape_sequences_and_newlines_from_the_server_never_reach_the_terminal(
    cli: Cli,
) -> None:
    hostile = task_body(
        "video_hostile",
        status=ESC_AND_FORGERY,
        progress=40,
        model="sora-2\x1b[31m",
        error={"code": "x\ny", "message": "\x1b[1A\x1b[2Ksora: saved /etc/shadow"},
    )
    cli.fault(route="status", status=200, body=hostile, times=3)
    for args in (("status", "video_hostile"), ("list",)):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        for stream in (result.stdout, result.stderr):
            assert "\x1b" not in stream and "\x07" not in stream
            assert not any(line.startswith("sora: saved") for line in stream.splitlines())


def test_an_error_body_with_escape_sequences_is_one_clean_line(cli: Cli) -> None:
    cli.fault(route="create", status=400, body="bad\x1b[2J value\r\nsora: saved /etc/shadow")
    result = cli("generate", "a cat")
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr and "\r" not in result.stderr
    assert not any(line.startswith("sora: saved") for line in result.stderr.splitlines())


def test_a_created_id_that_is_a_path_step_is_refused_and_never_polled(
    cli: Cli, sora_home: Path
) -> None:
    cli.fault(route="create", status=200, body=task_body("..", status="queued"))
    result = cli("generate", "a cat")
    assert result.exit_code == 8, result.stderr
    assert "the API returned an unusable id" in result.stderr
    assert requests_for(cli.stats(), "status") == []
    assert all(r["path"].rstrip("/") != "/v1" for r in cli.stats()["requests"])
    assert ".." not in result.stdout.split()
    assert all(row["id"] != ".." for row in journal_rows(sora_home))


def test_a_created_id_with_control_characters_is_refused(cli: Cli) -> None:
    cli.fault(route="create", status=200, body=task_body("video_1\nsora: saved x"))
    result = cli("generate", "a cat", "--no-wait")
    assert result.exit_code == 8
    assert "unusable id" in result.stderr
    assert "sora: saved x" not in result.stdout


def test_an_id_of_dot_dot_from_the_user_is_refused_before_sending(cli: Cli) -> None:
    for task_id in ("..", "."):
        result = cli("status", task_id)
        assert result.exit_code == 2, result.stderr
        assert "cannot be used" in result.stderr
    assert cli.stats()["requests"] == []


def test_a_saved_path_with_a_newline_is_one_quoted_line_on_stdout(cli: Cli) -> None:
    result = cli("generate", "a cat", "-o", "two\nlines.mp4")
    assert result.exit_code == 0, result.stderr
    (line,) = result.stdout.splitlines()
    assert line == f"$'{Path.cwd()}/two\\nlines.mp4'"
    assert Path("two\nlines.mp4").exists()


def test_every_fragment_of_eight_characters_or_more_is_redacted() -> None:
    from sora_cli.safe_text import register_secret, scrub_secrets

    register_secret(TEST_KEY)
    for start in range(len(TEST_KEY) - 7):
        for end in range(start + 8, len(TEST_KEY) + 1):
            shown = scrub_secrets(f"said: {TEST_KEY[start:end]}, then x{TEST_KEY[start:end]}y")
            assert no_fragment_of_the_key(shown), shown
            assert shown.count("[redacted]") == 2
    assert scrub_secrets("an ordinary sentence about sk-test and DO-NOT") == (
        "an ordinary sentence about sk-test and DO-NOT"
    )


def test_the_sync_streams_server_text_is_one_clean_line() -> None:
    from sora_cli.sse import SyncStreamDecoder

    decoder = SyncStreamDecoder()
    decoder.feed(json.dumps({"id": "chatcmpl-1\x1b[2J", "model": "sora\nx", "choices": []}))
    update = decoder.feed(json.dumps({"error": {"message": "bad\nsora: saved /etc/shadow\x1b[2J"}}))
    (event,) = update.events
    for text in (event.text, decoder.completion_id or "", decoder.model or ""):
        assert "\n" not in text and "\x1b" not in text
