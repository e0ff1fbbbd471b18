"""Attributes a pack must not get wrong: an empty range, a clash, a dependency nobody has."""

from __future__ import annotations

from kuzu_memory_migrations import Migration, MigrationResult, hookimpl


class _Noop(Migration):
    def migrate(self) -> MigrationResult:
        return MigrationResult(success=True, message="nothing")


class EmptyRange(_Noop):
    name = "empty_range"
    from_version = "2.0"
    to_version = "1.0"


class Twin(_Noop):
    name = "twin"


class OtherTwin(_Noop):
    name = "twin"


class Orphan(_Noop):
    name = "orphan"
    depends_on = ("provided_by_nobody",)


class Cycle(_Noop):
    name = "cycle_a"
    depends_on = ("cycle_b",)


class CycleBack(_Noop):
    name = "cycle_b"
    depends_on = ("cycle_a",)


class BadVersion(_Noop):
    name = "bad_version"
    from_version = "one.two"


@hookimpl
def register_migrations() -> list[type[Migration]]:
    return [EmptyRange, Twin, Orphan, Cycle, CycleBack, BadVersion]


@hookimpl(specname="register_migrations")
def register_more() -> list[type[Migration]]:
    return [OtherTwin]
