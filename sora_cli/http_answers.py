"""Reading what an HTTP server answered: error bodies, sizes, Retry-After, origins.

Pure helpers of the HTTP core (`client.py`), kept apart so the core stays about the retry
loop and the clients. Nothing here prints or exits.
"""

from __future__ import annotations

import email.utils
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import httpx

from sora_cli import constants, errors
from sora_cli.safe_text import printable, scrub_secrets


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when is None or when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return max(0.0, seconds)


def origin_of(url: httpx.URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) with default ports made explicit."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host.lower(), port)


def error_text(body: bytes, content_type: str) -> tuple[str | None, Any]:
    """Best message from an error body: the JSON `error.message` or a short text excerpt,
    one printable line with any key redacted (before it is cut: a cut key still leaks)."""
    message, parsed = _raw_error_text(body, content_type)
    if message is None:
        return None, parsed
    shown = " ".join(printable(scrub_secrets(message)).split())
    return (shown[: constants.MAX_ERROR_BODY_SHOWN] or None), parsed


def _raw_error_text(body: bytes, content_type: str) -> tuple[str | None, Any]:
    parsed: Any = None
    if body:
        try:
            parsed = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            parsed = None
    if isinstance(parsed, dict):
        error = parsed.get("error", parsed)
        if isinstance(error, dict):
            message = error.get("message") or error.get("code")
            if isinstance(message, str) and message:
                return message, parsed
        if isinstance(error, str) and error:
            return error, parsed
    if "html" in content_type.lower():
        return "an HTML page instead of an API answer", None
    return body.decode("utf-8", "replace"), None


# How gateways say a model is gone (reference/live-video-apis.md section 2: the reseller
# answers a retired id at once, unbilled, with 404 "The model sora-2 has been retired.
# Switch to muse-video", or 503 "no available channels"; new-api says "model_not_found";
# others "model X does not exist" or "unknown model"). Such an answer never heals by
# retrying. The phrases are about the model itself, so "invalid size for model X" or "the
# moderation model flagged the prompt" are not taken for it.
_MODEL_GONE = re.compile(
    r"\bretired\b"
    r"|\bmodel\b[^.;,]{0,80}?\b(?:does not exist|doesn't exist|not found|not exist"
    r"|is not available|not available|is unavailable|is not supported|not supported)"
    r"|\b(?:no such|unknown|unsupported|invalid) model\b"
    r"|\bmodel_not_found\b",
    re.IGNORECASE,
)
_NO_CHANNEL = re.compile(r"no available channel", re.IGNORECASE)
_SWITCH_TO = re.compile(r"switch to [`'\"]?([A-Za-z0-9][\w.:/-]*[A-Za-z0-9])", re.IGNORECASE)


def model_unavailable(status: int, message: str | None, code: str | None = None) -> bool:
    """Whether an error answer to a create call says the model is retired or not served."""
    if status == 503:
        return bool(message and _NO_CHANNEL.search(message))
    if status in (400, 404, 410):
        if code == "model_not_found":
            return True
        return bool(message and (_NO_CHANNEL.search(message) or _MODEL_GONE.search(message)))
    return False


def body_says_model_unavailable(status: int, body: bytes, content_type: str) -> bool:
    """`model_unavailable` on a raw error body (the retry loop's view)."""
    message, parsed = error_text(body, content_type)
    return model_unavailable(status, message, error_code(parsed))


