"""Whole-process behaviour: signals, the journal under concurrency, secrets, start-up imports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from sora_cli.emulator import Emulator
from tests.helpers import (
    TEST_KEY,
    has_rows,
    interrupt,
    journal_rows,
    run_sora,
    start_sora,
    wait_until,
)


def _env(emulator: Emulator, home: Path) -> dict[str, str]:
    return {"SORA_HOME": str(home), "SORA_BASE_URL": emulator.base_url, "SORA_API_KEY": TEST_KEY}


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_polling_exits_130_and_keeps_the_task(
    emulator: Emulator, sora_home: Path, tmp_path: Path, signum: int
) -> None:
    proc = start_sora(
        "generate", "slow [emulator:stuck]", env=_env(emulator, sora_home), cwd=tmp_path
    )
    wait_until(has_rows(sora_home))
    code, stdout, stderr = interrupt(proc, signum)
    assert code == 130, stderr
    (row,) = journal_rows(sora_home)
    assert row["id"] in stderr and f"sora download {row['id']} --wait" in stderr
    assert stdout == row["id"] + "\n"  # `id=$(sora generate ...)` can resume it
    assert "Traceback" not in stderr and TEST_KEY not in stderr


def test_ctrl_c_resume_command_repeats_the_output_asked_for(
    emulator: Emulator, sora_home: Path, tmp_path: Path
) -> None:
    proc = start_sora(
        "generate",
        "slow [emulator:stuck]",
        "-o",
        "intr.mp4",
        env=_env(emulator, sora_home),
        cwd=tmp_path,
    )
    wait_until(has_rows(sora_home))
    code, _, stderr = interrupt(proc, signal.SIGINT)
    assert code == 130, stderr
    (row,) = journal_rows(sora_home)
    assert f"sora download {row['id']} --wait -o {tmp_path / 'intr.mp4'}" in stderr


def test_key_never_appears_in_any_output(
    emulator: Emulator, sora_home: Path, tmp_path: Path
) -> None:
    env = {**_env(emulator, sora_home), "SORA_DEBUG": "1"}
    outputs = []
    for args in (
        ["generate", "a cat", "--json"],
        ["list", "--json"],
        ["config", "list"],
        ["generate", "x", "--size", "bad"],
        ["status", "video_nope"],
    ):
        done = run_sora(*args, env=env, cwd=tmp_path)
        outputs += [done.stdout, done.stderr]
    emulator.add_fault(route="create", status=401)
    done = run_sora("generate", "a cat", env=env, cwd=tmp_path)
    outputs += [done.stdout, done.stderr]
    assert done.returncode == 3
    assert any("Authorization" in text or "authorization" in text for text in outputs)
    for text in outputs:
        assert TEST_KEY not in text


def test_journal_keeps_every_task_of_concurrent_processes(
    emulator: Emulator, sora_home: Path, tmp_path: Path
) -> None:
    import os

    env = {**os.environ, **_env(emulator, sora_home)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "sora_cli", "generate", f"cat {i}", "--no-wait"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        for i in range(10)
    ]
    ids = []
    for proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        ids.append(out.strip())
    assert sorted(r["id"] for r in journal_rows(sora_home)) == sorted(ids)
    assert (sora_home / "jobs.sqlite3").stat().st_mode & 0o777 == 0o600
    assert sora_home.stat().st_mode & 0o777 == 0o700


def test_journal_threads_write_at_once(sora_home: Path) -> None:
    from sora_cli.journal import JobRecord, Journal

    path = sora_home / "jobs.sqlite3"
    Journal(path).close()

    def write(n: int) -> None:
        with Journal(path) as journal:
            for i in range(20):
                journal.record(JobRecord(id=f"t{n}-{i}", prompt="p"))
                journal.update(f"t{n}-{i}", status="completed")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Journal(path) as journal:
        rows = journal.list()
    assert len(rows) == 160 and {r.status for r in rows} == {"completed"}


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["generate", "--help"]])
def test_startup_does_not_import_heavy_modules(argv: list[str]) -> None:
    heavy = [
        *("httpx", "httpcore", "stamina", "tenacity", "sqlite3", "rich.progress", "tomli_w"),
        "PIL",  # Pillow: only on the --image path
    ]
    code = (
        "import sys\n"
        f"sys.argv = ['sora', *{argv!r}]\n"
        "from sora_cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('@@' + __import__('json').dumps([m for m in {heavy!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    loaded = json.loads(done.stdout.rsplit("@@", 1)[1])
    assert loaded == [], f"start-up imported {loaded}"


@pytest.mark.parametrize(
    "env",
    [
        {"_SORA_COMPLETE": "complete_bash", "COMP_WORDS": "sora ", "COMP_CWORD": "1"},
        {"_SORA_COMPLETE": "complete_bash", "COMP_WORDS": "sora generate -s ", "COMP_CWORD": "3"},
        {"_SORA_COMPLETE": "complete_bash", "COMP_WORDS": "sora status ", "COMP_CWORD": "2"},
        {"_SORA_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "sora "},
        {"_SORA_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "sora generate --"},
        {"_SORA_COMPLETE": "source_bash"},
    ],
)
def test_completion_does_not_import_heavy_modules(env: dict[str, str], sora_home: Path) -> None:
    """A Tab press must answer in <= 100 ms (issue 6): the journal is read with sqlite3, but
    nothing that talks HTTP, draws with rich, validates with pydantic or loads settings."""
    import os

    from sora_cli.journal import JobRecord, Journal

    with Journal(sora_home / "jobs.sqlite3") as journal:
        journal.record(JobRecord(id="video_1", prompt="a cat"))
    heavy = ["httpx", "httpcore", "stamina", "rich", "pydantic", "tomli_w", "tomllib"]
    heavy += ["sora_cli.settings", "sora_cli.console", "sora_cli.client"]
    code = (
        "import sys\n"
        "sys.argv = ['sora']\n"
        "from sora_cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('@@' + __import__('json').dumps([m for m in {heavy!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    answer, _, loaded = done.stdout.rpartition("@@")
    assert answer.strip(), done.stderr  # it did complete something
    assert json.loads(loaded) == [], f"completion imported {loaded}"


def test_version_and_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sora_cli", "--version"], capture_output=True, text=True, timeout=60
    )
    from sora_cli import __version__

    assert done.returncode == 0 and done.stdout.strip() == f"sora-cli {__version__}"


PROBE = """
import sys
import sora_cli.commands.overview as overview

