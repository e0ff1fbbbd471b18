"""Writes with plain Python I/O, not the helpers: journaled and undone all the same."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class PlainNote(Migration):
    """Drop a note beside the config with `Path.write_text`."""

    name = "plain_note"

    def check_applicable(self) -> bool:
        return not (self.project_root / ".kuzu-memory" / "note.txt").exists()

    def migrate(self) -> MigrationResult:
        (self.project_root / ".kuzu-memory" / "note.txt").write_text("written directly\n")
        return MigrationResult(success=True, message="note written")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [PlainNote]
