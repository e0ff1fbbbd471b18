"""Every hook of kuzu-memory-migrations, in one module: each docstring is its documentation.

A pack implements any of them in the object its `kuzu_memory.migrations` entry point names,
marking each function with `kuzu_memory_migrations.hookimpl`. An implementation may take any
subset of a hook's arguments, by name. The core's own behaviour is a plugin too, called last
(`trylast`), so a pack can override it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .markers import hookspec

if TYPE_CHECKING:
    from .context import RunContext
    from .migration import Migration
    from .reports import MigrationOutcome, RunReport
    from .results import MigrationResult


@hookspec
def register_migrations() -> Sequence[type[Migration]]:
    """Return the migration classes this plugin contributes.

    Called once per plugin when packs are loaded. Each class is validated (name present and
    unique across packs, versions PEP 440, priority an int); a bad class is reported with
    its distribution and left out, without stopping the other packs.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def check_migration(migration: Migration, context: RunContext) -> bool | None:
    """Decide whether a pending migration should be applied in this run.

    Return False to skip it (reported as vetoed by your plugin), True to force it, None for
    no opinion. The first non-None answer wins; the core's default answers last: the
    version range of its axis distribution, then `migration.check_applicable()`.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def apply_migration(migration: Migration, context: RunContext) -> MigrationResult | None:
    """Apply one migration and return its result; the first non-None result wins.

    The core's default calls `migration.migrate()`. Wrap every application with
    `@hookimpl(wrapper=True)` (`result = yield`) to time, audit or guard it: the journal
    undoes file changes whatever the wrapper does, if the result is a failure or raises.
    """
    raise NotImplementedError


@hookspec
def run_started(context: RunContext, pending: Sequence[Migration]) -> None:
    """A run is about to apply `pending`, in that order (also called for a dry run)."""


@hookspec
def migration_finished(
    migration: Migration, outcome: MigrationOutcome, context: RunContext
) -> None:
    """A migration was applied, failed, was rolled back, deferred or blocked."""


@hookspec
def run_finished(context: RunContext, report: RunReport) -> None:
    """A run ended; `report` holds every outcome. Not called when nothing was pending."""
