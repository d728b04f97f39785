"""Config file + environment + flags -> one `Settings` object.

Precedence (DESIGN "config"): command-line flag > environment > config file > default.
The keys and their checks are in `config_keys`, the file itself in `config_file`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sora_cli import constants
from sora_cli.catalog import ModelEntry
from sora_cli.config_file import ConfigFile
from sora_cli.config_keys import check_base_url
from sora_cli.errors import AuthError, ConfigError, UsageError
from sora_cli.paths import APP_NAME as APP_NAME
from sora_cli.paths import ENV_HOME as ENV_HOME
from sora_cli.paths import Paths as Paths
from sora_cli.paths import resolve_paths as resolve_paths
from sora_cli.profiles import DEFAULT_PROFILE, PROFILES, Profile, get_profile, get_profile_or_none

ENV_API_KEY = "SORA_API_KEY"
_KEY_SHAPE = re.compile(r"[!#-~]+")  # printable ASCII without spaces or double quotes
ENV_BASE_URL = "SORA_BASE_URL"
ENV_PROFILE = "SORA_PROFILE"
ENV_DEBUG = "SORA_DEBUG"


@dataclass(frozen=True)
class Overrides:
    """Values given on the command line (None: not given)."""

    api_key: str | None = None
    base_url: str | None = None
    profile: str | None = None
    timeout: float | None = None
    poll_interval: float | None = None
    debug: bool = False


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know, resolved once."""

    paths: Paths
    profile: Profile
    base_url: str  # "" when the profile has none and none was given (compatible)
    api_key: str | None
    api_key_source: str | None
    model: str | None  # None: the profile has no default and none was configured
    size: str | None  # None: not configured (the model's default applies)
    seconds: int | None  # None: not configured (the model's default applies)
    output_dir: Path | None
    poll_interval: float
    timeout: float
    debug: bool
    warnings: tuple[str, ...] = ()
    # Whether poll_interval / timeout came from a flag or the file, which beat a model's own
    # (DESIGN "Models": "a flag or config still wins").
    poll_interval_given: bool = False
    timeout_given: bool = False
    user_profiles: dict[str, Profile] = field(default_factory=dict)

    def require_base_url(self) -> str:
        """The base URL, or how to give one (a gateway profile has no default)."""
        if self.base_url:
            return self.base_url
        raise UsageError(
            f"the {self.profile.name} profile has no default base URL",
            hint="pass --base-url URL, export SORA_BASE_URL, or run: sora config set base-url "
            "URL",
        )

    def for_model(self, entry: ModelEntry | None) -> Settings:
        """These settings with the model's own poll interval and give-up time where neither
        a flag nor the config file chose one."""
        if entry is None:
            return self
        poll = self.poll_interval
        if not self.poll_interval_given and entry.poll_interval is not None:
            poll = max(entry.poll_interval, constants.MIN_POLL_INTERVAL)
        timeout = self.timeout
        if not self.timeout_given and entry.give_up_after is not None:
            timeout = entry.give_up_after
        return replace(self, poll_interval=poll, timeout=timeout)

    def require_api_key(self) -> str:
        """The key, or the first-run explanation of how to set one (exit 3)."""
        if self.api_key:
            if not _KEY_SHAPE.fullmatch(self.api_key):
                # It could not be sent as a header anyway, and an HTTP library's complaint
                # about it would quote it in full.
                raise AuthError(
                    f"the API key from {self.api_key_source} contains spaces, quotes or "
                    "control characters",
                    hint="set it again: sora config set api-key (or fix SORA_API_KEY)",
                )
            return self.api_key
        raise AuthError(
            "no API key configured",
            hint=(
                f"export {ENV_API_KEY}=sk-..., or run `sora config set api-key` (hidden "
                "input); to try sora without a key: `sora demo`, or `sora emulator` for a "
                "local copy of the API"
            ),
        )


@contextmanager
def _named(source: str | None) -> Iterator[None]:
    """A refused value says where it came from: a flag, an environment variable, the file."""
    try:
        yield
    except UsageError as exc:
        if source:
            exc.message = f"{exc.message} (from {source})"
        raise


def _first(*candidates: tuple[Any, str | None]) -> tuple[Any, str | None]:
    for value, source in candidates:
        if value not in (None, ""):
            return value, source
    return None, None


def _file_value(config: ConfigFile, key: str, default: Any = None) -> Any:
    """The file's value of `key`, read only when no flag or environment variable gives one:
    a bad value in the file is an error only if it would really be used (else a warning)."""
    problem = config.problems.get(key)
    if problem is not None:
        raise problem
    return config.values.get(key, default)


def _open_directories(paths: Paths) -> list[str]:
    """Warnings for sora's directories that others can read and sora may not tighten."""
    from sora_cli.paths import tighten_private_dir

    found = []
    for directory in sorted({paths.config_file.parent, paths.journal_file.parent}):
        if paths.config_file.exists() or paths.journal_file.exists():
            problem = tighten_private_dir(directory)
            if problem:
                found.append(problem)
    return found


