"""The config file's keys: names, meanings and the checks a value must pass.

Shared by the file (`config_file`), the settings resolution (`settings`) and `sora config`.
Also the base-URL policy, which a key's check applies: the API key never travels over
plain http except to loopback.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sora_cli import constants
from sora_cli.errors import UsageError
from sora_cli.profiles import PROFILES


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and 127.0.0.0/8 / ::1."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    import ipaddress  # an http:// URL only: every run checks the base URL

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """The key must never travel over plain http except to the local emulator."""
    url = url.strip().rstrip("/")
    # urlsplit silently drops tabs and line breaks inside a URL; httpx refuses them later.
    if any(not char.isprintable() or char.isspace() for char in url):
        raise UsageError(
            f"base URL {url!r} contains a space, tab or control character",
            hint="example: https://api.laozhang.ai/v1",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"base URL {url!r} is not an http(s) URL",
            hint="example: https://api.laozhang.ai/v1",
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise UsageError(
            f"refusing to send the API key over plain http to {parts.hostname}",
            hint="use an https:// base URL (plain http is allowed only to loopback)",
        )
    return url


def _parse_str(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value.strip()


def _parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValueError("expected a whole number")


def _parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise ValueError("expected a number")
    return number


_PROFILE_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")


def _parse_profile(value: Any) -> str:
    """A built-in profile or a name a `[profiles.NAME]` table may define (checked against
    the file's tables where settings are resolved)."""
    name = _parse_str(value).lower()
    if not _PROFILE_NAME.fullmatch(name):
        raise ValueError(f"unknown profile {name!r} (use one of: {', '.join(PROFILES)})")
    return name


def _parse_base_url(value: Any) -> str:
    try:
        return check_base_url(_parse_str(value))
    except UsageError as exc:
        raise ValueError(exc.message) from None


def _parse_poll_interval(value: Any) -> float:
    number = _parse_float(value)
    if number < constants.MIN_POLL_INTERVAL:
        raise ValueError(
            f"{number:g} s is too short (at least {constants.MIN_POLL_INTERVAL:g} s; "
            "the API asks for 3-5 s)"
        )
    return number


def _parse_timeout(value: Any) -> float:
    number = _parse_float(value)
    if number <= 0:
        raise ValueError("expected a positive number of seconds")
    return number


@dataclass(frozen=True)
class ConfigKey:
    """One key of the config file."""

    name: str
    parse: Callable[[Any], Any]
    help: str
    secret: bool = False


CONFIG_KEYS: dict[str, ConfigKey] = {
    k.name: k
    for k in (
        ConfigKey(
            "api_key", _parse_str, "API key (prefer `sora config set api-key` to type it)", True
        ),
        ConfigKey("base_url", _parse_base_url, "API base URL, e.g. https://api.laozhang.ai/v1"),
        ConfigKey(
            "profile",
            _parse_profile,
            "API profile: laozhang, openai, compatible, or a [profiles.NAME] of this file",
        ),
        ConfigKey("model", _parse_str, "default model"),
        ConfigKey("size", _parse_str, "default size, e.g. 1280x720"),
        ConfigKey("seconds", _parse_int, "default duration in seconds"),
        ConfigKey("output_dir", _parse_str, "directory for downloaded videos"),
        ConfigKey("poll_interval", _parse_poll_interval, "seconds between status polls (>= 1)"),
        ConfigKey("timeout", _parse_timeout, "seconds to wait for a task before giving up"),
    )
}


def normalise_key_name(name: str) -> str:
    """`api-key` and `api_key` are the same key; unknown keys are a usage error."""
    key = name.strip().lower().replace("-", "_")
    if key not in CONFIG_KEYS:
        raise UsageError(
            f"unknown config key {name!r}",
            hint="known keys: " + ", ".join(k.replace("_", "-") for k in CONFIG_KEYS),
        )
    return key


def redact(secret: str | None) -> str:
    """Show a secret as `sk-…abcd`: enough to recognise it, not enough to use it."""
    if not secret:
        return "(not set)"
    if len(secret) <= 8:
        return "…" * 3
    head = secret[:3] if secret[:3].isascii() else ""
    return f"{head}…{secret[-4:]}"
