"""Video links on the CDN origin (no auth), as the sync API's and Muse's real links are:
one path for sync-API videos, one for finished tasks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

SYNC, TASK = "sync", "task"
_PATHS = {SYNC: "/assets/sora/{}.mp4", TASK: "/assets/videos/{}.mp4"}
_PATH = re.compile(r"^/assets/(sora|videos)/([0-9A-Za-z_-]+)\.mp4$")


def link(cdn_url: str, kind: str, video_id: str) -> str:
    """The absolute link of a sync-API video (`SYNC`) or a finished task (`TASK`)."""
    return cdn_url + _PATHS[kind].format(video_id)


def parse_path(path: str) -> tuple[str, str] | None:
    """(kind, id) of a CDN path, or None when it is not a video link."""
    match = _PATH.match(path)
    if match is None:
        return None
    return (SYNC if match.group(1) == "sora" else TASK), match.group(2)


def parse_link(cdn_url: str, url: str) -> tuple[str, str] | None:
    """(kind, id) when `url` is a video link on this CDN origin, else None."""
    own, other = urlsplit(cdn_url), urlsplit(url)
    if (own.scheme, own.netloc) != (other.scheme, other.netloc):
        return None
    return parse_path(other.path) or ("", "")
