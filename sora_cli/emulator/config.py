"""Emulator settings and the API profiles it can play.

Profiles are data, not branches in the handlers, because resellers of the same API differ only
in allowed values, status names and extras (see DESIGN.md, "API profiles").
"""

from __future__ import annotations

from dataclasses import dataclass

DAY = 86400.0


@dataclass
class EmulatorConfig:
    """Everything `python -m sora_cli.emulator` takes as flags."""

    host: str = "127.0.0.1"
    port: int = 8000  # 0 = pick a free port
    cdn_port: int = 0  # second origin for sync-API video links; 0 = pick a free port
    profile: str = "laozhang"  # or "openai"
    queue_seconds: float = 2.0  # time a task stays submitted/queued
    gen_seconds: float = 20.0  # time a task stays in_progress (progress rises 1..99)
    poll_after_ms: int | None = None  # sent as `openai-poll-after-ms` on every status GET
    api_key: str | None = None  # None: any non-empty Bearer token is accepted
    video_bytes: int | None = None  # pad every served MP4 to this size (benchmarks)
    ttl_seconds: float = DAY  # after created_at + ttl a task answers 404 (expired)
    verbose: bool = False  # log requests to stderr (never the Authorization value)
    # Answer a create that repeats an Idempotency-Key with the task it already made, as
    # servers that honour the header do. Off by default so double-create bugs stay visible.
    honour_idempotency: bool = False

    def validate(self) -> None:
        """Raise ValueError on settings that cannot work, before binding any socket."""
        if self.profile not in PROFILES:
            choices = ", ".join(PROFILES)
            raise ValueError(f"unknown profile {self.profile!r} (choose from {choices})")
        for name in ("port", "cdn_port"):
            value = getattr(self, name)
            if not 0 <= value <= 65535:
                raise ValueError(f"{name} must be 0..65535, not {value}")
        for name in ("queue_seconds", "gen_seconds", "ttl_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        if self.poll_after_ms is not None and self.poll_after_ms < 0:
            raise ValueError("poll_after_ms must not be negative")
        if self.video_bytes is not None and self.video_bytes < 0:
            raise ValueError("video_bytes must not be negative")
        if self.api_key is not None and not self.api_key:
            raise ValueError("api_key must not be empty (use None to accept any key)")


@dataclass(frozen=True)
class Profile:
    """What one provider of the videos API allows and how it names things."""

    name: str
    models: tuple[str, ...]
    sizes: tuple[str, ...]
    seconds: tuple[str, ...]
    defaults: dict[str, str]  # value used when a create field is absent; absent = required
    accepts_json: bool  # create/remix bodies may be application/json
    queued_status: str  # the status name before generation starts
    create_object: str  # `object` of the create response
    full_resource: bool  # every VideoResource field, nulls where unset (OpenAI spec)
    extras: bool  # list, delete, remix and the thumbnail/spritesheet variants
    sync_api: bool  # POST /v1/chat/completions exists


LAOZHANG = Profile(
    name="laozhang",
    models=("sora-2",),
    sizes=("1280x720", "720x1280"),
    seconds=("10", "15"),
    defaults={},
    accepts_json=False,
    queued_status="submitted",
    create_object="task",
    full_resource=False,
    extras=False,
    sync_api=True,
)

OPENAI = Profile(
    name="openai",
    models=(
        "sora-2",
        "sora-2-pro",
        "sora-2-2025-10-06",
        "sora-2-pro-2025-10-06",
        "sora-2-2025-12-08",
    ),
    sizes=("720x1280", "1280x720", "1024x1792", "1792x1024"),
    seconds=("4", "8", "12"),
    defaults={"model": "sora-2", "size": "720x1280", "seconds": "4"},
    accepts_json=True,
    queued_status="queued",
    create_object="video",
    full_resource=True,
    extras=True,
    sync_api=False,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (LAOZHANG, OPENAI)}

# Sync API models (reference/laozhang-sync-api.txt): the name carries size and duration.
SYNC_MODELS: dict[str, tuple[str, str]] = {
    "sora_video2": ("720x1280", "10"),
    "sora_video2-landscape": ("1280x720", "10"),
    "sora_video2-15s": ("720x1280", "15"),
    "sora_video2-landscape-15s": ("1280x720", "15"),
}

PROMPT_MAX_CHARS = 32000  # OpenAI spec: prompt maxLength
MAX_BODY_BYTES = 64 * 1024 * 1024  # larger request bodies get 413
