"""A pack for the fast-path tests: one config and one schema migration on a real database."""

from __future__ import annotations

from kuzu_memory_migrations import ConfigMigration, MigrationResult, SchemaMigration, hookimpl
from kuzu_memory_migrations.contract.migration import Migration


class AddTheme(ConfigMigration):
    name = "perf_add_theme"
    config_file = ".kuzu-memory/settings.json"

    def check_applicable(self) -> bool:
        return "theme" not in self.read_json(self.get_config_path())

    def migrate(self) -> MigrationResult:
        data = self.read_json(self.get_config_path())
        data["theme"] = "dark"
        self.write_json(self.get_config_path(), data)
        return MigrationResult(success=True, message="theme added")


class AddPinnedColumn(SchemaMigration):
    name = "perf_add_pinned"

    def check_applicable(self) -> bool:
        return super().check_applicable() and "pinned" not in self.table_columns("Memory")

    def migrate(self) -> MigrationResult:
        self.execute_cypher("ALTER TABLE Memory ADD pinned BOOLEAN DEFAULT false")
        return MigrationResult(success=True, message="pinned column added")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [AddTheme, AddPinnedColumn]
