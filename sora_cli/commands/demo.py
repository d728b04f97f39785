"""`sora demo`: a real generation end to end against the bundled emulator."""

from __future__ import annotations

from typing import Annotated

import typer

from sora_cli.commands._common import CommonArgs, OpenOpt, OutputOpt, QuietOpt, make_runtime
from sora_cli.completion import complete_demo_seconds, complete_demo_size

DEMO_PROMPT = "a paper boat drifting across a calm lake at sunrise"
DEMO_KEY = "sk-emulator-demo"


def demo(
    prompt: Annotated[
        str, typer.Argument(help="What the video shows.", metavar="PROMPT")
    ] = DEMO_PROMPT,
    size: Annotated[
        str,
        typer.Option(
            "--size", "-s", help="1280x720 or 720x1280.", autocompletion=complete_demo_size
        ),
    ] = "1280x720",
    seconds: Annotated[
        int,
        typer.Option("--seconds", "-d", help="10 or 15.", autocompletion=complete_demo_seconds),
    ] = 10,
    gen_seconds: Annotated[
        float, typer.Option("--gen-seconds", help="How long the emulator takes to 'generate'.")
    ] = 8.0,
    output: OutputOpt = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite an existing output file.")
    ] = False,
    open_video: OpenOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Generate a real, playable MP4 from the bundled emulator: no key, no internet, no cost.

    Runs exactly what `sora generate` runs (create, poll with a progress bar, resumable
    download) against a local emulator started for the occasion, and prints the file path.

    Example: sora demo "a red kite over the sea" --size 720x1280
    """
    import dataclasses
    import tempfile
    from pathlib import Path

    from sora_cli.commands.generate import run_generate
    from sora_cli.emulator import Emulator, EmulatorConfig
    from sora_cli.paths import Paths

    config = EmulatorConfig(port=0, queue_seconds=1.0, gen_seconds=gen_seconds, poll_after_ms=500)
    # The demo's task lives and dies with its emulator: it gets a journal of its own, so the
    # user's `sora list` keeps only tasks that can still be fetched.
    with Emulator(config) as server, tempfile.TemporaryDirectory(prefix="sora-demo-") as tmp:
        rt = make_runtime(
            CommonArgs(
                quiet=quiet,
                api_key=DEMO_KEY,
                base_url=server.base_url,
                profile="laozhang",
                poll_interval=1.0,
            )
        )
        own = Paths(rt.settings.paths.config_file, Path(tmp) / "jobs.sqlite3")
        rt.settings = dataclasses.replace(rt.settings, paths=own)
        rt.console.info(f"emulator running at {server.base_url} (no key, no internet needed)")
        try:
            run_generate(
                rt,
                prompt_arg=prompt,
                prompt_file=None,
                size_opt=size,
                seconds_opt=seconds,
                model_opt="sora-2",
                image_opt=None,
                output=output,
                no_wait=False,
                no_download=False,
                force=force,
                open_video=open_video,
            )
        finally:
            rt.close()
