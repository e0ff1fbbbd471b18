"""A pack with one class whose attributes are invalid, and one valid migration."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class BadPriority(Migration):
    name = "invalid_bad_priority"
    priority = "high"  # type: ignore[assignment]  # on purpose: must be an int

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must never run")


class StillFine(Migration):
    name = "invalid_pack_still_fine"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/still-fine.txt", "ran")
        return MigrationResult(success=True, message="the valid class of the pack ran")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [BadPriority, StillFine]
