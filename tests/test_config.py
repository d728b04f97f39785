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
    assert listed == 'size = "1280x720"\npoll_interval = 3.0\n'
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


def _write_config(sora_home: Path, text: str) -> Path:
    sora_home.mkdir(exist_ok=True)
    config = sora_home / "config.toml"
    config.write_text(text)
    config.chmod(0o600)
    return config


def test_list_prints_toml_that_reads_back_with_the_files_key_names(
    bare_cli: Cli, sora_home: Path
) -> None:
    import json
    import tomllib

    bare_cli("config", "set", "size", "landscape")
    bare_cli("config", "set", "seconds", "15")
    bare_cli("config", "set", "api-key", input=TEST_KEY + "\n")
    bare_cli("config", "set", "output-dir", "/tmp/my videos")
    listed = bare_cli("config", "list")
    assert listed.exit_code == 0 and TEST_KEY not in listed.stdout
    as_toml = tomllib.loads(listed.stdout)  # pasting it into config.toml must work
    as_json = json.loads(bare_cli("config", "list", "--json").stdout)
    assert as_toml == as_json
    assert as_toml == {
        "size": "1280x720",
        "seconds": 15,
        "api_key": "sk-…" + TEST_KEY[-4:],
        "output_dir": "/tmp/my videos",
    }
    assert set(as_toml) == set(tomllib.loads((sora_home / "config.toml").read_text()))


def test_set_replaces_the_broken_line_of_its_own_key_and_keeps_the_rest(
    bare_cli: Cli, sora_home: Path
) -> None:
    import tomllib

    config = _write_config(
        sora_home, '# mine\nseconds = 15\nsize = 1280x720\nextra = "kept"\n[table]\nx = 1\n'
    )
    broken = bare_cli("list")
    assert broken.exit_code == 2 and "line 3" in broken.stderr
    assert "sora config set size VALUE" in broken.stderr  # the way out the hint gives works
    result = bare_cli("config", "set", "size", "landscape")
    assert result.exit_code == 0, result.stderr
    assert "broken line 3" in result.stderr
    text = config.read_text()
    assert text.startswith("# mine\nseconds = 15\nsize = ")  # comments and order kept
    assert tomllib.loads(text) == {
        "seconds": 15,
        "size": "1280x720",
        "extra": "kept",
        "table": {"x": 1},
    }
    assert bare_cli("list").exit_code == 0


def test_unset_removes_the_broken_line_of_its_own_key(bare_cli: Cli, sora_home: Path) -> None:
    config = _write_config(sora_home, "seconds = 15\nsize = 1280x720\n")
    result = bare_cli("config", "unset", "size")
    assert result.exit_code == 0, result.stderr
    assert config.read_text() == "seconds = 15\n"


def test_a_file_broken_elsewhere_is_left_alone_with_a_hint_that_works(
    bare_cli: Cli, sora_home: Path
) -> None:
    text = "seconds = 15\nwhat is this\n"
    config = _write_config(sora_home, text)
    for args in (("config", "set", "size", "landscape"), ("config", "unset", "seconds")):
        result = bare_cli(*args)
        assert result.exit_code == 2
        assert "line 2" in result.stderr and f"mv {config} {config}.broken" in result.stderr
        assert "sora config set" not in result.stderr.split("mv ")[0]  # not the dead end
    assert config.read_text() == text
    assert bare_cli("config", "path").stdout.strip() == str(config)
    config.rename(f"{config}.broken")  # the hint's way out
    assert bare_cli("config", "set", "size", "landscape").exit_code == 0


def test_a_bad_value_can_be_fixed_or_unset_with_config(bare_cli: Cli, sora_home: Path) -> None:
    config = _write_config(sora_home, 'timeout = "soon"\nprofile = "nope"\nfuture_key = 1\n')
    refused = bare_cli("list")
    assert refused.exit_code == 2 and str(config) in refused.stderr
    assert "sora config set profile VALUE" in refused.stderr  # the first one it needs
    assert bare_cli("config", "unset", "timeout").exit_code == 0
    assert bare_cli("config", "set", "profile", "openai").exit_code == 0
    assert config.read_text() == 'profile = "openai"\nfuture_key = 1\n'  # unknown key kept
    assert bare_cli("list").exit_code == 0


