"""The Volcengine Ark task dialect (Seedance on laozhang), behind the same `VideoApi`.

Shape (reference/live-video-apis.md section 3, Ark's public task docs):
`POST contents/generations/tasks` with `model`, a `content[]` array (one text item, then
`image_url` items whose `role` is `first_frame`, `last_frame` or `reference_image`),
`ratio`, `resolution`, `duration`, `generate_audio`, `seed`; it answers `{"id": ...}` only.
`GET contents/generations/tasks/{id}` answers `queued` / `running` / `succeeded` / `failed` /
`expired` / `cancelled`, no progress, the video at `content.video_url` (signed, ~24 h, no
key needed) and `usage` tokens once done. The reseller also serves the finished video at
`GET {origin}/v1/videos/{id}/content`, the fallback when the signed link refuses.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

from sora_cli import errors
from sora_cli.api import (
    CREATE_WHAT,
    STATUS_WHAT,
    CreateRequest,
    ImageUpload,
    Polled,
    explained_create_errors,
    id_segment,
    poll_after_hint,
)
from sora_cli.catalog import ARK_SHAPES
from sora_cli.client import CREATE_POLICY, AsyncHttpCore, HttpCore, PauseGate, Response
from sora_cli.models import Task, _opt_int, id_problem, unusable_id
from sora_cli.profiles import Profile

TASKS_PATH = "contents/generations/tasks"
QUEUED = "queued"  # what a task is the moment its create call is answered


def task_path(task_id: str) -> str:
    """`contents/generations/tasks/<id>`, the id escaped (server ids are not paths)."""
    return f"{TASKS_PATH}/{id_segment(task_id)}"


def compat_content_path(task_id: str) -> str:
    """The reseller's OpenAI-format download route, from the API's origin."""
    return f"/v1/videos/{id_segment(task_id)}/content"


def ratio_and_resolution(request: CreateRequest) -> tuple[str | None, str | None]:
    """What the size means in Ark's terms, unless the request names them itself."""
    ratio, resolution = ARK_SHAPES.get(request.size or "", (None, None))
    return request.ratio or ratio, request.resolution or resolution


def _image_item(image: ImageUpload, role: str) -> dict[str, Any]:
    """A public image goes as its link (reported to work where `data:` URLs did not:
    reference/live-video-apis.md section 6); a local file inline."""
    url = image.source_url or image.data_url()
    return {"type": "image_url", "image_url": {"url": url}, "role": role}


def create_body(request: CreateRequest) -> dict[str, Any]:
    """The JSON body of one create call (local images as `data:` URLs)."""
    content: list[dict[str, Any]] = [{"type": "text", "text": request.prompt}]
    if request.image is not None:
        content.append(_image_item(request.image, "first_frame"))
    if request.last_frame is not None:
        content.append(_image_item(request.last_frame, "last_frame"))
    content += [_image_item(image, "reference_image") for image in request.reference_images]
    body: dict[str, Any] = {"model": request.model, "content": content}
    ratio, resolution = ratio_and_resolution(request)
    if ratio is not None:
        body["ratio"] = ratio
    if resolution is not None:
        body["resolution"] = resolution
    if request.seconds is not None:
        body["duration"] = request.seconds  # an integer, unlike OpenAI's string
    if request.generate_audio is not None:
        body["generate_audio"] = request.generate_audio
    if request.seed is not None:
        body["seed"] = request.seed
    return body


def request_options(request: CreateRequest) -> dict[str, Any]:
    """Body, headers and retry policy of the create call. The Idempotency-Key is not
    documented by Ark; it is sent anyway, so a server that honours it never charges twice."""
    headers = {"Idempotency-Key": request.idempotency_key or str(uuid.uuid4())}
    return {
        "json": create_body(request),
        "headers": headers,
        "policy": CREATE_POLICY,
        "what": CREATE_WHAT,
    }


