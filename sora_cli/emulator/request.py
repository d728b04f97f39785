"""An incoming request as plain data, so routes are functions of (context, request)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message


@dataclass(frozen=True)
class Request:
    """Method, path, query, headers and the whole body (bodies are small: prompts, images)."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: Message = field(default_factory=Message)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """A header's value, or None."""
        value = self.headers.get(name)
        return None if value is None else str(value)

    def param(self, name: str) -> str | None:
        """The first value of a query parameter, or None."""
        values = self.query.get(name)
        return values[0] if values else None
