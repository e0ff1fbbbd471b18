"""Migrations for kuzu-memory projects, contributed by installable packs.

Public names are resolved lazily, so that `import kuzu_memory_migrations` stays cheap for
a host that only calls `auto_migrate` at start-up.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing itself costs ms on the start-up path

__version__ = "0.1.0"

_PUBLIC = {
    "auto_migrate": ".startup",
    "StartupReport": ".startup",
    "hookimpl": ".contract.markers",
    "hookspec": ".contract.markers",
    "Migration": ".contract.migration",
    "ConfigFileError": ".contract.migration",
    "MigrationResult": ".contract.results",
    "MigrationType": ".contract.results",
    "MigrationDeferred": ".contract.results",
    "ConfigMigration": ".contract.kinds",
    "SchemaMigration": ".contract.kinds",
    "HooksMigration": ".contract.kinds",
    "SettingsMigration": ".contract.kinds",
    "StructureMigration": ".contract.kinds",
    "DataMigration": ".contract.kinds",
    "CleanupMigration": ".contract.kinds",
    "RunContext": ".contract.context",
    "Trigger": ".contract.context",
    "MigrationOutcome": ".contract.reports",
    "RunReport": ".contract.reports",
    "Status": ".contract.reports",
}

__all__ = [
    "CleanupMigration",
    "ConfigFileError",
    "ConfigMigration",
    "DataMigration",
    "HooksMigration",
    "Migration",
    "MigrationDeferred",
    "MigrationOutcome",
    "MigrationResult",
    "MigrationType",
    "RunContext",
    "RunReport",
    "SchemaMigration",
    "SettingsMigration",
    "StartupReport",
    "Status",
    "StructureMigration",
    "Trigger",
    "__version__",
    "auto_migrate",
    "hookimpl",
    "hookspec",
]


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from typing import Any

    from .contract.context import RunContext, Trigger
    from .contract.kinds import (
        CleanupMigration,
        ConfigMigration,
        DataMigration,
        HooksMigration,
        SchemaMigration,
        SettingsMigration,
        StructureMigration,
    )
    from .contract.markers import hookimpl, hookspec
    from .contract.migration import ConfigFileError, Migration
    from .contract.reports import MigrationOutcome, RunReport, Status
    from .contract.results import MigrationDeferred, MigrationResult, MigrationType
    from .startup import StartupReport, auto_migrate
