"""Reading a batch file: one prompt per line, or JSON Lines. No network.

Every line is checked before anything is sent (issue 5); all the bad lines are reported at
once, each with its line number, so a 200-line file is fixed in one go.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from pathlib import Path, PurePosixPath
from typing import Any

from sora_cli.errors import SoraError, UsageError
from sora_cli.profiles import Profile

JSON_FIELDS = frozenset({"prompt", "size", "seconds", "model", "image", "output", "id"})
MAX_SHOWN_ERRORS = 20


@dataclass(frozen=True)
class BatchLine:
    """One line of the batch, resolved against the profile's values."""

    number: int  # 1-based line number in the file
    key: str  # the line's identity across re-runs
    prompt: str
    size: str | None  # None: not sent (a gateway's model decides)
    seconds: int | None
    model: str  # the model id sent (`muse-video-20s` for a 20 s Muse line)
    image: str | None = None
    output: str | None = None  # file name inside the output directory
    fit: str | None = None  # the batch's --fit, kept in the manifest for --resume

    def to_json(self) -> dict[str, Any]:
        """For the journal's batch manifest."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BatchLine:
        """Back from the manifest; keys a newer sora added are left out."""
        known = {f.name for f in dataclass_fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Defaults:
    """What a line without its own size/seconds/model gets."""

    size: str | None
    seconds: int | None
    model: str | None


def _check_output(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError("output must be a non-empty file name")
    path = PurePosixPath(name.strip())
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        raise ValueError(f"output {name!r} must stay inside the output directory")
    if not path.name.lower().endswith(".mp4"):
        path = path.with_name(path.name + ".mp4")
    return str(path)


def _line_key(given: str | None, fields: tuple[object, ...], seen: dict[str, int]) -> str:
    """`id` when given, else a hash of the line's content plus its occurrence number."""
    if given:
        return f"id:{given}"
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]
    seen[digest] = seen.get(digest, 0) + 1
    return f"h:{digest}:{seen[digest]}"


def _parse_one(
    number: int, raw: str, as_json: bool, profile: Profile, defaults: Defaults
) -> dict[str, Any]:
    if as_json:
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON ({exc.msg})") from None
        if not isinstance(data, dict):
            raise ValueError("each JSON line must be an object with a prompt")
        unknown = set(data) - JSON_FIELDS
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}")
    else:
        data = {"prompt": raw}
    prompt = data.get("prompt")
    if not isinstance(prompt, str) or not prompt.strip():
        raise ValueError("prompt is missing or empty")
    for name in ("size", "model", "image", "id"):
        if name in data and not isinstance(data[name], str):
            raise ValueError(f"{name} must be a string")
    try:
        choice = profile.choose(
            data.get("model", defaults.model),
            data.get("seconds", defaults.seconds),
            data.get("size", defaults.size),
            seconds_given="seconds" in data,
        )
    except UsageError as exc:
        raise ValueError(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
    return {
        "prompt": prompt.strip(),
        "size": choice.size,
        "seconds": choice.seconds,
        "model": choice.model_id,
        "image": data.get("image"),
        "output": _check_output(data["output"]) if "output" in data else None,
        "id": data.get("id"),
    }


def _image_path(spec: str | None, base_dir: Path | None) -> str | None:
    """A local image path made absolute against `base_dir`; URLs and None unchanged."""
    if not spec or base_dir is None or "://" in spec:
        return spec
    path = Path(spec).expanduser()
    return spec if path.is_absolute() else str((base_dir / path).absolute())


def parse_batch(
    text: str,
    *,
    source: str,
    profile: Profile,
    defaults: Defaults,
    check_image: Callable[[str, str | None, str], None] | None = None,
    base_dir: Path | None = None,
) -> list[BatchLine]:
    """All lines, or a UsageError listing every invalid one (exit 2, nothing sent).

    The format is JSON Lines when the first content line starts with `{`, else plain text.
    `check_image(spec, size, model)` validates an image reference (raises SoraError). A relative
    image path is relative to `base_dir` (the batch file's folder), and kept absolute, so a
    `--resume` from elsewhere finds it; the line's identity keeps the path as written.
    """
    content = [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not content:
        raise UsageError(f"{source} has no prompts", hint="one prompt per line, or JSON Lines")
    as_json = content[0][1].startswith("{")
    lines: list[BatchLine] = []
    problems: list[str] = []
    seen_hashes: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    seen_outputs: dict[str, int] = {}
    for number, raw in content:
        try:
            data = _parse_one(number, raw, as_json, profile, defaults)
            image = _image_path(data["image"], base_dir)
            if image and check_image is not None:
                try:
                    check_image(image, data["size"], data["model"])
                except SoraError as exc:
                    raise ValueError(exc.message) from None
            for field, seen in (("id", seen_ids), ("output", seen_outputs)):
                value = data[field]
                if value is not None:
                    folded = value.lower()
                    if folded in seen:
                        raise ValueError(
                            f"{field} {value!r} is already used on line {seen[folded]}"
                        )
                    seen[folded] = number
        except ValueError as exc:
            problems.append(f"{source}:{number}: {exc}")
            continue
        fields = (data["prompt"], data["size"], data["seconds"], data["model"], data["image"])
        lines.append(
            BatchLine(
                number=number,
                key=_line_key(data["id"], fields, seen_hashes),
                prompt=data["prompt"],
                size=data["size"],
                seconds=data["seconds"],
                model=data["model"],
                image=image,
                output=data["output"],
            )
        )
    if problems:
        shown = problems[:MAX_SHOWN_ERRORS]
        more = len(problems) - len(shown)
        raise UsageError(
            f"{len(problems)} invalid line{'s' * (len(problems) != 1)} in {source}; "
            "nothing was sent:\n  "
            + "\n  ".join(shown)
            + (f"\n  ... and {more} more" if more else ""),
            hint="fix these lines and run the same command again",
        )
    return lines


def read_batch_file(path: Path, shown: str) -> str:
    """The file's text, or a one-line UsageError (exit 2) instead of a raw OS error."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problem = "no such file"
    except IsADirectoryError:
        problem = "it is a directory"
    except PermissionError:
        problem = "permission denied"
    except UnicodeDecodeError:
        problem = "it is not UTF-8 text"
    except OSError as exc:
        problem = (exc.strerror or str(exc)).lower()
    raise UsageError(
        f"cannot read {shown}: {problem}",
        hint="give a text file with one prompt per line (or JSON Lines), or - for stdin",
    )


def batch_id_for(source_identity: str) -> str:
    """A stable id: the same file (by path) or the same stdin text gives the same batch."""
    return "b-" + hashlib.sha256(source_identity.encode()).hexdigest()[:12]
