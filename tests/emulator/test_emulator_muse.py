"""The Muse family on the laozhang profile (reference/live-video-apis.md, section 1), beside
sora-2, which keeps its seeds' behaviour."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from sora_cli.emulator import Emulator
from sora_cli.emulator.media import clip_bytes

from .helpers import (
    LAOZHANG_FIELDS,
    call,
    create,
    force,
    png,
    post_form,
    post_json,
    status,
    wait_for,
)

WEEK = 7 * 86400
MUSE = {"model": "muse-video", "prompt": "a lighthouse at dawn"}


def data_url(image: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(image).decode()


def finished(emu: Emulator, task_id: str) -> dict[str, Any]:
    force(emu, task_id, status="completed")
    body: dict[str, Any] = status(emu, task_id).json()
    return body


def test_multipart_create_defaults_to_10_seconds_and_a_week(emu: Emulator) -> None:
    reply = post_form(emu, MUSE)
    assert reply.status == 200, reply.body
    body = reply.json()
    assert (body["model"], body["status"], body["seconds"], body["size"]) == (
        "muse-video", "queued", "10", "1280x720")
    assert body["expires_at"] == body["created_at"] + WEEK


def test_json_create_takes_aspect_ratio_and_integer_seconds(emu: Emulator) -> None:
    reply = post_json(emu, {**MUSE, "seconds": 5, "aspect_ratio": "9:16"})
    assert reply.status == 200, reply.body
    assert (reply.json()["seconds"], reply.json()["size"]) == ("5", "720x1280")


@pytest.mark.parametrize(
    ("fields", "param", "words"),
    [
        ({"seconds": "15"}, "seconds", "'5', '8', and '10'"),
        ({"model": "muse-video-20s", "seconds": "10"}, "seconds",
         "muse-video-20s makes 20-second videos only"),
        ({"size": "1024x1792"}, "size", "Supported values"),
        ({"aspect_ratio": "4:3"}, "aspect_ratio", "'16:9' and '9:16'"),
        ({"aspect_ratio": "16:9", "size": "720x1280"}, "aspect_ratio", "disagree"),
        ({"model": "muse-video-15s"}, "model", "'muse-video-60s'"),
    ],
)
def test_lengths_and_sizes_outside_the_model_are_400(
    emu: Emulator, fields: dict[str, str], param: str, words: str
) -> None:
    reply = post_json(emu, {**MUSE, **fields})
    assert reply.status == 400
    assert reply.error["param"] == param
    assert words in reply.error["message"]
    assert emu.stats()["tasks"] == 0


@pytest.mark.parametrize("length", [20, 30, 40, 50, 60])
def test_each_long_model_makes_its_own_length(emu: Emulator, length: int) -> None:
    model = f"muse-video-{length}s"
    omitted = post_json(emu, {**MUSE, "model": model})
    same = post_form(emu, {**MUSE, "model": model, "seconds": str(length)})
    assert omitted.status == same.status == 200
    assert omitted.json()["seconds"] == same.json()["seconds"] == str(length)


def test_status_runs_queued_in_progress_completed_with_video_url_on_the_cdn(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(queue_seconds=0.1, gen_seconds=0.4)
    task_id = create(emu, **MUSE, size="720x1280", seconds="8")["id"]
    seen: list[tuple[str, int]] = []

    def done() -> bool:
        body = status(emu, task_id).json()
        seen.append((body["status"], body["progress"]))
        return bool(body["status"] == "completed")

    wait_for(done)
    words = [s for s, _ in seen]
    assert words[0] == "queued" and "in_progress" in words and words[-1] == "completed"
    progress = [p for s, p in seen if s == "in_progress"]
    assert progress == sorted(progress)
    body = status(emu, task_id).json()
    assert body["video_url"] == f"{emu.cdn_url}/assets/videos/{task_id}.mp4"
    assert "url" not in body
    assert body["expires_at"] == body["created_at"] + WEEK
    assert (body["seconds"], body["size"]) == ("8", "720x1280")
    video = call("GET", body["video_url"], token=None)
    assert video.status == 200 and video.body == clip_bytes("720x1280-8s.mp4")
    content = call("GET", f"{emu.base_url}/videos/{task_id}/content")
    assert content.body == video.body
    cdn = [r for r in emu.stats()["requests"] if r["route"] == "cdn"]
    assert cdn and not cdn[0]["authorization"]


def test_a_long_model_serves_the_nearest_shipped_clip(emu: Emulator) -> None:
    task_id = post_json(emu, {**MUSE, "model": "muse-video-60s"}).json()["id"]
    body = finished(emu, task_id)
    assert call("GET", body["video_url"], token=None).body == clip_bytes("1280x720-15s.mp4")


def test_unfinished_task_has_no_cdn_video(emu: Emulator) -> None:
    task_id = post_json(emu, MUSE).json()["id"]
    assert call("GET", f"{emu.cdn_url}/assets/videos/{task_id}.mp4", token=None).status == 404


def test_content_violation_fails(emu: Emulator) -> None:
    task_id = create(emu, model="muse-video", prompt="[emulator:content-violation] x")["id"]
    wait_for(lambda: status(emu, task_id).json()["status"] == "failed")
    body = status(emu, task_id).json()
    assert body["error"]["code"] == "content_policy_violation"
    assert "video_url" not in body


def test_ttl_override_still_applies(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(ttl_seconds=0.2)
    body = post_json(emu, MUSE).json()
    assert body["expires_at"] - body["created_at"] in (0, 1)  # whole seconds, 0.2 s apart
    wait_for(lambda: status(emu, body["id"]).status == 404)
    assert "0.2 seconds" in status(emu, body["id"]).error["message"]


def test_expired_muse_task_says_7_days(emu: Emulator) -> None:
    task_id = post_json(emu, MUSE).json()["id"]
    force(emu, task_id, expire=True)
    assert "kept for 7 days" in status(emu, task_id).error["message"]


def test_sora_2_keeps_its_seeds_behaviour_beside_muse(emu: Emulator) -> None:
    made = create(emu)
    assert (made["object"], made["status"]) == ("task", "submitted")
    assert made["expires_at"] == made["created_at"] + 86400
    body = finished(emu, made["id"])
    assert body["url"] == f"/v1/videos/{made['id']}/content"
    assert set(body) == {"id", "object", "model", "status", "progress", "created_at", "url",
                         "completed_at"}
    refused = post_json(emu, LAOZHANG_FIELDS)
    assert refused.status == 400 and "multipart/form-data" in refused.error["message"]
    assert "sora-2" in refused.error["message"]


# First and last frames (reference/live-video-apis.md, 1.3)

FIRST = ("first.png", png(1920, 1080), "image/png")
LAST = ("last.png", png(640, 480), "image/png")


def test_last_frame_with_a_first_frame_by_multipart(emu: Emulator) -> None:
    reply = post_form(emu, {**MUSE, "input_reference": FIRST, "last_frame": LAST})
    assert reply.status == 200, reply.body


def test_last_frame_by_json_urls_and_data_urls(emu: Emulator) -> None:
    reply = post_json(emu, {**MUSE, "image": "https://example.com/first.jpg",
                            "last_frame": data_url(png(1280, 720))})
    assert reply.status == 200, reply.body
    reply = post_json(emu, {**MUSE, "input_reference": data_url(png(720, 1280)),
                            "last_frame": "https://example.com/last.png"})
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("body", ["multipart", "json"])
def test_last_frame_without_a_first_frame_is_400(emu: Emulator, body: str) -> None:
    if body == "multipart":
        reply = post_form(emu, {**MUSE, "last_frame": LAST})
    else:
        reply = post_json(emu, {**MUSE, "last_frame": data_url(png(8, 8))})
    assert reply.status == 400
    assert reply.error["param"] == "last_frame"
    assert "needs a first frame" in reply.error["message"]
    assert emu.stats()["tasks"] == 0


@pytest.mark.parametrize(
    ("fields", "param", "code"),
    [
        ({"input_reference": FIRST, "last_frame": ("l.png", b"not an image", "image/png")},
         "last_frame", "unsupported_file"),
        ({"input_reference": ("f.png", b"\x89PNG\r\n\x1a\ngarbage", "image/png")},
         "input_reference", "invalid_image"),
        ({"image": "data:image/png;base64,!!!"}, "image", "invalid_value"),
        ({"image": "ftp://example.com/a.png"}, "image", "invalid_value"),
        ({"image": data_url(b"GIF89a....")}, "image", "unsupported_file"),
    ],
)
def test_frames_must_really_be_images(
    emu: Emulator, fields: dict[str, Any], param: str, code: str
) -> None:
    if any(isinstance(v, tuple) for v in fields.values()):
        reply = post_form(emu, {**MUSE, **fields})
    else:
        reply = post_json(emu, {**MUSE, **fields})
    assert reply.status == 400, reply.body
    assert (reply.error["param"], reply.error["code"]) == (param, code)


def test_sora_2_takes_no_last_frame(emu: Emulator) -> None:
    reply = post_form(emu, {**LAOZHANG_FIELDS, "input_reference": ("a.png", png(1280, 720),
                                                                   "image/png"),
                            "last_frame": LAST})
    assert reply.status == 400 and reply.error["param"] == "last_frame"


# Continuation: `video_url` (reference/live-video-apis.md, 1.2)


def test_extend_own_link_within_the_limit(emu: Emulator) -> None:
    source = finished(emu, post_json(emu, MUSE).json()["id"])  # 10 s
    reply = post_json(emu, {**MUSE, "model": "muse-video-20s", "video_url": source["video_url"]})
    assert reply.status == 200, reply.body
    assert reply.json()["seconds"] == "20"
    multipart = post_form(emu, {**MUSE, "model": "muse-video-20s",
                                "video_url": source["video_url"]})
    assert multipart.status == 200, multipart.body


def test_extend_a_source_too_long_for_the_model_is_400(emu: Emulator) -> None:
    source = finished(emu, post_json(emu, {**MUSE, "model": "muse-video-20s"}).json()["id"])
    reply = post_json(emu, {**MUSE, "model": "muse-video-20s", "video_url": source["video_url"]})
    assert reply.status == 400
    assert reply.error["param"] == "video_url"
    assert "20 s long" in reply.error["message"] and "at most 18 s" in reply.error["message"]
    assert post_json(emu, {**MUSE, "model": "muse-video-30s",
                           "video_url": source["video_url"]}).status == 200


def test_extend_checks_sync_api_links_too(emu: Emulator) -> None:
    chat = call("POST", emu.base_url + "/chat/completions", body=(
        b'{"model": "sora_video2-15s", "stream": false, '
        b'"messages": [{"role": "user", "content": "a fox"}]}'),
        headers={"Content-Type": "application/json"})
    link = chat.json()["choices"][0]["message"]["content"].split("](")[1].split(")")[0]
    too_long = post_json(emu, {**MUSE, "seconds": "10", "video_url": link})
    assert too_long.status == 400 and "at most 8 s" in too_long.error["message"]
    assert post_json(emu, {**MUSE, "model": "muse-video-20s", "video_url": link}).status == 200


@pytest.mark.parametrize(
    ("url", "status_code"),
    [
        ("https://cdn.example.com/earlier.mp4", 200),
        ("earlier.mp4", 400),
        ("data:video/mp4;base64,AAAA", 400),
    ],
)
def test_extend_source_must_be_a_url(emu: Emulator, url: str, status_code: int) -> None:
    reply = post_json(emu, {**MUSE, "model": "muse-video-20s", "video_url": url})
    assert reply.status == status_code, reply.body


def test_extend_own_link_that_is_gone_is_400(emu: Emulator) -> None:
    task_id = post_json(emu, MUSE).json()["id"]
    link = f"{emu.cdn_url}/assets/videos/{task_id}.mp4"
    unfinished = post_json(emu, {**MUSE, "model": "muse-video-20s", "video_url": link})
    assert unfinished.status == 400 and "no finished video" in unfinished.error["message"]
    unknown = post_json(emu, {**MUSE, "model": "muse-video-20s",
                              "video_url": f"{emu.cdn_url}/assets/videos/video_nope.mp4"})
    assert unknown.status == 400


def test_sora_2_cannot_extend(emu: Emulator) -> None:
    reply = post_form(emu, {**LAOZHANG_FIELDS, "video_url": "https://example.com/a.mp4"})
    assert reply.status == 400 and reply.error["param"] == "video_url"
