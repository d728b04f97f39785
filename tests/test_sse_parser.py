"""The sync API's stream read by meaning (sora_cli.sse), and immune to how bytes are cut."""

# Fullwidth CJK punctuation is what the reseller's Chinese messages really use.
# ruff: noqa: RUF001

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator

import httpx
import pytest
from httpx_sse import EventSource
from hypothesis import given, settings
from hypothesis import strategies as st

from sora_cli.sse import (
    ContentParser,
    Event,
    Kind,
    SyncStreamDecoder,
    classify_line,
    clean_text,
    video_url,
)

# The content messages of reference/laozhang-sync-api.txt, "Streaming Output Format".
ECHO = '```json\n{\n    "prompt": "A happy cat",\n    "mode": "Vertical Mode"\n}\n```\n\n'
QUEUE = "> ⌛️ Task is in queue, please wait patiently...\n\n"
PROGRESS = "> 🏃 Progress: 36.0%\n\n"
LINK = "https://sora.gptkey.asia/assets/sora/xxx.mp4"
SUCCESS = f"> ✅ Video generated successfully, [Click here]({LINK}) to view video~~~\n\n"
REFERENCE = [ECHO, QUEUE, PROGRESS, SUCCESS]


def kinds(events: list[Event]) -> list[Kind]:
    return [e.kind for e in events]


def parse_text(text: str) -> list[Event]:
    parser = ContentParser()
    return parser.feed(text) + parser.finish()


# ---------------------------------------------------------------- lines, by meaning


def test_reference_messages() -> None:
    events = parse_text("".join(REFERENCE))
    assert kinds(events) == [Kind.QUEUED, Kind.PROGRESS, Kind.SUCCESS]
    assert events[0].text == "Task is in queue, please wait patiently..."
    assert events[1].percent == 36.0 and events[1].text == "Progress: 36.0%"
    assert events[2].url == LINK


@pytest.mark.parametrize(
    ("line", "kind", "percent"),
    [
        ("> 🏃 进度: 36%", Kind.PROGRESS, 36.0),
        ("进度：72.5％", Kind.PROGRESS, 72.5),
        ("Generating... 99 %", Kind.PROGRESS, 99.0),
        ("Progress 36,5%", Kind.PROGRESS, 36.5),
        ("> ⏳ 排队中，请耐心等待", Kind.QUEUED, None),
        ("Queued (position 3)", Kind.QUEUED, None),
        ("> ❌ Generation failed: content violates policy", Kind.FAILURE, None),
        ("> ❌ 生成失败：内容违规", Kind.FAILURE, None),
        ("Error: upstream timeout at 40%", Kind.FAILURE, None),
        ("Your request was rejected by the safety system", Kind.FAILURE, None),
        ("> 🎬 Rendering the final frames", Kind.MESSAGE, None),
    ],
)
def test_lines_are_read_by_meaning(line: str, kind: Kind, percent: float | None) -> None:
    event = classify_line(line)
    assert event is not None and event.kind is kind and event.percent == percent


@pytest.mark.parametrize(
    ("line", "url"),
    [
        (f"✅ 视频生成成功，[点击这里]({LINK})查看", LINK),
        (f"Done: {LINK}", LINK),
        (f"视频地址：{LINK}。", LINK),
        ("<https://cdn.example/v/abc.MP4?sig=x1&e=2>", "https://cdn.example/v/abc.MP4?sig=x1&e=2"),
        (
            "http://127.0.0.1:8001/assets/sora/ab12.mp4 ready",
            "http://127.0.0.1:8001/assets/sora/ab12.mp4",
        ),
    ],
)
def test_video_links_in_any_wording(line: str, url: str) -> None:
    event = classify_line(line)
    assert event is not None and event.kind is Kind.SUCCESS and event.url == url


@pytest.mark.parametrize(
    "line",
    ["see https://example.com/page", "ftp://host/v.mp4", "https://x/v.mp4.html", "v.mp4"],
)
def test_things_that_are_not_video_links(line: str) -> None:
    assert video_url(line) is None


def test_blank_lines_and_clean_text() -> None:
    assert classify_line("   ") is None and classify_line("> ") is None
    assert clean_text("> ✅ Done") == "Done"
    assert clean_text("  > > 进度 5%  ") == "进度 5%"


def test_the_prompt_echo_is_not_read() -> None:
    echo = (
        '```json\n{\n    "prompt": "an error screen: failed 50% https://x/y.mp4",\n'
        '    "mode": "Vertical Mode"\n}\n```\n\n'
    )
    assert parse_text(echo + QUEUE) == [classify_line(QUEUE)]


def test_an_unclosed_echo_ends_at_the_first_quoted_message() -> None:
    events = parse_text('```json\n{"prompt": "failed"}\n\n' + QUEUE + PROGRESS)
    assert kinds(events) == [Kind.QUEUED, Kind.PROGRESS]


def test_lines_split_anywhere_and_the_remainder_at_the_end() -> None:
    parser = ContentParser()
    assert parser.feed("> 🏃 Prog") == []
    assert kinds(parser.feed("ress: 5%\n> ✅ [x](https://c/v.mp4)")) == [Kind.PROGRESS]
    assert kinds(parser.finish()) == [Kind.SUCCESS]


