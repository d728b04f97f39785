"""API dialects: the request/response shape of one provider's video API, behind one interface.

A profile names its dialect (`Profile.dialect`); commands, jobs and batch only ever talk to a
`VideoApi` / `AsyncVideoApi` and never ask which one they hold. The OpenAI-format
`/v1/videos` adapter is `openai.py` and the Ark one `ark.py`; the request and answer types
they share are in `sora_cli.api`. A new provider's shape is a new module here, picked in
`api_for`, `async_api_for` and `status_path` below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from sora_cli.api import CreateRequest, Polled
    from sora_cli.client import AsyncHttpCore, HttpCore, PauseGate
    from sora_cli.models import Task
    from sora_cli.profiles import Profile


class VideoApi(Protocol):
    """Create a task, read its status, and say where its video is (sync: commands)."""

    core: HttpCore

    def create(self, request: CreateRequest, successor: str | None = None) -> Task:
        """Send one paid create call; never retried where a task may exist."""
        ...

    def retrieve(self, task_id: str) -> Polled:
        """One status answer, normalised to a `Task`."""
        ...

    def list_recent(self) -> list[Task]:
        """The account's recent tasks, newest first, where the profile `lists_tasks`."""
        ...

    def content_url(self, task: Task) -> str:
        """Where a completed task's MP4 is fetched from first."""
        ...

    def fallback_url(self, task: Task) -> str | None:
        """A second source when the first refuses (an expired signed link); None: none."""
        ...


class AsyncVideoApi(Protocol):
    """The same over the async core (batch), with shared Retry-After pauses."""

    core: AsyncHttpCore

    async def create(
        self, request: CreateRequest, gate: PauseGate | None = None, successor: str | None = None
    ) -> Task:
        """Like `VideoApi.create`."""
        ...

    async def retrieve(self, task_id: str, gate: PauseGate | None = None) -> Polled:
        """Like `VideoApi.retrieve`."""
        ...

    async def list_recent(self) -> list[Task]:
        """Like `VideoApi.list_recent`."""
        ...

    def content_url(self, task: Task) -> str:
        """Like `VideoApi.content_url`."""
        ...

    def fallback_url(self, task: Task) -> str | None:
        """Like `VideoApi.fallback_url`."""
        ...


def api_for(profile: Profile, core: HttpCore) -> VideoApi:
    """The adapter of the profile's dialect over a sync core."""
    if profile.dialect == "ark":
        from sora_cli.dialects.ark import ArkApi

        return ArkApi(core, profile)
    from sora_cli.dialects.openai import VideosApi

    return VideosApi(core)


def status_path(profile: Profile, task_id: str) -> str:
    """The status route of a task in the profile's dialect (the doctor's free probe)."""
    if profile.dialect == "ark":
        from sora_cli.dialects.ark import task_path as ark_task_path

        return ark_task_path(task_id)
    from sora_cli.dialects.openai import task_path

    return task_path(task_id)


def async_api_for(profile: Profile, core: AsyncHttpCore) -> AsyncVideoApi:
    """The adapter of the profile's dialect over the async core (batch)."""
    if profile.dialect == "ark":
        from sora_cli.dialects.ark import AsyncArkApi

        return AsyncArkApi(core, profile)
    from sora_cli.dialects.openai import AsyncVideosApi

    return AsyncVideosApi(core)
