"""`sora models` as data: catalog entries to table rows and JSON objects. No I/O."""

from __future__ import annotations

from typing import Any

from sora_cli.catalog import ModelEntry
from sora_cli.profiles import Profile


def _seconds_text(entry: ModelEntry) -> str:
    seconds = entry.seconds
    if len(seconds) > 3 and seconds == tuple(range(seconds[0], seconds[-1] + 1)):
        return f"{seconds[0]}-{seconds[-1]}"  # every whole second of a range (Seedance)
    return "/".join(str(s) for s in seconds) or "any"


def _price_range(entry: ModelEntry) -> str:
    """`$0.30-1.55/video`, `$0.10/s`: the table's short form (`--json` has every price)."""
    if not entry.prices:
        return "unknown"
    per_video = sorted({r.per_video for r in entry.prices if not r.per_second})
    per_second = sorted({r.per_second for r in entry.prices if r.per_second})
    parts = []
    for values, unit in ((per_video, "video"), (per_second, "s")):
        if values:
            low, high = values[0], values[-1]
            span = f"${low:.2f}" + (f"-{high:.2f}" if high != low else "")
            parts.append(f"{span}/{unit}")
    return ", ".join(parts) + (" (estimate)" if entry.price_estimated else "")


def id_notes(entries: list[ModelEntry]) -> list[str]:
    """One line per family whose longer videos are sent under other ids."""
    notes = []
    for entry in entries:
        others = [(s, i) for s, i in entry.durations if i != entry.name]
        if others:
            listed = ", ".join(f"{s} s -> {i}" for s, i in others)
            notes.append(f"{entry.name}: {listed} (-m {entry.name} -d N picks the id)")
    return notes


def _extras(entry: ModelEntry) -> str:
    extras = [
        name for name, on in (("last-frame", entry.last_frame), ("extend", entry.extend)) if on
    ]
    extras += sorted(entry.options)
    return ", ".join(extras) or "-"


def _served_text(entry: ModelEntry, served: set[str] | None) -> str:
    """`yes`, `no`, or which lengths only (`20, 30 s only`: a family the server serves part of)."""
    if served is None:
        return ""
    if not is_served(entry, served):
        return "no"
    lengths = served_seconds(entry, served)
    if lengths and len(lengths) < len(entry.seconds):
        return f"{', '.join(map(str, lengths))} s only"
    return "yes"


def is_served(entry: ModelEntry, served: set[str]) -> bool:
    """Whether a server that lists `served` serves this entry (any of its ids)."""
    return bool(({entry.name, *entry.ids} | entry.extra_ids) & served)


def served_seconds(entry: ModelEntry, served: set[str]) -> list[int]:
    """The lengths whose model id the server lists (Muse: `muse-video-30s` makes 30 s)."""
    return [seconds for seconds, model_id in entry.durations if model_id in served]


def link_text(entry: ModelEntry) -> str:
    """`7 days`, `24 h`, or `-`."""
    if entry.link_ttl is None:
        return "-"
    hours = entry.link_ttl / 3600
    return f"{hours / 24:g} days" if hours >= 48 else f"{hours:g} h"


def listed_entries(profile: Profile, served: set[str] | None) -> list[ModelEntry]:
    """The catalog, plus (for a gateway profile) what the server serves beyond it."""
    entries = list(profile.catalog)
    if served is not None and profile.open_catalog:
        known = {i for e in entries for i in (e.name, *e.ids)}
        entries += [ModelEntry.unchecked(m) for m in sorted(served - known)]
    return entries


def table_rows(
    entries: list[ModelEntry], served: set[str] | None
) -> tuple[list[str], list[list[str]]]:
    """Columns and rows of the human table."""
    columns = ["MODEL", "SECONDS", "SIZES", "PRICE", "IMAGE", "EXTRAS", "LINKS", "STATE"]
    if served is not None:
        columns.append("SERVED")
    rows = []
    for entry in entries:
        row = [
            entry.name + (f" ({', '.join(entry.aliases)})" if entry.aliases else ""),
            _seconds_text(entry),
            ", ".join(entry.sizes) if entry.sizes else "any",
            _price_range(entry),
            entry.image_policy,
            _extras(entry),
            link_text(entry),
            entry.state_text() if entry.checked else "not in the catalog",
        ]
        if served is not None:
            row.append(_served_text(entry, served))
        rows.append(row)
    return columns, rows


def entry_json(entry: ModelEntry, served: set[str] | None) -> dict[str, Any]:
    """One object of `sora models --json` (README "JSON output")."""
    prices = [
        {"seconds": seconds, "size": size, "usd": entry.price(size, seconds)}
        for seconds in entry.seconds
        for size in (entry.sizes or (None,))
        if entry.price(size, seconds) is not None
    ]
    return {
        "model": entry.name,
        "aliases": list(entry.aliases),
        "ids": {str(s): i for s, i in entry.durations},
        "seconds": list(entry.seconds),
        "sizes": list(entry.sizes) if entry.sizes else None,
        "price": entry.price_text() if entry.prices else None,
        "prices_usd": prices,
        "image_policy": entry.image_policy,
        "last_frame": entry.last_frame,
        "extend": entry.extend,
        "options": sorted(entry.options),
        "price_estimated": entry.price_estimated,
        "usd_per_million_tokens": entry.usd_per_million_tokens,
        "frames_need_adaptive_ratio": entry.frames_need_adaptive_ratio,
        "link_ttl_seconds": entry.link_ttl,
        "poll_interval": entry.poll_interval,
        "give_up_after": entry.give_up_after,
        "state": "retired" if entry.is_retired else ("live" if entry.checked else "unknown"),
        "retired_since": entry.retired_since,
        "successor": entry.successor,
        "in_catalog": entry.checked,
        "served": is_served(entry, served) if served is not None else None,
        "served_seconds": served_seconds(entry, served) if served is not None else None,
    }
