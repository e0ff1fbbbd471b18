"""Half of a dependency cycle across two packs (the other half is cycle-x)."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class NeedsX(Migration):
    name = "y_needs_x"
    depends_on = ("x_needs_y",)

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must never run")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [NeedsX]
