"""Where a video lands: `-o FILE`, `-o DIR`, `-o DIR/` (must exist), `--output-dir`."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from sora_cli.errors import UsageError
from sora_cli.outputs import (
    default_filename,
    precheck_directory,
    precheck_output,
    resolve_output,
)
from tests.helpers import Cli, requests_for


def test_trailing_separator_means_an_existing_directory(tmp_path: Path) -> None:
    (tmp_path / "clips").mkdir()
    for spelling in (f"{tmp_path}/clips/", f"{tmp_path}/clips{os.sep}"):
        assert resolve_output(spelling, None, "video_1") == tmp_path / "clips" / (
            default_filename("video_1")
        )
        precheck_output(spelling, None, force=False)


def test_trailing_separator_for_a_missing_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    checks: list[Callable[[], object]] = [
        lambda: resolve_output("sub/", None, "video_1"),
        lambda: precheck_output("sub/", None, force=False),
        lambda: precheck_output("sub/", None, force=True),
    ]
    for check in checks:
        with pytest.raises(UsageError) as info:
            check()
        assert info.value.message == "directory sub/ does not exist"
        assert info.value.hint == "create it, or pass -o PATH"
    assert not (tmp_path / "sub").exists()


def test_trailing_separator_on_a_file_is_refused(tmp_path: Path) -> None:
    existing = tmp_path / "clip.mp4"
    existing.write_bytes(b"x")
    with pytest.raises(UsageError, match="is a file, not a directory"):
        resolve_output(f"{existing}/", None, "video_1")
    with pytest.raises(UsageError, match="is a file, not a directory"):
        precheck_output(f"{existing}/", None, force=True)


def test_without_separator_unchanged(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    assert resolve_output(str(tmp_path / "dir"), None, "v") == tmp_path / "dir" / "sora-v.mp4"
    assert resolve_output(str(tmp_path / "new"), None, "v") == tmp_path / "new"
    assert resolve_output("-", None, "v") is None
    assert resolve_output(None, tmp_path, "v") == tmp_path / "sora-v.mp4"
    precheck_output(str(tmp_path / "new"), None, force=False)
    (tmp_path / "taken.mp4").write_bytes(b"x")
    with pytest.raises(UsageError, match="already exists"):
        precheck_output(str(tmp_path / "taken.mp4"), None, force=False)


def test_precheck_directory(tmp_path: Path) -> None:
    precheck_directory(tmp_path)  # exists
    precheck_directory(tmp_path / "new" / "deeper")  # made by the batch
    (tmp_path / "existing.mp4").write_bytes(b"x")
    for path in (tmp_path / "existing.mp4", tmp_path / "existing.mp4" / "sub"):
        with pytest.raises(UsageError) as info:
            precheck_directory(path)
        assert info.value.message == f"{tmp_path / 'existing.mp4'} is a file, not a directory"
        assert "already exists" not in info.value.message
        assert info.value.hint == "pass --output-dir with a directory"


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root ignores permissions")
def test_precheck_directory_not_writable(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(UsageError, match="not writable"):
            precheck_directory(locked)
        with pytest.raises(UsageError, match="not writable"):
            precheck_directory(locked / "new")
    finally:
        locked.chmod(0o700)


def test_generate_into_missing_directory_is_refused_before_paying(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("generate", "a cat", "-o", "sub/")
    assert result.exit_code == 2
    assert "directory sub/ does not exist" in result.stderr
    assert "create it, or pass -o PATH" in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "sub").exists()
    assert requests_for(cli.stats(), "create") == []


def test_generate_into_existing_directory_with_separator(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    result = cli("generate", "a cat", "-o", "sub/", "-q")
    assert result.exit_code == 0, result.stderr
    saved = Path(result.stdout.strip())
    assert saved.parent.resolve() == (tmp_path / "sub").resolve()
    assert saved.name.startswith("sora-") and saved.name.endswith(".mp4")
    assert (tmp_path / saved).read_bytes()[4:8] == b"ftyp"
