"""`sora batch FILE`: many prompts at once, within the API's concurrency limits, resumable."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sora_cli.commands._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    CommonArgs,
    DebugOpt,
    JsonOpt,
    PollOpt,
    ProfileOpt,
    QuietOpt,
    Runtime,
    TimeoutOpt,
    make_runtime,
)
from sora_cli.completion import complete_fit

if TYPE_CHECKING:
    from sora_cli.batch import BatchOptions, LineResult
    from sora_cli.batch_input import BatchLine
    from sora_cli.images import FitMode
    from sora_cli.journal import JobRecord
    from sora_cli.profiles import Profile


def batch(
    file: Annotated[
        str | None,
        typer.Argument(
            help="Prompts: one per line, or JSON Lines; - reads stdin.",
            show_default=False,
            metavar="FILE",
        ),
    ] = None,
    output_dir: Annotated[
        Path | None,
        typer.Option(
            "--output-dir",
            "-O",
            help="Where videos go [default: current directory].",
            show_default=False,
        ),
    ] = None,
    resume: Annotated[
        str | None,
        typer.Option(
            "--resume", help="Resume a batch by id, without its file.", show_default=False
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every line and print the cost; send nothing.")
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            help="Stop creating tasks once their estimate would pass USD.",
            show_default=False,
            min=0,
        ),
    ] = None,
    create_concurrency: Annotated[
        int, typer.Option("--create-concurrency", help="Creates in flight (1-30).", min=1, max=30)
    ] = 10,
    fail_fast: Annotated[
        bool, typer.Option("--fail-fast", help="Stop at the first failed line.")
    ] = False,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Give lines whose task failed a new task.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite existing output files.")
    ] = False,
    gallery: Annotated[
        bool,
        typer.Option(
            "--gallery", help="At the end, write index.html in the output directory (sora gallery)."
        ),
    ] = False,
    fit: Annotated[
        str | None,
        typer.Option(
            "--fit",
            help="Make every line's image exactly its video's size: crop or pad.",
            show_default=False,
            autocompletion=complete_fit,
        ),
    ] = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    timeout: TimeoutOpt = None,
    poll_interval: PollOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Generate many videos at once, at the API's concurrency limits; never pays twice.

    Each line's task is journaled under the batch id before it is polled. Re-running the
    same file (or --resume BATCH_ID) re-attaches to existing tasks, downloads finished ones
    that are missing, and creates tasks only for lines that never got one. JSON Lines
    objects take prompt and optional size, seconds, model, image, output, id. Polls stay
    at most 10 in flight and downloads at most 5 (reference "Batch Generation").

    Exit 0 when every line completed, 5 when some failed, else the most serious code.
    With --json: one JSON object per finished line, then a summary object.

    Example: sora batch prompts.jsonl --output-dir out/ --json
    """
    rt = make_runtime(
        CommonArgs(json_out, quiet, api_key, base_url, profile, timeout, poll_interval, debug)
    )
    from sora_cli.batch import BatchOptions
    from sora_cli.images import check_fit

    if resume:  # a resumed batch keeps its output directory and its --fit
        import json

        with rt.journal() as journal:
            saved = journal.load_batch(resume)
        if output_dir is None:
            output_dir = Path(saved[0]) if saved else None
        if fit is None and saved:
            fit = next((line.get("fit") for line in json.loads(saved[1])), None)
    # Absolute, so that `--resume` from another directory writes to the same place.
    out = (output_dir or rt.settings.output_dir or Path.cwd()).expanduser().resolve()
    options = BatchOptions(
        output_dir=out,
        poll_interval=rt.settings.poll_interval,
        timeout=rt.settings.timeout,
        create_concurrency=create_concurrency,
        max_cost=max_cost,
        fail_fast=fail_fast,
        force=force,
        retry_failed=retry_failed,
        wait_times=lambda model: _wait_times(rt, model),
        fit=check_fit(fit, has_image=True),
    )
    try:
        code = _run(rt, file, resume, dry_run, options, gallery)
    finally:
        rt.close()
    if code:
        raise typer.Exit(code)


