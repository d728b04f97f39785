"""Continuation sources: a create's `video_url` (Muse "extend", reference/live-video-apis.md,
1.2). The finished video is the model's length, source included, so the source may be at
most that length minus the model's margin (2 s)."""

from __future__ import annotations

from .config import Model
from .context import Context
from .links import SYNC, TASK, parse_link
from .responses import reject
from .state import COMPLETED


def check_source(ctx: Context, model: Model, value: object, seconds: str) -> None:
    """Refuse a `video_url` that is not a URL, or one of this emulator's own links whose video
    is gone or too long; other URLs are accepted unseen, as the real service must fetch them."""
    if value is None:
        return
    if not model.extend:
        raise reject(400, f"Invalid parameter 'video_url': model {model.id} cannot continue a "
                     "video.", param="video_url", code="unsupported_parameter")
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise reject(400, "Invalid 'video_url': expected the http(s) URL of the video to "
                     "continue.", param="video_url", code="invalid_value")
    own = parse_link(ctx.cdn_url, value)
    if own is None:
        return
    length = _length(ctx, *own)
    if length is None:
        raise reject(400, "Invalid 'video_url': no finished video at that link (unknown, "
                     "expired or not finished yet).", param="video_url", code="invalid_value")
    if not (length.isdigit() and seconds.isdigit()):
        return
    limit = int(seconds) - model.extend_margin
    if int(length) > limit:
        raise reject(400, f"Invalid 'video_url': the source video is {length} s long, but "
                     f"{model.id} makes {seconds} s videos with the source included, so the "
                     f"source may be at most {limit} s. Choose a longer model.",
                     param="video_url", code="invalid_value")


def _length(ctx: Context, kind: str, video_id: str) -> str | None:
    """The duration of one of our finished videos, or None."""
    if kind == SYNC:
        found = ctx.store.link(video_id)
        return found[1] if found else None
    if kind == TASK:
        snap = ctx.store.get(video_id)
        if snap is not None and snap.status == COMPLETED:
            return snap.task.seconds
    return None