def interrupted_inside_exec() -> None:  # as when Ctrl-C lands in a dataclass being built
    exec("raise KeyboardInterrupt")

overview.show_overview = interrupted_inside_exec
sys.argv = ["sora"]
from sora_cli.entry import main
main()
"""


def test_ctrl_c_inside_exec_code_still_exits_130_under_python_m(tmp_path: Path) -> None:
    """CPython 3.11 would die by SIGINT (-2) here under `python -m`; CI saw it once."""
    (tmp_path / "kbi_probe.py").write_text(PROBE)
    done = subprocess.run(
        [sys.executable, "-m", "kbi_probe"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "SORA_HOME": str(tmp_path / "home")},
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == "sora: error: interrupted\n"


FAST_EXIT_PROBE = """
import atexit, pathlib, sys
mark = pathlib.Path(sys.argv[1])
atexit.register(mark.write_text, "atexit ran")
sys.argv = ["sora", "list"]
from sora_cli.entry import run
run()
"""


def test_the_quick_exit_still_runs_atexit_and_flushes_stdout(tmp_path: Path) -> None:
    """`run` skips the interpreter's teardown: what teardown owes the user still happens."""
    mark = tmp_path / "mark"
    done = subprocess.run(
        [sys.executable, "-c", FAST_EXIT_PROBE, str(mark)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SORA_HOME": str(tmp_path / "home")},
    )
    assert done.returncode == 0, done.stderr
    assert mark.read_text() == "atexit ran"
    assert "no tasks yet" in done.stderr
    for argv, code, shown in (
        (["list", "--json"], 0, "[]\n"),  # stdout flushed through a pipe
        (["status", "nosuch"], 3, "no API key"),  # exit codes are kept
    ):
        done = subprocess.run(
            [sys.executable, "-m", "sora_cli", *argv],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "SORA_HOME": str(tmp_path / "home")},
        )
        assert done.returncode == code and shown in done.stdout + done.stderr, done.stderr


