"""Seedance through the same commands: the Ark task dialect against the emulator's Ark routes
on a real loopback socket (create body, status, progress without a percentage, keyless
download with the compatibility fallback, cost, list/status, batch, Ctrl-C and resume)."""

from __future__ import annotations

import base64
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sora_cli.emulator import Emulator
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
from tests.images import png
from tests.test_image_cli import image_host  # noqa: F401 - a fixture, used by name

SEEDANCE_20 = "doubao-seedance-2-0-260128"
SEEDANCE_25 = "doubao-seedance-2-5-260628"
TOKENS_720P_5S = 1280 * 720 * 24 * 5 // 1024  # Ark's token count of the emulator's task


@pytest.fixture
def ark(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    """The emulator, with the CLI pointed at its Ark routes under the seedance profile."""
    server = _start()
    monkeypatch.setenv("SORA_BASE_URL", server.ark_url)
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    monkeypatch.setenv("SORA_PROFILE", "seedance")
    yield server
    server.stop()


@pytest.fixture
def sora(ark: Emulator) -> Cli:
    return Cli(ark)


def _env(server: Emulator, home: Path) -> dict[str, str]:
    return {
        "SORA_HOME": str(home),
        "SORA_BASE_URL": server.ark_url,
        "SORA_API_KEY": TEST_KEY,
        "SORA_PROFILE": "seedance",
    }


def _bodies(server: Emulator) -> list[dict[str, Any]]:
    return list(server.stats()["ark_bodies"].values())


def _image(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    path.write_bytes(png(1280, 720))
    return path


# ------------------------------------------------------------------ generate


def test_generate_creates_one_ark_task_and_saves_the_mp4(sora: Cli, ark: Emulator) -> None:
    result = sora("generate", "a cat", "-d", "5", "-s", "1280x720")
    assert result.exit_code == 0, result.stderr
    stats = ark.stats()
    (create,) = requests_for(stats, "create")
    assert create["path"] == "/seedance/api/v3/contents/generations/tasks"
    assert create["content_type"] == "application/json"
    assert _bodies(ark) == [
        {
            "model": SEEDANCE_20,
            "content": [{"type": "text", "text": "a cat"}],
            "ratio": "16:9",
            "resolution": "720p",
            "duration": 5,
        }
    ]
    saved = Path(result.stdout.strip())
    assert saved.name.startswith("sora-cgt-") and saved.read_bytes()[4:8] == b"ftyp"
    # The signed link on the CDN origin, fetched without the key.
    (cdn,) = requests_for(stats, "cdn")
    assert cdn["path"].startswith("/assets/seedance/") and cdn["authorization"] is False
    assert not requests_for(stats, "content")
    # Progress: the state and the elapsed time, never an invented percentage.
    assert "running (" in result.stderr and "%" not in result.stderr.split("downloading")[0]
    assert "~$0.86 estimated" in result.stderr
    (row,) = journal_rows(Path.cwd().parent / "home")
    assert row["status"] == "succeeded" and row["profile"] == "seedance"
    assert row["estimated_usd"] == pytest.approx(0.86)
    assert json.loads(row["usage"])["total_tokens"] == TOKENS_720P_5S
    assert row["charge_usd"] == pytest.approx(0.86, abs=0.01)
    assert row["expires_at"] - row["created_at"] == pytest.approx(24 * 3600, abs=60)


def test_frames_references_audio_and_seed_go_into_the_body(
    sora: Cli, ark: Emulator, tmp_path: Path
) -> None:
    first, last = _image(tmp_path, "first.png"), _image(tmp_path, "last.png")
    refs = [_image(tmp_path, f"ref{i}.png") for i in range(2)]
    result = sora(
        "generate", "a cat", "-i", str(first), "--last-frame", str(last),
        "--ref-image", str(refs[0]), "--ref-image", str(refs[1]),
        "--no-audio", "--seed", "7", "--resolution", "1080p", "--no-download",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (body,) = _bodies(ark)
    roles = [item.get("role") for item in body["content"]]
    assert roles == [None, "first_frame", "last_frame", "reference_image", "reference_image"]
    url = body["content"][1]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == first.read_bytes()
    assert body["generate_audio"] is False and body["seed"] == 7
    assert (body["ratio"], body["resolution"], body["duration"]) == ("16:9", "1080p", 5)
    (row,) = journal_rows(Path.cwd().parent / "home")
    assert row["size"] == "1920x1080"


def test_an_image_url_is_sent_as_its_link_after_a_keyless_check(
    sora: Cli, ark: Emulator, image_host: str  # noqa: F811 - the fixture imported above
) -> None:
    from tests.test_image_cli import _ImageHost

    result = sora("generate", "a cat", "-i", f"{image_host}/first.png", "--no-wait")
    assert result.exit_code == 0, result.stderr
    (body,) = _bodies(ark)
    assert body["content"][1] == {
        "type": "image_url",
        "image_url": {"url": f"{image_host}/first.png"},
        "role": "first_frame",
    }
    assert _ImageHost.seen_auth == [None]  # checked before paying, without the key


def test_seedance_25_with_a_frame_is_sent_adaptive_and_a_fixed_ratio_is_refused(
    sora: Cli, ark: Emulator, tmp_path: Path
) -> None:
    first = _image(tmp_path, "first.png")
    refused = sora("generate", "a cat", "-m", SEEDANCE_25, "-i", str(first), "--ratio", "16:9")
    assert refused.exit_code == 2 and "adaptive" in refused.stderr
    assert not requests_for(ark.stats(), "create")
    result = sora("generate", "a cat", "-m", SEEDANCE_25, "-i", str(first), "-d", "30",
                  "--no-wait")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (body,) = _bodies(ark)
    assert (body["ratio"], body["resolution"], body["duration"]) == ("adaptive", "720p", 30)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-d", "20"], "duration 20"),  # the 2.0 family stops at 15 s
        (["-d", "3"], "duration 3"),
        (["--ratio", "5:4"], "ratio '5:4'"),
        (["--resolution", "4k"], "resolution '4k'"),
        (["-s", "1792x1024"], "size '1792x1024'"),
    ],
)
def test_values_seedance_refuses_are_refused_before_anything_is_sent(
    sora: Cli, ark: Emulator, args: list[str], words: str
) -> None:
    result = sora("generate", "a cat", *args)
    assert result.exit_code == 2 and words in result.stderr, result.stderr
    assert not requests_for(ark.stats(), "create")


def test_seedance_flags_are_refused_for_other_models(
    cli: Cli, emulator: Emulator, tmp_path: Path
) -> None:
    result = cli("generate", "a cat", "--seed", "3")
    assert result.exit_code == 2 and "does not take --seed" in result.stderr
    assert not requests_for(emulator.stats(), "create")


def test_a_failed_task_exits_5_with_the_reason(sora: Cli) -> None:
    result = sora("generate", "bad [emulator:content-violation]")
    assert result.exit_code == 5
    assert "failed" in result.stderr and "OutputVideoSensitiveContentDetected" in result.stderr


# ------------------------------------------------------------------ download


def test_a_refused_signed_link_falls_back_to_the_compatibility_route(
    sora: Cli, ark: Emulator
) -> None:
    ark.add_fault(route="cdn", status=403)
    result = sora("generate", "a cat", "-d", "5")
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()).read_bytes()[4:8] == b"ftyp"
    stats = ark.stats()
    (content,) = requests_for(stats, "content")
    assert content["path"].startswith("/v1/videos/cgt-") and content["path"].endswith("/content")
    assert content["authorization"] is True  # the API's own origin: the key goes there
    assert all(not r["authorization"] for r in requests_for(stats, "cdn"))


