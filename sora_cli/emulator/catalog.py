"""Which models this emulator serves right now: the profile's catalog, narrowed by
`--models` (gateway) and `--retired`, and the answers about it (`GET /v1/models`, the
reseller's retired-model errors).
"""

from __future__ import annotations

from .config import SYNC_MODELS, Model
from .context import Context
from .request import Request
from .responses import Rejected, Response, error_response, json_response
from .validation import supported


def find_model(ctx: Context, model_id: str) -> Model | None:
    """The entry serving this id under the active profile and `--models`, or None."""
    only = ctx.config.models
    if only and model_id not in only:
        return None
    return ctx.profile.model(model_id)


def served_ids(ctx: Context) -> list[str]:
    """Model ids a create may name (retired ones included: they get the retired answer)."""
    if ctx.config.models:
        return list(ctx.config.models)
    return [m.id for m in ctx.profile.models]


def unknown_model(ctx: Context, model_id: str) -> Rejected:
    """The 400 for a model the profile does not serve (OpenAI's invalid-value wording)."""
    return Rejected(error_response(
        400, f"Invalid value: '{model_id}'. Supported values are: "
        f"{supported(tuple(served_ids(ctx)))}.", param="model", code="invalid_value"))


def check_not_retired(ctx: Context, model_id: str) -> None:
    """Answer a create for a retired model at once, unbilled and without a task, as the
    reseller does (reference/live-video-apis.md, section 2): 404 "…has been retired. Switch
    to X", or 503 "no available channels" (new-api's distributor words and type)."""
    retired = ctx.config.retired
    if model_id not in retired:
        return
    if ctx.config.retired_answer == 503:
        raise Rejected(error_response(503, f"no available channels for model {model_id}",
                                      code="model_not_found", kind="new_api_error"))
    successor = retired[model_id] or ctx.profile.successor
    message = f"The model {model_id} has been retired."
    if successor and successor != model_id:
        message = f"The model {model_id} has been retired. Switch to {successor}"
    raise Rejected(error_response(404, message, param="model", code="model_not_found",
                                  kind="invalid_request_error"))


def list_models(ctx: Context, req: Request) -> Response:
    """GET /v1/models (free): OpenAI's list shape with what the profile serves, retired
    ones left out, the sync API's chat models included where it exists."""
    owners = {m.id: m.owned_by for m in ctx.profile.models}
    ids = served_ids(ctx)
    if ctx.profile.sync_api and not ctx.config.models:
        ids += list(SYNC_MODELS)
    data = [
        {"id": model_id, "object": "model", "created": 0,
         "owned_by": owners.get(model_id) or _owner(ctx, model_id)}
        for model_id in ids if model_id not in ctx.config.retired
    ]
    return json_response({"object": "list", "data": data})


def _owner(ctx: Context, model_id: str) -> str:
    model = ctx.profile.model(model_id)
    return model.owned_by if model is not None else "openai"