def _read_source(
    rt: Runtime, file: str | None, resume: str | None, fit: FitMode | None
) -> tuple[str, list[BatchLine]]:
    """(batch id, lines) from the file, stdin, or the journal's copy of a batch."""
    import json
    import sys

    from sora_cli.batch_input import (
        BatchLine,
        Defaults,
        batch_id_for,
        parse_batch,
        read_batch_file,
    )
    from sora_cli.errors import UsageError

    if resume:
        if file:
            raise UsageError("give a FILE or --resume BATCH_ID, not both")
        with rt.journal() as journal:
            saved = journal.load_batch(resume)
        if saved is None:
            raise UsageError(f"no batch {resume} in the journal", hint="see `sora list`")
        return resume, [BatchLine.from_json(d) for d in json.loads(saved[1])]
    if file is None:
        raise UsageError("no batch file given", hint="sora batch prompts.txt (or - for stdin)")
    if file == "-":
        text, identity, source, base_dir = sys.stdin.read(), None, "stdin", Path.cwd()
    else:
        path = Path(file).expanduser()
        text = read_batch_file(path, file)
        identity, source, base_dir = f"file:{path.resolve()}", file, path.parent
    s = rt.settings
    lines = parse_batch(
        text,
        source=source,
        profile=s.profile,
        defaults=Defaults(s.size, s.seconds, s.model),
        check_image=lambda spec, size, model: _check_image(rt, spec, size, model, fit),
        base_dir=base_dir,
    )
    return batch_id_for(identity or f"stdin:{text}"), lines


def _check_image(
    rt: Runtime, spec: str, size: str | None, model: str, fit: FitMode | None
) -> None:
    """A line's image checked before anything is sent; a URL is fetched when its line is."""
    from dataclasses import replace

    from sora_cli.commands._flow import image_rules, read_local_image
    from sora_cli.inputs import check_image_url, is_url

    if is_url(spec):
        check_image_url(spec)
        return
    rules = image_rules(rt, size, model, fit)
    read_local_image(spec, replace(rules, note=lambda _: None))  # said when it is sent


def _run(
    rt: Runtime,
    file: str | None,
    resume: str | None,
    dry_run: bool,
    options: BatchOptions,
    gallery: bool = False,
) -> int:
    from sora_cli.outputs import precheck_directory

    batch_id, lines = _read_source(rt, file, resume, options.fit)
    if options.max_cost is not None:
        refuse_unknown_prices(rt, lines)
    if dry_run:
        _plan(rt, batch_id, lines, options)
        return 0
    rt.settings.require_api_key()
    rt.settings.require_base_url()
    precheck_directory(options.output_dir)
    return _execute(rt, batch_id, lines, options, gallery)


def _wait_times(rt: Runtime, model: str) -> tuple[float, float]:
    """The poll interval and give-up time for one model's tasks (catalog, unless a flag or
    the config file chose them)."""
    settings = rt.settings.for_model(rt.settings.profile.entry(model))
    return settings.poll_interval, settings.timeout


def refuse_unknown_prices(rt: Runtime, lines: list[BatchLine]) -> None:
    """`--max-cost` means nothing where a price is unknown (a gateway's model): refused."""
    from sora_cli.errors import UsageError

    profile = rt.settings.profile
    priced = [(ln.model, profile.price(ln.model, ln.size, ln.seconds)) for ln in lines]
    unknown = sorted({model for model, price in priced if price is None})
    if unknown:
        raise UsageError(
            f"--max-cost cannot be kept: the price of {', '.join(unknown)} is unknown to the "
            f"{profile.name} profile",
            hint="drop --max-cost, or give the model a price in a user profile "
            "([profiles.NAME.models.MODEL] price_per_video = ...)",
        )


