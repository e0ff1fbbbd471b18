"""Plain Python I/O by pack code: journaled before it happens in a run, refused in a dry run.

Migrations do not always use the helpers: code written for kuzu-memory's old built-in
system calls `shutil.rmtree`, `Path.write_text`, `shutil.copy`. Python's audit hooks
(PEP 578) fire *before* such operations (`open` for writing, `os.remove`, `os.rename`,
`os.mkdir`, `shutil.rmtree`, `subprocess.Popen`, ...), which is the moment a journal
needs. One hook is installed per process, the first time pack code runs under a `Watch`
(never on the start-up fast path); it does nothing unless the current thread is inside
`Watch.active()`, so other threads of a host are never affected.

Under a watch, each change is checked by the migration's path guard, then:
- in a run, journaled (a copy of what is there, or the note that nothing was), so undo
  puts it back like any helper change; what no journal can undo (a subprocess) is let
  through and recorded as not undoable;
- in a dry run (and while `status` asks a migration whether it has work), refused with
  `NotPreviewable`, and reported with the operation, the path and the file:line that
  tried it.

Writes from native code (other than the framework's own database session) and through
file descriptors opened before the watch started are not seen.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from ..contract.errors import NotPreviewable
from ..contract.reports import PlainIO
from .guard import PathGuard
from .journal import Journal, kind_of

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_OURS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_STDLIB = os.path.join(os.path.dirname(os.__file__), "")
"""The standard library's folder (in a virtualenv, `platstdlib` is the venv: not this)."""
_SITE = ("site-packages", "dist-packages")
_IMPORT_SYSTEM = "<frozen importlib._bootstrap"  # writes .pyc caches: not the migration's

_active: ContextVar[Watch | None] = ContextVar("kuzu_memory_migrations_watch", default=None)
_installed: list[bool] = []


@dataclass
class Watch:
    """The plain I/O of one migration's check or application (or of a hook in a dry run)."""

    owner: str
    guard: PathGuard
    journal: Journal | None
    """None in a dry run or a plan: every change is refused."""
    refused: list[PlainIO] = field(default_factory=list)
    not_undoable: list[PlainIO] = field(default_factory=list)
    launching: str | None = None
    """The command a `subprocess.Popen` just reported: the `os.posix_spawn` it makes next
    (Python 3.13 spawns that way) is the same launch, not a second one."""

    @contextmanager
    def active(self) -> Iterator[None]:
        """Watch this thread's plain I/O while the block runs pack code."""
        _install()
        token = _active.set(self)
        try:
            yield
        finally:
            _active.reset(token)

    def change(self, operation: str, path: str, *, follow: bool, replace: bool = False) -> None:
        """Pack code is about to change `path`: check it, then journal it or refuse it."""
        absolute = Path(os.path.abspath(path))
        self.guard.check(absolute, follow=follow, replace=replace)
        if self.journal is None:
            self._refuse(operation, str(absolute))
        target = Path(os.path.realpath(absolute)) if follow else absolute
        with paused():
            if operation == "remove tree":
                self.journal.snapshot_tree(target)
            else:
                self.journal.snapshot(target)

    def rename(self, src: str, dst: str) -> None:
        source, target = Path(os.path.abspath(src)), Path(os.path.abspath(dst))
        self.guard.check(source, follow=False, replace=True)
        self.guard.check(target, follow=False, replace=True)
        if self.journal is None:
            self._refuse("rename", f"{source} -> {target}")
        with paused():
            self.journal.snapshot(target)
            if kind_of(source) == "dir":
                self.journal.record_move(source, target)
            else:
                self.journal.snapshot(source)

    def unjournaled(self, operation: str, detail: str) -> None:
        """A subprocess or the like: refused in a dry run, recorded as not undoable in a run."""
        if self.journal is None:
            self._refuse(operation, detail)
        attempt = PlainIO(operation=operation, path=detail, where=caller())
        self.not_undoable.append(attempt)
        with paused():
            self.journal.record_not_undoable(attempt.operation, attempt.path, attempt.where)

    def _refuse(self, operation: str, path: str) -> NoReturn:
        where = caller()
        self.refused.append(PlainIO(operation=operation, path=path, where=where))
        raise NotPreviewable(
            f"{self.owner}: {operation} {path} at {where} is not previewable: nothing may be "
            "written in a dry run (the migration's helpers show such changes as diffs)"
        )


@contextmanager
def paused() -> Iterator[None]:
    """The framework's own file work, in the middle of pack code: not the migration's."""
    token = _active.set(None)
    try:
        yield
    finally:
        _active.reset(token)


def pack_location(frames: Iterable[tuple[str, int | None]]) -> str:
    """The file:line of the innermost frame that is pack code (not ours, not the stdlib),
    given frames innermost first; else the innermost that is not ours."""
    fallback = ""
    for filename, line in frames:
        if not filename.startswith(_OURS) and not _is_stdlib(filename):
            return f"{filename}:{line}"
        if not fallback and not filename.startswith(_OURS):
            fallback = f"{filename}:{line}"
    return fallback or "unknown"


