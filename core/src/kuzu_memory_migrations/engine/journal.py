"""The undo journal: every file change is recorded, durably, before it happens.

One journal folder per migration application holds `journal.jsonl` (one record a line,
fsynced) and `files/` (copies and stashed originals). Undo walks the records backwards, so
a failure, an exception, Ctrl-C or a crash found on the next run puts every byte back.
Undo is idempotent: a crash during an undo is finished by replaying it again.
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

from .atomic import (
    append_durably,
    atomic_write,
    copy_durably,
    fsync_directory,
    remove_stray_temps,
)

RECORDS = "journal.jsonl"
COPIES = "files"
DISCARDED = ".discarded"
"""Suffix of a journal folder being deleted: a crash half way leaves nothing to replay."""
_PARTIAL, _TRASH = ".kmm-partial", ".kmm-trash"


class JournalError(Exception):
    """A journal could not be read or replayed; names the journal folder."""


def _kind_of(path: Path) -> str:
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
    kind = _kind_of(path)
    if kind == "dir":
        shutil.rmtree(path)
    elif kind != "absent":
        path.unlink()


def _beside(path: Path, tag: str) -> Path:
    return path.with_name(f".{path.name}{tag}")


def _fsync_tree(root: Path) -> None:
    """fsync every file of a copied tree, then the folders that name them."""
    if _kind_of(root) == "file":
        copy_fd = os.open(root, os.O_RDONLY)
        try:
            os.fsync(copy_fd)
        finally:
            os.close(copy_fd)
        return
    for folder, _, names in os.walk(root):
        for name in names:
            if _kind_of(Path(folder, name)) == "file":
                _fsync_tree(Path(folder, name))
        fsync_directory(Path(folder))


def _move_across(src: Path, dst: Path) -> None:
    """Move between file systems so that a crash at any point loses nothing.

    The copy is built under a side name and renamed into place only when complete; the
    source is renamed aside before it is deleted. So `dst` is whole or absent, and while
    `src` is absent `dst` is whole. `tidy` removes the side names a crash left.
    """
    partial = _beside(dst, _PARTIAL)
    remove_any(partial)
    if _kind_of(src) == "dir":
        shutil.copytree(src, partial, symlinks=True)
    else:
        shutil.copy2(src, partial, follow_symlinks=False)
    _fsync_tree(partial)
    partial.rename(dst)
    fsync_directory(dst.parent)
    trash = _beside(src, _TRASH)
    remove_any(trash)
    src.rename(trash)
    fsync_directory(src.parent)
    remove_any(trash)


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
    kind = _kind_of(path)
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
    records: list[dict[str, Any]] = field(default_factory=list)
    _touched: set[str] = field(default_factory=set)

    @classmethod
    def begin(cls, directory: Path, **header: Any) -> Journal:
        directory.mkdir(mode=0o700, parents=True, exist_ok=False)
        (directory / COPIES).mkdir(mode=0o700)
        journal = cls(directory)
        journal._append({"kind": "begin", **header})
        return journal

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
        journal = cls(directory)
        for number, line in enumerate(lines, start=1):
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                if number == len(lines):
                    break
                raise JournalError(f"{directory / RECORDS}:{number}: corrupt record") from None
            journal.records.append(record)
        journal._touched.update(str(path) for path in journal.touched_paths())
        if journal.records and journal.records[0].get("kind") != "begin":
            raise JournalError(f"{directory / RECORDS}: no begin record")
        return journal

    @property
    def header(self) -> dict[str, Any]:
        return self.records[0] if self.records else {}

    @property
    def committed(self) -> bool:
        return any(record["kind"] == "commit" for record in self.records)

    def databases(self, mode: str) -> list[Path]:
        """Databases changed in `transaction` mode (no copy to restore) or from a `snapshot`."""
        return [
            Path(r["path"]) for r in self.records if r["kind"] == "database" and r["mode"] == mode
        ]

    def touched_paths(self) -> Iterator[Path]:
        for record in self.records:
            if record["kind"] == "database":
                continue
            for key in ("path", "src", "dst"):
                if key in record:
                    yield Path(record[key])

    # -- recording, always before the change -------------------------------------------

    def _append(self, record: dict[str, Any]) -> None:
        append_durably(self.directory / RECORDS, json.dumps(record, sort_keys=True))
        self.records.append(record)

    def _copy_name(self) -> str:
        return f"{COPIES}/{len(self.records)}"

    def snapshot(self, path: Path) -> Path | None:
        """Remember what is at `path` (first touch wins); returns the copy, if one was made.

        The copy is on disk (fsynced) before the record that points to it.
        """
        key = str(path)
        if key in self._touched:
            return self._existing_copy(key)
        kind = _kind_of(path)
        record: dict[str, Any] = {"kind": "snapshot", "path": key, "was": kind}
        copy: Path | None = None
        if kind == "file":
            record["copy"] = self._copy_name()
            record["mode"] = path.stat().st_mode & 0o7777
            copy = self.directory / record["copy"]
            copy_durably(path, copy)
        elif kind == "symlink":
            record["link"] = os.readlink(path)
        elif kind == "dir":
            record["mode"] = path.stat().st_mode & 0o7777
        self._touched.add(key)
        self._append(record)
        return copy

    def _existing_copy(self, key: str) -> Path | None:
        for record in self.records:
            if record.get("path") == key and "copy" in record:
                return self.directory / str(record["copy"])
        return None

    def stash(self, path: Path) -> None:
        """Move `path` into the journal instead of deleting it: undo moves it back."""
        record = {"kind": "stash", "path": str(path), "stash": self._copy_name()}
        self._touched.add(str(path))
        self._append(record)
        move_path(path, self.directory / record["stash"])

    def record_move(self, src: Path, dst: Path) -> None:
        self._touched.update((str(src), str(dst)))
        self._append({"kind": "move", "src": str(src), "dst": str(dst)})

    def record_database(self, path: Path, mode: str) -> None:
        """Note database work: `transaction` (undone by Kuzu) or `snapshot` (files copied)."""
        record = {"kind": "database", "path": str(path), "mode": mode}
        if record not in self.records:
            self._append(record)

    def commit(self) -> None:
        skipped = self._database_files()
        after = {key: signature(Path(key)) for key in sorted(self._touched - skipped)}
        self._append({"kind": "commit", "after": after})

    # -- undoing ------------------------------------------------------------------------

    def edited_since_commit(self) -> list[Path]:
        """Paths changed after the migration finished: a later rollback would lose those edits.

        Database files are left out: Kuzu rewrites them on a mere open, so their bytes
        cannot tell (`rollback` asks before restoring a database snapshot instead).
        """
        after: dict[str, list[Any]] = next(
            (r["after"] for r in self.records if r["kind"] == "commit"), {}
        )
        skipped = self._database_files()
        return [
            Path(key)
            for key, sig in after.items()
            if key not in skipped and signature(Path(key)) != sig
        ]

    def _database_files(self) -> set[str]:
        return {
            str(path) + suffix for path in self.databases("snapshot") for suffix in ("", ".wal")
        }

    def undo(self) -> None:
        """Put every recorded path back as it was, newest change first."""
        for record in reversed(self.records):
            kind = record["kind"]
            if kind == "snapshot":
                self._undo_snapshot(record)
            elif kind == "stash":
                path, stashed = Path(record["path"]), self.directory / record["stash"]
                tidy(path, stashed)
                if _kind_of(stashed) != "absent":
                    remove_any(path)
                    move_path(stashed, path)
                    tidy(path, stashed)
            elif kind == "move":
                src, dst = Path(record["src"]), Path(record["dst"])
                tidy(src, dst)
                if _kind_of(src) == "absent" and _kind_of(dst) != "absent":
                    move_path(dst, src)
                    tidy(src, dst)

    def _undo_snapshot(self, record: dict[str, Any]) -> None:
        path = Path(record["path"])
        was = record["was"]
        remove_stray_temps(path)
        if was == "absent":
            remove_any(path)
        elif was == "file":
            if _kind_of(path) not in {"file", "absent"}:
                remove_any(path)  # a link would be written through, a folder not replaced
            atomic_write(path, (self.directory / record["copy"]).read_bytes(), mode=record["mode"])
        elif was == "symlink":
            remove_any(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to(record["link"])
        elif was == "dir":
            if _kind_of(path) != "dir":
                remove_any(path)
                path.mkdir(parents=True)
            path.chmod(record["mode"])

    def discard(self) -> None:
        """Delete the journal: renamed aside first, so a crash half way leaves no replay."""
        doomed = self.directory.with_name(self.directory.name + DISCARDED)
        self.directory.replace(doomed)
        fsync_directory(doomed.parent)
        shutil.rmtree(doomed, ignore_errors=True)
