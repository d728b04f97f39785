"""The one HTTP core every command uses.

It owns the base URL, bearer auth (sent only to the API's own origin), the user agent,
timeouts, the retry policy of DESIGN "HTTP behaviour" (through stamina) and the mapping of
error responses to exceptions. It never prints, never exits and never imports typer/rich:
progress and retry notices leave through callbacks.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from sora_cli import __version__, constants, errors
from sora_cli.config_keys import is_loopback_host
from sora_cli.http_answers import (
    RetryableStatus,
    aread_capped,
    body_says_model_unavailable,
    certificate_problem,
    error_from_response,
    hang_up_at,
    is_name_resolution_failure,
    mapped_errors,
    network_error,
    origin_of,
    parse_retry_after,
    raise_for_status,
    read_capped,
    transport_failure,
)

USER_AGENT = f"sora-cli/{__version__}"


# ---------------------------------------------------------------- retry policy


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with full jitter on top, capped (openai-python's habit)."""
    base: float = constants.RETRY_WAIT_INITIAL * 2.0 ** max(0, attempt - 1)
    return min(constants.RETRY_WAIT_MAX, base) + random.uniform(0, constants.RETRY_WAIT_JITTER)


@dataclass(frozen=True)
class RetryPolicy:
    """Which failures a request may be retried on."""

    statuses: frozenset[int]
    # True: every transport error; False: only errors where nothing reached the server.
    any_transport_error: bool

    def retries_transport(self, exc: httpx.TransportError, attempt: int = 1) -> bool:
        """Connect failures never reached the server; others might have (ambiguous).
        What cannot heal is not retried: a certificate that fails verification, a proxy
        refusing the tunnel; a name that does not resolve gets one more try."""
        if isinstance(exc, httpx.LocalProtocolError | httpx.UnsupportedProtocol):
            return False  # we could not even build the request: trying again cannot help
        if certificate_problem(exc) is not None or isinstance(exc, httpx.ProxyError):
            return False
        if is_name_resolution_failure(exc):
            return attempt < constants.NAME_RESOLUTION_ATTEMPTS
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            return True
        return self.any_transport_error


GET_POLICY = RetryPolicy(constants.RETRYABLE_STATUS_GET, any_transport_error=True)
CREATE_POLICY = RetryPolicy(constants.RETRYABLE_STATUS_CREATE, any_transport_error=False)
NO_RETRY = RetryPolicy(frozenset(), any_transport_error=False)


@dataclass(frozen=True)
class RetryNotice:
    """Told to the UI before each retry wait."""

    attempt: int
    wait: float
    reason: str
    of: int | None = None  # how many retries there can be, when not the core's own count


class _OriginBearer(httpx.Auth):
    """Bearer auth that only ever goes to the API's own origin, and over plain http only
    to loopback (DESIGN "HTTP behaviour")."""

    def __init__(self, api_key: str | None, origin: tuple[str, str, int | None]):
        self._api_key = api_key
        self._origin = origin

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = request.url
        private = url.scheme == "https" or is_loopback_host(url.host)
        if self._api_key and private and origin_of(url) == self._origin:
            request.headers["Authorization"] = f"Bearer {self._api_key}"
        yield request


LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def direct_mounts(*urls: httpx.URL) -> dict[str, httpx.BaseTransport | None]:
    """Loopback is never reached through a proxy from the environment (as NO_PROXY would
    say): a plain-http proxy would see the key of a loopback `http://` base URL in clear.
    A None mount means httpx's own transport, without the proxy."""
    hosts = set(LOOPBACK_HOSTS)
    for url in urls:
        if is_loopback_host(url.host):
            hosts.add(f"[{url.host}]" if ":" in url.host else url.host)
    return {f"all://{host}": None for host in sorted(hosts)}


# ---------------------------------------------------------------- the client


@dataclass
class Response:
    """A fully read, successful JSON answer."""

    data: Any
    headers: httpx.Headers
    status_code: int


class PauseGate:
    """A pause shared by every request of one kind: a 429 with Retry-After holds them all.

    Used by batch (issue 5): when one create gets "slow down", the other creates wait too
    instead of each discovering the limit on its own.
    """

    def __init__(self) -> None:
        self._until = 0.0

    def pause(self, seconds: float) -> None:
        """Hold every request of this kind for `seconds` from now."""
        self._until = max(self._until, time.monotonic() + seconds)

    def remaining(self) -> float:
        """Seconds left before requests may go again."""
        return max(0.0, self._until - time.monotonic())


