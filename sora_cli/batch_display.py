"""How a batch shows itself: a rich overall bar with rows for active tasks on a terminal,
plain lines otherwise, NDJSON on stdout with --json. Implements `BatchObserver`.

Task ids, file names and error text come from the server or the batch file, so on a terminal
they go into a `literal_text_column`; only our own labels ("batch", "line 3") are markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sora_cli.console import Console, literal_text_column

if TYPE_CHECKING:
    from sora_cli.batch import LineResult
    from sora_cli.batch_input import BatchLine
    from sora_cli.models import Task


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 line`, `2 lines`: a count and its noun; `many` when the plural is not word + "s"."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


class BatchDisplay:
    """Counts lines by outcome and renders progress to stderr, results to stdout."""

    def __init__(self, console: Console, total: int, *, json_lines: bool):
        self.console = console
        self.total = total
        self.json_lines = json_lines
        self.done = self.failed = self.skipped = 0
        self._running: set[int] = set()
        self._rows: dict[int, Any] = {}
        self._progress: Any = None
        if console.interactive and not console.quiet:
            from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

            self._progress = console.live_progress(
                TextColumn("{task.fields[label]}"),  # markup: our own text only
                literal_text_column("{task.description}"),  # counts, or a server task id
                BarColumn(),
                TextColumn("{task.fields[count]}"),  # our own text: `3/5` lines, or `40%`
                TimeElapsedColumn(),
            )
            self._overall = self._progress.add_task(
                self._summary(), total=total, label="[bold]batch[/]", count=self._counter()
            )

    def _summary(self) -> str:
        running = len(self._running)
        skipped = f" · {self.skipped} skipped" if self.skipped else ""
        return f"{self.done} done · {self.failed} failed · {running} running{skipped}"

    def _counter(self) -> str:
        """Lines ended of the lines that get a task: a skipped line was never going to run."""
        return f"{self.done + self.failed}/{self.total - self.skipped}"

    def _refresh(self) -> None:
        if self._progress is not None:
            self._progress.update(
                self._overall,
                description=self._summary(),
                completed=self.done + self.failed,
                total=max(1, self.total - self.skipped),
                count=self._counter(),
            )

    def created(self, line: BatchLine, task_id: str, reattached: bool) -> None:
        """A line has a task (new or re-attached)."""
        self._running.add(line.number)
        verb = "re-attached to" if reattached else "created"
        if self._progress is not None:
            self._rows[line.number] = self._progress.add_task(
                task_id, total=100, label=f"  line {line.number}", count="0%"
            )
            self._refresh()
        else:
            self.console.info(f"line {line.number}: {verb} {task_id}")

    def progress(self, line: BatchLine, task: Task) -> None:
        """A status change of a line's task."""
        row = self._rows.get(line.number)
        if row is not None and self._progress is not None:
            self._progress.update(
                row, completed=task.progress or 0, count=f"{task.progress or 0}%"
            )

    def finished(self, result: LineResult) -> None:
        """A line ended: NDJSON or a path on stdout, a line on stderr."""
        self._running.discard(result.line.number)
        if result.outcome == "completed":
            self.done += 1
        elif result.outcome == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
        row = self._rows.pop(result.line.number, None)
        if row is not None and self._progress is not None:
            self._progress.remove_task(row)
        self._refresh()
        if self.json_lines:
            self.console.result_json_line(result.to_json())
        elif result.outcome == "completed" and result.file:
            self.console.result_path(result.file)
        detail = result.file if result.outcome == "completed" else result.error
        message = (
            f"line {result.line.number}: {result.outcome}"
            + (f" {result.task_id}" if result.task_id else "")
            + (f": {detail}" if detail else "")
        )
        if result.outcome == "completed":
            if self._progress is None:
                self.console.info(f"{message}  [{self._counter()}]")
        else:
            self.console.warn(message)

    def notice(self, message: str) -> None:
        """Something the user should know while the batch runs."""
        self.console.warn(message)

    def close(self) -> None:
        """Stop the live display."""
        if self._progress is not None:
            self._progress.stop()

    def summary(self, summary: dict[str, object], *, cap_hint: str | None = None) -> None:
        """The closing line on stderr, and what to run next when something is missing;
        `cap_hint` (`--max-cost X`) when the cap is why lines were not created."""
        words = {
            "completed": "completed",
            "failed": "failed",
            "skipped": "skipped",
            "not_finished": "not finished",
            "errors": "error",
        }
        parts = []
        for key, word in words.items():
            count = summary[key]
            if isinstance(count, int) and count:
                parts.append(plural(count, word) if key == "errors" else f"{count} {word}")
        batch_id = summary["batch_id"]
        cost = summary["cost_usd"]
        assert isinstance(cost, int | float)
        self.console.info(
            f"batch {batch_id}: {', '.join(parts) or 'nothing to do'}; "
            f"cost of completed videos ${cost:.2f}"
        )
        if summary["failed"]:
            self.console.info(
                f"give failed lines a new task: sora batch --resume {batch_id} --retry-failed"
            )
        elif cap_hint:
            self.console.info(
                f"lines were skipped to stay within --max-cost; raise it to create them: "
                f"sora batch --resume {batch_id} {cap_hint}"
            )
        elif summary["exit_code"]:
            self.console.info(f"re-run to finish what is missing: sora batch --resume {batch_id}")
