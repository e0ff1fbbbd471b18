"""Crash-safe file primitives: a reader sees the old bytes or the new ones, never a mix."""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
from pathlib import Path


def write_target(path: Path) -> Path:
    """The file a write to `path` must replace: a symlink's target, so the link survives."""
    return path.resolve() if path.is_symlink() else path


def fsync_directory(directory: Path) -> None:
    """Make a rename in `directory` durable (a no-op where the OS cannot open folders)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write through a temp file in the same folder, fsync, then replace the target.

    The target's permission bits are kept (or `mode` applied; a new file gets what the
    process's umask gives, as `open` would); a failure at any point (a full disk, say)
    leaves the target as it was and no temp file behind.
    """
    target = write_target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    if mode is None:
        with contextlib.suppress(FileNotFoundError):
            mode = target.stat().st_mode & 0o7777
    temp = target.parent / f"{_temp_prefix(target)}{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            temp.chmod(mode)
        temp.replace(target)
    except OSError as error:
        temp.unlink(missing_ok=True)
        if error.filename is None:  # a full disk says so without saying where
            raise type(error)(error.errno, error.strerror, str(target)) from error
        raise
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_directory(target.parent)


def _temp_prefix(target: Path) -> str:
    return f".{target.name}.kmm-"


def remove_stray_temps(path: Path) -> None:
    """Delete temp files a killed `atomic_write` of `path` left beside it."""
    with contextlib.suppress(OSError):
        for stray in path.parent.glob(glob.escape(_temp_prefix(path)) + "*.tmp"):
            stray.unlink(missing_ok=True)


def copy_durably(source: Path, copy: Path) -> None:
    """Copy a file's bytes and permission bits and fsync them before anyone relies on them."""
    shutil.copyfile(source, copy, follow_symlinks=False)
    shutil.copymode(source, copy)
    fd = os.open(copy, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _drop_torn_tail(fd: int, size: int) -> int:
    """Cut a last line that a power loss left without its newline; returns the new size.

    Every record is one line, so such a line is a record that never completed; cutting it
    keeps later records from landing behind it, where a reader would take them for corrupt.
    """
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return size
    start = size
    while start > 0:
        chunk_start = max(0, start - 65536)
        chunk = os.pread(fd, start - chunk_start, chunk_start)
        newline = chunk.rfind(b"\n")
        if newline >= 0:
            start = chunk_start + newline + 1
            break
        start = chunk_start
    os.ftruncate(fd, start)
    return start


def append_durably(path: Path, line: str) -> None:
    """Append one line and fsync it: the building block of every journal this package keeps.

    The line lands whole or not at all: a write that fails half way (a full disk) is cut
    back off before the error propagates.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = _drop_torn_tail(fd, os.fstat(fd).st_size)
        pending = memoryview((line + "\n").encode("utf-8"))
        try:
            while pending:
                pending = pending[os.write(fd, pending) :]
            os.fsync(fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)