def _timeout(read: float) -> httpx.Timeout:
    """The core's timeouts with another read timeout."""
    return httpx.Timeout(
        connect=constants.CONNECT_TIMEOUT,
        read=read,
        write=constants.WRITE_TIMEOUT,
        pool=constants.POOL_TIMEOUT,
    )


class _CoreBase:
    """What the sync and async cores share: URLs, auth, logging, the retry decision."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        on_retry: Callable[[RetryNotice], None] | None = None,
        debug_log: Callable[[str], None] | None = None,
        deadline: float | None = None,
    ):
        self.base_url = httpx.URL(base_url.rstrip("/") + "/")
        self.origin = origin_of(self.base_url)
        self.on_retry = on_retry
        self.deadline = deadline  # time.monotonic() value no retry wait may pass
        self._api_key = api_key
        self._debug_log = debug_log

    def _client_options(self) -> dict[str, Any]:
        hooks: dict[str, list[Callable[..., Any]]] = {}
        if self._debug_log:
            hooks = {"request": [self._log_request], "response": [self._log_response]}
        return {
            "auth": _OriginBearer(self._api_key, self.origin),
            "headers": {"User-Agent": USER_AGENT},
            "timeout": _timeout(constants.READ_TIMEOUT),
            "follow_redirects": True,  # httpx drops Authorization on a cross-origin redirect
            "event_hooks": hooks,
            "verify": True,
            "mounts": direct_mounts(self.base_url),
        }

    # -- logging (redacted: the Authorization header is never written) --

    def _log_request(self, request: httpx.Request) -> None:
        assert self._debug_log is not None
        shown = {
            k: ("[redacted]" if k.lower() in ("authorization", "cookie") else v)
            for k, v in request.headers.items()
        }
        self._debug_log(f"> {request.method} {request.url} {shown}")

    def _log_response(self, response: httpx.Response) -> None:
        assert self._debug_log is not None
        self._debug_log(
            f"< {response.status_code} {response.request.url} "
            f"content-type={response.headers.get('content-type')} "
            f"length={response.headers.get('content-length')} "
            f"request-id={response.headers.get('x-request-id')}"
        )

    # -- URLs --

    def url(self, path_or_url: str) -> httpx.URL:
        """Resolve a path against the base URL (`/v1/...` paths against the origin)."""
        if path_or_url.startswith(("http://", "https://")):
            return httpx.URL(path_or_url)
        return self.base_url.join(path_or_url)

    def is_api_origin(self, url: httpx.URL) -> bool:
        """Whether a URL would receive the API key."""
        return origin_of(url) == self.origin

    # -- retries --

    def _remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return self.deadline - time.monotonic()

    def _retry_hook(
        self, policy: RetryPolicy, attempts: list[int], gate: PauseGate | None
    ) -> Callable[[Exception], bool | float]:
        """stamina's backoff hook: False to give up, else the seconds to wait."""

        def hook(exc: Exception) -> bool | float:
            remaining = self._remaining()
            if remaining is not None and remaining <= 0:
                return False
            attempt = attempts[0]
            if attempt >= constants.RETRY_ATTEMPTS:  # that was the last try: no notice
                return False
            if isinstance(exc, RetryableStatus):
                status = exc.response.status_code
                ctype = exc.response.headers.get("content-type", "")
                creating = exc.response.request.method == "POST"
                if creating and body_says_model_unavailable(status, exc.body, ctype):
                    return False  # "no available channels": retrying cannot make one
                hinted = parse_retry_after(exc.response.headers.get("retry-after"))
                if hinted is not None:
                    wait = min(hinted, constants.RETRY_AFTER_CAP)
                    if gate is not None and status == 429:
                        gate.pause(wait)
                else:
                    wait = backoff_delay(attempt)
                reason = f"HTTP {status}" + (" (Retry-After)" if hinted is not None else "")
            elif isinstance(exc, httpx.TransportError) and policy.retries_transport(exc, attempt):
                wait = backoff_delay(attempt)
                reason = transport_failure(exc, detail=False)
            else:
                return False
            if remaining is not None:
                if remaining <= wait:
                    return False
                wait = min(wait, remaining)
            if self.on_retry:
                self.on_retry(RetryNotice(attempt, wait, reason))
            return wait

        return hook

    def _retrying(
        self, hook: Callable[[Exception], bool | float], attempts: int = constants.RETRY_ATTEMPTS
    ) -> Any:
        import stamina

        _quiet_stamina()

        remaining = self._remaining()
        return stamina.retry_context(
            on=hook,
            attempts=attempts,
            timeout=None if remaining is None else max(remaining, 0.001),
        )

    def _tries(self, hook: Callable[[Exception], bool | float]) -> Iterator[Any]:
        """The tries of one request, each a context manager, as `_retrying` gives them; but
        the first try runs without stamina, which is imported (about 10 ms of every
        command that talks to the API) only once a try has failed and `hook` says to
        try again after some wait."""
        first = _FirstTry()
        yield first
        if first.error is None:
            return
        wait = hook(first.error)
        if wait is False:
            raise first.error
        time.sleep(float(wait))
        yield from self._retrying(hook, constants.RETRY_ATTEMPTS - 1)

    @staticmethod
    def _decode(response: httpx.Response, body: bytes, what: str) -> Response:
        """Map an error status, or parse the JSON of a success."""
        if response.status_code >= 400:
            raise error_from_response(response.status_code, body, response.headers, what=what)
        try:
            data = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError) as exc:
            ctype = response.headers.get("content-type", "?")
            raise errors.BadContent(
                f"{what} answered {response.status_code} with a body that is not JSON ({ctype})",
                hint="the base URL may point at a web page instead of the API",
            ) from exc
        return Response(data, response.headers, response.status_code)


