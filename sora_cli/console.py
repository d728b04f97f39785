"""stdout/stderr, TTY detection, and progress shown as rich bars, plain lines or nothing.

stdout carries only results (a path, an id, JSON); everything else goes to stderr. Every
string written passes through `scrub_secrets`, so a key that slipped into a message never
shows, and through `printable_lines`, so no escape sequence reaches the terminal. Text
from users or the server (prompts, file names, task ids, error text) reaches rich
only as `rich.text.Text` or through `literal_text_column`, never as markup: a prompt holding
`[/]` must neither crash a table nor restyle a bar.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import IO, TYPE_CHECKING, Any, Protocol

from sora_cli import constants
from sora_cli.safe_text import REDACTED as REDACTED
from sora_cli.safe_text import printable, printable_lines, quoted_path
from sora_cli.safe_text import register_secret as register_secret
from sora_cli.safe_text import scrub_secrets as scrub_secrets

if TYPE_CHECKING:
    from rich.console import Console as RichConsole
    from rich.progress import Progress, ProgressColumn, TextColumn

    from sora_cli.models import Task

# The old name, kept until every caller says scrub_secrets.
redact = scrub_secrets


def literal_text_column(text_format: str, *, style: str = "none") -> TextColumn:
    """A progress column whose formatted text is shown as is: user text is never markup."""
    from rich.progress import TextColumn

    # markup=False makes rich build a plain Text (no markup, no :emoji: codes); our own
    # styling comes from `style` or from a separate markup column holding only our text.
    return TextColumn(text_format, style=style, markup=False)


def color_allowed(stream: IO[str]) -> bool:
    """Colour only on a terminal, never with NO_COLOR or TERM=dumb."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