def _is_stdlib(filename: str) -> bool:
    if filename.startswith("<frozen"):
        return True
    return filename.startswith(_STDLIB) and not any(
        f"{os.sep}{site}{os.sep}" in filename for site in _SITE
    )


def caller() -> str:
    """Where the pack code that is running now stands (for plain I/O it tried)."""
    frames = []
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        frames.append((frame.f_code.co_filename, frame.f_lineno))
        frame = frame.f_back
    return pack_location(frames)


def _from_import_system() -> bool:
    frame: FrameType | None = sys._getframe(2)
    for _ in range(4):
        if frame is None:
            return False
        if frame.f_code.co_filename.startswith(_IMPORT_SYSTEM):
            return True
        frame = frame.f_back
    return False


def _path(path: Any, dir_fd: Any = None) -> str | None:
    """An audit event's path as an absolute-able string; None for a bare descriptor."""
    if isinstance(path, int):
        return _descriptor_path(path)
    if path is None:
        return None
    name = os.fsdecode(path)
    if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(name):
        base = _descriptor_path(dir_fd)
        return os.path.join(base, name) if base else None
    return name


def _descriptor_path(fd: int) -> str | None:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


def _on_open(watch: Watch, args: tuple[Any, ...]) -> None:
    path, mode, flags = args
    writes = isinstance(flags, int) and bool(flags & _WRITE_FLAGS)
    if not writes and isinstance(mode, str):
        writes = any(letter in mode for letter in "wax+")
    if writes and not isinstance(path, int) and not _from_import_system():
        name = _path(path)
        if name is not None:
            watch.change("open for writing", name, follow=True)


def _changes(operation: str, *, follow: bool, replace: bool = False, dir_fd_at: int = -1) -> Any:
    def handle(watch: Watch, args: tuple[Any, ...]) -> None:
        dir_fd = args[dir_fd_at] if dir_fd_at >= 0 and len(args) > dir_fd_at else None
        name = _path(args[0], dir_fd)
        if name is not None:
            watch.change(operation, name, follow=follow, replace=replace)

    return handle


def _on_rename(watch: Watch, args: tuple[Any, ...]) -> None:
    src, dst = _path(args[0], args[2]), _path(args[1], args[3])
    if src is not None and dst is not None:
        watch.rename(src, dst)


def _link_at(dir_fd_at: int) -> Any:
    def handle(watch: Watch, args: tuple[Any, ...]) -> None:
        name = _path(args[1], args[dir_fd_at] if len(args) > dir_fd_at else None)
        if name is not None:
            watch.change("create link", name, follow=False)

    return handle


def _unjournaled(operation: str) -> Any:
    def handle(watch: Watch, args: tuple[Any, ...]) -> None:
        watch.unjournaled(operation, _command(args))

    return handle


def _command(args: tuple[Any, ...]) -> str:
    return " ".join(str(a) for a in args[:2] if a is not None)


def _on_popen(watch: Watch, args: tuple[Any, ...]) -> None:
    watch.launching = _command(args)
    watch.unjournaled("subprocess", watch.launching)


def _on_posix_spawn(watch: Watch, args: tuple[Any, ...]) -> None:
    launched, watch.launching = watch.launching, None
    if _command(args) != launched:
        watch.unjournaled("subprocess", _command(args))


_HANDLERS: dict[str, Callable[[Watch, tuple[Any, ...]], None]] = {
    "open": _on_open,
    "os.remove": _changes("remove", follow=False, replace=True, dir_fd_at=1),
    "os.rmdir": _changes("remove folder", follow=False, replace=True, dir_fd_at=1),
    "shutil.rmtree": _changes("remove tree", follow=False, replace=True, dir_fd_at=1),
    "os.mkdir": _changes("create folder", follow=False, dir_fd_at=2),
    "os.rename": _on_rename,
    "os.symlink": _link_at(2),
    "os.link": _link_at(3),
    "os.truncate": _changes("truncate", follow=True),
    "os.chmod": _changes("change mode", follow=True, dir_fd_at=2),
    "os.chown": _changes("change owner", follow=True, dir_fd_at=3),
    "os.utime": _changes("change times", follow=True, dir_fd_at=3),
    "os.setxattr": _changes("set attribute", follow=True),
    "os.removexattr": _changes("remove attribute", follow=True),
    "os.mkfifo": _changes("create fifo", follow=False, dir_fd_at=2),
    "os.mknod": _changes("create node", follow=False, dir_fd_at=3),
    "subprocess.Popen": _on_popen,
    "os.system": _unjournaled("subprocess"),
    "os.exec": _unjournaled("exec"),
    "os.posix_spawn": _on_posix_spawn,
    "os.spawn": _unjournaled("subprocess"),
    "os.fork": _unjournaled("fork"),
    "os.forkpty": _unjournaled("fork"),
    "pty.spawn": _unjournaled("subprocess"),
}


def _hook(event: str, args: tuple[Any, ...]) -> None:
    watch = _active.get()
    if watch is None:
        return
    handler = _HANDLERS.get(event)
    if handler is not None:
        handler(watch, args)


def _install() -> None:
    if not _installed:
        sys.addaudithook(_hook)
        _installed.append(True)
