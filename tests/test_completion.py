"""Shell completion (issue 6): fresh scripts, profile-aware values, journal ids, and speed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from sora_cli.journal import JobRecord, Journal

ROOT = Path(__file__).resolve().parent.parent
BASH = shutil.which("bash")
SORA = Path(sys.executable).with_name("sora")


def test_committed_completion_scripts_are_fresh() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_completions.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr + " (run python scripts/gen_completions.py)"


def test_every_shell_has_a_script_and_zsh_starts_with_compdef() -> None:
    names = sorted(p.name for p in (ROOT / "completions").iterdir())
    assert names == ["_sora", "sora.bash", "sora.fish", "sora.ps1"]
    first = (ROOT / "completions" / "_sora").read_text(encoding="utf-8").splitlines()[0]
    assert first == "#compdef sora"
    for name in names:  # each one calls back into `sora` with the completion variable set
        text = (ROOT / "completions" / name).read_text(encoding="utf-8")
        assert "_SORA_COMPLETE" in text and "complete_" in text


def bash_complete(line: str, env: dict[str, str] | None = None) -> list[str]:
    """Press Tab at the end of `line` in a real bash that sourced completions/sora.bash."""
    if BASH is None or not SORA.exists():
        pytest.skip("needs bash and the installed `sora` script")
    words = line.split(" ")
    script = (
        f"source {ROOT / 'completions' / 'sora.bash'}\n"
        f"COMP_WORDS=({' '.join(repr(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        "_sora_completion sora\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    path = f"{SORA.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", script],
        env={**os.environ, "PATH": path, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [w for w in done.stdout.splitlines() if w]


def test_bash_completes_commands_and_options() -> None:
    assert bash_complete("sora do") == ["download", "doctor"]
    assert "--size" in bash_complete("sora generate --s")
    assert bash_complete("sora config ") == ["set", "get", "unset", "list", "path"]


def test_sizes_seconds_and_models_follow_the_active_profile(sora_home: Path) -> None:
    assert bash_complete("sora generate --size ") == [
        "720x1280",
        "1280x720",
        "landscape",
        "portrait",
    ]
    assert bash_complete("sora generate -d ") == ["10", "15"]  # the default model's
    assert bash_complete("sora generate -m muse -d ") == [
        "5", "8", "10", "20", "30", "40", "50", "60"
    ]
    assert bash_complete("sora generate --model ") == [
        "sora-2", "muse-video", "muse-video-20s", "muse-video-30s", "muse-video-40s",
        "muse-video-50s", "muse-video-60s",
    ]
    # a --profile typed earlier on the line wins
    assert bash_complete("sora generate --profile openai --seconds ") == ["4", "8", "12"]
    assert bash_complete("sora generate --profile openai -m ") == ["sora-2", "sora-2-pro"]
    # then SORA_PROFILE, then the config file
    assert bash_complete("sora generate -s 17", env={"SORA_PROFILE": "openai"}) == ["1792x1024"]
    sora_home.mkdir(parents=True, exist_ok=True)
    (sora_home / "config.toml").write_text('profile = "openai"\n')
    assert bash_complete("sora generate --seconds ") == ["4", "8", "12"]
    assert bash_complete("sora generate --profile ") == [
        "laozhang", "openai", "compatible", "seedance"
    ]
    assert bash_complete("sora demo --size ") == ["720x1280", "1280x720"]
    assert bash_complete("sora stream --profile laozhang --model sora_video2-l") == [
        "sora_video2-landscape",
        "sora_video2-landscape-15s",
    ]


def test_config_keys_complete_in_command_line_spelling() -> None:
    keys = bash_complete("sora config set ")
    assert "api-key" in keys and "poll-interval" in keys and "api_key" not in keys
    assert bash_complete("sora config get base") == ["base-url"]


def _journal(home: Path) -> None:
    with Journal(home / "jobs.sqlite3") as journal:
        for i, kind in enumerate(["async", "async", "stream", "unknown", "intent", "async"]):
            journal.record(
                JobRecord(id=f"video_{i}", kind=kind, prompt=f"p{i}", status="completed")
            )
            journal.update(f"video_{i}", created_at=1000.0 + i)
        journal.record(JobRecord(id="chatcmpl_9", kind="stream", created_at=2000.0))


def test_task_ids_come_from_the_journal_newest_first(sora_home: Path) -> None:
    _journal(sora_home)
    # async tasks and `sora stream` runs; unknown (ambiguous create) and intent rows never
    assert bash_complete("sora status ") == [
        "chatcmpl_9",
        "video_5",
        "video_2",
        "video_1",
        "video_0",
    ]
    assert bash_complete("sora download ") == [
        "chatcmpl_9",
        "video_5",
        "video_2",
        "video_1",
        "video_0",
    ]
    assert bash_complete("sora download video_") == ["video_5", "video_2", "video_1", "video_0"]
    assert bash_complete("sora status chat") == ["chatcmpl_9"]


def test_gallery_completes_batch_ids_then_task_ids(sora_home: Path) -> None:
    _journal(sora_home)
    with Journal(sora_home / "jobs.sqlite3") as journal:
        journal.save_batch("b-0123456789ab", "/videos/out", "[]")
    assert bash_complete("sora gallery ")[:3] == ["b-0123456789ab", "chatcmpl_9", "video_5"]
    assert bash_complete("sora gallery b-") == ["b-0123456789ab"]
    assert bash_complete("sora gallery video_5 video_") == [
        "video_5",
        "video_2",
        "video_1",
        "video_0",
    ]


def test_id_completion_without_a_journal_offers_nothing_and_creates_nothing(
    sora_home: Path,
) -> None:
    assert bash_complete("sora status ") == []
    assert not (sora_home / "jobs.sqlite3").exists()


def test_id_completion_with_prefix_special_characters(sora_home: Path) -> None:
    with Journal(sora_home / "jobs.sqlite3") as journal:
        journal.record(JobRecord(id="a_b", prompt="x"))
        journal.record(JobRecord(id="axb", prompt="y"))
        journal.record(JobRecord(id="a%c", prompt="z"))
    from sora_cli.completion import complete_task_id

    assert [v for v, _ in complete_task_id("a_")] == ["a_b"]
    assert [v for v, _ in complete_task_id("a%")] == ["a%c"]


def _complete(env: dict[str, str], app: object, capsys: pytest.CaptureFixture[str]) -> str:
    from typer.main import get_command

    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        with pytest.raises(SystemExit):
            get_command(app).main(args=[], prog_name="sora")  # type: ignore[arg-type]
    return capsys.readouterr().out


@pytest.mark.parametrize(
    "line",
    [
        "sora ",
        "sora ge",
        "sora generate --size ",
        "sora --debug generate --profile openai -d ",
        "sora generate -",
        "sora config set ",
        "sora config ",
        "sora status ",
        "sora nosuch ",
    ],
)
def test_building_only_the_typed_subcommand_changes_no_answer(
    line: str, sora_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sora_cli.app import app, new_root
    from sora_cli.completion import app_for_completion

    _journal(sora_home)
    words = line.split(" ")
    env = {
        "_SORA_COMPLETE": "complete_bash",
        "COMP_WORDS": line,
        "COMP_CWORD": str(len(words) - 1),
    }
    trimmed = _complete(env, app_for_completion(new_root, "complete_bash"), capsys)
    full = _complete(env, app, capsys)
    assert trimmed == full


def test_zsh_help_texts_are_shown_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    from sora_cli.app import app

    env = {"_SORA_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "sora generate --deb"}
    out = _complete(env, app, capsys)
    # rich markup rendering (Typer's default) would have dropped "[env: SORA_DEBUG]"
    assert "--debug" in out and "[env\\\\: SORA_DEBUG]" in out


def test_fast_completion_restores_typer() -> None:
    from typer import _completion_classes

    from sora_cli.completion import fast_completion

    sanitize = _completion_classes._sanitize_help_text
    with fast_completion():
        assert _completion_classes._sanitize_help_text is not sanitize
    assert _completion_classes._sanitize_help_text is sanitize


def test_completion_in_a_malformed_environment_falls_back_to_the_whole_app() -> None:
    from sora_cli.app import new_root
    from sora_cli.command_tree import COMMANDS
    from sora_cli.completion import app_for_completion

    def built(app: typer.Typer) -> int:
        real = [c for c in app.registered_commands if c.help is None]
        return len(real) + len(app.registered_groups)

    assert built(app_for_completion(new_root, "complete_nosuchshell")) == 0  # stubs only
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMP_WORDS", "sora generate ")
        mp.setenv("COMP_CWORD", "not a number")
        assert built(app_for_completion(new_root, "complete_bash")) == len(COMMANDS)


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed")
def test_fish_completes_through_the_committed_script(sora_home: Path) -> None:
    script = Path(__file__).resolve().parent.parent / "completions" / "sora.fish"
    done = subprocess.run(
        ["fish", "-c", f"source {script}; complete -C 'sora generate --size '"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == [
        "720x1280",
        "1280x720",
        "landscape",
        "portrait",
    ]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed")
def test_zsh_script_registers_and_answers(sora_home: Path) -> None:
    script = Path(__file__).resolve().parent.parent / "completions" / "_sora"
    done = subprocess.run(
        [
            "zsh",
            "-c",
            f"autoload -U compinit; compinit -u; source {script}; whence -w _sora_completion",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "_sora_completion: function" in done.stdout
    answer = subprocess.run(
        [sys.executable, "-m", "sora_cli"],
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "_TYPER_COMPLETE_ARGS": "sora generate --seconds ",
            "_SORA_COMPLETE": "complete_zsh",
        },
    )
    assert answer.stdout.startswith("_arguments") and '"10"' in answer.stdout
