"""A test plugin: two unrelated migrations that change the same config file, one after the
other (no dependency between them, as two packs' migrations would be)."""

from __future__ import annotations

from kuzu_memory_migrations import ConfigMigration, MigrationResult, hookimpl
from kuzu_memory_migrations.contract.migration import Migration

CONFIG = ".kuzu-memory/config.json"


class _SetsAKey(ConfigMigration):
    config_file = CONFIG
    key = ""

    def check_applicable(self) -> bool:
        return self.key not in self.read_json(self.get_config_path())

    def migrate(self) -> MigrationResult:
        data = self.read_json(self.get_config_path())
        data[self.key] = True
        self.write_json(self.get_config_path(), data)
        return MigrationResult(success=True, message=f"{self.key} set")


class SetsFirst(_SetsAKey):
    name = "shared_sets_first"
    priority = 10
    key = "first"


class SetsSecond(_SetsAKey):
    name = "shared_sets_second"
    priority = 20
    key = "second"


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [SetsFirst, SetsSecond]
