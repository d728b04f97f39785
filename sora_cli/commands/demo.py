"""`sora demo`: a real generation end to end against the bundled emulator."""

from __future__ import annotations

from typing import Annotated

import typer

from sora_cli.commands._common import CommonArgs, OpenOpt, OutputOpt, QuietOpt, make_runtime
from sora_cli.completion import complete_demo_seconds, complete_demo_size

DEMO_PROMPT = "a paper boat drifting across a calm lake at sunrise"
# Not a secret (the emulator accepts any key), but registered as one like every key, so it
# must share no 8-character run with words sora prints ("emulator"): that run is redacted.
DEMO_KEY = "sk-demo-4q7x9z2k"
# The profiles the emulator plays, and the model each demo asks for.
DEMO_MODELS = {"laozhang": "sora-2", "seedance": "doubao-seedance-2-0-260128"}


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
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="The API to play: laozhang (OpenAI-format /v1/videos) or seedance (Ark tasks).",
        ),
    ] = "laozhang",
) -> None:
    """Generate a real, playable MP4 from the bundled emulator: no key, no internet, no cost.

    Runs exactly what `sora generate` runs (create, poll with a progress bar, resumable
    download) against a local emulator started for the occasion, and prints the file path.

    Example: sora demo "a red kite over the sea" --size 720x1280 (--profile seedance: the
    same through the Ark task API)
    """
    import dataclasses
    import tempfile
    from pathlib import Path

    from sora_cli.commands.generate import run_generate
    from sora_cli.emulator import Emulator, EmulatorConfig
    from sora_cli.errors import UsageError
    from sora_cli.paths import Paths

    if profile not in DEMO_MODELS:
        raise UsageError(
            f"the demo plays {' or '.join(DEMO_MODELS)}, not {profile!r}",
            hint="sora demo --profile seedance",
        )

    config = EmulatorConfig(port=0, queue_seconds=1.0, gen_seconds=gen_seconds, poll_after_ms=500)
    # The demo's task lives and dies with its emulator: it gets a journal of its own, so the
    # user's `sora list` keeps only tasks that can still be fetched.
    with Emulator(config) as server, tempfile.TemporaryDirectory(prefix="sora-demo-") as tmp:
        base_url = server.ark_url if profile == "seedance" else server.base_url
        rt = make_runtime(
            CommonArgs(
                quiet=quiet,
                api_key=DEMO_KEY,
                base_url=base_url,
                profile=profile,
                poll_interval=1.0,
            )
        )
        own = Paths(rt.settings.paths.config_file, Path(tmp) / "jobs.sqlite3")
        rt.settings = dataclasses.replace(rt.settings, paths=own)
        rt.console.info(f"emulator running at {base_url} (no key, no internet needed)")
        try:
            run_generate(
                rt,
                prompt_arg=prompt,
                prompt_file=None,
                size_opt=size,
                seconds_opt=seconds,
                model_opt=DEMO_MODELS[profile],
                image_opt=None,
                output=output,
                no_wait=False,
                no_download=False,
                force=force,
                open_video=open_video,
            )
        finally:
            rt.close()
