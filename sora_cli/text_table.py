"""Result tables laid out for a terminal's width, in plain Python.

`sora list` is the command people run most often at a terminal. Laying its table out with rich
cost more than the rest of the run (importing rich alone takes longer than importing Typer),
and the table needs only aligned columns, a bold header and the fitting rules below.

Fitting, when the natural table is wider than the terminal: the `keep` columns (ids, what
other commands take) are never shortened; first the `give_way` columns shrink, with an
ellipsis, then the `drop` columns go, in order, and room a dropped column freed goes back to
the columns that gave way; any other column folds onto more lines, losing nothing. On a
terminal too narrow even for that, the rightmost columns that are not kept go.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

GAP = "  "  # between two columns
ELLIPSIS = "…"
# A column that gives way keeps at least this many characters (or its header's width).
GIVE_WAY_FLOOR = 12
FOLD_FLOOR = 8  # a folding column keeps at least this many (or its header's width)
HARD_FLOOR = 4  # what any column but a kept one keeps when nothing else fits
_BOLD, _RESET = "\x1b[1m", "\x1b[0m"


def char_width(char: str) -> int:
    """Terminal cells one character takes: 2 for wide East Asian ones, 0 for combining."""
    if unicodedata.combining(char) or char in "\u200b\u200c\u200d\ufeff":
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Terminal cells a one-line text takes."""
    if text.isascii():
        return len(text)
    return sum(char_width(c) for c in text)


def cut(text: str, width: int) -> str:
    """`text` shortened to `width` cells, ending with an ellipsis when anything was cut."""
    if text_width(text) <= width:
        return text
    kept: list[str] = []
    used = 0
    for char in text:
        w = char_width(char)
        if used + w > width - 1:
            break
        kept.append(char)
        used += w
    return "".join(kept) + ELLIPSIS


def fold(text: str, width: int) -> list[str]:
    """`text` wrapped onto lines of at most `width` cells: at spaces where it can be, inside
    a word (a path, an id) only where the word alone is too long. Only the spaces where a
    line breaks are lost."""
    if text_width(text) <= width:
        return [text]
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        joined = f"{line} {word}" if line else word
        if text_width(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        pieces = _cells(word, width)
        lines.extend(pieces[:-1])
        line = pieces[-1]
    if line or not lines:
        lines.append(line)
    return lines


def _cells(word: str, width: int) -> list[str]:
    """A word cut into pieces of at most `width` cells (the last may be shorter)."""
    pieces: list[str] = []
    piece: list[str] = []
    used = 0
    for char in word:
        w = char_width(char)
        if used + w > width and piece:
            pieces.append("".join(piece))
            piece, used = [], 0
        piece.append(char)
        used += w
    pieces.append("".join(piece))
    return pieces


def fit_widths(
    columns: Sequence[str],
    natural: dict[str, int],
    room: int,
    *,
    keep: Sequence[str] = (),
    give_way: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> dict[str, int]:
    """The columns to show (in order) and each one's width, for a terminal `room` cells wide."""
    widths = dict(natural)
    shown = list(columns)

    def excess() -> int:
        return sum(widths[c] for c in shown) + len(GAP) * (len(shown) - 1) - room

    for name in give_way:
        if excess() <= 0:
            break
        if name in shown:
            floor = max(text_width(name), GIVE_WAY_FLOOR)
            widths[name] -= max(0, min(excess(), widths[name] - floor))
    for name in drop:
        if excess() <= 0:
            break
        if name in shown:
            shown.remove(name)
    for name in give_way:  # room that a dropped column freed goes back, in order
        if excess() >= 0:
            break
        if name in shown:
            widths[name] += min(-excess(), natural[name] - widths[name])
    folding = [c for c in shown if c not in keep and c not in give_way]
    shrinking = [c for c in shown if c not in keep]
    # The widest column gives a cell at a time: first the folding ones down to their header
    # (or FOLD_FLOOR), then, on a very narrow terminal, every column but the kept ones down
    # to HARD_FLOOR (headers are cut too).
    floors: list[tuple[list[str], Callable[[str], int]]] = [
        (folding, lambda c: max(text_width(c), FOLD_FLOOR)),
        (shrinking, lambda c: HARD_FLOOR),
    ]
    for candidates, floor_of in floors:
        while excess() > 0:
            wide = [c for c in candidates if widths[c] > floor_of(c)]
            if not wide:
                break
            widest = max(wide, key=lambda c: widths[c])
            widths[widest] -= 1
    while excess() > 0:  # the last resort: the rightmost columns that are not kept go
        spare = [c for c in shown if c not in keep]
        if not spare:
            break  # the kept columns alone are wider than the terminal: let it wrap
        shown.remove(spare[-1])
    return {name: widths[name] for name in shown}


def render(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    room: int,
    *,
    keep: Sequence[str] = (),
    give_way: Sequence[str] = (),
    drop: Sequence[str] = (),
    bold_header: bool = False,
) -> str:
    """The table as text lines (each ending in a newline), fitted to `room` cells."""
    natural = {
        name: max([text_width(name), *(text_width(row[i]) for row in rows)])
        for i, name in enumerate(columns)
    }
    widths = fit_widths(columns, natural, room, keep=keep, give_way=give_way, drop=drop)
    index = {name: i for i, name in enumerate(columns)}
    header = GAP.join(_pad(cut(name, widths[name]), widths[name]) for name in widths).rstrip()
    out = [f"{_BOLD}{header}{_RESET}" if bold_header else header]
    for row in rows:
        cells: dict[str, list[str]] = {}
        for name, width in widths.items():
            text = row[index[name]]
            if name in give_way:
                cells[name] = [cut(text, width)]
            elif name in keep:
                cells[name] = [text]
            else:
                cells[name] = fold(text, width)
        height = max(len(lines) for lines in cells.values())
        for n in range(height):
            parts = [
                _pad(cells[name][n] if n < len(cells[name]) else "", width)
                for name, width in widths.items()
            ]
            out.append(GAP.join(parts).rstrip())
    return "".join(f"{line}\n" for line in out)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - text_width(text))
