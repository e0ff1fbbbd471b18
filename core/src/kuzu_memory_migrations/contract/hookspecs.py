"""Every hook of kuzu-memory-migrations, in one module: each docstring is its documentation.

A pack implements any of them in the object its `kuzu_memory.migrations` entry point names
(usually a module), marking each function with `kuzu_memory_migrations.hookimpl`. An
implementation may take any subset of a hook's arguments, by name. Pluggy's semantics hold
for every hook, `tryfirst`/`trylast` and wrappers (`hookimpl(wrapper=True)`) included. The
core's own behaviour is a plugin too, called last (`trylast`), so a pack can override it.

The plugin object may also set `version_axis = "<distribution>"`: the distribution whose
installed version the version ranges of all its migrations are read against (a class's own
`version_axis` still wins), e.g. `"kuzu-memory"` for code ported from its built-in system.

**Dry runs.** `status`, `plan`, `check` call `check_migration`; `run --dry-run` also calls
`apply_migration` and the three lifecycle hooks, with `context.dry_run` true. In those
calls every write of pack code is refused, whatever it uses (helpers only show diffs; plain
`open`, `os`, `shutil`, `pathlib` and subprocesses raise `NotPreviewable` and are reported
as not previewable, with the file and line that tried). So a wrapper can never write
during a preview; check `context.dry_run` to skip such work quietly.

**Errors.** An exception, `SystemExit` or `KeyboardInterrupt` raised by a hook fails the
migration it was called for (or, for the lifecycle hooks, is reported), naming the
plugin's distribution; it never ends the process.
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
    version range of its axis distribution, then `migration.check_applicable()`. Called in
    plans and dry runs too (`context.dry_run`), where nothing may be written. Any file a
    check changes in a real run is journaled with the migration.
    """
    raise NotImplementedError


@hookspec(firstresult=True)
def apply_migration(migration: Migration, context: RunContext) -> MigrationResult | None:
    """Apply one migration and return its result; the first non-None result wins.

    The core's default calls `migration.migrate()`. Wrap every application with
    `@hookimpl(wrapper=True)` (`result = yield`) to time or guard it. Files changed here,
    by the migration or by a wrapper, belong to the migration's journal: they are undone
    with it when it fails. To record something that must outlive a failure (an audit log),
    use `migration_finished`. Called in dry runs too, where nothing may be written.
    """
    raise NotImplementedError


@hookspec
def run_started(context: RunContext, pending: Sequence[Migration]) -> None:
    """A run is about to apply `pending`, in that order (also called for a dry run)."""


@hookspec
def migration_finished(
    migration: Migration, outcome: MigrationOutcome, context: RunContext
) -> None:
    """A migration was applied, failed, deferred or blocked; its outcome is final (recorded,
    or undone). The place for audit logs: what this hook writes is not journaled."""


@hookspec
def run_finished(context: RunContext, report: RunReport) -> None:
    """A run ended; `report` holds every outcome. Not called when nothing was pending."""
