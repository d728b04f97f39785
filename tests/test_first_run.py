"""First run and after the video exists (issue 6): overview, key hint, --open, summary line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import Cli, loads


def test_bare_sora_prints_a_short_overview_on_stdout(bare_cli: Cli) -> None:
    result = bare_cli()
    assert result.exit_code == 0
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) <= 16  # short: the full help is `sora --help`
    for command in ("sora generate", "sora list", "sora download", "sora demo", "sora doctor"):
        assert command in result.stdout
    assert "SORA_API_KEY" in result.stdout and "sora --help" in result.stdout


@pytest.mark.parametrize(
    ("argv", "said", "command"),
    [
        (["--bogus"], "no such option: --bogus", "sora"),
        (["generat", "a cat"], "no such command 'generat'. Did you mean 'generate'?", "sora"),
        (
            ["generate", "a cat", "--seconds", "abc"],
            "invalid value for '--seconds'",
            "sora generate",
        ),
        (["download"], "missing argument 'ID'", "sora download"),
        (["list", "-n", "0"], "invalid value for '--limit'", "sora list"),
        (["config", "set"], "missing argument 'KEY'", "sora config set"),
    ],
)
def test_a_command_line_that_does_not_parse_is_one_error_line(
    bare_cli: Cli, argv: list[str], said: str, command: str
) -> None:
    result = bare_cli(*argv)
    assert result.exit_code == 2 and result.stdout == ""
    error, hint = result.stderr.splitlines()
    assert error.startswith("sora: error: ") and said in error
    assert hint == f"  hint: see `{command} --help`"


def test_help_is_still_the_full_help(bare_cli: Cli) -> None:
    result = bare_cli("--help")
    assert result.exit_code == 0
    assert "Usage: sora [OPTIONS] COMMAND" in result.stdout and "Commands:" in result.stdout
    assert "doctor" in result.stdout


def test_generate_without_a_key_says_how_to_set_one_or_try_the_emulator(bare_cli: Cli) -> None:
    result = bare_cli("generate", "a cat")
    assert result.exit_code == 3
    assert result.stdout == ""
    for advice in ("SORA_API_KEY", "sora config set api-key", "sora demo", "sora emulator"):
        assert advice in result.stderr


def _last_line(stderr: str) -> str:
    return stderr.rstrip("\n").splitlines()[-1]


def test_generate_ends_with_path_size_duration_and_resolution(cli: Cli) -> None:
    result = cli("generate", "a cat", "-s", "1280x720", "-d", "15")
    assert result.exit_code == 0, result.stderr
    path = result.stdout.strip()
    last = _last_line(result.stderr)
    assert last.startswith(f"sora: saved {path} (") and last.endswith("iB, 15.0 s, 1280x720)")


def test_download_ends_with_the_same_summary(cli: Cli) -> None:
    task_id = cli("generate", "a dog", "--no-download").stdout.strip()
    result = cli("download", task_id, "-o", "dog.mp4")
    assert result.exit_code == 0, result.stderr
    assert _last_line(result.stderr).endswith("iB, 10.0 s, 720x1280)")


@pytest.fixture
def fake_player(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An `xdg-open`/`open` on PATH that records what it was asked to open."""
    import os

    from tests.helpers import install_fake_player

    record = tmp_path / "opened.txt"
    install_fake_player(tmp_path / "bin", f'printf "%s" "$1" > "{record}"')
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    return record


def _wait_for(path: Path) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return path.read_text()
        time.sleep(0.02)
    raise AssertionError("the player was never started")


def test_generate_open_starts_the_system_player(cli: Cli, fake_player: Path) -> None:
    result = cli("generate", "a cat", "--open")
    assert result.exit_code == 0, result.stderr
    saved = result.stdout.strip()
    assert _wait_for(fake_player) == saved
    assert "warning" not in result.stderr
    assert _last_line(result.stderr).startswith(f"sora: saved {saved} (")


def test_download_open_starts_the_system_player(cli: Cli, fake_player: Path) -> None:
    task_id = cli("generate", "a dog", "--no-download").stdout.strip()
    result = cli("download", task_id, "--open", "-o", "dog.mp4")
    assert result.exit_code == 0, result.stderr
    assert Path(_wait_for(fake_player)).name == "dog.mp4"


def test_open_without_a_player_only_warns(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    result = cli("generate", "a cat", "--open")
    assert result.exit_code == 0, result.stderr
    saved = result.stdout.strip()
    assert Path(saved).exists()
    lines = result.stderr.splitlines()
    # the warning follows the `saved` line it is about
    assert lines[-2].startswith(f"sora: saved {saved} (")
    assert lines[-1].startswith("sora: warning: no video player to open it with")


def test_open_with_video_on_stdout_is_ignored_with_a_warning(cli: Cli, fake_player: Path) -> None:
    result = cli("generate", "a cat", "-o", "-", "--open")
    assert result.exit_code == 0
    assert result.stdout_bytes[4:8] == b"ftyp"
    assert "--open ignored" in result.stderr
    assert not fake_player.exists()


def test_quiet_drops_the_summary_but_not_the_result(cli: Cli) -> None:
    result = cli("generate", "a cat", "-q")
    assert result.exit_code == 0 and result.stderr == ""
    assert Path(result.stdout.strip()).exists()


def test_summary_without_a_readable_header_shows_the_size_only(tmp_path: Path) -> None:
    from sora_cli.commands._saved import describe_saved

    odd = tmp_path / "odd.mp4"
    odd.write_bytes(b"\0\0\0\x10ftypisom\0\0\0\0" + bytes(2 * 1024 * 1024))
    assert describe_saved(odd, 2 * 1024 * 1024 + 16) == f"saved {odd} (2.0 MiB)"


def test_download_open_works_for_a_stream_run_too(cli: Cli, fake_player: Path) -> None:
    assert cli("stream", "a cat", "--no-download").exit_code == 0
    task_id = loads(cli("list", "--json").stdout)[0]["id"]
    result = cli("download", task_id, "--open", "-o", "cat.mp4")
    assert result.exit_code == 0, result.stderr
    assert Path(_wait_for(fake_player)).name == "cat.mp4"
    assert _last_line(result.stderr).endswith("iB, 10.0 s, 720x1280)")
