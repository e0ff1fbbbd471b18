"""cleanup_logs_v1.8.0: the log folders of releases before 1.8 are removed.

Why: hooks used to log into `.kuzu-memory/logs/` (growing without bound inside the project)
and `/tmp/kuzu-memory-hooks/`; since 1.8 nothing writes or reads there. Removal goes through
the journal, so a failed run puts every file back. Replaces 1.12's `cleanup_old_logs_v1.8.0`:
a project where that ran counts this as applied.

legacy_names: `cleanup_old_logs_v1.8.0`, so 1.12.11 does not delete the folders again
(outside the journal) after this ran.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from kuzu_memory_migrations import CleanupMigration, MigrationResult

from ._layout import MEMORY_DIR
from ._wording import tense


class CleanupLogsMigration(CleanupMigration):
    """Remove .kuzu-memory/logs/ and /tmp/kuzu-memory-hooks/ (undoably)."""

    name = "cleanup_logs_v1.8.0"
    from_version = "1.8.0"
    priority = 900
    replaces = ("cleanup_old_logs_v1.8.0",)
    legacy_names: ClassVar[tuple[str, ...]] = ("cleanup_old_logs_v1.8.0",)
    project_logs: ClassVar[str] = f"{MEMORY_DIR}/logs"
    shared_logs: ClassVar[Path] = Path("/tmp/kuzu-memory-hooks")
    """Outside the project, so declared: the path guard refuses undeclared outside paths."""

    def declared_paths(self) -> list[Path]:
        return [self.shared_logs]

    def _targets(self) -> list[Path]:
        return [self.path(self.project_logs), self.shared_logs]

    def check_applicable(self) -> bool:
        return any(self.exists(path) or path.is_symlink() for path in self._targets())

    def migrate(self) -> MigrationResult:
        changes = [f"Removed {path}" for path in self._targets() if self.remove_path(path)]
        return MigrationResult(
            success=True,
            message=f"{tense(self, 'Removed', 'Would remove')} {len(changes)} old log folder(s)",
            changes=changes,
        )
