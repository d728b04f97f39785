"""User profiles: `[profiles.NAME]` tables of the config file, made into `Profile`s.

A gateway nobody ships a profile for is described in a few lines of TOML (DESIGN "User
profiles"): which built-in it extends, its base URL, how the create call is sent, default
values, and optionally catalog entries for its models. A broken entry names the file, the
line and the key, like every other config error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sora_cli.catalog import IMAGE_POLICIES, ModelEntry, PriceRule, check_size_syntax
from sora_cli.config_keys import check_base_url
from sora_cli.errors import ConfigError, UsageError
from sora_cli.profiles import DIALECTS, PROFILES, Profile

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
PROFILE_KEYS = (
    "extends",
    "description",
    "base_url",
    "body",
    "dialect",
    "model",
    "size",
    "seconds",
    "models",
)
MODEL_KEYS = (
    "seconds",
    "sizes",
    "price_per_second",
    "price_per_video",
    "image",
    "last_frame",
    "extend",
    "poll_interval",
    "give_up_after",
    "link_hours",
    "retired_since",
    "successor",
)


def _key_line(text: str, table: tuple[str, ...], key: str | None) -> int | None:
    """The line (from 1) of `[table]`'s header, or of `key = ...` inside that table."""
    header = re.compile(
        r"^\s*\[\s*" + r"\s*\.\s*".join(rf"(?:{re.escape(p)}|\"{re.escape(p)}\")" for p in table)
        + r"\s*\]\s*(#.*)?$"
    )
    any_header = re.compile(r"^\s*\[")
    key_line = re.compile(rf"^\s*\"?{re.escape(key)}\"?\s*=") if key else None
    inside = False
    for number, line in enumerate(text.split("\n"), start=1):
        if any_header.match(line):
            if inside and key_line is not None:
                break
            inside = bool(header.match(line))
            if inside and key_line is None:
                return number
            continue
        if inside and key_line is not None and key_line.match(line):
            return number
    return None


class _Reader:
    """Reads one table's values, raising errors that say where the bad value is."""

    def __init__(self, path: Path, text: str, table: tuple[str, ...], data: dict[str, Any]):
        self.path, self.text, self.table, self.data = path, text, table, data

    def where(self, key: str | None = None) -> str:
        line = _key_line(self.text, self.table, key) or _key_line(self.text, self.table, None)
        title = ".".join(self.table)
        at = f", line {line}" if line else ""
        return f"{self.path}{at}: [{title}]" + (f" {key}" if key else "")

    def error(self, key: str | None, problem: str) -> ConfigError:
        return ConfigError(
            f"{self.where(key)}: {problem}",
            hint=f"fix it in an editor: {self.path}",
        )

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unknown key {key!r} (known: {', '.join(allowed)})")

    def get(self, key: str, parse: Callable[[Any], Any]) -> Any:
        if key not in self.data:
            return None
        try:
            return parse(self.data[key])
        except (ValueError, TypeError, UsageError) as exc:
            text = exc.message if isinstance(exc, UsageError) else str(exc)
            raise self.error(key, text) from None


