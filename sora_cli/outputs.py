"""Where a video lands: `-o`, the config's output_dir, or `./sora-<id>.mp4`.

`-o PATH` names a file, unless PATH is an existing directory or ends with a separator
(`-o clips/`): then it names a directory, which must exist, and the video gets its default
name inside it.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

from sora_cli.errors import UsageError

STDOUT = "-"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


PART_SUFFIX = ".part"  # with `<file>.part.id` naming what the bytes belong to


def part_path(dest: Path) -> Path:
    """Where the bytes of `dest` collect until they are complete."""
    return dest.with_name(dest.name + PART_SUFFIX)


def identity_path(part: Path) -> Path:
    """The sidecar of a `.part` file that names the video its bytes belong to."""
    return part.with_name(part.name + ".id")


def safe_name_part(task_id: str) -> str:
    """A filename-safe form of a server id: it can never name another directory."""
    cleaned = _UNSAFE.sub("_", task_id).strip("._")[:80]
    if cleaned == task_id and cleaned:
        return cleaned
    import hashlib  # only an id unfit for a file name needs it (OpenSSL takes ~3 ms to load)

    digest = hashlib.sha256(task_id.encode()).hexdigest()[:8]
    return f"{cleaned or 'task'}-{digest}"


def default_filename(task_id: str) -> str:
    """`sora-<id>.mp4` (DESIGN "generate")."""
    return f"sora-{safe_name_part(task_id)}.mp4"


def _names_directory(output: str) -> bool:
    """`-o clips/`: a trailing separator says "a directory", even before it exists."""
    return output.endswith(tuple(sep for sep in (os.sep, os.altsep, "/") if sep))


def _existing_directory(output: str) -> Path:
    """The directory `-o DIR/` names; refused unless it exists (we never guess a file name)."""
    path = Path(output).expanduser()
    if path.is_dir():
        return path
    if path.exists():
        raise UsageError(
            f"{output} is a file, not a directory",
            hint="drop the trailing / to write to that file, or pass -o PATH",
        )
    raise UsageError(f"directory {output} does not exist", hint="create it, or pass -o PATH")


def resolve_output(output: str | None, output_dir: Path | None, task_id: str) -> Path | None:
    """The final path, absolute (what stdout prints must work from any directory), or None
    for stdout (`-o -`)."""
    if output == STDOUT:
        return None
    if output:
        if _names_directory(output):
            return (_existing_directory(output) / default_filename(task_id)).absolute()
        path = Path(output).expanduser()
        if path.is_dir():
            return (path / default_filename(task_id)).absolute()
        return path.absolute()
    return ((output_dir or Path.cwd()) / default_filename(task_id)).absolute()


def check_stdout_target(output: str | None, *, json_mode: bool) -> None:
    """`-o -` needs stdout to itself, and not a terminal (an MP4 would fill the screen)."""
    if output != STDOUT:
        return
    if json_mode:
        raise UsageError("-o - writes the video to stdout, so --json cannot be used with it")
    if sys.stdout.isatty():
        raise UsageError(
            "-o - writes the MP4's bytes to stdout, which is a terminal",
            hint="redirect or pipe it (`-o - > cat.mp4`, `-o - | ffplay -`), or pass -o PATH",
        )


def _check_dir(directory: Path) -> None:
    """The directory must exist and really take a new file (permissions, read-only or
    special file systems such as /proc): a file made and removed says so for certain."""
    if not directory.is_dir():
        raise UsageError(f"directory {directory} does not exist", hint="create it, or pass -o PATH")
    try:
        fd, probe = tempfile.mkstemp(prefix=".sora-probe-", dir=directory)
    except OSError as exc:
        raise UsageError(
            f"cannot write in {directory}: {exc.strerror or exc}", hint="pass -o PATH elsewhere"
        ) from None
    os.close(fd)
    os.unlink(probe)


def check_writable(path: Path, force: bool) -> None:
    """Refuse an existing file (without --force), a device (even with --force), a planted
    link where the partial file goes, or a directory we cannot write."""
    from sora_cli.partfile import check_destination, check_not_special

    check_destination(path)
    if path.exists() and not force:
        raise UsageError(f"{path} already exists", hint="use --force to overwrite it, or -o PATH")
    _check_dir(path.parent)
    part = part_path(path)
    check_not_special(part)
    check_not_special(identity_path(part))
    if part.exists() and not os.access(part, os.W_OK):
        raise UsageError(f"partial file {part} is not writable")


def precheck_output(output: str | None, output_dir: Path | None, force: bool) -> None:
    """Before a task is paid for, the place its video will go must be usable."""
    if output == STDOUT:
        return
    if output and _names_directory(output):
        _check_dir(_existing_directory(output))
        return
    if output and not Path(output).expanduser().is_dir():
        check_writable(Path(output).expanduser(), force)
        return
    _check_dir(Path(output).expanduser() if output else (output_dir or Path.cwd()))


def precheck_directory(path: Path, *, option: str = "--output-dir") -> None:
    """Before tasks are paid for, `path` must be a writable directory, or one that can be
    made: a missing directory is fine when its nearest existing parent is a writable one
    (`sora batch` creates it), a file is not."""
    path = path.expanduser()
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(
            f"{existing} is a file, not a directory", hint=f"pass {option} with a directory"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"directory {existing} is not writable", hint=f"pass {option} elsewhere")


def disk_hint(exc: OSError) -> str:
    """What to do about a failed write, by what the system said."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return "free some space or pick another place"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "pick a place you can write to"
    return "check the path"