class HttpCore(_CoreBase):
    """Base URL + auth + retries + error mapping over one `httpx.Client`."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        on_retry: Callable[[RetryNotice], None] | None = None,
        debug_log: Callable[[str], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        deadline: float | None = None,
    ):
        super().__init__(
            base_url, api_key, on_retry=on_retry, debug_log=debug_log, deadline=deadline
        )
        if transport is None:
            from sora_cli.transport import TlsOnDemandTransport, uses_env_proxies

            if not uses_env_proxies():  # else httpx's own transport, which honours them
                transport = TlsOnDemandTransport()
        self._client = httpx.Client(transport=transport, **self._client_options())

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __enter__(self) -> HttpCore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _send(
        self, build: Callable[[], httpx.Request], policy: RetryPolicy, *, read_body: bool = False
    ) -> tuple[httpx.Response, bytes | None]:
        """Send with retries; the response's status is not retryable.

        With `read_body`, the body is read inside the attempt, so a connection dropped
        mid-answer is retried like any other transport error (where the policy allows).
        """
        attempts = [0]
        for attempt in self._tries(self._retry_hook(policy, attempts, None)):
            with attempt:
                attempts[0] += 1
                request = build()
                bound = self._request_bound(request)
                response = self._client.send(request, stream=True)
                if bound is None and read_body:  # a JSON answer, not a trickle: read in time
                    bound = time.monotonic() + constants.READ_TIMEOUT
                with hang_up_at(bound, response):
                    if response.status_code in policy.statuses:
                        raise RetryableStatus(response, read_capped(response))
                    return response, (read_capped(response) if read_body else None)
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover

    def _request_bound(self, request: httpx.Request) -> float | None:
        """Under a deadline, the time by which this request must be over, head and body
        (with a short grace, so a last poll at the deadline still gets its answer); its
        read timeout is cut to fit."""
        if self.deadline is None:
            return None
        bound = max(self.deadline, time.monotonic() + constants.LAST_REQUEST_GRACE)
        left = max(0.001, bound - time.monotonic())
        request.extensions["timeout"] = httpx.Timeout(
            connect=min(constants.CONNECT_TIMEOUT, left),
            read=min(constants.READ_TIMEOUT, left),
            write=min(constants.WRITE_TIMEOUT, left),
            pool=min(constants.POOL_TIMEOUT, left),
        ).as_dict()
        return bound

    def request(
        self,
        method: str,
        path: str,
        *,
        policy: RetryPolicy = GET_POLICY,
        what: str = "the API",
        **kwargs: Any,
    ) -> Response:
        """One JSON request: retried per `policy`, errors mapped, body size-capped."""
        url = self.url(path)

        def build() -> httpx.Request:
            return self._client.build_request(method, url, **kwargs)

        with mapped_errors(what, url.host):
            response, body = self._send(build, policy, read_body=True)
        return self._decode(response, body or b"", what)

    def get_bytes(self, url: str, *, max_bytes: int, what: str) -> tuple[bytes, httpx.Headers]:
        """A whole small body (an image), size-capped, retried like any GET.

        The cap is counted on the decoded bytes as they arrive; a `Content-Length` already
        over it is refused before reading a byte.
        """
        with self.stream_get(url, what=what) as response:
            too_large = errors.UsageError(f"{what} is larger than {max_bytes // 1024 // 1024} MiB")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise too_large
            chunks: list[bytes] = []
            size = 0
            try:
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise too_large
                    chunks.append(chunk)
            except httpx.TransportError as exc:
                raise network_error(exc, f"{what} ({response.request.url.host})") from exc
            return b"".join(chunks), response.headers

    @contextmanager
    def stream_get(
        self,
        url: str | httpx.URL,
        *,
        headers: dict[str, str] | None = None,
        read_timeout: float | None = None,
        what: str,
    ) -> Iterator[httpx.Response]:
        """A streamed GET (downloads), retried until the server starts answering well."""
        target = self.url(str(url))
        options: dict[str, Any] = {"headers": headers}
        if read_timeout is not None:
            options["timeout"] = _timeout(read_timeout)

        def build() -> httpx.Request:
            return self._client.build_request("GET", target, **options)

        with mapped_errors(what, target.host):
            response, _ = self._send(build, GET_POLICY)
        try:
            with mapped_errors(what, target.host):
                raise_for_status(response, what, allowed=(416,))
            yield response
        finally:
            response.close()

    @contextmanager
    def stream_post(
        self,
        path: str,
        *,
        json_body: Any,
        headers: dict[str, str] | None = None,
        policy: RetryPolicy = CREATE_POLICY,
        read_timeout: float | None = None,
        what: str,
    ) -> Iterator[httpx.Response]:
        """A POST read as it arrives (the sync API's SSE stream), retried per `policy`.

        Error statuses are mapped like `request`'s before anything is yielded, so the
        caller only sees a successful answer, unread (it checks the content type itself).
        """
        url = self.url(path)
        options: dict[str, Any] = {"json": json_body, "headers": headers}
        if read_timeout is not None:  # a stream may stay quiet longer than a JSON answer
            options["timeout"] = _timeout(read_timeout)

        def build() -> httpx.Request:
            return self._client.build_request("POST", url, **options)

        with mapped_errors(what, url.host):
            response, _ = self._send(build, policy)
        try:
            with mapped_errors(what, url.host):
                raise_for_status(response, what)
            yield response
        finally:
            response.close()


class AsyncHttpCore(_CoreBase):
    """The same core over `httpx.AsyncClient`, for batch's concurrent creates and polls."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        on_retry: Callable[[RetryNotice], None] | None = None,
        debug_log: Callable[[str], None] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_connections: int = 40,
    ):
        super().__init__(base_url, api_key, on_retry=on_retry, debug_log=debug_log)
        limits = httpx.Limits(max_connections=max_connections)
        self._client = httpx.AsyncClient(
            transport=transport, limits=limits, **self._client_options()
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        policy: RetryPolicy = GET_POLICY,
        what: str = "the API",
        gate: PauseGate | None = None,
        **kwargs: Any,
    ) -> Response:
        """Like `HttpCore.request`; a `gate` shares Retry-After pauses between requests."""
        import asyncio

        url = self.url(path)
        attempts = [0]
        with mapped_errors(what, url.host):
            async for attempt in self._retrying(self._retry_hook(policy, attempts, gate)):
                with attempt:
                    attempts[0] += 1
                    if gate is not None and gate.remaining() > 0:
                        await asyncio.sleep(gate.remaining())
                    request = self._client.build_request(method, url, **kwargs)
                    response = await self._client.send(request, stream=True)
                    body = await _read_in_time(response)
                    if response.status_code in policy.statuses:
                        raise RetryableStatus(response, body)
                    return self._decode(response, body, what)
        raise AssertionError("unreachable: stamina either returns or raises")  # pragma: no cover