def load_settings(overrides: Overrides, env: Mapping[str, str] | None = None) -> Settings:
    """Resolve flag > environment > config file > default into one object."""
    env = os.environ if env is None else env
    paths = resolve_paths(env)
    config = ConfigFile.load(paths.config_file, lenient=True)

    def layered(flag: Any, flag_name: str, env_name: str, key: str) -> tuple[Any, str | None]:
        """flag > environment > file for one key; the file is asked only when needed."""
        value, source = _first(
            (flag, flag_name), (env.get(env_name), f"environment variable {env_name}")
        )
        if value is None:
            value = _file_value(config, key)
            source = f"config file {paths.config_file}" if value is not None else None
        return value, source

    profile_name, profile_source = layered(overrides.profile, "--profile", ENV_PROFILE, "profile")
    from sora_cli.config_file import USER_PROFILES_TABLE

    user_table = config.data.get(USER_PROFILES_TABLE)
    user_profiles: dict[str, Profile] = {}
    if user_table is not None:
        from sora_cli.user_profiles import load_user_profiles

        user_profiles = load_user_profiles(paths.config_file, config.text, user_table)
    file_profile = config.values.get("profile")
    if file_profile and get_profile_or_none(file_profile, user_profiles) is None:
        problem = ConfigError(
            f"{config.where('profile')}: bad value for profile: unknown profile "
            f"{file_profile!r} (use one of: {', '.join([*PROFILES, *user_profiles])})",
            hint="fix it: sora config set profile VALUE (or: sora config unset profile)",
        )
        if profile_source and profile_source.startswith("config file"):
            raise problem
        config.warnings.append(problem.message)
    with _named(profile_source):
        try:
            profile = get_profile(profile_name or DEFAULT_PROFILE, user_profiles)
        except UsageError as exc:
            if profile_source and profile_source.startswith("config file"):
                exc.hint = (
                    f"{exc.hint}; fix it: sora config set profile VALUE "
                    "(or: sora config unset profile)"
                )
            raise

    def profile_first(key: str, default: Any) -> Any:
        """A user profile's own value > the file's top-level key > the profile's default."""
        if key in profile.pinned:
            return {
                "base_url": profile.base_url,
                "model": profile.default_model,
                "size": profile.default_size,
                "seconds": profile.default_seconds,
            }[key]
        return _file_value(config, key, default)

    api_key, key_source = layered(overrides.api_key, "--api-key", ENV_API_KEY, "api_key")
    base_url, base_url_source = _first(
        (overrides.base_url, "--base-url"),
        (env.get(ENV_BASE_URL), f"environment variable {ENV_BASE_URL}"),
    )
    if base_url is None:
        base_url = profile_first("base_url", None)
        base_url_source = f"config file {paths.config_file}" if base_url is not None else None
    with _named(base_url_source):
        base_url = base_url or profile.base_url
        base_url = check_base_url(base_url) if base_url else ""
    poll_interval_given = (
        overrides.poll_interval is not None or _file_value(config, "poll_interval") is not None
    )
    timeout_given = overrides.timeout is not None or _file_value(config, "timeout") is not None
    poll_interval = (
        overrides.poll_interval
        if overrides.poll_interval is not None
        else _file_value(config, "poll_interval", constants.DEFAULT_POLL_INTERVAL)
    )
    if not math.isfinite(poll_interval):
        raise UsageError(f"poll interval {poll_interval} is not a number of seconds")
    if poll_interval < constants.MIN_POLL_INTERVAL:
        raise UsageError(
            f"poll interval {poll_interval:g} s is too short",
            hint=f"use at least {constants.MIN_POLL_INTERVAL:g} s (the API asks for 3-5 s)",
        )
    timeout = overrides.timeout if overrides.timeout is not None else _file_value(config, "timeout")
    if timeout is None:
        timeout = constants.DEFAULT_TIMEOUT
    if not math.isfinite(timeout) or timeout <= 0:
        raise UsageError(f"timeout {timeout} must be a positive number of seconds")
    output_dir = _file_value(config, "output_dir")
    debug = overrides.debug or env.get(ENV_DEBUG, "").strip().lower() in ("1", "true", "yes")
    return Settings(
        paths=paths,
        profile=profile,
        base_url=base_url,
        api_key=api_key.strip() if isinstance(api_key, str) else None,
        api_key_source=key_source,
        model=profile_first("model", profile.default_model),
        size=profile_first("size", None),
        seconds=profile_first("seconds", None),
        output_dir=Path(output_dir).expanduser() if output_dir else None,
        poll_interval=float(poll_interval),
        timeout=float(timeout),
        debug=debug,
        warnings=(*config.warnings, *_open_directories(paths)),
        poll_interval_given=poll_interval_given,
        timeout_given=timeout_given,
        user_profiles=user_profiles,
    )
