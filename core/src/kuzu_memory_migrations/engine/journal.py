"""The undo journal: every file change is recorded, durably, before it happens.

One journal per migration application: a folder in the project's private folder holding
`journal.jsonl` (one record a line, fsynced) and `files/` (copies and stashed originals of
project files). Copies of files outside the project (the user's settings, say) are kept in
a twin folder in the user's own state folder, never in the project. Nothing is written
until the first change: a migration that changes nothing leaves no journal.

Undo walks the records backwards and checks every path with the migration's path guard
again, so a failure, an exception, Ctrl-C or a crash found on the next run puts every byte
back without ever writing through a link that leads out of the allowed paths. Undo is
idempotent: a crash during an undo is finished by undoing again. What could not be
restored is returned, never hidden.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract.errors import PathRefused
from .atomic import (
    append_durably,
    atomic_write,
    copy_durably,
    fsync_directory,
    remove_stray_temps,
)
from .database import COMPANIONS
from .errors import JournalError
from .guard import PathGuard, within

RECORDS = "journal.jsonl"
COPIES = "files"
DISCARDED = ".discarded"
"""Suffix of a journal folder being deleted: a crash half way leaves nothing to replay."""
_PARTIAL, _TRASH = ".kmm-partial", ".kmm-trash"


def kind_of(path: Path) -> str:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return "absent"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file"


def remove_any(path: Path) -> None:
    """Remove a file, link or folder tree; absent is fine."""
    kind = kind_of(path)
    if kind == "dir":
        shutil.rmtree(path)
    elif kind != "absent":
        path.unlink()


def _beside(path: Path, tag: str) -> Path:
    return path.with_name(f".{path.name}{tag}")


def _fsync_tree(root: Path) -> None:
    """fsync every file of a copied tree, then the folders that name them."""
    if kind_of(root) == "file":
        copy_fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(copy_fd)
        finally:
            os.close(copy_fd)
        return
    for folder, _, names in os.walk(root):
        for name in names:
            if kind_of(Path(folder, name)) == "file":
                _fsync_tree(Path(folder, name))
        fsync_directory(Path(folder))


def _copy_tree(source: Path, copy: Path) -> None:
    """A durable copy of a file or folder tree, links kept as links."""
    if kind_of(source) == "dir":
        shutil.copytree(source, copy, symlinks=True)
    else:
        shutil.copy2(source, copy, follow_symlinks=False)
    _fsync_tree(copy)


def _move_across(src: Path, dst: Path) -> None:
    """Move between file systems so that a crash at any point loses nothing.

    The copy is built under a side name and renamed into place only when complete; the
    source is renamed aside before it is deleted. So `dst` is whole or absent, and while
    `src` is absent `dst` is whole. `tidy` removes the side names a crash left.
    """
    partial = _beside(dst, _PARTIAL)
    remove_any(partial)
    _copy_tree(src, partial)
    partial.rename(dst)
    fsync_directory(dst.parent)
    trash = _beside(src, _TRASH)
    remove_any(trash)
    src.rename(trash)
    fsync_directory(src.parent)
    remove_any(trash)


def _private_folder(folder: Path) -> None:
    """Create `folder` and every missing folder above it readable by the owner only."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


def tidy(*paths: Path) -> None:
    """Remove what an interrupted cross-file-system move left beside these paths."""
    for path in paths:
        remove_any(_beside(path, _PARTIAL))
        remove_any(_beside(path, _TRASH))


