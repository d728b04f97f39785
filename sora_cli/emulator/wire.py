"""Socket-level plumbing shared by both origins: reading bodies, writing `Response`s, and the
deliberate damage faults do (half a body then a reset or a clean close, no answer at all).

`http.server` is used because it gives full control of the socket (DESIGN.md, "Packages").
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .config import MAX_BODY_BYTES
from .context import Context
from .responses import EventPlan, Response, error_response

if sys.platform == "linux":  # to see bytes still unsent in a socket's send queue
    import fcntl
    import termios

_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError)
DRAIN_SECONDS = 2.0
STALL_SECONDS = 30.0  # how long a `stall` fault keeps a body hanging half-way


class EmulatorServer(ThreadingHTTPServer):
    """One origin: a thread per connection, a deep accept backlog for batch clients."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 ctx: Context) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.ctx = ctx
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._wake_read, self._wake_write = socket.socketpair()
        self._halted = threading.Event()
        try:
            super().__init__(address, handler)
        except OSError:
            self._wake_read.close()
            self._wake_write.close()
            raise
        self.socket.setblocking(False)  # a connection gone before accept() must not block

    def run(self) -> None:
        """Accept connections until `halt()`; unlike serve_forever it wakes at once."""
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                selector.register(self._wake_read, selectors.EVENT_READ)
                while True:
                    ready = [key.fileobj for key, _ in selector.select()]
                    if self._wake_read in ready:
                        return
                    self.handle_request()  # the socket is readable: accepts at once
        finally:
            self._halted.set()

    def halt(self) -> None:
        """Stop `run()` and wait until it has returned."""
        self._wake_write.send(b"x")
        self._halted.wait(timeout=5)

    def server_close(self) -> None:
        """Close the listening socket and the wake-up pair."""
        super().server_close()
        self._wake_read.close()
        self._wake_write.close()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember open connections, so `close_connections` can end keep-alive ones."""
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget a finished connection."""
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection (on stop), so no thread serves after the server."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Tracebacks only in verbose mode: clients hanging up is normal here."""
        if self.ctx.config.verbose:
            super().handle_error(request, client_address)


class WireHandler(BaseHTTPRequestHandler):
    """Reads whole request bodies and writes `Response` objects, damaged on request."""

    protocol_version = "HTTP/1.1"
    server_version = "sora-emulator"
    sys_version = ""
    timeout = 300  # an idle keep-alive connection frees its thread after this
    server: EmulatorServer

    @property
    def ctx(self) -> Context:
        """The emulator's shared state."""
        return self.server.ctx

    def read_body(self) -> bytes | Response:
        """The request body (Content-Length or chunked); a Response when it is refused."""
        if "chunked" in (self.headers.get("transfer-encoding") or "").lower():
            return self._read_chunked()
        text = self.headers.get("content-length")
        if text is None:
            return b""
        if not text.strip().isdigit():
            self.close_connection = True
            return error_response(400, "Invalid Content-Length header", code="invalid_body")
        length = int(text)
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            return error_response(413, f"Request body too large (limit {MAX_BODY_BYTES} bytes)",
                                  code="payload_too_large")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes | Response:
        body = bytearray()
        while True:
            line = self.rfile.readline(1024).split(b";")[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                self.close_connection = True
                return error_response(400, "Malformed chunked body", code="invalid_body")
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                self.close_connection = True
                return error_response(413, "Request body too large", code="payload_too_large")
            body += self.rfile.read(size)
            self.rfile.readline(8)

    def write(self, resp: Response, request_id: str, action: str | None = None,
              head: bool = False) -> int | None:
        """Send a response; `reset`/`truncate`/`unsized` cut it at half. Returns the status."""
        if resp.drop:
            self.close_connection = True
            return None
        try:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("x-request-id", request_id)
            for name, value in resp.headers.items():
                self.send_header(name, value)
            if resp.events is not None:
                self.send_header("Transfer-Encoding", "chunked")
            elif action == "unsized":  # a body delimited by the close alone (HTTP/1.0 style)
                self.close_connection = True
            else:
                self.send_header("Content-Length", str(resp.length))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if head:
                return resp.status
            cut = action in ("reset", "truncate", "unsized", "stall")
            if resp.events is not None:
                complete = self._write_events(resp.events, cut)
            else:
                complete = self._write_body(resp, cut)
            if action == "stall":  # half the body, then silence (a hung CDN), then a close
                self.wfile.flush()
                self.ctx.sleep(STALL_SECONDS)
            if not complete:
                self._hang_up(abrupt=action == "reset")
        except _GONE:
            self.close_connection = True
        return resp.status

    def _write_body(self, resp: Response, cut: bool) -> bool:
        """Write the body, or only its first half; True if all of it went out."""
        limit = resp.length // 2 if cut else resp.length
        if resp.media is None:
            self.wfile.write(resp.body[:limit])
            return not cut
        start, end = resp.media_range or (0, resp.media.length - 1)
        left = limit
        for piece in resp.media.chunks(start, end):
            if left <= 0:
                break
            self.wfile.write(piece[:left])
            left -= len(piece)
        return not cut

    def _write_events(self, plan: EventPlan, cut: bool) -> bool:
        """Send each event when its time comes, as one chunk of a chunked body."""
        events = plan.chunks[: len(plan.chunks) // 2] if cut else plan.chunks
        began = time.monotonic()
        for at, data in events:
            if self.ctx.sleep(began + at - time.monotonic()):
                return False
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        if plan.abort or cut:
            return False
        self.wfile.write(b"0\r\n\r\n")
        return True

    def _hang_up(self, abrupt: bool) -> None:
        """Close the connection mid-answer: a clean FIN, or a reset (RST) when `abrupt`."""
        self.close_connection = True
        if not abrupt:
            return
        sock = self.connection
        self._drain(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # Close the descriptor itself (rfile/wfile still hold the socket object, which would
        # keep it open): with a zero linger time the kernel answers with RST.
        os.close(sock.detach())

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        """Let what was written reach the client before the reset discards the send queue."""
        if sys.platform != "linux":
            return
        deadline = time.monotonic() + DRAIN_SECONDS
        buf = bytearray(4)
        while time.monotonic() < deadline:
            try:
                fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, buf)
            except OSError:
                return
            if struct.unpack("i", buf)[0] == 0:
                return
            time.sleep(0.005)

    def version_string(self) -> str:
        """`Server: sora-emulator` (no Python version)."""
        return self.server_version

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Requests are logged by the routing layer instead (one line, with the route)."""

    def log_message(self, format: str, *args: Any) -> None:
        """Only in verbose mode, to stderr."""
        if self.ctx.config.verbose:
            sys.stderr.write(f"emulator: {format % args}\n")
