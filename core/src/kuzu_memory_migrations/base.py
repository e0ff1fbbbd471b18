"""The base classes under the module name the old built-in system used.

Code written against `kuzu_memory.migrations.base` ports with one import change.
"""

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
