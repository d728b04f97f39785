"""Control endpoints under `/__emulator__/` (no auth): faults, stats, reset, forcing tasks.

They mirror `Emulator.add_fault/stats/reset` so a test in another process (or a user with
curl) can steer the emulator the same way.
"""

from __future__ import annotations

from typing import Any

from .context import Context
from .faults import parse_fault
from .forms import BodyError, parse_json_object
from .request import Request
from .responses import Response, error_response, json_response
from .state import COMPLETED, FAILED

PREFIX = "/__emulator__/"


def stats(ctx: Context) -> dict[str, Any]:
    """The stats document (requests, creates per prompt, concurrency, task count)."""
    doc = ctx.stats.snapshot()
    doc["tasks"] = ctx.store.count()
    doc["ark_bodies"] = ctx.ark.bodies()
    return doc


def handle(ctx: Context, req: Request) -> Response:
    """Route one control request."""
    name = req.path[len(PREFIX):].strip("/")
    method = req.method
    if name == "faults" and method == "POST":
        try:
            fault = parse_fault(_body(req))
        except ValueError as err:
            return error_response(400, str(err), code="invalid_fault")
        ctx.faults.add(fault)
        return json_response({"ok": True, "fault": fault.to_dict()})
    if name == "faults" and method == "GET":
        return json_response({"faults": ctx.faults.pending()})
    if name == "faults" and method == "DELETE":
        ctx.faults.clear()
        return json_response({"ok": True})
    if name == "stats" and method == "GET":
        return json_response(stats(ctx))
    if name == "reset" and method == "POST":
        ctx.reset()
        return json_response({"ok": True})
    if name in ("", "info") and method == "GET":
        config = ctx.config
        return json_response({"profile": config.profile, "cdn_url": ctx.cdn_url,
                              "queue_seconds": config.queue_seconds,
                              "gen_seconds": config.gen_seconds, "retired": config.retired,
                              "retired_answer": config.retired_answer,
                              "models": list(config.models)})
    if name.startswith("tasks/") and method == "POST":
        return _force(ctx, name[len("tasks/"):], req)
    return error_response(404, f"Unknown control endpoint: {method} {req.path}")


def _body(req: Request) -> dict[str, Any]:
    try:
        return parse_json_object(req.body or b"{}")
    except BodyError as err:
        raise ValueError(str(err)) from err


def _force(ctx: Context, task_id: str, req: Request) -> Response:
    """`{"expire": true}` or `{"status": "completed"|"failed", "error": {...}}`."""
    try:
        body = _body(req)
    except ValueError as err:
        return error_response(400, str(err))
    expire = body.get("expire", False)
    status = body.get("status")
    error = body.get("error")
    if not isinstance(expire, bool) or status not in (None, COMPLETED, FAILED):
        return error_response(400, "expected {\"expire\": true} or {\"status\": \"completed\" | "
                              "\"failed\"}")
    if error is not None and not (isinstance(error, dict) and
                                  all(isinstance(v, str) for v in error.values())):
        return error_response(400, "error must be an object of strings (code, message)")
    snap = ctx.store.force(task_id, status=status, expire=expire, error=error)
    if snap is None:
        return error_response(404, f"No task with id '{task_id}'.")
    return json_response({"ok": True, "id": task_id, "status": snap.status,
                          "expired": snap.task.expired})