# ---------------------------------------------------------------- chunks


def chunk(content: str | None = None, **extra: object) -> str:
    delta = {} if content is None else {"content": content}
    body: dict[str, object] = {
        "id": "foaicmpl-1",
        "object": "chat.completion.chunk",
        "model": "sora_video2",
        "choices": [{"index": 0, "delta": delta, "finish_reason": None}],
    }
    body.update(extra)
    return json.dumps(body, ensure_ascii=False)


def test_decoder_keeps_id_usage_link_and_end() -> None:
    decoder = SyncStreamDecoder()
    decoder.feed(chunk())
    assert decoder.completion_id == "foaicmpl-1" and not decoder.ended
    for text in REFERENCE:
        decoder.feed(chunk(text))
    usage = {"prompt_tokens": 17, "completion_tokens": 244, "total_tokens": 261}
    decoder.feed(
        json.dumps(
            {
                "id": "foaicmpl-1",
                "choices": [{"delta": {}, "finish_reason": "stop"}],
                "usage": usage,
            }
        )
    )
    decoder.feed("[DONE]")
    assert decoder.saw_done and decoder.ended and decoder.usage == usage
    assert decoder.link == LINK and decoder.failure is None
    assert decoder.last_text is not None and decoder.last_text.startswith("Video generated")


def test_decoder_error_objects_and_noise() -> None:
    decoder = SyncStreamDecoder()
    assert decoder.feed("not json").events == [] and decoder.feed("[1, 2]").events == []
    update = decoder.feed(json.dumps({"error": {"message": "> 余额不足", "code": "x"}}))
    assert kinds(update.events) == [Kind.FAILURE] and decoder.failure == "余额不足"
    assert decoder.bad_events == 2 and decoder.link is None


def test_decoder_reads_a_whole_unstreamed_completion() -> None:
    decoder = SyncStreamDecoder()
    whole = {
        "id": "foaicmpl-2",
        "object": "chat.completion",
        "choices": [{"message": {"content": "".join(REFERENCE)}, "finish_reason": "stop"}],
    }
    update = decoder.feed(json.dumps(whole))
    assert kinds(update.events + decoder.finish()) == [Kind.QUEUED, Kind.PROGRESS, Kind.SUCCESS]
    assert decoder.ended and decoder.link == LINK


# ---------------------------------------------------------------- cut anywhere (Hypothesis)

MESSAGES = st.sampled_from(
    [
        QUEUE,
        PROGRESS,
        SUCCESS,
        "> 🏃 进度: 36%\n\n",
        "> ⏳ 排队中…\n",
        "> ❌ 生成失败：内容违规\n\n",
        f"视频：{LINK}\n",
        "plain words, no newline at the end",
    ]
)
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def sse_bytes(deltas: list[str], newline: str) -> bytes:
    """The reference's stream around `deltas`: role chunk, content chunks, stop, [DONE]."""
    datas = [chunk(None)] + [chunk(d) for d in deltas]
    datas.append(
        json.dumps(
            {
                "id": "foaicmpl-1",
                "choices": [{"delta": {}, "finish_reason": "stop"}],
                "usage": {"total_tokens": 261},
            }
        )
    )
    datas.append("[DONE]")
    return "".join(f"data: {d}{newline}{newline}" for d in datas).encode("utf-8")


def decode(pieces: Iterator[bytes]) -> tuple[list[Event], str, SyncStreamDecoder]:
    """Through httpx-sse, as the client reads a streamed response, then our decoder."""
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=pieces)
    decoder = SyncStreamDecoder()
    events: list[Event] = []
    text = ""
    for sse in EventSource(response).iter_sse():
        update = decoder.feed(sse.data)
        events += update.events
        text += update.text
    return events + decoder.finish(), text, decoder


def split(data: str | bytes, cuts: list[int]) -> list[int]:
    return sorted({c % (len(data) + 1) for c in cuts})


@settings(max_examples=300, deadline=None)
@given(
    messages=st.lists(st.one_of(MESSAGES, ANY_TEXT), max_size=8),
    delta_cuts=st.lists(st.integers(min_value=0), max_size=8),
    byte_cuts=st.lists(st.integers(min_value=0), max_size=12),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_events_do_not_depend_on_how_the_stream_is_cut(
    messages: list[str], delta_cuts: list[int], byte_cuts: list[int], newline: str
) -> None:
    content = "".join(messages)
    # the content cut into deltas anywhere (mid-line, mid-emoji)...
    bounds = [0, *split(content, delta_cuts), len(content)]
    deltas = [content[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    raw = sse_bytes(deltas, newline)
    # ...and the bytes of the stream cut anywhere, multi-byte UTF-8 sequences included
    offsets = [0, *split(raw, byte_cuts), len(raw)]
    pieces = [raw[a:b] for a, b in itertools.pairwise(offsets) if b > a]

    whole_events, whole_text, whole = decode(iter([raw]))
    cut_events, cut_text, cut = decode(iter(pieces))

    assert cut_events == whole_events == parse_text(content)
    assert cut_text == whole_text == content
    assert (cut.completion_id, cut.link, cut.usage, cut.saw_done) == (
        whole.completion_id,
        whole.link,
        whole.usage,
        True,
    )
