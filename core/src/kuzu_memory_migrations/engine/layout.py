"""Where a project keeps its memory and where this framework keeps its own files.

Inside the project: `.kuzu-memory/migrations/` (private, 0700, ignored by git) holds the
framework's records, journals of migrations under way, backups of applied ones, the lock
and the fast-path stamp. Copies of files from outside the project (`~/.claude.json`, the
user's Claude settings) never go there: they are kept in the user's own state folder.
"""

from __future__ import annotations

import os

from ..contract.layout import DATABASE, LEGACY_MEMORY_DIRS, MEMORY_DIR

WORK_DIR = f"{MEMORY_DIR}/migrations"
IDLE_STAMP = f"{WORK_DIR}/idle"
"""Relative to the project root: the fast path finds it without pathlib."""
RECORDS = f"{WORK_DIR}/records.sqlite"
GITIGNORE = "# kuzu-memory-migrations' working files: journals, backups, lock. Never commit.\n*\n"

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
        """The legacy state file kuzu-memory's built-in system reads and rewrites."""
        return self.memory_dir / "migration_state.json"

    @property
    def work_dir(self) -> Path:
        """Private (0700) folder for the records, journals, backups, lock and stamp."""
        return self.root / WORK_DIR

    @property
    def records(self) -> Path:
        """The framework's own records (history, provenance, failures): SQLite."""
        return self.root / RECORDS

    @property
    def journal_dir(self) -> Path:
        return self.work_dir / "journal"

    @property
    def backups_dir(self) -> Path:
        return self.work_dir / "backups"

    @property
    def gitignore(self) -> Path:
        return self.work_dir / ".gitignore"

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

    def external_dir(self) -> Path:
        """Where copies of files outside the project go: the user's state folder, one
        sub-folder per project (by its resolved path), readable by the owner only."""
        import hashlib
        from pathlib import Path

        base = os.environ.get("XDG_STATE_HOME") or os.path.join(
            os.path.expanduser("~"), ".local", "state"
        )
        real = os.path.realpath(self.root)
        key = hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return Path(base) / "kuzu-memory-migrations" / f"{os.path.basename(real)}-{key}"

    def is_project(self) -> bool:
        return self.memory_dir.is_dir() or any(
            (self.root / folder).is_dir() for folder in LEGACY_MEMORY_DIRS
        )

    def ensure_work_dir(self) -> Path:
        """Create the private folder, ignored by git: its backups may hold secrets."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.work_dir, 0o700)
        if not self.gitignore.exists():
            from .atomic import atomic_write

            atomic_write(self.gitignore, GITIGNORE.encode())
        return self.work_dir


def find_project_root(start: Path | None = None) -> Path:
    """The nearest ancestor that is a kuzu-memory project, else the starting folder."""
    from pathlib import Path

    here = Path(os.path.abspath(start or Path.cwd()))
    for candidate in (here, *here.parents):
        if ProjectLayout(candidate).is_project():
            return candidate
    return here
