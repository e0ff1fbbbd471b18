"""The one door through which migrations touch files: guarded, journaled, dry-run aware."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import atomic_write, write_target
from .journal import Journal, move_path, remove_any
from .layout import ProjectLayout

_FOLDER = b"\0folder"  # dry-run overlay marker: a folder would exist here


class PathOutsideProject(PermissionError):
    """A migration tried to touch a path it did not declare; names both."""


@dataclass(frozen=True)
class PlannedChange:
    """One change a dry run would have made, with a unified diff for text files."""

    action: str
    path: Path
    diff: str = ""
    target: Path | None = None

    def describe(self) -> str:
        where = f"{self.path} -> {self.target}" if self.target else str(self.path)
        return f"{self.action} {where}"


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _diff(label: str, before: bytes | None, after: bytes | None) -> str:
    """A unified diff; a project-relative ``label`` gets git's ``a/`` and ``b/`` prefixes."""
    try:
        old = (before or b"").decode("utf-8").splitlines(keepends=True)
        new = (after or b"").decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return f"binary file {label} differs\n"
    relative = not Path(label).is_absolute()
    lines = difflib.unified_diff(
        old, new, f"a/{label}" if relative else label, f"b/{label}" if relative else label
    )
    # A last line without its newline is marked as diff and patch do, not run into the next.
    return "".join(
        line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines
    )