def move_path(src: Path, dst: Path) -> None:
    """Rename where possible (instant, atomic); copy then delete across file systems."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        src.rename(dst)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        _move_across(src, dst)
    fsync_directory(dst.parent)


def signature(path: Path) -> list[Any]:
    """What is at `path` now, by content, to detect later edits before a rollback.

    By content, not time: a file a later rollback put back byte for byte is not an edit.
    """
    kind = kind_of(path)
    if kind == "absent":
        return [kind]
    if kind == "symlink":
        return [kind, os.readlink(path)]
    mode = path.lstat().st_mode & 0o7777
    if kind == "dir":
        return [kind, mode, sorted(os.listdir(path))]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return [kind, mode, digest.hexdigest()]


@dataclass
class Journal:
    """The records of one migration application, and the means to undo them."""

    directory: Path
    external_root: Path
    """The user-side folder of this project; copies of outside files go below it."""
    header: dict[str, Any] = field(default_factory=dict)
    records: list[dict[str, Any]] = field(default_factory=list)
    _touched: set[str] = field(default_factory=set)
    _trees: list[Path] = field(default_factory=list)

    @classmethod
    def create(cls, directory: Path, external_root: Path, **header: Any) -> Journal:
        """A journal that starts existing on disk with its first record."""
        return cls(
            directory,
            external_root,
            {"kind": "begin", "external_root": str(external_root), **header},
        )

    @classmethod
    def load(cls, directory: Path) -> Journal:
        """Read a journal left on disk; a torn last line is a change that never started.

        No records at all (a stop before the first was written) means nothing was changed.
        """
        try:
            lines = (directory / RECORDS).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            lines = []
        except (OSError, UnicodeDecodeError) as error:
            raise JournalError(f"cannot read journal {directory}: {error}") from error
        records: list[dict[str, Any]] = []
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                if number == len(lines):
                    break
                raise JournalError(f"{directory / RECORDS}:{number}: corrupt record") from None
            if not isinstance(record, dict) or "kind" not in record:
                raise JournalError(f"{directory / RECORDS}:{number}: not a journal record")
            records.append(record)
        if records and records[0]["kind"] != "begin":
            raise JournalError(f"{directory / RECORDS}: no begin record")
        header = records[0] if records else {}
        journal = cls(directory, Path(header.get("external_root", "/nonexistent")), header)
        journal.records = records[1:]
        journal._touched.update(str(path) for path in journal.touched_paths())
        journal._trees = [Path(r["path"]) for r in journal.records if r["kind"] == "tree"]
        return journal

    # -- what the journal says -------------------------------------------------------

    @property
    def id(self) -> str:
        return self.directory.name

    @property
    def migration(self) -> str:
        return str(self.header.get("migration", self.directory.name))

    @property
    def started(self) -> bool:
        return bool(self.records) or (self.directory / RECORDS).exists()

    @property
    def result(self) -> dict[str, Any] | None:
        """What the migration returned, recorded just before its commit point."""
        return next((r for r in reversed(self.records) if r["kind"] == "result"), None)

    @property
    def after(self) -> dict[str, list[Any]] | None:
        return next((r["after"] for r in reversed(self.records) if r["kind"] == "after"), None)

    @property
    def rolling_back(self) -> bool:
        """`rollback NAME` started undoing this applied journal (and must finish)."""
        return any(r["kind"] == "rolling_back" for r in self.records)

    def databases(self, mode: str) -> list[Path]:
        """Databases changed in `transaction` mode (no copy to restore), from a `snapshot`,
        or `replaced` whole."""
        return [
            Path(r["path"]) for r in self.records if r["kind"] == "database" and r["mode"] == mode
        ]

    def replaced(self) -> list[tuple[Path, dict[str, Any]]]:
        """Databases replaced whole, each with the fingerprint of the file put in place."""
        return [
            (Path(r["path"]), r.get("fingerprint") or {})
            for r in self.records
            if r["kind"] == "database" and r["mode"] == "replaced"
        ]

    def not_undoable(self) -> list[dict[str, Any]]:
        return [r for r in self.records if r["kind"] == "not_undoable"]

    def touched_paths(self) -> Iterator[Path]:
        for record in self.records:
            for key in ("path", "src", "dst"):
                if key in record and record["kind"] not in {"database", "not_undoable"}:
                    yield Path(record[key])

    def guard(self) -> PathGuard:
        """The guard the migration ran under, rebuilt for undo."""
        return PathGuard.build(
            self.migration,
            Path(self.header["project_root"]),
            [Path(p) for p in self.header.get("declared", [])],
            [Path(p) for p in self.header.get("allowed", [])],
        )

    # -- recording, always before the change -------------------------------------------

    def _start(self) -> None:
        """The journal's folder and its `begin` record: step 1 of the commit protocol."""
        if not self.started:
            self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            (self.directory / COPIES).mkdir(mode=0o700, exist_ok=True)
            fsync_directory(self.directory.parent)
            append_durably(self.directory / RECORDS, json.dumps(self.header, sort_keys=True))

    def _append(self, record: dict[str, Any]) -> None:
        self._start()
        append_durably(self.directory / RECORDS, json.dumps(record, sort_keys=True))
        self.records.append(record)

    def _inside(self, path: Path) -> bool:
        return within(path, Path(self.header["project_root"]))

    def _copy_slot(self, path: Path) -> tuple[dict[str, Any], Path]:
        """Where a copy of `path` goes: beside the records, or user-side for outside files."""
        self._start()
        name = f"{COPIES}/{len(self.records)}"
        if self._inside(path):
            return {"copy": name}, self.directory / name
        base = self._external_base()
        _private_folder(base / COPIES)
        return {"copy": name, "outside": True}, base / name

    def _external_base(self) -> Path:
        return self.external_root / self.directory.parent.name / self.directory.name

    def _copy_of(self, record: dict[str, Any]) -> Path:
        base = self._external_base() if record.get("outside") else self.directory
        return base / str(record["copy"])

    def _covered(self, key: str) -> bool:
        path = Path(key)
        return key in self._touched or any(within(path, tree) for tree in self._trees)

    def snapshot(self, path: Path, *, created_for: Path | None = None) -> Path | None:
        """Remember what is at `path` (first touch wins); returns the copy, if one was made.

        The copy is on disk (fsynced) before the record that points to it. `created_for`:
        `path` is a missing folder above `created_for`, which the change is about to create
        (undo removes the folder, under the guard of the path it was made for).
        """
        key = str(path)
        if self._covered(key):
            return self._existing_copy(key)
        kind = kind_of(path)
        record: dict[str, Any] = {"kind": "snapshot", "path": key, "was": kind}
        if created_for is not None:
            record["for"] = str(created_for)
        copy: Path | None = None
        if kind == "file":
            slot, copy = self._copy_slot(path)
            record.update(slot, mode=path.stat().st_mode & 0o7777)
            copy_durably(path, copy)
        elif kind == "symlink":
            record["link"] = os.readlink(path)
        elif kind == "dir":
            record["mode"] = path.stat().st_mode & 0o7777
        self._touched.add(key)
        self._append(record)
        return copy

    def snapshot_tree(self, path: Path) -> None:
        """Copy a whole file or folder tree before code removes or rewrites it at once."""
        key = str(path)
        if self._covered(key):
            return
        if kind_of(path) != "dir":
            self.snapshot(path)
            return
        slot, copy = self._copy_slot(path)
        _copy_tree(path, copy)
        self._touched.add(key)
        self._trees.append(path)
        self._append({"kind": "tree", "path": key, **slot})

    def _existing_copy(self, key: str) -> Path | None:
        for record in self.records:
            if record.get("path") == key and "copy" in record:
                return self._copy_of(record)
        return None

    def stash(self, path: Path) -> None:
        """Move `path` into the journal instead of deleting it: undo moves it back."""
        slot, place = self._copy_slot(path)
        record = {"kind": "stash", "path": str(path), **slot}
        self._touched.add(str(path))
        self._append(record)
        move_path(path, place)

    def keep(self, path: Path) -> None:
        """Keep the file at `path` in the journal without moving it (a hard link; a copy
        where none can be made), just before a rename puts another file in its place: undo
        renames it back, so that at no moment is there nothing at `path`."""
        key = str(path)
        if self._covered(key):
            return
        slot, place = self._copy_slot(path)
        try:
            os.link(path, place)
        except OSError:  # no hard links here; a copy (a database: opened, so held no more)
            copy_durably(path, place)
        fsync_directory(place.parent)
        self._touched.add(key)
        self._append({"kind": "kept", "path": key, **slot})

    def record_move(self, src: Path, dst: Path) -> None:
        self._touched.update((str(src), str(dst)))
        self._append({"kind": "move", "src": str(src), "dst": str(dst)})

    def record_database(self, path: Path, mode: str, **details: Any) -> None:
        """Note database work: `transaction` (undone by the engine), `snapshot` (copied), or
        `replaced` (another file put in its place, the old one kept; `details` hold the
        new file's content fingerprint, for `rollback` to tell whether it changed since)."""
        record = {"kind": "database", "path": str(path), "mode": mode, **details}
        if record not in self.records:
            self._append(record)

    def record_not_undoable(self, operation: str, path: str, where: str) -> None:
        self._append({"kind": "not_undoable", "operation": operation, "path": path, "where": where})

    def record_result(self, result: dict[str, Any]) -> None:
        """What the migration returned: written before its commit point, so recovery can
        record it if the process stops between the commit and the record."""
        self._append({"kind": "result", **result})

    def record_rolling_back(self) -> None:
        self._append({"kind": "rolling_back"})

    def record_after(self) -> None:
        """The final state of every path, for `rollback` to detect later edits."""
        skipped = self._database_files()
        after = {key: signature(Path(key)) for key in sorted(self._touched - skipped)}
        self._append({"kind": "after", "after": after})

    # -- undoing ------------------------------------------------------------------------

    def edited_since(self) -> list[Path]:
        """Paths changed after the migration finished: a later rollback would lose those edits.

        Database files are left out: the engine rewrites them on a mere open, so their bytes
        cannot tell (`rollback` asks before restoring a database snapshot instead).
        """
        skipped = self._database_files()
        return [
            Path(key)
            for key, sig in (self.after or {}).items()
            if key not in skipped and signature(Path(key)) != sig
        ]

    def _database_files(self) -> set[str]:
        paths = [*self.databases("snapshot"), *self.databases("replaced")]
        return {str(path) + suffix for path in paths for suffix in ("", *COMPANIONS)}

    def undo(self) -> list[str]:
        """Put every recorded path back as it was, newest change first.

        Returns what could not be restored (`path: reason`); empty when everything was.
        """
        guard = self.guard()
        failures: list[str] = []
        for record in reversed(self.records):
            try:
                self._undo(record, guard)
            except (OSError, PathRefused) as error:
                where = record.get("path") or record.get("dst")
                failures.append(f"{where}: {error}")
        return failures

    def _undo(self, record: dict[str, Any], guard: PathGuard) -> None:
        kind = record["kind"]
        if kind == "snapshot":
            self._undo_snapshot(record, guard)
        elif kind in {"stash", "tree"}:
            path, kept = Path(record["path"]), self._copy_of(record)
            guard.check(path, follow=False, replace=True)
            tidy(path, kept)
            if kind_of(kept) == "absent":
                return  # already put back by an earlier, interrupted undo
            remove_any(path)
            if kind == "stash":
                move_path(kept, path)
            else:
                _copy_tree(kept, path)
            tidy(path, kept)
        elif kind == "kept":
            path, kept = Path(record["path"]), self._copy_of(record)
            guard.check(path, follow=False, replace=True)
            if kind_of(kept) == "absent":
                return  # already put back by an earlier, interrupted undo
            if kind_of(path) == "dir":
                remove_any(path)
            move_path(kept, path)  # one rename over whatever is there
        elif kind == "move":
            src, dst = Path(record["src"]), Path(record["dst"])
            guard.check(src, follow=False, replace=True)
            guard.check(dst, follow=False, replace=True)
            tidy(src, dst)
            if kind_of(src) == "absent" and kind_of(dst) != "absent":
                move_path(dst, src)
                tidy(src, dst)

    def _undo_snapshot(self, record: dict[str, Any], guard: PathGuard) -> None:
        path = Path(record["path"])
        was = record["was"]
        if "for" in record:  # a folder made on the way to an allowed path
            guard.check(Path(record["for"]), follow=False)
            if kind_of(path) == "dir" and within(Path(record["for"]), path):
                shutil.rmtree(path)
            return
        guard.check(path, follow=False, replace=True)
        remove_stray_temps(path)
        if was == "absent":
            remove_any(path)
        elif was == "file":
            if kind_of(path) not in {"file", "absent"}:
                remove_any(path)  # a link would be written through, a folder not replaced
            atomic_write(path, self._copy_of(record).read_bytes(), mode=record["mode"])
        elif was == "symlink":
            remove_any(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(record["link"])
        elif was == "dir":
            if kind_of(path) != "dir":
                remove_any(path)
                path.mkdir(parents=True)
            path.chmod(record["mode"])

    # -- the end of a journal ------------------------------------------------------------

    def discard(self) -> None:
        """Delete the journal: renamed aside first, so a crash half way leaves no replay."""
        if self.directory.exists():
            doomed = self.directory.with_name(self.directory.name + DISCARDED)
            self.directory.replace(doomed)
            fsync_directory(doomed.parent)
            shutil.rmtree(doomed, ignore_errors=True)
        shutil.rmtree(self._external_base(), ignore_errors=True)

    def move_to(self, folder: Path) -> Journal:
        """Move the journal (and its user-side twin) into `folder`, e.g. the backups."""
        external = self._external_base()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / self.directory.name
        self.directory.replace(target)
        fsync_directory(folder)
        moved = Journal(
            target, self.external_root, self.header, self.records, self._touched, self._trees
        )
        if external.exists():
            twin = moved._external_base()
            _private_folder(twin.parent)
            move_path(external, twin)
        return moved
