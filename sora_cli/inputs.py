"""What the user hands us: the prompt and the reference image, read and checked."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sora_cli import constants
from sora_cli.catalog import ImagePolicy
from sora_cli.errors import UsageError
from sora_cli.images import (
    EXTENSION_BY_FORMAT,
    FitMode,
    ImageInfo,
    check_dimensions,
    inspect_image,
)


def read_prompt(argument: str | None, prompt_file: Path | None) -> str:
    """The prompt from the argument, `-` (stdin) or `--prompt-file`."""
    if argument is not None and prompt_file is not None:
        raise UsageError("give the prompt as an argument or with --prompt-file, not both")
    if prompt_file is not None:
        source = str(prompt_file)
        try:
            with prompt_file.open("rb") as handle:
                data = handle.read(PROMPT_READ_LIMIT + 1)
            _check_prompt_size(len(data), source)
            text = _text_of(data)
        except FileNotFoundError:
            raise UsageError(f"prompt file {source} does not exist") from None
        except IsADirectoryError:
            raise UsageError(f"prompt file {source} is a directory") from None
        except UnicodeDecodeError:
            raise UsageError(f"prompt file {source} is not UTF-8 text") from None
        except OSError as exc:
            raise UsageError(f"cannot read prompt file {source}: {exc.strerror}") from None
    elif argument == "-":
        source = "stdin"
        if sys.stdin is None or sys.stdin.isatty():
            raise UsageError(
                "prompt `-` reads stdin, but stdin is a terminal",
                hint='pipe the prompt in: echo "a cat" | sora generate -',
            )
        try:
            raw = getattr(sys.stdin, "buffer", None)
            if raw is not None:
                data = raw.read(PROMPT_READ_LIMIT + 1)
                _check_prompt_size(len(data), source)
                text = _text_of(data)
            else:  # a text-only stream (an embedding program's)
                text = sys.stdin.read(PROMPT_READ_LIMIT + 1)
                _check_prompt_size(len(text.encode("utf-8", "surrogatepass")), source)
        except UnicodeDecodeError:
            raise UsageError("stdin is not valid UTF-8 text") from None
    elif argument is not None:
        source, text = "the prompt", argument
    else:
        raise UsageError(
            "no prompt given", hint='sora generate "a cat on a skateboard" (or - for stdin)'
        )
    try:
        text.encode("utf-8")  # undecodable bytes from argv/stdin arrive as lone surrogates
    except UnicodeEncodeError:
        raise UsageError(
            f"{source} is not valid UTF-8 text", hint="save or pipe the prompt as UTF-8"
        ) from None
    text = text.strip()
    if not text:
        raise UsageError(f"{source} is empty; describe the video to generate")
    return text


# Far above any API's prompt limit (OpenAI's: 32,000 characters), so only a mistake reaches it
# (`--prompt-file /dev/zero`, a video piped in by accident): it is refused, not read to the end.
PROMPT_READ_LIMIT = 1024 * 1024


def _text_of(data: bytes) -> str:
    """A prompt's bytes as text, as a text file reads: UTF-8, a leading BOM dropped, and
    Windows or old Mac line ends made newlines (none of them belongs in a prompt)."""
    return data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")


def _check_prompt_size(size: int, source: str) -> None:
    if size > PROMPT_READ_LIMIT:
        raise UsageError(
            f"{source} holds more than {PROMPT_READ_LIMIT // (1024 * 1024)} MiB; that is no "
            "prompt",
            hint="a prompt is a few sentences of text (the API takes at most 32,000 characters)",
        )


def is_url(spec: str) -> bool:
    """Whether `--image` names a URL rather than a local file."""
    return "://" in spec


def check_image_url(spec: str) -> str:
    """Only http(s) image URLs are fetched."""
    parts = urlsplit(spec)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"image URL {spec!r} is not an http(s) URL",
            hint="give an https:// URL or a local file path",
        )
    return spec


def _open_flags() -> int:
    """O_NONBLOCK: opening a FIFO with no writer returns at once instead of hanging;
    O_NOCTTY: a terminal never becomes ours. Flags a platform lacks (Windows) are left out."""
    flags = os.O_RDONLY
    for name in ("O_NONBLOCK", "O_NOCTTY", "O_CLOEXEC", "O_BINARY"):
        flags |= getattr(os, name, 0)
    return flags


def read_image_file(path: Path) -> bytes:
    """Bytes of a local image, with one-line errors.

    Only a regular file is read (a FIFO, `/dev/zero` or a terminal never is), and the cap
    holds while reading: `st_size` says nothing of a file that grows, or of `/proc`.
    """
    import stat

    try:
        fd = os.open(path, _open_flags())
    except FileNotFoundError:
        raise UsageError(f"image {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"image {path} is a directory, not a file") from None
    except PermissionError:
        raise UsageError(f"image {path} cannot be read (permission denied)") from None
    except OSError as exc:
        raise UsageError(f"cannot read image {path}: {exc.strerror}") from None
    with os.fdopen(fd, "rb", buffering=0) as file:
        try:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                raise UsageError(f"image {path} is a directory, not a file")
            if not stat.S_ISREG(mode):
                raise UsageError(
                    f"image {path} is not a regular file",
                    hint="save the image to a file first, then pass that file",
                )
            data = _read_capped(file.read, constants.IMAGE_MAX_BYTES)
        except OSError as exc:
            raise UsageError(f"cannot read image {path}: {exc.strerror}") from None
    if data is None:
        raise UsageError(
            f"image {path} is larger than {constants.IMAGE_MAX_BYTES // 1024 // 1024} MiB; "
            "that is too large to upload",
            hint="the API recommends images under 5 MB",
        )
    return data


def _read_capped(read: Callable[[int], bytes | None], limit: int) -> bytes | None:
    """The whole file, or None once it passes `limit` bytes (never reading much past it)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := read(min(constants.IMAGE_READ_CHUNK, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return None
    return b"".join(chunks)


@dataclass(frozen=True)
class ImageRules:
    """What the model asks of a reference image, and how to tell the user about it."""

    size: str | None  # the video's size; None: not sent (a gateway's model decides)
    policy: ImagePolicy
    fit: FitMode | None
    warn: Callable[[str], None]
    note: Callable[[str], None]  # what --fit did
    offered: Collection[str] = ()  # the profile's sizes, for hints


def check_image(data: bytes, source: str, rules: ImageRules) -> tuple[bytes, ImageInfo]:
    """The image as it will be sent: sniffed by magic bytes, decoded for real (Pillow, only
    here), fitted with `--fit`, and checked against the model's policy."""
    from sora_cli.pixels import check_decodes, fit_image

    info = inspect_image(data, source)
    if len(data) > constants.IMAGE_WARN_BYTES:
        rules.warn(
            f"{source} is {len(data) / 1024 / 1024:.1f} MB; the API recommends under 5 MB "
            "(uploads are slower)"
        )
    if rules.fit is not None:
        if rules.size is None:
            raise UsageError(
                f"--fit {rules.fit} needs the video's size, and none is set",
                hint="give --size WxH",
            )
        fitted = fit_image(data, info, rules.size, rules.fit, source)
        rules.note(fitted.note)
        data, info = fitted.data, fitted.info
    else:
        info = check_decodes(data, info, source)
    check_dimensions(info, rules.size, source, rules.policy, rules.warn, rules.offered)
    return data, info


def upload_name(source: str, info: ImageInfo) -> str:
    """A filename for the multipart part, with the extension the content deserves."""
    stem = Path(urlsplit(source).path if is_url(source) else source).stem or "reference"
    safe = "".join(c for c in stem if c.isalnum() or c in "-_")[:60] or "reference"
    return f"{safe}.{EXTENSION_BY_FORMAT[info.format]}"
