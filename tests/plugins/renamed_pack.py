"""A test plugin: a migration renamed since an old release, and one depending on its old name."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class Renamed(Migration):
    name = "tidy_logs_v2"
    replaces = ("tidy_logs",)

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/renamed.txt", "ran")
        return MigrationResult(success=True, message="renamed ran")


class NeedsOldName(Migration):
    name = "needs_old_name"
    priority = 1  # would run first, were it not for its dependency
    depends_on = ("tidy_logs",)

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="dependent ran")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [Renamed, NeedsOldName]
