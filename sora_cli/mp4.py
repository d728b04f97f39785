"""Just enough MP4 to tell a real video from an error page."""

from __future__ import annotations

MP4_SNIFF_BYTES = 12


def looks_like_mp4(head: bytes) -> bool:
    """An ISO-BMFF file starts with a box whose type is `ftyp` (DESIGN "HTTP behaviour")."""
    return len(head) >= 8 and head[4:8] == b"ftyp"
