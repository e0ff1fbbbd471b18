"""ladybug_vector_index_v0.1.0: the HNSW index on Memory.embedding of a LadybugDB database.

Why: kuzu-memory's semantic recall queries `memory_hnsw_idx`. LadybugDB's vector functions
live in its VECTOR extension, which is not bundled (`INSTALL VECTOR` downloads it), so a
move made where it cannot be loaded keeps every embedding but leaves the index out. This
migration stays deferred, saying why, until the extension loads, then builds the index.
`CREATE_VECTOR_INDEX` runs outside transactions only, so it runs in snapshot mode: the
database file is copied first and put back if anything fails.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from kuzu_memory_migrations import MigrationDeferred, MigrationResult, SchemaMigration

from ._layout import CREATE_INDEX, DATABASE, VECTOR_INDEX


class LadybugVectorIndexMigration(SchemaMigration):
    """Build the HNSW index memory_hnsw_idx of a LadybugDB database once VECTOR loads."""

    name = "ladybug_vector_index_v0.1.0"
    from_version = "0.1.0"
    priority = 960
    database_mode: ClassVar[Literal["transaction", "snapshot"]] = "snapshot"

    def check_applicable(self) -> bool:
        if not self.exists(DATABASE) or self.database().engine != "ladybug":
            return False
        if "Memory" not in self.tables() or "embedding" not in self.table_columns("Memory"):
            return False
        indexes = {str(row["index_name"]) for row in self.query("CALL show_indexes() RETURN *")}
        if VECTOR_INDEX in indexes:
            return False
        error = self.database().extension_error("VECTOR")
        if error is not None:
            raise MigrationDeferred(
                f"{self.database_path()}: the vector index {VECTOR_INDEX} waits for "
                f"LadybugDB's VECTOR extension, which cannot be loaded ({error}); every "
                "embedding is kept, and the index is built once `INSTALL VECTOR` has "
                "fetched it (online)"
            )
        return True

    def migrate(self) -> MigrationResult:
        self.execute_cypher("LOAD EXTENSION VECTOR")
        self.execute_cypher(CREATE_INDEX)
        return MigrationResult(
            success=True,
            message=f"Built the HNSW index {VECTOR_INDEX} on Memory.embedding",
            changes=[CREATE_INDEX],
        )
