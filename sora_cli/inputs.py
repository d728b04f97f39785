"""What the user hands us: the prompt and the reference image, read and checked."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection
from pathlib import Path
from urllib.parse import urlsplit

from sora_cli import constants
from sora_cli.errors import UsageError
from sora_cli.images import EXTENSION_BY_FORMAT, ImageInfo, check_matches_size, inspect_image


def read_prompt(argument: str | None, prompt_file: Path | None) -> str:
    """The prompt from the argument, `-` (stdin) or `--prompt-file`."""
    if argument is not None and prompt_file is not None:
        raise UsageError("give the prompt as an argument or with --prompt-file, not both")
    if prompt_file is not None:
        source = str(prompt_file)
        try:
            text = prompt_file.read_text(encoding="utf-8")
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
            text = sys.stdin.read()
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


def read_image_file(path: Path) -> bytes:
    """Bytes of a local image, with one-line errors."""
    try:
        size = path.stat().st_size
        if size > constants.IMAGE_MAX_BYTES:
            raise UsageError(
                f"image {path} is {size // 1024 // 1024} MiB; that is too large to upload",
                hint="the API recommends images under 5 MB",
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"image {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"image {path} is a directory, not a file") from None
    except PermissionError:
        raise UsageError(f"image {path} cannot be read (permission denied)") from None
    except OSError as exc:
        raise UsageError(f"cannot read image {path}: {exc.strerror}") from None


def check_image(
    data: bytes,
    source: str,
    size: str,
    warn: Callable[[str], None],
    offered: Collection[str] = (),
) -> ImageInfo:
    """Format by magic bytes, size warning, dimensions against `--size` (of `offered`; an
    empty `size`: not checked)."""
    info = inspect_image(data, source)
    if len(data) > constants.IMAGE_WARN_BYTES:
        warn(
            f"{source} is {len(data) / 1024 / 1024:.1f} MB; the API recommends under 5 MB "
            "(uploads are slower)"
        )
    if size:  # "": the model takes images of any size
        check_matches_size(info, size, source, offered)
    return info


def upload_name(source: str, info: ImageInfo) -> str:
    """A filename for the multipart part, with the extension the content deserves."""
    stem = Path(urlsplit(source).path if is_url(source) else source).stem or "reference"
    safe = "".join(c for c in stem if c.isalnum() or c in "-_")[:60] or "reference"
    return f"{safe}.{EXTENSION_BY_FORMAT[info.format]}"
