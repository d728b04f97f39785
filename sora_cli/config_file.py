"""The config file: TOML, read with the line of every problem, edited line by line (so a
`sora config set` keeps comments and keys it does not know), written atomically with mode
0600 in a 0700 directory because it may hold the API key."""

from __future__ import annotations

import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sora_cli.config_keys import CONFIG_KEYS
from sora_cli.errors import ConfigError
from sora_cli.paths import ensure_private_dir

_TABLE_HEADER = re.compile(r"^\s*\[")
USER_PROFILES_TABLE = "profiles"


def _top_level_lines(text: str, key: str) -> list[int]:
    """Numbers (from 1) of the lines that set `key` at the top level, before any [table]."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    found = []
    for number, line in enumerate(_lines(text), start=1):
        if _TABLE_HEADER.match(line):
            break
        if pattern.match(line):
            found.append(number)
    return found


def _line_of_key(text: str, key: str) -> int | None:
    lines = _top_level_lines(text, key)
    return lines[0] if lines else None


def _lines(text: str) -> list[str]:
    """The file's lines with their ends, split as TOML counts them: on "\\n" only
    (`str.splitlines` would also split on U+2028 and the like inside a comment)."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]  # the last piece had no newline after it
    return lines if lines[-1] else lines[:-1]


def _error_line(exc: tomllib.TOMLDecodeError, text: str) -> int | None:
    lineno = getattr(exc, "lineno", None)  # Python >= 3.14
    if isinstance(lineno, int):
        return lineno
    match = re.search(r"at line (\d+)", str(exc))
    if match:
        return int(match.group(1))
    lines = _lines(text)
    if "end of document" in str(exc) and lines:  # e.g. a string left open on the last line
        try:  # blamed on the last line only if the file parses without it
            tomllib.loads("".join(lines[:-1]))
        except tomllib.TOMLDecodeError:
            return None
        return len(lines)
    return None


def _edit_text(text: str, key: str, value: Any | None) -> str:
    """`text` with the top-level `key = ...` lines replaced by one `key = value` line (or
    removed, for None). Every other line, comments included, stays as it was."""
    import tomli_w

    targets = set(_top_level_lines(text, key))
    new = tomli_w.dumps({key: value}) if value is not None else ""
    out: list[str] = []
    for number, line in enumerate(_lines(text), start=1):
        if number in targets:
            out.append(new)
            new = ""
            continue
        out.append(line)
    if new:
        # A key written after a [table] header would belong to that table.
        at = next((i for i, line in enumerate(out) if _TABLE_HEADER.match(line)), len(out))
        if at and not out[at - 1].endswith("\n"):
            out[at - 1] += "\n"
        out.insert(at, new)
    return "".join(out)


def _cli_name(key: str) -> str:
    return key.replace("_", "-")


class BrokenConfigFile(ConfigError):
    """The config file is not TOML at all; `line` is where the parser gave up."""

    def __init__(self, message: str, *, hint: str, line: int | None):
        super().__init__(message, hint=hint)
        self.line = line


