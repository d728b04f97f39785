"""Plain `http.client` helpers for the emulator tests (no client code from sora_cli)."""

from __future__ import annotations

import http.client
import json
import struct
import time
import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sora_cli.emulator import Emulator

TOKEN = "sk-emulator-test"


@dataclass
class Reply:
    """Status, lower-cased headers and body of one response."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> dict[str, Any]:
        value: dict[str, Any] = self.json()["error"]
        return value


def connect(url: str, timeout: float = 10.0) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the URL's origin and the path (with query) to request."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return conn, path


def call(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    token: str | None = TOKEN,
    timeout: float = 10.0,
) -> Reply:
    """One request on a fresh connection."""
    conn, path = connect(url, timeout)
    sent = dict(headers or {})
    if token is not None:
        sent.setdefault("Authorization", f"Bearer {token}")
    try:
        conn.request(method, path, body=body, headers=sent)
        resp = conn.getresponse()
        data = resp.read()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def multipart(fields: Mapping[str, str | tuple[str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body; a tuple value is (filename, data, content type)."""
    boundary = uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += f"--{boundary}\r\n".encode()
        if isinstance(value, tuple):
            filename, data, ctype = value
            out += (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {ctype}\r\n\r\n").encode()
            out += data
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            out += value.encode()
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


LAOZHANG_FIELDS = {"model": "sora-2", "prompt": "a cat", "size": "1280x720", "seconds": "10"}


def post_form(emu: Emulator, fields: Mapping[str, str | tuple[str, bytes, str]],
              headers: Mapping[str, str] | None = None, path: str = "/videos") -> Reply:
    """POST multipart fields to the async API."""
    body, ctype = multipart(fields)
    return call("POST", emu.base_url + path, body, {"Content-Type": ctype, **(headers or {})})


def post_json(emu: Emulator, payload: Any, path: str = "/videos") -> Reply:
    """POST a JSON body to the API."""
    return call("POST", emu.base_url + path, json.dumps(payload).encode(),
                {"Content-Type": "application/json"})


def create(emu: Emulator, **fields: str) -> dict[str, Any]:
    """Create a task with valid laozhang fields (overridable) and return the response JSON."""
    reply = post_form(emu, {**LAOZHANG_FIELDS, **fields})
    assert reply.status == 200, reply.body
    value: dict[str, Any] = reply.json()
    return value


def status(emu: Emulator, task_id: str) -> Reply:
    return call("GET", f"{emu.base_url}/videos/{task_id}")


def control(emu: Emulator, path: str, payload: Any | None = None, method: str = "POST") -> Reply:
    """A control-endpoint request (no auth)."""
    origin = emu.base_url.rsplit("/v1", 1)[0]
    body = None if payload is None else json.dumps(payload).encode()
    return call(method, f"{origin}/__emulator__/{path}", body, token=None)


def force(emu: Emulator, task_id: str, **payload: Any) -> None:
    reply = control(emu, f"tasks/{task_id}", payload)
    assert reply.status == 200, reply.body


def wait_for(check: Callable[[], bool], timeout: float = 3.0) -> None:
    """Poll until `check()` is true."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def top_level_boxes(data: bytes) -> list[tuple[str, int]]:
    """(type, size) of each top-level ISO BMFF box; asserts the sizes tile the file."""
    boxes: list[tuple[str, int]] = []
    offset = 0
    while offset < len(data):
        assert offset + 8 <= len(data), f"dangling bytes at {offset}"
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        if size == 1:
            (size,) = struct.unpack(">Q", data[offset + 8:offset + 16])
        assert size >= 8, f"bad box size {size} at {offset}"
        boxes.append((kind.decode("latin-1"), size))
        offset += size
    assert offset == len(data), "boxes overrun the file"
    return boxes


# Minimal image headers: the emulator reads only headers, so these are enough.
def png(width: int, height: int) -> bytes:
    """A real (tiny-content) PNG header with IHDR."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return b"\x89PNG\r\n\x1a\n" + chunk + crc + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def jpeg(width: int, height: int) -> bytes:
    """SOI, an APP0 segment, then SOF0 with the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp(width: int, height: int, kind: str = "VP8X") -> bytes:
    """A WebP header of the given flavour (VP8, VP8L or VP8X)."""
    if kind == "VP8 ":
        data = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height)
    elif kind == "VP8L":
        bits = (width - 1) | ((height - 1) << 14)
        data = b"\x2f" + struct.pack("<I", bits)
    else:
        data = bytes(4) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    chunk = kind.encode() + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk
