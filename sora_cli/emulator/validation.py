"""Create-request validation per model, with the API's 400 messages naming the parameter.

laozhang's sora-2 (reference/laozhang-async-api.txt): model, prompt, size, seconds required.
openai (reference/openai-videos-openapi.yaml): only prompt is required; the rest has defaults.
Muse (reference/live-video-apis.md, 1.3): seconds and size have defaults; frames may be URLs.
A gateway: size and seconds optional and free-form.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from .config import PROMPT_MAX_CHARS, SIZE_SYNTAX, Model, Profile
from .forms import Part
from .images import decode_data_url, dimensions, sniff
from .responses import Rejected, reject


@dataclass(frozen=True)
class CreateParams:
    """A valid create request; `size`/`seconds` are "" when a gateway leaves them unset."""

    model: Model
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


def _missing(name: str) -> Rejected:
    return reject(400, f"Missing required parameter: '{name}'.", param=name,
                  code="missing_required_parameter")


def _not_text(name: str, value: object) -> Rejected:
    return reject(400, f"Invalid type for '{name}': expected a string, but got "
                  f"{_type_name(value)} instead.", param=name, code="invalid_type")


def field_text(fields: Mapping[str, object], name: str, default: str | None = None) -> str:
    """A required-or-defaulted string field."""
    value = fields.get(name)
    if value is None:
        if default is not None:
            return default
        raise _missing(name)
    if not isinstance(value, str):
        raise _not_text(name, value)
    return value


def requested_model(profile: Profile, fields: Mapping[str, object]) -> str:
    """The model id asked for (or the profile's default); blank is a missing model."""
    model = field_text(fields, "model", profile.default_model)
    if not model.strip():
        raise _missing("model")
    return model


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


def create_params(model: Model, fields: Mapping[str, object]) -> CreateParams:
    """Validate prompt, size and seconds for this model, in the order the reference lists."""
    prompt = check_prompt(field_text(fields, "prompt"))
    return CreateParams(model, prompt, _size(model, fields), _seconds(model, fields))


def _unset(model: Model, name: str) -> str:
    """An absent size/seconds: the model's default, "" where it may stay unset, else 400."""
    if name in model.defaults:
        return model.defaults[name]
    if name in model.optional:
        return ""
    raise _missing(name)


def _size(model: Model, fields: Mapping[str, object]) -> str:
    """`size`, or the size an accepted `aspect_ratio` stands for (Muse takes either)."""
    value = fields.get("size")
    ratio = fields.get("aspect_ratio")
    if ratio is not None and model.aspect_ratios:
        if not isinstance(ratio, str):
            raise _not_text("aspect_ratio", ratio)
        implied = model.aspect_ratios[check_choice(ratio, tuple(model.aspect_ratios),
                                                   "aspect_ratio")]
        if value is not None and value != implied:
            raise reject(400, f"'size' {value!r} and 'aspect_ratio' {ratio!r} disagree: send "
                         "one of them.", param="aspect_ratio", code="invalid_value")
        return implied
    if value is None:
        return _unset(model, "size")
    if not isinstance(value, str):
        raise _not_text("size", value)
    if model.sizes:
        return check_choice(value, model.sizes, "size")
    if not SIZE_SYNTAX.match(value):
        raise reject(400, f"Invalid 'size': '{value}'. Expected WIDTHxHEIGHT in pixels, for "
                     "example '1280x720'.", param="size", code="invalid_value")
    return value


def _seconds(model: Model, fields: Mapping[str, object]) -> str:
    """`seconds` as the API spells it: a string, or an integer where the model allows."""
    value = fields.get("seconds")
    if value is None:
        return _unset(model, "seconds")
    if model.integer_seconds and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _not_text("seconds", value)
    if len(model.seconds) == 1 and value != model.seconds[0]:
        only = model.seconds[0]
        raise reject(400, f"Invalid value: '{value}'. {model.id} makes {only}-second videos "
                     f"only: leave 'seconds' out or send '{only}' (other lengths are other "
                     "models).", param="seconds", code="invalid_value")
    if model.seconds:
        return check_choice(value, model.seconds, "seconds")
    if not value.isdigit() or int(value) < 1:
        raise reject(400, f"Invalid 'seconds': '{value}'. Expected a positive whole number of "
                     "seconds.", param="seconds", code="invalid_value")
    return value


def check_decodes(data: bytes, param: str) -> tuple[int, int]:
    """JPEG/PNG/WebP by magic bytes with a readable header: (width, height)."""
    if sniff(data) is None:
        raise reject(400, f"Invalid file format for '{param}'. Supported formats are: "
                     "'image/jpeg', 'image/png', and 'image/webp'.", param=param,
                     code="unsupported_file")
    dims = dimensions(data)
    if dims is None:
        raise reject(400, f"Could not read the dimensions of '{param}': the image header is "
                     "damaged.", param=param, code="invalid_image")
    return dims


def check_image(data: bytes, size: str, param: str = "input_reference",
                fit: str = "exact") -> None:
    """A real image of exactly the requested pixel size, or of its aspect ratio."""
    width, height = check_decodes(data, param)
    if f"{width}x{height}" == size:
        return
    wanted_w, _, wanted_h = size.partition("x")
    if fit == "ratio" and wanted_w.isdigit() and wanted_h.isdigit() \
            and width * int(wanted_h) == height * int(wanted_w):
        return
    also = " or their aspect ratio" if fit == "ratio" else ""
    raise reject(400, f"Inpainting image must match the requested width and height{also} "
                 f"(image is {width}x{height}, requested {size}).", param=param,
                 code="invalid_value")


def check_frames(model: Model, fields: Mapping[str, object], size: str) -> None:
    """First frame (`input_reference`, or Muse's JSON `image`) and end frame (`last_frame`,
    which needs a first frame: reference/live-video-apis.md, 1.3)."""
    first_param = "input_reference"
    first = fields.get(first_param)
    if first is None and model.image_urls and fields.get("image") is not None:
        first_param, first = "image", fields["image"]
    if first is not None:
        if model.image_fit != "any":
            check_reference(model, first, size)
        else:
            check_any_image(first, first_param)
    last = fields.get("last_frame")
    if last is None:
        return
    if not model.last_frame:
        raise reject(400, f"Invalid parameter 'last_frame': model {model.id} takes no end "
                     "frame.", param="last_frame", code="unsupported_parameter")
    if first is None:
        raise reject(400, "Invalid 'last_frame': an end frame needs a first frame as well "
                     "(send 'input_reference' or 'image').", param="last_frame",
                     code="missing_required_parameter")
    check_any_image(last, "last_frame")


def check_any_image(value: object, param: str) -> None:
    """An uploaded file or a data: URL that really is an image, or an http(s) URL (never
    fetched); its size need not match (Muse's frames guide the composition only)."""
    if isinstance(value, Part):
        if value.filename is not None:
            check_decodes(value.data, param)
            return
        value = value.text
    if not isinstance(value, str):
        raise reject(400, f"Invalid type for '{param}': expected an image file or a URL, but "
                     f"got {_type_name(value)} instead.", param=param, code="invalid_type")
    if value.startswith(("http://", "https://")):
        return
    data = decode_data_url(value)
    if data is None:
        raise reject(400, f"Invalid '{param}': expected an image file, an http(s) URL or a "
                     "data:image/...;base64, URL.", param=param, code="invalid_value")
    check_decodes(data, param)


def check_reference(model: Model, value: object, size: str) -> None:
    """`input_reference` as an upload (every Sora model) or, where JSON is taken, OpenAI's
    ImageRefParam; the image must fit `size` as the model says."""
    takes_json = "json" in model.bodies
    if isinstance(value, Part):
        if value.filename is not None:
            check_image(value.data, size, fit=model.image_fit)
            return
        if not takes_json:
            raise reject(400, "Invalid 'input_reference': upload a local image file "
                         "(image URLs and base64 are not supported).", param="input_reference",
                         code="invalid_value")
        value = _json_text(value.text)
    if not takes_json or not isinstance(value, dict):
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
        check_image(data, size, "input_reference.image_url", model.image_fit)
    elif isinstance(url, str) and not url.startswith(("http://", "https://")):
        raise reject(400, "Invalid 'input_reference.image_url': expected an http(s) or data "
                     "URL.", param="input_reference.image_url", code="invalid_value")


def _json_text(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None