def error_code(parsed: Any) -> str | None:
    """`error.code` of a parsed error body, if it is a string."""
    error = parsed.get("error") if isinstance(parsed, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None


def successor_named(message: str | None) -> str | None:
    """The model a "... Switch to X" answer names, if any."""
    match = _SWITCH_TO.search(message or "")
    return match.group(1) if match else None


_HINTS = {
    400: "check the values you passed (`sora generate --help`)",
    401: "check your API key: `sora config set api-key`, or set SORA_API_KEY",
    403: "check your API key and its permissions",
    402: "top up your balance, then run the command again",
    404: "check the id; videos expire (24 h for Sora 2, 7 days for Muse: `sora models`)",
    429: "the API is rate limiting; wait a minute and try again",
}


def error_from_response(
    status: int, body: bytes, headers: httpx.Headers, *, what: str = "the API"
) -> errors.ApiError:
    """Map an error response to the exception that carries its exit code."""
    message, parsed = error_text(body, headers.get("content-type", ""))
    request_id = headers.get("x-request-id")
    text = f"{what} answered {status}" + (f": {message}" if message else "")
    cls: type[errors.ApiError]
    if status in (401, 403):
        cls = errors.ApiAuthError
    elif status == 402:
        cls = errors.ApiBalanceError
    elif status in (404, 410):
        cls = errors.ApiNotFound
    elif status == 429:
        cls = errors.RateLimited
    elif status >= 500:
        cls = errors.ServerError
    elif 400 <= status < 500:  # 400, 409, 413, 415, 422...: the request itself was refused
        cls = errors.BadRequestError
    else:
        cls = errors.UnexpectedStatus
    hint = _HINTS.get(
        status, "the API is having trouble; try again later" if status >= 500 else None
    )
    return cls(
        text,
        status_code=status,
        request_id=request_id,
        body=parsed,
        hint=hint,
        server_message=message,
    )


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it was raised from (httpx wraps httpcore wraps the OS)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def certificate_problem(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind a transport error: never heals."""
    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            return cause
    return None


def is_name_resolution_failure(exc: BaseException) -> bool:
    """A host name that does not resolve: retrying at once rarely helps (one retry)."""
    return any(isinstance(cause, socket.gaierror) for cause in _causes(exc))


def transport_failure(exc: httpx.TransportError, *, detail: bool = True) -> str:
    """A transport failure in words (`detail`: with the system's own reason, if any)."""
    cert = certificate_problem(exc)
    if cert is not None:
        reason = cert.verify_message or "certificate verify failed"
        return f"the TLS certificate cannot be verified ({reason})"
    if isinstance(exc, httpx.ProxyError):
        return "the proxy refused the connection" + (f" ({exc})" if detail and str(exc) else "")
    if is_name_resolution_failure(exc):
        return "cannot resolve the host name" + (f" ({exc})" if detail and str(exc) else "")
    if isinstance(exc, httpx.ConnectTimeout):
        return "the connection timed out"
    if isinstance(exc, httpx.ConnectError):
        return f"cannot connect ({exc})" if detail and str(exc) else "cannot connect"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time (read timeout)"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection mid-answer"
    if isinstance(exc, httpx.LocalProtocolError):
        # Its text quotes the offending header, which may be the Authorization header.
        return "could not build a valid request (a header value, such as the key, is invalid)"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "the connection broke" + (f" ({exc})" if detail and str(exc) else "")
    return (str(exc) if detail else "") or "a network error"


def network_error(exc: httpx.TransportError, what: str) -> errors.NetworkError:
    """Explain a transport failure in one line, with the hint its cause calls for."""
    if certificate_problem(exc) is not None:
        hint = (
            "if the server uses a private or corporate CA, point SSL_CERT_FILE at its CA "
            "bundle (PEM); otherwise check the base URL"
        )
    elif isinstance(exc, httpx.ProxyError):
        hint = "check the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)"
    elif is_name_resolution_failure(exc):
        hint = "check the host name in the base URL, and your network's DNS"
    else:
        hint = "check your network and the base URL, then try again"
    return errors.NetworkError(f"{what}: {transport_failure(exc)}", hint=hint)


class RetryableStatus(Exception):
    def __init__(self, response: httpx.Response, body: bytes):
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.body = body


@contextmanager
def mapped_errors(what: str, host: str) -> Iterator[None]:
    """Turn what the retry loop gave up on into the exception that carries the exit code."""
    try:
        yield
    except RetryableStatus as exc:
        raise error_from_response(
            exc.response.status_code, exc.body, exc.response.headers, what=what
        ) from None
    except httpx.TransportError as exc:
        raise network_error(exc, f"{what} ({host})") from exc


def raise_for_status(response: httpx.Response, what: str, allowed: tuple[int, ...] = ()) -> None:
    """Map an error status of a streamed response (its body is read, size-capped)."""
    if response.status_code >= 400 and response.status_code not in allowed:
        body = read_capped(response)
        raise error_from_response(response.status_code, body, response.headers, what=what)


async def aread_capped(response: httpx.Response) -> bytes:
    """`read_capped` for async responses."""
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > constants.MAX_JSON_BODY:
                raise too_large(response)
            chunks.append(chunk)
    finally:
        await response.aclose()
    return b"".join(chunks)


def too_large(response: httpx.Response) -> errors.BadContent:
    return errors.BadContent(
        f"the answer from {response.request.url.host} is larger than "
        f"{constants.MAX_JSON_BODY // 1024 // 1024} MiB; that is not an API answer"
    )


def read_capped(response: httpx.Response) -> bytes:
    """Read a body, refusing anything larger than an API answer can be."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > constants.MAX_JSON_BODY:
            response.close()
            raise too_large(response)
        chunks.append(chunk)
    return b"".join(chunks)


@contextmanager
def hang_up_at(deadline: float | None, response: httpx.Response) -> Iterator[threading.Event]:
    """Shut the answer's socket down when `deadline` passes; the event says it happened.

    A read timeout bounds each read, not a whole body: a server that goes quiet, or
    trickles a byte every few seconds, could hold a run far past `--timeout`. Shutting the
    socket down wakes the blocked read at once; the caller then reports the deadline, not
    a cut. Answers without a socket (test transports) are left to the caller's checks.
    """
    fired = threading.Event()
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if sock is None or deadline is None:
        yield fired
        return

    def hang_up() -> None:
        fired.set()
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)

    timer = threading.Timer(max(0.0, deadline - time.monotonic()), hang_up)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()