FINALIZER_PROBE = """
import pathlib, sys

class Finalized:
    def __init__(self, path: str) -> None:
        self.write = pathlib.Path(path).write_text  # globals may be gone at teardown

    def __del__(self) -> None:
        self.write("finalized")

kept = Finalized(sys.argv[1])
sys.argv = ["sora", "list"]
from sora_cli.entry import run
run()
"""


@pytest.mark.parametrize(
    ("flags", "debug", "finalized"),
    [([], "", False), (["-X", "dev"], "", True), ([], "1", True)],
)
def test_a_developers_run_keeps_the_interpreters_teardown(
    tmp_path: Path, flags: list[str], debug: str, finalized: bool
) -> None:
    """The quick exit skips finalizers (and the warnings they print), except in dev mode
    or with SORA_DEBUG."""
    mark = tmp_path / "mark"
    done = subprocess.run(
        [sys.executable, *flags, "-c", FINALIZER_PROBE, str(mark)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SORA_HOME": str(tmp_path / "home"), "SORA_DEBUG": debug},
    )
    assert done.returncode == 0 and "no tasks yet" in done.stderr, done.stderr
    assert mark.exists() is finalized


def test_a_request_answered_at_once_never_imports_stamina(
    emulator: Emulator, sora_home: Path
) -> None:
    """stamina (~10 ms to import) is needed only once a try has failed."""
    code = (
        "import sys\n"
        "sys.argv = ['sora', 'status', 'video_nosuch']\n"
        "from sora_cli.entry import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    code = exc.code\n"
        "print('@@%s %s' % (code, 'stamina' in sys.modules))\n"
    )
    env = {"SORA_BASE_URL": emulator.base_url, "SORA_API_KEY": TEST_KEY}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env, "SORA_HOME": str(sora_home)},
    )
    assert done.stdout.rsplit("@@", 1)[1].split() == ["7", "False"], done.stderr  # not found


def test_an_older_journal_gains_new_columns_without_losing_rows(sora_home: Path) -> None:
    import sqlite3

    from sora_cli.journal import Journal

    sora_home.mkdir(mode=0o700)
    old = sqlite3.connect(sora_home / "jobs.sqlite3")
    old.execute(
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL DEFAULT 'async', prompt TEXT,"
        " status TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL)"
    )
    old.execute("INSERT INTO jobs VALUES ('video_old', 'async', 'p', 'completed', 1, 1)")
    old.commit()
    old.close()
    with Journal(sora_home / "jobs.sqlite3") as journal:
        (record,) = journal.list()
        assert record.id == "video_old" and record.usage is None and record.batch_id is None
        journal.update("video_old", usage="{}")
        assert journal.get("video_old").usage == "{}"  # type: ignore[union-attr]


def test_sora_emulator_command_serves_until_terminated(sora_home: Path, tmp_path: Path) -> None:
    import os

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sora_cli",
            "emulator",
            "--port",
            "0",
            "--queue-seconds",
            "0",
            "--gen-seconds",
            "0.3",
            "--poll-after-ms",
            "50",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        env = {"SORA_HOME": str(sora_home), "SORA_BASE_URL": base_url, "SORA_API_KEY": "sk-e2e"}
        done = run_sora("generate", "a cat", "-q", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert Path(done.stdout.strip()).read_bytes()[4:8] == b"ftyp"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert "SORA_BASE_URL" in stderr and "Traceback" not in stderr
    assert os.environ.get("SORA_API_KEY") is None


def test_a_reader_that_goes_away_is_exit_141_without_a_word(sora_home: Path) -> None:
    """`sora download ID -o - | head -c 10`: the SIGPIPE convention, not "interrupted"."""
    from sora_cli.emulator import EmulatorConfig

    big = EmulatorConfig(
        port=0, queue_seconds=0.05, gen_seconds=0.05, poll_after_ms=50, video_bytes=4 << 20
    )
    with Emulator(big) as emulator:  # 4 MiB: more than a pipe buffer holds
        env = _env(emulator, sora_home)
        made = run_sora("generate", "a cat", "--no-download", env=env)
        assert made.returncode == 0, made.stderr
        proc = start_sora("download", made.stdout.strip(), "-o", "-", env=env)
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.buffer.read(10)[4:8] == b"ftyp"
        proc.stdout.close()
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 141, err
    assert "interrupted" not in err and "Traceback" not in err
