"""The helpers' door to the file system: guarded, journaled, dry-run aware (`FileAccess`)."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..contract.errors import PathRefused
from ..contract.reports import PlannedFileChange
from .atomic import atomic_write, copy_durably, write_target
from .guard import PathGuard, shown
from .journal import Journal, move_path, remove_any
from .plainio import paused

_FOLDER = b"\0folder"  # dry-run overlay marker: a folder would exist here
Overlay = dict[Path, bytes | Path | None]
"""A dry run's changes: new bytes, None (removed), or the real path it was moved from."""


def unified_diff(label: str, before: bytes | None, after: bytes | None) -> str:
    """A unified diff of whole lines; a missing final newline is marked as `diff` marks it.

    A project-relative `label` gets git's `a/` and `b/` prefixes.
    """
    try:
        old = (before or b"").decode("utf-8").splitlines(keepends=True)
        new = (after or b"").decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"binary file {label} differs\n"
    relative = not Path(label).is_absolute()
    lines = difflib.unified_diff(
        old, new, f"a/{label}" if relative else label, f"b/{label}" if relative else label
    )
    return "".join(
        line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines
    )


@dataclass
class FileOps:
    """Every change a migration makes through its helpers goes through here.

    It checks each path with the migration's guard, records the change in the journal
    before making it (when there is one), and under a dry run keeps changes in memory
    (later reads see them) and reports them as diffs instead.
    """

    guard: PathGuard
    journal: Journal | None = None
    dry_run: bool = False
    planned: list[PlannedFileChange] = field(default_factory=list)
    overlay: Overlay = field(default_factory=dict)

    @property
    def project_root(self) -> Path:
        return self.guard.project_root

    # -- where ---------------------------------------------------------------------------

    def absolute(self, path: Path | str) -> Path:
        return self.guard.absolute(path)

    def shown(self, path: Path | str) -> str:
        return shown(self.absolute(path), self.project_root)

    # -- reading (sees a dry run's pending changes) ------------------------------------

    def _pending(self, path: Path) -> bytes | Path | bool | None:
        """What a dry run changed at `path` (or above it); False when it changed nothing."""
        for candidate in (path, *path.parents):
            if candidate in self.overlay:
                value = self.overlay[candidate]
                if candidate == path:
                    return value
                if value is None:
                    return None
                if isinstance(value, Path):  # inside a folder the dry run moved
                    return value / path.relative_to(candidate)
        return False

    def exists(self, path: Path | str) -> bool:
        absolute = self.absolute(path)
        pending = self._pending(absolute)
        if pending is False:
            return absolute.exists()
        if isinstance(pending, Path):
            return pending.exists()
        return pending is not None

    def read_bytes(self, path: Path | str) -> bytes:
        absolute = self.absolute(path)
        pending = self._pending(absolute)
        if pending is None or pending == _FOLDER:
            raise FileNotFoundError(f"{absolute} (removed earlier in this dry run)")
        if isinstance(pending, bytes):
            return pending
        with paused():
            return (pending if isinstance(pending, Path) else absolute).read_bytes()

    def on_disk(self, path: Path | str) -> Path:
        absolute = self.absolute(path)
        pending = self._pending(absolute)
        return pending if isinstance(pending, Path) else absolute

    # -- changing ----------------------------------------------------------------------

    def plan(self, action: str, path: Path, detail: str = "") -> None:
        self.planned.append(PlannedFileChange(action=action, path=self.shown(path), diff=detail))

    def backup(self, path: Path | str) -> Path | None:
        """Journal the current bytes (in a run), or keep them as `<file>.bak` beside the file
        actually written (outside a run); None when there is nothing to keep."""
        absolute = self.guard.check(path)
        if self.dry_run or not self.exists(absolute):
            return None
        with paused():
            target = write_target(absolute)
            if self.journal is not None:
                return self.journal.snapshot(target)
            backup = target.with_name(target.name + ".bak")
            if backup.is_symlink():
                raise PathRefused(f"{backup} is a symlink: not writing a backup through it")
            copy_durably(target, backup)
            return backup

    def _remember_creation(self, absolute: Path) -> None:
        """Journal the highest missing ancestor, so undo removes every folder it creates."""
        missing = absolute
        while not missing.parent.exists() and missing.parent != missing:
            missing = missing.parent
        if missing != absolute and self.journal is not None:
            self.journal.snapshot(missing, created_for=absolute)

    def write_bytes(self, path: Path | str, data: bytes) -> None:
        absolute = self.guard.check(path)
        if self.dry_run:
            before = self.read_bytes(absolute) if self.exists(absolute) else None
            if before != data:
                action = "modify" if before is not None else "create"
                self.plan(action, absolute, unified_diff(self.shown(absolute), before, data))
            self.overlay[absolute] = data
            return
        with paused():
            if self.journal is not None:
                self._remember_creation(absolute)
                self.journal.snapshot(write_target(absolute))
            atomic_write(absolute, data)

    def mkdir(self, path: Path | str) -> None:
        absolute = self.guard.check(path)
        if self.exists(absolute):
            return
        if self.dry_run:
            self.plan("mkdir", absolute)
            self.overlay[absolute] = _FOLDER
            return
        with paused():
            if self.journal is not None:
                self._remember_creation(absolute)
                self.journal.snapshot(absolute)
            absolute.mkdir(parents=True, exist_ok=True)

    def remove(self, path: Path | str) -> bool:
        absolute = self.guard.check(path, follow=False, replace=True)
        if not (self.exists(absolute) or absolute.is_symlink()):
            return False
        if self.dry_run:
            before = None if absolute.is_dir() else self.read_bytes(absolute)
            diff = unified_diff(self.shown(absolute), before, None) if before is not None else ""
            self.plan("remove", absolute, diff)
            self.overlay[absolute] = None
            return True
        with paused():
            if self.journal is not None:
                self.journal.stash(absolute)
            else:
                remove_any(absolute)
        return True

    def move(self, src: Path | str, dst: Path | str) -> bool:
        source = self.guard.check(src, follow=False, replace=True)
        target = self.guard.check(dst, follow=False, replace=True)
        if not self.exists(source):
            return False
        if self.dry_run:
            self.planned.append(
                PlannedFileChange(action="move", path=self.shown(source), target=self.shown(target))
            )
            # Refer to the real source rather than read it: it may be a large database.
            self.overlay[target] = self.overlay.get(source, source)
            self.overlay[source] = None
            return True
        with paused():
            if self.journal is not None:
                self._remember_creation(target)
                if os.path.lexists(target):
                    self.journal.stash(target)
                else:
                    self.journal.snapshot(target)
                self.journal.record_move(source, target)
            else:
                remove_any(target)
            move_path(source, target)
        return True
