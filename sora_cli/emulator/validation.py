"""Create-request validation per profile, with the API's 400 messages naming the parameter.

laozhang (reference/laozhang-async-api.txt): model, prompt, size and seconds are all required.
openai (reference/openai-videos-openapi.yaml): only prompt is required; the rest has defaults.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from .config import PROMPT_MAX_CHARS, Profile
from .forms import Part
from .images import decode_data_url, dimensions, sniff
from .responses import reject


@dataclass(frozen=True)
class CreateParams:
    """A valid create request."""

    model: str
    prompt: str
    size: str
    seconds: str


def supported(values: tuple[str, ...]) -> str:
    """'a' and 'b' / 'a', 'b', and 'c' (OpenAI's wording)."""
    quoted = [f"'{v}'" for v in values]
    if len(quoted) <= 2:
        return " and ".join(quoted)
    return ", ".join(quoted[:-1]) + ", and " + quoted[-1]


def _type_name(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a decimal", list: "an array",
             dict: "an object"}
    return names.get(type(value), "a value")


def field_text(profile: Profile, fields: Mapping[str, object], name: str) -> str:
    """A required-or-defaulted string field."""
    value = fields.get(name)
    if value is None:
        if name in profile.defaults:
            return profile.defaults[name]
        raise reject(400, f"Missing required parameter: '{name}'.", param=name,
                     code="missing_required_parameter")
    if not isinstance(value, str):
        raise reject(400, f"Invalid type for '{name}': expected a string, but got "
                     f"{_type_name(value)} instead.", param=name, code="invalid_type")
    return value


def check_prompt(prompt: str, param: str = "prompt") -> str:
    """1..32000 characters of non-blank text."""
    if not prompt.strip():
        raise reject(400, f"Invalid '{param}': string too short. Expected a string with minimum "
                     "length 1, but got an empty string instead.", param=param,
                     code="string_below_min_length")
    if len(prompt) > PROMPT_MAX_CHARS:
        raise reject(400, f"Invalid '{param}': string too long. Expected a string with maximum "
                     f"length {PROMPT_MAX_CHARS}, but got a string with length {len(prompt)} "
                     "instead.", param=param, code="string_above_max_length")
    return prompt


def check_choice(value: str, allowed: tuple[str, ...], param: str) -> str:
    """One of the profile's values."""
    if value not in allowed:
        raise reject(400, f"Invalid value: '{value}'. Supported values are: "
                     f"{supported(allowed)}.", param=param, code="invalid_value")
    return value


def create_params(profile: Profile, fields: Mapping[str, object]) -> CreateParams:
    """Validate model, prompt, size, seconds in the order the reference lists them."""
    model = check_choice(field_text(profile, fields, "model"), profile.models, "model")
    prompt = check_prompt(field_text(profile, fields, "prompt"))
    size = check_choice(field_text(profile, fields, "size"), profile.sizes, "size")
    seconds = check_choice(field_text(profile, fields, "seconds"), profile.seconds, "seconds")
    return CreateParams(model, prompt, size, seconds)


def check_image(data: bytes, size: str, param: str = "input_reference") -> None:
    """JPEG/PNG/WebP by magic bytes, and exactly the requested pixel size."""
    if sniff(data) is None:
        raise reject(400, f"Invalid file format for '{param}'. Supported formats are: "
                     "'image/jpeg', 'image/png', and 'image/webp'.", param=param,
                     code="unsupported_file")
    dims = dimensions(data)
    if dims is None:
        raise reject(400, f"Could not read the dimensions of '{param}': the image header is "
                     "damaged.", param=param, code="invalid_image")
    width, height = dims
    if f"{width}x{height}" != size:
        raise reject(400, "Inpainting image must match the requested width and height "
                     f"(image is {width}x{height}, requested {size}).", param=param,
                     code="invalid_value")


def check_reference(profile: Profile, value: object, size: str) -> None:
    """`input_reference` as an upload (both profiles) or, for openai, an ImageRefParam."""
    if isinstance(value, Part):
        if value.filename is not None:
            check_image(value.data, size)
            return
        if not profile.accepts_json:
            raise reject(400, "Invalid 'input_reference': upload a local image file "
                         "(image URLs and base64 are not supported).", param="input_reference",
                         code="invalid_value")
        value = _json_text(value.text)
    if not profile.accepts_json or not isinstance(value, dict):
        raise reject(400, "Invalid 'input_reference': expected an image file.",
                     param="input_reference", code="invalid_type")
    url, file_id = value.get("image_url"), value.get("file_id")
    if (url is None) == (file_id is None):
        raise reject(400, "Invalid 'input_reference': provide exactly one of 'image_url' or "
                     "'file_id'.", param="input_reference", code="invalid_value")
    if isinstance(url, str) and url.startswith("data:"):
        data = decode_data_url(url)
        if data is None:
            raise reject(400, "Invalid 'input_reference.image_url': not a base64 image data "
                         "URL.", param="input_reference.image_url", code="invalid_value")
        check_image(data, size, "input_reference.image_url")
    elif isinstance(url, str) and not url.startswith(("http://", "https://")):
        raise reject(400, "Invalid 'input_reference.image_url': expected an http(s) or data "
                     "URL.", param="input_reference.image_url", code="invalid_value")


def _json_text(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None
