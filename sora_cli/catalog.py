"""The model catalog: what each model takes, costs and answers, as data.

Models come and go faster than code (the reseller retired Sora 2 on 2026-07-01, added Muse
on 2026-10-30 and its 40-60 s ids three days later: reference/live-video-apis.md). So every
fact about a model lives in a `ModelEntry`, and command code only asks questions of it:
which id serves a duration, which sizes it makes, what it costs, how its images are judged,
how long its links live, how often to poll it, and whether it is still served.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sora_cli.errors import UsageError

ImagePolicy = Literal["exact", "ratio", "none"]
IMAGE_POLICIES: tuple[ImagePolicy, ...] = ("exact", "ratio", "none")

SIZE_ALIASES = {"landscape": "1280x720", "portrait": "720x1280"}
_SIZE_SHAPE = re.compile(r"[1-9][0-9]{0,4}x[1-9][0-9]{0,4}")
HOUR = 3600.0
DAY = 24 * HOUR


@dataclass(frozen=True)
class PriceRule:
    """Price of one completed video: `per_video + per_second * seconds`, for matching tasks."""

    sizes: frozenset[str] | None = None  # None: any size
    seconds: frozenset[int] | None = None  # None: any duration
    per_video: float = 0.0
    per_second: float = 0.0

    def matches(self, size: str | None, seconds: int | None) -> bool:
        """Whether this rule prices a video of `size` and `seconds`."""
        return (self.sizes is None or size in self.sizes) and (
            self.seconds is None or seconds in self.seconds
        )


@dataclass(frozen=True)
class ModelEntry:
    """One model (or a family of ids that differ only in length) as a provider serves it."""

    name: str  # what users type, and what `sora models` lists
    # (seconds, model id sent) pairs: a family maps each length to the id that makes it.
    durations: tuple[tuple[int, str], ...] = ()
    default_seconds: int | None = None
    sizes: tuple[str, ...] | None = None  # None: not checked (a gateway's model)
    prices: tuple[PriceRule, ...] = ()  # first match wins; none: price unknown
    image_policy: ImagePolicy = "ratio"
    last_frame: bool = False  # takes an end frame (`--last-frame`)
    extend: bool = False  # continues a finished video (`--extend`)
    link_ttl: float | None = None  # how long a finished video stays downloadable
    poll_interval: float | None = None  # what the provider asks for; None: the tool's default
    give_up_after: float | None = None  # how long a wait is worth; None: the tool's default
    retired_since: str | None = None  # ISO date; None: live
    successor: str | None = None
    aliases: tuple[str, ...] = ()
    extra_ids: frozenset[str] = field(default_factory=frozenset)  # dated snapshots
    checked: bool = True  # False: anything goes (a model the catalog does not know)

    @classmethod
    def unchecked(cls, name: str) -> ModelEntry:
        """A model a gateway may serve that no catalog describes: passed through as given."""
        return cls(name=name, image_policy="none", checked=False)

    @property
    def seconds(self) -> tuple[int, ...]:
        """Every duration this model (family) makes, shortest first."""
        return tuple(sorted({s for s, _ in self.durations}))

    @property
    def ids(self) -> tuple[str, ...]:
        """Every model id this entry sends, in catalog order, without repeats."""
        return tuple(dict.fromkeys(i for _, i in self.durations)) or (self.name,)

    @property
    def is_retired(self) -> bool:
        """Retired upstream (it may still be sent: a server may still serve it)."""
        return self.retired_since is not None

    def names(self) -> tuple[str, ...]:
        """Everything a user may type for this entry."""
        return (self.name, *self.aliases, *self.ids, *sorted(self.extra_ids))

    def seconds_of_id(self, model_id: str) -> tuple[int, ...]:
        """The durations a given id makes (`muse-video-30s`: 30)."""
        return tuple(s for s, i in self.durations if i == model_id)

    def id_for(self, seconds: int) -> str | None:
        """The id that makes `seconds`, or None when this model does not."""
        return next((i for s, i in self.durations if s == seconds), None)

    def price(self, size: str | None, seconds: int | None) -> float | None:
        """USD for one completed video, or None when unknown."""
        for rule in self.prices:
            if rule.matches(size, seconds):
                return round(rule.per_video + rule.per_second * (seconds or 0), 4)
        return None

    def state_text(self) -> str:
        """`live`, or `retired since DATE -> SUCCESSOR`."""
        if not self.is_retired:
            return "live"
        return f"retired since {self.retired_since}" + (
            f" -> {self.successor}" if self.successor else ""
        )

    def price_text(self) -> str:
        """The price table in a few words, for `sora models`."""
        if not self.prices:
            return "unknown"
        parts = []
        for rule in self.prices:
            amount = (
                f"${rule.per_second:.2f}/s" if rule.per_second else f"${rule.per_video:.2f}/video"
            )
            where = []
            if rule.seconds is not None:
                where.append("/".join(str(s) for s in sorted(rule.seconds)) + " s")
            if rule.sizes is not None:
                where.append("/".join(sorted(rule.sizes)))
            parts.append(amount + (f" ({', '.join(where)})" if where else ""))
        return "; ".join(parts)


@dataclass(frozen=True)
class Choice:
    """What one create call will ask for, checked against the catalog before paying."""

    entry: ModelEntry
    model_id: str  # the id sent
    seconds: int | None  # None: not sent (a gateway decides)
    size: str | None  # None: not sent

    @property
    def price(self) -> float | None:
        """USD for the finished video, or None when unknown."""
        return self.entry.price(self.size, self.seconds)

    def describe(self) -> str:
        """`muse-video-30s, 1280x720, 30s, $0.80` for the "created task" line."""
        parts = [self.model_id]
        if self.size:
            parts.append(self.size)
        if self.seconds is not None:
            parts.append(f"{self.seconds}s")
        price = self.price
        if price is not None:
            parts.append(f"${price:.2f}")
        elif not self.entry.checked or not self.entry.prices:
            parts.append("price unknown")
        return ", ".join(parts)


def normalise_size(size: str) -> str:
    """Aliases (landscape/portrait) resolved, case and spaces dropped."""
    cleaned = size.strip().lower()
    return SIZE_ALIASES.get(cleaned, cleaned)


def check_size_syntax(size: str) -> str:
    """A `WxH` size, for models whose sizes no catalog lists."""
    resolved = normalise_size(size)
    if _SIZE_SHAPE.fullmatch(resolved):
        return resolved
    raise UsageError(
        f"size {size!r} is not WIDTHxHEIGHT", hint="example: --size 1280x720 (or landscape)"
    )


def parse_seconds(seconds: int | str) -> int:
    """A duration as a positive whole number (`10`, `"10"`, `"10s"`)."""
    try:
        value = int(str(seconds).strip().removesuffix("s"))
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(f"duration {seconds!r} is not a positive number of seconds")
    return value


# ---------------------------------------------------------------------- the built-in data

# Both Sora 2 routes were closed upstream: the reseller's on 2026-07-01, OpenAI's Videos API
# (and the models) on 2026-09-24 (reference/live-video-apis.md section 2). The seeds' flows
# still work against any server that serves them, so the entries stay, marked retired.
SORA_RETIRED = "2026-09-24"

# reference/laozhang-async-api.txt: 10 or 15 s, two sizes, $0.15 per completed video, poll
# every 3-5 s, give up after 10 minutes, links for 24 hours.
LAOZHANG_SORA_2 = ModelEntry(
    name="sora-2",
    durations=((10, "sora-2"), (15, "sora-2")),
    default_seconds=10,
    sizes=("720x1280", "1280x720"),
    prices=(PriceRule(per_video=0.15),),
    image_policy="ratio",  # the reference only recommends 1280x720 "or similar ratio"
    link_ttl=DAY,
    poll_interval=5.0,
    give_up_after=600.0,
    retired_since=SORA_RETIRED,
    successor="muse-video",
)

# reference/live-video-apis.md section 1: one id for 5/8/10 s, one id per longer length (the
# length is the finished video's, source included), priced per video, links kept 7 days,
# poll every 15 s for at most 30 min (the provider fails a task itself after 40 min).
_MUSE_PRICES = ((20, 0.55), (30, 0.80), (40, 1.05), (50, 1.30), (60, 1.55))
MUSE_VIDEO = ModelEntry(
    name="muse-video",
    durations=(
        (5, "muse-video"),
        (8, "muse-video"),
        (10, "muse-video"),
        *((s, f"muse-video-{s}s") for s, _ in _MUSE_PRICES),
    ),
    default_seconds=10,
    sizes=("1280x720", "720x1280"),
    prices=(
        PriceRule(seconds=frozenset({5, 8, 10}), per_video=0.30),
        *(PriceRule(seconds=frozenset({s}), per_video=p) for s, p in _MUSE_PRICES),
    ),
    image_policy="none",  # first and last frames are a composition reference
    last_frame=True,
    extend=True,
    link_ttl=7 * DAY,
    poll_interval=15.0,
    give_up_after=30 * 60.0,
    aliases=("muse",),
)

# reference/openai-videos-openapi.yaml: 4/8/12 s, per-second prices, the image must have
# the video's exact size. Removed by OpenAI on 2026-09-24 with no successor.
_OPENAI_SECONDS = (4, 8, 12)
_OPENAI_720 = frozenset({"720x1280", "1280x720"})
OPENAI_SORA_2 = ModelEntry(
    name="sora-2",
    durations=tuple((s, "sora-2") for s in _OPENAI_SECONDS),
    default_seconds=4,
    sizes=("720x1280", "1280x720", "1024x1792", "1792x1024"),  # as the spec's enum lists
    prices=(PriceRule(per_second=0.10),),
    image_policy="exact",
    retired_since=SORA_RETIRED,
    extra_ids=frozenset({"sora-2-2025-10-06", "sora-2-2025-12-08"}),
)
OPENAI_SORA_2_PRO = ModelEntry(
    name="sora-2-pro",
    durations=tuple((s, "sora-2-pro") for s in _OPENAI_SECONDS),
    default_seconds=4,
    sizes=("720x1280", "1280x720", "1024x1792", "1792x1024"),
    prices=(PriceRule(sizes=_OPENAI_720, per_second=0.30), PriceRule(per_second=0.50)),
    image_policy="exact",
    retired_since=SORA_RETIRED,
    extra_ids=frozenset({"sora-2-pro-2025-10-06"}),
)
