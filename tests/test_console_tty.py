"""The terminal code paths of the console: rich bars, the rich table, the batch display.

User and server text (prompts, file names, task ids, error text) must show literally: rich
markup in it is neither interpreted nor allowed to crash the display. Streams here are
StringIO objects that claim to be terminals, so rich renders exactly as on a real one.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.file_proxy import FileProxy

from sora_cli.batch import LineResult
from sora_cli.batch_display import BatchDisplay
from sora_cli.batch_input import BatchLine
from sora_cli.console import Console
from sora_cli.models import Task
from tests.helpers import TEST_KEY, Cli, journal_rows

HOSTILE = ["[/]", "[red]x[/red]", "[bold", ":smile:"]
PROMPT = "cat [/] [red]x[/red] [bold :smile:"  # short enough for `sora list`

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|[\r]")


class _Tty(io.StringIO):
    """A StringIO that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _plain(text: str) -> str:
    return _ANSI.sub("", text)


_CONTROL = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07]*\x07|[\r\n]|[^\x1b\r\n]+")


def _screen(raw: str) -> list[str]:
    """What a terminal shows after `raw`: enough of one for rich's live display (carriage
    return, line feed, cursor up, erase line); colours are dropped."""
    rows: list[str] = [""]
    row = col = 0
    for match in _CONTROL.finditer(raw):
        token = match.group(0)
        if token == "\n":
            row, col = row + 1, 0
            if row == len(rows):
                rows.append("")
        elif token == "\r":
            col = 0
        elif match.group(2) == "A":
            row = max(0, row - int(match.group(1) or 1))
        elif match.group(2) == "K":
            rows[row] = ""
        elif not token.startswith("\x1b"):
            line = rows[row].ljust(col)
            rows[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return [r.rstrip() for r in rows]


@pytest.fixture(autouse=True)
def terminal_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A colour terminal wide enough that nothing wraps or gets cut."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("LINES", "50")
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)


def _console() -> tuple[Console, _Tty, _Tty]:
    out, err = _Tty(), _Tty()
    console = Console(stdout=out, stderr=err)
    assert console.interactive and console.color
    return console, out, err


def _line(number: int, prompt: str = PROMPT) -> BatchLine:
    return BatchLine(
        number=number, key=f"k{number}", prompt=prompt, size="720x1280", seconds=4, model="sora-2"
    )


def test_task_display_shows_hostile_id_and_status_literally() -> None:
    console, out, err = _console()
    display = console.task_display("video_[/]_[bold")
    assert console.live_active
    for status in HOSTILE:
        display.update(Task(id="video_[/]_[bold", status=status, progress=40))
    display.update(Task(id="video_[/]_[bold", status="in [red]x[/red] progress", progress=50))
    display.close()
    assert not console.live_active
    shown = _plain(err.getvalue())
    assert "video_[/]_[bold" in shown
    assert "in [red]x[/red] progress" in shown
    assert out.getvalue() == ""
    assert not isinstance(sys.stdout, FileProxy) and not isinstance(sys.stderr, FileProxy)


def test_download_display_shows_hostile_file_name_literally() -> None:
    console, out, err = _console()
    display = console.download_display("[red]clip.mp4")
    display.update(0, None)
    display.update(512 * 1024, 1024 * 1024)
    display.update(1024 * 1024, 1024 * 1024)
    display.close()
    assert not console.live_active
    raw = err.getvalue()
    assert "[red]clip.mp4" in _plain(raw)
    # our own styling stays: the name is bold, never red
    assert "\x1b[1m[red]clip.mp4" in raw
    assert "\x1b[1;31m" not in raw
    assert out.getvalue() == ""


def test_messages_during_a_live_display_stay_whole_on_stderr() -> None:
    console, out, err = _console()
    display = console.task_display("video_1")
    display.update(Task(id="video_1", status="in_progress", progress=10))
    console.warn("server said [/] and [red]x[/red]")
    console.info("plain note")
    display.close()
    screen = _screen(err.getvalue())
    # each message on a line of its own, the bar intact below them
    assert screen[0] == "sora: warning: server said [/] and [red]x[/red]", screen
    assert screen[1] == "sora: plain note", screen
    assert "video_1 in_progress" in screen[2] and "10%" in screen[2], screen
    assert out.getvalue() == ""


