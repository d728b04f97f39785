"""The Ark side of Seedance tasks (what the create asked for), kept beside the shared task
store; apart from `ark.py` so the context can hold it without an import cycle."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ArkTask:
    """What an Ark create asked for, beyond what the shared store keeps."""

    body: dict[str, Any]
    ratio: str
    resolution: str
    duration: int


@dataclass
class ArkBook:
    """The Ark side of each Ark task, by id; tests read the bodies the emulator received."""

    _tasks: dict[str, ArkTask] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, task_id: str, task: ArkTask) -> None:
        """Remember a created task."""
        with self._lock:
            self._tasks[task_id] = task

    def get(self, task_id: str) -> ArkTask | None:
        """The task, or None for a `/v1/videos` task."""
        with self._lock:
            return self._tasks.get(task_id)

    def bodies(self) -> dict[str, dict[str, Any]]:
        """Every create body received, by task id (for `stats`)."""
        with self._lock:
            return {task_id: task.body for task_id, task in self._tasks.items()}

    def clear(self) -> None:
        """Forget everything (reset)."""
        with self._lock:
            self._tasks.clear()