def test_without_a_link_the_compatibility_route_is_the_source(sora: Cli, ark: Emulator) -> None:
    created = sora("generate", "a cat", "--no-wait")
    task_id = created.stdout.strip()
    ark.force_task(task_id, status="completed")
    result = sora("download", task_id, "-o", "clip.mp4")
    assert result.exit_code == 0, result.stderr
    assert Path("clip.mp4").read_bytes()[4:8] == b"ftyp"


def test_status_list_and_download_work_as_for_other_profiles(sora: Cli, ark: Emulator) -> None:
    task_id = sora("generate", "a heron", "--no-wait").stdout.strip()
    assert task_id.startswith("cgt-")
    shown = sora("status", task_id)
    assert shown.exit_code == 0
    assert "status:    queued" in shown.stdout or "status:    running" in shown.stdout
    assert "cost:      ~$0.86 (estimated)" in shown.stdout
    assert "expires:" in shown.stdout and "23h" in shown.stdout
    listed = sora("list")
    assert "~$0.86" in listed.stdout and task_id in listed.stdout
    ark.force_task(task_id, status="completed")
    raw = loads(sora("status", task_id, "--json").stdout)
    assert raw["status"] == "succeeded" and raw["content"]["video_url"].endswith(".mp4")
    record = loads(sora("list", "--json").stdout)[0]
    assert record["charge_usd"] == pytest.approx(0.86, abs=0.01)
    assert "$0.86" in sora("list").stdout
    done = sora("download", task_id)
    assert done.exit_code == 0, done.stderr
    assert Path(done.stdout.strip()).exists()


