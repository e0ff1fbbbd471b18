"""Writes around the helpers: neither undone on failure nor held back in a dry run."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class LeakyNote(Migration):
    """Drop a note beside the config, bypassing the journal."""

    name = "leaky_note"

    def check_applicable(self) -> bool:
        return not (self.project_root / ".kuzu-memory" / "note.txt").exists()

    def migrate(self) -> MigrationResult:
        (self.project_root / ".kuzu-memory" / "note.txt").write_text("written directly\n")
        return MigrationResult(success=True, message="note written")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [LeakyNote]
