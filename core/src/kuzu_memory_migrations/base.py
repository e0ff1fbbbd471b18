"""The base classes under the module name kuzu-memory's old built-in system used.

Code written against `kuzu_memory.migrations.base` ports with one import change.
"""

from . import wire_standalone
from .contract.kinds import (
    CleanupMigration,
    ConfigMigration,
    DataMigration,
    HooksMigration,
    SchemaMigration,
    SettingsMigration,
    StructureMigration,
)
from .contract.migration import Migration
from .contract.results import MigrationResult, MigrationType

wire_standalone()

__all__ = [
    "CleanupMigration",
    "ConfigMigration",
    "DataMigration",
    "HooksMigration",
    "Migration",
    "MigrationResult",
    "MigrationType",
    "SchemaMigration",
    "SettingsMigration",
    "StructureMigration",
]
