"""The files a download keeps beside its destination, opened without following links.

A `<file>.part` (the bytes so far) and `<file>.part.id` (what video they belong to) sit in
a directory other people may write to (`/tmp`, a shared folder). A symbolic link planted
at either name would make a plain `open()` truncate and overwrite the link's target, and
the rename at the end would put the link itself at the final path. So both are opened
with `O_NOFOLLOW` (open(2): "If the trailing component of pathname is a symbolic link,
then the open fails, with the error ELOOP"), created with `O_EXCL` where new, and must be
regular files with a single link; anything else is refused, never written through.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from sora_cli import errors

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO planted there must not hang the open
_MAX_SIDECAR_BYTES = 4096  # an identity is a task id (older ones: a URL)


def refused(path: Path, what: str) -> errors.UsageError:
    """The one error for a planted link or special file where sora keeps its own file."""
    return errors.UsageError(
        f"{path} is {what}; sora never writes through one",
        hint="remove it (it was not made by sora), or pick another -o PATH",
    )


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, for the message; None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "a device, pipe or socket"


def check_not_special(path: Path) -> None:
    """Refuse a link, device, pipe or directory at `path` (a missing file is fine)."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):  # nothing there (the caller says why)
        return
    kind = _kind_of(info.st_mode)
    if kind is not None:
        raise refused(path, kind)


def check_destination(path: Path) -> None:
    """The final path may be a file (replaced with --force) or a link (the link is
    replaced, its target untouched), never a device, pipe or socket: `os.replace` onto
    `/dev/null` as root would put the video in its place."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode) or stat.S_ISDIR(mode)):
        raise errors.UsageError(
            f"{path} is a device, pipe or socket, not a file; sora saves videos to files only",
            hint="pick another -o PATH, or write to stdout with -o -",
        )


def _checked(fd: int, path: Path) -> int:
    info = os.fstat(fd)
    kind = _kind_of(info.st_mode) or ("a file with other hard links" if info.st_nlink > 1 else None)
    if kind is not None:
        os.close(fd)
        raise refused(path, kind)
    return fd


def _open(path: Path, flags: int, *, create: bool) -> int:
    """`os.open` that never follows a link; create-exclusive first when `create`."""
    check_not_special(path)  # before opening: opening a device may itself do something
    flags |= _NOFOLLOW | _CLOEXEC | _NONBLOCK
    try:
        if create:
            try:
                return _checked(os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o666), path)
            except FileExistsError:
                pass
        return _checked(os.open(path, flags), path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # a link appeared between the check and the open
            raise refused(path, "a symbolic link") from None
        raise


def open_part(path: Path) -> BinaryIO:
    """`path` for appending and reading: made new, or the existing regular file."""
    fd = _open(path, os.O_RDWR | os.O_APPEND, create=True)
    if _NONBLOCK:
        os.set_blocking(fd, True)
    return os.fdopen(fd, "a+b")


def read_sidecar(path: Path) -> str | None:
    """The text of a small sidecar file; None when there is none (or it is unreadable)."""
    try:
        fd = _open(path, os.O_RDONLY, create=False)
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read(_MAX_SIDECAR_BYTES).decode("utf-8", "replace")


def write_sidecar(path: Path, text: str) -> None:
    """Replace a sidecar file: the old one removed (never followed), a new one made."""
    check_not_special(path)
    path.unlink(missing_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, 0o666)
    except FileExistsError:  # something was put there in between
        raise refused(path, "not sora's file") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode("utf-8"))


def same_file(handle: BinaryIO, path: Path) -> bool:
    """Whether `path` still names the file open as `handle` (nothing swapped in since)."""
    try:
        at_path = os.lstat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(handle.fileno())
    return (at_path.st_dev, at_path.st_ino) == (opened.st_dev, opened.st_ino)
