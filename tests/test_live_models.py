"""Live models: the catalog, Muse on laozhang, retired answers, the compatible profile, user
profiles and `sora models`, through the CLI against the emulator on a loopback socket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sora_cli.emulator import Emulator
from sora_cli.errors import UsageError
from sora_cli.profiles import COMPATIBLE, LAOZHANG, OPENAI
from tests.helpers import TEST_KEY, Cli, journal_rows, requests_for

# ------------------------------------------------------------------ the catalog, as data


@pytest.mark.parametrize(
    ("model", "seconds", "sent", "length"),
    [
        ("muse-video", 30, "muse-video-30s", 30),
        ("muse", 20, "muse-video-20s", 20),  # short for muse-video
        ("muse-video", 8, "muse-video", 8),
        ("muse-video", None, "muse-video", 10),  # the family's default
        ("muse-video-30s", None, "muse-video-30s", 30),  # the id alone means 30 s
        ("sora-2", None, "sora-2", 10),
    ],
)
def test_laozhang_catalog_picks_the_id_for_a_duration(
    model: str, seconds: int | None, sent: str, length: int
) -> None:
    choice = LAOZHANG.choose(model, seconds, "landscape", seconds_given=seconds is not None)
    assert (choice.model_id, choice.seconds, choice.size) == (sent, length, "1280x720")


def test_catalog_refuses_before_paying_with_what_exists() -> None:
    with pytest.raises(UsageError) as refused:
        LAOZHANG.choose("muse-video", 15, None)
    assert "15 s is not offered by muse-video" in refused.value.message
    assert refused.value.hint == "use one of: 5, 8, 10, 20, 30, 40, 50, 60"
    with pytest.raises(UsageError, match="makes 30 s videos, not 20 s"):
        LAOZHANG.choose("muse-video-30s", 20, None, seconds_given=True)
    # a configured duration does not contradict a model id that names its own
    assert LAOZHANG.choose("muse-video-30s", 10, None, seconds_given=False).seconds == 30
    with pytest.raises(UsageError, match="not offered by sora-2"):
        LAOZHANG.choose("sora-2", None, "1792x1024")


def test_prices_and_states_come_from_the_catalog() -> None:
    assert LAOZHANG.price("muse-video-20s", "1280x720", 20) == 0.55
    assert LAOZHANG.price("muse-video", "1280x720", 5) == 0.30
    assert LAOZHANG.price("muse-video-60s", "720x1280", 60) == 1.55
    assert LAOZHANG.choose("muse", 40, None).price == 1.05
    sora = LAOZHANG.entry("sora-2")
    assert sora is not None and sora.is_retired and sora.successor == "muse-video"
    assert all(e.is_retired and e.successor is None for e in OPENAI.catalog)
    muse = LAOZHANG.entry("muse")
    assert muse is not None and muse.poll_interval == 15 and muse.give_up_after == 1800
    assert muse.link_ttl == 7 * 86400 and muse.image_policy == "none"


def test_compatible_checks_syntax_only_and_sends_nothing_unasked() -> None:
    choice = COMPATIBLE.choose("vid-1", None, None)
    assert (choice.model_id, choice.seconds, choice.size, choice.price) == (
        "vid-1",
        None,
        None,
        None,
    )
    assert COMPATIBLE.choose("vid-1", "7", "640x480").seconds == 7
    with pytest.raises(UsageError, match="WIDTHxHEIGHT"):
        COMPATIBLE.choose("vid-1", None, "big")
    with pytest.raises(UsageError, match="positive number"):
        COMPATIBLE.choose("vid-1", 0, None)
    with pytest.raises(UsageError, match="no default model"):
        COMPATIBLE.choose(None, None, None)


# ------------------------------------------------------------------ through the CLI


def test_a_duration_muse_does_not_make_is_refused_with_no_request(cli: Cli) -> None:
    result = cli("generate", "a cat", "-m", "muse-video", "-d", "15", "-s", "1280x720")
    assert result.exit_code == 2
    assert "15 s is not offered by muse-video" in result.stderr
    assert "5, 8, 10, 20, 30, 40, 50, 60" in result.stderr
    assert cli.stats()["requests"] == []


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"error": {"message": "The model sora-2 has been retired. Switch to muse-video"}}),
        (503, {"error": {"message": "no available channels for model sora-2"}}),
    ],
)
def test_a_retired_model_is_exit_2_after_one_post_naming_the_successor(
    cli: Cli, sora_home: Path, status: int, body: dict[str, object]
) -> None:
    cli.fault(route="create", status=status, body=json.dumps(body), times=10)
    result = cli("generate", "a cat")
    assert result.exit_code == 2, result.stderr
    assert len(requests_for(cli.stats(), "create")) == 1  # never retried
    assert "note: sora-2 was retired upstream on 2026-09-24" in result.stderr
    assert "model sora-2 is not available" in result.stderr
    assert "sora config set model muse-video" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert journal_rows(sora_home) == []  # unbilled: nothing to keep


def test_quiet_silences_the_retired_note(cli: Cli) -> None:
    result = cli("generate", "a cat", "--no-wait", "-q")
    assert result.exit_code == 0 and "retired" not in result.stderr


def test_compatible_needs_a_base_url_and_a_model_before_any_request(
    cli: Cli, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SORA_BASE_URL")
    result = cli("generate", "a cat", "--profile", "compatible", "-m", "vid-1")
    assert result.exit_code == 2 and "has no default base URL" in result.stderr
    assert "--base-url" in result.stderr
    result = cli("generate", "a cat", "--profile", "compatible", "--base-url", emulator.base_url)
    assert result.exit_code == 2 and "no default model" in result.stderr
    assert cli.stats()["requests"] == []


def test_compatible_refuses_max_cost_it_cannot_keep(cli: Cli, tmp_path: Path) -> None:
    prompts = tmp_path / "p.txt"
    prompts.write_text("a cat\n")
    result = cli(
        "batch", str(prompts), "--profile", "compatible", "--max-cost", "1", "--dry-run"
    )
    assert result.exit_code == 2, result.stderr
    assert "no default model" in result.stderr  # first things first
    (tmp_path / "p.jsonl").write_text('{"prompt": "a cat", "model": "vid-1"}\n')
    result = cli(
        "batch", str(tmp_path / "p.jsonl"), "--profile", "compatible", "--max-cost", "1"
    )
    assert result.exit_code == 2 and "price of vid-1 is unknown" in result.stderr
    assert cli.stats()["requests"] == []


def _config(home: Path, text: str) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_a_user_profile_with_a_json_body_works_end_to_end(
    openai_emulator: Emulator, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SORA_API_KEY", TEST_KEY)
    _config(
        sora_home,
        f"""profile = "mygw"

