"""The start-up fast path: decide "nothing to do" from a few stat calls, importing nothing.

After a complete run the runner writes a stamp, `.kuzu-memory/migrations/idle`, recording
what the project and the environment looked like when nothing was left pending:

- the project's guards: the signatures (inode, size, mtime and ctime: a copy put back with
  its old mtime still moves the ctime) of the legacy state file (kuzu-memory's own system
  rewrites it), of the framework's records and of the journal folder (absent unless a run
  stopped mid-migration); guards are relative to the project, so a copied project is
  re-checked. Every run that may change the project deletes the stamp first;
- one line per environment that found the project idle (a CLI's venv and an MCP server's,
  say): its key (interpreter prefix, sys.path, plugin env vars), the signatures of the
  folders on sys.path (a folder's mtime moves whenever a distribution is installed, upgraded
  or removed in it: a dist-info folder comes or goes), and those of the source files of
  packs that live outside the installation folders (editable checkouts), which change
  without any install.

While all of it matches, nothing can be pending: no pack is imported, no database opened.
Any mismatch, unreadable or odd line means "not idle", never the reverse. Only `os`, `sys`
and `time` are used on the reading side (not even pathlib: it would double the import).
"""

from __future__ import annotations

import os
import sys
import time

from .layout import IDLE_STAMP
from .variables import PLUGIN_VARIABLES

TYPE_CHECKING = False  # typing itself costs ms on the start-up path
if TYPE_CHECKING:
    from collections.abc import Iterable

    from .layout import ProjectLayout
    from .project import Project

STAMP_VERSION = "kmm-idle-2"
KEPT_ENVIRONMENTS = 4
"""Environments remembered at once for one state of the project."""
RACY_NS = 1_000_000_000
"""A folder or file changed this close before a run started may change again unseen
within the same timestamp tick (1 s on coarse file systems): such a run stamps nothing."""
_SEP = "\0"  # cannot occur in a path or an environment variable
_KEY_SEP = "\x1f"


def signature(path: str) -> str:
    """What is at `path` now; any write, replace, rename or restore changes it."""
    try:
        info = os.stat(path)
    except OSError:
        return "-"
    return f"{info.st_ino}:{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}"


def _folders() -> list[str]:
    """Where distributions can be found; sys.path[0] is the running script's own folder."""
    return sys.path[1:]


def environment_key() -> str:
    """Which environment this is (no stat calls: the folders are checked separately)."""
    return _KEY_SEP.join(
        [sys.prefix, *_folders(), *(os.environ.get(key, "") for key in PLUGIN_VARIABLES)]
    )


def _matches(pairs: list[str], root: str = "") -> bool:
    if len(pairs) % 2:
        return False
    return all(
        signature(os.path.join(root, path)) == expected
        for path, expected in zip(pairs[::2], pairs[1::2], strict=True)
    )


def _read(stamp: str) -> list[str]:
    try:
        with open(stamp, encoding="utf-8") as handle:
            lines = handle.read().split("\n")
    except (OSError, ValueError):
        return []
    return lines if len(lines) >= 3 and lines[0] == STAMP_VERSION else []


class Quiet:
    """Why a start-up has nothing to do now, as the last complete run left it (a plain
    class: `typing` would cost the start-up path milliseconds)."""

    __slots__ = ("retry_after",)

    def __init__(self, retry_after: float | None) -> None:
        self.retry_after = retry_after
        """When migrations it deferred (their database held open) are tried again; None
        when it left nothing pending."""


def quiet(root: str) -> Quiet | None:
    """Quiet when the last complete run left nothing to do now and nothing has changed
    since; None when a start-up must look."""
    lines = _read(os.path.join(root, IDLE_STAMP))
    if not lines or not _matches(lines[1].split(_SEP), root):
        return None
    key = environment_key()
    for line in lines[2:]:
        fields = line.split(_SEP)
        if fields[0] != key or len(fields) < 2:
            continue
        try:
            retry_after = float(fields[1]) if fields[1] else None
        except ValueError:
            return None
        if retry_after is not None and time.time() >= retry_after:
            return None
        return Quiet(retry_after) if _matches(fields[2:]) else None
    return None


