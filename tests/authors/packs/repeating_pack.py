"""Not idempotent: every application appends again, as a `reset` would reveal."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl

LOG = ".kuzu-memory/repeated.txt"


class AppendLine(Migration):
    """Append a line, whatever is there already."""

    name = "append_line"

    def migrate(self) -> MigrationResult:
        before = self.read_text(LOG) if self.exists(LOG) else ""
        self.write_text(LOG, before + "once more\n")
        return MigrationResult(success=True, message="appended")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [AppendLine]