[profiles.mygw]
extends = "openai"
base_url = "{openai_emulator.base_url}"
body = "json"
model = "sora-2"
seconds = 8
""",
    )
    cli = Cli(openai_emulator)
    result = cli("generate", "a cat", "-q")
    assert result.exit_code == 0, result.stderr
    assert Path(result.stdout.strip()).stat().st_size > 1000
    (create,) = requests_for(cli.stats(), "create")
    assert create["content_type"].startswith("application/json")
    row = journal_rows(sora_home)[0]
    assert (row["profile"], row["seconds"], row["model"]) == ("mygw", "8", "sora-2")


def test_a_broken_user_profile_names_file_line_and_key(bare_cli: Cli, sora_home: Path) -> None:
    path = _config(
        sora_home,
        '[profiles.gw]\nbase_url = "https://gw.example.com/v1"\nbody = "xml"\n',
    )
    result = bare_cli("models", "--profile", "gw")
    assert result.exit_code == 2
    assert f"{path}, line 3: [profiles.gw] body" in result.stderr
    assert "multipart, json" in result.stderr


def test_models_json_lists_the_catalog_with_states(bare_cli: Cli) -> None:
    result = bare_cli("models", "--json")
    assert result.exit_code == 0, result.stderr
    models = {m["model"]: m for m in json.loads(result.stdout)}
    assert set(models) == {"sora-2", "muse-video"}
    assert models["sora-2"]["state"] == "retired" and models["sora-2"]["successor"] == "muse-video"
    muse = models["muse-video"]
    assert muse["state"] == "live" and muse["seconds"] == [5, 8, 10, 20, 30, 40, 50, 60]
    assert muse["ids"]["30"] == "muse-video-30s" and muse["sizes"] == ["1280x720", "720x1280"]
    assert muse["price"] and {"seconds": 60, "size": "1280x720", "usd": 1.55} in muse["prices_usd"]


def test_user_profile_models_are_listed_and_completed(bare_cli: Cli, sora_home: Path) -> None:
    _config(
        sora_home,
        """[profiles.gw]