@dataclass
class FileOps:
    """Every file change a migration makes goes through here.

    It refuses paths outside the project and the paths the migration declared, records
    each change in the journal before making it, and under a dry run keeps changes in
    memory (later reads see them) and reports them as diffs instead.
    """

    project_root: Path
    owner: str
    declared: Iterable[Path] = ()
    journal: Journal | None = None
    dry_run: bool = False
    planned: list[PlannedChange] = field(default_factory=list)
    _overlay: dict[Path, bytes | Path | None] = field(default_factory=dict)
    """A dry run's changes: new bytes, None (removed), or the real path it was moved from."""
    _allowed: tuple[Path, ...] = ()
    _private: Path = field(init=False, default=Path())

    def __post_init__(self) -> None:
        self.project_root = Path(os.path.abspath(self.project_root))
        self._private = ProjectLayout(self.project_root).work_dir.resolve()
        roots: list[Path] = [self.project_root, self.project_root.resolve()]
        for path in self.declared:
            absolute = self.absolute(path)
            roots += [absolute, absolute.resolve()]
        self._allowed = tuple(dict.fromkeys(roots))

    # -- where ---------------------------------------------------------------------------

    def absolute(self, path: Path | str) -> Path:
        """Relative paths are read against the project root, never the current directory."""
        return Path(os.path.abspath(self.project_root / Path(path).expanduser()))

    def guard(self, path: Path | str, *, follow_links: bool = True, replace: bool = False) -> Path:
        """The absolute path, if the migration may change it; `..` and links cannot escape.

        The framework's own folder (journal, backups, lock) is never the migration's to
        change, and with `replace` (remove, move) neither is any folder holding it.
        """
        absolute = self.absolute(path)
        real = absolute.resolve() if follow_links else absolute.parent.resolve() / absolute.name
        resolved = f" (it resolves to {real})" if real != absolute else ""
        if _within(real, self._private) or (replace and _within(self._private, real)):
            raise PathOutsideProject(
                f"migration {self.owner!r} may not change {absolute}{resolved}: it holds "
                f"kuzu-memory-migrations' own journal, backups and lock ({self._private})"
            )
        if any(_within(real, root) for root in self._allowed):
            return absolute
        raise PathOutsideProject(
            f"migration {self.owner!r} may not change {absolute}{resolved}: it is outside "
            f"the project {self.project_root} and the paths the migration declares"
        )

    def shown(self, path: Path) -> str:
        """How reports name a path: relative to the project root where it is inside it."""
        absolute = self.absolute(path)
        inside = absolute != self.project_root and _within(absolute, self.project_root)
        return str(absolute.relative_to(self.project_root)) if inside else str(absolute)

    # -- reading (sees a dry run's pending changes) ------------------------------------

    def _pending(self, path: Path) -> bytes | Path | bool | None:
        """What a dry run changed at `path` (or above it); False when it changed nothing."""
        for candidate in (path, *path.parents):
            if candidate in self._overlay:
                value = self._overlay[candidate]
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
        return (pending if isinstance(pending, Path) else absolute).read_bytes()

    def on_disk(self, path: Path | str) -> Path:
        """Where the bytes of `path` are on disk now: a dry run's move only happened in memory."""
        absolute = self.absolute(path)
        pending = self._pending(absolute)
        return pending if isinstance(pending, Path) else absolute

    def read_text(self, path: Path | str) -> str:
        return self.read_bytes(path).decode("utf-8")

    # -- changing ----------------------------------------------------------------------

    def snapshot(self, path: Path | str) -> Path | None:
        """Journal the current bytes of `path` now; returns where the copy is kept."""
        absolute = self.guard(path)
        if self.journal is None or self.dry_run:
            return None
        return self.journal.snapshot(write_target(absolute))

    def record_database(self, path: Path, mode: str) -> None:
        """Journal that this migration changes a database (`transaction` or `snapshot`)."""
        if self.journal is not None and not self.dry_run:
            self.journal.record_database(self.guard(path), mode)

    def _remember_creation(self, absolute: Path) -> None:
        """Journal the highest missing ancestor, so undo removes every folder it creates."""
        missing = absolute
        while not missing.parent.exists() and missing.parent != missing:
            missing = missing.parent
        if missing != absolute and self.journal is not None:
            self.journal.snapshot(missing)

    def write_bytes(self, path: Path | str, data: bytes) -> None:
        absolute = self.guard(path)
        if self.dry_run:
            before = self.read_bytes(absolute) if self.exists(absolute) else None
            if before != data:
                action = "modify" if before is not None else "create"
                diff = _diff(self.shown(absolute), before, data)
                self.planned.append(PlannedChange(action, absolute, diff))
            self._overlay[absolute] = data
            return
        if self.journal is not None:
            self._remember_creation(absolute)
            self.journal.snapshot(write_target(absolute))
        atomic_write(absolute, data)

    def write_text(self, path: Path | str, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    def mkdir(self, path: Path | str) -> None:
        absolute = self.guard(path)
        if self.exists(absolute):
            return
        if self.dry_run:
            self.planned.append(PlannedChange("mkdir", absolute))
            self._overlay[absolute] = _FOLDER
            return
        if self.journal is not None:
            self._remember_creation(absolute)
            self.journal.snapshot(absolute)
        absolute.mkdir(parents=True, exist_ok=True)

    def remove(self, path: Path | str) -> bool:
        """Delete a file or folder tree, undoably; False when there was nothing there."""
        absolute = self.guard(path, follow_links=False, replace=True)
        if not (self.exists(absolute) or absolute.is_symlink()):
            return False
        if self.dry_run:
            before = None if absolute.is_dir() else self.read_bytes(absolute)
            diff = _diff(self.shown(absolute), before, None) if before is not None else ""
            self.planned.append(PlannedChange("remove", absolute, diff))
            self._overlay[absolute] = None
            return True
        if self.journal is not None:
            self.journal.stash(absolute)
        else:
            remove_any(absolute)
        return True

    def move(self, src: Path | str, dst: Path | str) -> bool:
        """Move a file or folder; an existing destination is replaced, undoably."""
        source = self.guard(src, follow_links=False, replace=True)
        target = self.guard(dst, follow_links=False, replace=True)
        if not self.exists(source):
            return False
        if self.dry_run:
            self.planned.append(PlannedChange("move", source, target=target))
            # Refer to the real source rather than read it: it may be a large database.
            self._overlay[target] = self._overlay.get(source, source)
            self._overlay[source] = None
            return True
        if self.journal is not None:
            self._remember_creation(target)
            if target.exists() or target.is_symlink():
                self.journal.stash(target)
            else:
                self.journal.snapshot(target)
            self.journal.record_move(source, target)
        else:
            remove_any(target)
        move_path(source, target)
        return True
