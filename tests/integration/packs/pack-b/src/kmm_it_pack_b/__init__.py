"""Pack B: one migration that depends on a migration of pack A (a cross-pack dependency)."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl

TRAIL = ".kuzu-memory/trail.txt"


class AfterPackA(Migration):
    name = "b_after_pack_a"
    priority = 0
    depends_on = ("a_extend_trail",)

    def migrate(self) -> MigrationResult:
        before = self.read_text(TRAIL)
        self.write_text(TRAIL, f"{before}{self.name}\n")
        return MigrationResult(success=True, message="ran after pack A")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [AfterPackA]
