"""What clients did: every request (never the Authorization value), creates per prompt and
concurrency per route, so tests can check retries, idempotency and concurrency limits."""

from __future__ import annotations

import threading
from collections import Counter, deque
from typing import Any

MAX_RECORDED = 10000  # a long-running emulator keeps only the latest requests


class Stats:
    """Thread-safe request log and counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDED)
        self._creates: Counter[str] = Counter()
        self._in_flight: Counter[str] = Counter()
        self._max_in_flight: Counter[str] = Counter()

    def begin(self, route: str) -> None:
        """A request of `route` started."""
        with self._lock:
            self._in_flight[route] += 1
            self._max_in_flight[route] = max(self._max_in_flight[route], self._in_flight[route])

    def record(self, entry: dict[str, Any]) -> None:
        """Log a request once its answer is decided, before it is sent: a client that has
        its answer always finds the request in the log."""
        with self._lock:
            self._requests.append(entry)

    def end(self, route: str) -> None:
        """A request of `route` finished sending."""
        with self._lock:
            self._in_flight[route] -= 1

    def count_create(self, prompt: str) -> None:
        """A generation (task or sync video) was really started for this prompt."""
        with self._lock:
            self._creates[prompt] += 1

    def snapshot(self) -> dict[str, Any]:
        """JSON-ready copy for `GET /__emulator__/stats`."""
        with self._lock:
            return {
                "requests": [dict(r) for r in self._requests],
                "creates_by_prompt": dict(self._creates),
                "max_in_flight": dict(self._max_in_flight),
                "in_flight": {k: v for k, v in self._in_flight.items() if v},
            }

    def clear(self) -> None:
        """Forget everything except requests still being served."""
        with self._lock:
            self._requests.clear()
            self._creates.clear()
            self._max_in_flight = Counter({k: v for k, v in self._in_flight.items() if v})
