"""`--retired`: a create for a retired model is answered at once, unbilled and without a
task, as the reseller does (reference/live-video-apis.md, section 2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sora_cli.emulator import Emulator, EmulatorConfig
from sora_cli.emulator.config import parse_retired

from .helpers import LAOZHANG_FIELDS, call, control, post_form, post_json


def test_404_names_the_profiles_successor(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(retired={"sora-2": None})
    reply = post_form(emu, LAOZHANG_FIELDS)
    assert reply.status == 404
    assert reply.json() == {"error": {
        "message": "The model sora-2 has been retired. Switch to muse-video",
        "type": "invalid_request_error", "param": "model", "code": "model_not_found"}}
    stats = emu.stats()
    assert stats["tasks"] == 0 and stats["creates_by_prompt"] == {}
    info = control(emu, "info", method="GET").json()
    assert (info["retired"], info["retired_answer"]) == ({"sora-2": None}, 404)
    assert [(r["route"], r["status"]) for r in stats["requests"]] == [("create", 404)]


def test_successor_is_configurable_and_others_still_serve(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(retired={"sora-2": "muse-video-20s"})
    reply = post_form(emu, LAOZHANG_FIELDS)
    assert reply.error["message"].endswith("Switch to muse-video-20s")
    assert post_json(emu, {"model": "muse-video", "prompt": "a cat"}).status == 200
    assert emu.stats()["creates_by_prompt"] == {"a cat": 1}


def test_503_no_available_channels(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(retired={"sora-2": None}, retired_answer=503)
    reply = post_form(emu, LAOZHANG_FIELDS)
    assert reply.status == 503
    assert reply.error["message"] == "no available channels for model sora-2"
    assert (reply.error["type"], reply.error["code"]) == ("new_api_error", "model_not_found")
    assert emu.stats()["tasks"] == 0


def test_retired_wins_over_validation_and_unknown_ids(
    make_emulator: Callable[..., Emulator],
) -> None:
    emu = make_emulator(retired={"sora-2": None, "sora-2-pro": None})
    assert post_form(emu, {"model": "sora-2", "prompt": "x"}).status == 404
    assert post_json(emu, {"model": "sora-2", "prompt": "x"}).status == 404
    assert post_form(emu, {"model": "sora-2-pro", "prompt": "x"}).status == 404


def test_openai_profile_has_no_successor(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(profile="openai", retired={"sora-2": None})
    reply = post_json(emu, {"prompt": "a cat"})  # the default model is sora-2
    assert reply.status == 404
    assert reply.error["message"] == "The model sora-2 has been retired."


def test_sync_api_models_can_be_retired(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(retired={"sora_video2": None}, retired_answer=503)
    reply = call("POST", emu.base_url + "/chat/completions",
                 b'{"model": "sora_video2", "messages": [{"role": "user", "content": "x"}]}',
                 {"Content-Type": "application/json"})
    assert reply.status == 503 and "sora_video2" in reply.error["message"]
    assert emu.stats()["creates_by_prompt"] == {}


def test_parse_retired() -> None:
    assert parse_retired("sora-2=muse-video, sora-2-pro") == {
        "sora-2": "muse-video", "sora-2-pro": None}
    for bad in ("", "=x", "sora-2=", "a,,b"):
        with pytest.raises(ValueError, match="MODEL or MODEL=SUCCESSOR"):
            parse_retired(bad)


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({"retired_answer": 500}, "retired_answer must be 404 or 503"),
        ({"retired": {" ": None}}, "retired model ids"),
        ({"models": ("a",)}, "only the gateway profile"),
        ({"profile": "gateway", "models": ("a", "")}, "model ids must not be empty"),
        ({"ttl_seconds": -1.0}, "ttl_seconds must not be negative"),
    ],
)
def test_config_refuses_settings_that_cannot_work(settings: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        EmulatorConfig(**settings).validate()  # type: ignore[arg-type]