def _read_text(path: Path, warnings: list[str]) -> str | None:
    """The file's text, or None when there is no file; a loose mode adds a warning."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            warnings.append(f"config file {path} is readable by other users; run: chmod 600 {path}")
    except OSError:
        pass
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BrokenConfigFile(
            f"config file {path} is not UTF-8 text ({exc.reason} at byte {exc.start})",
            hint=f"fix it in an editor, or move it aside (mv {path} {path}.broken) and set "
            "your keys again with `sora config set`",
            line=None,
        ) from exc


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _error_line(exc, text)
        # `sora config set/unset` can replace a broken line of a known key (load_to_edit);
        # for any other line only an editor, or starting afresh, can help.
        owner = next((k for k in CONFIG_KEYS if line and line in _top_level_lines(text, k)), None)
        if owner is not None:
            hint = (
                f"fix line {line} in an editor, or replace it: sora config set "
                f"{_cli_name(owner)} VALUE (or: sora config unset {_cli_name(owner)})"
            )
        else:
            where = f"line {line}" if line else "it"
            hint = (
                f"fix {where} in an editor, or move the file aside (mv {path} {path}.broken) "
                "and set your keys again with `sora config set`"
            )
        raise BrokenConfigFile(
            f"config file {path} is broken: {exc}", hint=hint, line=line
        ) from exc


@dataclass
class ConfigFile:
    """The parsed config file, with the warnings reading it produced.

    `values` holds the known keys, checked; `data` holds everything the file holds (unknown
    keys too), and is what `save` writes back, so a `config set` never drops a line it does
    not understand.
    """

    path: Path
    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # Lenient loads only: known keys whose value is bad, with the error a strict load raises.
    problems: dict[str, ConfigError] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the file as read: save() edits it line by line to keep the comments
    repaired_line: int | None = None  # load_to_edit: the broken line the edit replaces
    _edits: list[tuple[str, Any]] = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, path: Path, *, lenient: bool = False) -> ConfigFile:
        """Read and check the file; a missing file is an empty config.

        A bad value is an error naming the file and line, or with `lenient` (the
        `sora config` commands, which must be able to fix it) a warning.
        """
        warnings: list[str] = []
        text = _read_text(path, warnings)
        if text is None:
            return cls(path)
        return cls._check(path, text, _parse_toml(path, text), warnings, lenient=lenient)

    @classmethod
    def load_to_edit(cls, path: Path, key: str) -> ConfigFile:
        """`load(lenient=True)`, except that a file that is broken on a line of `key` itself
        loads without that key, so setting or unsetting `key` replaces the broken line
        (every other line is kept as it is). Any other breakage still raises."""
        try:
            return cls.load(path, lenient=True)
        except BrokenConfigFile as exc:
            warnings: list[str] = []
            text = _read_text(path, warnings)
            if text is None or exc.line is None or exc.line not in _top_level_lines(text, key):
                raise
            try:
                data = tomllib.loads(_edit_text(text, key, None))
            except tomllib.TOMLDecodeError:
                raise exc from None
            config = cls._check(path, text, data, warnings, lenient=True)
            config.repaired_line = exc.line
            return config

    @classmethod
    def _check(
        cls, path: Path, text: str, data: dict[str, Any], warnings: list[str], *, lenient: bool
    ) -> ConfigFile:
        config = cls(path, warnings=warnings, data=dict(data), text=text)
        for name, value in data.items():
            if name == USER_PROFILES_TABLE:  # read by user_profiles.py, with its own checks
                continue
            line = _line_of_key(text, name)
            where = f"{path}, line {line}" if line else str(path)
            key = CONFIG_KEYS.get(name)
            if key is None:
                alias = name.strip().lower().replace("-", "_")
                note = f" (the key is spelled {alias})" if alias in CONFIG_KEYS else ""
                config.warnings.append(f"{where}: unknown key {name!r} ignored{note}")
                continue
            try:
                config.values[name] = key.parse(value)
            except ValueError as exc:
                error = ConfigError(
                    f"{where}: bad value for {name}: {exc}",
                    hint=f"fix it: sora config set {_cli_name(name)} VALUE "
                    f"(or: sora config unset {_cli_name(name)})",
                )
                if not lenient:
                    raise error from exc
                config.problems[name] = error
                config.warnings.append(error.message)
        return config

    def where(self, key: str) -> str:
        """`FILE, line N` of a top-level key (or just the file)."""
        line = _line_of_key(self.text, key)
        return f"{self.path}, line {line}" if line else str(self.path)

    def set(self, key: str, value: Any) -> None:
        """Set a checked value (written by `save`)."""
        self.values[key] = self.data[key] = value
        self.problems.pop(key, None)
        self._edits.append((key, value))

    def unset(self, key: str) -> bool:
        """Remove a key (written by `save`); False if the file did not hold it."""
        present = key in self.data
        for held in (self.data, self.values, self.problems):
            held.pop(key, None)
        self._edits.append((key, None))
        return present

    def render(self) -> str:
        """The file's new text: the old one with only the edited lines changed, or, where
        that cannot be done exactly (a value spanning lines), the data written afresh."""
        import tomli_w

        text = self.text
        for key, value in self._edits:
            text = _edit_text(text, key, value)
        try:
            if tomllib.loads(text) == self.data:
                return text
        except tomllib.TOMLDecodeError:
            pass
        return tomli_w.dumps(self.data)

    def save(self) -> None:
        """Write atomically (temp file + rename) with mode 0600."""
        ensure_private_dir(self.path.parent)
        payload = self.render().encode("utf-8")
        import tempfile  # only a write needs it

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
