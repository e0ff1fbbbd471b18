"""memory_vector_index_v1.12.11: the HNSW index `memory_hnsw_idx` on Memory.embedding.

Why: 1.12's semantic recall queries the index; a new 1.12 database has it. Kuzu refuses
`CREATE_VECTOR_INDEX` inside a transaction ("only supported in auto transaction mode"), so
this migration runs in snapshot mode: the database file is copied first and put back if
anything fails. (Never undone by dropping: see the facts on HNSW and DROP.)

legacy_names: none; 1.12.11 creates the index in its adapter, not in a migration.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from kuzu_memory_migrations import MigrationDeferred, MigrationResult, SchemaMigration

from ._layout import NEW_DATABASE
from ._schema import VECTOR_INDEX, UpgradeDatabase
from ._wording import tense

CREATE_INDEX = f"CALL CREATE_VECTOR_INDEX('Memory', '{VECTOR_INDEX}', 'embedding')"


class VectorIndexMigration(UpgradeDatabase, SchemaMigration):
    """Create the HNSW vector index memory_hnsw_idx on Memory.embedding (snapshot mode)."""

    name = "memory_vector_index_v1.12.11"
    from_version = "1.12.11"
    priority = 68
    depends_on: ClassVar[tuple[str, ...]] = ("database_location_v1.6.39", "schema_columns_v1.8.1")
    database_mode: ClassVar[Literal["transaction", "snapshot"]] = "snapshot"

    def _inspect(self) -> tuple[set[str], set[str]]:
        """(Memory's columns, index names)."""
        if "Memory" not in self.tables():
            return set(), set()
        rows = self.query("CALL show_indexes() RETURN *")
        return set(self.table_columns("Memory")), {str(row["index_name"]) for row in rows}

    def check_applicable(self) -> bool:
        if not self.exists(NEW_DATABASE) or self.database().engine != "kuzu":
            return False  # LadybugDB needs its VECTOR extension: kuzu-memory-ladybug builds it
        try:
            columns, indexes = self._inspect()
        except MigrationDeferred:
            return True  # migrate() meets the lock again and is deferred
        return bool(columns) and VECTOR_INDEX not in indexes

    def migrate(self) -> MigrationResult:
        columns, _ = self._inspect()
        if "embedding" not in columns and not self.context.dry_run:
            return MigrationResult(
                success=False,
                message=f"{self.database_path()}: Memory has no embedding column to index "
                "(schema_columns_v1.8.1 adds it)",
            )
        self.execute_cypher(CREATE_INDEX)  # the one use of the run's session: see _inspect
        return MigrationResult(
            success=True,
            message=f"{tense(self, 'Created', 'Would create')} the HNSW index {VECTOR_INDEX}"
            " on Memory.embedding",
            changes=[CREATE_INDEX],
        )
