"""What a route answers, as data: the handler writes it, and faults can replace or cut it.

Every error body has the OpenAI shape `{"error": {message, type, param, code}}`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

from .media import MediaBody, RangeNotSatisfiable, parse_range
from .request import Request

# Messages for fault statuses (reference/laozhang-async-api.txt, "Common Error Codes").
STATUS_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Invalid request parameters", "invalid_request_error", None),
    401: ("Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
    402: ("Insufficient balance: recharge your account and try again", "insufficient_quota",
          "insufficient_balance"),
    403: ("You do not have access to this resource", "invalid_request_error", "forbidden"),
    404: ("Not found", "invalid_request_error", "not_found"),
    408: ("Request timed out", "server_error", "timeout"),
    409: ("Conflict", "invalid_request_error", "conflict"),
    429: ("Rate limit exceeded: too many requests, slow down", "rate_limit_error",
          "rate_limit_exceeded"),
    500: ("The server had an error while processing your request", "server_error",
          "internal_error"),
    502: ("Bad gateway: the upstream service returned an invalid response", "server_error",
          "bad_gateway"),
    503: ("Service temporarily unavailable, please retry later", "server_error",
          "service_unavailable"),
    504: ("Gateway timeout: the upstream service did not answer in time", "server_error",
          "gateway_timeout"),
}


@dataclass
class EventPlan:
    """A server-sent event stream: chunks to send at given offsets (seconds from the start).
    `abort` closes the connection after the last chunk without ending the chunked body."""

    chunks: list[tuple[float, bytes]]
    abort: bool = False


@dataclass
class Response:
    """One answer; exactly one of `body`, `media` or `events` carries the payload."""

    status: int = 200
    content_type: str = "application/json"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    media: MediaBody | None = None
    media_range: tuple[int, int] | None = None  # inclusive byte range of `media` to send
    events: EventPlan | None = None
    drop: bool = False  # close the connection without answering at all

    @property
    def length(self) -> int:
        """Content-Length of a non-streamed body."""
        if self.media is not None:
            start, end = self.media_range or (0, self.media.length - 1)
            return max(0, end - start + 1)
        return len(self.body)


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON body (compact, UTF-8)."""
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(status=status, body=body, headers=dict(headers or {}))


def error_response(
    status: int,
    message: str | None = None,
    *,
    param: str | None = None,
    code: str | None = None,
    kind: str | None = None,
) -> Response:
    """The standard error body; unspecified parts come from STATUS_ERRORS."""
    default_message, default_kind, default_code = STATUS_ERRORS.get(
        status, ("HTTP error", "server_error" if status >= 500 else "invalid_request_error", None)
    )
    error = {
        "message": message or default_message,
        "type": kind or default_kind,
        "param": param,
        "code": code if code is not None else default_code,
    }
    return json_response({"error": error}, status)


def raw_response(status: int, text: str) -> Response:
    """A fault's verbatim body, typed by a glance at its content."""
    stripped = text.lstrip()
    content_type = "text/plain; charset=utf-8"
    if stripped.startswith("<"):
        content_type = "text/html; charset=utf-8"
    else:
        try:
            json.loads(text)
            content_type = "application/json"
        except ValueError:
            pass
    return Response(status=status, content_type=content_type, body=text.encode("utf-8"))


HTML_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Just a moment...</title></head>\n"
    "<body><h1>Please wait while we check your browser</h1>\n"
    "<p>This page is served by the sora-cli emulator's \"html\" fault: a proxy or captive\n"
    "portal answering instead of the API.</p></body></html>\n"
)
INVALID_JSON = '{"id": "video_truncated", "object": "video", "status": '


class Rejected(Exception):
    """Raised by validation to answer with an error response at once."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def reject(
    status: int, message: str, *, param: str | None = None, code: str | None = None
) -> Rejected:
    """An exception carrying the standard error body, for `raise reject(...)`."""
    return Rejected(error_response(status, message, param=param, code=code))


def ranged(req: Request, media: MediaBody, content_type: str, tag: str, modified: int) -> Response:
    """The body, or the one byte range asked for (206), or 416 for a range past its end.

    `If-Range` (ETag or date) guards resumed downloads against a changed file (RFC 9110 §13.1.5).
    """
    etag = f'"{tag}-{media.length}"'
    last_modified = formatdate(modified, usegmt=True)
    headers = {"Accept-Ranges": "bytes", "ETag": etag, "Last-Modified": last_modified}
    wanted = req.header("range")
    guard = req.header("if-range")
    if guard is not None and guard.strip() not in (etag, last_modified):
        wanted = None
    try:
        byte_range = parse_range(wanted, media.length)
    except RangeNotSatisfiable:
        headers["Content-Range"] = f"bytes */{media.length}"
        response = error_response(416, "Requested range not satisfiable", param="range",
                                  code="range_not_satisfiable", kind="invalid_request_error")
        response.headers.update(headers)
        return response
    response = Response(status=200, content_type=content_type, media=media, headers=headers)
    if byte_range is not None:
        start, end = byte_range
        response.status = 206
        response.media_range = byte_range
        headers["Content-Range"] = f"bytes {start}-{end}/{media.length}"
    return response
