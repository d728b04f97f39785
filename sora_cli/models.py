"""Typed task objects parsed from API JSON. No I/O.

Providers name their statuses differently (`submitted` vs `queued`, and more may come), so
the raw status is kept for display and a normalised `TaskState` drives every decision:
anything not known to be final is still running (DESIGN "API profiles").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sora_cli.errors import BadContent
from sora_cli.safe_text import has_control, printable


class TaskState(StrEnum):
    """What a status means to a waiting client."""

    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"

    @property
    def is_final(self) -> bool:
        """Only final states end a wait."""
        return self is not TaskState.RUNNING


_FINAL_STATUSES = {
    "completed": TaskState.COMPLETED,
    "succeeded": TaskState.COMPLETED,
    "success": TaskState.COMPLETED,
    "failed": TaskState.FAILED,
    "failure": TaskState.FAILED,
    "error": TaskState.FAILED,
    "cancelled": TaskState.CANCELLED,
    "canceled": TaskState.CANCELLED,
    "expired": TaskState.EXPIRED,
}


def normalise_status(raw: str | None) -> TaskState:
    """Map a provider's status name to a state; unknown names mean "still running"."""
    if not raw:
        return TaskState.RUNNING
    return _FINAL_STATUSES.get(raw.strip().lower(), TaskState.RUNNING)


def _opt_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def _opt_str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


# Where gateways put the finished video (DESIGN "compatible profile"): OpenAI's spec and
# the seeds use `url`, Muse `video_url`, others `output_url`, Ark `content.video_url`,
# some `result_url`. The first present wins.
_LINK_FIELDS = ("url", "video_url", "output_url", "content.video_url", "result_url")


def _video_link(data: dict[str, Any]) -> str | None:
    for name in _LINK_FIELDS:
        holder: Any = data
        for part in name.split("."):
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, str) and holder.strip():
            return holder.strip()
    return None


def _opt_text(data: dict[str, Any], key: str) -> str | None:
    """A string field shown to the user: no escape sequences, no line breaks."""
    value = _opt_str(data, key)
    return printable(value) if value is not None else None


def id_problem(task_id: str) -> str | None:
    """Why a task id cannot be used as one segment of a URL path (or shown), if it cannot.
    Escaping keeps `/` inside the segment, but `.` and `..` are read as path steps."""
    if task_id in (".", ".."):
        return "is a path step"
    if has_control(task_id) or task_id != task_id.strip():
        return "holds control characters or spaces"
    if len(task_id) > 256:
        return "is too long"
    return None


def unusable_id(task_id: str) -> BadContent:
    """The error for a server's task id that cannot be used (exit 8)."""
    return BadContent(
        f"the API returned an unusable id {printable(task_id)[:80]!r} (it "
        f"{id_problem(task_id)})",
        hint="the server is not answering like the Videos API; check the base URL",
    )


@dataclass(frozen=True)
class Task:
    """A video task as the API last described it."""

    id: str
    status: str
    progress: int | None = None
    model: str | None = None
    prompt: str | None = None
    size: str | None = None
    seconds: str | None = None
    created_at: int | None = None
    completed_at: int | None = None
    expires_at: int | None = None
    url: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    # Token-billed APIs (Ark): the task's `usage` object, and the USD it works out at
    # (None: not reported yet, or the model's token rate is unknown).
    usage: dict[str, Any] | None = None
    charge: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def state(self) -> TaskState:
        """The normalised state."""
        return normalise_status(self.status)

    @classmethod
    def from_json(cls, data: Any) -> Task:
        """Parse a create or status response; a body without id/status is not a task."""
        if not isinstance(data, dict):
            raise BadContent("the API answered something that is not a task object")
        task_id = data.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise BadContent("the API answered a task object without an id")
        if id_problem(task_id):
            raise unusable_id(task_id)
        status = data.get("status")
        if not isinstance(status, str) or not status.strip():
            raise BadContent(f"the API answered task {task_id} without a status")
        status = printable(status).strip() or "unknown"
        progress = _opt_int(data, "progress")
        if progress is not None:
            progress = max(0, min(100, progress))
        error = data.get("error")
        error_code = error_message = None
        if isinstance(error, dict):
            error_code = _opt_text(error, "code") or _opt_text(error, "type")
            error_message = _opt_text(error, "message")
        elif isinstance(error, str) and error:
            error_message = printable(error)
        return cls(
            id=task_id,
            status=status,
            progress=progress,
            model=_opt_text(data, "model"),
            prompt=_opt_text(data, "prompt"),
            size=_opt_text(data, "size"),
            seconds=_opt_text(data, "seconds"),
            created_at=_opt_int(data, "created_at"),
            completed_at=_opt_int(data, "completed_at"),
            expires_at=_opt_int(data, "expires_at"),
            url=_video_link(data),
            error_code=error_code,
            error_message=error_message,
            raw=data,
        )

    def failure_text(self) -> str:
        """One line describing why the task failed."""
        parts = [p for p in (self.error_code, self.error_message) if p]
        return ": ".join(parts) if parts else f"status {self.status}"
