"""Shell completion: the active profile's values, config keys, and task ids from the journal.

Every Tab runs a whole `sora` process, so a completion must answer within 100 ms (issue 6,
measured by benchmarks/completion.py). Hence: no httpx, no rich, no pydantic, no `settings`
module (paths come from `sora_cli.paths`); the journal is read with sqlite3, read-only; and
only the subcommand being completed is built (`app_for_completion`).

No `from __future__ import annotations` here: Typer evaluates the callbacks' annotations
when it builds the command tree, and real annotations cost nothing to evaluate.
"""

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    import sqlite3

    from sora_cli.catalog import ModelEntry
    from sora_cli.profiles import Profile

# Enough for a menu; more would only scroll. Newest first, like `sora list`.
MAX_TASK_IDS = 50
_PROMPT_WIDTH = 40

Completion = tuple[str, str]


# The config file is flat TOML written by tomli-w (`profile = "openai"`); a regex finds the
# one key completion needs without importing tomllib. A wrong guess only offers other values.
_TOP_LEVEL_LINE = r"""^\s*{key}\s*=\s*["']([A-Za-z0-9_.:-]+)["']"""


def _config_value(key: str) -> str | None:
    """A top-level string key of the config file (before any [table]), or None (missing or
    unreadable file: completion guesses)."""
    from sora_cli.paths import resolve_paths

    try:
        text = resolve_paths().config_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    top = re.split(r"^\s*\[", text, maxsplit=1, flags=re.MULTILINE)[0]
    match = re.search(_TOP_LEVEL_LINE.format(key=key), top, re.MULTILINE)
    return match.group(1) if match else None


def _config_profile() -> str | None:
    """The config file's `profile`."""
    return _config_value("profile")


def active_profile_name(ctx: typer.Context | None) -> str:
    """`--profile` typed so far > SORA_PROFILE > config file > the default profile."""
    from sora_cli.profiles import DEFAULT_PROFILE

    typed = ctx.params.get("profile") if ctx is not None else None
    for candidate in (typed, os.environ.get("SORA_PROFILE"), _config_profile()):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip().lower()
    return DEFAULT_PROFILE


def _user_profiles() -> dict[str, "Profile"]:
    """The config file's `[profiles.NAME]` tables, read only when a Tab needs them."""
    from sora_cli.paths import resolve_paths

    try:
        path = resolve_paths().config_file
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return {}
    if "[profiles." not in text and "[profiles]" not in text:
        return {}
    import tomllib

    from sora_cli.user_profiles import load_user_profiles

    try:
        return load_user_profiles(path, text, tomllib.loads(text).get("profiles"))
    except Exception:  # a broken file: no error mid-Tab, just no user profiles
        return {}


def _profile(ctx: typer.Context | None) -> "Profile":
    """The active profile; an unknown name falls back to the default (no error mid-Tab)."""
    from sora_cli.profiles import DEFAULT_PROFILE, PROFILES

    name = active_profile_name(ctx)
    found = PROFILES.get(name) or _user_profiles().get(name)
    return found or PROFILES[DEFAULT_PROFILE]


def _entry(ctx: typer.Context | None, profile: "Profile") -> "ModelEntry | None":
    """The model typed so far on the line, else the profile's default model."""
    typed = ctx.params.get("model") if ctx is not None else None
    if not (isinstance(typed, str) and typed.strip()):
        typed = None if profile.pinned & {"model"} else _config_value("model")
    name = typed or profile.default_model
    return profile.entry(name)


def complete_size(ctx: typer.Context, incomplete: str) -> list[Completion]:
    """The model's sizes (the one typed, else the default), plus the aliases it supports."""
    from sora_cli.profiles import SIZE_ALIASES

    profile = _profile(ctx)
    entry = _entry(ctx, profile)
    sizes = entry.sizes if entry is not None and entry.sizes else profile.sizes
    label = entry.name if entry is not None else f"{profile.name} profile"
    items = [(size, label) for size in sizes]
    items += [(alias, size) for alias, size in SIZE_ALIASES.items() if size in sizes]
    return items


def complete_fit(ctx: typer.Context, incomplete: str) -> list[Completion]:
    """The two ways `--fit` makes an image the video's size."""
    return [("crop", "scale to cover, cut the centre"), ("pad", "scale to fit, black bars")]


def complete_seconds(ctx: typer.Context, incomplete: str) -> list[Completion]:
    """The model's durations (the one typed, else the profile's default model)."""
    profile = _profile(ctx)
    entry = _entry(ctx, profile)
    if entry is not None and entry.seconds:
        return [(str(s), f"seconds ({entry.name})") for s in entry.seconds]
    return [(str(s), f"seconds ({profile.name} profile)") for s in profile.seconds]


def complete_model(ctx: typer.Context, incomplete: str) -> list[Completion]:
    """The active profile's models, each family's longer ids too."""
    profile = _profile(ctx)
    items: list[Completion] = []
    for entry in profile.catalog:
        state = "retired" if entry.is_retired else "live"
        items.append((entry.name, f"{profile.name} profile, {state}"))
        for seconds, model_id in entry.durations:
            if model_id != entry.name and model_id not in (i for i, _ in items):
                items.append((model_id, f"{entry.name}, {seconds} s"))
    return items


def complete_sync_model(ctx: typer.Context, incomplete: str) -> list[Completion]:
    """The active profile's sync-API model names (`sora stream --model`)."""
    profile = _profile(ctx)
    return [(model, f"{size}, {seconds}s") for size, seconds, model in profile.sync_models]