def _plan(rt: Runtime, batch_id: str, lines: list[BatchLine], options: BatchOptions) -> None:
    """Price only the lines a real run would create: the rest re-attach to their tasks on
    this server (which a real run would not pay for again), or --max-cost skips them."""
    from sora_cli.batch import Server, batch_state, needs_task
    from sora_cli.batch_cost import cap_covering, cap_reason, committed_cost, plan_within_cap
    from sora_cli.batch_display import plural

    profile = rt.settings.profile
    known: dict[str, JobRecord] = {}
    if rt.settings.paths.journal_file.exists():  # a dry run creates nothing, not even that
        with rt.journal() as journal:
            server = Server(rt.settings.base_url, profile.name)
            known = batch_state(journal, batch_id, server).known
    candidates = [ln for ln in lines if needs_task(known.get(ln.key), options.retry_failed)]
    plan = plan_within_cap(candidates, committed_cost(known, profile), profile, options.max_cost)
    if rt.json:
        rt.console.result_json(
            {
                "type": "plan",
                "batch_id": batch_id,
                "lines": len(plan.create),  # documented as the tasks the batch would create
                "estimated_cost_usd": round(plan.cost, 4),
                "profile": profile.name,
                "skipped": len(plan.skip),
            }
        )
    else:
        existing = len(lines) - len(candidates)
        # Token-billed models have no published price per clip: say the figures are ours.
        estimated = any(e.price_estimated for e in profile.catalog)
        priced_as = "estimated prices" if estimated else "prices"
        rt.console.result(
            f"{plural(len(plan.create), 'task')} to create, estimated ${plan.cost:.2f} if all "
            f"complete ({profile.name} {priced_as}; failed tasks are free)"
            + (f"; {plural(existing, 'line')} already with a task" if existing else "")
            + (f"; {len(plan.skip)} skipped" if plan.skip else "")
            + f"; batch {batch_id}"
        )
    if plan.skip and options.max_cost is not None:
        numbers = ", ".join(str(ln.number) for ln in plan.skip)
        reason = cap_reason(options.max_cost).removeprefix("not created: ")
        rt.console.warn(f"{plural(len(plan.skip), 'line')} would be skipped ({numbers}): {reason}")
        needed = cap_covering(options.max_cost, plan.skip, profile)
        rt.console.info(f"to create them all: --max-cost {needed:.2f}")


def _cap_hint(results: list[LineResult], options: BatchOptions, profile: Profile) -> str | None:
    """`--max-cost X` when the cap is why lines were not created, else None."""
    from sora_cli.batch_cost import cap_covering, cap_reason

    if options.max_cost is None:
        return None
    reason = cap_reason(options.max_cost)
    capped = [r.line for r in results if r.outcome == "skipped" and r.error == reason]
    if not capped:
        return None
    return f"--max-cost {cap_covering(options.max_cost, capped, profile):.2f}"


def _execute(
    rt: Runtime, batch_id: str, lines: list[BatchLine], options: BatchOptions, gallery: bool
) -> int:
    import asyncio
    import json
    from dataclasses import replace

    from sora_cli.batch import BatchRunner, summarise
    from sora_cli.batch_display import BatchDisplay, plural
    from sora_cli.client import AsyncHttpCore
    from sora_cli.commands._flow import load_reference_image
    from sora_cli.dialects import async_api_for
    from sora_cli.errors import Interrupted

    s = rt.settings
    display = BatchDisplay(rt.console, len(lines), json_lines=rt.json)

    async def main() -> list[LineResult]:
        core = AsyncHttpCore(
            s.base_url,
            s.require_api_key(),
            on_retry=rt.report_retry,
            debug_log=rt.console.debug if s.debug else None,
        )
        try:
            with rt.journal() as journal:
                manifest = [replace(ln, fit=options.fit).to_json() for ln in lines]
                journal.save_batch(batch_id, str(options.output_dir), json.dumps(manifest))
                runner = BatchRunner(
                    batch_id=batch_id,
                    lines=lines,
                    profile=s.profile,
                    base_url=s.base_url,
                    api=async_api_for(s.profile, core),
                    downloads=rt.core(),
                    journal=journal,
                    options=options,
                    observer=display,
                    load_image=lambda spec, size, model: load_reference_image(
                        rt, spec, size, model, options.fit
                    ),
                )
                return await runner.run()
        finally:
            await core.aclose()

    rt.console.info(f"batch {batch_id}: {plural(len(lines), 'line')}")
    try:
        results = asyncio.run(main())
    except KeyboardInterrupt:
        raise Interrupted(
            f"interrupted; every task of batch {batch_id} created so far is in the journal",
            hint=f"resume with: sora batch --resume {batch_id}",
        ) from None
    finally:
        display.close()
    summary = summarise(results)
    summary["batch_id"] = batch_id
    page = None
    if gallery:
        from sora_cli.commands.gallery import announce, write_batch_gallery

        page = write_batch_gallery(rt, batch_id, options.output_dir)
        summary["gallery"] = str(page.path) if page else None
    if rt.json:
        rt.console.result_json_line(summary)
    display.summary(summary, cap_hint=_cap_hint(results, options, s.profile))
    if page is not None:
        announce(rt, page, path=True)
    return int(summary["exit_code"])
