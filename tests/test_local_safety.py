"""What sora leaves on this machine: the key stays out of other programs' environments,
and its own directory is private."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from tests.helpers import TEST_KEY, Cli, install_fake_player


def test_open_does_not_hand_the_key_to_the_player(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    dump = tmp_path / "player-env.txt"
    install_fake_player(bin_dir, f'env > "{dump}.tmp" && mv "{dump}.tmp" "{dump}"')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("SOME_OTHER_NAME", TEST_KEY)  # the key under another name, too
    result = cli("generate", "a cat", "--open")
    assert result.exit_code == 0, result.stderr
    deadline = time.monotonic() + 10
    while not dump.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    seen = dump.read_text()
    assert "PATH=" in seen  # the player did get an environment
    assert TEST_KEY not in seen and "SORA_API_KEY" not in seen


def test_an_existing_sora_home_open_to_others_is_made_private(cli: Cli, sora_home: Path) -> None:
    sora_home.mkdir(mode=0o755)
    sora_home.chmod(0o755)
    assert cli("generate", "a cat", "--no-wait").exit_code == 0
    assert stat.S_IMODE(sora_home.stat().st_mode) == 0o700


def test_a_sora_home_shared_with_other_files_is_left_alone_with_a_warning(
    cli: Cli, sora_home: Path
) -> None:
    sora_home.mkdir(mode=0o755)
    sora_home.chmod(0o755)
    (sora_home / "notes.txt").write_text("someone else's")  # e.g. SORA_HOME=$HOME
    assert cli("generate", "a cat", "--no-wait").exit_code == 0
    assert stat.S_IMODE(sora_home.stat().st_mode) == 0o755
    result = cli("list")  # the journal is there now: every run says so
    assert result.exit_code == 0
    assert f"{sora_home} holds sora's files but is open to other users" in result.stderr
