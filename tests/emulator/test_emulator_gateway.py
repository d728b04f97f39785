"""The gateway profile: any OpenAI-format /v1/videos gateway (JSON create, any model,
`pending`/`processing`/`succeeded`, `output_url` on the CDN origin), and GET /v1/models."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest

from sora_cli.emulator import Emulator
from sora_cli.emulator.media import clip_bytes

from .helpers import call, control, force, png, post_form, post_json, status, wait_for

VID = {"model": "vid-1", "prompt": "a fox in the snow"}


@pytest.fixture
def gw(make_emulator: Callable[..., Emulator]) -> Emulator:
    return make_emulator(profile="gateway")


def test_json_create_runs_pending_processing_succeeded(
    make_emulator: Callable[..., Emulator],
) -> None:
    gw = make_emulator(profile="gateway", queue_seconds=0.1, gen_seconds=0.3)
    reply = post_json(gw, {**VID, "model": "any/vendor-model:v2", "size": "1920x1080",
                           "seconds": 7})
    assert reply.status == 200, reply.body
    made = reply.json()
    assert (made["status"], made["size"], made["seconds"]) == ("pending", "1920x1080", "7")
    words: list[str] = []

    def done() -> bool:
        words.append(status(gw, made["id"]).json()["status"])
        return words[-1] == "succeeded"

    wait_for(done)
    assert words[0] == "pending" and "processing" in words
    body = status(gw, made["id"]).json()
    assert body["output_url"] == f"{gw.cdn_url}/assets/videos/{made['id']}.mp4"
    assert "url" not in body and "video_url" not in body
    video = call("GET", body["output_url"], token=None)
    assert video.status == 200 and video.body[4:8] == b"ftyp"
    assert call("GET", f"{gw.base_url}/videos/{made['id']}/content").body == video.body


def test_size_and_seconds_are_optional_and_left_unset(gw: Emulator) -> None:
    made = post_json(gw, VID).json()
    assert (made["size"], made["seconds"]) == (None, None)
    body = status(gw, made["id"]).json()
    assert (body["size"], body["seconds"]) == (None, None)
    force(gw, made["id"], status="completed")
    video = call("GET", status(gw, made["id"]).json()["output_url"], token=None)
    assert video.body == clip_bytes("720x1280-4s.mp4")  # nothing asked: the default clip


@pytest.mark.parametrize(
    ("fields", "param"),
    [
        ({"size": "big"}, "size"), ({"size": "0x720"}, "size"), ({"seconds": 0}, "seconds"),
        ({"seconds": "abc"}, "seconds"), ({"seconds": True}, "seconds"), ({"model": ""}, "model"),
        ({"model": None}, "model"), ({"prompt": ""}, "prompt"),
    ],
)
def test_values_are_checked_for_syntax_only(
    gw: Emulator, fields: dict[str, Any], param: str
) -> None:
    payload = {k: v for k, v in {**VID, **fields}.items() if v is not None}
    reply = post_json(gw, payload)
    assert reply.status == 400, reply.body
    assert reply.error["param"] == param


def test_multipart_is_refused_with_a_clear_message(gw: Emulator) -> None:
    reply = post_form(gw, VID)
    assert reply.status == 415
    assert "expects application/json only (images as data: URLs)" in reply.error["message"]
    assert gw.stats()["tasks"] == 0


def test_images_as_data_urls(gw: Emulator) -> None:
    first = "data:image/png;base64," + base64.b64encode(png(1024, 1024)).decode()
    assert post_json(gw, {**VID, "input_reference": first, "last_frame": first}).status == 200
    garbage = "data:image/png;base64," + base64.b64encode(b"nope").decode()
    bad = post_json(gw, {**VID, "input_reference": garbage})
    assert bad.status == 400 and bad.error["param"] == "input_reference"
    alone = post_json(gw, {**VID, "last_frame": first})
    assert alone.status == 400 and alone.error["param"] == "last_frame"


def test_failed_status_word(gw: Emulator) -> None:
    task_id = post_json(gw, {**VID, "prompt": "[emulator:content-violation]"}).json()["id"]
    wait_for(lambda: status(gw, task_id).json()["status"] == "failed")
    assert status(gw, task_id).json()["error"]["code"] == "content_policy_violation"


def test_no_sync_api_no_list_no_remix(gw: Emulator) -> None:
    assert call("GET", gw.base_url + "/videos").status == 404
    assert post_json(gw, VID, path="/chat/completions").status == 404
    task_id = post_json(gw, VID).json()["id"]
    assert post_json(gw, {"prompt": "x"}, path=f"/videos/{task_id}/remix").status == 404


def test_models_flag_restricts_the_ids(make_emulator: Callable[..., Emulator]) -> None:
    gw = make_emulator(profile="gateway", models=("kling-v2", "wan-2.7"))
    assert post_json(gw, {**VID, "model": "wan-2.7"}).status == 200
    refused = post_json(gw, VID)
    assert refused.status == 400 and "'kling-v2' and 'wan-2.7'" in refused.error["message"]
    listed = call("GET", gw.base_url + "/models").json()
    assert [m["id"] for m in listed["data"]] == ["kling-v2", "wan-2.7"]


# GET /v1/models


def test_models_list_shape_and_laozhang_catalog(emu: Emulator) -> None:
    reply = call("GET", emu.base_url + "/models")
    assert reply.status == 200
    body = reply.json()
    assert body["object"] == "list"
    ids = [m["id"] for m in body["data"]]
    assert ids[:7] == ["sora-2", "muse-video", "muse-video-20s", "muse-video-30s",
                       "muse-video-40s", "muse-video-50s", "muse-video-60s"]
    assert "sora_video2" in ids
    for entry in body["data"]:
        assert entry["object"] == "model" and entry["owned_by"]
    assert {m["id"]: m["owned_by"] for m in body["data"]}["muse-video"] == "meta"
    assert emu.stats()["requests"][-1]["route"] == "models"
    assert emu.stats()["creates_by_prompt"] == {}


def test_models_leaves_retired_ones_out(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(retired={"sora-2": None})
    ids = [m["id"] for m in call("GET", emu.base_url + "/models").json()["data"]]
    assert "sora-2" not in ids and "muse-video" in ids


def test_models_openai_and_gateway(make_emulator: Callable[..., Emulator], gw: Emulator) -> None:
    oai = make_emulator(profile="openai")
    ids = [m["id"] for m in call("GET", oai.base_url + "/models").json()["data"]]
    assert ids[:2] == ["sora-2", "sora-2-pro"] and "sora_video2" not in ids
    assert [m["id"] for m in call("GET", gw.base_url + "/models").json()["data"]] == ["vid-1"]


def test_models_needs_auth_and_takes_faults(emu: Emulator) -> None:
    assert call("GET", emu.base_url + "/models", token=None).status == 401
    assert control(emu, "faults", {"route": "models", "status": 500}).status == 200
    assert call("GET", emu.base_url + "/models").status == 500
    assert call("GET", emu.base_url + "/models").status == 200
    assert call("POST", emu.base_url + "/models").status == 404
