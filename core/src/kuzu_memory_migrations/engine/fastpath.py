"""The start-up fast path: decide "nothing to do" from a handful of stat calls.

After a complete run the runner writes a stamp: a token of the installed environment (the
modification times of the folders distributions are installed in, which change whenever a
pack is installed, upgraded or removed) and the state file's signature. While both still
match and no journal is left, nothing can be pending: no pack is imported, no database opened.
Only the standard library is imported here.
"""

from __future__ import annotations

import os
import sys
import time

from .layout import ProjectLayout

STAMP_VERSION = "kmm-idle-1"
KEPT_TOKENS = 4
"""Tokens of different environments (a CLI and an MCP server, say) remembered at once."""
_ENV_KEYS = (
    "KUZU_MEMORY_MIGRATIONS_DISABLE",
    "KUZU_MEMORY_MIGRATIONS_DISABLE_AUTOLOAD",
    "KUZU_MEMORY_MIGRATIONS_PLUGINS",
)


def environment_token() -> str:
    """Changes whenever a distribution is installed, upgraded or removed on sys.path."""
    parts = [sys.prefix]
    for entry in sys.path[1:]:  # sys.path[0] is the running script's folder
        try:
            parts.append(f"{entry}@{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}@-")
    parts += [os.environ.get(key, "") for key in _ENV_KEYS]
    return "|".join(parts)


def _signature(path: os.PathLike[str] | str) -> str:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "absent"
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}"


def _read_stamp(layout: ProjectLayout) -> list[str]:
    try:
        with open(layout.idle_stamp, encoding="utf-8") as handle:
            return handle.read().split("\n")
    except OSError:
        return []


def is_idle(layout: ProjectLayout, token: str | None = None) -> bool:
    """True when the last complete run left nothing pending and nothing has changed since."""
    lines = _read_stamp(layout)
    if len(lines) < 4 or lines[0] != STAMP_VERSION:
        return False
    state_signature, retry_after, *tokens = lines[1:]
    if retry_after and time.time() < float(retry_after):
        return True
    if retry_after or state_signature != _signature(layout.state_file):
        return False
    if os.path.exists(layout.journal_dir) or os.path.exists(layout.state_log):
        return False
    return (token or environment_token()) in tokens


def write_stamp(layout: ProjectLayout, *, retry_in: float | None = None) -> None:
    """Remember that this environment has nothing pending (or to retry after `retry_in` s)."""
    from .atomic import atomic_write

    lines = _read_stamp(layout)
    token = environment_token()
    previous = lines[3:] if len(lines) >= 4 and lines[0] == STAMP_VERSION else []
    tokens = [token, *[t for t in previous if t and t != token]][:KEPT_TOKENS]
    retry_after = f"{time.time() + retry_in:.3f}" if retry_in else ""
    body = "\n".join([STAMP_VERSION, _signature(layout.state_file), retry_after, *tokens])
    layout.ensure_work_dir()
    atomic_write(layout.idle_stamp, body.encode("utf-8"))


def clear_stamp(layout: ProjectLayout) -> None:
    try:
        os.unlink(layout.idle_stamp)
    except FileNotFoundError:
        pass
