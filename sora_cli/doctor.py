"""The checks behind `sora doctor`: each returns a `Check`; nothing here prints or exits.

Checks run in order and each one stands alone as far as it can: a broken config file does
not hide the journal's state. A failed check carries the `SoraError` that explains it, so
the command's exit code comes from the one exit-code table (`exit_codes.py`): 2 for config
and usage problems, 3 for the key, 8 for the network.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sora_cli import errors
from sora_cli.config_file import ConfigFile
from sora_cli.config_keys import redact
from sora_cli.settings import Overrides, Settings, load_settings, resolve_paths

if TYPE_CHECKING:
    import httpx

OK, FAIL, SKIP, WARN = "ok", "fail", "skip", "warn"
# The id of a task that cannot exist. GET /videos/{id} is the cheapest request that proves
# the key works: the reference documents 401 for a bad key and 404 for an unknown task,
# status queries are free ("Status queries not charged"), and servers check auth before
# looking the task up (the emulator does, as OpenAI does). GET /v1/models was the other
# candidate, but neither the reseller's reference nor the emulator documents it, so a 404
# there would prove nothing.
PROBE_ID = "sora-doctor-probe"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""

    name: str
    status: str  # ok | fail | skip | warn (a warning never sets the exit code)
    detail: str
    hint: str | None = None
    error: errors.SoraError | None = field(default=None, compare=False, repr=False)

    @property
    def exit_code(self) -> int:
        """0, or the documented exit code of this check's failure."""
        from sora_cli.exit_codes import exit_code_for

        return int(exit_code_for(self.error)) if self.error is not None else 0

    def to_json(self) -> dict[str, Any]:
        """The `sora doctor --json` object (docs/json.md)."""
        return {
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "hint": self.hint,
            "exit_code": self.exit_code,
        }


def _failed(name: str, error: errors.SoraError) -> Check:
    return Check(name, FAIL, error.message, error.hint, error)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def check_config(path: Path) -> Check:
    """Found (or not: defaults apply), parses, and is not readable by other users."""
    if not path.exists():
        return Check("config", OK, f"no file at {path}; built-in defaults apply")
    try:
        config = ConfigFile.load(path)
        mode = _mode(path)
        from sora_cli.config_file import USER_PROFILES_TABLE
        from sora_cli.user_profiles import load_user_profiles

        users = load_user_profiles(path, config.text, config.data.get(USER_PROFILES_TABLE))
    except errors.ConfigError as exc:
        return _failed("config", exc)
    except OSError as exc:
        return _failed("config", errors.ConfigError(f"cannot read {path}: {exc.strerror}"))
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return _failed(
            "config",
            errors.ConfigError(
                f"{path} has mode {mode:04o}: other users can read it (it may hold the key)",
                hint=f"chmod 600 {path}",
            ),
        )
    notes = "".join(f"; {w}" for w in config.warnings)
    keys = ", ".join(k.replace("_", "-") for k in config.values) or "no keys"
    if users:
        keys += f"; user profiles: {', '.join(users)}"
    return Check("config", OK, f"{path} (mode {mode:04o}; {keys}){notes}")


def check_settings(overrides: Overrides, env: Mapping[str, str]) -> tuple[Check, Settings | None]:
    """The profile and base URL that commands would use (flag > env > file > default)."""
    try:
        settings = load_settings(overrides, env)
    except errors.ConfigError:
        return Check("settings", SKIP, "needs a readable config file"), None
    except errors.SoraError as exc:
        return _failed("settings", exc), None
    profile = settings.profile
    detail = f"profile {profile.name}, base URL {settings.base_url or '(none given)'}"
    if profile.defined_in:
        detail += f" (user profile, {profile.defined_in})"
    return Check("settings", OK, detail), settings


def check_key(settings: Settings | None) -> Check:
    """A key is configured; shown redacted, with where it came from."""
    if settings is None:
        return Check("key", SKIP, "needs valid settings")
    try:
        key = settings.require_api_key()
    except errors.AuthError as exc:
        return _failed("key", exc)
    return Check("key", OK, f"{redact(key)} from {settings.api_key_source}")


def check_api(
    settings: Settings | None,
    *,
    transport: httpx.BaseTransport | None = None,
    debug_log: Callable[[str], None] | None = None,
) -> Check:
    """The API answers, and accepts the key, without spending anything (see PROBE_ID)."""
    if settings is None or not settings.api_key:
        return Check("api", SKIP, "needs a key and valid settings")
    if not settings.base_url:
        return _failed("api", _no_base_url(settings))
    from sora_cli.client import NO_RETRY, HttpCore
    from sora_cli.dialects import status_path

    probe = status_path(settings.profile, PROBE_ID)  # each dialect has its own route

    started = time.monotonic()
    # One attempt, no retries: a doctor reports the state of things now, and quickly.
    # NO_RETRY leaves connect errors retryable (they never reach the server), so the core
    # also gets a deadline that no retry wait can fit before.
    with HttpCore(
        settings.base_url,
        settings.api_key,
        transport=transport,
        debug_log=debug_log,
        deadline=started,
    ) as core:
        try:
            response = core.request("GET", probe, policy=NO_RETRY, what="the API")
        except errors.ApiNotFound as exc:
            if exc.body is None:  # a web page's "not found", not the API's JSON error
                return _failed("api", _not_the_api(settings.base_url))
            status = 404
        except errors.SoraError as exc:
            return _failed("api", exc)
        else:
            status = response.status_code
    elapsed = (time.monotonic() - started) * 1000
    return Check(
        "api",
        OK,
        f"key accepted: GET {probe} answered {status} in {elapsed:.0f} ms "
        f"({'unknown task, as expected' if status == 404 else 'status queries are free'})",
    )