def created_task(response: Response, request: CreateRequest) -> Task:
    """The task of a create answer (`{"id": ...}`): queued, with what was asked for. An
    answer without an id may still stand for a paid task: the error says so."""
    data = response.data
    task_id = data.get("id") if isinstance(data, dict) else None
    if not isinstance(task_id, str) or not task_id:
        exc = errors.BadContent("the API answered the create call without a task id")
        exc.task_may_exist = True
        raise exc
    if id_problem(task_id):
        exc = unusable_id(task_id)
        exc.task_may_exist = True
        raise exc
    return Task(
        id=task_id,
        status=QUEUED,
        model=request.model,
        prompt=request.prompt,
        size=request.size,
        seconds=str(request.seconds) if request.seconds is not None else None,
        raw=data,
    )


def _size_of(ratio: Any, resolution: Any) -> str | None:
    return next((s for s, shape in ARK_SHAPES.items() if shape == (ratio, resolution)), None)


def parse_task(data: Any, profile: Profile) -> Task:
    """An Ark task object as a `Task`: the answer itself stays in `raw` for `--json`."""
    if not isinstance(data, dict):
        raise errors.BadContent("the API answered something that is not a task object")
    content = data.get("content")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else None
    status = data.get("status")
    final = isinstance(status, str) and status not in (QUEUED, "running")
    normalised = {
        "id": data.get("id"),
        "status": status,
        "progress": data.get("progress"),  # Ark reports none; a gateway might
        "model": data.get("model"),
        "size": _size_of(data.get("ratio"), data.get("resolution")),
        "seconds": data.get("duration"),
        "created_at": data.get("created_at"),
        "completed_at": data.get("updated_at") if final else None,
        "content": content if isinstance(content, dict) else None,
        "error": data.get("error"),
    }
    task = Task.from_json(normalised)
    entry = profile.entry(task.model)
    tokens = _opt_int(usage, "total_tokens") if usage else None
    charge = entry.charge(tokens) if entry is not None else None
    return replace(task, usage=usage, charge=charge, raw=data)


class _ArkVideo:
    """Where an Ark task's video is, over either core."""

    core: HttpCore | AsyncHttpCore

    def content_url(self, task: Task) -> str:
        """The signed `content.video_url`, else the compatibility route."""
        return str(self.core.url(task.url or compat_content_path(task.id)))

    def fallback_url(self, task: Task) -> str | None:
        """The compatibility route, when the signed link was tried first."""
        return str(self.core.url(compat_content_path(task.id))) if task.url else None


class ArkApi(_ArkVideo):
    """create / retrieve / content of Ark content-generation tasks."""

    def __init__(self, core: HttpCore, profile: Profile):
        self.core: HttpCore = core
        self.profile = profile

    def create(self, request: CreateRequest, successor: str | None = None) -> Task:
        """POST contents/generations/tasks, under the same retry rules as every create."""
        with explained_create_errors(request.model, successor, json_body=True):
            response = self.core.request("POST", TASKS_PATH, **request_options(request))
            return created_task(response, request)

    def retrieve(self, task_id: str) -> Polled:
        """GET contents/generations/tasks/{id}."""
        response = self.core.request("GET", task_path(task_id), what=STATUS_WHAT)
        return Polled(parse_task(response.data, self.profile), poll_after_hint(response))

    def list_recent(self) -> list[Task]:
        """Nothing: Ark's task list is not read (an Ark profile never `lists_tasks`), so a
        lost create is sent again with its Idempotency-Key instead."""
        return []


class AsyncArkApi(_ArkVideo):
    """The same over the async core (batch)."""

    def __init__(self, core: AsyncHttpCore, profile: Profile):
        self.core: AsyncHttpCore = core
        self.profile = profile

    async def create(
        self, request: CreateRequest, gate: PauseGate | None = None, successor: str | None = None
    ) -> Task:
        """Like `ArkApi.create`; `gate` shares Retry-After pauses between creates."""
        with explained_create_errors(request.model, successor, json_body=True):
            response = await self.core.request(
                "POST", TASKS_PATH, gate=gate, **request_options(request)
            )
            return created_task(response, request)

    async def retrieve(self, task_id: str, gate: PauseGate | None = None) -> Polled:
        """Like `ArkApi.retrieve`."""
        response = await self.core.request("GET", task_path(task_id), what=STATUS_WHAT, gate=gate)
        return Polled(parse_task(response.data, self.profile), poll_after_hint(response))

    async def list_recent(self) -> list[Task]:
        """Like `ArkApi.list_recent`."""
        return []
