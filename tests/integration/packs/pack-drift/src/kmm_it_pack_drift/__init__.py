"""A pack the provenance tests build twice: as released (1.0.0), then edited (2.0.0).

The test edits the line marked `EDITED` and appends a migration before `MIGRATIONS`.
"""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class First(Migration):
    name = "drift_first"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/drift-first.txt", "first")
        return MigrationResult(success=True, message="first written")


class Second(Migration):
    name = "drift_second"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/drift-second.txt", "second v1")  # EDITED
        return MigrationResult(success=True, message="second written")


MIGRATIONS: list[type[Migration]] = [First, Second]


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return MIGRATIONS
