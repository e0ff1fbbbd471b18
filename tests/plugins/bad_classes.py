"""A test plugin whose classes are invalid in every way the catalog checks."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class NoName(Migration):
    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="")


class BadVersion(Migration):
    name = "bad_version"
    from_version = "not-a-version"


class BadPriority(Migration):
    name = "bad_priority"
    priority = "high"  # type: ignore[assignment]


class Duplicate(Migration):
    """Also defined by ordered_twin: a clash across packs."""

    name = "twin"


class Fine(Migration):
    name = "fine_one"

    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="fine")


@hookimpl
def register_migrations() -> list[object]:
    return [NoName, BadVersion, BadPriority, Duplicate, Fine, "not a class"]
