"""Config file + environment + flags -> one `Settings` object.

Precedence (DESIGN "config"): command-line flag > environment > config file > default.
The config file is TOML, written atomically with mode 0600 in a 0700 directory because it
may hold the API key.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
import stat
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sora_cli import constants
from sora_cli.errors import AuthError, ConfigError, UsageError
from sora_cli.paths import APP_NAME as APP_NAME
from sora_cli.paths import ENV_HOME as ENV_HOME
from sora_cli.paths import Paths as Paths
from sora_cli.paths import ensure_private_dir
from sora_cli.paths import resolve_paths as resolve_paths
from sora_cli.profiles import DEFAULT_PROFILE, Profile, get_profile

ENV_API_KEY = "SORA_API_KEY"
_KEY_SHAPE = re.compile(r"[!#-~]+")  # printable ASCII without spaces or double quotes
ENV_BASE_URL = "SORA_BASE_URL"
ENV_PROFILE = "SORA_PROFILE"
ENV_DEBUG = "SORA_DEBUG"


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
        ConfigKey("base_url", _parse_str, "API base URL, e.g. https://api.laozhang.ai/v1"),
        ConfigKey("profile", _parse_str, "API profile: laozhang or openai"),
        ConfigKey("model", _parse_str, "default model"),
        ConfigKey("size", _parse_str, "default size, e.g. 1280x720"),
        ConfigKey("seconds", _parse_int, "default duration in seconds"),
        ConfigKey("output_dir", _parse_str, "directory for downloaded videos"),
        ConfigKey("poll_interval", _parse_float, "seconds between status polls (>= 1)"),
        ConfigKey("timeout", _parse_float, "seconds to wait for a task before giving up"),
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


def _line_of_key(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


@dataclass
class ConfigFile:
    """The parsed config file, with the warnings reading it produced."""

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> ConfigFile:
        """Read and check the file; a missing file is an empty config."""
        config = cls(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return config
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                config.warnings.append(
                    f"config file {path} is readable by other users; run: chmod 600 {path}"
                )
        except OSError:
            pass
        try:
            text = raw.decode("utf-8")
            data = tomllib.loads(text)
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"config file {path} is not UTF-8 text",
                hint=f"fix or delete it (`sora config path` shows where it is): {exc.reason}",
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(
                f"config file {path} is broken: {exc}",
                hint="fix that line, or delete the file and use `sora config set`",
            ) from exc
        for name, value in data.items():
            line = _line_of_key(text, name)
            where = f"{path}, line {line}" if line else str(path)
            key = CONFIG_KEYS.get(name)
            if key is None:
                config.warnings.append(f"{where}: unknown key {name!r} ignored")
                continue
            try:
                config.values[name] = key.parse(value)
            except ValueError as exc:
                raise ConfigError(
                    f"{where}: bad value for {name}: {exc}",
                    hint=f"fix it, or run: sora config unset {name.replace('_', '-')}",
                ) from exc
        return config

    def save(self) -> None:
        """Write atomically (temp file + rename) with mode 0600."""
        import tomli_w

        ensure_private_dir(self.path.parent)
        payload = tomli_w.dumps(self.values).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def is_loopback_host(host: str | None) -> bool:
    """True for localhost and 127.0.0.0/8 / ::1."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_base_url(url: str) -> str:
    """The key must never travel over plain http except to the local emulator."""
    url = url.strip().rstrip("/")
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
    base_url: str
    api_key: str | None
    api_key_source: str | None
    model: str
    size: str
    seconds: int
    output_dir: Path | None
    poll_interval: float
    timeout: float
    debug: bool
    warnings: tuple[str, ...] = ()

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


def _first(*candidates: tuple[Any, str | None]) -> tuple[Any, str | None]:
    for value, source in candidates:
        if value not in (None, ""):
            return value, source
    return None, None


def load_settings(overrides: Overrides, env: Mapping[str, str] | None = None) -> Settings:
    """Resolve flag > environment > config file > default into one object."""
    env = os.environ if env is None else env
    paths = resolve_paths(env)
    config = ConfigFile.load(paths.config_file)
    file = config.values

    profile_name, _ = _first(
        (overrides.profile, "flag"), (env.get(ENV_PROFILE), "env"), (file.get("profile"), "file")
    )
    profile = get_profile(profile_name or DEFAULT_PROFILE)

    api_key, key_source = _first(
        (overrides.api_key, "--api-key"),
        (env.get(ENV_API_KEY), f"environment ({ENV_API_KEY})"),
        (file.get("api_key"), f"config file ({paths.config_file})"),
    )
    base_url, _ = _first(
        (overrides.base_url, "flag"), (env.get(ENV_BASE_URL), "env"), (file.get("base_url"), "file")
    )
    poll_interval = (
        overrides.poll_interval
        if overrides.poll_interval is not None
        else file.get("poll_interval", constants.DEFAULT_POLL_INTERVAL)
    )
    if not math.isfinite(poll_interval):
        raise UsageError(f"poll interval {poll_interval} is not a number of seconds")
    if poll_interval < constants.MIN_POLL_INTERVAL:
        raise UsageError(
            f"poll interval {poll_interval:g} s is too short",
            hint=f"use at least {constants.MIN_POLL_INTERVAL:g} s (the API asks for 3-5 s)",
        )
    timeout = overrides.timeout if overrides.timeout is not None else file.get("timeout")
    if timeout is None:
        timeout = constants.DEFAULT_TIMEOUT
    if not math.isfinite(timeout) or timeout <= 0:
        raise UsageError(f"timeout {timeout} must be a positive number of seconds")
    output_dir = file.get("output_dir")
    debug = overrides.debug or env.get(ENV_DEBUG, "").strip().lower() in ("1", "true", "yes")
    return Settings(
        paths=paths,
        profile=profile,
        base_url=check_base_url(base_url or profile.base_url),
        api_key=api_key.strip() if isinstance(api_key, str) else None,
        api_key_source=key_source,
        model=file.get("model", profile.default_model),
        size=file.get("size", profile.default_size),
        seconds=file.get("seconds", profile.default_seconds),
        output_dir=Path(output_dir).expanduser() if output_dir else None,
        poll_interval=float(poll_interval),
        timeout=float(timeout),
        debug=debug,
        warnings=tuple(config.warnings),
    )
