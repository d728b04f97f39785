"""A transport that loads the TLS trust store only when a request needs TLS."""

from __future__ import annotations

import threading

import httpx


class TlsOnDemandTransport(httpx.BaseTransport):
    """https requests go through a verified transport built on first use; http ones never
    build it.

    A verified TLS context loads certifi's whole CA bundle: 30-60 ms of every run, which is
    a fifth of `sora download`'s fixed cost. An `http://` origin (the emulator, a gateway
    on the local network) never needs it, and an `https://` one pays it once, on its first
    request, exactly as before. Plain-http requests have no TLS to verify, so their
    transport is built without loading any certificates. Batch downloads share one core
    across threads, hence the lock: each transport is built once.

    httpx applies proxies from the environment only to its own default transport, so
    `HttpCore` uses this one only when no proxy is configured (`uses_env_proxies`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._plain: httpx.HTTPTransport | None = None
        self._tls: httpx.HTTPTransport | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._for(request.url.scheme).handle_request(request)

    def _for(self, scheme: str) -> httpx.HTTPTransport:
        with self._lock:
            if scheme == "http":
                if self._plain is None:
                    self._plain = httpx.HTTPTransport(verify=False)  # used for http:// only
                return self._plain
            if self._tls is None:
                self._tls = httpx.HTTPTransport(verify=True)
            return self._tls

    def close(self) -> None:
        with self._lock:
            for transport in (self._plain, self._tls):
                if transport is not None:
                    transport.close()
            self._plain = self._tls = None


def uses_env_proxies() -> bool:
    """True when the environment names a proxy (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY...)."""
    import urllib.request

    return bool(urllib.request.getproxies())