async def _read_in_time(response: httpx.Response) -> bytes:
    """A JSON body, whole within the read timeout of its headers: a server trickling a
    byte at a time is cut off and retried like a dropped connection."""
    import asyncio

    # asyncio.timeout, not wait_for: in Python 3.11 wait_for can swallow a cancellation
    # that arrives as the read completes, and a batch stopped by --fail-fast then kept
    # polling a task it had cancelled (a hang, 1 run in 5).
    try:
        async with asyncio.timeout(constants.READ_TIMEOUT):
            return await aread_capped(response)
    except TimeoutError:
        await response.aclose()
        raise httpx.ReadTimeout(
            "the answer did not arrive in time", request=response.request
        ) from None


class _FirstTry:
    """A request's first try: keeps an `Exception` it raises for `_tries` to judge (as a
    stamina attempt does), lets anything else (Ctrl-C) through."""

    def __init__(self) -> None:
        self.error: Exception | None = None

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> bool:
        if isinstance(error, Exception):
            self.error = error
            return True
        return False


_STAMINA_QUIET: list[bool] = []


def _quiet_stamina() -> None:
    """stamina logs each retry through `logging` by default, which would print to stderr in
    every command; our own `on_retry` notice already tells the user. Done once."""
    if not _STAMINA_QUIET:
        from stamina.instrumentation import set_on_retry_hooks

        set_on_retry_hooks([])
        _STAMINA_QUIET.append(True)
