"""HTTP routing for the API origin and the CDN origin, with faults and stats around each
request.

Order for each request: read the body, take the route's next fault, sleep if it says so,
answer the fault or the real route (auth first), then let the fault damage the answer.
"""

from __future__ import annotations

import re
import secrets
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import ark, catalog, control, sse, videos
from .faults import Fault
from .links import SYNC, parse_path
from .request import Request
from .responses import (
    HTML_PAGE,
    INVALID_JSON,
    Rejected,
    Response,
    error_response,
    ranged,
    raw_response,
)
from .state import COMPLETED
from .wire import WireHandler

_VIDEO = re.compile(r"^/v1/videos/([^/]+)(/content|/remix)?/?$")
_DAMAGE = ("reset", "truncate", "unsized", "html", "invalid_json", "stall")


def api_route(method: str, path: str) -> tuple[str, str | None]:
    """(route name, task id) of an API-origin request; names match the fault routes."""
    ark_route = ark.api_route(method, path)
    if ark_route is not None:
        return ark_route
    if path.rstrip("/") == "/v1/videos":
        names = {"POST": "create", "GET": "list", "HEAD": "list"}
        return names.get(method, "other"), None
    if path.rstrip("/") == "/v1/models":
        return ("models" if method in ("GET", "HEAD") else "other"), None
    if path.rstrip("/") == "/v1/chat/completions":
        return ("chat" if method == "POST" else "other"), None
    match = _VIDEO.match(path)
    if match is None:
        return "other", None
    task_id, tail = match.groups()
    table = {
        (None, "GET"): "status", (None, "HEAD"): "status", (None, "DELETE"): "delete",
        ("/content", "GET"): "content", ("/content", "HEAD"): "content",
        ("/remix", "POST"): "remix",
    }
    return table.get((tail, method), "other"), task_id


class RoutedHandler(WireHandler):
    """Common request cycle of both origins; subclasses pick the route and answer it."""

    def do_GET(self) -> None:
        self.serve("GET")

    def do_HEAD(self) -> None:
        self.serve("HEAD")

    def do_POST(self) -> None:
        self.serve("POST")

    def do_DELETE(self) -> None:
        self.serve("DELETE")

    def do_PUT(self) -> None:
        self.serve("PUT")

    def do_PATCH(self) -> None:
        self.serve("PATCH")

    def route(self, req: Request) -> str:
        """The route name (stats and faults); 'control' for /__emulator__/."""
        raise NotImplementedError

    def answer(self, req: Request, route: str) -> Response:
        """The real answer, before any fault."""
        raise NotImplementedError

    def serve(self, method: str) -> None:
        """One request, from body to stats."""
        began = time.monotonic()
        request_id = "req_" + secrets.token_hex(16)
        split = urlsplit(self.path)
        body = self.read_body()
        req = Request(method, split.path, parse_qs(split.query), self.headers,
                      body if isinstance(body, bytes) else b"")
        route = self.route(req)
        if isinstance(body, Response):
            self.write(body, request_id)
            return
        if route == "control":
            self.write(control.handle(self.ctx, req), request_id, head=method == "HEAD")
            return
        stats = self.ctx.stats
        stats.begin(route)
        try:
            fault = self.ctx.faults.take(route)
            try:
                response = self._respond(req, route, fault)
            except Exception as err:  # a bug here must still answer, like a real server's 500
                sys.stderr.write(f"emulator: internal error on {method} {req.path}: {err!r}\n")
                if self.ctx.config.verbose:
                    traceback.print_exc()
                response = error_response(500, "Emulator internal error (a bug: please report)")
            sent = None if response.drop else response.status
            stats.record(self._entry(req, route, sent, request_id))
            self._log(req, route, sent, began)
            self.write(response, request_id, fault.action if fault else None,
                       head=method == "HEAD")
        finally:
            stats.end(route)

    def _respond(self, req: Request, route: str, fault: Fault | None) -> Response:
        if fault is None:
            return self._real(req, route)
        if self.ctx.sleep(fault.sleep_seconds) or fault.action == "close":
            return Response(drop=True)
        if fault.action not in _DAMAGE and not fault.create_task and (
            fault.status is not None or fault.body is not None
        ):
            return self._with_retry_after(self._fault_answer(fault), fault)
        real = self._real(req, route)
        if fault.create_task:
            return self._with_retry_after(
                self._fault_answer(fault) if real.status == 200 else real, fault)
        if fault.action == "html":
            page = fault.body if fault.body is not None else HTML_PAGE
            real = Response(status=fault.status or 200, content_type="text/html; charset=utf-8",
                            body=page.encode("utf-8"))
        elif fault.action == "invalid_json":
            text = fault.body if fault.body is not None else INVALID_JSON
            real = Response(status=fault.status or 200, body=text.encode("utf-8"))
        return self._with_retry_after(real, fault)

    def _real(self, req: Request, route: str) -> Response:
        try:
            return self.answer(req, route)
        except Rejected as rejected:
            return rejected.response

    @staticmethod
    def _fault_answer(fault: Fault) -> Response:
        status = fault.status or 200
        if fault.body is not None:
            return raw_response(status, fault.body)
        return error_response(status)

    @staticmethod
    def _with_retry_after(resp: Response, fault: Fault) -> Response:
        if fault.retry_after is not None:
            resp.headers["Retry-After"] = fault.retry_after
        return resp

    def _entry(self, req: Request, route: str, sent: int | None, request_id: str
               ) -> dict[str, Any]:
        """What stats keep of a request: never the Authorization value."""
        return {
            "method": req.method,
            "path": req.path,
            "query": urlsplit(self.path).query or None,
            "route": route,
            "status": sent,
            "authorization": req.header("authorization") is not None,
            "idempotency_key": req.header("idempotency-key"),
            "range": req.header("range"),
            "user_agent": req.header("user-agent"),
            "content_type": req.header("content-type"),
            "request_id": request_id,
            "time": time.time(),
        }

    def _log(self, req: Request, route: str, sent: int | None, began: float) -> None:
        if self.ctx.config.verbose:
            auth = "auth" if req.header("authorization") is not None else "no-auth"
            elapsed = (time.monotonic() - began) * 1000
            self.log_message("%s %s -> %s [%s, %s] %.0f ms", req.method, req.path,
                             sent if sent is not None else "dropped", route, auth, elapsed)


