"""`sora models`: the active profile's catalog, and what the server really serves."""

from __future__ import annotations

from typing import Annotated

import typer

from sora_cli.commands._common import (
    ApiKeyOpt,
    BaseUrlOpt,
    CommonArgs,
    DebugOpt,
    JsonOpt,
    ProfileOpt,
    QuietOpt,
    make_runtime,
)


def models(
    check: Annotated[
        bool,
        typer.Option(
            "--check", help="Ask the server which models it serves (GET /models, free)."
        ),
    ] = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
) -> None:
    """List the models of the active profile: durations, sizes, price, state.

    Retired models are still listed (and still sent when asked for) with their
    successor. --check marks what the server serves.

    Example: sora models --profile laozhang --check
    """
    rt = make_runtime(CommonArgs(json_out, quiet, api_key, base_url, profile, None, None, debug))
    from sora_cli.model_listing import entry_json, id_notes, listed_entries, table_rows

    try:
        served: set[str] | None = None
        if check:
            from sora_cli.api import served_models
            from sora_cli.errors import ApiNotFound

            rt.settings.require_base_url()
            try:
                served = set(served_models(rt.core()))
            except ApiNotFound:
                rt.console.warn(
                    f"{rt.settings.base_url} does not list its models (GET /models answered "
                    "404); showing the catalog only"
                )
        entries = listed_entries(rt.settings.profile, served)
        if rt.json:
            rt.console.result_json([entry_json(e, served) for e in entries])
            return
        settings = rt.settings
        if not entries:
            rt.console.info(
                f"the {settings.profile.name} profile has no catalog: any model is sent as "
                "given (--check asks the server what it serves)"
            )
            return
        columns, rows = table_rows(entries, served)
        rt.console.table(columns, rows, keep=("MODEL",))  # an id to copy into -m
        for note in id_notes(entries):
            rt.console.info(note)
        if settings.profile.open_catalog:
            rt.console.info("models not listed here are sent unchecked")
    finally:
        rt.close()
