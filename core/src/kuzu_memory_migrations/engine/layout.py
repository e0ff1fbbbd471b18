"""Where a project keeps its memory and where this framework keeps its own files."""

from __future__ import annotations

import os

MEMORY_DIR = ".kuzu-memory"
LEGACY_MEMORY_DIR = "kuzu-memories"
DATABASE = f"{MEMORY_DIR}/memories.db"
WORK_DIR = f"{MEMORY_DIR}/migrations"
IDLE_STAMP = f"{WORK_DIR}/idle"
"""Relative to the project root: the fast path finds it without pathlib."""

TYPE_CHECKING = False  # pathlib alone would double the start-up path's import time
if TYPE_CHECKING:
    from pathlib import Path


class ProjectLayout:
    """Every path the framework reads or writes for one project, in one place.

    A plain class: it is on the start-up fast path, where even `dataclasses` costs too much.
    """

    __slots__ = ("root",)

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def memory_dir(self) -> Path:
        return self.root / MEMORY_DIR

    @property
    def state_file(self) -> Path:
        """The legacy-compatible state file the old built-in system also reads."""
        return self.memory_dir / "migration_state.json"

    @property
    def work_dir(self) -> Path:
        """Private (0700) folder for the journal, backups, lock and fast-path stamp."""
        return self.root / WORK_DIR

    @property
    def state_log(self) -> Path:
        """Append-only record of each migration's outcome until the run folds it in."""
        return self.work_dir / "state.log"

    @property
    def journal_dir(self) -> Path:
        return self.work_dir / "journal"

    @property
    def backups_dir(self) -> Path:
        return self.work_dir / "backups"

    @property
    def lock_file(self) -> Path:
        return self.work_dir / "lock"

    @property
    def lock_owner_file(self) -> Path:
        return self.work_dir / "lock.owner"

    @property
    def idle_stamp(self) -> Path:
        return self.root / IDLE_STAMP

    @property
    def database(self) -> Path:
        return self.root / DATABASE

    def is_project(self) -> bool:
        return self.memory_dir.is_dir() or (self.root / LEGACY_MEMORY_DIR).is_dir()

    def ensure_work_dir(self) -> Path:
        """Create the private folder; backups of settings files may hold secrets."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.work_dir, 0o700)
        return self.work_dir


def find_project_root(start: Path | None = None) -> Path:
    """The nearest ancestor holding `.kuzu-memory/`, else the starting folder."""
    from pathlib import Path

    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / MEMORY_DIR).is_dir():
            return candidate
    return here
