"""GET /v1/videos/{id}/content: the MP4, byte ranges, 416, padding, previews."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest

from sora_cli.emulator import Emulator
from sora_cli.emulator.images import sniff
from sora_cli.emulator.media import clip_bytes

from .helpers import call, connect, create, force, post_json, top_level_boxes


def done_task(emu: Emulator, **fields: str) -> str:
    task_id: str = create(emu, **fields)["id"]
    force(emu, task_id, status="completed")
    return task_id


def content_url(emu: Emulator, task_id: str, query: str = "") -> str:
    return f"{emu.base_url}/videos/{task_id}/content{query}"


def test_not_ready_is_400_with_status(emu: Emulator) -> None:
    task_id = create(emu)["id"]
    reply = call("GET", content_url(emu, task_id))
    assert reply.status == 400
    assert "submitted" in reply.error["message"]


def test_full_download_is_a_valid_mp4(emu: Emulator) -> None:
    task_id = done_task(emu, size="720x1280", seconds="15")
    reply = call("GET", content_url(emu, task_id))
    assert reply.status == 200
    assert reply.headers["content-type"] == "video/mp4"
    assert reply.headers["accept-ranges"] == "bytes"
    assert int(reply.headers["content-length"]) == len(reply.body)
    assert reply.body == clip_bytes("720x1280-15s.mp4")
    names = [name for name, _ in top_level_boxes(reply.body)]
    assert names[0] == "ftyp" and names.index("moov") < names.index("mdat")


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-50", -50, None),
     ("bytes=10-999999999", 10, None)],
)
def test_ranges(emu: Emulator, header: str, first: int, last: int | None) -> None:
    task_id = done_task(emu)
    whole = clip_bytes("1280x720-10s.mp4")
    reply = call("GET", content_url(emu, task_id), headers={"Range": header})
    assert reply.status == 206
    start = first % len(whole)
    end = len(whole) - 1 if last is None else last
    assert reply.headers["content-range"] == f"bytes {start}-{end}/{len(whole)}"
    assert reply.body == whole[start:end + 1]


@pytest.mark.parametrize("header", ["bytes=999999999-", "bytes=-0"])
def test_unsatisfiable_range_is_416(emu: Emulator, header: str) -> None:
    task_id = done_task(emu)
    reply = call("GET", content_url(emu, task_id), headers={"Range": header})
    assert reply.status == 416
    assert reply.headers["content-range"] == f"bytes */{len(clip_bytes('1280x720-10s.mp4'))}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-3"])
def test_ranges_it_does_not_understand_get_the_whole_body(emu: Emulator, header: str) -> None:
    reply = call("GET", content_url(emu, done_task(emu)), headers={"Range": header})
    assert reply.status == 200


def test_if_range_mismatch_sends_everything(emu: Emulator) -> None:
    task_id = done_task(emu)
    first = call("GET", content_url(emu, task_id), headers={"Range": "bytes=0-9"})
    same = call("GET", content_url(emu, task_id),
                headers={"Range": "bytes=0-9", "If-Range": first.headers["etag"]})
    other = call("GET", content_url(emu, task_id),
                 headers={"Range": "bytes=0-9", "If-Range": '"changed"'})
    assert (same.status, other.status) == (206, 200)


def test_padding_keeps_a_valid_box_structure(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(video_bytes=3_000_000)
    reply = call("GET", content_url(emu, done_task(emu)))
    assert len(reply.body) == 3_000_000
    boxes = top_level_boxes(reply.body)
    assert boxes[-1][0] == "free"
    assert reply.body.startswith(clip_bytes("1280x720-10s.mp4"))
    tail = call("GET", content_url(emu, done_task(emu)), headers={"Range": "bytes=-16"})
    assert tail.body == bytes(16)


def test_padding_smaller_than_the_clip_is_ignored(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(video_bytes=1000)
    reply = call("GET", content_url(emu, done_task(emu)))
    assert reply.body == clip_bytes("1280x720-10s.mp4")


def test_large_padded_video_streams_with_flat_memory(
    make_emulator: Callable[..., Emulator],
) -> None:
    size = 96 * 1024 * 1024
    emu = make_emulator(video_bytes=size)
    task_id = done_task(emu)
    conn, path = connect(content_url(emu, task_id))
    tracemalloc.start()
    began = time.monotonic()
    try:
        conn.request("GET", path, headers={"Authorization": "Bearer sk-x"})
        resp = conn.getresponse()
        total = 0
        while chunk := resp.read(1 << 20):
            total += len(chunk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        conn.close()
    assert total == size
    assert peak < 16 * 1024 * 1024, peak
    assert time.monotonic() - began < 5


def test_head_on_content(emu: Emulator) -> None:
    reply = call("HEAD", content_url(emu, done_task(emu)))
    assert reply.status == 200 and reply.body == b""
    assert int(reply.headers["content-length"]) == len(clip_bytes("1280x720-10s.mp4"))


def test_openai_preview_variants(oai: Emulator) -> None:
    task_id = post_json(oai, {"prompt": "x"}).json()["id"]
    force(oai, task_id, status="completed")
    thumb = call("GET", content_url(oai, task_id, "?variant=thumbnail"))
    sheet = call("GET", content_url(oai, task_id, "?variant=spritesheet"))
    video = call("GET", content_url(oai, task_id, "?variant=video"))
    assert (thumb.headers["content-type"], sniff(thumb.body)) == ("image/webp", "webp")
    assert (sheet.headers["content-type"], sniff(sheet.body)) == ("image/jpeg", "jpeg")
    assert video.body == clip_bytes("720x1280-4s.mp4")
    assert call("GET", content_url(oai, task_id, "?variant=gif")).status == 400


def test_laozhang_ignores_variant(emu: Emulator) -> None:
    reply = call("GET", content_url(emu, done_task(emu), "?variant=thumbnail"))
    assert reply.headers["content-type"] == "video/mp4"