def _string(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("expected a positive whole number")
    return value


def _positive_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError("expected a positive number")
    return float(value)


def _price(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError("expected a price in USD, 0 or more")
    return float(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _int_list(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("expected a list of whole numbers, e.g. [4, 8]")
    return tuple(_positive_int(v) for v in value)


def _size_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError('expected a list of sizes, e.g. ["1280x720", "720x1280"]')
    return tuple(check_size_syntax(_string(v)) for v in value)


def _one_of(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = _string(value).lower()
        if text not in choices:
            raise ValueError(f"expected one of: {', '.join(choices)}")
        return text

    return parse


def _model_entry(reader: _Reader, name: str, base: ModelEntry | None) -> ModelEntry:
    """A `[profiles.NAME.models.MODEL]` table: a new entry, or, for a model the extended
    profile already knows (`muse-video`), that entry with only the keys given changed."""
    reader.check_keys(MODEL_KEYS)
    changes: dict[str, Any] = {}
    seconds = reader.get("seconds", _int_list)
    if seconds is not None:
        changes["durations"] = tuple((s, name) for s in seconds)
        changes["default_seconds"] = seconds[0]
        changes["checked"] = True
    per_second = reader.get("price_per_second", _price)
    per_video = reader.get("price_per_video", _price)
    if per_second is not None and per_video is not None:
        raise reader.error("price_per_video", "give price_per_second or price_per_video, not both")
    if per_second is not None or per_video is not None:
        changes["prices"] = (PriceRule(per_second=per_second or 0.0, per_video=per_video or 0.0),)
    link_hours = reader.get("link_hours", _positive_number)
    if link_hours is not None:
        changes["link_ttl"] = link_hours * 3600
    for key, field_name, parse in (
        ("sizes", "sizes", _size_list),
        ("image", "image_policy", _one_of(*IMAGE_POLICIES)),
        ("last_frame", "last_frame", _boolean),
        ("extend", "extend", _boolean),
        ("poll_interval", "poll_interval", _positive_number),
        ("give_up_after", "give_up_after", _positive_number),
        ("retired_since", "retired_since", _string),
        ("successor", "successor", _string),
    ):
        value = reader.get(key, parse)
        if value is not None:
            changes[field_name] = value
    if base is not None:
        return replace(base, **changes)
    # A new entry without durations takes any: the gateway decides.
    fresh = ModelEntry(name=name, image_policy="none", checked=bool(seconds))
    return replace(fresh, **changes)


def _one_profile(path: Path, text: str, name: str, data: Any) -> Profile:
    table = ("profiles", name)
    if not isinstance(data, dict):
        raise _Reader(path, text, table, {}).error(None, "expected a table of keys")
    reader = _Reader(path, text, table, data)
    reader.check_keys(PROFILE_KEYS)
    if not _NAME.fullmatch(name):
        raise reader.error(None, f"profile name {name!r} must be letters, digits, - _ .")
    if name.lower() in PROFILES:
        raise reader.error(None, f"{name!r} is a built-in profile; choose another name")
    base_name = reader.get("extends", _one_of(*PROFILES)) or "compatible"
    base = PROFILES[base_name]
    entries: dict[str, ModelEntry] = {e.name: e for e in base.catalog}
    models = data.get("models", {})
    if not isinstance(models, dict):
        raise reader.error("models", "expected tables: [profiles.NAME.models.MODEL]")
    for model_name, model_data in models.items():
        sub = ("profiles", name, "models", model_name)
        if not isinstance(model_data, dict):
            raise _Reader(path, text, sub, {}).error(None, "expected a table of keys")
        known = base.lookup(model_name)
        base_entry = entries.get(known[0].name) if known else None
        entry = _model_entry(_Reader(path, text, sub, model_data), model_name, base_entry)
        entries[entry.name] = entry
    seconds = reader.get("seconds", _positive_int)
    size = reader.get("size", lambda v: check_size_syntax(_string(v)))
    pinned = frozenset(k for k in ("base_url", "model", "size", "seconds") if k in data)
    dialect = reader.get("dialect", _one_of(*DIALECTS)) or base.dialect
    return replace(
        base,
        name=name.lower(),
        description=reader.get("description", _string) or f"user profile (extends {base.name})",
        base_url=reader.get("base_url", lambda v: check_base_url(_string(v))) or base.base_url,
        catalog=tuple(entries.values()),
        default_model=reader.get("model", _string) or base.default_model,
        default_size=size or base.default_size,
        default_seconds=seconds if seconds is not None else base.default_seconds,
        body=reader.get("body", _one_of("multipart", "json")) or base.body,
        dialect=dialect,
        # Only OpenAI's shape has the list a lost create is looked up in.
        lists_tasks=base.lists_tasks and dialect == "openai",
        # A gateway's profile that lists some models still lets others through.
        open_catalog=base.open_catalog,
        extends=base.name,
        defined_in=reader.where(),
        pinned=pinned,
    )


def load_user_profiles(path: Path, text: str, data: Any) -> dict[str, Profile]:
    """Every `[profiles.NAME]` table of the file, by lower-case name."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _Reader(path, text, ("profiles",), {}).error(
            None, "expected tables: [profiles.NAME]"
        )
    return {n.lower(): _one_profile(path, text, n, d) for n, d in data.items()}
