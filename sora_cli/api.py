"""What every API dialect shares: the create request, a polled answer, the create call's
error handling (paid or not, model gone), task ids as path segments, and `GET /models`.
The dialects themselves are in `sora_cli/dialects/`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from sora_cli import constants, errors
from sora_cli.client import (
    CREATE_POLICY,
    HttpCore,
    Response,
    RetryPolicy,
)
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
    # The public URL it was fetched from (checked), for APIs that take a link in JSON.
    source_url: str | None = None

    def data_url(self) -> str:
        """The image inline, for JSON bodies (`data:image/png;base64,...`)."""
        import base64

        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


@dataclass(frozen=True)
class CreateRequest:
    """The create call's parameters, as the reference documents them."""

    prompt: str
    model: str
    size: str | None  # None: not sent (a gateway's default)
    seconds: int | None  # None: not sent
    image: ImageUpload | None = None  # the first frame (`input_reference`)
    idempotency_key: str | None = None
    last_frame: ImageUpload | None = None  # Muse: the end frame (`last_frame`)
    extend_url: str | None = None  # Muse: the finished video to continue (`video_url`)
    body: str = "multipart"  # or "json" (gateways that take JSON only)
    # Ark dialect only (Seedance): the OpenAI-format body has no place for these.
    reference_images: tuple[ImageUpload, ...] = ()
    ratio: str | None = None  # None: the size's ratio
    resolution: str | None = None  # None: the size's resolution
    generate_audio: bool | None = None  # None: the API's default
    seed: int | None = None

    def _values(self) -> list[tuple[str, str]]:
        values = [("model", self.model), ("prompt", self.prompt)]
        if self.size is not None:
            values.append(("size", self.size))
        if self.seconds is not None:
            values.append(("seconds", str(self.seconds)))  # a string, as the reference shows
        if self.extend_url is not None:
            values.append(("video_url", self.extend_url))
        return values

    def _images(self) -> list[tuple[str, ImageUpload]]:
        named = [("input_reference", self.image), ("last_frame", self.last_frame)]
        return [(name, image) for name, image in named if image is not None]

    def request_options(self) -> dict[str, Any]:
        """The body (multipart/form-data by default; JSON with images as `data:` URLs where
        the profile says so) and headers."""
        headers = {"Idempotency-Key": self.idempotency_key or str(uuid.uuid4())}
        options: dict[str, Any] = {"headers": headers, "policy": CREATE_POLICY, "what": CREATE_WHAT}
        if self.body == "json":
            document: dict[str, str] = dict(self._values())
            for name, image in self._images():
                document[name] = image.data_url()
            options["json"] = document
            return options
        fields: list[tuple[str, tuple[str | None, bytes | str, str | None]]] = [
            (name, (None, value, None)) for name, value in self._values()
        ]
        for name, image in self._images():
            fields.append((name, (image.filename, image.data, image.mime)))
        options["files"] = fields
        return options


@dataclass(frozen=True)
class Polled:
    """A status answer plus the server's hint for the next poll."""

    task: Task
    poll_after: float | None  # seconds, from `openai-poll-after-ms`

    @classmethod
    def from_response(cls, response: Response) -> Polled:
        """Parse a status answer and its `openai-poll-after-ms` header."""
        return cls(Task.from_json(response.data), poll_after_hint(response))


def poll_after_hint(response: Response) -> float | None:
    """The server's `openai-poll-after-ms` hint in seconds (floored), or None."""
    hint = response.headers.get("openai-poll-after-ms")
    if not hint:
        return None
    try:
        return max(constants.MIN_SERVER_POLL_DELAY, float(hint) / 1000)
    except ValueError:
        return None


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


def unavailable_model(
    exc: errors.ApiError, model: str, catalog_successor: str | None
) -> errors.ModelUnavailable | None:
    """A create refused because the model is retired or not served, explained; else None."""
    from sora_cli.http_answers import error_code, model_unavailable, successor_named

    words = exc.server_message or ""
    if not model_unavailable(exc.status_code, words, error_code(exc.body)):
        return None
    successor = successor_named(words) or catalog_successor
    if successor and successor != model:
        hint = (
            f"use --model {successor} (or make it the default: sora config set model "
            f"{successor})"
        )
    else:
        successor = None
        hint = "choose another model: `sora models --check` lists them (sora config set model NAME)"
    if exc.status_code == 503:  # also how a key of the wrong group or billing mode fails
        hint += "; if the model should be served, check your key's group and billing mode"
    return errors.ModelUnavailable(
        f"model {model} is not available: the API answered {exc.status_code}: {words}",
        model=model,
        successor=successor,
        hint=hint,
    )


def explain_create_refusal(exc: errors.ApiError, json_body: bool = False) -> None:
    """Hints for a create refused for something other than its model: a 404 on create
    means the base URL is wrong (no task id was involved); a 415 means the server takes
    another body (gateways that take JSON only; moot when the body already was JSON)."""
    if exc.status_code == 404:
        exc.hint = "check the base URL: it usually ends in /v1 (sora doctor checks it)"
    elif exc.status_code == 415 and not json_body:
        exc.hint = (
            'this server takes another body: give it a profile with body = "json" '
            "(README, \"Which model today\")"
        )


@contextmanager
def explained_create_errors(
    model: str, successor: str | None, json_body: bool = False
) -> Iterator[None]:
    """Around a create call: a model the server calls retired or unserved becomes
    `ModelUnavailable` (naming `successor` when the answer names none), another refusal
    gets its hint (`explain_create_refusal`), and a failure after which a task may exist
    says so (it is never retried: resubmits are charged)."""
    try:
        yield
    except errors.ApiError as exc:
        gone = unavailable_model(exc, model, successor)
        if gone is not None:
            raise gone from exc
        explain_create_refusal(exc, json_body)
        if isinstance(exc, errors.NetworkError):
            explain_create_failure(exc)
        raise
    except errors.NetworkError as exc:
        explain_create_failure(exc)
        raise


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


def id_segment(task_id: str) -> str:
    """A task id escaped as one URL path segment: server ids are never trusted as paths.
    An id that escaping cannot keep in its segment (`..`) is refused, whoever gave it."""
    problem = id_problem(task_id)
    if problem:
        raise errors.UsageError(
            f"task id {printable(task_id)[:80]!r} cannot be used: it {problem}",
            hint="`sora list` shows the ids of the tasks this machine created",
        )
    return quote(task_id, safe="")


def served_models(core: HttpCore, policy: RetryPolicy | None = None) -> list[str]:
    """The model ids `GET /models` lists (OpenAI's list shape; free to ask). A server that
    does not answer it raises as any request does; an answer without a list is BadContent."""
    options: dict[str, Any] = {"what": "the API (models)"}
    if policy is not None:
        options["policy"] = policy
    data = core.request("GET", "models", **options).data
    items = data.get("data") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise errors.BadContent("GET /models answered something that is not a list of models")
    ids = [item.get("id") if isinstance(item, dict) else item for item in items]
    return [i for i in ids if isinstance(i, str) and i]
