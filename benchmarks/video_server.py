"""An independent video server for the download benchmark: not the project's emulator.

It plays just enough of the videos API for `sora download ID`: `GET /v1/videos/{id}` answers a
completed task whose `url` is the file, and the file is a real emulator clip padded by a
trailing ISO BMFF `free` box of random bytes (players skip a `free` box, so the file stays a
valid MP4; random rather than zero bytes, so nothing on the path can shortcut them).

The task id says what to serve: `video_<bytes>_<rate>` is a file of exactly <bytes> bytes
sent at <rate> bytes per second (0 = as fast as the socket takes it). A throttled body is
paced by a token bucket over 128 KiB writes, which is how a link of that speed looks to the
client (on average; the kernel's socket buffers smooth it).

It runs in its own process (no GIL shared with the client under test), prints its base URL
on stdout, and with --exit-with-stdin stops when its stdin closes. With --tls CERT KEY it
speaks https, as the real API and its CDN do (a read then returns one TLS record at most).
Usage: python benchmarks/video_server.py [--max-mib 256] [--exit-with-stdin] [--tls CERT KEY]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources

from sora_cli.emulator.media import free_box_header

CLIP = "1280x720-10s.mp4"
WRITE_BYTES = 4 * 1024 * 1024  # one sendall per 4 MiB at full speed
PACED_BYTES = 128 * 1024  # one paced write per 128 KiB when throttled
_TASK = re.compile(r"^/v1/videos/(video_(\d+)_(\d+))$")
_FILE = re.compile(r"^/files/(\d+)_(\d+)\.mp4$")


class VideoBody:
    """A clip, a `free` box header and random padding: any size from the clip's up."""

    def __init__(self, clip: bytes, max_bytes: int):
        self.clip = clip
        self.pad = memoryview(os.urandom(max(0, max_bytes - len(clip))))

    def pieces(self, size: int) -> tuple[bytes, memoryview]:
        """The head (clip and box header) and the random payload of a `size`-byte file."""
        pad = size - len(self.clip)
        if pad < 16:  # too small for a 64-bit box header: the clip alone
            return self.clip, self.pad[:0]
        header = free_box_header(pad)
        return self.clip + header, self.pad[: pad - len(header)]


def task_json(task_id: str, size: int, rate: int) -> bytes:
    """A completed task as the videos API describes it, its `url` a path on this origin."""
    now = int(time.time())
    return json.dumps(
        {
            "id": task_id,
            "object": "video",
            "status": "completed",
            "progress": 100,
            "model": "sora-2",
            "size": "1280x720",
            "seconds": "10",
            "created_at": now - 60,
            "completed_at": now,
            "expires_at": now + 86400,
            "url": f"/files/{size}_{rate}.mp4",
        }
    ).encode()


def make_handler(body: VideoBody) -> type[BaseHTTPRequestHandler]:
    """A request handler bound to one body."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the API's servers do
        # Headers and a small body go out in two writes; with Nagle's algorithm the second
        # waits for the client's delayed ACK (40 ms over TLS here), which real servers avoid.
        disable_nagle_algorithm = True

        def do_GET(self) -> None:
            task = _TASK.match(self.path)
            if task:
                self._answer(
                    200, "application/json", task_json(task[1], int(task[2]), int(task[3]))
                )
                return
            file = _FILE.match(self.path)
            if not file:
                self._answer(404, "application/json", b'{"error": {"message": "not found"}}')
                return
            size, rate = int(file[1]), int(file[2])
            if size > len(body.clip) + len(body.pad):
                self._answer(404, "application/json", b'{"error": {"message": "too large"}}')
                return
            head, payload = body.pieces(size)
            self._headers(200, "video/mp4", size)
            self._send(head, payload, rate)

        def _answer(self, status: int, ctype: str, data: bytes) -> None:
            self._headers(status, ctype, len(data))
            self.wfile.write(data)

        def _headers(self, status: int, ctype: str, length: int) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(length))
            self.end_headers()

        def _send(self, head: bytes, payload: memoryview, rate: int) -> None:
            self.wfile.write(head)
            step = PACED_BYTES if rate else WRITE_BYTES
            start, sent = time.perf_counter(), len(head)
            for pos in range(0, len(payload), step):
                if rate:
                    ahead = start + sent / rate - time.perf_counter()
                    if ahead > 0:
                        time.sleep(ahead)
                piece = payload[pos : pos + step]
                self.wfile.write(piece)
                sent += len(piece)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: a log line per request would cost more than the request."""

    return Handler


def _exit_with_parent() -> None:
    """Stop when stdin closes: the benchmark that started this server has ended, however it
    ended (a killed parent runs no clean-up)."""
    sys.stdin.buffer.read()
    os._exit(0)


def main() -> int:
    """Serve until terminated; the first stdout line is the API base URL."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-mib", type=float, default=256, help="largest file it can serve")
    parser.add_argument(
        "--exit-with-stdin", action="store_true", help="stop when stdin closes (its parent ended)"
    )
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve https")
    args = parser.parse_args()
    clip = (resources.files("sora_cli.emulator") / "assets" / CLIP).read_bytes()
    body = VideoBody(clip, int(args.max_mib * 1024 * 1024))
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(body))
    server.daemon_threads = True
    scheme = "http"
    if args.tls:
        import ssl

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*args.tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    if args.exit_with_stdin:
        threading.Thread(target=_exit_with_parent, daemon=True).start()
    print(f"{scheme}://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
