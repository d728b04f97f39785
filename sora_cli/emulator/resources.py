"""Tasks rendered as each profile's JSON objects.

laozhang's status object differs from its create response and has no `expires_at`
(reference/laozhang-async-api.txt, "Query Task Status"); OpenAI's VideoResource always carries
every field, null where unset (reference/openai-videos-openapi.yaml).
"""

from __future__ import annotations

from typing import Any

from .config import Profile
from .state import QUEUED, Snapshot


def status_name(profile: Profile, snap: Snapshot) -> str:
    """The profile's spelling of the task's status."""
    return profile.queued_status if snap.status == QUEUED else snap.status


def created(profile: Profile, snap: Snapshot) -> dict[str, Any]:
    """Body of a 200 answer to a create (or remix) call."""
    if profile.full_resource:
        return video_resource(profile, snap)
    task = snap.task
    return {
        "id": task.id,
        "object": profile.create_object,
        "model": task.model,
        "status": status_name(profile, snap),
        "created_at": task.created_at,
        "expires_at": snap.expires_at,
        "size": task.size,
        "seconds": task.seconds,
        "prompt": task.prompt,
    }


def status(profile: Profile, snap: Snapshot) -> dict[str, Any]:
    """Body of `GET /v1/videos/{id}`."""
    if profile.full_resource:
        return video_resource(profile, snap)
    task = snap.task
    body: dict[str, Any] = {
        "id": task.id,
        "object": "video",
        "model": task.model,
        "status": status_name(profile, snap),
        "progress": snap.progress,
        "created_at": task.created_at,
    }
    if snap.status == "completed":
        body["url"] = f"/v1/videos/{task.id}/content"
        body["completed_at"] = snap.completed_at
    if snap.status == "failed":
        body["error"] = dict(snap.error or {})
    return body


def video_resource(profile: Profile, snap: Snapshot) -> dict[str, Any]:
    """OpenAI's VideoResource with all required fields."""
    task = snap.task
    return {
        "id": task.id,
        "object": "video",
        "model": task.model,
        "status": status_name(profile, snap),
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