def check_model(
    settings: Settings | None,
    *,
    transport: httpx.BaseTransport | None = None,
    debug_log: Callable[[str], None] | None = None,
) -> Check:
    """The configured model is live in the catalog and, where the server lists its models
    (`GET /models`, free), served there."""
    if settings is None:
        return Check("model", SKIP, "needs valid settings")
    profile = settings.profile
    if not settings.model:
        return Check(
            "model",
            WARN,
            f"the {profile.name} profile has no default model",
            hint="sora config set model NAME (`sora models` lists the known ones)",
        )
    entry = profile.entry(settings.model)
    notes: list[str] = []
    hint = None
    status = OK
    if entry is not None and entry.is_retired:
        status = WARN
        notes.append(f"retired upstream since {entry.retired_since}")
        if entry.successor:
            hint = f"sora config set model {entry.successor}"
    elif entry is None:
        notes.append("not in the catalog: sent unchecked")
    served = _served(settings, transport, debug_log)
    if not settings.api_key or not settings.base_url:
        notes.append("the server was not asked (needs a key and a base URL)")
    elif served is None:
        notes.append("the server does not list its models")
    else:
        ids = set(entry.ids) | {entry.name} if entry is not None else {settings.model}
        if ids & set(served):
            notes.append("served (GET /models)")
        else:
            status = WARN
            notes.append(f"not served here (GET /models lists {len(served)} other models)")
            hint = hint or "choose a served model: sora models --check"
    return Check("model", status, f"{settings.model}: " + "; ".join(notes), hint)


def _served(
    settings: Settings,
    transport: httpx.BaseTransport | None,
    debug_log: Callable[[str], None] | None,
) -> list[str] | None:
    """What `GET /models` lists, or None when it cannot be asked or does not answer."""
    if not settings.api_key or not settings.base_url:
        return None
    from sora_cli.api import served_models
    from sora_cli.client import NO_RETRY, HttpCore

    with HttpCore(
        settings.base_url,
        settings.api_key,
        transport=transport,
        debug_log=debug_log,
        deadline=time.monotonic(),
    ) as core:
        try:
            return served_models(core, NO_RETRY)
        except errors.SoraError:
            return None


def _no_base_url(settings: Settings) -> errors.UsageError:
    try:
        settings.require_base_url()
    except errors.UsageError as exc:
        return exc
    raise AssertionError("a base URL was given")  # pragma: no cover


def _not_the_api(base_url: str) -> errors.BadContent:
    return errors.BadContent(
        f"{base_url} answered 404 with a page that is not an API answer, so the key "
        "could not be checked",
        hint="the base URL may point at a web site rather than the API; it usually ends "
        "in /v1 (e.g. https://api.laozhang.ai/v1)",
    )


def check_journal(path: Path) -> Check:
    """The job journal opens, is private (0600), and how many tasks it holds."""
    if not path.exists():
        return Check("journal", OK, f"no journal yet at {path} (the first task creates it)")
    import sqlite3

    from sora_cli.journal import Journal

    try:
        mode = _mode(path)
        with Journal(path) as journal:
            count = len(journal.list())
    except (OSError, sqlite3.Error, errors.UsageError) as exc:
        reason = exc.__cause__ if isinstance(exc, errors.UsageError) else exc
        return _failed(
            "journal",
            errors.UsageError(
                f"journal {path} cannot be opened: {reason}",
                hint="move it aside (keep it: it lists paid tasks); sora starts a new one",
            ),
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return _failed(
            "journal",
            errors.UsageError(
                f"journal {path} has mode {mode:04o}: other users can read your prompts",
                hint=f"chmod 600 {path}",
            ),
        )
    return Check("journal", OK, f"{path} (mode {mode:04o}; {count} task{'s' * (count != 1)})")


def _isatty(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def check_terminal(stdout: IO[Any], stderr: IO[Any], env: Mapping[str, str]) -> Check:
    """How output will look here: TTYs, colour, NO_COLOR (information, never a failure)."""
    from sora_cli.console import color_allowed

    def tty(stream: IO[Any]) -> str:
        return "a terminal" if _isatty(stream) else "not a terminal"

    colour = "on" if color_allowed(stderr) else "off"
    no_color = "set" if env.get("NO_COLOR") else "unset"
    progress = "progress bars" if _isatty(stderr) and env.get("TERM") != "dumb" else "plain lines"
    return Check(
        "terminal",
        OK,
        f"stdout {tty(stdout)}, stderr {tty(stderr)} ({progress}); colour {colour}, "
        f"NO_COLOR {no_color}, TERM={env.get('TERM') or '-'}",
    )


def run_checks(
    overrides: Overrides,
    *,
    stdout: IO[Any],
    stderr: IO[Any],
    env: Mapping[str, str] | None = None,
    transport: httpx.BaseTransport | None = None,
    debug_log: Callable[[str], None] | None = None,
) -> list[Check]:
    """Every check, in the order of the table."""
    env = os.environ if env is None else env
    paths = resolve_paths(env)
    config = check_config(paths.config_file)
    resolved, settings = check_settings(overrides, env)
    return [
        config,
        resolved,
        check_key(settings),
        check_api(settings, transport=transport, debug_log=debug_log),
        check_model(settings, transport=transport, debug_log=debug_log),
        check_journal(paths.journal_file),
        check_terminal(stdout, stderr, env),
    ]


def first_failure(checks: list[Check]) -> Check | None:
    """The check whose error decides the exit code."""
    return next((c for c in checks if c.status == FAIL), None)
