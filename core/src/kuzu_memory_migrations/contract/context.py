"""What a migration and every hook can see of the run it is part of."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..engine.database import DatabaseSession
    from .migration import Migration


class Trigger(StrEnum):
    """How a migration came to run; recorded in its provenance."""

    RUN = "run"
    STARTUP = "startup"
    STAMP = "stamp"
    ROLLBACK = "rollback"
    DIRECT = "direct"  # a migration object used on its own, outside any run


class Progress(Protocol):
    """Progress of long work (data migrations); silent at start-up and under --json."""

    def advance(self, amount: int = 1) -> None: ...

    def close(self) -> None: ...


class SilentProgress:
    def advance(self, amount: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


ProgressFactory = Callable[[str, "int | None"], Progress]


def silent_progress(label: str, total: int | None) -> Progress:
    return SilentProgress()


@dataclass
class RunContext:
    """The run a migration is applied in: where, why, how, and its database session."""

    project_root: Path
    trigger: Trigger = Trigger.DIRECT
    dry_run: bool = False
    progress: ProgressFactory = silent_progress
    axes: dict[str, str] = field(default_factory=dict)
    """Migration name -> the distribution its version range is read against."""
    installed_versions: dict[str, str] = field(default_factory=dict)
    migrated_versions: dict[str, str] = field(default_factory=dict)
    """Distribution -> the version this project was last completely migrated to."""
    _database: DatabaseSession | None = None

    def out_of_range(self, migration: Migration) -> str | None:
        """Why the migration's version range excludes it now, or None when it is inside.

        Inside means: the axis distribution is installed at `from_version` or later, and
        the project was last migrated to a version before `to_version` (legacy semantics).
        """
        from packaging.version import Version

        axis = self.axes.get(migration.name) or migration.version_axis
        if axis is None:
            return None
        installed = self.installed_versions.get(axis)
        if installed is None:
            return f"{axis} is not installed"
        if Version(installed) < Version(migration.from_version):
            return f"needs {axis} >= {migration.from_version}, installed {installed}"
        migrated = self.migrated_versions.get(axis, "0.0.0")
        if Version(migrated) >= Version(migration.to_version):
            return f"project already migrated to {axis} {migrated} (range ends before it)"
        return None

    def database(self, path: Path | None = None) -> DatabaseSession:
        """The database session of the migration being applied (opened on first use).

        Read-only in a dry run; otherwise its statements form one transaction that the
        runner commits when the migration succeeds and rolls back when it does not.
        """
        from ..engine.database import DatabaseError, DatabaseSession
        from ..engine.layout import ProjectLayout

        path = path or ProjectLayout(self.project_root).database
        if self._database is None:
            self._database = DatabaseSession(path, read_only=self.dry_run)
        elif self._database.path != path:
            raise DatabaseError(
                f"one migration uses one database: {self._database.path} is open, not {path}"
            )
        return self._database

    def commit(self) -> None:
        """Commit the database work of the migration that just succeeded (the runner's call)."""
        if self._database is not None:
            self._database.commit()

    def close(self) -> None:
        """Release the database (rolling back what was not committed)."""
        if self._database is not None:
            self._database.close()
            self._database = None
