"""API profiles as data: a provider's base URL, defaults, dialect details and model catalog.

Providers of this API differ in models, sizes, durations and prices, and they change. Every
difference lives in a `Profile` and its catalog (`catalog.py`); command code only asks a
profile questions. Adding a provider means adding one entry to `PROFILES`, or, for a user,
a `[profiles.NAME]` table in the config file (`user_profiles.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sora_cli.catalog import (
    LAOZHANG_SORA_2,
    MUSE_VIDEO,
    OPENAI_SORA_2,
    OPENAI_SORA_2_PRO,
    SEEDANCE_20,
    SEEDANCE_20_FAST,
    SEEDANCE_20_MINI,
    SEEDANCE_25,
    SIZE_ALIASES,
    Choice,
    ModelEntry,
    check_size_syntax,
    normalise_size,
    parse_seconds,
)
from sora_cli.errors import UsageError

__all__ = ["DEFAULT_PROFILE", "PROFILES", "SIZE_ALIASES", "Profile", "get_profile"]

Body = Literal["multipart", "json"]
# The request/response shape of the API (`sora_cli/dialects/`): OpenAI's `/v1/videos`, or
# Volcengine Ark's content-generation tasks.
Dialect = Literal["openai", "ark"]
DIALECTS: tuple[Dialect, ...] = ("openai", "ark")


@dataclass(frozen=True)
class Profile:
    """One provider's flavour of the Videos API."""

    name: str
    description: str
    base_url: str | None  # None: the user must give one (a gateway's)
    catalog: tuple[ModelEntry, ...]
    default_model: str | None  # None: the user must give one
    default_size: str | None = None  # None: the model's first size, or not sent
    default_seconds: int | None = None  # None: the model's default, or not sent
    has_sync_api: bool = False
    # Sync API (`sora stream`): the model name encodes the shape, as (size, seconds, model).
    sync_models: tuple[tuple[str, int, str], ...] = ()
    body: Body = "multipart"  # how the create call is sent
    dialect: Dialect = "openai"  # which adapter speaks to the API
    # True: a model the catalog does not list is passed through unchecked (gateways).
    open_catalog: bool = False
    extends: str | None = None  # user profiles: the built-in profile they start from
    defined_in: str | None = None  # user profiles: "FILE, [profiles.NAME]", for messages
    # User profiles: the keys the profile itself sets, which beat the file's top-level ones.
    pinned: frozenset[str] = frozenset()
    # `GET /videos` lists the account's tasks (OpenAI's spec): a create whose answer never
    # came can be found there before it is sent again.
    lists_tasks: bool = False

    # ------------------------------------------------------------------ catalog queries

    @property
    def models(self) -> tuple[str, ...]:
        """The catalog's model names, in catalog order."""
        return tuple(e.name for e in self.catalog)

    @property
    def sizes(self) -> tuple[str, ...]:
        """Every size some model of the catalog makes."""
        return tuple(dict.fromkeys(s for e in self.catalog for s in (e.sizes or ())))

    @property
    def seconds(self) -> tuple[int, ...]:
        """Every duration some model of the catalog makes."""
        return tuple(sorted({s for e in self.catalog for s in e.seconds}))

    def lookup(self, model: str) -> tuple[ModelEntry, tuple[int, ...]] | None:
        """The entry a typed model name means, and the durations the name itself implies
        (`muse-video-30s`: (30,); a family or plain name: ())."""
        wanted = model.strip()
        for entry in self.catalog:
            if wanted in (entry.name, *entry.aliases):
                return entry, ()
        for entry in self.catalog:
            if wanted in entry.ids:
                implied = entry.seconds_of_id(wanted)
                return entry, (implied if set(implied) != set(entry.seconds) else ())
            if wanted in entry.extra_ids:
                return entry, ()
        return None

    def entry(self, model: str | None) -> ModelEntry | None:
        """The catalog entry of a model name or id, or None."""
        found = self.lookup(model) if model else None
        return found[0] if found else None

    def check_model(self, model: str) -> str:
        """Return `model` if this profile can send it, else raise a usage error."""
        if self.lookup(model) is not None or (self.open_catalog and model.strip()):
            return model.strip()
        raise UsageError(
            f"model {model!r} is not offered by the {self.name} profile",
            hint=f"use one of: {', '.join(self.models)} (`sora models` lists them)",
        )

    def check_size(self, size: str) -> str:
        """Resolve aliases and check a size against what some model makes."""
        resolved = normalise_size(size)
        if resolved in self.sizes:
            return resolved
        if self.open_catalog:
            return check_size_syntax(size)
        raise UsageError(
            f"size {size!r} is not offered by the {self.name} profile",
            hint=f"use one of: {', '.join(self.sizes)} (or landscape/portrait)",
        )

    def check_seconds(self, seconds: int | str) -> int:
        """Check a duration against what some model makes."""
        value = _seconds_or_none(seconds)
        if value is not None and (value in self.seconds or self.open_catalog):
            return value
        raise UsageError(
            f"duration {seconds!r} s is not offered by the {self.name} profile",
            hint=f"use one of: {', '.join(str(s) for s in self.seconds)}",
        )

    def choose(
        self,
        model: str | None,
        seconds: int | str | None,
        size: str | None,
        *,
        seconds_given: bool = True,
    ) -> Choice:
        """The model id, duration and size one create call sends, checked before paying.

        `model` may name a family (`muse-video`), an alias (`muse`) or one id of it
        (`muse-video-30s`, which alone means 30 s). `seconds`/`size` None: the model's
        defaults. `seconds_given`: the duration was asked for on this command line (so a
        model id that implies another one is a contradiction, not a default to override).
        """
        if not model:
            raise UsageError(
                f"the {self.name} profile has no default model",
                hint="pass --model NAME, or set one: sora config set model NAME",
            )
        found = self.lookup(model)
        if found is None:
            if not self.open_catalog:
                self.check_model(model)  # raises with the list of models
            return self._choose_unchecked(ModelEntry.unchecked(model.strip()), seconds, size)
        entry, implied = found
        if not entry.checked:
            return self._choose_unchecked(entry, seconds, size)
        wanted = None if seconds is None else _seconds_or_none(seconds)
        if implied:
            if wanted is not None and wanted not in implied and seconds_given:
                raise UsageError(
                    f"model {model} makes {implied[0]} s videos, not {seconds} s",
                    hint=f"give -m {entry.name} --seconds {seconds}, or -m {model} alone",
                )
            wanted = implied[0]
        if wanted is None and seconds is not None:
            raise UsageError(f"duration {seconds!r} is not a number of seconds")
        if wanted is None:
            wanted = self._default_seconds_for(entry)
        model_id = entry.id_for(wanted) if wanted is not None else None
        if model_id is None:
            raise UsageError(
                f"duration {seconds if seconds is not None else wanted} s is not offered by "
                f"{entry.name}",
                hint=f"use one of: {', '.join(str(s) for s in entry.seconds)}",
            )
        if model.strip() in entry.extra_ids:
            model_id = model.strip()  # a dated snapshot is sent as asked
        return Choice(entry, model_id, wanted, self._size_for(entry, size))

    def _default_seconds_for(self, entry: ModelEntry) -> int | None:
        if self.default_seconds is not None and self.default_seconds in entry.seconds:
            return self.default_seconds
        return entry.default_seconds if entry.default_seconds is not None else None

    def _size_for(self, entry: ModelEntry, size: str | None) -> str | None:
        if size is None:
            if entry.sizes is None:
                return self.default_size
            if self.default_size in entry.sizes:
                return self.default_size
            return entry.sizes[0]
        if entry.sizes is None:
            return check_size_syntax(size)
        resolved = normalise_size(size)
        if resolved in entry.sizes:
            return resolved
        aliases = [a for a, s in SIZE_ALIASES.items() if s in entry.sizes]
        raise UsageError(
            f"size {size!r} is not offered by {entry.name}",
            hint=f"use one of: {', '.join(entry.sizes)}"
            + (f" (or {'/'.join(aliases)})" if aliases else ""),
        )

    def _choose_unchecked(
        self, entry: ModelEntry, seconds: int | str | None, size: str | None
    ) -> Choice:
        """A model no catalog knows: values checked for syntax only, unset ones not sent."""
        chosen_seconds = parse_seconds(seconds) if seconds is not None else self.default_seconds
        chosen_size = check_size_syntax(size) if size is not None else self.default_size
        return Choice(entry, entry.name, chosen_seconds, chosen_size)

    def price(self, model: str, size: str | None, seconds: int | None) -> float | None:
        """Estimated USD price of one completed video, or None when unknown."""
        entry = self.entry(model)
        return entry.price(size, seconds) if entry else None

    # ------------------------------------------------------------------ the sync API

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

    def check_sync_size(self, size: str) -> str:
        """A size the sync API makes (aliases resolved)."""
        resolved = normalise_size(size)
        sizes = tuple(dict.fromkeys(s for s, _, _ in self.sync_models))
        if resolved in sizes:
            return resolved
        raise UsageError(
            f"size {size!r} is not offered by the {self.name} profile's sync API",
            hint=f"use one of: {', '.join(sizes)} (or landscape/portrait)",
        )

    def check_sync_seconds(self, seconds: int | str) -> int:
        """A duration the sync API makes."""
        durations = sorted({d for _, d, _ in self.sync_models})
        value = _seconds_or_none(seconds)
        if value in durations:
            return value
        raise UsageError(
            f"duration {seconds!r} s is not offered by the {self.name} profile's sync API",
            hint=f"use one of: {', '.join(str(s) for s in durations)}",
        )


