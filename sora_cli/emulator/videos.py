"""The async videos API (`/v1/videos`): create, status, content, and OpenAI's extras.

Faithful to reference/laozhang-async-api.txt and reference/openai-videos-openapi.yaml; the
profile decides what is allowed and how objects look.
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .forms import BodyError, media_type, parse_json_object, parse_multipart
from .media import MediaBody, clip_bytes
from .request import Request
from .resources import created, status, video_resource
from .responses import Response, json_response, ranged, reject
from .state import COMPLETED, FAILED, Snapshot
from .validation import check_prompt, check_reference, create_params

PREVIEWS = {"thumbnail": ("thumbnail.webp", "image/webp"),
            "spritesheet": ("spritesheet.jpg", "image/jpeg")}
LIST_DEFAULT_LIMIT = 20


def read_fields(ctx: Context, req: Request) -> dict[str, Any]:
    """Form fields of a create/remix body: multipart always, JSON where the profile allows."""
    mime, params = media_type(req.header("content-type"))
    try:
        if mime == "multipart/form-data":
            parts = parse_multipart(req.body, params.get("boundary", ""))
            return {name: part if part.filename is not None or name == "input_reference"
                    else part.text for name, part in parts.items()}
        if mime == "application/json" and ctx.profile.accepts_json:
            return parse_json_object(req.body)
    except BodyError as err:
        raise reject(400, str(err), code="invalid_body") from err
    wanted = "multipart/form-data or application/json" if ctx.profile.accepts_json \
        else "multipart/form-data"
    raise reject(400, f"Unsupported Content-Type '{mime or 'none'}': this endpoint expects "
                 f"{wanted}.", code="unsupported_content_type")


def create(ctx: Context, req: Request) -> Response:
    """POST /v1/videos: validate, then store a task that runs on the clock."""
    profile = ctx.profile
    fields = read_fields(ctx, req)
    params = create_params(profile, fields)
    if fields.get("input_reference") is not None:
        check_reference(profile, fields["input_reference"], params.size)
    key = req.header("idempotency-key") if ctx.config.honour_idempotency else None
    if key:
        earlier = ctx.store.by_idempotency_key(key)
        if earlier is not None:
            return json_response(created(profile, earlier))
    snap = ctx.store.create(model=params.model, prompt=params.prompt, size=params.size,
                            seconds=params.seconds, idempotency_key=key)
    ctx.stats.count_create(params.prompt)
    return json_response(created(profile, snap))


def find(ctx: Context, task_id: str) -> Snapshot:
    """The live task, or a 404 that tells an expired task from an unknown one."""
    snap = ctx.store.get(task_id)
    if snap is not None:
        return snap
    if ctx.store.known(task_id):
        raise reject(404, f"Video '{task_id}' has expired: tasks and videos are kept for 24 "
                     "hours.", param="video_id", code="video_expired")
    raise reject(404, f"No video found with id '{task_id}'.", param="video_id",
                 code="video_not_found")


def get_status(ctx: Context, req: Request, task_id: str) -> Response:
    """GET /v1/videos/{id}."""
    return json_response(status(ctx.profile, find(ctx, task_id)))


def content(ctx: Context, req: Request, task_id: str) -> Response:
    """GET /v1/videos/{id}/content: the MP4 (with Range), or an OpenAI preview variant."""
    snap = find(ctx, task_id)
    if snap.status != COMPLETED:
        shown = status(ctx.profile, snap)["status"]
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
    data = [video_resource(ctx.profile, s) for s in page]
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
    fields = read_fields(ctx, req)
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
                            seconds=original.seconds, remixed_from=task_id)
    ctx.stats.count_create(prompt)
    return json_response(created(ctx.profile, snap))