def complete_demo_size(incomplete: str) -> list[Completion]:
    """`sora demo` always runs the laozhang profile's emulator."""
    from sora_cli.catalog import LAOZHANG_SORA_2

    return [(size, "demo") for size in LAOZHANG_SORA_2.sizes or ()]


def complete_demo_seconds(incomplete: str) -> list[Completion]:
    """`sora demo` always runs the laozhang profile's emulator."""
    from sora_cli.catalog import LAOZHANG_SORA_2

    return [(str(s), "seconds (demo)") for s in LAOZHANG_SORA_2.seconds]


def complete_profile(incomplete: str) -> list[Completion]:
    """Known API profiles, with what each one is."""
    from sora_cli.profiles import PROFILES

    known = {**PROFILES, **_user_profiles()}
    return [(name, p.description) for name, p in known.items()]


def complete_config_key(incomplete: str) -> list[Completion]:
    """Config keys in their command-line spelling (`api-key`)."""
    from sora_cli.config_keys import CONFIG_KEYS

    return [(name.replace("_", "-"), key.help) for name, key in CONFIG_KEYS.items()]


def complete_task_id(incomplete: str) -> list[Completion]:
    """`sora status`/`download`: async tasks and `sora stream` runs, newest first."""
    return _task_ids(incomplete, ("async", "stream"))


def complete_gallery_target(incomplete: str) -> list[Completion]:
    """`sora gallery`: batch ids (newest first), then task ids."""
    import sqlite3

    db = _open_journal()
    if db is None:
        return []
    try:
        rows = db.execute(
            "SELECT id, source FROM batches WHERE id LIKE ? ESCAPE '\\' "
            "ORDER BY created_at DESC LIMIT ?",
            (_like_prefix(incomplete), MAX_TASK_IDS),
        ).fetchall()
    except sqlite3.Error:
        rows = []
    finally:
        db.close()
    return [(str(row[0]), f"batch: {row[1]}") for row in rows] + complete_task_id(incomplete)


def _open_journal() -> "sqlite3.Connection | None":
    """The journal, read-only (a completion never creates or migrates it), or None."""
    import sqlite3

    from sora_cli.paths import resolve_paths

    path = resolve_paths().journal_file
    if not path.exists():
        return None
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=0.05)
    except sqlite3.Error:
        return None


def _task_ids(incomplete: str, kinds: tuple[str, ...]) -> list[Completion]:
    """Ids from the journal with status and prompt as help; ambiguous/intent rows left out."""
    import sqlite3

    db = _open_journal()
    if db is None:
        return []
    marks = ", ".join("?" for _ in kinds)
    try:
        rows = db.execute(
            f"SELECT id, status, progress, prompt FROM jobs WHERE kind IN ({marks}) "
            "AND id LIKE ? ESCAPE '\\' ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (*kinds, _like_prefix(incomplete), MAX_TASK_IDS),
        ).fetchall()
    except sqlite3.Error:
        return []
    finally:
        db.close()
    return [(str(row[0]), _task_help(row[1], row[2], row[3])) for row in rows]


def _like_prefix(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _task_help(status: str | None, progress: int | None, prompt: str | None) -> str:
    state = status or "?"
    if progress is not None and status not in ("completed", "failed"):
        state += f" {progress}%"
    text = " ".join((prompt or "").split())
    if len(text) > _PROMPT_WIDTH:
        text = text[: _PROMPT_WIDTH - 1] + "…"
    return f"{state}: {text}" if text else state


def _plain_help(text: str) -> str:
    return text


@contextmanager
def fast_completion() -> Iterator[None]:
    """Keep Typer's completion path cheap and exact for this app, for one completion run.

    The zsh/fish/PowerShell formatters pass help texts through `rich_render_text`, which
    imports all of rich and drops anything in brackets (`[env: SORA_DEBUG]`). The app runs
    with `rich_markup_mode=None`: its help texts are plain, so they pass unchanged.

    This touches a Typer internal (Typer is pinned `<0.29`, DESIGN "Packages");
    tests/test_completion.py fails if it stops working.
    """
    from typer import _completion_classes

    original_sanitize = _completion_classes._sanitize_help_text
    _completion_classes._sanitize_help_text = _plain_help
    try:
        yield
    finally:
        _completion_classes._sanitize_help_text = original_sanitize


def app_for_completion(app_factory: Callable[[], typer.Typer], instruction: str) -> typer.Typer:
    """A root app with only the subcommand being completed built (see command_tree.py).

    A completion only looks inside the first command word already typed (`sora generate
    --size <Tab>`: generate); before one is typed, the stubs' names and summaries are all a
    Tab can offer. A malformed completion environment builds every command: completion is
    never worse than without this.
    """
    from sora_cli.command_tree import COMMANDS, add_commands, only_the_named_command

    try:
        words = _typed_words(instruction)
    except Exception:  # let Typer handle it as usual, with the whole tree
        return add_commands(app_factory(), list(COMMANDS))
    return only_the_named_command(app_factory, words)


def _typed_words(instruction: str) -> list[str]:
    """The complete words after `sora`, as Typer's shell class for `instruction` reads them."""
    from typer._click.shell_completion import get_completion_class
    from typer._completion_classes import completion_init
    from typer.core import TyperCommand

    completion_init()  # registers Typer's bash/zsh/fish/powershell classes (idempotent)
    shell = instruction.partition("_")[2]
    cls = get_completion_class(shell)
    if cls is None:
        return []
    args, _ = cls(TyperCommand("sora"), {}, "sora", "_SORA_COMPLETE").get_completion_args()
    return args