def _seconds_or_none(seconds: int | str) -> int | None:
    try:
        return int(str(seconds).strip().removesuffix("s"))
    except ValueError:
        return None


LAOZHANG = Profile(
    name="laozhang",
    description="laozhang.ai reseller: Sora 2 (retired upstream) and Muse",
    base_url="https://api.laozhang.ai/v1",
    catalog=(LAOZHANG_SORA_2, MUSE_VIDEO),
    default_model="sora-2",
    default_size="720x1280",
    has_sync_api=True,
    # reference/laozhang-sync-api.txt "Model Selection"; `-15s` asks for 15 seconds.
    sync_models=(
        ("720x1280", 10, "sora_video2"),
        ("1280x720", 10, "sora_video2-landscape"),
        ("720x1280", 15, "sora_video2-15s"),
        ("1280x720", 15, "sora_video2-landscape-15s"),
    ),
)

OPENAI = Profile(
    name="openai",
    description="OpenAI Videos API (retired 2026-09-24; the reference shape of the spec)",
    base_url="https://api.openai.com/v1",
    catalog=(OPENAI_SORA_2, OPENAI_SORA_2_PRO),
    default_model="sora-2",
    default_size="720x1280",
    lists_tasks=True,
)

# Any OpenAI-format /v1/videos gateway (DESIGN "compatible profile"): nothing is known in
# advance, so nothing is defaulted and nothing but syntax is checked.
COMPATIBLE = Profile(
    name="compatible",
    description="any OpenAI-format /v1/videos gateway (give --base-url and --model)",
    base_url=None,
    catalog=(),
    default_model=None,
    open_catalog=True,
)

