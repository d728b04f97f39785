"""Tasks rendered as each profile's and model's JSON objects.

laozhang's sora-2 status object differs from its create response and has no `expires_at`
(reference/laozhang-async-api.txt, "Query Task Status"); Muse and gateways add the link on
the CDN origin under their own field name (reference/live-video-apis.md, 1.5); OpenAI's
VideoResource always carries every field, null where unset (reference/openai-videos-openapi.yaml).
"""

from __future__ import annotations

from typing import Any

from .config import Model
from .context import Context
from .links import TASK, link
from .state import COMPLETED, FAILED, IN_PROGRESS, QUEUED, Snapshot


def model_of(ctx: Context, snap: Snapshot) -> Model:
    """The catalog entry of the task's model (a bare entry if the catalog lost it)."""
    return ctx.profile.model(snap.task.model) or Model(id=snap.task.model, owned_by="")


def status_name(model: Model, snap: Snapshot) -> str:
    """The model's word for the task's status."""
    words = model.statuses
    names = {QUEUED: words.queued, IN_PROGRESS: words.running, COMPLETED: words.completed,
             FAILED: words.failed}
    return names.get(snap.status, snap.status)


def created(ctx: Context, snap: Snapshot) -> dict[str, Any]:
    """Body of a 200 answer to a create (or remix) call."""
    model = model_of(ctx, snap)
    if ctx.profile.full_resource:
        return video_resource(model, snap)
    task = snap.task
    return {
        "id": task.id,
        "object": model.create_object,
        "model": task.model,
        "status": status_name(model, snap),
        "created_at": task.created_at,
        "expires_at": snap.expires_at,
        "size": task.size or None,
        "seconds": task.seconds or None,
        "prompt": task.prompt,
    }


def status(ctx: Context, snap: Snapshot) -> dict[str, Any]:
    """Body of `GET /v1/videos/{id}`."""
    model = model_of(ctx, snap)
    if ctx.profile.full_resource:
        return video_resource(model, snap)
    task = snap.task
    body: dict[str, Any] = {
        "id": task.id,
        "object": "video",
        "model": task.model,
        "status": status_name(model, snap),
        "progress": snap.progress,
        "created_at": task.created_at,
    }
    extras = {"seconds": task.seconds or None, "size": task.size or None,
              "expires_at": snap.expires_at}
    body.update((name, extras[name]) for name in model.status_fields)
    if snap.status == COMPLETED:
        body[model.link_field] = (link(ctx.cdn_url, TASK, task.id) if model.link_on_cdn
                                  else f"/v1/videos/{task.id}/content")
        body["completed_at"] = snap.completed_at
    if snap.status == FAILED:
        body["error"] = dict(snap.error or {})
    return body


def video_resource(model: Model, snap: Snapshot) -> dict[str, Any]:
    """OpenAI's VideoResource with all required fields."""
    task = snap.task
    return {
        "id": task.id,
        "object": "video",
        "model": task.model,
        "status": status_name(model, snap),
        "progress": snap.progress,
        "created_at": task.created_at,
        "completed_at": snap.completed_at,
        "expires_at": snap.expires_at,
        "prompt": task.prompt,
        "size": task.size,
        "seconds": task.seconds,
        "remixed_from_video_id": task.remixed_from,
        "error": dict(snap.error) if snap.error else None,
    }
