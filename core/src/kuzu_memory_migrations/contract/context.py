"""What a migration and every hook can see of the run it is part of: plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .migration import Migration


class Trigger(StrEnum):
    """How a migration came to run; recorded in its provenance as `how`."""

    RUN = "run"
    STARTUP = "startup"
    STAMP = "stamp"
    ROLLBACK = "rollback"
    HOST = "host"  # recorded by kuzu-memory's own built-in migration system
    DIRECT = "direct"  # a migration object used on its own, outside any run


@dataclass(frozen=True)
class RunContext:
    """The run a migration is checked or applied in: where, why, and against which versions.

    `dry_run` is true for `run --dry-run`, and also while `status`, `plan` and `check`
    ask migrations whether they have work: nothing may be written then.
    """

    project_root: Path
    trigger: Trigger = Trigger.DIRECT
    dry_run: bool = False
    run_id: str = ""
    axes: dict[str, str] = field(default_factory=dict)
    """Migration name -> the distribution its version range is read against."""
    installed_versions: dict[str, str] = field(default_factory=dict)
    migrated_versions: dict[str, str] = field(default_factory=dict)
    """Distribution -> the version this project was last completely migrated to."""

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