class ApiHandler(RoutedHandler):
    """The API origin: /v1/videos..., /v1/models, /v1/chat/completions, /__emulator__/."""

    def route(self, req: Request) -> str:
        """See `api_route`."""
        if req.path.startswith(control.PREFIX) or req.path == control.PREFIX.rstrip("/"):
            return "control"
        return api_route(req.method, req.path)[0]

    def answer(self, req: Request, route: str) -> Response:
        """Auth, then the route; the openai-only routes are 404 elsewhere."""
        self._authorize(req)
        ctx = self.ctx
        if ark.api_route(req.method, req.path) is not None:
            return self._polled(ark.answer(ctx, req, route, api_route(req.method, req.path)[1]),
                                route)
        task_id = api_route(req.method, req.path)[1] or ""
        profile = ctx.profile
        routes: dict[str, Callable[[], Response]] = {
            "create": lambda: videos.create(ctx, req),
            "status": lambda: videos.get_status(ctx, req, task_id),
            "content": lambda: videos.content(ctx, req, task_id),
            "models": lambda: catalog.list_models(ctx, req),
        }
        if profile.extras:
            routes["list"] = lambda: videos.list_videos(ctx, req)
            routes["delete"] = lambda: videos.delete(ctx, req, task_id)
            routes["remix"] = lambda: videos.remix(ctx, req, task_id)
        if profile.sync_api:
            routes["chat"] = lambda: sse.chat(ctx, req)
        call = routes.get(route)
        if call is None:
            return error_response(404, f"Invalid URL ({req.method} {req.path})",
                                  code="unknown_url")
        try:
            response = call()
        except Rejected as rejected:
            response = rejected.response
        return self._polled(response, route)

    def _polled(self, response: Response, route: str) -> Response:
        """A status answer carries the configured poll hint."""
        if route == "status" and self.ctx.config.poll_after_ms is not None:
            response.headers["openai-poll-after-ms"] = str(self.ctx.config.poll_after_ms)
        return response

    def _authorize(self, req: Request) -> None:
        scheme, _, token = (req.header("authorization") or "").strip().partition(" ")
        token = token.strip()
        key = self.ctx.config.api_key
        if scheme.lower() != "bearer" or not token or (key is not None and token != key):
            raise Rejected(error_response(401))


class CdnHandler(RoutedHandler):
    """The second origin, like the sync API's CDN links: no auth (whether a client sent an
    Authorization header anyway is recorded in stats)."""

    def route(self, req: Request) -> str:
        """Everything here is 'cdn'."""
        return "cdn"

    def answer(self, req: Request, route: str) -> Response:
        """GET /assets/sora/<id>.mp4 (sync API) or /assets/videos/<task id>.mp4 (a finished
        task's `video_url`/`output_url`), with Range support; Seedance's signed links are
        `ark.cdn_video`'s."""
        seedance = ark.cdn_video(self.ctx, req)
        if seedance is not None:
            return seedance
        found = parse_path(req.path)
        media = None
        if found is not None and req.method in ("GET", "HEAD"):
            media = self._find(*found)
        if found is None or media is None:
            return error_response(404, f"Not found: {req.path}", code="not_found")
        size, seconds, ready = media
        return ranged(req, self.ctx.video(size, seconds), "video/mp4", found[1], ready)

    def _find(self, kind: str, video_id: str) -> tuple[str, str, int] | None:
        """(size, seconds, ready time) of a ready, unexpired video, else None."""
        if kind == SYNC:
            return self.ctx.store.link(video_id)
        snap = self.ctx.store.get(video_id)
        if snap is None or snap.status != COMPLETED:
            return None
        return snap.task.size, snap.task.seconds, snap.completed_at or snap.task.created_at
