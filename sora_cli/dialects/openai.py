"""The OpenAI-format `/v1/videos` dialect: create, retrieve, list and content of OpenAI's
Videos API (reference/openai-videos-openapi.yaml), which the reseller's async API
(reference/laozhang-async-api.txt), Muse and OpenAI-format gateways copy. The request and
answer types every dialect shares are in `sora_cli.api`."""

from __future__ import annotations

from sora_cli.api import (
    LIST_WHAT,
    STATUS_WHAT,
    CreateRequest,
    Polled,
    created_task,
    explained_create_errors,
    id_segment,
    tasks_of_list,
)
from sora_cli.client import AsyncHttpCore, HttpCore, PauseGate
from sora_cli.models import Task


def task_path(task_id: str, suffix: str = "") -> str:
    """`videos/<id>` with the id escaped (`id_segment`)."""
    return f"videos/{id_segment(task_id)}{suffix}"


class VideosApi:
    """create / retrieve / content of `/v1/videos`."""

    def __init__(self, core: HttpCore):
        self.core = core

    def create(self, request: CreateRequest, successor: str | None = None) -> Task:
        """POST /videos. Retried only where no task can have been created (connection
        refused, 429, 503); the Idempotency-Key is shared by those retries. A model the
        server calls retired or unserved is `ModelUnavailable` (naming `successor` when the
        answer names none)."""
        with explained_create_errors(request.model, successor, request.body == "json"):
            response = self.core.request("POST", "videos", **request.request_options())
            return created_task(response)

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
        return content_url(self.core, task)

    def fallback_url(self, task: Task) -> str | None:
        """None: the content route is already the only source."""
        return None


def content_url(core: HttpCore | AsyncHttpCore, task: Task) -> str:
    """The status `url` (full URL or path) or the documented content route."""
    if task.url:
        return str(core.url(task.url))
    return str(core.url(task_path(task.id, "/content")))


class AsyncVideosApi:
    """The same endpoints over the async core (batch)."""

    def __init__(self, core: AsyncHttpCore):
        self.core = core

    async def create(
        self, request: CreateRequest, gate: PauseGate | None = None, successor: str | None = None
    ) -> Task:
        """Like `VideosApi.create`; `gate` shares Retry-After pauses between creates."""
        with explained_create_errors(request.model, successor, request.body == "json"):
            response = await self.core.request(
                "POST", "videos", gate=gate, **request.request_options()
            )
            return created_task(response)

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

    def content_url(self, task: Task) -> str:
        """Like `VideosApi.content_url`."""
        return content_url(self.core, task)

    def fallback_url(self, task: Task) -> str | None:
        """Like `VideosApi.fallback_url`."""
        return None
