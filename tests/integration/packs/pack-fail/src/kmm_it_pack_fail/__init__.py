"""A pack whose migration writes a file and then fails: the file must be undone."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class WritesThenFails(Migration):
    name = "fail_writes_then_fails"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/half-done.txt", "must be undone")
        return MigrationResult(success=False, message="gave up on purpose")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [WritesThenFails]
