"""`sora batch` against the emulator: caps, resume without double-paying, cost, failures."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sora_cli.emulator import Emulator, EmulatorConfig
from tests.conftest import _start
from tests.helpers import (
    TEST_KEY,
    Cli,
    has_rows,
    interrupt,
    journal_rows,
    loads,
    requests_for,
    run_sora,
    start_sora,
    wait_until,
)


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env(server: Emulator, home: Path) -> dict[str, str]:
    return {"SORA_HOME": str(home), "SORA_BASE_URL": server.base_url, "SORA_API_KEY": TEST_KEY}


def _ndjson(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_fifty_lines_complete_within_the_documented_caps(cli: Cli, tmp_path: Path) -> None:
    prompts = _write(
        tmp_path, "p.txt", ["# fifty cats", ""] + [f"cat number {i}" for i in range(50)]
    )
    out = tmp_path / "out"
    result = cli("batch", str(prompts), "--output-dir", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    records = _ndjson(result.stdout)
    lines, summary = records[:-1], records[-1]
    assert len(lines) == 50 and all(r["outcome"] == "completed" for r in lines)
    assert summary["type"] == "summary" and summary["completed"] == 50
    assert summary["cost_usd"] == pytest.approx(7.5)
    assert len(list(out.glob("*.mp4"))) == 50
    peaks = cli.stats()["max_in_flight"]
    assert 1 <= peaks["create"] <= 10  # concurrency itself is timing-dependent: not asserted
    assert peaks["status"] <= 10
    assert peaks["content"] <= 5
    assert set(cli.stats()["creates_by_prompt"].values()) == {1}


def test_create_concurrency_flag_is_capped_at_30(cli: Cli, tmp_path: Path) -> None:
    prompts = _write(tmp_path, "p.txt", [f"dog {i}" for i in range(40)])
    result = cli("batch", str(prompts), "-O", str(tmp_path), "--create-concurrency", "30", "-q")
    assert result.exit_code == 0, result.stderr
    assert cli.stats()["max_in_flight"]["create"] <= 30
    assert cli("batch", str(prompts), "--create-concurrency", "31").exit_code == 2


def test_dry_run_sends_nothing_and_prices_the_lines(cli: Cli, tmp_path: Path) -> None:
    prompts = _write(
        tmp_path,
        "p.jsonl",
        [
            '{"prompt": "a", "seconds": 15}',
            '{"prompt": "b", "size": "landscape"}',
            '{"prompt": "c"}',
        ],
    )
    result = cli("batch", str(prompts), "--dry-run", "--json")
    assert result.exit_code == 0
    plan = loads(result.stdout)
    assert plan["lines"] == 3 and plan["estimated_cost_usd"] == pytest.approx(0.45)
    assert cli.stats()["requests"] == []


def test_invalid_lines_are_all_reported_and_nothing_is_sent(cli: Cli, tmp_path: Path) -> None:
    prompts = _write(
        tmp_path,
        "p.jsonl",
        [
            '{"prompt": "fine"}',
            '{"prompt": "bad size", "size": "640x480"}',
            '{"prompt": "bad json"',
            '{"prompt": "escape", "output": "../../x.mp4"}',
            '{"prompt": "dup", "output": "a.mp4"}',
            '{"prompt": "dup2", "output": "A.mp4"}',
            '{"prompt": "", "seconds": 10}',
            '{"prompt": "img", "image": "/nope/missing.png"}',
        ],
    )
    result = cli("batch", str(prompts))
    assert result.exit_code == 2
    for number in (2, 3, 4, 6, 7, 8):
        assert f"p.jsonl:{number}:" in result.stderr
    assert "p.jsonl:1:" not in result.stderr and "p.jsonl:5:" not in result.stderr
    assert cli.stats()["requests"] == []


def test_one_content_violation_fails_its_line_and_the_batch_goes_on(
    cli: Cli, tmp_path: Path
) -> None:
    lines = [f"bird {i}" for i in range(6)] + ["bad [emulator:content-violation]"]
    result = cli("batch", str(_write(tmp_path, "p.txt", lines)), "-O", str(tmp_path), "--json")
    assert result.exit_code == 5
    records = _ndjson(result.stdout)
    outcomes = {r["prompt"]: r["outcome"] for r in records if r["type"] == "line"}
    assert outcomes["bad [emulator:content-violation]"] == "failed"
    assert sum(1 for o in outcomes.values() if o == "completed") == 6
    assert records[-1]["cost_usd"] == pytest.approx(0.9)  # failed tasks are free
    assert "--retry-failed" in result.stderr


def test_max_cost_stops_creating(cli: Cli, tmp_path: Path) -> None:
    prompts = _write(tmp_path, "p.txt", [f"fish {i}" for i in range(5)])
    result = cli(
        "batch",
        str(prompts),
        "-O",
        str(tmp_path),
        "--max-cost",
        "0.45",
        "--create-concurrency",
        "1",
        "--json",
    )
    assert result.exit_code == 6
    summary = _ndjson(result.stdout)[-1]
    assert summary["completed"] == 3 and summary["skipped"] == 2
    assert sum(cli.stats()["creates_by_prompt"].values()) == 3


def test_dry_run_applies_max_cost_as_the_real_run_would(cli: Cli, tmp_path: Path) -> None:
    prompts = _write(tmp_path, "p.txt", [f"fish {i}" for i in range(5)])
    args = ["batch", str(prompts), "-O", str(tmp_path), "--max-cost", "0.45"]
    plan = loads(cli(*args, "--dry-run", "--json").stdout)
    assert plan["lines"] == 3 and plan["skipped"] == 2
    assert plan["estimated_cost_usd"] == pytest.approx(0.45)
    shown = cli(*args, "--dry-run")
    assert shown.exit_code == 0
    assert "3 tasks to create, estimated $0.45" in shown.stdout and "2 skipped" in shown.stdout
    assert "2 lines would be skipped (4, 5): --max-cost 0.45 USD" in shown.stderr
    assert "--max-cost 0.75" in shown.stderr
    assert cli.stats()["requests"] == []
    real = cli(*args, "--create-concurrency", "1", "--json")
    assert real.exit_code == 6
    summary = _ndjson(real.stdout)[-1]
    assert (summary["completed"], summary["skipped"]) == (plan["lines"], plan["skipped"])
    assert f"sora batch --resume {summary['batch_id']} --max-cost 0.75" in real.stderr


def test_429_storm_pauses_creates_and_completes(cli: Cli, tmp_path: Path) -> None:
    cli.fault(route="create", status=429, retry_after="0.3", times=6)
    prompts = _write(tmp_path, "p.txt", [f"owl {i}" for i in range(12)])
    result = cli("batch", str(prompts), "-O", str(tmp_path), "-q")
    assert result.exit_code == 0, result.stderr
    creates = [r for r in cli.stats()["requests"] if r["route"] == "create"]
    assert sum(1 for r in creates if r["status"] == 429) == 6
    assert set(cli.stats()["creates_by_prompt"].values()) == {1}


def test_402_stops_creating_but_running_tasks_finish(cli: Cli, tmp_path: Path) -> None:
    cli.fault(route="create", delay=0.01)  # the first create goes through normally
    cli.fault(route="create", status=402)  # the second meets an empty balance
    prompts = _write(tmp_path, "p.txt", [f"yak {i}" for i in range(4)])
    result = cli("batch", str(prompts), "-O", str(tmp_path), "--create-concurrency", "1", "--json")
    assert result.exit_code == 4
    records = [r for r in _ndjson(result.stdout) if r["type"] == "line"]
    assert sorted(r["outcome"] for r in records) == ["completed", "error", "skipped", "skipped"]
    assert "no more tasks will be created" in result.stderr


def test_fail_fast_stops_at_the_first_failure(cli: Cli, tmp_path: Path) -> None:
    lines = ["bad [emulator:content-violation]"] + [f"slow {i} [emulator:stuck]" for i in range(3)]
    result = cli("batch", str(_write(tmp_path, "p.txt", lines)), "--fail-fast", "--json")
    assert result.exit_code == 5
    outcomes = sorted(r["outcome"] for r in _ndjson(result.stdout) if r["type"] == "line")
    assert outcomes == ["cancelled", "cancelled", "cancelled", "failed"]


def test_outputs_per_line_and_resume_by_id(cli: Cli, tmp_path: Path, sora_home: Path) -> None:
    prompts = _write(
        tmp_path,
        "p.jsonl",
        [
            '{"prompt": "one", "output": "named/first"}',
            '{"prompt": "two", "id": "second"}',
        ],
    )
    out = tmp_path / "out"
    result = cli("batch", str(prompts), "-O", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    assert (out / "named" / "first.mp4").read_bytes()[4:8] == b"ftyp"
    batch_id = _ndjson(result.stdout)[-1]["batch_id"]
    assert {r["batch_id"] for r in journal_rows(sora_home)} == {batch_id}
    (out / "named" / "first.mp4").unlink()  # a missing video is downloaded again on resume
    result = cli("batch", "--resume", str(batch_id), "--json")
    assert result.exit_code == 0, result.stderr
    assert (out / "named" / "first.mp4").exists()
    assert set(cli.stats()["creates_by_prompt"].values()) == {1}
    assert cli("batch", "--resume", "b-nope").exit_code == 2


def test_stdin_batch(cli: Cli, tmp_path: Path) -> None:
    result = cli("batch", "-", "-O", str(tmp_path), "-q", input="from stdin one\nfrom stdin two\n")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2


@pytest.fixture
def slow_emulator() -> Iterator[Emulator]:
    # A server that honours Idempotency-Key, as the zero-double-pay promise after a kill
    # mid-create needs (DESIGN "HTTP behaviour"); see docs/RELIABILITY.md.
    server = Emulator(
        EmulatorConfig(
            port=0, queue_seconds=0.2, gen_seconds=2.0, poll_after_ms=100, honour_idempotency=True
        )
    ).start()
    yield server
    server.stop()


def test_killed_batch_rerun_pays_nothing_twice(
    slow_emulator: Emulator, sora_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = _write(tmp_path, "p.txt", [f"heron {i}" for i in range(30)])
    out = tmp_path / "out"
    env = _env(slow_emulator, sora_home)
    proc = start_sora("batch", str(prompts), "-O", str(out), "--create-concurrency", "5", env=env)
    wait_until(has_rows(sora_home, 12), settle=0)
    interrupt(proc, signal.SIGKILL)
    monkeypatch.setenv("SORA_BASE_URL", slow_emulator.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    result = Cli(slow_emulator)("batch", str(prompts), "-O", str(out), "--json")
    assert result.exit_code == 0, result.stderr
    assert len(list(out.glob("*.mp4"))) == 30
    creates = slow_emulator.stats()["creates_by_prompt"]
    assert len(creates) == 30 and set(creates.values()) == {1}
    assert any(r["reattached"] for r in _ndjson(result.stdout) if r["type"] == "line")


def test_interrupting_a_batch_mid_download_is_quick_and_resumable(
    emulator: Emulator, sora_home: Path, tmp_path: Path
) -> None:
    prompts = _write(tmp_path, "p.txt", ["a stalled download"])
    out = tmp_path / "out"
    emulator.add_fault(route="content", action="stall")  # half the video, then silence
    env = _env(emulator, sora_home)
    proc = start_sora("batch", str(prompts), "-O", str(out), env=env)
    wait_until(lambda: bool(list(out.glob("*.part"))))
    started = time.monotonic()
    code, _, stderr = interrupt(proc, signal.SIGTERM)
    assert time.monotonic() - started < 5  # not held hostage by the silent connection
    assert code == 130, stderr
    assert "sora batch --resume" in stderr
    resumed = run_sora("batch", str(prompts), "-O", str(out), env=env)
    assert resumed.returncode == 0, resumed.stderr
    (video,) = out.glob("*.mp4")
    assert video.read_bytes()[4:8] == b"ftyp" and not list(out.glob("*.part*"))
    assert set(emulator.stats()["creates_by_prompt"].values()) == {1}


def test_the_same_file_on_another_server_gets_its_own_tasks(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = _write(tmp_path, "p.txt", ["first", "second"])
    out = tmp_path / "out"
    assert cli("batch", str(prompts), "-O", str(out), "-q").exit_code == 0
    keys_on_a = {r["idempotency_key"] for r in cli.stats()["requests"] if r["route"] == "create"}
    assert cli.emulator is not None
    server_a = cli.emulator.base_url
    other = _start()
    try:
        monkeypatch.setenv("SORA_BASE_URL", other.base_url)
        on_b = Cli(other)
        plan = loads(on_b("batch", str(prompts), "--dry-run", "--json").stdout)
        assert plan["lines"] == 2 and plan["estimated_cost_usd"] == pytest.approx(0.3)
        result = on_b("batch", str(prompts), "-O", str(tmp_path / "out_b"), "--json")
        assert result.exit_code == 0, result.stderr  # not 7: A's ids are unknown to B
        assert not any(r["reattached"] for r in _ndjson(result.stdout) if r["type"] == "line")
        assert "re-attached" not in result.stderr
        assert f"have tasks only on {server_a}" in result.stderr
        assert set(other.stats()["creates_by_prompt"].values()) == {1}
        keys_on_b = {
            r["idempotency_key"] for r in other.stats()["requests"] if r["route"] == "create"
        }
        assert len(keys_on_b) == 2 and not keys_on_b & keys_on_a
        batch_id = _ndjson(result.stdout)[-1]["batch_id"]
        resumed = on_b("batch", "--resume", str(batch_id), "--json")
        assert resumed.exit_code == 0, resumed.stderr
        assert all(r["reattached"] for r in _ndjson(resumed.stdout) if r["type"] == "line")
    finally:
        other.stop()
    monkeypatch.setenv("SORA_BASE_URL", server_a)
    back = cli("batch", str(prompts), "-O", str(out), "--json")
    assert back.exit_code == 0, back.stderr
    assert all(r["reattached"] for r in _ndjson(back.stdout) if r["type"] == "line")
    assert set(cli.stats()["creates_by_prompt"].values()) == {1}
    assert len(list(out.glob("*.mp4"))) == 2


def test_a_relative_output_dir_survives_a_resume_from_elsewhere(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "w"
    (work / "sub").mkdir(parents=True)
    monkeypatch.chdir(work)
    prompts = _write(work, "s.txt", ["relative one"])
    result = cli("batch", "s.txt", "-O", "out6", "--json")
    assert result.exit_code == 0, result.stderr
    (video,) = (work / "out6").glob("*.mp4")
    video.unlink()
    monkeypatch.chdir(work / "sub")
    resumed = cli("batch", "--resume", str(_ndjson(result.stdout)[-1]["batch_id"]), "-q")
    assert resumed.exit_code == 0, resumed.stderr
    assert video.exists() and not (work / "sub" / "out6").exists()
    assert resumed.stdout.strip() == str(video.resolve())
    assert prompts.exists()


def test_an_unreadable_batch_file_is_a_one_line_usage_error(cli: Cli, tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    result = cli("batch", str(missing))
    assert result.exit_code == 2
    assert f"cannot read {missing}: no such file" in result.stderr
    assert "Errno" not in result.stderr and result.stdout == ""
    directory = cli("batch", str(tmp_path))
    assert directory.exit_code == 2 and "it is a directory" in directory.stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"caf\xe9\n")
    assert "not UTF-8 text" in cli("batch", str(latin)).stderr
    assert cli.stats()["requests"] == []


def test_dry_run_prices_only_the_lines_that_would_be_created(cli: Cli, tmp_path: Path) -> None:
    lines = ["done one", "bad [emulator:content-violation]"]
    prompts = _write(tmp_path, "p.txt", lines)
    assert cli("batch", str(prompts), "-O", str(tmp_path), "-q").exit_code == 5
    all_there = cli("batch", str(prompts), "--dry-run")
    assert all_there.exit_code == 0
    assert "0 tasks to create, estimated $0.00" in all_there.stdout
    assert "2 lines already with a task" in all_there.stdout
    _write(tmp_path, "p.txt", [*lines, "a new one"])
    plan = loads(cli("batch", str(prompts), "--dry-run", "--json").stdout)
    assert plan["lines"] == 1 and plan["estimated_cost_usd"] == pytest.approx(0.15)
    retry = loads(cli("batch", str(prompts), "--dry-run", "--retry-failed", "--json").stdout)
    assert retry["lines"] == 2 and retry["estimated_cost_usd"] == pytest.approx(0.3)


@pytest.fixture
def honouring_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    """The CLI against an emulator that honours Idempotency-Key, as some servers do."""
    server = _start(honour_idempotency=True)
    monkeypatch.setenv("SORA_BASE_URL", server.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    yield Cli(server)
    server.stop()


def test_retry_failed_gets_a_new_task_from_a_server_that_honours_idempotency(
    honouring_cli: Cli, tmp_path: Path
) -> None:
    cli = honouring_cli
    prompts = _write(tmp_path, "p.txt", ["bad [emulator:content-violation]"])
    first = cli("batch", str(prompts), "-O", str(tmp_path), "--json")
    assert first.exit_code == 5
    retried = cli("batch", str(prompts), "-O", str(tmp_path), "--retry-failed", "--json")
    assert retried.exit_code == 5
    assert _ndjson(first.stdout)[0]["task_id"] != _ndjson(retried.stdout)[0]["task_id"]
    assert list(cli.stats()["creates_by_prompt"].values()) == [2]


def test_an_unanswered_create_from_before_the_key_named_the_server_is_resent_with_its_key(
    honouring_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A journal from before the Idempotency-Key included the server: its `unknown` row is
    re-sent with the key it was sent with, so a server that honours keys charges once."""
    import uuid

    from sora_cli import batch

    def older_key(server: batch.Server, batch_id: str, line_key: str, attempt: int) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sora-cli:{batch_id}:{line_key}"))

    cli = honouring_cli
    prompts = _write(tmp_path, "p.txt", ["a once-only cat"])
    with monkeypatch.context() as older:
        older.setattr(batch, "idempotency_key", older_key)
        cli.fault(route="create", status=500, create_task=True)  # made, but never heard
        first = cli("batch", str(prompts), "-O", str(tmp_path), "--json")
    assert first.exit_code == 8, first.stderr
    again = cli("batch", str(prompts), "-O", str(tmp_path), "--json")
    assert again.exit_code == 0, again.stderr
    assert "sending again with the same Idempotency-Key" in again.stderr
    assert list(cli.stats()["creates_by_prompt"].values()) == [1]