def test_table_on_a_terminal_shows_markup_in_cells_literally() -> None:
    console, out, err = _console()
    rows = [["video_1", text, "-"] for text in [*HOSTILE, PROMPT]]
    console.table(["ID", "PROMPT", "FILE"], rows)
    shown = _plain(out.getvalue())
    for text in [*HOSTILE, PROMPT]:
        assert text in shown
    assert "ID" in shown and "PROMPT" in shown
    assert err.getvalue() == ""


def test_table_on_a_terminal_scrubs_secrets() -> None:
    from sora_cli.console import register_secret

    console, out, _ = _console()
    register_secret("sk-table-secret-123456")
    console.table(["A"], [["key sk-table-secret-123456"]])
    assert "sk-table-secret-123456" not in out.getvalue()
    assert "[redacted]" in _plain(out.getvalue())


def test_batch_display_rich_mode_with_hostile_text() -> None:
    console, out, err = _console()
    display = BatchDisplay(console, 3, json_lines=False)
    assert console.live_active
    first, second, third = _line(1), _line(2, "[bold"), _line(3)
    display.created(first, "video_[/]", reattached=False)
    display.progress(first, Task(id="video_[/]", status="[red]x[/red]", progress=30))
    display.created(second, "video_[red]x[/red]", reattached=True)
    display.notice("a notice with [/] and [bold")
    display.finished(LineResult(first, "completed", task_id="video_[/]", file="out/[red]a.mp4"))
    display.finished(
        LineResult(second, "failed", task_id="video_[red]x[/red]", error="policy [/] said no")
    )
    display.created(third, "video_[bold", reattached=False)  # still running when closed
    display.close()
    assert not console.live_active
    raw = err.getvalue()
    shown = _plain(raw)
    assert "sora: warning: a notice with [/] and [bold\n" in shown
    assert "line 2: failed video_[red]x[/red]: policy [/] said no" in shown
    assert "video_[bold" in shown  # the row of line 3, drawn by the last refresh
    assert "1 done · 1 failed · 1 running" in shown
    assert "\x1b[1mbatch" in raw  # our own styling is kept
    assert out.getvalue() == "out/[red]a.mp4\n"  # only the result reaches stdout


def test_batch_display_close_twice_and_json_lines() -> None:
    console, out, err = _console()
    display = BatchDisplay(console, 1, json_lines=True)
    line = _line(1)
    display.created(line, "[/]", reattached=False)
    display.finished(LineResult(line, "failed", task_id="[/]", error="[bold"))
    display.close()
    display.close()
    assert not console.live_active
    assert '"task_id": "[/]"' in out.getvalue()
    assert "line 1: failed [/]: [bold" in _plain(err.getvalue())


def test_quiet_console_on_a_terminal_draws_nothing() -> None:
    out, err = _Tty(), _Tty()
    console = Console(stdout=out, stderr=err, quiet=True)
    console.task_display("[/]").update(Task(id="[/]", status="[/]"))
    console.download_display("[/]").update(1, 2)
    display = BatchDisplay(console, 1, json_lines=False)
    display.created(_line(1), "[/]", reattached=False)
    display.close()
    assert not console.live_active
    assert out.getvalue() == "" and err.getvalue() == ""


def test_plural() -> None:
    from sora_cli.batch_display import plural

    assert plural(0, "line") == "0 lines"
    assert plural(1, "line") == "1 line"
    assert plural(2, "error") == "2 errors"
    assert plural(1, "task") == "1 task"
    assert plural(3, "entry", "entries") == "3 entries"
    assert plural(1, "entry", "entries") == "1 entry"


def _on_a_terminal(
    argv: list[str], env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run sora with stdout on a pseudo-terminal; returns the process and what it showed."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sora_cli", *argv],
            stdout=slave,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
            text=True,
            timeout=60,
        )
    finally:
        os.close(slave)
    return proc, _plain(_drain(master).decode("utf-8", "replace"))


