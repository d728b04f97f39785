"""Emulator settings, the API profiles it can play and the models each one serves.

Profiles and models are data, not branches in the handlers, because providers of the same
API differ only in allowed values, status names, link fields and link lifetimes (DESIGN.md,
"API profiles" and "Models: live, retired, and any OpenAI-format gateway"). A new dialect is
a new `Model` or `Profile` entry here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

DAY = 86400.0
WEEK = 7 * DAY
RETIRED_ANSWERS = (404, 503)


@dataclass
class EmulatorConfig:
    """Everything `python -m sora_cli.emulator` takes as flags."""

    host: str = "127.0.0.1"
    port: int = 8000  # 0 = pick a free port
    cdn_port: int = 0  # second origin for video links; 0 = pick a free port
    profile: str = "laozhang"  # or "openai", "gateway"
    queue_seconds: float = 2.0  # time a task stays submitted/queued
    gen_seconds: float = 20.0  # time a task stays in_progress (progress rises 1..99)
    poll_after_ms: int | None = None  # sent as `openai-poll-after-ms` on every status GET
    api_key: str | None = None  # None: any non-empty Bearer token is accepted
    video_bytes: int | None = None  # pad every served MP4 to this size (benchmarks)
    # After created_at + ttl a task answers 404 (expired). None: each model's own link
    # lifetime (24 h for Sora, 7 days for Muse); a number overrides it for every model.
    ttl_seconds: float | None = None
    verbose: bool = False  # log requests to stderr (never the Authorization value)
    # Answer a create that repeats an Idempotency-Key with the task it already made, as
    # servers that honour the header do. Off by default so double-create bugs stay visible.
    honour_idempotency: bool = False
    # Retired model ids -> successor named in the answer (None: the profile's default).
    retired: dict[str, str | None] = field(default_factory=dict)
    retired_answer: int = 404  # 404 "has been retired. Switch to X" or 503 "no available channels"
    models: tuple[str, ...] = ()  # gateway only: serve just these model ids (empty: any)

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
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must not be negative")
        if self.poll_after_ms is not None and self.poll_after_ms < 0:
            raise ValueError("poll_after_ms must not be negative")
        if self.video_bytes is not None and self.video_bytes < 0:
            raise ValueError("video_bytes must not be negative")
        if self.api_key is not None and not self.api_key:
            raise ValueError("api_key must not be empty (use None to accept any key)")
        if self.retired_answer not in RETIRED_ANSWERS:
            raise ValueError(f"retired_answer must be 404 or 503, not {self.retired_answer}")
        if any(not name.strip() for name in self.retired):
            raise ValueError("retired model ids must not be empty")
        if self.models and not PROFILES[self.profile].open_catalog:
            raise ValueError("models restricts only the gateway profile (it serves any id)")
        if any(not name.strip() for name in self.models):
            raise ValueError("model ids must not be empty")


def parse_retired(text: str) -> dict[str, str | None]:
    """`sora-2=muse-video,sora-2-pro` -> {"sora-2": "muse-video", "sora-2-pro": None}."""
    retired: dict[str, str | None] = {}
    for item in text.split(","):
        model, eq, successor = (part.strip() for part in item.partition("="))
        if not model or (eq and not successor):
            raise ValueError(f"bad retired entry {item.strip()!r} (use MODEL or MODEL=SUCCESSOR)")
        retired[model] = successor or None
    return retired


def parse_models(text: str) -> tuple[str, ...]:
    """`a,b` -> ("a", "b"); an empty id is a ValueError."""
    models = tuple(item.strip() for item in text.split(","))
    if not all(models):
        raise ValueError(f"bad model list {text!r} (use ID[,ID...])")
    return models


@dataclass(frozen=True)
class Statuses:
    """A provider's words for the four stages of a task."""

    queued: str = "queued"
    running: str = "in_progress"
    completed: str = "completed"
    failed: str = "failed"


ANY_SECONDS: tuple[str, ...] = ()  # `seconds`: any positive integer
ANY_SIZE: tuple[str, ...] = ()  # `size`: any WxH
SIZE_SYNTAX = re.compile(r"^[1-9][0-9]{0,4}x[1-9][0-9]{0,4}$")


@dataclass(frozen=True)
class Model:
    """One model id a profile serves, and how a task of it behaves."""

    id: str
    owned_by: str
    seconds: tuple[str, ...] = ANY_SECONDS  # allowed lengths, as the API spells them
    sizes: tuple[str, ...] = ANY_SIZE
    # Used when the field is absent; absent with no default is 400, unless the field is optional.
    defaults: Mapping[str, str] = field(default_factory=dict)
    optional: frozenset[str] = frozenset()  # size/seconds that may stay unset
    aspect_ratios: Mapping[str, str] = field(default_factory=dict)  # `aspect_ratio` -> size
    bodies: tuple[str, ...] = ("multipart",)  # create bodies: "multipart" and/or "json"
    integer_seconds: bool = False  # `seconds` may be a JSON integer as well as a string
    statuses: Statuses = Statuses()
    create_object: str = "video"  # `object` of a create answer (the status object is "video")
    link_field: str = "url"  # where a completed task's video link is
    link_on_cdn: bool = False  # True: an absolute CDN link (no key); False: the /content path
    status_fields: tuple[str, ...] = ()  # extra task fields in the status object
    ttl_seconds: float = DAY  # how long the task and its link live
    # How a first frame must fit `size`: "exact" pixels (OpenAI), the same "ratio" (laozhang
    # recommends "1280x720 or similar ratio"), or "any" real image (Muse, gateways).
    image_fit: str = "exact"
    image_urls: bool = False  # JSON images may be URL / data: URL strings
    last_frame: bool = False  # takes an end frame (needs a first frame)
    extend: bool = False  # takes `video_url`: continue that video up to `seconds`
    extend_margin: int = 2  # the source may be at most `seconds` minus this long


