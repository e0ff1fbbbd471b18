"""Migrations and hooks that misbehave in every way the reliability tests try.

Each bad migration is isolated by name; `rel_good` must still apply beside them all.
"""

from __future__ import annotations

from typing import Any

from kuzu_memory_migrations import ConfigMigration, MigrationResult, hookimpl
from kuzu_memory_migrations.contract.migration import Migration

SETTINGS = ".kuzu-memory/settings.json"


class Good(Migration):
    name = "rel_good"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/good.txt", "good")
        return MigrationResult(success=True, message="good")


class ReadsSettings(ConfigMigration):
    """Adds a key to a JSON config that may be invalid."""

    name = "rel_reads_settings"
    config_file = SETTINGS

    def migrate(self) -> MigrationResult:
        data = self.load_config()
        data["added"] = True
        self.save_config(data)
        return MigrationResult(success=True, message="key added")


class Raises(Migration):
    name = "rel_raises"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/half.txt", "half")
        raise ValueError("broke after one write")


class ReturnsNone(Migration):
    name = "rel_returns_none"

    def migrate(self) -> MigrationResult:
        self.write_text(".kuzu-memory/none.txt", "none")
        return None  # type: ignore[return-value]


class Escapes(Migration):
    name = "rel_escapes"

    def migrate(self) -> MigrationResult:
        self.write_text("../escaped.txt", "outside the project")
        return MigrationResult(success=True, message="must not happen")


class CheckHookRaises(Migration):
    name = "rel_check_hook_raises"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must not run")


class CheckHookJunk(Migration):
    name = "rel_check_hook_junk"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must not run")


class ApplyHookJunk(Migration):
    name = "rel_apply_hook_junk"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must not run")


class ApplyHookRaises(Migration):
    name = "rel_apply_hook_raises"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="must not run")


class Cycle1(Migration):
    name = "rel_cycle_1"
    depends_on = ("rel_cycle_2",)


class Cycle2(Migration):
    name = "rel_cycle_2"
    depends_on = ("rel_cycle_1",)


class NeedsMissing(Migration):
    name = "rel_needs_missing"
    depends_on = ("not_installed_anywhere",)


class BadVersion(Migration):
    name = "rel_bad_version"
    from_version = "one point two"


class BadPriority(Migration):
    name = "rel_bad_priority"
    priority = "high"  # type: ignore[assignment]


class Twin(Migration):
    name = "rel_twin"


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [
        Good,
        ReadsSettings,
        Raises,
        ReturnsNone,
        Escapes,
        CheckHookRaises,
        CheckHookJunk,
        ApplyHookJunk,
        ApplyHookRaises,
        Cycle1,
        Cycle2,
        NeedsMissing,
        BadVersion,
        BadPriority,
        Twin,
    ]


@hookimpl
def check_migration(migration: Migration) -> Any:
    if migration.name == "rel_check_hook_raises":
        raise RuntimeError("check hook exploded")
    if migration.name == "rel_check_hook_junk":
        return "maybe"
    return None


@hookimpl
def apply_migration(migration: Migration) -> Any:
    if migration.name == "rel_apply_hook_junk":
        return 42
    if migration.name == "rel_apply_hook_raises":
        raise RuntimeError("apply hook exploded")
    return None
