"""The core's own hook implementations, called after every pack's (`trylast`).

They are what happens when no pack has an opinion: check the version range and ask the
migration, then call `migrate()`.
"""

from __future__ import annotations

from ..contract.context import RunContext
from ..contract.markers import hookimpl
from ..contract.migration import Migration
from ..contract.results import MigrationResult


@hookimpl(trylast=True)
def check_migration(migration: Migration, context: RunContext) -> bool:
    return context.out_of_range(migration) is None and migration.check_applicable()


@hookimpl(trylast=True)
def apply_migration(migration: Migration) -> MigrationResult:
    return migration.migrate()
