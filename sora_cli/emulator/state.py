"""Tasks and their clock-driven lifecycle.

A task's status is computed from the clock at each read (no thread per task), so thousands of
tasks cost nothing and a test can fast-forward one with `force()` instead of sleeping.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

# Magic words in a create prompt (documented in the emulator's README section).
MAGIC_VIOLATION = "[emulator:content-violation]"
MAGIC_STUCK = "[emulator:stuck]"
STUCK_PROGRESS = 50

VIOLATION_ERROR = {
    "code": "content_policy_violation",
    "message": "Your request was rejected by the safety system: the prompt or image may "
    "violate the content policy. Modify the prompt and try again (no charge).",
}

QUEUED, IN_PROGRESS, COMPLETED, FAILED = "queued", "in_progress", "completed", "failed"


@dataclass
class Task:
    """One generation job, async (`/v1/videos`) or sync (a chat completion's video link)."""

    id: str
    model: str
    prompt: str
    size: str
    seconds: str
    created_at: int  # wall clock, unix seconds
    created_wall: float
    started: float  # monotonic clock at creation
    fate: str = "ok"  # "ok" | "violation" | "stuck"
    remixed_from: str | None = None
    forced: str | None = None  # "completed" | "failed": set by the control endpoint
    forced_wall: float | None = None
    forced_error: dict[str, str] | None = None
    expired: bool = False
    ttl_seconds: float = 86400.0  # the task and its video link live this long


@dataclass(frozen=True)
class Snapshot:
    """A task as seen at one instant."""

    task: Task
    status: str  # QUEUED | IN_PROGRESS | COMPLETED | FAILED (profiles rename QUEUED)
    progress: int
    completed_at: int | None
    error: dict[str, str] | None
    expires_at: int


@dataclass
class TaskStore:
    """All tasks, guarded by one lock; timing comes from the injected clocks."""

    queue_seconds: float
    gen_seconds: float
    ttl_seconds: float
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    _tasks: dict[str, Task] = field(default_factory=dict)
    _links: dict[str, tuple[str, str, float, int]] = field(default_factory=dict)
    _idempotency: dict[str, str] = field(default_factory=dict)  # key -> task id
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(
        self, *, model: str, prompt: str, size: str, seconds: str, remixed_from: str | None = None,
        prefix: str = "video_", idempotency_key: str | None = None,
        ttl_seconds: float | None = None,
    ) -> Snapshot:
        """Store a new task; magic words in the prompt decide its fate."""
        fate = "ok"
        if MAGIC_VIOLATION in prompt:
            fate = "violation"
        elif MAGIC_STUCK in prompt:
            fate = "stuck"
        wall = self.wall()
        task = Task(
            id=prefix + secrets.token_hex(12),
            model=model,
            prompt=prompt,
            size=size,
            seconds=seconds,
            created_at=int(wall),
            created_wall=wall,
            started=self.clock(),
            fate=fate,
            remixed_from=remixed_from,
            ttl_seconds=self.ttl_seconds if ttl_seconds is None else ttl_seconds,
        )
        with self._lock:
            self._tasks[task.id] = task
            if idempotency_key:
                self._idempotency[idempotency_key] = task.id
            return self._snapshot(task)

    def by_idempotency_key(self, key: str) -> Snapshot | None:
        """The task an earlier create with this Idempotency-Key made, if it still exists."""
        with self._lock:
            task_id = self._idempotency.get(key)
            task = self._tasks.get(task_id) if task_id else None
            if task is None or self._is_expired(task):
                return None
            return self._snapshot(task)

    def get(self, task_id: str) -> Snapshot | None:
        """The task now, or None when unknown, deleted or expired."""
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or self._is_expired(task):
                return None
            return self._snapshot(task)

    def known(self, task_id: str) -> bool:
        """Whether the id was ever handed out (and not deleted): tells expired from unknown."""
        return self.lifetime(task_id) is not None

    def lifetime(self, task_id: str) -> float | None:
        """How long the task lives, if its id was ever handed out (and not deleted): tells
        expired from unknown."""
        with self._lock:
            task = self._tasks.get(task_id)
            return None if task is None else task.ttl_seconds

    def all(self) -> list[Snapshot]:
        """Every live task, oldest first."""
        with self._lock:
            return [self._snapshot(t) for t in self._tasks.values() if not self._is_expired(t)]

    def delete(self, task_id: str) -> bool:
        """Forget a task; False when there was none."""
        with self._lock:
            return self._tasks.pop(task_id, None) is not None

    def force(
        self, task_id: str, *, status: str | None = None, expire: bool = False,
        error: dict[str, str] | None = None,
    ) -> Snapshot | None:
        """Jump a task to an end state or make it expired (control endpoint)."""
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:
                return None
            if expire:
                task.expired = True
            if status is not None:
                task.forced = status
                task.forced_wall = self.wall()
                task.forced_error = error
            return self._snapshot(task)

    def add_link(self, *, size: str, seconds: str, ready_in: float) -> str:
        """Register a sync-API video that the CDN origin serves once `ready_in` has passed."""
        video_id = secrets.token_hex(16)
        with self._lock:
            self._links[video_id] = (size, seconds, self.clock() + ready_in,
                                     int(self.wall() + ready_in))
        return video_id

    def link(self, video_id: str) -> tuple[str, str, int] | None:
        """(size, seconds, ready time) of a ready, unexpired sync-API video, else None."""
        with self._lock:
            entry = self._links.get(video_id)
        if entry is None:
            return None
        size, seconds, ready, ready_wall = entry
        now = self.clock()
        if now < ready or now - ready > self.ttl_seconds:
            return None
        return size, seconds, ready_wall

    def count(self) -> int:
        """How many async tasks are stored (expired ones included until reset)."""
        with self._lock:
            return len(self._tasks)

    def clear(self) -> None:
        """Drop every task and sync-API video."""
        with self._lock:
            self._tasks.clear()
            self._links.clear()

    def _is_expired(self, task: Task) -> bool:
        return task.expired or self.clock() - task.started > task.ttl_seconds

    def _snapshot(self, task: Task) -> Snapshot:
        """Where the task is now: queued, then in progress 1..99, then an end state."""
        elapsed = self.clock() - task.started
        expires_at = int(task.created_wall + task.ttl_seconds)
        frozen = replace(task)
        if task.forced is not None:
            done = int(task.forced_wall or task.created_wall)
            if task.forced == COMPLETED:
                return Snapshot(frozen, COMPLETED, 100, done, None, expires_at)
            return Snapshot(frozen, FAILED, 0, done, task.forced_error or VIOLATION_ERROR,
                            expires_at)
        queue, gen = self.queue_seconds, self.gen_seconds
        if elapsed < queue:
            return Snapshot(frozen, QUEUED, 0, None, None, expires_at)
        if task.fate == "violation":
            done = int(task.created_wall + queue)
            return Snapshot(frozen, FAILED, 0, done, VIOLATION_ERROR, expires_at)
        if task.fate == "stuck" or elapsed < queue + gen:
            share = (elapsed - queue) / gen if gen > 0 else 1.0
            progress = max(1, min(99, 1 + int(share * 99)))
            if task.fate == "stuck":
                progress = min(progress, STUCK_PROGRESS)
            return Snapshot(frozen, IN_PROGRESS, progress, None, None, expires_at)
        done = int(task.created_wall + queue + gen)
        return Snapshot(frozen, COMPLETED, 100, done, None, expires_at)
