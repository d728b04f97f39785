"""`sora doctor`: check the setup end to end and show the result as one table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sora_cli.commands._common import ApiKeyOpt, BaseUrlOpt, DebugOpt, JsonOpt, ProfileOpt

if TYPE_CHECKING:
    from sora_cli.console import Console
    from sora_cli.doctor import Check


def doctor(
    json_out: JsonOpt = False,
    api_key: ApiKeyOpt = None,
    base_url: BaseUrlOpt = None,
    profile: ProfileOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Check the config file, the key, the API, the model, the journal and the terminal.

    The API check sends one free status query for a task that cannot exist: a 404 means
    the key was accepted. Exits 0 when every check passes, else with the exit code of the
    first failure (2 config, 3 key, 8 network).

    Example: sora doctor --json
    """
    from sora_cli.commands._common import DEBUG_STATE
    from sora_cli.console import Console, register_secret
    from sora_cli.doctor import first_failure, run_checks
    from sora_cli.settings import Overrides

    debug = debug or DEBUG_STATE["root"]
    DEBUG_STATE["debug"] = debug
    register_secret(api_key)
    console = Console(debug=debug)
    checks = run_checks(
        Overrides(api_key=api_key, base_url=base_url, profile=profile, debug=debug),
        stdout=console.stdout,
        stderr=console.stderr,
        debug_log=console.debug if debug else None,
    )
    if json_out:
        console.result_json([check.to_json() for check in checks])
    else:
        _show(console, checks)
    failed = first_failure(checks)
    if failed is not None and failed.error is not None:
        raise failed.error


def _show(console: Console, checks: list[Check]) -> None:
    """The table: one row per check, and a `fix:` row under each failure with a hint."""
    rows: list[list[str]] = []
    for check in checks:
        shown = {"fail": "FAIL", "warn": "WARN"}.get(check.status, check.status)
        rows.append([check.name, shown, check.detail])
        if check.status in ("fail", "warn") and check.hint:
            rows.append(["", "", f"fix: {check.hint}"])
    console.table(["CHECK", "STATUS", "DETAIL"], rows, keep=("CHECK",))
