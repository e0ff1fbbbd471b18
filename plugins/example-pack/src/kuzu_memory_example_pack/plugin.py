"""The plugin the entry point names: hook implementations, marked with `hookimpl`.

Three hooks a pack commonly implements:

- `register_migrations` (required): the migration classes of the pack.
- `check_migration`: a say in whether a migration runs (here: a switch for our own).
- `apply_migration` as a wrapper: something around every application (here: an audit log).
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
    MigrationDeferred,
    MigrationResult,
    RunContext,
    hookimpl,
)

from .migrations import MIGRATIONS, SECTION

DISABLE_ENV = "KUZU_MEMORY_EXAMPLE_PACK_DISABLE"
"""Set (to anything but "" or "0") to veto this pack's migrations."""
AUDIT_LOG = ".kuzu-memory/audit.log"

log = logging.getLogger(__name__)


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
    """Append one JSON line per migration applied (any pack's) to .kuzu-memory/audit.log.

    A wrapper runs outside the migration's undo journal: the log is written after the
    result is known, appended with plain file IO (never through the migration's helpers,
    which would journal it and undo it on failure), and a logging failure never breaks
    the migration. A dry run writes nothing.
    """
    started = time.perf_counter()
    try:
        result = yield
    except MigrationDeferred as deferred:
        _audit(context, migration, {"success": False, "deferred": str(deferred)}, started)
        raise
    except BaseException as error:
        _audit(
            context,
            migration,
            {"success": False, "error": f"{type(error).__name__}: {error}"},
            started,
        )
        raise
    if result is not None:
        _audit(
            context,
            migration,
            {"success": result.success, "message": result.message, "changes": len(result.changes)},
            started,
        )
    return result


def _audit(
    context: RunContext, migration: Migration, outcome: dict[str, Any], started: float
) -> None:
    if context.dry_run:
        return
    record = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "migration": migration.name,
        "type": migration.migration_type.value,
        "trigger": context.trigger.value,
        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
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
