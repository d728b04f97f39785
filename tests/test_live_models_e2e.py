"""Live models end to end against the emulator's Muse family, retired answers and gateway
mode, on real loopback sockets."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sora_cli.emulator import Emulator
from tests.conftest import _start
from tests.helpers import TEST_KEY, Cli, journal_rows, requests_for


@pytest.fixture
def pointed(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Point sora at an emulator made by the test (returned by the factory it yields)."""
    started: list[Emulator] = []

    def start(**overrides: object) -> Cli:
        server = _start(**overrides)
        started.append(server)
        monkeypatch.setenv("SORA_BASE_URL", server.base_url)
        monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
        return Cli(server)

    yield start
    for server in started:
        server.stop()


def test_muse_20s_makes_one_task_of_that_id_and_saves_the_file(
    cli: Cli, sora_home: Path
) -> None:
    result = cli("generate", "a cat", "-m", "muse-video", "-d", "20", "-s", "1280x720")
    assert result.exit_code == 0, result.stderr
    saved = Path(result.stdout.strip())
    assert saved.stat().st_size > 1000 and saved.read_bytes()[4:8] == b"ftyp"
    assert "(muse-video-20s, 1280x720, 20s, $0.55)" in result.stderr
    stats = cli.stats()
    assert len(requests_for(stats, "create")) == 1
    (row,) = journal_rows(sora_home)
    assert row["model"] == "muse-video-20s" and row["status"] == "completed"
    # Muse keeps links 7 days; the video came from `video_url` on the CDN, without the key
    assert row["expires_at"] - row["created_at"] > 6 * 86400
    cdn = [r for r in stats["requests"] if r["route"] == "cdn"]
    assert cdn and not any(r["authorization"] for r in cdn)
    status = cli("status", row["id"])
    assert "6d 23h" in status.stdout or "6d 22h" in status.stdout


def test_muse_last_frame_goes_as_a_file_part(cli: Cli, tmp_path: Path) -> None:
    from tests.images import png

    first, last = tmp_path / "first.png", tmp_path / "last.png"
    first.write_bytes(png(1280, 720))
    last.write_bytes(png(1280, 720))
    result = cli(
        "generate", "a door opens", "-m", "muse", "-s", "1280x720",
        "-i", str(first), "--last-frame", str(last), "--no-wait",
    )
    assert result.exit_code == 0, result.stderr
    no_first = cli("generate", "x", "-m", "muse", "--last-frame", str(last))
    assert no_first.exit_code == 2 and "needs --image" in no_first.stderr
    sora = cli("generate", "x", "-i", str(first), "--last-frame", str(last), "-s", "1280x720")
    assert sora.exit_code == 2 and "sora-2 does not take a last frame" in sora.stderr
    assert len(requests_for(cli.stats(), "create")) == 1


def test_muse_extends_a_finished_task_of_the_journal(cli: Cli, sora_home: Path) -> None:
    first = cli("generate", "a fox", "-m", "muse", "-d", "5", "--no-download")
    assert first.exit_code == 0, first.stderr
    source = first.stdout.strip()
    too_short = cli("generate", "on", "-m", "muse", "-d", "5", "--extend", source)
    assert too_short.exit_code == 2 and "at most 3 s" in too_short.stderr
    longer = cli("generate", "on", "-m", "muse", "-d", "20", "--extend", source, "--no-wait")
    assert longer.exit_code == 0, longer.stderr
    unknown = cli("generate", "on", "-m", "muse", "-d", "20", "--extend", "video_nope")
    assert unknown.exit_code == 2 and "no such task" in unknown.stderr
    assert len(requests_for(cli.stats(), "create")) == 2


@pytest.mark.parametrize("answer", [404, 503])
def test_sora_2_against_a_retired_emulator_is_exit_2_after_one_post(
    pointed: object, sora_home: Path, answer: int
) -> None:
    cli = pointed(retired={"sora-2": "muse-video"}, retired_answer=answer)  # type: ignore[operator]
    result = cli("generate", "a cat")
    assert result.exit_code == 2, result.stderr
    assert len(requests_for(cli.stats(), "create")) == 1
    assert "muse-video" in result.stderr and "sora config set model muse-video" in result.stderr
    assert journal_rows(sora_home) == []
    # batch: the first refusal stops that model's other lines
    prompts = sora_home.parent / "p.txt"
    prompts.write_text("a\nb\nc\n")
    batch = cli("batch", str(prompts), "--create-concurrency", "1")
    assert batch.exit_code == 2, batch.stderr
    assert len(requests_for(cli.stats(), "create")) == 2  # one more POST, not three


def test_doctor_and_models_check_ask_the_server_what_it_serves(pointed: object) -> None:
    cli = pointed(retired={"sora-2": "muse-video"})  # type: ignore[operator]
    models = cli("models", "--check", "--json")
    assert models.exit_code == 0, models.stderr
    served = {m["model"]: m["served"] for m in json.loads(models.stdout)}
    assert served == {"sora-2": False, "muse-video": True}
    doctor = cli("doctor", "--json")
    model = next(c for c in json.loads(doctor.stdout) if c["name"] == "model")
    assert model["status"] == "warn" and "not served here" in model["detail"]


def test_models_check_says_which_lengths_of_a_family_are_served(pointed: object) -> None:
    cli = pointed(retired={"muse-video-50s": "", "muse-video-60s": ""})  # type: ignore[operator]
    models = cli("models", "--check", "--json")
    assert models.exit_code == 0, models.stderr
    muse = next(m for m in json.loads(models.stdout) if m["model"] == "muse-video")
    assert muse["served"] is True and muse["served_seconds"] == [5, 8, 10, 20, 30, 40]
    table = cli("models", "--check")
    assert "5, 8, 10, 20, 30, 40 s only" in table.stdout
    unchecked = json.loads(cli("models", "--json").stdout)
    assert {m["served_seconds"] for m in unchecked} == {None}


def test_a_json_user_profile_works_against_the_gateway(
    pointed: object, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = pointed(profile="gateway")  # type: ignore[operator]
    assert cli.emulator is not None
    monkeypatch.delenv("SORA_BASE_URL")
    (sora_home).mkdir(parents=True, exist_ok=True)
    config = sora_home / "config.toml"
    config.write_text(
        f'[profiles.gw]\nbase_url = "{cli.emulator.base_url}"\nbody = "json"\n'
        'model = "vid-1"\n'
    )
    config.chmod(0o600)
    result = cli("generate", "a cat", "--profile", "gw")
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()).stat().st_size > 1000
    (create,) = requests_for(cli.stats(), "create")
    assert create["content_type"].startswith("application/json")
    assert "price unknown" in result.stderr
    # the compatible profile sends multipart by default: the JSON-only gateway says so
    plain = cli(
        "generate", "a cat", "--profile", "compatible", "--base-url", cli.emulator.base_url,
        "-m", "vid-1",
    )
    assert plain.exit_code == 2 and "415" in plain.stderr


def test_an_extension_keeps_its_sources_size(cli: Cli, sora_home: Path) -> None:
    first = cli("generate", "a fox", "-m", "muse", "-d", "5", "-s", "1280x720", "--no-download")
    assert first.exit_code == 0, first.stderr
    more = cli("generate", "on", "-m", "muse", "-d", "20", "--extend", first.stdout.strip(),
               "--no-wait")
    assert more.exit_code == 0, more.stderr
    assert "muse-video-20s, 1280x720" in more.stderr