def test_ctrl_c_while_polling_keeps_the_task_and_download_wait_resumes(
    ark: Emulator, sora_home: Path, tmp_path: Path
) -> None:
    env = _env(ark, sora_home)
    proc = start_sora("generate", "slow [emulator:stuck]", env=env, cwd=tmp_path)
    wait_until(has_rows(sora_home))
    code, stdout, stderr = interrupt(proc, signal.SIGINT)
    assert code == 130, stderr
    (row,) = journal_rows(sora_home)
    assert stdout == row["id"] + "\n" and f"sora download {row['id']} --wait" in stderr
    ark.force_task(row["id"], status="completed")
    done = run_sora("download", row["id"], "--wait", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).exists()
    assert len(requests_for(ark.stats(), "create")) == 1
    assert TEST_KEY not in stdout + stderr + done.stdout + done.stderr


# ------------------------------------------------------------------ batch


def test_batch_lines_target_seedance_within_the_cost_cap_and_resume(
    sora: Cli, ark: Emulator, tmp_path: Path
) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("\n".join(f"otter {i}" for i in range(4)) + "\n", encoding="utf-8")
    plan = sora("batch", str(prompts), "--dry-run")
    assert "estimated $3.44" in plan.stdout, plan.stdout
    out = tmp_path / "out"
    result = sora("batch", str(prompts), "-O", str(out), "--max-cost", "2", "--json")
    assert result.exit_code == 6, result.stderr  # two lines fit under $2, two wait
    summary = [json.loads(line) for line in result.stdout.splitlines()][-1]
    assert summary["completed"] == 2 and summary["skipped"] == 2
    assert len(_bodies(ark)) == 2 and all(b["model"] == SEEDANCE_20 for b in _bodies(ark))
    again = sora("batch", str(prompts), "-O", str(out), "--json")
    assert again.exit_code == 0, again.stderr
    assert len(list(out.glob("*.mp4"))) == 4
    assert set(ark.stats()["creates_by_prompt"].values()) == {1}  # nothing paid twice


def test_a_batch_line_with_a_frame_for_seedance_25_is_sent_adaptive(
    sora: Cli, ark: Emulator, tmp_path: Path
) -> None:
    frame = tmp_path / "frame.png"
    frame.write_bytes(png(640, 480))  # any size: frames are references for Seedance
    line = {"prompt": "a fox", "model": SEEDANCE_25, "seconds": 20, "image": "frame.png"}
    lines = tmp_path / "lines.jsonl"
    lines.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = sora("batch", str(lines), "-O", str(tmp_path / "out"))
    assert result.exit_code == 0, result.stderr
    (body,) = _bodies(ark)
    assert (body["ratio"], body["duration"]) == ("adaptive", 20)
    assert body["content"][1]["role"] == "first_frame"


