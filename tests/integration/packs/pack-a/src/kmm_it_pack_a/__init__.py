"""Pack A: two migrations, the second depending on the first (despite a lower priority)."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl

TRAIL = ".kuzu-memory/trail.txt"


def append_trail(migration: Migration, step: str) -> None:
    """Each migration appends its name, so the file shows the order they ran in."""
    before = migration.read_text(TRAIL) if migration.exists(TRAIL) else ""
    migration.write_text(TRAIL, f"{before}{step}\n")


class CreateTrail(Migration):
    name = "a_create_trail"
    priority = 500

    def migrate(self) -> MigrationResult:
        append_trail(self, self.name)
        return MigrationResult(success=True, message="trail created", changes=[TRAIL])


class ExtendTrail(Migration):
    name = "a_extend_trail"
    priority = 1
    depends_on = ("a_create_trail",)

    def migrate(self) -> MigrationResult:
        append_trail(self, self.name)
        return MigrationResult(success=True, message="trail extended")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [CreateTrail, ExtendTrail]
