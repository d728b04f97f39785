"""The Videos API endpoints, typed, on top of the HTTP core (sync and async alike)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from sora_cli import constants, errors
from sora_cli.client import CREATE_POLICY, AsyncHttpCore, HttpCore, PauseGate, Response
from sora_cli.models import Task, id_problem
from sora_cli.safe_text import printable

CREATE_WHAT = "the API (create)"
STATUS_WHAT = "the API (status)"
LIST_WHAT = "the API (list)"
AMBIGUOUS_HINT = (
    "the request may have reached the API, so a task may exist and be charged when it "
    "completes; it was not retried to avoid paying twice. Check your provider's dashboard "
    "before trying again"
)


@dataclass(frozen=True)
class ImageUpload:
    """A reference image ready to upload."""

    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class CreateRequest:
    """The create call's parameters, as the reference documents them."""

    prompt: str
    model: str
    size: str
    seconds: int
    image: ImageUpload | None = None
    idempotency_key: str | None = None

    def request_options(self) -> dict[str, Any]:
        """multipart/form-data fields (`seconds` as a string) and headers."""
        fields: list[tuple[str, tuple[str | None, bytes | str, str | None]]] = [
            ("model", (None, self.model, None)),
            ("prompt", (None, self.prompt, None)),
            ("size", (None, self.size, None)),
            ("seconds", (None, str(self.seconds), None)),
        ]
        if self.image is not None:
            image = self.image
            fields.append(("input_reference", (image.filename, image.data, image.mime)))
        headers = {"Idempotency-Key": self.idempotency_key or str(uuid.uuid4())}
        return {"files": fields, "headers": headers, "policy": CREATE_POLICY, "what": CREATE_WHAT}


@dataclass(frozen=True)
class Polled:
    """A status answer plus the server's hint for the next poll."""

    task: Task
    poll_after: float | None  # seconds, from `openai-poll-after-ms`

    @classmethod
    def from_response(cls, response: Response) -> Polled:
        """Parse a status answer and its `openai-poll-after-ms` header."""
        poll_after: float | None = None
        hint = response.headers.get("openai-poll-after-ms")
        if hint:
            try:
                poll_after = max(constants.MIN_SERVER_POLL_DELAY, float(hint) / 1000)
            except ValueError:
                poll_after = None
        return cls(Task.from_json(response.data), poll_after)


def may_have_reached_server(exc: errors.NetworkError) -> bool:
    """After this failure of a paid POST, can a task (or a charge) exist on the server?"""
    if isinstance(exc, errors.RateLimited):
        return False
    if isinstance(exc, errors.ServerError):
        return exc.status_code != 503  # 503: the service refused the request
    cause = exc.__cause__
    # A refused tunnel (the proxy said no to CONNECT) never reached the API either.
    never_sent = httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout | httpx.ProxyError
    return not isinstance(cause, never_sent)


def explain_create_failure(exc: errors.NetworkError) -> None:
    """Mark a failed create call that may still have created (and will charge) a task."""
    if may_have_reached_server(exc):
        exc.task_may_exist = True
        exc.hint = AMBIGUOUS_HINT


def created_task(response: Response) -> Task:
    """The task of a 2xx create answer. One that cannot be read may still be a paid task:
    the error says so, with the id when the answer had one."""
    try:
        return Task.from_json(response.data)
    except errors.BadContent as exc:
        exc.task_may_exist = True
        data = response.data
        task_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(task_id, str) and task_id and not id_problem(task_id):
            exc.task_id = task_id
        raise


def tasks_of_list(data: Any) -> list[Task]:
    """The readable tasks of a list answer (`{"data": [...]}`); others are skipped."""
    items = data.get("data") if isinstance(data, dict) else None
    tasks = []
    for item in items if isinstance(items, list) else []:
        try:
            tasks.append(Task.from_json(item))
        except errors.BadContent:
            continue
    return tasks


def task_path(task_id: str, suffix: str = "") -> str:
    """`videos/<id>` with the id escaped: server ids are never trusted as paths. An id that
    escaping cannot keep in its segment (`..`) is refused, whoever gave it."""
    problem = id_problem(task_id)
    if problem:
        raise errors.UsageError(
            f"task id {printable(task_id)[:80]!r} cannot be used: it {problem}",
            hint="`sora list` shows the ids of the tasks this machine created",
        )
    return f"videos/{quote(task_id, safe='')}{suffix}"


class VideosApi:
    """create / retrieve / content of `/v1/videos`."""

    def __init__(self, core: HttpCore):
        self.core = core

    def create(self, request: CreateRequest) -> Task:
        """POST /videos. Retried only where no task can have been created (connection
        refused, 429, 503); the Idempotency-Key is shared by those retries."""
        try:
            response = self.core.request("POST", "videos", **request.request_options())
            return created_task(response)
        except errors.NetworkError as exc:
            explain_create_failure(exc)
            raise

    def retrieve(self, task_id: str) -> Polled:
        """GET /videos/{id}, with the `openai-poll-after-ms` hint."""
        return Polled.from_response(self.core.request("GET", task_path(task_id), what=STATUS_WHAT))

    def list_recent(self) -> list[Task]:
        """GET /videos (OpenAI's list, newest first): the last 100 tasks of the account."""
        response = self.core.request(
            "GET", "videos", params={"limit": 100, "order": "desc"}, what=LIST_WHAT
        )
        return tasks_of_list(response.data)

    def content_url(self, task: Task) -> str:
        """The status `url` (full URL or path) or the documented content route."""
        if task.url:
            return str(self.core.url(task.url))
        return str(self.core.url(task_path(task.id, "/content")))


class AsyncVideosApi:
    """The same endpoints over the async core (batch)."""

    def __init__(self, core: AsyncHttpCore):
        self.core = core

    async def create(self, request: CreateRequest, gate: PauseGate | None = None) -> Task:
        """Like `VideosApi.create`; `gate` shares Retry-After pauses between creates."""
        try:
            response = await self.core.request(
                "POST", "videos", gate=gate, **request.request_options()
            )
            return created_task(response)
        except errors.NetworkError as exc:
            explain_create_failure(exc)
            raise

    async def list_recent(self) -> list[Task]:
        """Like `VideosApi.list_recent`."""
        response = await self.core.request(
            "GET", "videos", params={"limit": 100, "order": "desc"}, what=LIST_WHAT
        )
        return tasks_of_list(response.data)

    async def retrieve(self, task_id: str, gate: PauseGate | None = None) -> Polled:
        """Like `VideosApi.retrieve`."""
        response = await self.core.request("GET", task_path(task_id), what=STATUS_WHAT, gate=gate)
        return Polled.from_response(response)
