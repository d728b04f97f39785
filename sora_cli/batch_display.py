"""How a batch shows itself: a rich overall bar with rows for active tasks on a terminal,
plain lines otherwise, NDJSON on stdout with --json. Implements `BatchObserver`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sora_cli.console import Console

if TYPE_CHECKING:
    from sora_cli.batch import LineResult
    from sora_cli.batch_input import BatchLine
    from sora_cli.models import Task


class BatchDisplay:
    """Counts lines by outcome and renders progress to stderr, results to stdout."""

    def __init__(self, console: Console, total: int, *, json_lines: bool):
        self.console = console
        self.total = total
        self.json_lines = json_lines
        self.done = self.failed = 0
        self._running: set[int] = set()
        self._rows: dict[int, Any] = {}
        self._progress: Any = None
        if console.interactive and not console.quiet:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console._rich_stderr(),
            )
            self._overall = self._progress.add_task(self._summary(), total=total)
            self._progress.start()

    def _summary(self) -> str:
        running = len(self._running)
        return f"[bold]batch[/] {self.done} done · {self.failed} failed · {running} running"

    def _refresh(self) -> None:
        if self._progress is not None:
            self._progress.update(
                self._overall, description=self._summary(), completed=self.done + self.failed
            )

    def created(self, line: BatchLine, task_id: str, reattached: bool) -> None:
        """A line has a task (new or re-attached)."""
        self._running.add(line.number)
        verb = "re-attached to" if reattached else "created"
        if self._progress is not None:
            self._rows[line.number] = self._progress.add_task(
                f"  line {line.number} {task_id}", total=100
            )
            self._refresh()
        else:
            self.console.info(f"line {line.number}: {verb} {task_id}")

    def progress(self, line: BatchLine, task: Task) -> None:
        """A status change of a line's task."""
        row = self._rows.get(line.number)
        if row is not None and self._progress is not None:
            self._progress.update(row, completed=task.progress or 0)

    def finished(self, result: LineResult) -> None:
        """A line ended: NDJSON or a path on stdout, a line on stderr."""
        self._running.discard(result.line.number)
        if result.outcome == "completed":
            self.done += 1
        else:
            self.failed += 1
        row = self._rows.pop(result.line.number, None)
        if row is not None and self._progress is not None:
            self._progress.remove_task(row)
        self._refresh()
        if self.json_lines:
            self.console.result_json_line(result.to_json())
        elif result.outcome == "completed" and result.file:
            self.console.result(result.file)
        detail = result.file if result.outcome == "completed" else result.error
        message = (
            f"line {result.line.number}: {result.outcome}"
            + (f" {result.task_id}" if result.task_id else "")
            + (f": {detail}" if detail else "")
        )
        if result.outcome == "completed":
            if self._progress is None:
                self.console.info(f"{message}  [{self.done + self.failed}/{self.total}]")
        else:
            self.console.warn(message)

    def notice(self, message: str) -> None:
        """Something the user should know while the batch runs."""
        self.console.warn(message)

    def close(self) -> None:
        """Stop the live display."""
        if self._progress is not None:
            self._progress.stop()
