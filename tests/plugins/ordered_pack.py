"""A test plugin: config migrations with dependencies, one that fails, one that raises."""

from __future__ import annotations

from kuzu_memory_migrations import (
    CleanupMigration,
    ConfigMigration,
    MigrationResult,
    hookimpl,
)
from kuzu_memory_migrations.contract.migration import Migration

CONFIG = ".kuzu-memory/config.json"


class AddAlpha(ConfigMigration):
    name = "add_alpha"
    priority = 50
    config_file = CONFIG

    def migrate(self) -> MigrationResult:
        data = self.read_json(self.get_config_path())
        data["alpha"] = True
        self.write_json(self.get_config_path(), data)
        return MigrationResult(success=True, message="alpha added", changes=["alpha"])

    def check_applicable(self) -> bool:
        return "alpha" not in self.read_json(self.get_config_path())


class AddBeta(ConfigMigration):
    """Adds beta, after alpha."""

    name = "add_beta"
    priority = 10  # lower than alpha's, yet runs after it: dependencies come first
    depends_on = ("add_alpha",)
    config_file = CONFIG

    def migrate(self) -> MigrationResult:
        data = self.read_json(self.get_config_path())
        assert data["alpha"] is True
        data["beta"] = True
        self.write_json(self.get_config_path(), data)
        return MigrationResult(success=True, message="beta added")


class WritesThenFails(ConfigMigration):
    name = "writes_then_fails"
    config_file = CONFIG
    priority = 200

    def migrate(self) -> MigrationResult:
        data = self.read_json(self.get_config_path())
        data["half"] = "applied"
        self.write_json(self.get_config_path(), data)
        self.write_text(".kuzu-memory/created.txt", "should vanish")
        self.ensure_directory(".kuzu-memory/new/nested")
        return MigrationResult(success=False, message="gave up halfway")


class WritesThenRaises(ConfigMigration):
    name = "writes_then_raises"
    config_file = CONFIG
    priority = 300

    def migrate(self) -> MigrationResult:
        self.remove_path(".kuzu-memory/keep.txt")
        self.move_file(".kuzu-memory/config.json", ".kuzu-memory/moved.json")
        raise RuntimeError("exploded mid-way")


class AfterFailure(CleanupMigration):
    name = "after_failure"
    depends_on = ("writes_then_fails",)

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must not run")


class Independent(Migration):
    name = "independent"
    priority = 999

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/independent.txt", "ran")
        return MigrationResult(success=True, message="independent ran")


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [AddAlpha, AddBeta, WritesThenFails, WritesThenRaises, AfterFailure, Independent]