def test_a_bad_file_value_that_a_flag_or_variable_overrides_is_only_a_warning(
    cli: Cli, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """flag > environment > file: a broken file value must not block what overrides it."""
    _write_config(sora_home, 'profile = "bogus"\nbase_url = "http://example.com/v1"\n')
    monkeypatch.setenv("SORA_PROFILE", "laozhang")  # SORA_BASE_URL is set by `cli`
    result = cli("generate", "a cat", "--no-wait")
    assert result.exit_code == 0, result.stderr
    assert "bad value for profile" in result.stderr  # still said, as a warning
    monkeypatch.delenv("SORA_PROFILE")
    assert cli("generate", "a cat", "--no-wait").exit_code == 2  # now the file's value counts


@pytest.mark.parametrize(
    ("text", "command", "left"),
    [  # a string left open on a last line without newline: tomllib names no line
        ('size = "720x1280"\napi_key = "sk-abc', ["unset", "api-key"], 'size = "720x1280"\n'),
        # U+2028 in a comment is no line break for TOML: the broken line is still line 3
        (
            "# a\u2028b\nseconds = 10\nsize = 1280x720\n",
            ["set", "size", "landscape"],
            '# a\u2028b\nseconds = 10\nsize = "1280x720"\n',
        ),
    ],
)
def test_the_broken_line_is_found_where_toml_counts_it(
    bare_cli: Cli, sora_home: Path, text: str, command: list[str], left: str
) -> None:
    config = _write_config(sora_home, text)
    result = bare_cli("config", *command)
    assert result.exit_code == 0, result.stderr
    assert config.read_text() == left


def test_set_keeps_comments_and_unknown_keys(bare_cli: Cli, sora_home: Path) -> None:
    config = _write_config(sora_home, '# my settings\nsize = "720x1280"  # portrait\nnew = 1\n')
    assert bare_cli("config", "set", "size", "landscape").exit_code == 0
    assert bare_cli("config", "set", "seconds", "15").exit_code == 0
    assert config.read_text() == ('# my settings\nsize = "1280x720"\nnew = 1\nseconds = 15\n')


@pytest.mark.parametrize(
    ("variable", "value", "needle"),
    [
        ("SORA_PROFILE", "bad", "unknown profile 'bad'"),
        ("SORA_BASE_URL", "http://example.com/v1", "plain http"),
    ],
)
def test_a_bad_environment_variable_is_named(
    bare_cli: Cli, variable: str, value: str, needle: str
) -> None:
    for args in (("list", "--refresh"), ("generate", "a cat")):
        result = bare_cli(*args, env={variable: value})
        assert result.exit_code == 2
        assert needle in result.stderr and f"environment variable {variable}" in result.stderr


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('profile = "bad"', "unknown profile 'bad'"),
        ('base_url = "http://example.com/v1"', "plain http"),
        ("poll_interval = 0.2", "too short"),
        ("timeout = -1", "positive"),
    ],
)
def test_a_bad_value_in_the_file_names_file_and_line(
    bare_cli: Cli, sora_home: Path, line: str, needle: str
) -> None:
    config = _write_config(sora_home, f'size = "720x1280"\n{line}\n')
    result = bare_cli("list", "--refresh")
    assert result.exit_code == 2
    assert needle in result.stderr and f"{config}, line 2" in result.stderr


def test_get_of_an_unset_key_says_what_sora_uses_instead(bare_cli: Cli, sora_home: Path) -> None:
    result = bare_cli("config", "get", "model")
    assert result.exit_code == 2 and result.stdout == ""
    assert f"model is not set in {sora_home / 'config.toml'}" in result.stderr
    assert "sora uses sora-2 (the laozhang profile's default)" in result.stderr
    assert "sora config set model VALUE" in result.stderr
    result = bare_cli("config", "get", "seconds", env={"SORA_PROFILE": "openai"})
    assert "sora uses 4 (the default of sora-2 in the openai profile)" in result.stderr
    result = bare_cli("config", "get", "api-key", env={"SORA_API_KEY": TEST_KEY})
    assert "from SORA_API_KEY" in result.stderr and "sk-…" + TEST_KEY[-4:] in result.stderr


def test_get_warns_when_the_environment_overrides_the_file(bare_cli: Cli) -> None:
    bare_cli("config", "set", "base-url", "https://file.example/v1")
    result = bare_cli("config", "get", "base_url", env={"SORA_BASE_URL": "https://e.example/v1"})
    assert result.exit_code == 0
    assert result.stdout == "https://file.example/v1\n"
    assert "SORA_BASE_URL is set and takes precedence" in result.stderr


def test_a_string_left_open_earlier_is_not_blamed_on_the_last_line(
    bare_cli: Cli, sora_home: Path
) -> None:
    _write_config(sora_home, 'size = "720x1280"\nmodel = """abc\nseconds = 10')
    result = bare_cli("config", "set", "seconds", "15")
    assert result.exit_code == 2
    assert "sora config set seconds" not in result.stderr  # that could not repair it
    assert ".broken" in result.stderr  # the way out that works