def test_a_reattached_line_that_then_fails_still_names_its_task(
    cli: Cli, emulator: Emulator, tmp_path: Path
) -> None:
    prompts = _write(tmp_path, "p.txt", ["slow [emulator:stuck]"])
    first = cli("batch", str(prompts), "-O", str(tmp_path), "--timeout", "1", "--json")
    assert first.exit_code == 6, first.stderr
    task_id = _ndjson(first.stdout)[0]["task_id"]
    assert isinstance(task_id, str) and emulator.force_task(task_id, expire=True)
    again = cli("batch", str(prompts), "-O", str(tmp_path), "--json")
    assert again.exit_code == 7, again.stderr
    line = _ndjson(again.stdout)[0]
    assert line["task_id"] == task_id and line["reattached"] is True


def test_a_relative_image_path_is_relative_to_the_batch_file(cli: Cli, tmp_path: Path) -> None:
    from tests import images

    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "ref.png").write_bytes(images.png(720, 1280))
    prompts = folder / "p.jsonl"
    prompts.write_text('{"prompt": "a cat like this", "image": "ref.png"}\n')
    result = cli("batch", str(prompts), "-O", str(tmp_path), "--json")  # run from elsewhere
    assert result.exit_code == 0, result.stderr
    (create,) = requests_for(cli.stats(), "create")
    assert create["content_type"].startswith("multipart/form-data")


