"""Text from elsewhere made safe to show or store: secrets redacted, control codes removed.

Standard library only, so the HTTP core and the journal can use it as well as the console.
A key must be redacted *before* any text is cut short (a key cut in half no longer matches
a whole-key search), and any long fragment of it counts: 31 of 33 characters of a key are
as bad as all of them. Server text (ids, statuses, error messages) may hold terminal escape
sequences or newlines meant to clear a screen or forge a line of our output; `printable`
removes them wherever such text enters a display or a log.
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"
# A run of this many characters of a key is redacted wherever it appears: long enough that
# ordinary text never matches by chance, short enough that no useful part of a key shows.
MIN_FRAGMENT = 8

_SECRETS: set[str] = set()

# C0 controls (tab and newline included), DEL, C1 controls, and the Unicode line/paragraph
# separators and bidi overrides that can reorder or split what a terminal shows.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Like _CONTROL but keeps newline and tab: for our own multi-line text (tables, summaries).
_CONTROL_EXCEPT_LAYOUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANSI_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)")


def register_secret(secret: str | None) -> None:
    """Remember a value that must never be printed, logged or stored."""
    if secret and len(secret) >= 4:
        _SECRETS.add(secret)


def scrub_secrets(text: str) -> str:
    """Replace every registered secret, and every fragment of one of at least
    `MIN_FRAGMENT` characters, with `[redacted]`."""
    for secret in _SECRETS:
        if secret in text:
            text = text.replace(secret, REDACTED)
        if len(secret) > MIN_FRAGMENT:
            text = _scrub_fragments(text, secret)
    return text


def _scrub_fragments(text: str, secret: str) -> str:
    """Each maximal run of `text` that is a substring of `secret` and at least MIN_FRAGMENT
    long becomes `[redacted]`. Linear in the text: a run starts with a known n-gram."""
    grams = {secret[i : i + MIN_FRAGMENT] for i in range(len(secret) - MIN_FRAGMENT + 1)}
    spans: list[tuple[int, int]] = []
    i = 0
    while i + MIN_FRAGMENT <= len(text):
        if text[i : i + MIN_FRAGMENT] not in grams:
            i += 1
            continue
        end = i + MIN_FRAGMENT
        while end < len(text) and text[i : end + 1] in secret:
            end += 1
        spans.append((i, end))
        i = end
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in spans:
        out.append(text[last:start])
        out.append(REDACTED)
        last = end
    out.append(text[last:])
    return "".join(out)


def printable(text: str) -> str:
    """One line of server text safe for a terminal or a log: escape sequences removed,
    other control characters (newlines included) shown as a space."""
    return _CONTROL.sub(" ", _ANSI_SEQUENCE.sub("", text))


def printable_lines(text: str) -> str:
    """Like `printable`, keeping newlines and tabs (our own multi-line output)."""
    return _CONTROL_EXCEPT_LAYOUT.sub(" ", _ANSI_SEQUENCE.sub("", text))


def has_control(text: str) -> bool:
    """Whether `text` holds a control character (a path that must be quoted to be shown)."""
    return _CONTROL.search(text) is not None


def quoted_path(path: str) -> str:
    """A path as one line: as is when plain, else in the shell's `$'...'` quoting, which
    a POSIX shell reads back as the same name."""
    if not has_control(path):
        return path
    out = []
    for char in path:
        if char in "\\'":
            out.append("\\" + char)
        elif _CONTROL.match(char):
            code = ord(char)
            out.append(
                {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char)
                or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
            )
        else:
            out.append(char)
    return "$'" + "".join(out) + "'"