def _drain(master: int) -> bytes:
    """Everything written to a pseudo-terminal until its other end closes; closes it."""
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return b"".join(chunks)


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_sora_list_on_a_terminal_renders_a_prompt_with_markup(
    cli: Cli, tmp_path: Path, sora_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = cli("generate", PROMPT, "-o", str(tmp_path / "v.mp4"), "--quiet")
    assert created.exit_code == 0, created.stderr
    monkeypatch.delenv("NO_COLOR", raising=False)
    env = {"SORA_HOME": str(sora_home), "TERM": "xterm-256color", "COLUMNS": "250"}
    proc, shown = _on_a_terminal(["list"], env)
    assert proc.returncode == 0, proc.stderr
    assert PROMPT in shown
    assert "PROMPT" in shown


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("command", [["generate", "a cat"], ["download", "video_1"]])
def test_o_dash_onto_a_terminal_is_refused_before_anything_is_paid_for(
    cli: Cli, sora_home: Path, command: list[str]
) -> None:
    assert cli.emulator is not None
    env = {
        "SORA_HOME": str(sora_home),
        "SORA_BASE_URL": cli.emulator.base_url,
        "SORA_API_KEY": TEST_KEY,
    }
    proc, _ = _on_a_terminal([*command, "-o", "-"], env)
    assert proc.returncode == 2, proc.stderr
    assert "which is a terminal" in proc.stderr and "-o - > cat.mp4" in proc.stderr
    assert not cli.stats()["requests"]  # nothing created, nothing fetched


def test_a_task_without_a_percentage_shows_state_and_time_not_zero_percent() -> None:
    # Ark (Seedance) reports no progress: the bar must not claim 0 %.
    console, _, err = _console()
    display = console.task_display("cgt-1")
    display.update(Task(id="cgt-1", status="running"))
    display.close()
    screen = _screen(err.getvalue())
    line = next(row for row in screen if "cgt-1" in row)
    assert "running" in line and "%" not in line and re.search(r"\d:\d\d:\d\d", line), screen


def _all_on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, list[str]]:
    """Run sora with stdout and stderr on one pseudo-terminal, as at a person's shell; returns
    the exit code and the screen it left (control sequences applied)."""
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sora_cli", *argv],
            stdout=slave,
            stderr=slave,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
        )
    finally:
        os.close(slave)
    shown = _drain(master)  # read while it runs: a full pty buffer would block the child
    code = proc.wait(timeout=60)
    return code, _screen(shown.decode("utf-8", "replace").replace("\r\n", "\n"))


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_batch_results_survive_its_live_display_on_a_terminal(
    cli: Cli, tmp_path: Path, sora_home: Path
) -> None:
    assert cli.emulator is not None
    prompts = tmp_path / "p.txt"
    prompts.write_text("".join(f"cat {i}\n" for i in range(4)), encoding="utf-8")
    out = tmp_path / "out"
    env = {
        "SORA_HOME": str(sora_home),
        "SORA_BASE_URL": cli.emulator.base_url,
        "SORA_API_KEY": TEST_KEY,
        "COLUMNS": "200",
    }
    code, screen = _all_on_a_terminal(["batch", str(prompts), "-O", str(out)], env)
    assert code == 0, screen
    saved = sorted(str(p) for p in out.glob("*.mp4"))
    assert len(saved) == 4
    # each saved path is a whole line of its own, as it would be in a pipe
    assert sorted(row for row in screen if row.startswith(str(out))) == saved, screen


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("room", [0, 30])
def test_sora_list_on_a_narrow_terminal_keeps_ids_and_paths_whole(
    cli: Cli, tmp_path: Path, sora_home: Path, room: int
) -> None:
    prompt = "a very long prompt about a cat that rides a skateboard down a hill at dusk"
    out = tmp_path / "clip.mp4"
    created = cli("generate", prompt, "-o", str(out), "--quiet")
    assert created.exit_code == 0, created.stderr
    (row,) = journal_rows(sora_home)
    # id, status, a prompt cut to 12 and the path, with their padding, and `room` to spare:
    # far too narrow for all nine columns
    columns = len(row["id"]) + len(str(out)) + 35 + room
    env = {"SORA_HOME": str(sora_home), "TERM": "xterm-256color", "COLUMNS": str(columns)}
    proc, shown = _on_a_terminal(["list"], env)
    assert proc.returncode == 0, proc.stderr
    assert row["id"] in shown  # never shortened: it is what other commands take
    assert all(len(line) <= columns for line in shown.splitlines())
    assert "a very long" in shown and "…" in shown  # the prompt gave way first
    assert str(out) in shown  # whole: the columns that matter least made room


def test_raw_text_on_a_terminal_loses_the_servers_escape_sequences() -> None:
    """`stream --raw`: exact into a pipe (tests/test_stream.py), harmless on a terminal."""
    console, out, _ = _console()
    console.result_text("progress 10%\x1b]0;owned\x07\x1b[2J\n\tdone\r\n")
    assert out.getvalue() == "progress 10%\n\tdone \n"
    piped = io.StringIO()
    Console(stdout=piped, stderr=io.StringIO()).result_text("a\x1b[2Jb\n")
    assert piped.getvalue() == "a\x1b[2Jb\n"
