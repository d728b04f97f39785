"""`sora gallery`: one HTML page to review a batch (or any tasks) by looking at them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sora_cli.commands._common import (
    CommonArgs,
    DebugOpt,
    JsonOpt,
    QuietOpt,
    Runtime,
    make_runtime,
)
from sora_cli.completion import complete_gallery_target

if TYPE_CHECKING:
    from sora_cli.gallery_build import GalleryReport

DirOpt = Annotated[
    Path | None,
    typer.Option(
        "--output-dir",
        "-o",
        "-O",  # as `sora batch --output-dir/-O`
        help="Folder for index.html [default: next to the videos: the batch's output "
        "directory, else the one folder holding them all, else here].",
        show_default=False,
        metavar="DIR",
    ),
]


def gallery(
    targets: Annotated[
        list[str] | None,
        typer.Argument(
            help="A batch id, or task ids [default: every task in the journal].",
            show_default=False,
            metavar="[BATCH_ID | ID…]",
            autocompletion=complete_gallery_target,
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Tasks created since a date (2026-11-30), a time (2026-11-30T14:00) or an "
            "age (12h, 3d).",
            show_default=False,
            metavar="DATE",
        ),
    ] = None,
    output_dir: DirOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace an index.html that sora did not write.")
    ] = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Write an index.html to review tasks by watching their videos.

    One card per task: the video (it plays in the page), prompt, model, size, duration,
    estimated cost, status or error, and the file's path (relative to the page); failed,
    expired and missing videos are shown as such. Links are relative and nothing loads
    from the network, so the folder can be zipped and shared. Prints the page's path
    (--json: a record).

    Example: sora gallery b-1a2b3c4d5e6f -o review/
    """
    rt = make_runtime(CommonArgs(json_out, quiet, debug=debug))
    report = _run(rt, targets or [], since, output_dir, force)
    if rt.json:
        rt.console.result_json(report.to_json())
    else:
        rt.console.result(str(report.path))


def _run(
    rt: Runtime, targets: list[str], since: str | None, output_dir: Path | None, force: bool
) -> GalleryReport:
    import time

    from sora_cli.gallery_build import default_directory, parse_since, select, write_gallery

    now = time.time()
    start = parse_since(since, now) if since is not None else None
    with rt.journal() as journal:
        selection = select(journal, targets, start)
    fallback = rt.settings.output_dir or Path.cwd()
    directory = output_dir if output_dir is not None else default_directory(selection, fallback)
    report = write_gallery(
        selection,
        directory,
        user_profiles=rt.settings.user_profiles,
        force=force,
        now=now,
    )
    announce(rt, report)
    return report


def announce(rt: Runtime, report: GalleryReport, *, path: bool = False) -> None:
    """What the page holds, on stderr; a warning when a zip of its folder would lack videos."""
    counts = [f"{report.cards} card" + ("" if report.cards == 1 else "s")]
    shown = {"playable": report.playable, "failed": report.failed, "expired": report.expired}
    counts += [f"{n} {word}" for word, n in shown.items() if n]
    rt.console.info(f"gallery{f' {report.path}' if path else ''}: {', '.join(counts)}")
    if report.outside:
        rt.console.warn(
            f"{report.outside} video(s) lie outside {report.path.parent}: the page links them "
            "relatively, but a copy of that folder alone will not carry them"
        )


def write_batch_gallery(rt: Runtime, batch_id: str, output_dir: Path) -> GalleryReport | None:
    """`sora batch --gallery`: the batch's page next to its videos. A page that cannot be
    written is a warning, never a change to the batch's own outcome."""
    from sora_cli.errors import SoraError
    from sora_cli.gallery_build import select, write_gallery

    try:
        with rt.journal() as journal:
            selection = select(journal, [batch_id], None)
        return write_gallery(selection, output_dir, user_profiles=rt.settings.user_profiles)
    except SoraError as exc:
        rt.console.warn(f"no gallery written: {exc.message}")
        return None
