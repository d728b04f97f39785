"""Decoding reference images with Pillow: proof that they decode, and `--fit crop|pad`.

Pillow is heavy to import, so this module is imported only on the image path (never by
`sora --help`). A header alone proves nothing: a PNG signature followed by garbage sniffs
as PNG, and a provider would refuse it after the create call, so every image is decoded
here before anything is paid. Decoding is bounded: images over `IMAGE_MAX_PIXELS` are
refused from their header, and JPEGs are checked at 1/8 scale (libjpeg reads every scan
either way, so a truncated file still fails).
"""

from __future__ import annotations

import io
import threading
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from sora_cli import constants
from sora_cli.errors import UsageError
from sora_cli.images import FitMode, ImageInfo

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
# `sora batch` loads its lines' images in threads: one decoded image in memory at a time
# keeps the per-image bound (IMAGE_MAX_PIXELS) true for the whole run. Re-entrant, as
# fitting an image that already has the size checks it.
_ONE_AT_A_TIME = threading.RLock()


@dataclass(frozen=True)
class Fitted:
    """An image made the video's size, and one line that says how."""

    data: bytes
    info: ImageInfo
    note: str


def _broken(source: str, exc: Exception) -> UsageError:
    # Pillow names its buffer object when it cannot identify the data: say what that means.
    why = "its header is damaged" if isinstance(exc, UnidentifiedImageError) else str(exc)
    return UsageError(
        f"{source} does not decode as an image ({why})",
        hint="the file is damaged or truncated: export it again as JPG, PNG or WebP",
    )


def _open(data: bytes, info: ImageInfo, source: str) -> Image.Image:
    """The image opened (not yet decoded), its format and pixel count checked."""
    try:
        with warnings.catch_warnings():  # our own pixel cap below replaces Pillow's warning
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[info.format]])
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise _broken(source, exc) from None
    width, height = image.size
    if width * height > constants.IMAGE_MAX_PIXELS:
        raise UsageError(
            f"{source} is {width}x{height}, over {constants.IMAGE_MAX_PIXELS // 1_000_000} "
            "megapixels; that is too large to check",
            hint="scale it down first (a video frame is at most 1792x1024)",
        )
    return image


def _decode(data: bytes, info: ImageInfo, source: str, *, draft: tuple[int, int]) -> Image.Image:
    """The image fully decoded (JPEGs at the smallest scale still at least `draft`)."""
    if info.format == "png":  # chunk CRCs and the IEND marker: a cheap, exact first check
        try:
            _open(data, info, source).verify()
        except (OSError, ValueError, SyntaxError) as exc:
            raise _broken(source, exc) from None
    image = _open(data, info, source)
    if info.format == "jpeg":
        image.draft("RGB", draft)
    try:
        image.load()
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise _broken(source, exc) from None
    return image


def check_decodes(data: bytes, info: ImageInfo, source: str) -> ImageInfo:
    """Decode the image once (or refuse it); its size as the decoder saw it."""
    with _ONE_AT_A_TIME:
        width, height = _open(data, info, source).size
        _decode(data, info, source, draft=(1, 1))
    return ImageInfo(info.format, width, height)


def fit_image(data: bytes, info: ImageInfo, size: str, mode: FitMode, source: str) -> Fitted:
    """Make the image exactly `size`: crop scales to cover and cuts the centre; pad scales
    to fit and fills the rest with black. PNG out, or JPEG for a JPEG."""
    with _ONE_AT_A_TIME:
        return _fit(data, info, size, mode, source)


def _fit(data: bytes, info: ImageInfo, size: str, mode: FitMode, source: str) -> Fitted:
    width, height = (int(n) for n in size.split("x"))
    original = _open(data, info, source)
    if original.size == (width, height):
        checked = check_decodes(data, info, source)
        return Fitted(data, checked, f"{source} is already {size}; --fit {mode} left it as is")
    image = _plain(ImageOps.exif_transpose(_decode(data, info, source, draft=(width, height))))
    shown = f"{original.size[0]}x{original.size[1]}"
    cover = max(width / image.width, height / image.height)
    contain = min(width / image.width, height / image.height)
    scale = cover if mode == "crop" else contain
    scaled = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    if mode == "crop":
        image = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
        gap = f"cut {_edges(scaled[0] - width, scaled[1] - height)}"
    else:
        image = _pad(image, (width, height))
        gap = f"padded {_edges(width - scaled[0], height - scaled[1])} with black"
    fmt = "jpeg" if info.format == "jpeg" else "png"
    out = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=95)
    else:
        image.save(out, "PNG")
    note = f"fitted {source} {shown} → {size} ({mode}: scaled to {scaled[0]}x{scaled[1]} and {gap})"
    return Fitted(out.getvalue(), ImageInfo(fmt, width, height), note)


def _plain(image: Image.Image) -> Image.Image:
    """RGB, RGBA (where there is transparency) or L: modes that resample smoothly (a
    palette would be resized pixel by pixel) and that PNG and JPEG both know."""
    if image.mode in ("RGB", "RGBA", "L"):
        return image
    return image.convert("RGBA" if image.has_transparency_data else "RGB")


def _pad(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Scale to fit inside `size`, centred on black (opaque, even for an image with alpha)."""
    black: int | tuple[int, ...] = 0 if image.mode == "L" else (0, 0, 0, 255)[: len(image.mode)]
    return ImageOps.pad(image, size, Image.Resampling.LANCZOS, color=black)


def _edges(horizontal: int, vertical: int) -> str:
    """`240 px of height`, `0 px`: what crop cut or pad filled."""
    if horizontal > 0:
        return f"{horizontal} px of width"
    if vertical > 0:
        return f"{vertical} px of height"
    return "0 px"
