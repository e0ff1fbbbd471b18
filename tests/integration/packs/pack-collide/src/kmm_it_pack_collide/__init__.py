"""A pack defining a migration whose name pack A already uses."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class SameName(Migration):
    name = "a_create_trail"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must never run")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [SameName]
