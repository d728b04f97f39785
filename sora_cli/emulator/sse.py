"""The sync API: `POST /v1/chat/completions`, streamed as server-sent events.

The chunk sequence and text follow reference/laozhang-sync-api.txt ("Streaming Output
Format") byte for byte: role chunk, the ```json prompt/mode block, the queue message, progress
lines, the success line with a markdown link to the CDN origin, a stop chunk with usage, then
`data: [DONE]`. Magic words in the prompt rehearse the ways a real stream goes wrong.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

from . import links
from .catalog import check_not_retired
from .config import SYNC_MODELS
from .context import Context
from .forms import BodyError, parse_json_object
from .images import decode_data_url, sniff
from .request import Request
from .responses import EventPlan, Response, json_response, reject
from .state import MAGIC_VIOLATION

MAGIC_REFUSE = "[emulator:refuse]"
MAGIC_CUT = "[emulator:cut]"
MAGIC_NOLINK = "[emulator:nolink]"

QUEUE_TEXT = "> ⌛️ Task is in queue, please wait patiently...\n\n"
PROGRESS_TEXT = "> 🏃 Progress: {:.1f}%\n\n"
SUCCESS_TEXT = "> ✅ Video generated successfully, [Click here]({}) to view video~~~\n\n"
REFUSE_TEXT = "> ❌ Generation failed: content violates policy\n\n"
MAX_PROGRESS_PER_SECOND = 2  # "a few per second at most"
MAX_PROGRESS_LINES = 60


@dataclass(frozen=True)
class ChatInput:
    """A valid chat request."""

    model: str
    prompt: str
    stream: bool


def parse_chat(req: Request) -> ChatInput:
    """Validate model, messages (one text part, at most one image) and stream."""
    try:
        body = parse_json_object(req.body)
    except BodyError as err:
        raise reject(400, str(err), code="invalid_body") from err
    model = body.get("model")
    if not isinstance(model, str) or model not in SYNC_MODELS:
        raise reject(400, f"Invalid model '{model}': supported models are "
                     f"{', '.join(SYNC_MODELS)}.", param="model", code="model_not_found")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise reject(400, "'messages' must be a non-empty array.", param="messages",
                     code="invalid_value")
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        raise reject(400, "'messages' needs a message with role 'user'.", param="messages",
                     code="invalid_value")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise reject(400, "'stream' must be a boolean.", param="stream", code="invalid_type")
    return ChatInput(model, _prompt(users[-1].get("content")), stream)


def _prompt(content: object) -> str:
    """The text of the user message; an image part is checked, never fetched."""
    parts = [{"type": "text", "text": content}] if isinstance(content, str) else content
    if not isinstance(parts, list):
        raise reject(400, "Message content must be a string or an array of parts.",
                     param="messages", code="invalid_type")
    texts = [p.get("text") for p in parts if isinstance(p, dict) and p.get("type") == "text"]
    images = [p.get("image_url") for p in parts
              if isinstance(p, dict) and p.get("type") == "image_url"]
    prompt = "\n".join(t for t in texts if isinstance(t, str)).strip()
    if not prompt:
        raise reject(400, "The message needs a non-empty text part (the prompt).",
                     param="messages", code="invalid_value")
    if len(images) > 1:
        raise reject(400, "At most one image_url part is supported.", param="messages",
                     code="invalid_value")
    if images:
        _check_image_url(images[0])
    return prompt


def _check_image_url(value: object) -> None:
    url = value.get("url") if isinstance(value, dict) else value
    if not isinstance(url, str):
        raise reject(400, "image_url needs a 'url'.", param="messages", code="invalid_value")
    if url.startswith(("http://", "https://")):
        return
    data = decode_data_url(url)
    if data is None:
        raise reject(400, "image_url must be an http(s) URL or a data:image/...;base64, URL.",
                     param="messages", code="invalid_value")
    if sniff(data) is None:
        raise reject(400, "The image is not a JPEG, PNG or WebP file.", param="messages",
                     code="unsupported_file")


def chat(ctx: Context, req: Request) -> Response:
    """POST /v1/chat/completions (laozhang profile)."""
    chat_input = parse_chat(req)
    check_not_retired(ctx, chat_input.model)
    size, seconds = SYNC_MODELS[chat_input.model]
    queue, gen = ctx.config.queue_seconds, ctx.config.gen_seconds
    prompt = chat_input.prompt
    fate = next((w for w in (MAGIC_REFUSE, MAGIC_CUT, MAGIC_NOLINK) if w in prompt), "")
    if MAGIC_VIOLATION in prompt:
        fate = MAGIC_REFUSE
    link = ""
    if not fate:
        video_id = ctx.store.add_link(size=size, seconds=seconds, ready_in=queue + gen)
        link = links.link(ctx.cdn_url, links.SYNC, video_id)
    ctx.stats.count_create(prompt)
    script = _script(prompt, size, queue, gen, fate, link)
    completion_id = "foaicmpl-" + secrets.token_hex(14)
    created_at = int(time.time())
    if chat_input.stream:
        return _streamed(chat_input.model, completion_id, created_at, prompt, script, fate)
    return _whole(ctx, chat_input.model, completion_id, created_at, prompt, script, fate)


def _script(prompt: str, size: str, queue: float, gen: float, fate: str,
            link: str) -> list[tuple[float, str]]:
    """(offset in seconds, content text) for every content chunk of the answer."""
    mode = "Vertical Mode" if size == "720x1280" else "Landscape Mode"
    block = json.dumps({"prompt": prompt, "mode": mode}, indent=4, ensure_ascii=False)
    script = [(0.0, f"```json\n{block}\n```\n\n"), (0.0, QUEUE_TEXT)]
    if fate == MAGIC_REFUSE:
        return [*script, (queue, REFUSE_TEXT)]
    lines = max(1, min(MAX_PROGRESS_LINES, int(gen * MAX_PROGRESS_PER_SECOND)))
    for k in range(1, lines + 1):
        share = k / (lines + 1)
        script.append((queue + gen * share, PROGRESS_TEXT.format(100 * share)))
    if fate == MAGIC_CUT:
        return script[: 2 + max(1, lines // 2)]
    if fate != MAGIC_NOLINK:
        script.append((queue + gen, SUCCESS_TEXT.format(link)))
    return script


def _usage(prompt: str, content: str) -> dict[str, int]:
    prompt_tokens = max(1, len(prompt) // 4) + 8
    completion_tokens = max(1, len(content) // 4)
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def _event(value: dict[str, Any] | str) -> bytes:
    text = value if isinstance(value, str) else json.dumps(
        value, ensure_ascii=False, separators=(",", ":"))
    return f"data: {text}\n\n".encode()


def _streamed(model: str, completion_id: str, created_at: int, prompt: str,
              script: list[tuple[float, str]], fate: str) -> Response:
    def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, Any]:
        return {"id": completion_id, "object": "chat.completion.chunk", "created": created_at,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

    events = [(0.0, _event(chunk({"role": "assistant"})))]
    events += [(at, _event(chunk({"content": text}))) for at, text in script]
    if fate == MAGIC_CUT:
        return Response(content_type="text/event-stream", events=EventPlan(events, abort=True),
                        headers={"Cache-Control": "no-cache"})
    final = chunk({}, "stop")
    final["usage"] = _usage(prompt, "".join(text for _, text in script))
    end = script[-1][0]
    events += [(end, _event(final)), (end, _event("[DONE]"))]
    return Response(content_type="text/event-stream", events=EventPlan(events),
                    headers={"Cache-Control": "no-cache"})


def _whole(ctx: Context, model: str, completion_id: str, created_at: int, prompt: str,
           script: list[tuple[float, str]], fate: str) -> Response:
    """stream=false: hold the request until generation ends, then answer once."""
    if ctx.sleep(script[-1][0]) or fate == MAGIC_CUT:
        return Response(drop=True)
    content = "".join(text for _, text in script)
    return json_response({
        "id": completion_id, "object": "chat.completion", "created": created_at, "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": _usage(prompt, content),
    })
