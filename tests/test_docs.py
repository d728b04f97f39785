"""The docs stay true: the references in docs/ match `--help` and the JSON schema, README
stays what a person reads, and its commands match CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_generated_references_match_help_and_schema() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_reference.py"), "--check"], cwd=ROOT
    )
    assert done.returncode == 0, "docs/ is stale: run python scripts/gen_reference.py"


def test_readme_is_what_a_person_reads() -> None:
    readme = _readme()
    assert len(readme.splitlines()) < 560  # the prose, the quick start and one figure table
    assert "reference:start" not in readme and "json:start" not in readme  # those live in docs/
    for page in ("docs/commands.md", "docs/json.md", "docs/RELIABILITY.md"):
        assert f"]({page})" in readme, f"README does not link {page}"
        assert (ROOT / page).exists()
    headings = re.findall(r"^## (.+)$", readme, re.M)
    assert headings[headings.index("Quick start") + 1] == "Which model today"
    for needed in ("Install", "Everyday use", "Use in CI", "Configuration", "Exit codes"):
        assert needed in headings
    assert "Troubleshooting" in headings


def test_readme_installs_from_git_not_pypi() -> None:
    readme = _readme()
    assert "not on PyPI yet" in readme
    installs = re.findall(r"(?:pip|pipx|uv tool) install (?:--force |-e )?(\S+)", readme)
    assert len(installs) >= 5
    for target in (t.strip("\"'`") for t in installs):
        # a clone, the current directory (with the test extra), or a git URL: never PyPI
        assert target.startswith((".", "git+")), f"installs {target!r} from PyPI"


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*\(b\)\*\*.*?```sh\n(.+?)\n```", readme, re.S)
    assert match is not None
    assert match.group(1) in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "words",
    [
        ["generate"],
        ["status"],
        ["download"],
        ["list"],
        ["emulator"],
        ["demo"],
        ["doctor"],
        ["gallery"],
        ["config", "set"],
    ],
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


def _readme() -> str:
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_docs_keep_the_generated_json_reference() -> None:
    from sora_cli.output_schema import DOCUMENTS

    page = (ROOT / "docs" / "json.md").read_text(encoding="utf-8")
    assert "<!-- json:start" in page and "<!-- json:end -->" in page
    for doc in DOCUMENTS:
        assert f"### {doc.title}" in page


def test_readme_shows_how_to_install_each_completion_script() -> None:
    section = _readme().split("## Shell completion", 1)[1].split("\n## ", 1)[0]
    for name in ("sora.bash", "_sora", "sora.fish", "sora.ps1"):
        assert f"completions/{name}" in section or f"completions\\{name}" in section
        assert (ROOT / "completions" / name).exists()


def _ci_yaml() -> str:
    section = _readme().split("## Use in CI", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```yaml\n(.+?)\n```", section, re.S)
    assert match is not None
    return match.group(1)


def test_readme_ci_job_rehearses_on_the_emulator_then_runs_with_the_secret() -> None:
    yaml = _ci_yaml()
    assert "\t" not in yaml
    assert yaml.index("sora emulator") < yaml.index("${{ secrets.SORA_API_KEY }}")
    assert "SORA_API_KEY: ${{ secrets.SORA_API_KEY }}" in yaml
    assert "--json" in yaml and "code=$?" in yaml and "head -n 1 emulator.url" in yaml


def test_every_sora_invocation_in_the_ci_job_is_a_real_command_and_option() -> None:
    from typer.main import get_command

    from sora_cli.app import app

    group = get_command(app)
    calls = re.findall(r"(?:^|[\s($])sora ([a-z]+)([^|>&;)#\n]*)", _ci_yaml(), re.M)
    assert len(calls) >= 6
    for name, rest in calls:
        command = group.commands.get(name)  # type: ignore[attr-defined]
        assert command is not None, f"no command {name!r}"
        known = {opt for param in command.params for opt in param.opts}
        for token in (t.strip("\"'") for t in rest.split()):
            if token.startswith("-") and token != "-":
                assert token.split("=")[0] in known, f"sora {name}: no option {token}"


def test_the_reference_covers_every_command() -> None:
    import importlib.util

    from sora_cli.app import app

    script = ROOT / "scripts" / "gen_reference.py"
    spec = importlib.util.spec_from_file_location("gen_reference", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    listed = {tuple(words) for words in module.COMMANDS}
    registered = {(c.name,) for c in app.registered_commands}
    registered |= {(g.name,) for g in app.registered_groups}
    assert registered <= listed, registered - listed
