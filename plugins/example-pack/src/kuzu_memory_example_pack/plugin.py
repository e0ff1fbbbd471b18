"""The plugin the entry point names: hook implementations, marked with `hookimpl`.

Three hooks a pack commonly implements:

- `register_migrations` (required): the migration classes of the pack.
- `check_migration`: a say in whether a migration runs (here: a switch for our own).
- `apply_migration` as a wrapper: something around every application (here: timing it).
- `migration_finished`: an observer of every settled outcome (here: an audit log).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Generator, Mapping, Sequence
from pathlib import Path
from typing import Any

from kuzu_memory_migrations import (
    ConfigFileError,
    Migration,
    MigrationOutcome,
    MigrationResult,
    RunContext,
    hookimpl,
)

from .migrations import MIGRATIONS, SECTION

DISABLE_ENV = "KUZU_MEMORY_EXAMPLE_PACK_DISABLE"
"""Set (to anything but "" or "0") to veto this pack's migrations."""
AUDIT_LOG = ".kuzu-memory/audit.log"
AUDITED = {"applied", "failed", "deferred"}
"""Outcomes of a migration that ran (one found to have nothing to do is not logged)."""

log = logging.getLogger(__name__)
_durations: dict[str, float] = {}
"""Migration name -> how long its application took, from the wrapper to the audit line."""


@hookimpl
def register_migrations() -> Sequence[type[Migration]]:
    """What this pack contributes; the framework validates each class when it loads us."""
    return list(MIGRATIONS)


def _disabled_by_config(project_root: Path) -> bool:
    """`example_pack: {enabled: false}` in config.yaml switches the pack off for a project."""
    probe = MIGRATIONS[0](project_root=project_root)
    try:
        section = probe.load_config().get(SECTION)
    except (ConfigFileError, OSError):
        return False  # an unreadable config is the config migrations' business, not ours
    return isinstance(section, Mapping) and section.get("enabled") is False


@hookimpl
def check_migration(migration: Migration, context: RunContext) -> bool | None:
    """Veto our own migrations when switched off; no opinion (None) on anyone else's.

    Returning False reports the migration as "vetoed by plugin ..."; True would force it;
    None leaves the decision to the framework (version range, then check_applicable()).
    """
    if not isinstance(migration, MIGRATIONS):
        return None
    if os.environ.get(DISABLE_ENV, "") not in {"", "0"}:
        return False
    if _disabled_by_config(context.project_root):
        return False
    return None


@hookimpl(wrapper=True)
def apply_migration(
    migration: Migration, context: RunContext
) -> Generator[None, MigrationResult | None, MigrationResult | None]:
    """Time every application (any pack's), for the audit line `migration_finished` writes.

    A wrapper surrounds the application: what it writes would belong to the migration's
    journal and be undone with it, so this one only measures.
    """
    started = time.perf_counter()
    try:
        return (yield)
    finally:
        _durations[migration.name] = round((time.perf_counter() - started) * 1000, 3)


@hookimpl
def migration_finished(
    migration: Migration, outcome: MigrationOutcome, context: RunContext
) -> None:
    """Append one JSON line per migration settled (any pack's) to .kuzu-memory/audit.log.

    Called once the outcome is final (recorded, or undone), outside any journal: the line
    stays whatever became of the migration. A dry run writes nothing.
    """
    if context.dry_run or outcome.status.value not in AUDITED:
        return
    _audit(
        context,
        migration,
        {
            "status": outcome.status.value,
            "message": outcome.reason,
            "changes": len(outcome.changes),
        },
        _durations.pop(migration.name, None),
    )


def _audit(
    context: RunContext, migration: Migration, outcome: dict[str, Any], duration: float | None
) -> None:
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "migration": migration.name,
        "type": migration.migration_type.value,
        "trigger": context.trigger.value,
        "duration_ms": duration,
        **outcome,
    }
    line = (json.dumps(record, sort_keys=True) + "\n").encode("utf-8")
    path = Path(context.project_root) / AUDIT_LOG
    try:
        # One write() of one line on an O_APPEND descriptor: concurrent writers never interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as error:
        log.warning("could not write %s: %s", path, error)
