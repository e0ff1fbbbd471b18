"""Writes no journal can see: a subprocess changes a file (recorded as not undoable)."""

from __future__ import annotations

import subprocess

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class LeakyNote(Migration):
    """Drop a note beside the config from a shell, where no journal follows."""

    name = "leaky_note"

    def check_applicable(self) -> bool:
        return not (self.project_root / ".kuzu-memory" / "note.txt").exists()

    def migrate(self) -> MigrationResult:
        note = self.project_root / ".kuzu-memory" / "note.txt"
        subprocess.run(["sh", "-c", f"echo 'written by a shell' > '{note}'"], check=True)
        return MigrationResult(success=True, message="note written")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [LeakyNote]