# reference/live-video-apis.md section 3: laozhang's Seedance route passes the Ark task
# format through (`POST contents/generations/tasks`, `GET contents/generations/tasks/{id}`).
SEEDANCE = Profile(
    name="seedance",
    description="laozhang.ai Seedance 2.0 / 2.5 (Volcengine Ark task format)",
    base_url="https://api.laozhang.ai/seedance/api/v3",
    catalog=(SEEDANCE_20, SEEDANCE_20_FAST, SEEDANCE_20_MINI, SEEDANCE_25),
    default_model=SEEDANCE_20.name,
    default_size="1280x720",
    body="json",
    dialect="ark",
)

PROFILES: dict[str, Profile] = {p.name: p for p in (LAOZHANG, OPENAI, COMPATIBLE, SEEDANCE)}
DEFAULT_PROFILE = LAOZHANG.name


def get_profile_or_none(name: str, user: dict[str, Profile] | None = None) -> Profile | None:
    """A built-in or user profile by name, or None."""
    key = name.strip().lower()
    return PROFILES.get(key) or (user or {}).get(key)


def get_profile(name: str, user: dict[str, Profile] | None = None) -> Profile:
    """Look a profile up by name (built-ins, then the config file's), with a usage error
    that lists the known ones."""
    found = get_profile_or_none(name, user)
    if found is not None:
        return found
    known = [*PROFILES, *(user or {})]
    raise UsageError(f"unknown profile {name!r}", hint=f"use one of: {', '.join(known)}")