class Snapshot:
    """The environment as a run found it, taken before the run loads any pack."""

    __slots__ = ("fields", "taken_ns")

    def __init__(self) -> None:
        self.taken_ns = time.time_ns()
        self.fields = [environment_key()]
        for folder in _folders():
            self.fields += [folder, signature(folder)]


def _recent(pairs: list[str], since_ns: int) -> bool:
    """Whether any of the paths changed within RACY_NS before `since_ns` (or after it).

    The ctime is compared: unlike the mtime, nothing can set it back.
    """
    for sig in pairs[1::2]:
        if sig != "-" and int(sig.rsplit(":", 1)[1]) > since_ns - RACY_NS:
            return True
    return False


def _guards(layout: ProjectLayout) -> list[str]:
    pairs: list[str] = []
    for path in (layout.state_file, layout.records, layout.journal_dir):
        pairs += [os.path.relpath(path, layout.root), signature(str(path))]
    return pairs


def write_stamp(
    layout: ProjectLayout,
    started: Snapshot,
    *,
    sources: Iterable[str] = (),
    retry_in: float | None = None,
) -> None:
    """Remember that this environment found nothing pending (or to retry in `retry_in` s).

    Nothing is written when the environment changed during the run, or so shortly before
    it that the change may not show in a timestamp: the next start then checks in full.
    Other environments' lines are kept only while the project's guards are unchanged.
    """
    from .atomic import atomic_write

    watched = [*started.fields[1:]]
    for source in dict.fromkeys(sources):
        watched += [source, signature(source)]
    if Snapshot().fields != started.fields or _recent(watched, started.taken_ns):
        return
    guards = _guards(layout)
    previous = _read(str(layout.idle_stamp))
    kept = previous[2:] if previous and previous[1] == _SEP.join(guards) else []
    retry_after = f"{time.time() + retry_in:.3f}" if retry_in else ""
    line = _SEP.join([started.fields[0], retry_after, *watched])
    if "\n" in line:
        return  # a path with a newline could not be read back: never claim idle
    others = [old for old in kept if old and old.split(_SEP, 1)[0] != started.fields[0]]
    body = [STAMP_VERSION, _SEP.join(guards), line, *others][: 2 + KEPT_ENVIRONMENTS]
    layout.ensure_work_dir()
    atomic_write(layout.idle_stamp, "\n".join(body).encode("utf-8"))


def clear_stamp(layout: ProjectLayout) -> None:
    layout.idle_stamp.unlink(missing_ok=True)


def plugin_sources(project: Project) -> list[str]:
    """Source files of the loaded packs that no install would touch (editable checkouts).

    A pack installed into a site folder changes only through an install, which the folder
    signatures see; one imported from a working tree can gain a migration by an edit.
    """
    import site
    import sysconfig
    from types import ModuleType

    from .fingerprint import source_file
    from .plugins import CORE_PLUGIN

    installed = {sysconfig.get_paths()[kind] for kind in ("purelib", "platlib")}
    installed.update(site.getsitepackages())
    if site.ENABLE_USER_SITE:
        installed.add(site.getusersitepackages())
    roots = tuple(os.path.join(os.path.realpath(folder), "") for folder in installed)
    manager = project.plugins.manager
    modules = {
        plugin.__name__ if isinstance(plugin, ModuleType) else plugin.__module__
        for plugin in manager.get_plugins()
        if manager.get_name(plugin) != CORE_PLUGIN
    }
    files = [getattr(sys.modules.get(name), "__file__", None) for name in modules]
    files += [source_file(entry.cls) for entry in project.catalog.entries.values()]
    return sorted(
        {
            os.path.abspath(path)
            for path in files
            if path and not os.path.realpath(path).startswith(roots)
        }
    )
