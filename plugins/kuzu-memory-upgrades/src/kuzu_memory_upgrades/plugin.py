"""The pack's plugin: what its `kuzu_memory.migrations` entry point names."""

from __future__ import annotations

from collections.abc import Sequence

from kuzu_memory_migrations import Migration, hookimpl

from .v1_6_33_async_hooks import AsyncHooksMigration
from .v1_6_39_database_location import DatabaseLocationMigration
from .v1_6_39_mcp_database import McpDatabaseMigration
from .v1_6_45_knowledge_type import KnowledgeTypeMigration
from .v1_6_46_project_tag import ProjectTagMigration
from .v1_7_0_bash_hooks import BashHooksMigration
from .v1_7_0_config_defaults import ConfigDefaultsMigration
from .v1_8_0_cleanup_logs import CleanupLogsMigration
from .v1_8_1_schema_columns import SchemaColumnsMigration
from .v1_9_0_archive_expired import ArchiveExpiredMigration
from .v1_9_0_content_hash_backfill import ContentHashBackfillMigration
from .v1_12_11_schema_tables import SchemaTablesMigration
from .v1_12_11_vector_index import VectorIndexMigration

MIGRATIONS: tuple[type[Migration], ...] = (
    DatabaseLocationMigration,
    McpDatabaseMigration,
    AsyncHooksMigration,
    KnowledgeTypeMigration,
    ProjectTagMigration,
    ConfigDefaultsMigration,
    BashHooksMigration,
    CleanupLogsMigration,
    SchemaColumnsMigration,
    ContentHashBackfillMigration,
    ArchiveExpiredMigration,
    SchemaTablesMigration,
    VectorIndexMigration,
)


@hookimpl
def register_migrations() -> Sequence[type[Migration]]:
    """Every migration of kuzu-memory's upgrade history, 1.6 -> 1.12.11."""
    return list(MIGRATIONS)