def _isatty(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _same_terminal(one: IO[Any], other: IO[Any]) -> bool:
    """True when both streams are the same terminal device (a shell with no redirection)."""
    if not (_isatty(one) and _isatty(other)):
        return False
    try:
        a, b = os.fstat(one.fileno()), os.fstat(other.fileno())
    except (AttributeError, ValueError, OSError):
        return False
    return (a.st_dev, a.st_ino, a.st_rdev) == (b.st_dev, b.st_ino, b.st_rdev)


class TaskDisplay(Protocol):
    """Progress of one task while it is waited for."""

    def update(self, task: Task) -> None: ...
    def close(self) -> None: ...


class DownloadDisplay(Protocol):
    """Progress of one download."""

    def update(self, done: int, total: int | None) -> None: ...
    def close(self) -> None: ...


def binary_size(n: float) -> str:
    """`512 B`, `57.2 KiB`, `4.1 MiB`, `1.2 GiB`: one unit family for every byte count shown
    (bars, plain lines, speeds and the `saved` line)."""
    if n < 1024:
        return f"{n:.0f} B"
    for unit in ("KiB", "MiB"):
        n /= 1024
        if n < 1024:
            return f"{n:.1f} {unit}"
    return f"{n / 1024:.1f} GiB"


class _Null:
    def update(self, *args: Any) -> None:
        pass

    def close(self) -> None:
        pass


class _PlainTask:
    """One line per state change or per 10 % of progress; no control characters."""

    def __init__(self, console: Console, task_id: str):
        self._console = console
        self._task_id = task_id
        self._status: str | None = None
        self._step = -1
        self._start = time.monotonic()

    def update(self, task: Task) -> None:
        step = (task.progress or 0) // constants.PLAIN_PROGRESS_STEP
        if task.status == self._status and step == self._step:
            return
        self._status, self._step = task.status, step
        pct = f" {task.progress}%" if task.progress is not None else ""
        elapsed = time.monotonic() - self._start
        self._console.info(f"{self._task_id}: {task.status}{pct} ({elapsed:.0f}s)")

    def close(self) -> None:
        pass


class _PlainDownload:
    def __init__(self, console: Console, name: str):
        self._console = console
        self._name = name
        self._step = -1

    def update(self, done: int, total: int | None) -> None:
        if not total:
            return
        step = done * 100 // total // constants.PLAIN_PROGRESS_STEP
        if step != self._step:
            self._step = step
            sizes = f"{binary_size(done)} of {binary_size(total)}"
            self._console.info(f"downloading {self._name}: {done * 100 // total}% ({sizes})")

    def close(self) -> None:
        pass


class _RichTask:
    def __init__(self, console: Console, task_id: str):
        from rich.progress import BarColumn, SpinnerColumn, TaskProgressColumn, TimeElapsedColumn

        self._progress = console.live_progress(
            SpinnerColumn(),
            literal_text_column("{task.fields[task_id]}", style="bold"),  # a server id
            literal_text_column("{task.description}"),  # the server's status string
            BarColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
        )
        # No total until the API reports a percentage (Ark never does): a pulsing bar and the
        # elapsed time rather than an invented 0 %.
        self._bar = self._progress.add_task("starting", total=None, task_id=task_id)

    def update(self, task: Task) -> None:
        if task.progress is None:
            self._progress.update(self._bar, description=task.status)
        else:
            self._progress.update(
                self._bar, description=task.status, completed=task.progress, total=100
            )

    def close(self) -> None:
        self._progress.stop()


def _speed_column() -> ProgressColumn:
    """Transfer speed in binary units (as the byte counts and the `saved` line), measured
    over the whole download when rich has too few samples for its own estimate."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class SpeedColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            if speed is None and task.elapsed:
                speed = task.completed / task.elapsed
            shown = f"{binary_size(speed)}/s" if speed is not None else ""
            return Text(shown, style="progress.data.speed")

    return SpeedColumn()


class _RichDownload:
    def __init__(self, console: Console, name: str):
        from rich.progress import BarColumn, DownloadColumn, TimeRemainingColumn

        self._progress = console.live_progress(
            literal_text_column("{task.description}", style="bold"),  # a file name (user's -o)
            BarColumn(),
            DownloadColumn(binary_units=True),  # KiB/MiB, as the speed and `saved` say
            _speed_column(),
            TimeRemainingColumn(),
        )
        self._bar = self._progress.add_task(name, total=None)

    def update(self, done: int, total: int | None) -> None:
        self._progress.update(self._bar, completed=done, total=total)

    def close(self) -> None:
        self._progress.stop()


class Console:
    """The presentation layer; one per command run."""

    def __init__(
        self,
        *,
        quiet: bool = False,
        debug: bool = False,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
    ):
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.quiet = quiet
        self.debug_enabled = debug
        self.interactive = _isatty(self.stderr) and os.environ.get("TERM") != "dumb"
        self.color = color_allowed(self.stderr)
        self._rich: RichConsole | None = None
        self._live: list[Progress] = []

    def _rich_stderr(self) -> RichConsole:
        if self._rich is None:
            from rich.console import Console as RichConsole

            self._rich = RichConsole(
                file=self.stderr, no_color=not self.color, highlight=False, soft_wrap=True
            )
        return self._rich

    def live_progress(self, *columns: ProgressColumn) -> Progress:
        """A started rich progress display on stderr; our messages print above it while live.

        Stop it with its own `stop()`. Text from users or the server belongs in a
        `literal_text_column`; a markup `TextColumn` may only format our own text.
        """
        from rich.progress import Progress

        # redirect_stdout=False: while a bar is live rich would otherwise route anything
        # written to sys.stdout onto the stderr console, and stdout carries results only.
        progress = Progress(*columns, console=self._rich_stderr(), redirect_stdout=False)
        progress.start()
        self._live.append(progress)
        return progress

    @property
    def live_active(self) -> bool:
        """True while a progress display started by `live_progress` is still drawn."""
        self._live = [p for p in self._live if p.live.is_started]
        return bool(self._live)

    # -- results (stdout) --

    def result(self, text: str) -> None:
        """One result line on stdout."""
        line = printable_lines(scrub_secrets(text))
        if self._rich is not None and self.live_active and _same_terminal(self.stdout, self.stderr):
            # Written straight to the terminal, the line would be erased by the live
            # display's next refresh (it moves the cursor up over its own lines). With both
            # streams on one terminal, rich prints it above the display to the same screen.
            from rich.text import Text

            self._rich.print(Text(line))
            return
        self.stdout.write(line + "\n")
        self.stdout.flush()

    def result_path(self, path: str) -> None:
        """A saved file's path on stdout: one line whatever its name holds."""
        self.result(quoted_path(path))

    def result_json(self, data: Any) -> None:
        """One JSON document on stdout."""
        self.result(json.dumps(data, indent=2, ensure_ascii=False, default=str))

    def result_text(self, text: str) -> None:
        """Text on stdout as it came (`stream --raw`), flushed at once: exactly, into a pipe
        or a file; on a terminal without the server's escape sequences and control
        characters, which could move the cursor, retitle the window or hide what was said."""
        text = scrub_secrets(text)
        if _isatty(self.stdout):
            text = printable_lines(text)
        self.stdout.write(text)
        self.stdout.flush()

    def result_json_line(self, data: Any) -> None:
        """One compact JSON object per line (NDJSON)."""
        self.result(json.dumps(data, ensure_ascii=False, default=str))

    # -- messages (stderr) --

    def _err(self, text: str) -> None:
        line = printable_lines(scrub_secrets(text))
        if self._rich is not None and self.live_active:
            # Written straight to the stream, the line would land on the bar's last frame
            # and be half erased by the next refresh; rich prints it above the live bar.
            # As a Text it is never read as markup.
            from rich.text import Text

            self._rich.print(Text(line))
            return
        self.stderr.write(line + "\n")
        self.stderr.flush()

    def info(self, message: str) -> None:
        """Chatter: silenced by --quiet."""
        if not self.quiet:
            self._err(f"sora: {message}")

    def warn(self, message: str) -> None:
        """Warnings are shown even with --quiet."""
        self._err(f"sora: warning: {message}")

    def error(self, message: str, hint: str | None = None) -> None:
        """`sora: error: <what happened>` and, on a second line, what to do."""
        self._err(f"sora: error: {message}")
        if hint:
            self._err(f"  hint: {hint}")

    def debug(self, message: str) -> None:
        """Only with --debug / SORA_DEBUG=1."""
        if self.debug_enabled:
            self._err(f"sora: debug: {message}")

    # -- progress --

    def task_display(self, task_id: str) -> TaskDisplay:
        """A bar on a terminal, plain lines otherwise, nothing with --quiet."""
        if self.quiet:
            return _Null()
        if self.interactive:
            return _RichTask(self, task_id)
        return _PlainTask(self, task_id)

    def download_display(self, name: str) -> DownloadDisplay:
        """Bytes, speed and ETA on a terminal; a line per 10 % otherwise."""
        if self.quiet:
            return _Null()
        if self.interactive:
            return _RichDownload(self, name)
        return _PlainDownload(self, name)

    def table(
        self,
        columns: list[str],
        rows: list[list[str]],
        *,
        keep: tuple[str, ...] = (),
        give_way: tuple[str, ...] = (),
        drop: tuple[str, ...] = (),
    ) -> None:
        """A result table on stdout: columns fitted to a terminal, tab-separated otherwise.

        On a terminal too narrow for it, the `keep` columns (ids: what other commands take)
        are never shortened; first the `give_way` columns shrink, with an ellipsis, then the
        `drop` columns go, in order; any other column folds onto more lines, losing nothing.
        """
        if _isatty(self.stdout):
            from sora_cli.text_table import render

            cells = [[printable(scrub_secrets(cell)) for cell in row] for row in rows]
            self.stdout.write(
                render(
                    columns,
                    cells,
                    terminal_width(self.stdout),
                    keep=keep,
                    give_way=give_way,
                    drop=drop,
                    bold_header=color_allowed(self.stdout),
                )
            )
            self.stdout.flush()
            return
        self.result("\t".join(columns))
        for row in rows:
            self.result("\t".join(printable(cell) for cell in row))


def terminal_width(stream: IO[Any]) -> int:
    """Columns of the terminal `stream` writes to: $COLUMNS first, as rich and click read it
    (`shutil.get_terminal_size` would ask the process's own stdout, not `stream`)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
        if columns > 0:
            return columns
    except ValueError:
        pass
    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80

