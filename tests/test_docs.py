"""The docs stay true: README's reference matches `--help`, and its commands match CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_reference_matches_help() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_reference.py"), "--check"], cwd=ROOT
    )
    assert done.returncode == 0, "README is stale: run python scripts/gen_reference.py"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*\(b\)\*\*.*?```sh\n(.+?)\n```", readme, re.S)
    assert match is not None
    assert match.group(1) in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "words",
    [["generate"], ["status"], ["download"], ["list"], ["emulator"], ["demo"], ["config", "set"]],
)
def test_every_command_help_has_an_example(words: list[str]) -> None:
    from typer.testing import CliRunner

    from sora_cli.app import app

    result = CliRunner().invoke(app, [*words, "--help"])
    assert result.exit_code == 0 and "Example: sora " in result.stdout


def test_every_test_named_in_reliability_md_exists() -> None:
    text = (ROOT / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`|`(test_\w+)`", text)
    assert len(named) > 40
    current_file = None
    for file, name, bare in named:
        if file:
            current_file = file
            source = (ROOT / "tests" / file).read_text(encoding="utf-8")
            assert f"def {name}(" in source, f"{file}::{name} is named in RELIABILITY.md"
        elif bare and current_file:
            source = (ROOT / "tests" / current_file).read_text(encoding="utf-8")
            assert f"def {bare}(" in source, f"{current_file}::{bare} is named in RELIABILITY.md"