@dataclass(frozen=True)
class Profile:
    """What one provider of the videos API serves and how its objects look."""

    name: str
    models: tuple[Model, ...]
    default_model: str | None  # used when `model` is absent; None: required
    any_model: Model | None  # template for ids not in `models` (a gateway serves any id)
    successor: str | None  # named when a model retired by --retired has none of its own
    full_resource: bool  # every VideoResource field, nulls where unset (OpenAI spec)
    extras: bool  # list, delete, remix and the thumbnail/spritesheet variants
    sync_api: bool  # POST /v1/chat/completions exists

    @property
    def open_catalog(self) -> bool:
        """Whether any model id is served (a gateway)."""
        return self.any_model is not None

    @property
    def bodies(self) -> tuple[str, ...]:
        """Create bodies some model of the profile takes."""
        models = (*self.models, *((self.any_model,) if self.any_model else ()))
        return tuple(b for b in ("multipart", "json") if any(b in m.bodies for m in models))

    def model(self, model_id: str) -> Model | None:
        """The entry serving this id, or None."""
        for entry in self.models:
            if entry.id == model_id:
                return entry
        if self.any_model is not None and model_id.strip():
            return replace(self.any_model, id=model_id)
        return None


LANDSCAPE_PORTRAIT = ("1280x720", "720x1280")

SORA_2_LAOZHANG = Model(
    id="sora-2", owned_by="openai", seconds=("10", "15"), sizes=LANDSCAPE_PORTRAIT,
    statuses=Statuses(queued="submitted"), create_object="task", image_fit="ratio",
)


def muse(model_id: str, seconds: tuple[str, ...], default: str) -> Model:
    """A Muse model (reference/live-video-apis.md, section 1): JSON or multipart, `video_url`
    on the CDN without a key, links kept 7 days, first/last frame and continuation."""
    return Model(
        id=model_id, owned_by="meta", seconds=seconds, sizes=LANDSCAPE_PORTRAIT,
        defaults={"seconds": default, "size": "1280x720"},
        aspect_ratios={"16:9": "1280x720", "9:16": "720x1280"},
        bodies=("multipart", "json"), integer_seconds=True,
        link_field="video_url", link_on_cdn=True,
        status_fields=("seconds", "size", "expires_at"), ttl_seconds=WEEK,
        image_fit="any", image_urls=True, last_frame=True, extend=True,
    )


MUSE_MODELS = (
    muse("muse-video", ("5", "8", "10"), "10"),
    *(muse(f"muse-video-{n}s", (str(n),), str(n)) for n in (20, 30, 40, 50, 60)),
)

LAOZHANG = Profile(
    name="laozhang",
    models=(SORA_2_LAOZHANG, *MUSE_MODELS),
    default_model=None,
    any_model=None,
    successor="muse-video",
    full_resource=False,
    extras=False,
    sync_api=True,
)


def openai_model(model_id: str) -> Model:
    """A model of reference/openai-videos-openapi.yaml: optional fields have defaults."""
    return Model(
        id=model_id, owned_by="openai", seconds=("4", "8", "12"),
        sizes=("720x1280", "1280x720", "1024x1792", "1792x1024"),
        defaults={"size": "720x1280", "seconds": "4"}, bodies=("multipart", "json"),
    )


OPENAI = Profile(
    name="openai",
    models=tuple(openai_model(m) for m in (
        "sora-2", "sora-2-pro", "sora-2-2025-10-06", "sora-2-pro-2025-10-06",
        "sora-2-2025-12-08",
    )),
    default_model="sora-2",
    any_model=None,
    successor=None,  # OpenAI retired its video models with no replacement
    full_resource=True,
    extras=True,
    sync_api=False,
)

# Any OpenAI-format /v1/videos gateway (new-api, LiteLLM proxy, hosted ones): JSON only, any
# model id, free-form size and seconds, new-api task words, the link in `output_url`.
GATEWAY_MODEL = Model(
    id="*", owned_by="gateway", optional=frozenset({"size", "seconds"}), bodies=("json",),
    integer_seconds=True,
    statuses=Statuses(queued="pending", running="processing", completed="succeeded"),
    link_field="output_url", link_on_cdn=True, status_fields=("seconds", "size", "expires_at"),
    image_fit="any", image_urls=True, last_frame=True, extend=True,
)

GATEWAY = Profile(
    name="gateway",
    models=(replace(GATEWAY_MODEL, id="vid-1"),),  # listed by /v1/models without --models
    default_model=None,
    any_model=GATEWAY_MODEL,
    successor=None,
    full_resource=False,
    extras=False,
    sync_api=False,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (LAOZHANG, OPENAI, GATEWAY)}

# Sync API models (reference/laozhang-sync-api.txt): the name carries size and duration.
SYNC_MODELS: dict[str, tuple[str, str]] = {
    "sora_video2": ("720x1280", "10"),
    "sora_video2-landscape": ("1280x720", "10"),
    "sora_video2-15s": ("720x1280", "15"),
    "sora_video2-landscape-15s": ("1280x720", "15"),
}

PROMPT_MAX_CHARS = 32000  # OpenAI spec: prompt maxLength
MAX_BODY_BYTES = 64 * 1024 * 1024  # larger request bodies get 413