def test_a_user_profile_speaks_ark_to_another_gateway(
    ark: Emulator, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SORA_BASE_URL")
    monkeypatch.delenv("SORA_PROFILE")
    sora_home.mkdir(parents=True, exist_ok=True)
    (sora_home / "config.toml").write_text(
        f"""profile = "myark"

[profiles.myark]
dialect = "ark"
base_url = "{ark.ark_url}"
model = "{SEEDANCE_20}"
seconds = 6
size = "1280x720"
""",
        encoding="utf-8",
    )
    result = Cli(ark)("generate", "a cat", "-q")
    assert result.exit_code == 0, result.stderr
    (body,) = _bodies(ark)
    assert (body["model"], body["duration"], body["ratio"]) == (SEEDANCE_20, 6, "16:9")


# ------------------------------------------------------------------ models, demo, faults


def test_models_lists_the_seedance_catalog(sora: Cli) -> None:
    result = sora("models", "--profile", "seedance")
    assert result.exit_code == 0
    for model in (SEEDANCE_20, "doubao-seedance-2-0-fast-260128", SEEDANCE_25):
        assert model in result.stdout
    assert "4-15" in result.stdout and "4-30" in result.stdout and "(estimate)" in result.stdout
    data = loads(sora("models", "--profile", "seedance", "--json").stdout)
    latest = next(m for m in data if m["model"] == SEEDANCE_25)
    assert latest["frames_need_adaptive_ratio"] is True and latest["price"] is None


def test_a_create_503_is_retried_and_a_500_is_not(sora: Cli, ark: Emulator) -> None:
    ark.add_fault(route="create", status=503)
    assert sora("generate", "a cat", "--no-wait").exit_code == 0
    assert len(requests_for(ark.stats(), "create")) == 2
    ark.reset()
    ark.add_fault(route="create", status=500, create_task=True)
    result = sora("generate", "a cat", "--no-wait")
    assert result.exit_code == 8 and "may exist" in result.stderr  # as for /v1/videos
    assert len(requests_for(ark.stats(), "create")) == 1
    assert journal_rows(Path.cwd().parent / "home")[-1]["status"] == "unknown"


def test_demo_plays_seedance(sora_home: Path, tmp_path: Path) -> None:
    done = run_sora(
        "demo", "--profile", "seedance", "--gen-seconds", "0.2", "-o", "demo.mp4",
        env={"SORA_HOME": str(sora_home)}, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "/seedance/api/v3" in done.stderr and "doubao-seedance" in done.stderr
    assert (tmp_path / "demo.mp4").read_bytes()[4:8] == b"ftyp"
    # the demo's key shares no run of letters with what it prints (it once redacted
    # the word "emulator" in its own first line)
    assert "emulator running at" in done.stderr and "[redacted]" not in done.stderr


def test_doctor_probes_the_ark_status_route(sora: Cli, ark: Emulator) -> None:
    result = sora("doctor")
    assert result.exit_code == 0, result.stdout
    (probe,) = requests_for(ark.stats(), "status")
    assert probe["path"] == "/seedance/api/v3/contents/generations/tasks/sora-doctor-probe"
    assert "GET contents/generations/tasks/sora-doctor-probe answered 404" in result.stdout


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("queued", "running"),
        ("running", "running"),
        ("succeeded", "completed"),
        ("failed", "failed"),
        ("expired", "expired"),
        ("cancelled", "cancelled"),
    ],
)
def test_ark_statuses_map_to_the_normalised_states(status: str, state: str) -> None:
    from sora_cli.dialects.ark import parse_task
    from sora_cli.profiles import SEEDANCE

    task = parse_task({"id": "cgt-1", "status": status, "model": SEEDANCE_20}, SEEDANCE)
    assert task.state.value == state and task.progress is None and task.status == status
    assert task.raw == {"id": "cgt-1", "status": status, "model": SEEDANCE_20}
