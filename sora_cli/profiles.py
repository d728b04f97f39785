"""API profiles as data: allowed values, defaults and prices per provider.

Providers of this API differ in models, sizes, durations and prices, and they change. Every
difference lives in a `Profile`; command code only asks a profile questions. Adding a
provider means adding one entry to `PROFILES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sora_cli.errors import UsageError

SIZE_ALIASES = {"landscape": "1280x720", "portrait": "720x1280"}


@dataclass(frozen=True)
class PriceRule:
    """Price of one completed video: `per_video + per_second * seconds`, for matching tasks."""

    models: frozenset[str] | None = None  # None: any model
    sizes: frozenset[str] | None = None  # None: any size
    per_video: float = 0.0
    per_second: float = 0.0

    def matches(self, model: str, size: str) -> bool:
        """Whether this rule prices `model` at `size`."""
        return (self.models is None or model in self.models) and (
            self.sizes is None or size in self.sizes
        )


@dataclass(frozen=True)
class Profile:
    """One provider's flavour of the Videos API."""

    name: str
    description: str
    base_url: str
    models: tuple[str, ...]
    sizes: tuple[str, ...]
    seconds: tuple[int, ...]
    default_model: str
    default_size: str
    default_seconds: int
    prices: tuple[PriceRule, ...]
    has_sync_api: bool = False
    # Model names accepted beyond `models` (dated snapshots) without being advertised.
    extra_models: frozenset[str] = field(default_factory=frozenset)
    # Sync API (`sora stream`): the model name encodes the shape, as (size, seconds, model).
    sync_models: tuple[tuple[str, int, str], ...] = ()
    # `GET /videos` lists the account's tasks (OpenAI's spec): a create whose answer never
    # came can be found there before it is sent again.
    lists_tasks: bool = False

    def check_model(self, model: str) -> str:
        """Return `model` if this profile allows it, else raise a usage error."""
        if model in self.models or model in self.extra_models:
            return model
        raise UsageError(
            f"model {model!r} is not offered by the {self.name} profile",
            hint=f"use one of: {', '.join(self.models)}",
        )

    def check_size(self, size: str) -> str:
        """Resolve aliases (landscape/portrait) and check the size against the profile."""
        resolved = SIZE_ALIASES.get(size.strip().lower(), size.strip().lower())
        if resolved in self.sizes:
            return resolved
        raise UsageError(
            f"size {size!r} is not offered by the {self.name} profile",
            hint=f"use one of: {', '.join(self.sizes)} (or landscape/portrait)",
        )

    def check_seconds(self, seconds: int | str) -> int:
        """Check a duration against the profile."""
        try:
            value = int(str(seconds).strip().removesuffix("s"))
        except ValueError:
            value = -1
        if value in self.seconds:
            return value
        raise UsageError(
            f"duration {seconds!r} s is not offered by the {self.name} profile",
            hint=f"use one of: {', '.join(str(s) for s in self.seconds)}",
        )

    def sync_model(self, size: str, seconds: int) -> str:
        """The sync-API model name for a checked size and duration."""
        for shape_size, shape_seconds, model in self.sync_models:
            if (shape_size, shape_seconds) == (size, seconds):
                return model
        raise UsageError(
            f"the {self.name} profile's sync API has no model for {size} at {seconds} s",
            hint="use one of: "
            + ", ".join(f"--size {s} --seconds {d}" for s, d, _ in self.sync_models),
        )

    def sync_shape(self, model: str) -> tuple[str, int]:
        """(size, seconds) of a sync-API model name given with `--model`."""
        for size, seconds, name in self.sync_models:
            if name == model:
                return size, seconds
        raise UsageError(
            f"model {model!r} is not a sync-API model of the {self.name} profile",
            hint=f"use one of: {', '.join(name for _, _, name in self.sync_models)}",
        )

    def price(self, model: str, size: str, seconds: int) -> float | None:
        """Estimated USD price of one completed video, or None when the table has no rule."""
        for rule in self.prices:
            if rule.matches(model, size):
                return round(rule.per_video + rule.per_second * seconds, 4)
        return None


LAOZHANG = Profile(
    name="laozhang",
    description="laozhang.ai reseller (reference/laozhang-*.txt)",
    base_url="https://api.laozhang.ai/v1",
    models=("sora-2",),
    sizes=("720x1280", "1280x720"),
    seconds=(10, 15),
    default_model="sora-2",
    default_size="720x1280",
    default_seconds=10,
    # Reference "Pricing": $0.15 per completed call, 10 s or 15 s alike.
    prices=(PriceRule(per_video=0.15),),
    has_sync_api=True,
    # reference/laozhang-sync-api.txt "Model Selection"; `-15s` asks for 15 seconds.
    sync_models=(
        ("720x1280", 10, "sora_video2"),
        ("1280x720", 10, "sora_video2-landscape"),
        ("720x1280", 15, "sora_video2-15s"),
        ("1280x720", 15, "sora_video2-landscape-15s"),
    ),
)

_PORTRAIT_LANDSCAPE_720 = frozenset({"720x1280", "1280x720"})
OPENAI = Profile(
    name="openai",
    description="OpenAI Videos API (reference/openai-videos-openapi.yaml)",
    base_url="https://api.openai.com/v1",
    models=("sora-2", "sora-2-pro"),
    sizes=("720x1280", "1280x720", "1024x1792", "1792x1024"),
    seconds=(4, 8, 12),
    default_model="sora-2",
    default_size="720x1280",
    default_seconds=4,
    # OpenAI's published per-second prices; the pro model costs more above 720p.
    prices=(
        PriceRule(models=frozenset({"sora-2"}), per_second=0.10),
        PriceRule(models=frozenset({"sora-2-pro"}), sizes=_PORTRAIT_LANDSCAPE_720, per_second=0.30),
        PriceRule(models=frozenset({"sora-2-pro"}), per_second=0.50),
    ),
    extra_models=frozenset({"sora-2-2025-10-06", "sora-2-pro-2025-10-06", "sora-2-2025-12-08"}),
    lists_tasks=True,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (LAOZHANG, OPENAI)}
DEFAULT_PROFILE = LAOZHANG.name


def get_profile(name: str) -> Profile:
    """Look a profile up by name, with a usage error that lists the known ones."""
    try:
        return PROFILES[name.strip().lower()]
    except KeyError:
        raise UsageError(
            f"unknown profile {name!r}", hint=f"use one of: {', '.join(PROFILES)}"
        ) from None
