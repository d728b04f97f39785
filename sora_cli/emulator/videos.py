"""The async videos API (`/v1/videos`): create, status, content, and OpenAI's extras.

Faithful to reference/laozhang-async-api.txt, reference/openai-videos-openapi.yaml and
reference/live-video-apis.md (Muse, gateways); the profile and the model's catalog entry
decide what is allowed and how objects look.
"""

from __future__ import annotations

from typing import Any

from .catalog import check_not_retired, find_model, unknown_model
from .config import DAY
from .context import Context
from .forms import BodyError, media_type, parse_json_object, parse_multipart
from .media import MediaBody, clip_bytes
from .request import Request
from .resources import created, model_of, status, video_resource
from .responses import Rejected, Response, error_response, json_response, ranged, reject
from .sources import check_source
from .state import COMPLETED, FAILED, Snapshot
from .validation import check_frames, check_prompt, create_params, requested_model

PREVIEWS = {"thumbnail": ("thumbnail.webp", "image/webp"),
            "spritesheet": ("spritesheet.jpg", "image/jpeg")}
LIST_DEFAULT_LIMIT = 20


FILE_FIELDS = ("input_reference", "last_frame")  # kept as parts, even when sent as text
BODY_TYPES = {"multipart": "multipart/form-data", "json": "application/json"}


def read_fields(ctx: Context, req: Request) -> tuple[str, dict[str, Any]]:
    """("multipart" | "json", form fields) of a create/remix body, in a form the profile takes."""
    mime, params = media_type(req.header("content-type"))
    bodies = ctx.profile.bodies
    try:
        if mime == BODY_TYPES["multipart"] and "multipart" in bodies:
            parts = parse_multipart(req.body, params.get("boundary", ""))
            return "multipart", {name: part if part.filename is not None or name in FILE_FIELDS
                                 else part.text for name, part in parts.items()}
        if mime == BODY_TYPES["json"] and "json" in bodies:
            return "json", parse_json_object(req.body)
    except BodyError as err:
        raise reject(400, str(err), code="invalid_body") from err
    if "multipart" not in bodies:  # JSON-only: 415 Unsupported Media Type names the fault
        raise _unsupported_body(mime, bodies, 415, " only (images as data: URLs)")
    raise _unsupported_body(mime, bodies, 400)


def _unsupported_body(mime: str, bodies: tuple[str, ...], code: int, whom: str = "") -> Rejected:
    wanted = " or ".join(BODY_TYPES[b] for b in bodies)
    return Rejected(error_response(
        code, f"Unsupported Content-Type '{mime or 'none'}': this endpoint expects {wanted}"
        f"{whom}.", code="unsupported_content_type"))


def create(ctx: Context, req: Request) -> Response:
    """POST /v1/videos: validate, then store a task that runs on the clock."""
    kind, fields = read_fields(ctx, req)
    model_id = requested_model(ctx.profile, fields)
    check_not_retired(ctx, model_id)
    model = find_model(ctx, model_id)
    if model is None:
        raise unknown_model(ctx, model_id)
    if kind not in model.bodies:
        mime = BODY_TYPES[kind]
        raise _unsupported_body(mime, model.bodies, 400, f" for model {model.id}")
    params = create_params(model, fields)
    check_frames(model, fields, params.size)
    check_source(ctx, model, fields.get("video_url"), params.seconds)
    key = req.header("idempotency-key") if ctx.config.honour_idempotency else None
    if key:
        earlier = ctx.store.by_idempotency_key(key)
        if earlier is not None:
            return json_response(created(ctx, earlier))
    snap = ctx.store.create(model=model.id, prompt=params.prompt, size=params.size,
                            seconds=params.seconds, idempotency_key=key,
                            ttl_seconds=ctx.ttl(model))
    ctx.stats.count_create(params.prompt)
    return json_response(created(ctx, snap))


def find(ctx: Context, task_id: str) -> Snapshot:
    """The live task, or a 404 that tells an expired task from an unknown one."""
    snap = ctx.store.get(task_id)
    if snap is not None:
        return snap
    lifetime = ctx.store.lifetime(task_id)
    if lifetime is not None:
        raise reject(404, f"Video '{task_id}' has expired: tasks and videos are kept for "
                     f"{_duration(lifetime)}.", param="video_id", code="video_expired")
    raise reject(404, f"No video found with id '{task_id}'.", param="video_id",
                 code="video_not_found")


