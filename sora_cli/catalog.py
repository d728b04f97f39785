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
    price_estimated: bool = False  # True: `prices` are our estimate, not a published price
    # Token-billed models (Ark): USD per million tokens, to turn a task's `usage` into the
    # charge; None: unknown (the tokens are still shown).
    usd_per_million_tokens: float | None = None
    # Create options beyond prompt/size/seconds/frames that the model takes, by flag name
    # (`ratio`, `resolution`, `audio`, `seed`, `ref-image`): the Ark dialect's.
    options: frozenset[str] = frozenset()
    # Frame images need `ratio: "adaptive"`: a concrete ratio is refused (Seedance 2.5).
    frames_need_adaptive_ratio: bool = False

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

    def charge(self, total_tokens: int | None) -> float | None:
        """USD for a task that reported `total_tokens`, or None when the rate is unknown."""
        if total_tokens is None or self.usd_per_million_tokens is None:
            return None
        return round(total_tokens * self.usd_per_million_tokens / 1_000_000, 4)

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
        return "; ".join(parts) + (" (estimate)" if self.price_estimated else "")


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
            parts.append(
                f"~${price:.2f} estimated" if self.entry.price_estimated else f"${price:.2f}"
            )
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

# Seedance (Volcengine Ark task format, reference/live-video-apis.md section 3): a video is
# asked for as `ratio` + `resolution`, so each size the tool offers maps to that pair. The
# pixel sizes are the nominal ones of each ratio and resolution [I]; `--ratio` and
# `--resolution` reach the rest (4:3, 3:4, 21:9, adaptive).
ARK_SHAPES: dict[str, tuple[str, str]] = {
    "864x480": ("16:9", "480p"),
    "480x864": ("9:16", "480p"),
    "1280x720": ("16:9", "720p"),
    "720x1280": ("9:16", "720p"),
    "960x960": ("1:1", "720p"),
    "1920x1080": ("16:9", "1080p"),
    "1080x1920": ("9:16", "1080p"),
}
ARK_RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive")
ARK_RESOLUTIONS = ("480p", "720p", "1080p")
ARK_FPS = 24
ARK_OPTIONS = frozenset({"ratio", "resolution", "audio", "seed", "ref-image"})
_SEEDANCE_20_SECONDS = tuple(range(4, 16))  # the 2.0 family: whole seconds 4-15
_SEEDANCE_25_SECONDS = tuple(range(4, 31))  # 2.5: up to 30 (its own default, -1, is not sent)


def ark_tokens_per_second(size: str) -> int:
    """Ark's video token count for one second at `size`: width x height x fps / 1024 [I]."""
    width, height = (int(n) for n in size.split("x"))
    return width * height * ARK_FPS // 1024


def _ark_prices(usd_per_million_tokens: float) -> tuple[PriceRule, ...]:
    """Per-second estimates from a token rate, one rule per resolution (tokens scale with
    pixels, and a resolution's sizes have about the same pixel count)."""
    rules = []
    for resolution in ARK_RESOLUTIONS:
        sizes = [s for s, (_, r) in ARK_SHAPES.items() if r == resolution]
        per_second = ark_tokens_per_second(sizes[0]) * usd_per_million_tokens / 1e6
        rules.append(PriceRule(sizes=frozenset(sizes), per_second=round(per_second, 4)))
    return tuple(rules)


def _seedance(
    model_id: str, seconds: tuple[int, ...], rate: float | None, **extra: bool
) -> ModelEntry:
    return ModelEntry(
        name=model_id,
        durations=tuple((s, model_id) for s in seconds),
        default_seconds=5,
        sizes=tuple(ARK_SHAPES),
        prices=_ark_prices(rate) if rate is not None else (),
        price_estimated=True,
        usd_per_million_tokens=rate,
        image_policy="none",  # frames are references; the ratio follows the request
        last_frame=True,
        options=ARK_OPTIONS,
        link_ttl=DAY,  # the signed `content.video_url` lives about 24 h
        give_up_after=30 * 60.0,  # [I] no documented figure; 2.0 clips take minutes
        **extra,  # type: ignore[arg-type]
    )


# Billed by tokens (a pre-charge, then a settlement), so there is no published per-clip
# price. The rates below are estimates derived from the reseller's guide (2026-10-31):
# Seedance 2.0 720p about $0.86 per 5 s and 2.0 mini about $0.43 per 5 s, at 21,600 tokens
# per second of 1280x720: about $7.96 and $3.98 per million tokens. Fast and 2.5: unknown [?].
SEEDANCE_20 = _seedance("doubao-seedance-2-0-260128", _SEEDANCE_20_SECONDS, 7.963)
SEEDANCE_20_FAST = _seedance("doubao-seedance-2-0-fast-260128", _SEEDANCE_20_SECONDS, None)
SEEDANCE_20_MINI = _seedance("doubao-seedance-2-0-mini-260615", _SEEDANCE_20_SECONDS, 3.981)
# 2.5: first frame, first+last frame, edit and extend need `ratio: "adaptive"` (APIYI's
# note on the same Ark route); a concrete ratio is answered 400.
SEEDANCE_25 = _seedance(
    "doubao-seedance-2-5-260628", _SEEDANCE_25_SECONDS, None, frames_need_adaptive_ratio=True
)


@dataclass(frozen=True)
class Shape:
    """The ratio and resolution a create call sends (Ark), and the size they make (None:
    one the catalog has no size for, so no price either)."""

    choice: Choice
    ratio: str | None
    resolution: str | None


def shape_for(choice: Choice, ratio: str | None, resolution: str | None, frames: bool) -> Shape:
    """`--ratio` / `--resolution` over the size's own, checked; a model whose frame images
    need `ratio: "adaptive"` gets it (and a concrete ratio with frames is refused before
    paying, as the API would refuse it)."""
    from dataclasses import replace

    entry = choice.entry
    if ratio is not None and ratio not in ARK_RATIOS:
        raise UsageError(
            f"ratio {ratio!r} is not offered", hint=f"use one of: {', '.join(ARK_RATIOS)}"
        )
    if resolution is not None and resolution.lower() not in ARK_RESOLUTIONS:
        raise UsageError(
            f"resolution {resolution!r} is not offered",
            hint=f"use one of: {', '.join(ARK_RESOLUTIONS)}",
        )
    resolution = resolution.lower() if resolution else None
    if entry.frames_need_adaptive_ratio and frames:
        if ratio not in (None, "adaptive"):
            raise UsageError(
                f"{entry.name} takes frame images only with ratio adaptive, not {ratio}",
                hint="drop --ratio (sora sends adaptive), or drop the frame images",
            )
        ratio = "adaptive"
    if ratio is None and resolution is None:
        return Shape(choice, None, None)
    base_ratio, base_resolution = ARK_SHAPES.get(choice.size or "", (None, None))
    wanted = (ratio or base_ratio, resolution or base_resolution)
    size = next((s for s, shape in ARK_SHAPES.items() if shape == wanted), None)
    return Shape(replace(choice, size=size), wanted[0], wanted[1])
