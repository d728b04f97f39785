"""The gallery page: cards in, one self-contained HTML document out. No I/O.

The page must survive being zipped with its videos and opened anywhere, so it links only by
relative URL, loads nothing from the network and runs no script (a Content-Security-Policy
says so to the browser as well). Prompts, errors and ids come from users and servers: every
one of them is escaped here, in one place, and every link is percent-encoded path segments,
so no file name can become a `javascript:` URL or break out of an attribute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from urllib.parse import quote

GENERATOR = "sora-cli gallery"  # also how `sora gallery` recognises a page it may replace

# What a card's video area says when there is no video to play, by card state.
_NO_VIDEO = {
    "failed": "failed: no video",
    "expired": "expired before it was downloaded",
    "running": "not finished yet",
    "missing": "video file not found",
    "not-downloaded": "completed, not downloaded",
}
_BADGES = {
    "completed": "completed",
    "failed": "failed",
    "expired": "expired",
    "running": "not finished",
    "missing": "file missing",
    "not-downloaded": "not downloaded",
}

# `media-src`/`img-src` `'self'` covers a page served over HTTP; `file:` a page opened from
# disk (Chromium does not count other file: URLs as 'self'). Nothing else may load or run.
_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; media-src 'self' file:; "
    "img-src 'self' file: data:; base-uri 'none'; form-action 'none'"
)

_STYLE = """
:root { color-scheme: light dark; --fg: #1d1d1f; --muted: #6e6e73; --bg: #f5f5f7;
  --card: #fff; --line: #d2d2d7; --bad: #b3261e; --warn: #8a5a00; --ok: #1b7f3b; }
@media (prefers-color-scheme: dark) { :root { --fg: #f5f5f7; --muted: #a1a1a6;
  --bg: #111; --card: #1c1c1e; --line: #3a3a3c; --bad: #ff6b60; --warn: #f0b429;
  --ok: #4cd471; } }
* { box-sizing: border-box; }
body { margin: 0; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; }
header h1 { margin: 0 0 .25rem; font-size: 1.4rem; }
header p { margin: 0 0 1.25rem; color: var(--muted); }
main { display: grid; gap: 1rem; align-items: start;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 20rem), 1fr)); }
article { background: var(--card); border: 1px solid var(--line); border-radius: 12px;
  overflow: hidden; display: flex; flex-direction: column; }
article.failed, article.expired, article.missing { border-color: var(--bad); }
article.running, article.not-downloaded { border-color: var(--warn); }
.media { background: #000; aspect-ratio: 16 / 9; display: flex; align-items: center;
  justify-content: center; }
.media.portrait { aspect-ratio: 9 / 16; max-height: 28rem; }
.media video { width: 100%; height: 100%; object-fit: contain; display: block; }
.media.empty { background: var(--line); aspect-ratio: 32 / 9; }
.media .none { color: var(--fg); padding: 1rem; text-align: center; overflow-wrap: anywhere; }
.body { padding: .75rem 1rem 1rem; display: flex; flex-direction: column; gap: .5rem; }
.prompt { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.badge { align-self: flex-start; font-size: .8rem; font-weight: 600; padding: .1rem .5rem;
  border-radius: 999px; border: 1px solid currentColor; }
.badge.completed { color: var(--ok); }
.badge.failed, .badge.expired, .badge.missing { color: var(--bad); }
.badge.running, .badge.not-downloaded { color: var(--warn); }
.error { margin: 0; color: var(--bad); overflow-wrap: anywhere; }
dl { margin: 0; display: grid; grid-template-columns: max-content 1fr; gap: .1rem .75rem;
  font-size: .85rem; }
dt { color: var(--muted); }
dd { margin: 0; overflow-wrap: anywhere; }
code { font: .8rem ui-monospace, SFMono-Regular, Menlo, monospace; }
"""


@dataclass(frozen=True)
class Card:
    """What one task's card shows; every string is plain text (escaped when rendered)."""

    task_id: str
    state: str  # completed | failed | expired | running | missing | not-downloaded
    status: str  # the status word as the server (or journal) gave it
    prompt: str | None = None
    model: str | None = None
    size: str | None = None
    seconds: str | None = None
    cost: str = "-"
    created: str = "-"
    error: str | None = None
    path: str | None = None  # the video file, as shown (relative to the page where it can be)
    video: str | None = None  # relative path from the page to the video, when it plays
    poster: str | None = None  # relative path from the page to a still image, if any


def href(relative_path: str) -> str:
    """A relative URL for a relative file path: each segment percent-encoded (so `:`, `?`,
    `#` and spaces stay part of the name), `/` between them. Empty segments go, so that no
    path can turn into an absolute (`/x`) or another host's (`//host/x`) URL."""
    parts = [part for part in relative_path.replace("\\", "/").split("/") if part]
    return "/".join(quote(part, safe="") for part in parts)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _media(card: Card) -> str:
    if card.video is None:  # a short, grey box: nothing to watch here
        words = _NO_VIDEO.get(card.state, card.status)
        if card.state == "not-downloaded":
            words += f"; fetch it with: sora download {card.task_id}"
        return f'<div class="media empty"><p class="none">{escape(words)}</p></div>'
    shape = "portrait" if _is_portrait(card.size) else "landscape"
    poster = f' poster="{_attr(href(card.poster))}"' if card.poster else ""
    return (
        f'<div class="media {shape}"><video controls preload="metadata"{poster} '
        f'src="{_attr(href(card.video))}"></video></div>'
    )


def _is_portrait(size: str | None) -> bool:
    width, _, height = (size or "").partition("x")
    return width.isdigit() and height.isdigit() and int(height) > int(width)


def _file_row(card: Card) -> str:
    if not card.path:
        return "<dt>file</dt><dd>-</dd>"
    text = f"<code>{escape(card.path)}</code>"
    if card.video is not None:
        text = f'<a href="{_attr(href(card.video))}">{text}</a>'
    return f"<dt>file</dt><dd>{text}</dd>"


def _card(card: Card) -> str:
    seconds = f"{card.seconds} s" if card.seconds else "-"
    rows = [
        ("model", card.model or "-"),
        ("size", card.size or "-"),
        ("duration", seconds),
        ("cost", card.cost),
        ("status", card.status),
        ("created", card.created),
    ]
    details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in rows)
    details += f"<dt>id</dt><dd><code>{escape(card.task_id)}</code></dd>" + _file_row(card)
    error = f'<p class="error">{escape(card.error)}</p>' if card.error else ""
    badge = _BADGES.get(card.state, card.state)
    return (
        f'<article class="{_attr(card.state)}" id="{_attr("task-" + card.task_id)}">'
        + _media(card)
        + '<div class="body">'
        + f'<span class="badge {_attr(card.state)}">{escape(badge)}</span>'
        + f'<p class="prompt">{escape(card.prompt or "(no prompt recorded)")}</p>'
        + error
        + f"<dl>{details}</dl></div></article>"
    )


def render_page(cards: Sequence[Card], *, title: str, summary: str) -> str:
    """The whole `index.html`: inline CSS, no script, relative links only."""
    body = "\n".join(_card(card) for card in cards)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_attr(_CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="{_attr(GENERATOR)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{escape(title)}</h1><p>{escape(summary)}</p></header>\n"
        f"<main>\n{body}\n</main>\n</body>\n</html>\n"
    )
