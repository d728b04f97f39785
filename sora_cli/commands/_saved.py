"""After a video is on disk: `--open` it, then say what was saved in one stderr line."""

from __future__ import annotations

from pathlib import Path

from sora_cli.commands._common import Runtime


def describe_saved(dest: Path, size: int) -> str:
    """`saved ./sora-x.mp4 (1.2 MiB, 10.0 s, 1280x720)`, from the file's own MP4 header."""
    from sora_cli.console import binary_size
    from sora_cli.mp4 import read_info

    facts = [binary_size(size)]
    info = read_info(dest)
    if info is not None and info.duration is not None:
        facts.append(f"{info.duration:.1f} s")
    if info is not None and info.resolution:
        facts.append(info.resolution)
    return f"saved {dest} ({', '.join(facts)})"


def report_saved(rt: Runtime, dest: Path | None, size: int, *, open_video: bool = False) -> None:
    """Say what was saved, then open the video if asked (never failing): a warning about
    the player follows the `saved` line it is about."""
    if dest is None:
        if open_video:
            rt.console.warn("--open ignored: the video was written to stdout")
        return
    rt.console.info(describe_saved(dest, size))
    if open_video:
        from sora_cli.opener import open_in_player

        problem = open_in_player(dest)
        if problem:
            rt.console.warn(problem)
