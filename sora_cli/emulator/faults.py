"""Faults on demand: the next N requests of a route fail in a chosen way.

Used by the test suites and by users rehearsing a pipeline's failure handling
(`POST /__emulator__/faults`, or `Emulator.add_fault`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace

ROUTES = ("create", "status", "content", "list", "delete", "remix", "chat", "models", "cdn",
          "any")
ACTIONS = ("reset", "truncate", "unsized", "close", "html", "invalid_json", "timeout",
           "stall")
DEFAULT_TIMEOUT_DELAY = 30.0
_FIELDS = ("route", "status", "times", "retry_after", "body", "action", "delay", "create_task")


@dataclass(frozen=True)
class Fault:
    """One queued fault; `times` is how many matching requests it still applies to."""

    route: str = "any"
    status: int | None = None
    times: int = 1
    retry_after: str | None = None
    body: str | None = None
    action: str | None = None
    delay: float | None = None
    create_task: bool = False

    @property
    def sleep_seconds(self) -> float:
        """How long to wait before answering."""
        if self.action == "stall":
            return 0.0  # a stall waits mid-body, not before answering
        if self.delay is not None:
            return self.delay
        return DEFAULT_TIMEOUT_DELAY if self.action == "timeout" else 0.0

    def to_dict(self) -> dict[str, object]:
        """JSON form, as accepted by `from_mapping`."""
        return asdict(self)


def parse_fault(data: Mapping[str, object]) -> Fault:
    """Validate a fault description; ValueError names what is wrong."""
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
    route = data.get("route", "any")
    if route not in ROUTES:
        raise ValueError(f"route must be one of {', '.join(ROUTES)}")
    status = _optional_int(data, "status")
    if status is not None and not 100 <= status <= 599:
        raise ValueError("status must be an HTTP status code (100..599)")
    times = _optional_int(data, "times")
    times = 1 if times is None else times
    if times < 1:
        raise ValueError("times must be at least 1")
    retry_after = _optional_str(data, "retry_after")
    body = _optional_str(data, "body")
    action = _optional_str(data, "action")
    if action is not None and action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    delay = data.get("delay")
    if delay is not None:
        if isinstance(delay, bool) or not isinstance(delay, int | float) or delay < 0:
            raise ValueError("delay must be a non-negative number of seconds")
        delay = float(delay)
    create_task = data.get("create_task", False)
    if not isinstance(create_task, bool):
        raise ValueError("create_task must be true or false")
    if create_task and (route != "create" or status is None):
        raise ValueError("create_task needs route 'create' and a status")
    if status is None and action is None and body is None and delay is None:
        raise ValueError("a fault needs at least one of status, action, body, delay")
    return Fault(str(route), status, times, retry_after, body, action, delay, create_task)


def _optional_int(data: Mapping[str, object], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be an integer")
    return value


def _optional_str(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    return value


class FaultQueue:
    """FIFO queues of faults per route; a route's own queue is served before `any`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Fault]] = {route: deque() for route in ROUTES}

    def add(self, fault: Fault) -> None:
        """Queue a fault behind the others of its route."""
        with self._lock:
            self._queues[fault.route].append(fault)

    def take(self, route: str) -> Fault | None:
        """The fault for this request, if any, using up one of its `times`."""
        with self._lock:
            for name in (route, "any"):
                queue = self._queues.get(name)
                if queue:
                    fault = queue[0]
                    if fault.times <= 1:
                        queue.popleft()
                    else:
                        queue[0] = replace(fault, times=fault.times - 1)
                    return fault
        return None

    def pending(self) -> list[dict[str, object]]:
        """Faults still queued, for `GET /__emulator__/faults`."""
        with self._lock:
            return [f.to_dict() for queue in self._queues.values() for f in queue]

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            for queue in self._queues.values():
                queue.clear()