def _duration(seconds: float) -> str:
    """'24 hours', '7 days', '0.2 seconds'."""
    if seconds >= 2 * DAY and seconds % DAY == 0:
        return f"{int(seconds // DAY)} days"
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} hours"
    return f"{seconds:g} seconds"


def get_status(ctx: Context, req: Request, task_id: str) -> Response:
    """GET /v1/videos/{id}."""
    return json_response(status(ctx, find(ctx, task_id)))


def content(ctx: Context, req: Request, task_id: str) -> Response:
    """GET /v1/videos/{id}/content: the MP4 (with Range), or an OpenAI preview variant."""
    snap = find(ctx, task_id)
    if snap.status != COMPLETED:
        shown = status(ctx, snap)["status"]
        raise reject(400, f"Video is not ready yet: its status is '{shown}' (progress "
                     f"{snap.progress}%). Wait until it is 'completed'.", param="video_id",
                     code="video_not_ready")
    modified = snap.completed_at or snap.task.created_at
    variant = req.param("variant") if ctx.profile.extras else None
    if variant in (None, "video"):
        media = ctx.video(snap.task.size, snap.task.seconds)
        return ranged(req, media, "video/mp4", task_id, modified)
    if variant not in PREVIEWS:
        raise reject(400, f"Invalid value: '{variant}'. Supported values are: 'video', "
                     "'thumbnail', and 'spritesheet'.", param="variant", code="invalid_value")
    name, content_type = PREVIEWS[variant]
    return ranged(req, MediaBody.padded(clip_bytes(name), None), content_type,
                  f"{task_id}-{variant}", modified)


def list_videos(ctx: Context, req: Request) -> Response:
    """GET /v1/videos (openai): newest first by default, cursor `after`."""
    limit_text = req.param("limit") or str(LIST_DEFAULT_LIMIT)
    if not limit_text.isdigit() or int(limit_text) > 100:
        raise reject(400, f"Invalid 'limit': '{limit_text}'. Expected an integer from 0 to 100.",
                     param="limit", code="invalid_value")
    order = req.param("order") or "desc"
    if order not in ("asc", "desc"):
        raise reject(400, f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                     param="order", code="invalid_value")
    snaps = ctx.store.all()
    if order == "desc":
        snaps.reverse()
    after = req.param("after")
    if after is not None:
        ids = [s.task.id for s in snaps]
        snaps = snaps[ids.index(after) + 1:] if after in ids else []
    limit = int(limit_text)
    page = snaps[:limit]
    data = [video_resource(model_of(ctx, s), s) for s in page]
    return json_response({
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": len(snaps) > limit,
    })


def delete(ctx: Context, req: Request, task_id: str) -> Response:
    """DELETE /v1/videos/{id} (openai): only a completed or failed video."""
    snap = find(ctx, task_id)
    if snap.status not in (COMPLETED, FAILED):
        raise reject(400, f"Video '{task_id}' is still {snap.status}: only completed or failed "
                     "videos can be deleted.", param="video_id", code="invalid_state")
    ctx.store.delete(task_id)
    return json_response({"object": "video.deleted", "deleted": True, "id": task_id})


def remix(ctx: Context, req: Request, task_id: str) -> Response:
    """POST /v1/videos/{id}/remix (openai): a new task from a completed one and a new prompt."""
    source = find(ctx, task_id)
    _, fields = read_fields(ctx, req)
    prompt = fields.get("prompt")
    if prompt is None:
        raise reject(400, "Missing required parameter: 'prompt'.", param="prompt",
                     code="missing_required_parameter")
    if not isinstance(prompt, str):
        raise reject(400, "Invalid type for 'prompt': expected a string.", param="prompt",
                     code="invalid_type")
    check_prompt(prompt)
    if source.status != COMPLETED:
        raise reject(400, f"Video '{task_id}' is not completed: only completed videos can be "
                     "remixed.", param="video_id", code="invalid_state")
    original = source.task
    snap = ctx.store.create(model=original.model, prompt=prompt, size=original.size,
                            seconds=original.seconds, remixed_from=task_id,
                            ttl_seconds=original.ttl_seconds)
    ctx.stats.count_create(prompt)
    return json_response(created(ctx, snap))
