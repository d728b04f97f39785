"""The Volcengine Ark task dialect, as laozhang serves Seedance under `/seedance/api/v3/`.

`POST .../contents/generations/tasks` (JSON: model, content[], ratio, resolution, duration,
generate_audio, seed, watermark) answers `{"id": "cgt-..."}`; `GET .../tasks/{id}` answers
the Ark task object: `queued` / `running` / `succeeded` / `failed`, no progress, the video at
`content.video_url` on the CDN origin (no auth), `usage` tokens once done. Ark tasks live in
the same store as `/v1/videos` ones, so `GET /v1/videos/{id}/content` (the reseller's
compatibility download) serves them too. Faults use the routes `create`, `status`, `cdn`.
Facts: reference/live-video-apis.md section 3.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .ark_book import ArkTask
from .forms import BodyError, media_type, parse_json_object
from .request import Request
from .responses import Response, error_response, json_response, ranged, reject
from .state import COMPLETED, FAILED, IN_PROGRESS, Snapshot
from .validation import check_prompt
from .videos import find

if TYPE_CHECKING:
    from .context import Context

PREFIX = "/seedance/api/v3"
_TASKS = re.compile(r"^/seedance/api/v3/contents/generations/tasks(?:/([^/]+))?/?$")
_CDN = re.compile(r"^/assets/seedance/([0-9A-Za-z_-]+)\.mp4$")

MODELS_20 = (
    "doubao-seedance-2-0-260128",
    "doubao-seedance-2-0-fast-260128",
    "doubao-seedance-2-0-mini-260615",
)
MODEL_25 = "doubao-seedance-2-5-260628"
RATIOS = ("16:9", "4:3", "1:1", "3:4", "9:16", "21:9", "adaptive")
ROLES = ("first_frame", "last_frame", "reference_image")
FPS = 24
# Nominal pixel sizes of each resolution and ratio: which clip is served, and the tokens.
_LONG_SIDE = {"480p": (864, 480), "720p": (1280, 720), "1080p": (1920, 1080)}
_STATUS = {"queued": "queued", IN_PROGRESS: "running", COMPLETED: "succeeded", FAILED: "failed"}


def api_route(method: str, path: str) -> tuple[str, str | None] | None:
    """(route name, task id) of an Ark path, or None when the path is not Ark's."""
    if not path.startswith(PREFIX):
        return None
    match = _TASKS.match(path)
    if match is None:
        return "other", None
    task_id = match.group(1)
    if task_id is None:
        return ("create" if method == "POST" else "other"), None
    return ("status" if method in ("GET", "HEAD") else "other"), task_id


def answer(ctx: Context, req: Request, route: str, task_id: str | None) -> Response:
    """The Ark routes (auth already checked)."""
    if route == "create":
        return create(ctx, req)
    if route == "status" and task_id:
        return status(ctx, task_id)
    return error_response(404, f"Invalid URL ({req.method} {req.path})", code="NotFound")


def _bad(message: str, param: str) -> Exception:
    return reject(400, message, param=param, code="InvalidParameter")


def _frames(content: Any) -> tuple[str, list[str]]:
    """The prompt and the image roles of a `content[]` array, checked."""
    if not isinstance(content, list) or not content:
        raise _bad("content must be a non-empty array", "content")
    texts, roles = [], []
    for item in content:
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "text" and isinstance(item.get("text"), str):
            texts.append(item["text"])
        elif kind == "image_url":
            url = item.get("image_url", {}).get("url") if isinstance(
                item.get("image_url"), dict) else None
            if not isinstance(url, str) or not url.startswith(("http://", "https://", "data:")):
                raise _bad("image_url.url must be an http(s) or data: URL", "content")
            if item.get("role") not in ROLES:
                raise _bad(f"image role must be one of {', '.join(ROLES)}", "content")
            roles.append(item["role"])
        else:
            raise _bad(f"unsupported content item type {kind!r}", "content")
    if len(texts) != 1:
        raise _bad("content must hold exactly one text item", "content")
    if "last_frame" in roles and "first_frame" not in roles:
        raise _bad("a last_frame needs a first_frame", "content")
    return check_prompt(texts[0], "content"), roles


