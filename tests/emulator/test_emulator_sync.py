"""POST /v1/chat/completions: the SSE stream format of the reference, failures, the CDN."""

from __future__ import annotations

import base64
import http.client
import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from sora_cli.emulator import Emulator
from sora_cli.emulator.media import clip_bytes
from sora_cli.emulator.sse import SUCCESS_TEXT, _script

from .helpers import call, connect, png, post_json

LINK = re.compile(r"\[Click here\]\((http://[^)\s]+\.mp4)\)")
PROGRESS = re.compile(r"^> 🏃 Progress: (\d+\.\d)%\n\n$")


@pytest.fixture
def fast(make_emulator: Callable[..., Emulator]) -> Emulator:
    emu: Emulator = make_emulator(queue_seconds=0.05, gen_seconds=0.15)
    return emu


def chat_body(text: str = "a happy cat", model: str = "sora_video2", stream: bool = True,
              extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": text}, *(extra or [])]
    return {"model": model, "stream": stream,
            "messages": [{"role": "user", "content": content}]}


def events(raw: bytes) -> list[str]:
    """The `data:` payloads, checking the framing: every event is `data: ...\\n\\n`."""
    text = raw.decode("utf-8")
    assert text.endswith("\n\n")
    blocks = text[:-2].split("\n\n")
    assert all(b.startswith("data: ") and "\n" not in b for b in blocks), blocks
    return [b[len("data: "):] for b in blocks]


def stream(emu: Emulator, body: dict[str, Any]) -> list[str]:
    reply = post_json(emu, body, "/chat/completions")
    assert reply.status == 200, reply.body
    assert reply.headers["content-type"] == "text/event-stream"
    return events(reply.body)


def contents(payloads: list[str]) -> list[str]:
    out = []
    for payload in payloads:
        if payload != "[DONE]":
            delta = json.loads(payload)["choices"][0]["delta"]
            if "content" in delta:
                out.append(delta["content"])
    return out


def test_stream_format_matches_the_reference(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_seconds=0.05, gen_seconds=0.2)
    payloads = stream(emu, chat_body())
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert payloads[-1] == "[DONE]"
    first = chunks[0]
    assert set(first) == {"id", "object", "created", "model", "choices"}
    assert first["id"].startswith("foaicmpl-")
    assert first["object"] == "chat.completion.chunk" and first["model"] == "sora_video2"
    assert first["choices"] == [{"index": 0, "delta": {"role": "assistant"},
                                 "finish_reason": None}]
    assert {c["id"] for c in chunks} == {first["id"]}
    texts = contents(payloads)
    assert texts[0] == ('```json\n{\n    "prompt": "a happy cat",\n    "mode": "Vertical Mode"'
                        '\n}\n```\n\n')
    assert texts[1] == "> ⌛️ Task is in queue, please wait patiently...\n\n"
    matches = [PROGRESS.match(t) for t in texts[2:-1]]
    values = [float(m.group(1)) for m in matches if m]
    assert len(values) == len(matches)
    assert values and values == sorted(values) and values[-1] < 100
    link = LINK.search(texts[-1])
    assert link and texts[-1] == (f"> ✅ Video generated successfully, [Click here]"
                                  f"({link.group(1)}) to view video~~~\n\n")
    assert link.group(1).startswith(emu.cdn_url + "/assets/sora/")
    last = chunks[-1]
    assert last["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    usage = last["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert b"\\u" not in json.dumps(payloads, ensure_ascii=False).encode()


@pytest.mark.parametrize("gen", [0.5, 20.0, 600.0])
def test_progress_lines_are_a_few_per_second(gen: float) -> None:
    script = _script("p", "720x1280", 2.0, gen, "", "http://cdn/x.mp4")
    times = [at for at, text in script if PROGRESS.match(text)]
    assert times and times[0] > 2.0 and times[-1] < 2.0 + gen
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert all(gap >= 0.3 for gap in gaps)
    assert script[-1] == (2.0 + gen, SUCCESS_TEXT.format("http://cdn/x.mp4"))


@pytest.mark.parametrize(
    ("model", "clip", "mode"),
    [("sora_video2", "720x1280-10s.mp4", "Vertical"),
     ("sora_video2-landscape", "1280x720-10s.mp4", "Landscape"),
     ("sora_video2-15s", "720x1280-15s.mp4", "Vertical"),
     ("sora_video2-landscape-15s", "1280x720-15s.mp4", "Landscape")],
)
def test_models_pick_size_and_duration(make_emulator: Callable[..., Emulator], model: str,
                                       clip: str, mode: str) -> None:
    emu = make_emulator(queue_seconds=0.05, gen_seconds=0.05)
    texts = contents(stream(emu, chat_body(model=model)))
    assert f'"mode": "{mode} Mode"' in texts[0]
    link = LINK.search(texts[-1])
    assert link
    reply = call("GET", link.group(1), token=None)
    assert reply.status == 200 and reply.body == clip_bytes(clip)


def test_non_streaming_answer(fast: Emulator) -> None:
    emu = fast
    reply = post_json(emu, chat_body(stream=False), "/chat/completions")
    body = reply.json()
    assert body["object"] == "chat.completion"
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["choices"][0]["message"]["role"] == "assistant"
    assert LINK.search(body["choices"][0]["message"]["content"])
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}


def image_part(url: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": url}}


@pytest.mark.parametrize(
    ("body", "param"),
    [(chat_body(model="sora_video3"), "model"), (chat_body(text="  "), "messages"),
     ({"model": "sora_video2", "messages": []}, "messages"),
     (chat_body(extra=[image_part("https://x/a.png"), image_part("https://x/b.png")]),
      "messages"),
     (chat_body(extra=[image_part("data:image/png;base64," + base64.b64encode(b"GIF89a"
                                                                             ).decode())]),
      "messages"),
     (chat_body(extra=[image_part("ftp://x/a.png")]), "messages")],
)
def test_chat_validation(emu: Emulator, body: dict[str, Any], param: str) -> None:
    reply = post_json(emu, body, "/chat/completions")
    assert reply.status == 400
    assert reply.error["param"] == param


def test_image_parts_accepted(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_seconds=0, gen_seconds=0)
    data_url = "data:image/png;base64," + base64.b64encode(png(4, 4)).decode()
    for url in (data_url, "https://example.invalid/cat.png"):
        assert stream(emu, chat_body(extra=[image_part(url)]))[-1] == "[DONE]"


def test_refusal(fast: Emulator) -> None:
    emu = fast
    payloads = stream(emu, chat_body("a cat [emulator:refuse]"))
    texts = contents(payloads)
    assert payloads[-1] == "[DONE]"
    assert any("❌" in t for t in texts)
    assert not any(LINK.search(t) for t in texts)
    assert json.loads(payloads[-2])["choices"][0]["finish_reason"] == "stop"


def test_nolink(fast: Emulator) -> None:
    emu = fast
    payloads = stream(emu, chat_body("a cat [emulator:nolink]"))
    assert payloads[-1] == "[DONE]"
    assert not any(LINK.search(t) for t in contents(payloads))


def test_cut_stream_ends_without_done(fast: Emulator) -> None:
    emu = fast
    conn, path = connect(emu.base_url + "/chat/completions")
    body = json.dumps(chat_body("a cat [emulator:cut]")).encode()
    conn.request("POST", path, body, {"Authorization": "Bearer sk-x",
                                      "Content-Type": "application/json"})
    resp = conn.getresponse()
    assert resp.status == 200
    with pytest.raises(http.client.IncompleteRead) as info:
        resp.read()
    conn.close()
    partial = info.value.partial.decode()
    assert "Progress" in partial and "[DONE]" not in partial


def test_cut_without_streaming_drops_the_connection(fast: Emulator) -> None:
    emu = fast
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        post_json(emu, chat_body("[emulator:cut]", stream=False), "/chat/completions")


def test_cdn_needs_no_auth_and_supports_ranges(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_seconds=0, gen_seconds=0)
    link = LINK.search(contents(stream(emu, chat_body()))[-1])
    assert link
    url = link.group(1)
    whole = clip_bytes("720x1280-10s.mp4")
    plain = call("GET", url, token=None)
    ranged = call("GET", url, headers={"Range": "bytes=10-19"}, token="sk-leaked")
    assert plain.status == 200 and plain.body == whole
    assert ranged.status == 206 and ranged.body == whole[10:20]
    assert call("GET", url, headers={"Range": f"bytes={len(whole)}-"}, token=None).status == 416
    cdn = [r for r in emu.stats()["requests"] if r["route"] == "cdn"]
    assert [r["authorization"] for r in cdn] == [False, True, False]
    assert call("GET", emu.cdn_url + "/assets/sora/nope.mp4", token=None).status == 404


def test_cdn_faults(make_emulator: Callable[..., Emulator]) -> None:
    emu = make_emulator(queue_seconds=0, gen_seconds=0)
    link = LINK.search(contents(stream(emu, chat_body()))[-1])
    assert link
    url = link.group(1)
    emu.add_fault(route="cdn", status=503, retry_after="1")
    reply = call("GET", url, token=None)
    assert (reply.status, reply.headers["retry-after"]) == (503, "1")


def test_chat_fault_cuts_the_stream(emu: Emulator) -> None:
    emu.add_fault(route="chat", action="truncate")
    conn, path = connect(emu.base_url + "/chat/completions")
    conn.request("POST", path, json.dumps(chat_body()).encode(),
                 {"Authorization": "Bearer sk-x", "Content-Type": "application/json"})
    resp = conn.getresponse()
    with pytest.raises(http.client.IncompleteRead):
        resp.read()
    conn.close()


def test_openai_profile_has_no_sync_api(oai: Emulator) -> None:
    assert post_json(oai, chat_body(), "/chat/completions").status == 404
