"""Migrations for kuzu-memory projects, contributed by installable packs.

This module is the package's public face: every name a pack, a host or a script uses is
listed once, in `_PUBLIC`, and resolved lazily, so that `import kuzu_memory_migrations`
stays cheap for a host that only calls `auto_migrate` at start-up.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing itself costs ms on the start-up path

__version__ = "0.2.0"

_PUBLIC = {
    "auto_migrate": ".startup",
    "StartupReport": ".startup",
    "hookimpl": ".contract.markers",
    "hookspec": ".contract.markers",
    "Migration": ".contract.migration",
    "MigrationResult": ".contract.results",
    "MigrationType": ".contract.results",
    "ConfigMigration": ".contract.kinds",
    "SchemaMigration": ".contract.kinds",
    "HooksMigration": ".contract.kinds",
    "SettingsMigration": ".contract.kinds",
    "StructureMigration": ".contract.kinds",
    "DataMigration": ".contract.kinds",
    "CleanupMigration": ".contract.kinds",
    "ConfigFiles": ".contract.kinds",
    "DatabaseWork": ".contract.kinds",
    "RunContext": ".contract.context",
    "Trigger": ".contract.context",
    "MigrationOutcome": ".contract.reports",
    "RunReport": ".contract.reports",
    "Status": ".contract.reports",
    "MigrationsError": ".contract.errors",
    "ConfigFileError": ".contract.errors",
    "DatabaseError": ".contract.errors",
    "MigrationDeferred": ".contract.errors",
    "NotPreviewable": ".contract.errors",
    "PathRefused": ".contract.errors",
}
"""Public name -> the module defining it."""

__all__ = [
    "CleanupMigration",
    "ConfigFileError",
    "ConfigFiles",
    "ConfigMigration",
    "DataMigration",
    "DatabaseError",
    "DatabaseWork",
    "HooksMigration",
    "Migration",
    "MigrationDeferred",
    "MigrationOutcome",
    "MigrationResult",
    "MigrationType",
    "MigrationsError",
    "NotPreviewable",
    "PathRefused",
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


def wire_standalone() -> None:
    """Give migrations used outside any run the engine's guarded helpers (see
    `contract.access`): the contract never imports the engine, its public face does."""
    from .contract.access import provide_standalone
    from .engine.standalone import standalone_access

    provide_standalone(standalone_access)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = _PUBLIC[name]
    value = getattr(importlib.import_module(module, __name__), name)
    if module.startswith(".contract.") and module != ".contract.markers":
        wire_standalone()
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:
    from typing import Any

    from .contract.context import RunContext, Trigger
    from .contract.errors import (
        ConfigFileError,
        DatabaseError,
        MigrationDeferred,
        MigrationsError,
        NotPreviewable,
        PathRefused,
    )
    from .contract.kinds import (
        CleanupMigration,
        ConfigFiles,
        ConfigMigration,
        DatabaseWork,
        DataMigration,
        HooksMigration,
        SchemaMigration,
        SettingsMigration,
        StructureMigration,
    )
    from .contract.markers import hookimpl, hookspec
    from .contract.migration import Migration
    from .contract.reports import MigrationOutcome, RunReport, Status
    from .contract.results import MigrationResult, MigrationType
    from .startup import StartupReport, auto_migrate
