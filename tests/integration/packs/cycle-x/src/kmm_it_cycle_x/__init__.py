"""Half of a dependency cycle across two packs (the other half is cycle-y)."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class NeedsY(Migration):
    name = "x_needs_y"
    depends_on = ("y_needs_x",)

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must never run")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [NeedsY]