def _checked(body: dict[str, Any]) -> tuple[str, str, list[str], ArkTask]:
    model = body.get("model")
    if model not in (*MODELS_20, MODEL_25):
        raise reject(404, f"The model or endpoint {model} does not exist or you do not have "
                     "access to it.", param="model", code="InvalidEndpointOrModel.NotFound")
    prompt, roles = _frames(body.get("content"))
    ratio = body.get("ratio", "16:9")
    if ratio not in RATIOS:
        raise _bad(f"ratio must be one of {', '.join(RATIOS)}", "ratio")
    resolution = body.get("resolution", "720p")
    if resolution not in _LONG_SIDE:
        raise _bad("resolution must be 480p, 720p or 1080p", "resolution")
    duration = body.get("duration", 5)
    longest = 30 if model == MODEL_25 else 15
    allowed = isinstance(duration, int) and not isinstance(duration, bool) and (
        4 <= duration <= longest or (model == MODEL_25 and duration == -1))
    if not allowed:
        raise _bad(f"duration must be an integer from 4 to {longest}", "duration")
    for name, kind in (("generate_audio", bool), ("watermark", bool), ("seed", int)):
        if name in body and not isinstance(body[name], kind):
            raise _bad(f"{name} must be a {kind.__name__}", name)
    frames = any(role in ("first_frame", "last_frame") for role in roles)
    if model == MODEL_25 and frames and ratio != "adaptive":
        raise _bad("first/last frame requests to this model need ratio \"adaptive\"", "ratio")
    seconds = 5 if duration == -1 else duration
    return model, prompt, roles, ArkTask(body, ratio, resolution, seconds)


def size_of(task: ArkTask) -> str:
    """The nominal pixel size of the task's ratio and resolution (adaptive: 16:9)."""
    long_side, short_side = _LONG_SIDE[task.resolution]
    if task.ratio in ("adaptive", "16:9", "21:9", "4:3"):
        return f"{long_side}x{short_side}"
    if task.ratio == "1:1":
        return f"{short_side}x{short_side}"
    return f"{short_side}x{long_side}"


def create(ctx: Context, req: Request) -> Response:
    """POST .../contents/generations/tasks: validate, then store a task that runs on the clock."""
    mime, _ = media_type(req.header("content-type"))
    if mime != "application/json":
        raise _bad(f"Unsupported Content-Type '{mime or 'none'}': expected application/json",
                   "body")
    try:
        body = parse_json_object(req.body)
    except BodyError as err:
        raise _bad(str(err), "body") from err
    model, prompt, _, ark = _checked(body)
    key = req.header("idempotency-key") if ctx.config.honour_idempotency else None
    if key:
        earlier = ctx.store.by_idempotency_key(key)
        if earlier is not None:
            return json_response({"id": earlier.task.id})
    snap = ctx.store.create(model=model, prompt=prompt, size=size_of(ark),
                            seconds=str(ark.duration), prefix="cgt-", idempotency_key=key)
    ctx.ark.add(snap.task.id, ark)
    ctx.stats.count_create(prompt)
    return json_response({"id": snap.task.id})


def task_object(ctx: Context, snap: Snapshot, ark: ArkTask) -> dict[str, Any]:
    """The Ark task object at this instant."""
    task = snap.task
    shown = _STATUS.get(snap.status, "queued")
    updated = snap.completed_at or task.created_at
    data: dict[str, Any] = {
        "id": task.id,
        "model": task.model,
        "status": shown,
        "created_at": task.created_at,
        "updated_at": updated,
        "ratio": ark.ratio,
        "resolution": ark.resolution,
        "duration": ark.duration,
        "framespersecond": FPS,
        "generate_audio": ark.body.get("generate_audio", True),
        "seed": ark.body.get("seed", -1),
    }
    if snap.status == COMPLETED:
        width, height = (int(n) for n in size_of(ark).split("x"))
        tokens = width * height * FPS * ark.duration // 1024
        data["content"] = {"video_url": f"{ctx.cdn_url}/assets/seedance/{task.id}.mp4"}
        data["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
    if snap.status == FAILED and snap.error is not None:
        data["error"] = {"code": "OutputVideoSensitiveContentDetected",
                         "message": snap.error.get("message", "")}
    return data


def status(ctx: Context, task_id: str) -> Response:
    """GET .../contents/generations/tasks/{id}."""
    snap = find(ctx, task_id)
    ark = ctx.ark.get(task_id)
    if ark is None:  # a /v1/videos task: not an Ark one
        raise reject(404, f"The specified task {task_id} is not found.", param="id",
                     code="ResourceNotFound")
    return json_response(task_object(ctx, snap, ark))


def cdn_video(ctx: Context, req: Request) -> Response | None:
    """GET /assets/seedance/<id>.mp4 on the CDN origin (no auth), or None for other paths."""
    match = _CDN.match(req.path)
    if match is None:
        return None
    snap = ctx.store.get(match.group(1))
    if snap is None or snap.status != COMPLETED or req.method not in ("GET", "HEAD"):
        return error_response(403, "Request has expired or the signature does not match",
                              code="AccessDenied")
    modified = snap.completed_at or snap.task.created_at
    return ranged(req, ctx.video(snap.task.size, snap.task.seconds), "video/mp4",
                  snap.task.id, modified)