base_url = "https://gw.example.com/v1"
model = "vid-1"
[profiles.gw.models.vid-1]
seconds = [4, 8]
sizes = ["1280x720"]
price_per_second = 0.05
""",
    )
    result = bare_cli("models", "--profile", "gw", "--json")
    assert result.exit_code == 0, result.stderr
    (model,) = json.loads(result.stdout)
    assert model["model"] == "vid-1" and model["seconds"] == [4, 8]
    assert {"seconds": 8, "size": "1280x720", "usd": 0.4} in model["prices_usd"]
    refused = bare_cli("generate", "x", "--profile", "gw", "-d", "5", "--api-key", "k")
    assert refused.exit_code == 2 and "use one of: 4, 8" in refused.stderr


def test_config_set_knows_the_files_user_profiles(bare_cli: Cli, sora_home: Path) -> None:
    _config(sora_home, '[profiles.gw]\nbase_url = "https://gw.example.com/v1"\n')
    assert bare_cli("config", "set", "profile", "gw").exit_code == 0
    assert bare_cli("config", "set", "model", "anything-goes").exit_code == 0  # a gateway's
    refused = bare_cli("config", "set", "profile", "nope")
    assert refused.exit_code == 2 and "gw" in refused.stderr
    assert bare_cli("config", "set", "profile", "laozhang").exit_code == 0
    assert bare_cli("config", "set", "model", "muse").exit_code == 0
    assert bare_cli("config", "set", "seconds", "30").exit_code == 0  # Muse makes 30 s


def test_a_seven_day_link_shows_days_left() -> None:
    import time

    from sora_cli.commands._flow import time_left

    assert time_left(time.time() + 7 * 86400 - 60) == "6d 23h"
    assert time_left(time.time() + 3 * 3600 + 120).startswith("3h 0")


def test_batch_lines_name_a_model_and_the_plan_prices_muse(cli: Cli, tmp_path: Path) -> None:
    prompts = tmp_path / "p.jsonl"
    prompts.write_text(
        '{"prompt": "a", "model": "muse", "seconds": 20}\n'
        '{"prompt": "b", "model": "muse-video-60s"}\n'
        '{"prompt": "c"}\n'
    )
    result = cli("batch", str(prompts), "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["lines"] == 3 and plan["estimated_cost_usd"] == pytest.approx(0.55 + 1.55 + 0.15)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "a", "model": "muse", "seconds": 15}\n')
    refused = cli("batch", str(bad), "--dry-run")
    assert refused.exit_code == 2 and "15 s is not offered by muse-video" in refused.stderr
    assert cli.stats()["requests"] == []


# ------------------------------------------------------------------ review fixes


@pytest.mark.parametrize(
    ("status", "message", "code", "gone"),
    [
        (404, "The model sora-2 has been retired. Switch to muse-video", None, True),
        (503, "no available channels for model sora-2", None, True),
        (503, "no available channel", None, True),
        (400, "model vid-9 does not exist", None, True),
        (400, "Unknown model: vid-9", None, True),
        (404, "not found", "model_not_found", True),
        (400, "Invalid size 1920x1080 for model vid-1; supported: 1280x720", None, False),
        (400, "Your prompt was flagged by our moderation model as invalid", None, False),
        (400, "model field is required / invalid JSON body", None, False),
        (503, "service unavailable", None, False),
        (500, "model sora-2 has been retired", None, False),  # 5xx: not a model answer
    ],
)
def test_what_counts_as_a_model_that_is_gone(
    status: int, message: str, code: str | None, gone: bool
) -> None:
    from sora_cli.http_answers import model_unavailable

    assert model_unavailable(status, message, code) is gone


def test_no_available_channels_on_a_poll_is_retried_not_fatal(cli: Cli) -> None:
    body = json.dumps({"error": {"message": "no available channels"}})
    cli.fault(route="status", status=503, body=body, times=1)
    result = cli("generate", "a cat", "-m", "muse", "-q")
    assert result.exit_code == 0, result.stderr


def test_a_user_entry_for_a_known_model_amends_it(bare_cli: Cli, sora_home: Path) -> None:
    _config(
        sora_home,
        '[profiles.lz]\nextends = "laozhang"\n[profiles.lz.models.muse-video]\n'
        "price_per_video = 0.25\n",
    )
    result = bare_cli("models", "--profile", "lz", "--json")
    assert result.exit_code == 0, result.stderr
    muse = next(m for m in json.loads(result.stdout) if m["model"] == "muse-video")
    assert muse["ids"]["30"] == "muse-video-30s" and muse["aliases"] == ["muse"]
    assert {"seconds": 60, "size": "1280x720", "usd": 0.25} in muse["prices_usd"]


def test_doctor_fails_on_a_broken_user_profile(bare_cli: Cli, sora_home: Path) -> None:
    path = _config(sora_home, '[profiles.gw]\nbody = "xml"\n')
    result = bare_cli("doctor", "--json")
    assert result.exit_code == 2
    config = json.loads(result.stdout)[0]
    assert config["status"] == "fail" and f"{path}, line 2" in config["detail"]


def test_a_model_on_the_command_line_beats_a_configured_duration(
    cli: Cli, sora_home: Path
) -> None:
    _config(sora_home, "seconds = 20\n")  # meant for Muse
    result = cli("generate", "a cat", "-m", "sora-2", "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "configured seconds (20) is not one sora-2 makes" in result.stderr
    assert journal_rows(sora_home)[0]["seconds"] == "10"


def test_config_keeps_default_duration_and_model_consistent(bare_cli: Cli) -> None:
    assert bare_cli("config", "set", "model", "muse-video").exit_code == 0
    refused = bare_cli("config", "set", "seconds", "15")
    assert refused.exit_code == 2 and "default model in this file is muse-video" in refused.stderr
    assert bare_cli("config", "set", "seconds", "30").exit_code == 0
    switched = bare_cli("config", "set", "model", "sora-2")
    assert switched.exit_code == 0 and "30" in switched.stderr and "unset" in switched.stderr


def test_a_create_404_points_at_the_base_url(cli: Cli, emulator: Emulator) -> None:
    result = cli("generate", "a cat", "--base-url", emulator.base_url + "/wrong")
    assert result.exit_code == 7
    assert "check the base URL" in result.stderr
