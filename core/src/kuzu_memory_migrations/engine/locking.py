"""One runner per project at a time (filelock), and who holds the lock when we wait."""

from __future__ import annotations

import json
import os
import shlex
import socket
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from .atomic import atomic_write
from .errors import LockHeld
from .layout import ProjectLayout


def _describe_owner(layout: ProjectLayout) -> str:
    try:
        owner = json.loads(layout.lock_owner_file.read_text(encoding="utf-8"))
        since = time.strftime("%H:%M:%S", time.localtime(owner["since"]))
        return f"pid {owner['pid']} on {owner['host']} ({owner['command']}), since {since}"
    except (OSError, ValueError, KeyError, TypeError):
        return "another process"


def running_owner(layout: ProjectLayout) -> str | None:
    """Who is running migrations in this project right now, or None. A crashed run's lock
    dies with its process, so a lock we can take ourselves belongs to no live run."""
    from filelock import FileLock, Timeout

    if not layout.lock_file.exists():
        return None
    lock = FileLock(str(layout.lock_file), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        return _describe_owner(layout)
    except OSError:
        return None
    lock.release()
    return None


@contextmanager
def project_lock(layout: ProjectLayout, *, wait: float) -> Iterator[None]:
    """Hold the project's lock; `wait=0` gives up at once (the start-up path never waits)."""
    from filelock import FileLock, Timeout

    layout.ensure_work_dir()
    lock = FileLock(str(layout.lock_file), timeout=wait)
    try:
        lock.acquire()
    except Timeout:
        waited = f" (waited {wait:g} s)" if wait > 0 else ""
        raise LockHeld(
            f"{layout.root}: another migration run holds {layout.lock_file}: "
            f"{_describe_owner(layout)}{waited}"
        ) from None
    try:
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": shlex.join(sys.argv) or sys.executable,  # whole: paths and all
            "since": time.time(),
        }
        atomic_write(layout.lock_owner_file, json.dumps(owner).encode())
        yield
    finally:
        layout.lock_owner_file.unlink(missing_ok=True)
        lock.release()
