"""Steps shared by `sora stream` and `sora download` for sync-API runs: fetch the link.

The link lives on the provider's CDN, not the API's origin, so it is always fetched with
the anonymous core: the API key never goes there (DESIGN "HTTP behaviour").
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sora_cli.commands._common import Runtime

if TYPE_CHECKING:
    from sora_cli.journal import JobRecord, Journal


def deliver_link(
    rt: Runtime,
    journal: Journal,
    record_id: str,
    url: str,
    dest: Path | None,
    *,
    open_video: bool = False,
) -> None:
    """Download a stream's video to `dest`, or to stdout when `dest` is None (`-o -`)."""
    from sora_cli.commands._flow import sent_to_stdout, show_delivery
    from sora_cli.download import stream_to
    from sora_cli.sync import download_link

    with rt.anonymous_core() as anonymous:
        show_delivery(
            rt,
            dest,
            lambda progress: (
                download_link(anonymous, journal, record_id, url, dest, on_progress=progress)
                if dest is not None
                else 0
            ),
            lambda progress: sent_to_stdout(
                journal,
                record_id,
                stream_to(anonymous, url, sys.stdout.buffer, on_progress=progress),
            ),
            open_video=open_video,
        )


def download_again(
    rt: Runtime, journal: Journal, record: JobRecord, dest: Path | None, *, open_video: bool = False
) -> None:
    """`sora download ID` for a stream run: its link again, while it lives (24 h)."""
    from sora_cli.commands._flow import print_record_or
    from sora_cli.sync import link_of

    url = link_of(record)
    deliver_link(rt, journal, record.id, url, dest, open_video=open_video)
    if dest is not None:
        print_record_or(rt, journal, record.id, str(dest))
