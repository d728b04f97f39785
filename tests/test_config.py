"""Settings and `sora config`: location, precedence, 0600 writes, broken files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from sora_cli.settings import Overrides, load_settings
from tests.helpers import TEST_KEY, Cli


def test_config_path_is_under_sora_home(bare_cli: Cli, sora_home: Path) -> None:
    result = bare_cli("config", "path")
    assert result.stdout.strip() == str(sora_home / "config.toml")


def test_set_get_unset_list_roundtrip_with_0600_file(bare_cli: Cli, sora_home: Path) -> None:
    assert bare_cli("config", "set", "size", "landscape").exit_code == 0
    assert bare_cli("config", "set", "poll_interval", "3").exit_code == 0
    config = sora_home / "config.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert stat.S_IMODE(sora_home.stat().st_mode) == 0o700
    assert bare_cli("config", "get", "size").stdout.strip() == "1280x720"
    listed = bare_cli("config", "list").stdout
    assert "size = 1280x720" in listed and "poll-interval = 3.0" in listed
    assert bare_cli("config", "unset", "size").exit_code == 0
    assert bare_cli("config", "get", "size").exit_code == 2


def test_api_key_from_stdin_is_stored_and_shown_redacted(bare_cli: Cli, sora_home: Path) -> None:
    result = bare_cli("config", "set", "api-key", input=TEST_KEY + "\n")
    assert result.exit_code == 0
    assert TEST_KEY in (sora_home / "config.toml").read_text()
    shown = bare_cli("config", "get", "api-key").stdout.strip()
    assert shown == "sk-…" + TEST_KEY[-4:]
    assert TEST_KEY not in bare_cli("config", "list").stdout


def test_show_secret_prints_the_key(sora_home: Path) -> None:
    from typer.testing import CliRunner

    from sora_cli.app import app

    runner = CliRunner()
    runner.invoke(app, ["config", "set", "api-key", "sk-shown-on-request-1234"])
    result = runner.invoke(app, ["config", "get", "api-key", "--show-secret"])
    assert result.stdout.strip() == "sk-shown-on-request-1234"


@pytest.mark.parametrize(
    ("key", "value", "needle"),
    [
        ("size", "640x480", "size"),
        ("seconds", "7", "duration"),
        ("poll-interval", "0.2", "at least"),
        ("base-url", "http://example.com/v1", "plain http"),
        ("profile", "nope", "unknown profile"),
        ("colour", "red", "unknown config key"),
    ],
)
def test_bad_values_are_refused(bare_cli: Cli, key: str, value: str, needle: str) -> None:
    result = bare_cli("config", "set", key, value)
    assert result.exit_code == 2
    assert needle in result.stderr


def test_broken_config_names_file_and_line(bare_cli: Cli, sora_home: Path) -> None:
    sora_home.mkdir()
    config = sora_home / "config.toml"
    config.write_text('size = "1280x720"\nseconds = = 3\n')
    config.chmod(0o600)
    result = bare_cli("generate", "a cat")
    assert result.exit_code == 2
    assert str(config) in result.stderr and "line 2" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_type_in_config_names_the_line(bare_cli: Cli, sora_home: Path) -> None:
    sora_home.mkdir()
    (sora_home / "config.toml").write_text('profile = "laozhang"\ntimeout = "soon"\n')
    result = bare_cli("list")
    assert result.exit_code == 2
    assert "line 2" in result.stderr and "timeout" in result.stderr


def test_loose_permissions_warn(bare_cli: Cli, sora_home: Path) -> None:
    sora_home.mkdir()
    config = sora_home / "config.toml"
    config.write_text('size = "720x1280"\n')
    config.chmod(0o644)
    result = bare_cli("list")
    assert result.exit_code == 0
    assert "readable by other users" in result.stderr and "chmod 600" in result.stderr


def test_precedence_flag_over_env_over_file(
    bare_cli: Cli, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare_cli("config", "set", "base-url", "https://file.example/v1")
    bare_cli("config", "set", "api-key", "sk-from-file-000")
    settings = load_settings(Overrides())
    assert settings.base_url == "https://file.example/v1"
    assert settings.api_key == "sk-from-file-000" and "config file" in (
        settings.api_key_source or ""
    )
    monkeypatch.setenv("SORA_BASE_URL", "https://env.example/v1")
    monkeypatch.setenv("SORA_API_KEY", "sk-from-env-000")
    settings = load_settings(Overrides())
    assert settings.base_url == "https://env.example/v1" and settings.api_key == "sk-from-env-000"
    settings = load_settings(Overrides(base_url="https://flag.example/v1", api_key="sk-flag-0000"))
    assert settings.base_url == "https://flag.example/v1" and settings.api_key == "sk-flag-0000"


def test_missing_key_explains_how_to_set_one(bare_cli: Cli) -> None:
    result = bare_cli("generate", "a cat")
    assert result.exit_code == 3
    assert "SORA_API_KEY" in result.stderr and "sora config set api-key" in result.stderr
    assert "sora demo" in result.stderr


def test_no_args_shows_short_help(bare_cli: Cli) -> None:
    result = bare_cli()
    assert "generate" in result.stdout + result.stderr


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_numbers_are_refused(cli: Cli, value: str) -> None:
    for flag in ("--poll-interval", "--timeout"):
        result = cli("generate", "a cat", flag, value)
        assert result.exit_code == 2, (flag, result.stderr)
    assert cli.stats()["creates_by_prompt"] == {}


def test_a_key_that_cannot_be_a_header_is_refused_without_showing_it(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-SECRET-with-newline\nX-Evil: 1"
    monkeypatch.setenv("SORA_API_KEY", secret)
    result = cli("generate", "a cat")
    assert result.exit_code == 3
    assert "control characters" in result.stderr
    assert "SECRET" not in result.stderr + result.stdout
    assert cli.stats()["requests"] == []


def test_a_config_default_the_profile_refuses_names_the_file(
    cli: Cli, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("config", "set", "seconds", "15").exit_code == 0
    monkeypatch.setenv("SORA_PROFILE", "openai")
    result = cli("generate", "a cat")
    assert result.exit_code == 2
    assert str(sora_home / "config.toml") in result.stderr and "--seconds" in result.stderr
    assert cli.stats()["requests"] == []


def test_a_key_typed_on_the_command_line_gets_a_warning(bare_cli: Cli) -> None:
    result = bare_cli("config", "set", "api-key", "sk-typed-in-history-0000")
    assert result.exit_code == 0 and "shell history" in result.stderr
