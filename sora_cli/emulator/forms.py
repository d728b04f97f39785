"""Request bodies: multipart/form-data and JSON, parsed without `cgi` (gone in 3.13).

The async create call is multipart (reference/laozhang-async-api.txt); OpenAI also takes JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from email.message import Message
from typing import Any


class BodyError(ValueError):
    """The body cannot be parsed as its Content-Type says."""


@dataclass(frozen=True)
class Part:
    """One multipart field: text when `filename` is None, else an uploaded file."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None

    @property
    def text(self) -> str:
        """The field as text (uploads are decoded leniently)."""
        return self.data.decode("utf-8", errors="replace")


def media_type(header: str | None) -> tuple[str, dict[str, str]]:
    """('type/subtype', params) from a Content-Type header."""
    if not header:
        return "", {}
    msg = Message()
    msg["content-type"] = header
    params = {}
    for key, value in msg.get_params(failobj=[])[1:]:
        params[key.lower()] = str(value)
    return msg.get_content_type(), params


def parse_multipart(body: bytes, boundary: str) -> dict[str, Part]:
    """Fields by name (the first one wins when a name repeats)."""
    if not boundary:
        raise BodyError("multipart/form-data without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    sections = body.split(delimiter)
    if len(sections) < 3 or not sections[-1].startswith(b"--"):
        raise BodyError("malformed multipart body (no closing boundary)")
    parts: dict[str, Part] = {}
    for section in sections[1:-1]:
        if not section.startswith(b"\r\n") or not section.endswith(b"\r\n"):
            raise BodyError("malformed multipart body (bad part framing)")
        head, sep, data = section[2:-2].partition(b"\r\n\r\n")
        if not sep:
            head, data = section[2:-2].rstrip(b"\r\n"), b""
        part = _part(head.decode("utf-8", errors="replace"), data)
        if part is not None and part.name not in parts:
            parts[part.name] = part
    return parts


def _part(head: str, data: bytes) -> Part | None:
    msg = Message()
    for line in head.split("\r\n"):
        key, colon, value = line.partition(":")
        if colon:
            msg[key.strip()] = value.strip()
    if msg.get("content-disposition") is None:
        return None
    name = msg.get_param("name", header="content-disposition")
    filename = msg.get_param("filename", header="content-disposition")
    if not isinstance(name, str):
        return None
    return Part(
        name=name,
        data=data,
        filename=filename if isinstance(filename, str) else None,
        content_type=msg.get("content-type"),
    )


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A JSON object body; anything else is a BodyError."""
    try:
        value = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BodyError(f"We could not parse the JSON body of your request: {err}") from err
    if not isinstance(value, dict):
        raise BodyError("The request body must be a JSON object.")
    return value
