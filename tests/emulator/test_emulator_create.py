"""POST /v1/videos: validation per profile, response shapes, reference images, auth."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest

from sora_cli.emulator import Emulator

from .helpers import (
    LAOZHANG_FIELDS,
    call,
    jpeg,
    multipart,
    png,
    post_form,
    post_json,
    webp,
)

UNAUTHORIZED = {"error": {"message": "Incorrect API key provided", "type": "invalid_request_error",
                          "param": None, "code": "invalid_api_key"}}


def test_laozhang_create_response_shape(emu: Emulator) -> None:
    reply = post_form(emu, LAOZHANG_FIELDS)
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"id", "object", "model", "status", "created_at", "expires_at", "size",
                         "seconds", "prompt"}
    assert body["object"] == "task"
    assert body["status"] == "submitted"
    assert body["expires_at"] == body["created_at"] + 86400
    assert (body["size"], body["seconds"], body["prompt"]) == ("1280x720", "10", "a cat")
    assert reply.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize("missing", ["model", "prompt", "size", "seconds"])
def test_laozhang_requires_every_field(emu: Emulator, missing: str) -> None:
    fields = {k: v for k, v in LAOZHANG_FIELDS.items() if k != missing}
    reply = post_form(emu, fields)
    assert reply.status == 400
    assert reply.error["param"] == missing
    assert set(reply.error) == {"message", "type", "param", "code"}


@pytest.mark.parametrize(
    ("name", "value"),
    [("model", "sora-2-pro"), ("size", "1024x1792"), ("seconds", "4"), ("seconds", "10.0"),
     ("prompt", "   ")],
)
def test_laozhang_rejects_values_outside_its_profile(emu: Emulator, name: str, value: str) -> None:
    reply = post_form(emu, {**LAOZHANG_FIELDS, name: value})
    assert reply.status == 400
    assert reply.error["param"] == name


def test_laozhang_refuses_json(emu: Emulator) -> None:
    reply = post_json(emu, LAOZHANG_FIELDS)
    assert reply.status == 400
    assert "multipart/form-data" in reply.error["message"]


def test_malformed_multipart_is_400(emu: Emulator) -> None:
    reply = call("POST", emu.base_url + "/videos", b"--x\r\nnonsense",
                 {"Content-Type": "multipart/form-data; boundary=x"})
    assert reply.status == 400


def test_openai_json_defaults_and_full_resource(oai: Emulator) -> None:
    reply = post_json(oai, {"prompt": "a calico cat playing a piano"})
    assert reply.status == 200
    body = reply.json()
    assert set(body) == {"id", "object", "model", "status", "progress", "created_at",
                         "completed_at", "expires_at", "prompt", "size", "seconds",
                         "remixed_from_video_id", "error"}
    assert body["object"] == "video"
    assert (body["status"], body["progress"]) == ("queued", 0)
    assert (body["model"], body["size"], body["seconds"]) == ("sora-2", "720x1280", "4")
    assert body["completed_at"] is None and body["error"] is None
    assert body["remixed_from_video_id"] is None


def test_openai_multipart_and_values(oai: Emulator) -> None:
    fields = {"model": "sora-2-pro", "prompt": "x", "size": "1792x1024", "seconds": "12"}
    reply = post_form(oai, fields)
    assert reply.status == 200
    assert reply.json()["model"] == "sora-2-pro"


@pytest.mark.parametrize(
    ("payload", "param"),
    [({}, "prompt"), ({"prompt": ""}, "prompt"), ({"prompt": "x" * 32001}, "prompt"),
     ({"prompt": "x", "seconds": 8}, "seconds"), ({"prompt": "x", "seconds": "10"}, "seconds"),
     ({"prompt": "x", "size": "1280x704"}, "size"), ({"prompt": "x", "model": "sora-3"}, "model")],
)
def test_openai_validation(oai: Emulator, payload: dict[str, object], param: str) -> None:
    reply = post_json(oai, payload)
    assert reply.status == 400
    assert reply.error["param"] == param


@pytest.mark.parametrize(
    "image",
    [png(1280, 720), jpeg(1280, 720), webp(1280, 720), webp(1280, 720, "VP8 "),
     webp(1280, 720, "VP8L")],
)
def test_reference_image_of_the_right_size_is_accepted(emu: Emulator, image: bytes) -> None:
    reply = post_form(emu, {**LAOZHANG_FIELDS,
                            "input_reference": ("ref.bin", image, "application/octet-stream")})
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("image", [png(1024, 768), jpeg(720, 1280), webp(1280, 721)])
def test_reference_image_size_must_match(emu: Emulator, image: bytes) -> None:
    reply = post_form(emu, {**LAOZHANG_FIELDS,
                            "input_reference": ("ref.png", image, "image/png")})
    assert reply.status == 400
    assert reply.error["param"] == "input_reference"
    assert "must match the requested width and height" in reply.error["message"]


@pytest.mark.parametrize("image", [png(1920, 1080), jpeg(640, 360)])
def test_laozhang_takes_a_reference_of_the_same_ratio(emu: Emulator, image: bytes) -> None:
    """laozhang recommends "1280x720 or similar ratio" (reference/laozhang-async-api.txt)."""
    reply = post_form(emu, {**LAOZHANG_FIELDS, "input_reference": ("r.png", image, "image/png")})
    assert reply.status == 200, reply.body


def test_openai_reference_must_be_exactly_the_size(oai: Emulator) -> None:
    body, ctype = multipart({"prompt": "x", "size": "1280x720",
                             "input_reference": ("r.png", png(1920, 1080), "image/png")})
    reply = call("POST", oai.base_url + "/videos", body, {"Content-Type": ctype})
    assert reply.status == 400
    assert "must match the requested width and height (" in reply.error["message"]


def test_reference_must_be_an_image_by_content(emu: Emulator) -> None:
    fake = b"GIF89a" + bytes(20)
    reply = post_form(emu, {**LAOZHANG_FIELDS, "input_reference": ("a.png", fake, "image/png")})
    assert reply.status == 400
    assert reply.error["param"] == "input_reference"


def test_openai_json_reference_data_url(oai: Emulator) -> None:
    url = "data:image/png;base64," + base64.b64encode(png(720, 1280)).decode()
    ok = post_json(oai, {"prompt": "x", "input_reference": {"image_url": url}})
    assert ok.status == 200
    wrong = "data:image/png;base64," + base64.b64encode(png(10, 10)).decode()
    bad = post_json(oai, {"prompt": "x", "input_reference": {"image_url": wrong}})
    assert bad.status == 400
    both = post_json(oai, {"prompt": "x", "input_reference": {"image_url": url, "file_id": "f"}})
    assert both.status == 400


@pytest.mark.parametrize("header", [None, "Bearer ", "Basic abc", "sk-no-scheme"])
def test_missing_or_malformed_auth_is_401(emu: Emulator, header: str | None) -> None:
    body, ctype = b"", "text/plain"
    headers = {"Content-Type": ctype}
    if header is not None:
        headers["Authorization"] = header
    reply = call("POST", emu.base_url + "/videos", body, headers, token=None)
    assert reply.status == 401
    assert reply.json() == UNAUTHORIZED
    assert reply.headers["x-request-id"]


def test_configured_key_must_match(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(api_key="sk-right")
    assert call("GET", emu.base_url + "/videos/x", token="sk-wrong").status == 401
    assert call("GET", emu.base_url + "/videos/x", token="sk-right").status == 404


def test_unknown_route_is_404_json(emu: Emulator) -> None:
    reply = call("GET", emu.base_url + "/nothing")
    assert reply.status == 404
    assert json.loads(reply.body)["error"]["message"].startswith("Invalid URL")
