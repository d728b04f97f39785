"""The Videos API endpoints, typed, on top of the HTTP core."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from sora_cli import constants, errors
from sora_cli.client import CREATE_POLICY, HttpCore
from sora_cli.models import Task


@dataclass(frozen=True)
class ImageUpload:
    """A reference image ready to upload."""

    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class Polled:
    """A status answer plus the server's hint for the next poll."""

    task: Task
    poll_after: float | None  # seconds, from `openai-poll-after-ms`


def _may_have_created(exc: errors.NetworkError) -> bool:
    """After this failure of the create call, can a task exist on the server?"""
    import httpx

    if isinstance(exc, errors.RateLimited):
        return False
    if isinstance(exc, errors.ServerError):
        return exc.status_code != 503  # 503: the service refused the request
    cause = exc.__cause__
    return not isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)


def task_path(task_id: str, suffix: str = "") -> str:
    """`videos/<id>` with the id escaped: server ids are never trusted as paths."""
    return f"videos/{quote(task_id, safe='')}{suffix}"


class VideosApi:
    """create / retrieve / content of `/v1/videos`."""

    def __init__(self, core: HttpCore):
        self.core = core

    def create(
        self,
        *,
        prompt: str,
        model: str,
        size: str,
        seconds: int,
        image: ImageUpload | None = None,
        idempotency_key: str | None = None,
    ) -> Task:
        """POST /videos as multipart/form-data, as the reference documents.

        Retried only where no task can have been created (connection refused, 429, 503);
        the Idempotency-Key is shared by those retries.
        """
        fields: list[tuple[str, tuple[str | None, bytes | str, str | None]]] = [
            ("model", (None, model, None)),
            ("prompt", (None, prompt, None)),
            ("size", (None, size, None)),
            ("seconds", (None, str(seconds), None)),
        ]
        if image is not None:
            fields.append(("input_reference", (image.filename, image.data, image.mime)))
        headers = {"Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        try:
            response = self.core.request(
                "POST",
                "videos",
                files=fields,
                headers=headers,
                policy=CREATE_POLICY,
                what="the API (create)",
            )
        except errors.NetworkError as exc:
            if not _may_have_created(exc):
                raise
            exc.task_may_exist = True
            exc.hint = (
                "the request may have reached the API, so a task may exist and be charged "
                "when it completes; it was not retried to avoid paying twice. Check your "
                "provider's dashboard before trying again"
            )
            raise
        return Task.from_json(response.data)

    def retrieve(self, task_id: str) -> Polled:
        """GET /videos/{id}, with the `openai-poll-after-ms` hint."""
        response = self.core.request("GET", task_path(task_id), what="the API (status)")
        poll_after: float | None = None
        hint = response.headers.get("openai-poll-after-ms")
        if hint:
            try:
                poll_after = max(constants.MIN_SERVER_POLL_DELAY, float(hint) / 1000)
            except ValueError:
                poll_after = None
        return Polled(Task.from_json(response.data), poll_after)

    def content_url(self, task: Task) -> str:
        """The status `url` (full URL or path) or the documented content route."""
        if task.url:
            return str(self.core.url(task.url))
        return str(self.core.url(task_path(task.id, "/content")))
