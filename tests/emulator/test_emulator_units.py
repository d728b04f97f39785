"""Pure parts, without sockets: ranges, image headers, multipart, faults, task clock, assets."""

from __future__ import annotations

import pytest

from sora_cli.emulator import EmulatorConfig
from sora_cli.emulator.faults import FaultQueue, parse_fault
from sora_cli.emulator.forms import BodyError, parse_multipart
from sora_cli.emulator.images import decode_data_url, dimensions, sniff
from sora_cli.emulator.media import (
    MediaBody,
    RangeNotSatisfiable,
    catalogue,
    clip_bytes,
    clip_name,
    free_box_header,
    parse_range,
)
from sora_cli.emulator.state import TaskStore

from .helpers import jpeg, multipart, png, top_level_boxes, webp


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, None), ("bytes=0-0", (0, 0)), ("bytes=5-", (5, 99)), ("bytes=-10", (90, 99)),
     ("bytes=-1000", (0, 99)), ("bytes=50-500", (50, 99)), ("Bytes = 1 - 2", (1, 2)),
     ("bytes=0-1,3-4", None), ("pages=1-2", None), ("bytes=7-3", None), ("bytes=-", None)],
)
def test_parse_range(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize("header", ["bytes=100-", "bytes=100-200", "bytes=-0"])
def test_unsatisfiable_ranges(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, 100)


def test_padding_chunks_and_boxes() -> None:
    clip = clip_bytes("1280x720-4s.mp4")
    body = MediaBody.padded(clip, len(clip) + 3 * 1024 * 1024 + 5)
    data = b"".join(bytes(c) for c in body.chunks(0, body.length - 1))
    assert len(data) == body.length
    assert max(len(c) for c in body.chunks(0, body.length - 1)) <= 1024 * 1024
    assert top_level_boxes(data)[-1] == ("free", 3 * 1024 * 1024 + 5)
    middle = b"".join(bytes(c) for c in body.chunks(len(clip) - 2, len(clip) + 9))
    assert middle == data[len(clip) - 2:len(clip) + 10]
    assert MediaBody.padded(clip, len(clip) + 7).length == len(clip)  # no room for a box


def test_huge_free_box_uses_the_64_bit_form() -> None:
    header = free_box_header(2**32 + 10)
    assert header[:8] == b"\x00\x00\x00\x01free" and len(header) == 16


def test_assets_are_complete_and_faststart() -> None:
    shelf = catalogue()
    assert shelf[(1280, 720)] == shelf[(720, 1280)] == [4, 8, 10, 12, 15]
    assert shelf[(1024, 1792)] == shelf[(1792, 1024)] == [4, 8, 12]
    for (width, height), durations in shelf.items():
        for seconds in durations:
            names = [n for n, _ in top_level_boxes(clip_bytes(f"{width}x{height}-{seconds}s.mp4"))]
            assert names[0] == "ftyp" and names.index("moov") < names.index("mdat")


@pytest.mark.parametrize(
    ("size", "seconds", "name"),
    [("1280x720", "10", "1280x720-10s.mp4"), ("720x1280", "9", "720x1280-8s.mp4"),
     ("1792x1024", "15", "1792x1024-12s.mp4"), ("1280x704", "10", "1280x720-10s.mp4"),
     ("704x1280", "15", "720x1280-15s.mp4"), ("junk", "x", "720x1280-4s.mp4")],
)
def test_clip_fallback(size: str, seconds: str, name: str) -> None:
    assert clip_name(size, seconds) == name


@pytest.mark.parametrize(
    ("data", "kind", "dims"),
    [(png(1280, 720), "png", (1280, 720)), (jpeg(720, 1280), "jpeg", (720, 1280)),
     (webp(1792, 1024), "webp", (1792, 1024)), (webp(1024, 1792, "VP8 "), "webp", (1024, 1792)),
     (webp(3, 5, "VP8L"), "webp", (3, 5)), (b"GIF89a....", None, None),
     (b"\xff\xd8\xff\xda", "jpeg", None)],
)
def test_image_headers(data: bytes, kind: str | None, dims: tuple[int, int] | None) -> None:
    assert sniff(data) == kind
    assert dimensions(data) == dims


def test_jpeg_with_fill_bytes_and_progressive_sof() -> None:
    base = jpeg(640, 480)
    progressive = base.replace(b"\xff\xc0", b"\xff\xff\xc2", 1)
    assert dimensions(progressive) == (640, 480)


def test_data_urls() -> None:
    assert decode_data_url("data:image/png;base64,aGk=") == b"hi"
    assert decode_data_url("data:text/plain;base64,aGk=") is None
    assert decode_data_url("data:image/png;base64,***") is None
    assert decode_data_url("https://x") is None


def test_multipart_round_trip() -> None:
    body, ctype = multipart({"prompt": "a\r\ncat", "input_reference": ("r.png", b"\r\n--\x00",
                                                                     "image/png")})
    boundary = ctype.split("boundary=")[1]
    parts = parse_multipart(body, boundary)
    assert parts["prompt"].text == "a\r\ncat" and parts["prompt"].filename is None
    assert parts["input_reference"].data == b"\r\n--\x00"
    assert parts["input_reference"].filename == "r.png"
    with pytest.raises(BodyError):
        parse_multipart(body[:-10], boundary)


def test_fault_queue_order_and_times() -> None:
    queue = FaultQueue()
    queue.add(parse_fault({"route": "any", "status": 500}))
    queue.add(parse_fault({"route": "status", "status": 429, "times": 2}))
    taken = [queue.take("status"), queue.take("status"), queue.take("status"),
             queue.take("status")]
    assert [f.status if f else None for f in taken] == [429, 429, 500, None]
    assert parse_fault({"action": "timeout"}).sleep_seconds == 30.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_task_clock_progression() -> None:
    clock = FakeClock()
    store = TaskStore(2.0, 10.0, 100.0, clock=clock, wall=lambda: 1_700_000_000.0)
    task = store.create(model="sora-2", prompt="p", size="1280x720", seconds="10")
    seen = []
    for offset in (0, 1.99, 2.0, 7.0, 11.99, 12.0, 99.0):
        clock.now = 1000.0 + offset
        snap = store.get(task.task.id)
        assert snap is not None
        seen.append((snap.status, snap.progress))
    assert seen == [("queued", 0), ("queued", 0), ("in_progress", 1), ("in_progress", 50),
                    ("in_progress", 99), ("completed", 100), ("completed", 100)]
    clock.now = 1100.5
    assert store.get(task.task.id) is None and store.known(task.task.id)


def test_sync_links_are_served_only_once_ready() -> None:
    clock = FakeClock()
    store = TaskStore(1.0, 1.0, 50.0, clock=clock)
    video_id = store.add_link(size="720x1280", seconds="10", ready_in=2.0)
    assert store.link(video_id) is None
    clock.now += 2.0
    assert store.link(video_id) is not None
    clock.now += 51
    assert store.link(video_id) is None


@pytest.mark.parametrize(
    "settings",
    [{"profile": "sora"}, {"port": 70000}, {"gen_seconds": -1}, {"api_key": ""},
     {"video_bytes": -5}],
)
def test_config_validation(settings: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EmulatorConfig(**settings).validate()  # type: ignore[arg-type]