def _wide_image_line(
    openai_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Cli, Path]:
    """The openai profile (exact image sizes) and a batch line whose image needs --fit."""
    from tests import images
    from tests.helpers import TEST_KEY

    monkeypatch.setenv("SORA_BASE_URL", openai_emulator.base_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    monkeypatch.setenv("SORA_PROFILE", "openai")
    (tmp_path / "wide.jpg").write_bytes(images.photo(1920, 1080, "JPEG"))
    prompts = tmp_path / "p.jsonl"
    prompts.write_text('{"prompt": "a cat like this", "image": "wide.jpg", "size": "720x1280"}\n')
    return Cli(openai_emulator), prompts


def test_fit_makes_every_line_image_its_video_size(
    openai_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, prompts = _wide_image_line(openai_emulator, tmp_path, monkeypatch)
    refused = cli("batch", str(prompts), "-O", str(tmp_path))  # openai: exact size only
    assert refused.exit_code == 2 and "1920x1080 but the video size is 720x1280" in refused.stderr
    result = cli("batch", str(prompts), "-O", str(tmp_path), "--fit", "crop", "--json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("fitted ") == 1  # said once, when the line is sent
    (create,) = requests_for(cli.stats(), "create")
    assert create["status"] == 200  # the emulator checks the size like the API


def test_a_resumed_batch_keeps_its_fit(
    openai_emulator: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, prompts = _wide_image_line(openai_emulator, tmp_path, monkeypatch)
    cli.fault(route="create", status=400, body='{"error": {"message": "try later"}}')
    first = cli("batch", str(prompts), "-O", str(tmp_path), "--fit", "crop", "--json")
    assert first.exit_code != 0, first.stderr
    batch_id = _ndjson(first.stdout)[-1]["batch_id"]
    resumed = cli("batch", "--resume", str(batch_id), "--json")  # no --fit this time
    assert resumed.exit_code == 0, resumed.stderr
    assert "fitted " in resumed.stderr
    assert [r["status"] for r in requests_for(cli.stats(), "create")] == [400, 200]


def test_an_unreadable_create_answer_that_named_its_task_is_reattached_not_paid_again(
    cli: Cli, tmp_path: Path
) -> None:
    prompts = _write(tmp_path, "p.txt", ["a cat named in a bad answer"])
    cli.fault(route="create", status=200, body='{"id": "video_named1", "status": 42}')
    first = cli("batch", str(prompts), "-O", str(tmp_path), "--json")
    assert first.exit_code == 8, first.stderr
    again = cli("batch", str(prompts), "-O", str(tmp_path), "--json")
    line = _ndjson(again.stdout)[0]
    assert line["task_id"] == "video_named1" and line["reattached"] is True
    assert "charged a second time" not in again.stderr
    assert len(requests_for(cli.stats(), "create")) == 1  # the re-run created nothing


def test_the_cap_skips_a_line_and_a_later_cheaper_one_still_fits() -> None:
    from sora_cli.batch_cost import cap_covering, plan_within_cap
    from sora_cli.batch_input import BatchLine
    from sora_cli.profiles import get_profile

    laozhang = get_profile("laozhang")

    def line(number: int, seconds: int) -> BatchLine:
        return BatchLine(number, f"k{number}", "p", "1280x720", seconds, "muse-video")

    lines = [line(1, 20), line(2, 20), line(3, 10)]  # $0.55, $0.55, $0.30
    plan = plan_within_cap(lines, 0.0, laozhang, 0.85)
    assert [ln.number for ln in plan.create] == [1, 3]
    assert [ln.number for ln in plan.skip] == [2]
    assert plan.cost == pytest.approx(0.85)
    assert cap_covering(0.85, plan.skip, laozhang) == pytest.approx(1.40)
    assert plan_within_cap(lines, 0.5, laozhang, 0.85).create == [lines[2]]  # tasks so far count
    assert len(plan_within_cap(lines, 0.0, laozhang, None).create) == 3
